"""A Yousign API v3 look-alike on loopback, following ``specs/yousign-v3-openapi.yml``.

The API is served under ``/v3`` like ``https://api-sandbox.yousign.app/v3``,
so ``base_url`` is the server's URL plus ``/v3``. Every ``/v3`` call
authenticates with ``Authorization: Bearer <api key>`` and carries Yousign's
rate-limit headers; refusals use Yousign's error bodies (``{type, detail}``,
``{message}`` for 405 and 429). ``create_sandbox()`` starts with one demo
organisation and its API key, printed by ``liasse sandbox esign``.

What the sandbox implements so far is listed in ``plugins/esign/README.md``;
new endpoints add a route in :func:`create_sandbox` and their objects to
:class:`ESignState`, and get authentication, rate limits and error shapes
from the request hooks for free.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import io
import math
import re
import secrets
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from liasse.sandbox import DemoAccount, Sandbox
from liasse.sandbox.webhooks import WebhookSender, mount_webhook_sender

from liasse_esign import signed_pdf, signer_pages

if TYPE_CHECKING:
    from flask import Response

API_ROOT = "/v3"
DEMO_API_KEY = "demo-esign-fichorga-7c3e9a41d2b84f06"
DEMO_ORGANIZATION = "Groupe FICHORGA"
DEMO_SENDER = "signatures@fichorga.fr"

#: Yousign's sandbox quotas (developers.yousign.com "Limits"): 30 requests a
#: minute and 200 an hour per API key. Production quotas depend on the plan.
SANDBOX_PER_MINUTE = 30
SANDBOX_PER_HOUR = 200


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _timestamp(value: dt.datetime | None) -> str | None:
    """Yousign's date-time format, as the spec's examples write it: ``2024-01-18T22:59:00Z``."""
    if value is None:
        return None
    # Formatted by hand: strftime's %Y does not pad years below 1000 on every platform.
    moment = value.astimezone(dt.UTC)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


# --- objects -----------------------------------------------------------------


@attrs.define
class Workspace:
    """Yousign's ``Workspace`` schema: a team space inside an organisation."""

    name: str
    default: bool = False
    external_name: str | None = None
    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    created_at: dt.datetime = attrs.field(factory=_now)
    updated_at: dt.datetime = attrs.field(factory=_now)
    deleted_at: dt.datetime | None = None
    user_ids: list[str] = attrs.field(factory=list)

    def to_json(self) -> dict[str, Any]:
        """The object as ``GET /workspaces/default`` returns it; every field the spec requires."""
        return {
            "id": self.id,
            "name": self.name,
            "external_name": self.external_name,
            "default": self.default,
            "created_at": _timestamp(self.created_at),
            "updated_at": _timestamp(self.updated_at),
            "deleted_at": _timestamp(self.deleted_at),
            "users": [{"id": user_id} for user_id in self.user_ids],
        }


@attrs.define
class Organization:
    """A Yousign customer (here, an office): its workspaces; API keys open the whole organisation."""

    name: str
    workspaces: list[Workspace] = attrs.field(factory=list)
    user_ids: list[str] = attrs.field(factory=list)
    #: The organisation's user who sends: activation is confirmed to this address (ES-08).
    user_email: str = DEMO_SENDER

    def default_workspace(self) -> Workspace | None:
        """The workspace marked default, which Yousign uses when a call names none."""
        return next((w for w in self.workspaces if w.default and w.deleted_at is None), None)


#: Yousign's limits (developers.yousign.com "Limits"): per document, per request.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_DOCUMENTS = 50
MAX_SIGNERS = 100
MAX_NAME = 128
FIELD_WIDTH = (85, 2000)
FIELD_HEIGHT = (37, 1000)
MAX_COORDINATE = 32767
#: A signature link stays valid 48 hours by default.
LINK_VALIDITY = dt.timedelta(hours=48)
LEVELS = ("electronic_signature", "advanced_electronic_signature", "qualified_electronic_signature")
AUTH_MODES = ("otp_email", "otp_sms", "no_otp")
CANCEL_REASONS = ("contractualization_aborted", "errors_in_document", "other")
LOCALES = ("en", "fr", "de", "it", "nl", "es", "pl")
#: The spec's E.164 rule: "+", a country code that does not start with 0, at most 15 digits.
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class RequestStatus(enum.StrEnum):
    """``SignatureRequestStatus`` of the spec (those the sandbox reaches)."""

    DRAFT = "draft"
    ONGOING = "ongoing"
    DONE = "done"
    DELETED = "deleted"
    EXPIRED = "expired"
    CANCELED = "canceled"
    DECLINED = "declined"


class SignerStatus(enum.StrEnum):
    """``Signer.status`` of the spec (those the sandbox reaches)."""

    INITIATED = "initiated"
    NOTIFIED = "notified"
    CONSENT_GIVEN = "consent_given"
    SIGNED = "signed"
    DECLINED = "declined"
    ABORTED = "aborted"


#: Which request statuses each one may go to, as the spec's lifecycle says (draft → ongoing → done …).
REQUEST_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.DRAFT: frozenset({RequestStatus.ONGOING, RequestStatus.DELETED}),
    RequestStatus.ONGOING: frozenset(
        {RequestStatus.DONE, RequestStatus.DECLINED, RequestStatus.CANCELED, RequestStatus.EXPIRED}
    ),
    RequestStatus.EXPIRED: frozenset({RequestStatus.ONGOING, RequestStatus.DELETED}),
    RequestStatus.DONE: frozenset({RequestStatus.DELETED}),
    RequestStatus.DECLINED: frozenset({RequestStatus.DELETED}),
    RequestStatus.CANCELED: frozenset({RequestStatus.DELETED}),
    RequestStatus.DELETED: frozenset(),
}


@attrs.define
class Document:
    """Yousign's ``Document``: an uploaded PDF of a signature request."""

    filename: str
    nature: str
    content: bytes
    total_pages: int
    page_sizes: list[tuple[float, float]]
    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    created_at: dt.datetime = attrs.field(factory=_now)
    #: Set once every signer has signed: the PDF with the visible signatures.
    signed_content: bytes | None = None

    @property
    def sha256(self) -> str:
        """The hash of the file as uploaded."""
        return hashlib.sha256(self.content).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The object as the documents endpoints return it."""
        return {
            "id": self.id,
            "filename": self.filename,
            "nature": self.nature,
            "content_type": "application/pdf",
            "sha256": self.sha256,
            "is_protected": False,
            "is_signed": self.signed_content is not None,
            "created_at": _timestamp(self.created_at),
            "total_pages": self.total_pages,
            "is_locked": self.signed_content is not None,
            "initials": None,
            "total_anchors": 0,
            "excluded_signers": [],
            "excluded_approvers": [],
        }


@attrs.define
class Field:
    """A signature field (``FieldSignature``): top-left origin, PDF points."""

    signer_id: str
    document_id: str
    page: int
    x: int
    y: int
    width: int
    height: int
    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))

    def to_json(self) -> dict[str, Any]:
        """The field as a signer carries it."""
        return {
            "id": self.id,
            "document_id": self.document_id,
            "signer_id": self.signer_id,
            "type": "signature",
            "page": self.page,
            "x": self.x,
            "y": self.y,
            "width": self.width,
            "height": self.height,
            "reason": "Signé électroniquement",
            "display": {"layout": "minimal"},
        }


@attrs.define
class Signer:
    """Yousign's ``Signer``: who signs, how they prove it, and where."""

    first_name: str
    last_name: str
    email: str
    phone_number: str | None
    locale: str
    signature_level: str
    authentication_mode: str | None
    fields: list[Field] = attrs.field(factory=list)
    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    status: SignerStatus = SignerStatus.INITIATED
    #: The secret part of the signer's link; the page is ``/sign/<token>``.
    token: str = attrs.field(factory=lambda: secrets.token_urlsafe(24))
    link_expires_at: dt.datetime | None = None
    otp: str | None = None
    signed_at: dt.datetime | None = None
    base_url: str = ""
    #: The signer opened the whole document on the signing page (required before accepting).
    viewed: bool = False

    @property
    def full_name(self) -> str:
        """First and last name, as the signature shows them."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def link(self) -> str | None:
        """The signer's page, once the request is activated."""
        return f"{self.base_url}/sign/{self.token}" if self.link_expires_at is not None else None

    def to_json(self) -> dict[str, Any]:
        """The object as the signers endpoints return it; every field the spec requires."""
        return {
            "id": self.id,
            "info": {
                "first_name": self.first_name,
                "last_name": self.last_name,
                "email": self.email,
                "phone_number": self.phone_number,
                "locale": self.locale,
            },
            "status": self.status.value,
            "fields": [f.to_json() for f in self.fields],
            "signature_level": self.signature_level,
            "signature_authentication_mode": self.authentication_mode,
            "signature_link": self.link,
            "signature_link_expiration_date": _timestamp(self.link_expires_at),
            "signature_image_preview": None,
            "redirect_urls": {"success": None, "error": None, "decline": None},
            "custom_text": {"request_subject": None, "request_body": None, "reminder_subject": None, "reminder_body": None},
            "delivery_mode": "email",
            "identification_attestation_id": None,
            "sms_notification": {"otp_message": {"custom_text": "Votre code de signature : {{code}}"}},
            "email_notification": {"disabled": []},
            "pre_identity_verification_required": False,
            "verified_identity_id": None,
            "recipient_stage_index": 0,
            "excluded_documents": [],
            "signed_at": _timestamp(self.signed_at),
        }


@attrs.define
class SignatureRequest:
    """Yousign's ``SignatureRequest``, owned by one organisation."""

    owner: str
    name: str
    delivery_mode: str
    workspace_id: str
    sender_email: str
    external_id: str | None = None
    ordered_signers: bool = False
    signers_allowed_to_decline: bool = False
    timezone: str = "Europe/Paris"
    email_custom_note: str | None = None
    audit_trail_locale: str = "fr"
    expiration_date: dt.date | None = None
    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    status: RequestStatus = RequestStatus.DRAFT
    created_at: dt.datetime = attrs.field(factory=_now)
    activated_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    declined_at: dt.datetime | None = None
    decline_reason: str | None = None
    declined_by: str | None = None
    documents: list[Document] = attrs.field(factory=list)
    signers: list[Signer] = attrs.field(factory=list)
    #: A monotonic sequence number, the list's order and its cursor.
    sequence: int = 0

    @property
    def expires_at(self) -> dt.datetime:
        """The given date at 23:59 UTC, else six months after activation (or creation, for a draft), as Yousign does."""
        if self.expiration_date is not None:
            return dt.datetime.combine(self.expiration_date, dt.time(23, 59), dt.UTC)
        return (self.activated_at or self.created_at) + dt.timedelta(days=183)

    def move(self, target: RequestStatus) -> None:
        """Change status as the spec's lifecycle allows (a sandbox bug otherwise, never a client's)."""
        if target not in REQUEST_TRANSITIONS[self.status]:
            raise AssertionError(f"signature request {self.status} -> {target} is not in the lifecycle")
        self.status = target

    def document(self, document_id: str) -> Document | None:
        """One of the request's documents."""
        return next((d for d in self.documents if d.id == document_id), None)

    def signer(self, signer_id: str) -> Signer | None:
        """One of the request's signers."""
        return next((s for s in self.signers if s.id == signer_id), None)

    def to_json(self) -> dict[str, Any]:
        """The object as ``GET /signature_requests/{id}`` returns it; every field the spec requires."""
        decline = (
            {"signer_id": self.declined_by, "reason": self.decline_reason, "declined_at": _timestamp(self.declined_at)}
            if self.declined_at is not None
            else None
        )
        return {
            "id": self.id,
            "status": self.status.value,
            "name": self.name,
            "delivery_mode": self.delivery_mode,
            "created_at": _timestamp(self.created_at),
            "activated_at": _timestamp(self.activated_at),
            "completed_at": _timestamp(self.completed_at),
            "approved_at": None,
            "ordered_signers": self.ordered_signers,
            "ordered_approvers": False,
            "reminder_settings": None,
            "timezone": self.timezone,
            "email_custom_note": self.email_custom_note,
            "expiration_date": _timestamp(self.expires_at),
            "source": "public_api",
            "signers": [{"id": s.id, "status": s.status.value} for s in self.signers],
            "approvers": [],
            "labels": [],
            "documents": [{"id": d.id, "nature": d.nature} for d in self.documents],
            "sender": None,
            "external_id": self.external_id,
            "branding_id": None,
            "custom_experience_id": None,
            "signers_allowed_to_decline": self.signers_allowed_to_decline,
            "workspace_id": self.workspace_id,
            "audit_trail_locale": self.audit_trail_locale,
            "email_notification": {"sender": {"type": "organization", "custom_name": None}, "custom_note": None},
            "bulk_send_batch_id": None,
            "decline_information": decline,
            "rejection_information": None,
            "workflow_session_id": None,
            "previous_attempt_id": None,
            "custom_recipient_order": False,
            "custom_properties": [],
        }

    def activated_json(self) -> dict[str, Any]:
        """``SignatureRequestActivated``: the request with whole signers (their links when delivery is ``none``)."""
        body = self.to_json()
        for key in ("source", "sender", "workspace_id", "email_notification", "bulk_send_batch_id", "decline_information", "custom_properties"):
            body.pop(key, None)
        body["signers"] = [
            {"id": s.id, "status": s.status.value, "signature_link": s.link if self.delivery_mode == "none" else None,
             "signature_link_expiration_date": _timestamp(s.link_expires_at)}
            for s in self.signers
        ]
        return body


# --- rate limits -------------------------------------------------------------


@attrs.frozen
class RateStanding:
    """One consumer's standing after a request, as Yousign's rate-limit headers tell it."""

    allowed: bool
    limit_minute: int
    remaining_minute: int
    reset_minute: int
    limit_hour: int
    remaining_hour: int
    reset_hour: int

    @property
    def retry_after(self) -> int:
        """Seconds until every exhausted window has reset."""
        waits = [0]
        if self.remaining_minute <= 0:
            waits.append(self.reset_minute)
        if self.remaining_hour <= 0:
            waits.append(self.reset_hour)
        return max(waits)

    def headers(self) -> dict[str, str]:
        """Yousign's headers; the unsuffixed ``RateLimit-*`` ones describe the tighter window."""
        hour_is_tighter = self.remaining_hour < self.remaining_minute
        limit, remaining, reset = (
            (self.limit_hour, self.remaining_hour, self.reset_hour)
            if hour_is_tighter
            else (self.limit_minute, self.remaining_minute, self.reset_minute)
        )
        return {
            "RateLimit-Limit": str(limit),
            "X-RateLimit-Limit-Hour": str(self.limit_hour),
            "X-RateLimit-Limit-Minute": str(self.limit_minute),
            "RateLimit-Remaining": str(remaining),
            "X-RateLimit-Remaining-Hour": str(self.remaining_hour),
            "X-RateLimit-Remaining-Minute": str(self.remaining_minute),
            "RateLimit-Reset": str(reset),
        }


class RateLimiter:
    """Fixed minute and hour windows per API key, as Yousign counts them.

    Refused requests do not count, so a client that honours Retry-After gets
    through once the window resets. ``clock`` is injectable so a test can
    move time instead of sleeping.
    """

    def __init__(self, per_minute: int, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.per_hour = per_hour
        self._clock = clock
        self._windows: dict[tuple[str, int], list[float]] = {}
        self._lock = threading.Lock()

    def hit(self, consumer: str) -> RateStanding:
        """Count one request of ``consumer`` if its quotas allow it, and say where it stands."""
        now = self._clock()
        with self._lock:
            minute = self._window(consumer, 60, now)
            hour = self._window(consumer, 3600, now)
            allowed = minute[1] < self.per_minute and hour[1] < self.per_hour
            if allowed:
                minute[1] += 1
                hour[1] += 1
            return RateStanding(
                allowed=allowed,
                limit_minute=self.per_minute,
                remaining_minute=max(0, self.per_minute - int(minute[1])),
                reset_minute=math.ceil(minute[0] + 60 - now),
                limit_hour=self.per_hour,
                remaining_hour=max(0, self.per_hour - int(hour[1])),
                reset_hour=math.ceil(hour[0] + 3600 - now),
            )

    def _window(self, consumer: str, seconds: int, now: float) -> list[float]:
        """``[start, count]`` of the consumer's current window, opening a new one when it has run out."""
        window = self._windows.get((consumer, seconds))
        if window is None or now - window[0] >= seconds:
            window = [now, 0]
            self._windows[(consumer, seconds)] = window
        return window


# --- state -------------------------------------------------------------------


class ESignState:
    """Everything the fake Yousign holds: organisations by API key, and the rate counters."""

    def __init__(self, per_minute: int = SANDBOX_PER_MINUTE, per_hour: int = SANDBOX_PER_HOUR) -> None:
        self.organizations: dict[str, Organization] = {}
        self.rate = RateLimiter(per_minute, per_hour)
        #: Every signature request, by id; each carries its owner organisation's name.
        self.requests: dict[str, SignatureRequest] = {}
        #: Serialises changes to requests: the API's and the signer's pages run in parallel threads.
        self.lock = threading.RLock()
        self._sequence = 0

    def add_request(self, request: SignatureRequest) -> SignatureRequest:
        """Keep a new request, numbered for the list's order and cursor."""
        with self.lock:
            self._sequence += 1
            request.sequence = self._sequence
            self.requests[request.id] = request
        return request

    def signer_by_token(self, token: str) -> tuple[SignatureRequest, Signer] | None:
        """The request and signer a signing link opens, compared in constant time."""
        found = None
        with self.lock:
            for request in self.requests.values():
                for signer in request.signers:
                    if hmac.compare_digest(signer.token.encode(), token.encode()):
                        found = (request, signer)
        return found

    def add_organization(self, name: str, api_key: str) -> Organization:
        """An organisation with its default workspace and one user, opened by ``api_key``."""
        user_id = str(uuid.uuid4())
        organization = Organization(name=name, user_ids=[user_id])
        organization.workspaces.append(Workspace(name=name, default=True, user_ids=[user_id]))
        self.organizations[api_key] = organization
        return organization

    def authenticate(self, api_key: str | None) -> Organization | None:
        """The organisation this key opens, compared in constant time against every key."""
        if not api_key:
            return None
        found = None
        for key, organization in self.organizations.items():
            # No early exit: the time taken does not tell which key came close.
            if hmac.compare_digest(key.encode(), api_key.encode()):
                found = organization
        return found


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None for any other scheme."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


# --- the server --------------------------------------------------------------


def create_sandbox(
    *, per_minute: int = SANDBOX_PER_MINUTE, per_hour: int = SANDBOX_PER_HOUR, latency: float = 0.0
) -> Sandbox:
    """A fresh Yousign v3 sandbox with the demo office's organisation and API key.

    The quotas default to Yousign's sandbox ones; a test that makes many calls
    on one sandbox raises them rather than sleeping through a window.
    ``latency`` (seconds) delays every API answer, as the Internet between
    an office and Yousign does (the benchmark's 20 ms).
    """
    from flask import g, jsonify, request

    sandbox = Sandbox("esign", "ESign")
    sandbox.api_root = API_ROOT
    state = ESignState(per_minute=per_minute, per_hour=per_hour)
    state.add_organization(DEMO_ORGANIZATION, DEMO_API_KEY)
    sandbox.demo_secrets["api_key"] = DEMO_API_KEY
    sandbox.demo_accounts.append(
        DemoAccount("api-key", DEMO_API_KEY, "clé d'API de l'étude ([providers.esign] api_key) / the office's API key")
    )
    app = sandbox.app
    # Reachable by tests and later routes without a module global.
    app.config["ESIGN_STATE"] = state

    def in_api() -> bool:
        return request.path == API_ROOT or request.path.startswith(API_ROOT + "/")

    def problem(status: int, detail: str) -> Response:
        """Yousign's ``{type, detail}`` error body (400, 401, 403, 404, 415)."""
        response = jsonify({"type": "about:blank", "detail": detail})
        response.status_code = status
        return response

    def message(status: int, text: str) -> Response:
        """Yousign's ``{message}`` error body (405, 429)."""
        response = jsonify({"message": text})
        response.status_code = status
        return response

    @app.before_request
    def _authenticate() -> Response | None:
        if not in_api():
            return None
        if latency:
            time.sleep(latency)
        token = bearer_token(request.headers.get("Authorization"))
        # Quotas are per API key; calls without one share a counter per client address.
        standing = state.rate.hit(token or f"anonymous:{request.remote_addr}")
        g.esign_rate = standing
        if not standing.allowed:
            response = message(429, "Too Many Requests, please try again later.")
            response.headers["Retry-After"] = str(standing.retry_after)
            return response
        organization = state.authenticate(token)
        if organization is None:
            detail = "Invalid API key." if token else "Missing bearer token in the Authorization header."
            return problem(401, detail)
        g.esign_organization = organization
        return None

    @app.after_request
    def _rate_headers(response: Response) -> Response:
        standing: RateStanding | None = g.get("esign_rate")
        if standing is not None:
            response.headers.update(standing.headers())
        return response

    @app.errorhandler(404)
    def _not_found(exc: Exception) -> Any:
        return problem(404, "Resource not found.") if in_api() else exc

    @app.errorhandler(405)
    def _not_allowed(exc: Exception) -> Any:
        return message(405, "This method is not allowed.") if in_api() else exc

    def organization() -> Organization:
        """The organisation the request's key opened (set by the authentication hook)."""
        current: Organization = g.esign_organization
        return current

    @app.get(f"{API_ROOT}/workspaces/default")
    def workspaces_default() -> Response:
        workspace = organization().default_workspace()
        if workspace is None:
            return problem(404, "Default workspace not found.")
        return jsonify(workspace.to_json())

    sender = mount_webhook_sender(sandbox, WebhookSender(scheme="yousign"))
    app.config["ESIGN_WEBHOOKS"] = sender
    app.config["MAX_CONTENT_LENGTH"] = None  # the upload route checks the size itself, with Yousign's sentence

    @app.errorhandler(Refused)
    def _refused(exc: Refused) -> Response:
        return problem(exc.status, exc.detail)

    def owned(request_id: str) -> SignatureRequest:
        """The caller's request, or a 404 (another organisation's request does not exist for it)."""
        found = state.requests.get(request_id)
        if found is None or found.owner != organization().name or found.status is RequestStatus.DELETED:
            raise Refused(404, "Signature request not found.")
        return found

    def emit(request_: SignatureRequest, event: str, signer: Signer | None = None) -> None:
        """A Yousign webhook to every subscription of the request's organisation."""
        data: dict[str, Any] = {"signature_request": request_.to_json()}
        if signer is not None:
            data["signer"] = signer.to_json()
        sender.emit(request_.owner, event, data)

    app.config["ESIGN_EMIT"] = emit

    @app.post(f"{API_ROOT}/signature_requests")
    def signature_requests_create() -> Response:
        body = _json_object()
        if "signature_request_id" in body:
            return duplicate(body)
        name = _text(body, "name", required=True, max_length=MAX_NAME)
        delivery_mode = body.get("delivery_mode")
        if delivery_mode not in ("email", "none"):
            raise Refused(400, "delivery_mode: The value you selected is not a valid choice (email, none).")
        expiration = _text(body, "expiration_date")
        try:
            expires = dt.date.fromisoformat(expiration) if expiration else None
        except ValueError:
            raise Refused(400, "expiration_date: This value is not a valid date (YYYY-MM-DD).") from None
        locale = _text(body, "audit_trail_locale") or "fr"
        if locale not in ("de", "en", "es", "fr", "it", "pt", "ro"):
            raise Refused(400, "audit_trail_locale: The value you selected is not a valid choice.")
        org = organization()
        workspace = org.default_workspace()
        created = state.add_request(
            SignatureRequest(
                owner=org.name,
                name=name or "",
                delivery_mode=delivery_mode,
                workspace_id=workspace.id if workspace else "",
                sender_email=org.user_email,
                external_id=_text(body, "external_id"),
                ordered_signers=_flag(body, "ordered_signers", False),
                signers_allowed_to_decline=_flag(body, "signers_allowed_to_decline", False),
                timezone=_text(body, "timezone") or "Europe/Paris",
                email_custom_note=_text(body, "email_custom_note", max_length=500),
                audit_trail_locale=locale,
                expiration_date=expires,
            )
        )
        response = jsonify(created.to_json())
        response.status_code = 201
        return response

    def duplicate(body: dict[str, Any]) -> Response:
        """``Duplicate_a_Signature_Request``: a new draft with the source's settings and documents (not its signers)."""
        source = owned(str(_text(body, "signature_request_id", required=True)))
        copy = state.add_request(
            attrs.evolve(
                source,
                name=_text(body, "name", max_length=MAX_NAME) or source.name,
                id=str(uuid.uuid4()),
                status=RequestStatus.DRAFT,
                created_at=_now(),
                activated_at=None,
                completed_at=None,
                declined_at=None,
                decline_reason=None,
                declined_by=None,
                external_id=None,
                documents=[attrs.evolve(d, id=str(uuid.uuid4()), signed_content=None) for d in source.documents],
                signers=[],
            )
        )
        response = jsonify(copy.to_json())
        response.status_code = 201
        return response

    @app.get(f"{API_ROOT}/signature_requests")
    def signature_requests_list() -> Response:
        try:
            limit = int(request.args.get("limit", "100"))
        except ValueError:
            raise Refused(400, "limit: This value should be of type integer.") from None
        if not 1 <= limit <= 100:
            raise Refused(400, "limit: This value should be between 1 and 100.")
        after = request.args.get("after")
        # An opaque cursor; one this sandbox never gave points past every request (an empty page).
        start = int(after) if after and after.isdigit() and after.isascii() else (0 if not after else 10**18)
        with state.lock:
            # Other threads add requests meanwhile: read a snapshot.
            everyone = list(state.requests.values())
        mine = sorted(
            (
                r
                for r in everyone
                if r.owner == organization().name
                and r.status is not RequestStatus.DELETED
                and r.sequence > start
                and _matches(r, request.args)
            ),
            key=lambda r: r.sequence,
        )
        page = mine[:limit]
        cursor = str(page[-1].sequence) if len(mine) > limit else None
        return jsonify({"meta": {"next_cursor": cursor}, "data": [r.to_json() for r in page]})

    @app.get(f"{API_ROOT}/signature_requests/<request_id>")
    def signature_requests_read(request_id: str) -> Response:
        return jsonify(owned(request_id).to_json())

    @app.patch(f"{API_ROOT}/signature_requests/<request_id>")
    def signature_requests_update(request_id: str) -> Response:
        body = _json_object()
        with state.lock:
            found = owned(request_id)
            if found.status is not RequestStatus.DRAFT:
                raise Refused(400, f"The signature request is {found.status.value}: only a draft can be updated.")
            if "name" in body:
                found.name = _text(body, "name", required=True, max_length=MAX_NAME) or found.name
            if "external_id" in body:
                found.external_id = _text(body, "external_id")
            if "email_custom_note" in body:
                found.email_custom_note = _text(body, "email_custom_note", max_length=500)
            if "signers_allowed_to_decline" in body:
                found.signers_allowed_to_decline = _flag(body, "signers_allowed_to_decline", False)
            return jsonify(found.to_json())

    @app.delete(f"{API_ROOT}/signature_requests/<request_id>")
    def signature_requests_delete(request_id: str) -> Response:
        with state.lock:
            found = owned(request_id)
            if found.status is RequestStatus.ONGOING:
                raise Refused(400, "An ongoing signature request cannot be deleted: cancel it first.")
            found.move(RequestStatus.DELETED)
        return app.response_class(status=204)

    @app.post(f"{API_ROOT}/signature_requests/<request_id>/documents")
    def documents_upload(request_id: str) -> Response:
        found = owned(request_id)
        if found.status is not RequestStatus.DRAFT:
            raise Refused(400, f"The signature request is {found.status.value}: documents can only be added to a draft.")
        if (request.content_length or 0) > MAX_DOCUMENT_BYTES + 64 * 1024:
            raise Refused(400, f"file: The file is too large. Allowed maximum size is {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.")
        if not (request.mimetype or "").startswith("multipart/form-data"):
            raise Refused(415, "Documents are uploaded as multipart/form-data (file, nature).")
        upload = request.files.get("file")
        nature = request.form.get("nature")
        if upload is None:
            raise Refused(400, "file: This value should not be blank.")
        if nature not in ("signable_document", "attachment"):
            raise Refused(400, "nature: The value you selected is not a valid choice (signable_document, attachment).")
        content = upload.read()
        if len(content) > MAX_DOCUMENT_BYTES:
            raise Refused(400, f"file: The file is too large. Allowed maximum size is {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.")
        if not content.startswith(b"%PDF-"):
            raise Refused(400, "file: The mime type of the file is invalid. Allowed mime types are application/pdf.")
        try:
            locked, sizes = signed_pdf.inspect(content)
            if locked:
                raise Refused(400, "file: The PDF is protected against modification; upload a PDF that allows modification and form filling.")
        except Refused:
            raise
        except Exception:  # noqa: BLE001 - any parser failure is a broken file for the client
            raise Refused(400, "file: The PDF cannot be read.") from None
        if not sizes:
            raise Refused(400, "file: The PDF has no page.")
        with state.lock:
            if len(found.documents) >= MAX_DOCUMENTS:
                raise Refused(400, f"A signature request holds at most {MAX_DOCUMENTS} documents.")
            document = Document(
                filename=_text(dict(request.form), "name", max_length=MAX_NAME) or upload.filename or "document.pdf",
                nature=nature,
                content=content,
                total_pages=len(sizes),
                page_sizes=[(size.width, size.height) for size in sizes],
            )
            found.documents.append(document)
        response = jsonify(document.to_json())
        response.status_code = 201
        return response

    @app.get(f"{API_ROOT}/signature_requests/<request_id>/documents")
    def documents_list(request_id: str) -> Response:
        return jsonify([d.to_json() for d in owned(request_id).documents])

    @app.post(f"{API_ROOT}/signature_requests/<request_id>/signers")
    def signers_add(request_id: str) -> Response:
        body = _json_object()
        with state.lock:
            found = owned(request_id)
            if found.status is not RequestStatus.DRAFT:
                raise Refused(400, f"The signature request is {found.status.value}: signers can only be added to a draft.")
            if len(found.signers) >= MAX_SIGNERS:
                raise Refused(400, f"A signature request holds at most {MAX_SIGNERS} signers.")
            signer = _signer_from(body, found, sandbox.base_url)
            found.signers.append(signer)
        response = jsonify(signer.to_json())
        response.status_code = 201
        return response

    @app.get(f"{API_ROOT}/signature_requests/<request_id>/signers")
    def signers_list(request_id: str) -> Response:
        return jsonify([s.to_json() for s in owned(request_id).signers])

    def owned_signer(request_id: str, signer_id: str) -> tuple[SignatureRequest, Signer]:
        found = owned(request_id)
        signer = found.signer(signer_id)
        if signer is None:
            raise Refused(404, "Signer not found.")
        return found, signer

    @app.get(f"{API_ROOT}/signature_requests/<request_id>/signers/<signer_id>")
    def signers_read(request_id: str, signer_id: str) -> Response:
        return jsonify(owned_signer(request_id, signer_id)[1].to_json())

    @app.delete(f"{API_ROOT}/signature_requests/<request_id>/signers/<signer_id>")
    def signers_delete(request_id: str, signer_id: str) -> Response:
        with state.lock:
            found, signer = owned_signer(request_id, signer_id)
            if found.status is not RequestStatus.DRAFT:
                raise Refused(400, "Signers can only be removed from a draft.")
            found.signers.remove(signer)
        return app.response_class(status=204)

    @app.post(f"{API_ROOT}/signature_requests/<request_id>/activate")
    def signature_requests_activate(request_id: str) -> Response:
        with state.lock:
            found = owned(request_id)
            if found.status is not RequestStatus.DRAFT:
                raise Refused(400, f"The signature request is {found.status.value}: only a draft can be activated.")
            if not any(d.nature == "signable_document" for d in found.documents):
                raise Refused(400, "The signature request has no signable document.")
            if not found.signers:
                raise Refused(400, "The signature request has no signer.")
            for signer in found.signers:
                if not signer.fields:
                    raise Refused(400, f"Signer {signer.id} has no signature field.")
            now = _now()
            found.move(RequestStatus.ONGOING)
            found.activated_at = now
            for signer in found.signers:
                signer.link_expires_at = now + LINK_VALIDITY
                if found.delivery_mode == "email":
                    signer.status = SignerStatus.NOTIFIED
                    signer_pages.invite(sandbox, found, signer)
            if found.delivery_mode == "email":
                # ES-08: the sender is told the request went out.
                sandbox.outbox.email(
                    found.sender_email,
                    f"Demande de signature envoyée : {found.name}",
                    f"Votre demande « {found.name} » a été envoyée à {len(found.signers)} signataire(s).",
                )
            body = found.activated_json()
        emit(found, "signature_request.activated")
        response = jsonify(body)
        response.status_code = 201
        return response

    @app.post(f"{API_ROOT}/signature_requests/<request_id>/cancel")
    def signature_requests_cancel(request_id: str) -> Response:
        body = _json_object()
        reason = body.get("reason")
        if reason not in CANCEL_REASONS:
            raise Refused(400, f"reason: The value you selected is not a valid choice ({', '.join(CANCEL_REASONS)}).")
        _text(body, "custom_note", max_length=500)
        with state.lock:
            found = owned(request_id)
            if found.status is not RequestStatus.ONGOING:
                raise Refused(400, f"The signature request is {found.status.value}: only an ongoing one can be canceled.")
            found.move(RequestStatus.CANCELED)
            for signer in found.signers:
                if signer.status is not SignerStatus.SIGNED:
                    signer.status = SignerStatus.ABORTED
            answer = found.to_json()
        emit(found, "signature_request.canceled")
        response = jsonify(answer)
        response.status_code = 201
        return response

    @app.post(f"{API_ROOT}/signature_requests/<request_id>/signers/<signer_id>/send_reminder")
    def signers_remind(request_id: str, signer_id: str) -> Response:
        with state.lock:
            found, signer = owned_signer(request_id, signer_id)
            if found.status is not RequestStatus.ONGOING or signer.status is not SignerStatus.NOTIFIED:
                raise Refused(
                    400, f"A reminder needs an ongoing request and a notified signer (request {found.status.value}, signer {signer.status.value})."
                )
            signer_pages.invite(sandbox, found, signer, reminder=True)
        emit(found, "signature_request.reminder_executed", signer)
        return app.response_class(status=201)

    @app.get(f"{API_ROOT}/signature_requests/<request_id>/documents/download")
    def documents_download(request_id: str) -> Response:
        found = owned(request_id)
        version = request.args.get("version", "current")
        if version not in ("current", "completed"):
            raise Refused(400, "version: The value you selected is not a valid choice (current, completed).")
        if version == "completed" and found.status is not RequestStatus.DONE:
            raise Refused(400, f"The signature request is {found.status.value}: completed documents exist once it is done.")
        documents = [d for d in found.documents if d.nature == "signable_document"] or found.documents
        if not documents:
            raise Refused(404, "The signature request has no document.")
        archive = request.args.get("archive", "false").lower() == "true" or len(documents) > 1
        if not archive:
            document = documents[0]
            content = document.signed_content or document.content
            return app.response_class(
                content, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{document.filename}"'}
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for document in documents:
                bundle.writestr(document.filename, document.signed_content or document.content)
        return app.response_class(
            buffer.getvalue(), mimetype="application/zip", headers={"Content-Disposition": f'attachment; filename="{found.id}.zip"'}
        )

    @app.get(f"{API_ROOT}/signature_requests/<request_id>/audit_trails/download")
    def audit_trails_download(request_id: str) -> Response:
        found = owned(request_id)
        if found.status is not RequestStatus.DONE:
            raise Refused(400, f"The signature request is {found.status.value}: the audit trail exists once it is done.")
        return app.response_class(signer_pages.audit_trail(found), mimetype="application/pdf")

    @app.post(f"{API_ROOT}/webhooks")
    def webhooks_create() -> Response:
        body = _json_object()
        endpoint = _text(body, "endpoint", required=True, max_length=2048) or ""
        if not endpoint.startswith(("http://", "https://")):
            raise Refused(400, "endpoint: This value is not a valid URL.")
        subscription, secret = sender.subscribe(organization().name, endpoint)
        response = jsonify(_subscription_json(subscription, secret or "", body))
        response.status_code = 201
        return response

    @app.get(f"{API_ROOT}/webhooks")
    def webhooks_list() -> Response:
        return jsonify([_subscription_json(s, "", {}) for s in sender.subscriptions(organization().name)])

    @app.delete(f"{API_ROOT}/webhooks/<webhook_id>")
    def webhooks_delete(webhook_id: str) -> Response:
        known = {webhook_uuid(s.id): s.id for s in sender.subscriptions(organization().name)}
        if webhook_id not in known or not sender.unsubscribe(organization().name, known[webhook_id]):
            raise Refused(404, "Webhook subscription not found.")
        return app.response_class(status=204)

    @app.post("/_sandbox/esign/signature_requests/<request_id>/expire")
    def _expire(request_id: str) -> Response:
        """Sandbox control: the expiration date has passed (no waiting months in a test)."""
        with state.lock:
            found = state.requests.get(request_id)
            if found is None or found.status is not RequestStatus.ONGOING:
                return problem(404, "No ongoing signature request by this id.")
            found.move(RequestStatus.EXPIRED)
        emit(found, "signature_request.expired")
        return jsonify(found.to_json())

    signer_pages.mount(sandbox, state, emit)

    return sandbox


# --- signature requests ------------------------------------------------------


class Refused(Exception):
    """A client error the sandbox answers with Yousign's ``{type, detail}`` body."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _text(body: dict[str, Any], key: str, *, required: bool = False, max_length: int = 255) -> str | None:
    """A string member of a JSON body, checked as the spec types it."""
    value = body.get(key)
    if value is None:
        if required:
            raise Refused(400, f"{key}: This value should not be blank.")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise Refused(400, f"{key}: This value should be of type string and not blank.")
    if len(value) > max_length:
        raise Refused(400, f"{key}: This value is too long. It should have {max_length} characters or less.")
    return value


def _flag(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise Refused(400, f"{key}: This value should be of type bool.")
    return value


def _json_object() -> dict[str, Any]:
    """The request's JSON object, or Yousign's 415/400."""
    from flask import request

    if not request.is_json:
        raise Refused(415, "The request body must be JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "The request body must be a JSON object.")
    return body


def _signer_from(body: dict[str, Any], request: SignatureRequest, base_url: str) -> Signer:
    """A ``New_Signer_From_Scratch`` body checked against the request's documents, or a 400 saying what is wrong."""
    info = body.get("info")
    if not isinstance(info, dict):
        raise Refused(400, "info: This value should not be blank.")
    first = _text(info, "first_name", required=True)
    last = _text(info, "last_name", required=True)
    email = _text(info, "email", required=True, max_length=100)
    locale = _text(info, "locale", required=True)
    if locale not in LOCALES:
        raise Refused(400, f"info.locale: The value you selected is not a valid choice ({', '.join(LOCALES)}).")
    if "@" not in (email or ""):
        raise Refused(400, "info.email: This value is not a valid email address.")
    phone = _text(info, "phone_number")
    if phone is not None and not E164.match(phone):
        raise Refused(400, "info.phone_number: This value is not a valid phone number (E.164 expected, e.g. +33612345678).")
    level = body.get("signature_level")
    if level not in LEVELS:
        raise Refused(400, f"signature_level: The value you selected is not a valid choice ({', '.join(LEVELS)}).")
    mode = body.get("signature_authentication_mode")
    if mode is not None and mode not in AUTH_MODES:
        raise Refused(400, f"signature_authentication_mode: The value you selected is not a valid choice ({', '.join(AUTH_MODES)}).")
    if mode == "otp_sms" and phone is None:
        raise Refused(400, "info.phone_number: A phone number is required when signature_authentication_mode is otp_sms.")
    signer = Signer(
        first_name=first or "",
        last_name=last or "",
        email=email or "",
        phone_number=phone,
        locale=locale,
        signature_level=level,
        authentication_mode=mode,
        base_url=base_url,
    )
    fields = body.get("fields", [])
    if not isinstance(fields, list):
        raise Refused(400, "fields: This value should be of type array.")
    for index, raw in enumerate(fields):
        signer.fields.append(_field_from(raw, index, request, signer.id))
    return signer


def _field_from(raw: Any, index: int, request: SignatureRequest, signer_id: str) -> Field:
    """One signature field, inside its page and within Yousign's size bounds."""
    where = f"fields[{index}]"
    if not isinstance(raw, dict):
        raise Refused(400, f"{where}: This value should be of type object.")
    if raw.get("type") != "signature":
        raise Refused(400, f"{where}.type: only 'signature' fields are implemented by this sandbox.")
    document = request.document(str(raw.get("document_id")))
    if document is None:
        raise Refused(400, f"{where}.document_id: no document of this signature request has this id.")
    numbers: dict[str, int] = {}
    defaults = {"width": None, "height": None}
    for key in ("page", "x", "y", "width", "height"):
        value = raw.get(key, defaults.get(key, ...))
        if value is None and key in defaults:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused(400, f"{where}.{key}: This value should be of type integer.")
        numbers[key] = value
    width = numbers.get("width", 85)
    height = numbers.get("height", 37)
    if not FIELD_WIDTH[0] <= width <= FIELD_WIDTH[1]:
        raise Refused(400, f"{where}.width: This value should be between {FIELD_WIDTH[0]} and {FIELD_WIDTH[1]}.")
    if not FIELD_HEIGHT[0] <= height <= FIELD_HEIGHT[1]:
        raise Refused(400, f"{where}.height: This value should be between {FIELD_HEIGHT[0]} and {FIELD_HEIGHT[1]}.")
    page, x, y = numbers["page"], numbers["x"], numbers["y"]
    if not 1 <= page <= document.total_pages:
        raise Refused(400, f"{where}.page: the document has {document.total_pages} page(s).")
    if not (0 <= x <= MAX_COORDINATE and 0 <= y <= MAX_COORDINATE):
        raise Refused(400, f"{where}: x and y should be between 0 and {MAX_COORDINATE}.")
    page_width, page_height = document.page_sizes[page - 1]
    if x + width > page_width or y + height > page_height:
        raise Refused(
            400,
            f"{where}: the field ({x}, {y}, {width}×{height}) goes beyond page {page} "
            f"({page_width:g}×{page_height:g} points, origin top-left).",
        )
    return Field(signer_id=signer_id, document_id=document.id, page=page, x=x, y=y, width=width, height=height)


def _matches(request: SignatureRequest, args: Any) -> bool:
    """The list's deepObject filters: ``status[eq]``, ``status[in]``, ``external_id[eq]``."""
    for name, value in (("status", request.status.value), ("external_id", request.external_id or "")):
        equal = args.get(f"{name}[eq]")
        if equal is not None and value != equal:
            return False
        among = args.get(f"{name}[in]")
        if among is not None and value not in among.split(","):
            return False
    return True


def _subscription_json(subscription: Any, secret: str, body: dict[str, Any]) -> dict[str, Any]:
    """Yousign's ``WebhookSubscription``; the secret only in the creation's answer, as Yousign shows it once."""
    return {
        "id": webhook_uuid(subscription.id),
        "endpoint": subscription.url,
        "description": body.get("description") if isinstance(body.get("description"), str) else None,
        "sandbox": True,
        "subscribed_events": ["*"],
        "secret_key": secret,
        "scopes": ["*"],
        "workspaces": ["*"],
        "auto_retry": True,
        "enabled": True,
        "created_at": _timestamp(subscription.created_at),
        "updated_at": None,
    }


def webhook_uuid(subscription_id: str) -> str:
    """The kit's subscription id as the uuid Yousign shows (stable: derived, not stored)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"liasse-sandbox-webhook:{subscription_id}"))
