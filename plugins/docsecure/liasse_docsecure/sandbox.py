"""A DocSecure look-alike on loopback: the API of ``plugins/docsecure/README.md``, and the contact's pages.

DocSecure publishes no API: what this server answers is liasse's assumption,
written down in the README ("API (assumed)", "The recipient's side") and kept
field for field here, so the client and this sandbox can only drift together.

Provider accounts are e-mail and password pairs; every ``/api/v1`` call
authenticates with HTTP Basic. Contacts, requests and sends belong to one
account and no other account sees them. The contact's side is real web pages:
the link of the e-mail asks for a six-digit code sent by SMS (persons) or by
e-mail (organisations), then takes the upload or gives the download. Messages
go to the kit's outbox; faults come from the kit too.

Control endpoints for tests and the demo (no authentication, as the kit's):

* ``GET /_sandbox/clock``, ``POST /_sandbox/clock {"advance_seconds": N}``:
  read or move the sandbox's clock (24-hour reminder rule, 10-minute codes,
  "ended three months ago");
* ``POST /_sandbox/limits {"max_file_size": N, "media_types": [...]}``:
  change the accounts' limits (DS-34);
* ``POST /_sandbox/accounts {"email", "password", "company"}``: another
  DocSecure customer account (or new password and company for an existing one);
* ``POST /_sandbox/site-contacts {"account", …contact}``: a contact created
  "on the DocSecure site", with no ``external_ref`` (DS-31).

``create_sandbox()`` starts with the office's demo account and one contact
created on the site (Sophie LAURENT).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import itertools
import mimetypes
import re
import secrets
import shutil
import tempfile
import threading
import weakref
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from liasse.disposition import content_disposition
from liasse.sandbox import DemoAccount, Sandbox
from liasse.sandbox.webhooks import mount_webhook_sender

if TYPE_CHECKING:
    from flask import Response

DEMO_LOGIN = "etude@fichorga.example"
DEMO_PASSWORD = "demo-docsecure"
DEMO_COMPANY = "Groupe FICHORGA"
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024
DEFAULT_MEDIA_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
    "text/plain",
)
#: First bytes of the types whose content can be checked (DS-34: a disguised file is refused).
#: Types missing here (plain text) have no signature: only executables are refused for them.
MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/msword": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
#: Windows PE, ELF, Mach-O (32, 64, universal): never accepted, whatever the name says.
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
#: How many first bytes the content check needs (the longest signature above).
HEAD_SIZE = 16
CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_TRIES = 3
REMINDER_INTERVAL = dt.timedelta(hours=24)
PARIS = ZoneInfo("Europe/Paris")
#: Uploads are read and written in pieces of this size, never whole.
CHUNK = 1024 * 1024
FEED_LIMIT = 100
FEED_MAX = 500
#: What a multipart form adds around the file (boundaries, headers) before the size limit bites.
FORM_OVERHEAD = 64 * 1024
#: The browser's proof, once the code was right, that it may upload or download on that link.
SESSION_COOKIE = "docsecure_session"
E164 = re.compile(r"\+[1-9]\d{7,14}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SHA256 = re.compile(r"[0-9a-f]{64}")
#: How DocSecure's attestation words an exchange's state (DS-29).
STATE_WORDS = {
    "draft": "Brouillon",
    "sent": "Envoyé",
    "reminded": "Relancé",
    "received": "Document reçu",
    "downloaded": "Téléchargé",
}
CONTACT_FIELDS = ("first_name", "last_name", "email", "mobile", "establishment")
SENDER_FIELDS = ("sender_first_name", "sender_last_name", "sender_email")


def _iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``, as every date of the API."""
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _paris(value: dt.datetime) -> str:
    """``09/10/2023 à 16:29``: how DocSecure writes times to French users."""
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


class Refusal(Exception):
    """An API error: its status, slug, French sentence and extra fields (``field``, ``next_allowed_at``…)."""

    def __init__(self, status: int, error: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra

    def to_json(self) -> dict[str, Any]:
        """The README's error shape."""
        return {"error": self.error, "message": self.message, **self.extra}


def _invalid(field: str, message: str) -> Refusal:
    return Refusal(422, "invalid", message, field=field)


# --- records ---------------------------------------------------------------------


@attrs.define
class ProviderAccount:
    """A DocSecure customer account (an office), shared by its users (DS-01)."""

    email: str
    password: str = attrs.field(repr=False)
    company: str


@attrs.define
class Limits:
    """What the accounts accept (DS-34), the same for every account of the sandbox."""

    max_file_size: int
    media_types: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        """``limits`` of ``GET /api/v1/account``."""
        return {"max_file_size": self.max_file_size, "media_types": sorted(self.media_types)}


@attrs.define
class Contact:
    """A person (code by SMS) or an organisation (code by e-mail) of one account."""

    id: str
    account: str
    type: str
    first_name: str
    last_name: str
    email: str
    mobile: str | None
    establishment: str | None
    external_ref: str | None
    created_at: dt.datetime
    archived: bool = False
    #: Deleted through the API: gone from it, but its exchanges still reach it (link, attestation).
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        """The README's Contact record."""
        return {
            "id": self.id,
            "type": self.type,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "mobile": self.mobile,
            "establishment": self.establishment,
            "archived": self.archived,
            "external_ref": self.external_ref,
            "created_at": _iso(self.created_at),
        }


@attrs.define
class SendFile:
    """One declared file of a send, and where its bytes landed once uploaded and checked."""

    file_name: str
    media_type: str
    size: int
    sha256: str
    path: Path | None = None


@attrs.define
class StoredFile:
    """Bytes written to the sandbox's disk by a streamed upload."""

    path: Path
    size: int
    sha256: str


@attrs.frozen
class Bundle:
    """A send as its contact downloads it (DS-17)."""

    path: Path
    media_type: str  # "application/pdf" or "application/zip"


@attrs.define
class ReceivedFile:
    """The document a contact uploaded on a request's page."""

    file_name: str
    media_type: str
    size: int
    sha256: str
    path: Path
    received_at: dt.datetime
    #: The copy with "Reçu via DocSecure le …", made on the first ask and kept.
    timestamped_path: Path | None = None


@attrs.define
class Reminder:
    """One reminder of an exchange (DS-24)."""

    at: dt.datetime
    channel: str


@attrs.define
class Sender:
    """Who sent the request or send, as the attestation names them (DS-29); optional in the API."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None


@attrs.define
class Exchange:
    """A request (the contact uploads) or a send (the contact downloads)."""

    id: str
    account: str
    kind: str
    label: str
    contact_id: str
    token: str = attrs.field(repr=False)
    created_at: dt.datetime
    document_type: str | None = None
    state: str = "sent"
    #: When the link went to the contact: creation for a request, submission for a send.
    sent_at: dt.datetime | None = None
    reminders: list[Reminder] = attrs.field(factory=list)
    received: ReceivedFile | None = None
    downloaded_at: dt.datetime | None = None
    files: list[SendFile] = attrs.field(factory=list)
    #: What a send's contact downloads (one PDF or a zip), built on the first download and kept.
    bundle: Bundle | None = None
    file_name: str | None = None
    file_size: int | None = None
    sender: Sender = attrs.field(factory=Sender)
    updated_at: dt.datetime | None = None
    seq: int = 0

    @property
    def reminded_at(self) -> dt.datetime | None:
        """The last reminder's time."""
        return self.reminders[-1].at if self.reminders else None

    def to_json(self, base_url: str) -> dict[str, Any]:
        """The README's Exchange record."""
        return {
            "id": self.id,
            "kind": self.kind,
            "document_type": self.document_type,
            "label": self.label,
            "contact_id": self.contact_id,
            "state": self.state,
            "created_at": _iso(self.created_at),
            "reminded_at": _iso(self.reminded_at),
            "reminder_count": len(self.reminders),
            "received_at": _iso(self.received.received_at if self.received else None),
            "downloaded_at": _iso(self.downloaded_at),
            "file_name": self.file_name,
            "file_size": self.file_size,
            "files": [
                {
                    "file_name": f.file_name,
                    "media_type": f.media_type,
                    "size": f.size,
                    "sha256": f.sha256,
                    "uploaded": f.path is not None,
                    "upload_url": f"{base_url}/api/v1/sends/{self.id}/files/{n}",
                }
                for n, f in enumerate(self.files)
            ],
            "updated_at": _iso(self.updated_at),
            "seq": self.seq,
        }


@attrs.define
class CodeSession:
    """The code a contact must type on a link's page, and the browser that typed it right."""

    token: str = attrs.field(repr=False)
    code: str = attrs.field(repr=False)
    sent_at: dt.datetime
    expires_at: dt.datetime
    tries: int = 0
    #: The session cookie's value once the code was right (None before).
    browser: str | None = attrs.field(default=None, repr=False)

    @property
    def locked(self) -> bool:
        """Three wrong codes: the link takes no more until the office reminds the contact."""
        return self.tries >= CODE_TRIES


@attrs.define
class IdempotencyEntry:
    """An ``Idempotency-Key`` already used: what it was used for and the answer given."""

    fingerprint: str
    status: int
    body: Any
    created_at: dt.datetime


# --- state -------------------------------------------------------------------------


class DocSecureState:
    """Everything the fake provider holds, behind one lock (the server is threaded).

    Files land in a temporary directory of their own, removed by
    :func:`remove_files` or, at the latest, when the state is collected or the
    interpreter exits.
    """

    def __init__(self, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, ProviderAccount] = {}
        self.contacts: dict[str, Contact] = {}
        self.exchanges: dict[str, Exchange] = {}
        self.tokens: dict[str, str] = {}
        self.sessions: dict[str, CodeSession] = {}
        self.idempotency: dict[tuple[str, str], IdempotencyEntry] = {}
        self.limits = Limits(max_file_size, frozenset(DEFAULT_MEDIA_TYPES))
        self.clock_offset = dt.timedelta()
        self.files = Path(tempfile.mkdtemp(prefix="docsecure-sandbox-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.files, True)
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        #: Called on every change of an exchange, under the lock: the webhooks' trigger (queue only, no I/O).
        self.on_change: Callable[[Exchange], None] | None = None

    # --- clock and ids -------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The sandbox's clock: real UTC time plus what tests advanced it by."""
        return dt.datetime.now(dt.UTC) + self.clock_offset

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock forward by ``seconds`` and return the new time."""
        with self.lock:
            self.clock_offset += dt.timedelta(seconds=seconds)
            return self.now()

    def new_id(self, prefix: str) -> str:
        """A readable unique id (``ct_12``, ``ex_13``)."""
        with self.lock:
            return f"{prefix}_{next(self._ids)}"

    def touch(self, exchange: Exchange) -> None:
        """Record a change: the feed returns the exchange after every earlier change."""
        with self.lock:
            exchange.seq = next(self._seq)
            exchange.updated_at = self.now()
            if self.on_change is not None:
                self.on_change(exchange)

    # --- accounts ----------------------------------------------------------------

    def add_account(self, email: str, password: str, company: str) -> ProviderAccount:
        """Create (or replace) a customer account."""
        with self.lock:
            account = ProviderAccount(email, password, company)
            self.accounts[email] = account
            return account

    def authenticate(self, email: str | None, password: str | None) -> ProviderAccount | None:
        """The account these credentials open, or None; the password is compared in constant time."""
        account = self.accounts.get(email or "")
        expected = account.password if account is not None else secrets.token_hex(16)
        if not hmac.compare_digest(expected.encode(), (password or "").encode()) or account is None:
            return None
        return account

    # --- lookups -----------------------------------------------------------------

    def add_contact(self, account: str, fields: dict[str, Any]) -> Contact:
        """A new contact of ``account`` from checked fields (:func:`contact_fields`)."""
        with self.lock:
            contact = Contact(id=self.new_id("ct"), account=account, created_at=self.now(), **fields)
            self.contacts[contact.id] = contact
            return contact

    def contact(self, account: ProviderAccount, contact_id: str) -> Contact:
        """One live contact of the account, or 404 (another account's contact does not exist for it)."""
        found = self.contacts.get(contact_id)
        if found is None or found.account != account.email or found.deleted:
            raise Refusal(404, "not_found", f"Le contact {contact_id} est introuvable.")
        return found

    def exchange(self, account: ProviderAccount, exchange_id: str) -> Exchange:
        """One exchange of the account, or 404."""
        found = self.exchanges.get(exchange_id)
        if found is None or found.account != account.email:
            raise Refusal(404, "not_found", f"L'échange {exchange_id} est introuvable.")
        return found

    def by_token(self, token: str) -> tuple[Exchange, Contact] | None:
        """The exchange a contact's link opens, with its contact; drafts have no link yet."""
        with self.lock:
            exchange = self.exchanges.get(self.tokens.get(token, ""))
            if exchange is None or exchange.state == "draft":
                return None
            return exchange, self.contacts[exchange.contact_id]

    # --- files (DS-34) ---------------------------------------------------------------

    def check_declared(self, file_name: str, media_type: str, size: int) -> None:
        """Size and type, before a byte is sent: 413 or 415 naming the file and the limit."""
        limits = self.limits
        if size > limits.max_file_size:
            raise Refusal(
                413,
                "file_too_large",
                f"Le fichier « {file_name} » ({size} octets) dépasse la taille maximale acceptée "
                f"par DocSecure : {limits.max_file_size} octets.",
                file_name=file_name,
                max_file_size=limits.max_file_size,
            )
        if media_type not in limits.media_types:
            raise Refusal(
                415,
                "unsupported_media_type",
                f"Le fichier « {file_name} » est de type {media_type}, que DocSecure n'accepte pas "
                f"(types acceptés : {', '.join(sorted(limits.media_types))}).",
                file_name=file_name,
            )

    def check_content(self, file_name: str, media_type: str, head: bytes) -> None:
        """The first bytes must be what the type says; executables never pass (a disguised file)."""
        signatures = MAGIC.get(media_type)
        disguised = head.startswith(EXECUTABLE_MAGIC) or (
            signatures is not None and not head.startswith(signatures)
        )
        if disguised:
            raise Refusal(
                415,
                "unsupported_media_type",
                f"Le contenu du fichier « {file_name} » ne correspond pas à son type ({media_type}) : "
                "fichier déguisé refusé.",
                file_name=file_name,
            )

    def store_stream(
        self, chunks: Iterable[bytes], file_name: str, media_type: str, expected_size: int | None = None
    ) -> StoredFile:
        """Write an upload to disk chunk by chunk, hashing it on the way.

        Refused as soon as it passes the size limit (413), as soon as its first
        bytes show a disguised file (415), or as soon as it passes
        ``expected_size`` (422): a wrong 1 GB upload is not read to its end.
        """
        limit = self.limits.max_file_size
        target = self.files / f"{secrets.token_hex(8)}{_suffix(file_name)}"
        digest, size, head, checked = hashlib.sha256(), 0, b"", False
        try:
            with target.open("wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise Refusal(
                            413,
                            "file_too_large",
                            f"Le fichier « {file_name} » dépasse la taille maximale acceptée par DocSecure : "
                            f"{limit} octets.",
                            file_name=file_name,
                            max_file_size=limit,
                        )
                    if expected_size is not None and size > expected_size:
                        raise _size_mismatch(file_name, expected_size)
                    if not checked:
                        head += chunk[: HEAD_SIZE - len(head)]
                        if len(head) >= HEAD_SIZE:
                            self.check_content(file_name, media_type, head)
                            checked = True
                    digest.update(chunk)
                    out.write(chunk)
            if not checked:
                self.check_content(file_name, media_type, head)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return StoredFile(target, size, digest.hexdigest())


# --- the application ------------------------------------------------------------------


def create_sandbox(max_file_size: int | None = None) -> Sandbox:
    """A fresh DocSecure sandbox with its demo account and one contact created on the site.

    ``max_file_size`` (bytes) replaces the default 20 MiB limit, for tests of
    DS-34 or benchmarks that send a gigabyte.
    """
    from flask import g, jsonify, request, send_file
    from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

    sandbox = Sandbox("docsecure", "DocSecure")
    state = DocSecureState(max_file_size or DEFAULT_MAX_FILE_SIZE)
    sandbox.app.config["docsecure_state"] = state
    sandbox.cleanups.append(lambda: shutil.rmtree(state.files, ignore_errors=True))
    state.add_account(DEMO_LOGIN, DEMO_PASSWORD, DEMO_COMPANY)
    sandbox.user_account = DemoAccount(DEMO_LOGIN, DEMO_PASSWORD, "compte de l'étude / the office's account")
    state.add_contact(
        DEMO_LOGIN,
        contact_fields(
            {
                "type": "person",
                "first_name": "Sophie",
                "last_name": "LAURENT",
                "email": "sophie.laurent@example.fr",
                "mobile": "+33612345678",
            }
        ),
    )
    app = sandbox.app
    webhooks = mount_webhook_sender(sandbox)

    def exchange_changed(exchange: Exchange) -> None:
        # A draft send is not the contact's business yet; every other change is announced.
        if exchange.state != "draft":
            webhooks.emit(
                exchange.account,
                "exchange.updated",
                {"id": exchange.id, "kind": exchange.kind, "state": exchange.state, "account": exchange.account, "seq": exchange.seq},
            )

    state.on_change = exchange_changed

    def answer(status: int, body: Any) -> Response:
        response = jsonify(body) if body is not None else app.response_class(status=status)
        response.status_code = status
        return response

    def account() -> ProviderAccount:
        current: ProviderAccount = g.account
        return current

    def json_body() -> dict[str, Any]:
        body = request.get_json(silent=True)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise Refusal(422, "invalid", "Le corps de la requête doit être un objet JSON.", field="body")
        return body

    @app.errorhandler(Refusal)
    def _refused(exc: Refusal) -> Response:
        return answer(exc.status, exc.to_json())

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        # API clients get the README's error shape for routing errors too; pages keep Flask's.
        if not request.path.startswith("/api/"):
            return exc
        status = exc.code or 500
        slug, words = {
            404: ("not_found", "Adresse inconnue de l'API DocSecure"),
            405: ("method_not_allowed", "Méthode non acceptée à cette adresse"),
            413: ("file_too_large", f"Le fichier dépasse la taille maximale acceptée par DocSecure ({state.limits.max_file_size} octets)"),
        }.get(status, ("error", f"Requête refusée ({exc.name})"))
        return answer(status, {"error": slug, "message": f"{words} : {request.method} {request.path}."})

    @app.before_request
    def _authenticate() -> Response | None:
        if not request.path.startswith("/api/"):
            return None
        auth = request.authorization
        found = state.authenticate(auth.username, auth.password) if auth and auth.type == "basic" else None
        if found is None:
            response = answer(
                401,
                {"error": "unauthorized", "message": "Identifiants DocSecure invalides : vérifiez l'e-mail et le mot de passe du compte."},
            )
            response.headers["WWW-Authenticate"] = 'Basic realm="DocSecure"'
            return response
        g.account = found
        return None

    def idempotent(
        handler: Callable[[], tuple[int, Any]],
        body_digest: str | None = None,
        on_replay: Callable[[], None] | None = None,
    ) -> Response:
        """Stripe's semantics: the same key and request answer the first answer again, without doing it again.

        The key is the account's: two accounts may use the same one. A refusal
        is not kept, so the key can be tried again once the cause is fixed.
        """
        key = request.headers.get("Idempotency-Key")
        if not key:
            status, body = handler()
            return answer(status, body)
        if len(key) > 255:
            raise Refusal(422, "invalid", "La clé d'idempotence dépasse 255 caractères.", field="Idempotency-Key")
        digest = body_digest or hashlib.sha256(request.get_data()).hexdigest()
        fingerprint = f"{request.method} {request.path} {digest}"
        slot = (account().email, key)
        # Under the lock: a retry racing its first attempt waits for it, then replays it.
        with state.lock:
            seen = state.idempotency.get(slot)
            if seen is not None:
                if not hmac.compare_digest(seen.fingerprint.encode(), fingerprint.encode()):
                    raise Refusal(
                        422,
                        "idempotency_key_reused",
                        "Cette clé d'idempotence a déjà servi pour une autre requête : utilisez une nouvelle clé.",
                    )
                if on_replay is not None:
                    on_replay()
                response = answer(seen.status, seen.body)
                response.headers["Idempotent-Replayed"] = "true"
                return response
            status, body = handler()
            state.idempotency[slot] = IdempotencyEntry(fingerprint, status, body, state.now())
        return answer(status, body)

    # --- account ---------------------------------------------------------------

    @app.get("/api/v1/account")
    def account_get() -> Response:
        current = account()
        return answer(200, {"email": current.email, "company": current.company, "limits": state.limits.to_json()})

    # --- contacts (DS-03 … DS-11, DS-31) -------------------------------------------------

    @app.get("/api/v1/contacts")
    def contacts() -> Response:
        archived = _tristate(request.args.get("archived", "false"), "archived")
        linked = _tristate(request.args.get("linked", "all"), "linked")
        with state.lock:
            found = [
                c
                for c in state.contacts.values()
                if c.account == account().email
                and not c.deleted
                and (archived is None or c.archived == archived)
                and (linked is None or (c.external_ref is not None) == linked)
            ]
            return answer(200, {"contacts": [c.to_json() for c in found]})

    @app.post("/api/v1/contacts")
    def contact_create() -> Response:
        def create() -> tuple[int, Any]:
            contact = state.add_contact(account().email, contact_fields(json_body()))
            return 201, contact.to_json()

        return idempotent(create)

    @app.get("/api/v1/contacts/<contact_id>")
    def contact_get(contact_id: str) -> Response:
        with state.lock:
            return answer(200, state.contact(account(), contact_id).to_json())

    @app.patch("/api/v1/contacts/<contact_id>")
    def contact_patch(contact_id: str) -> Response:
        def patch() -> tuple[int, Any]:
            contact = state.contact(account(), contact_id)
            changes = {k: v for k, v in json_body().items() if k in ("type", "external_ref", *CONTACT_FIELDS)}
            for name, value in contact_fields({**contact.to_json(), **changes}).items():
                setattr(contact, name, value)
            return 200, contact.to_json()

        return idempotent(patch)

    @app.post("/api/v1/contacts/<contact_id>/archive")
    def contact_archive(contact_id: str) -> Response:
        return set_archived(contact_id, True)

    @app.post("/api/v1/contacts/<contact_id>/unarchive")
    def contact_unarchive(contact_id: str) -> Response:
        return set_archived(contact_id, False)

    def set_archived(contact_id: str, archived: bool) -> Response:
        def archive() -> tuple[int, Any]:
            contact = state.contact(account(), contact_id)
            contact.archived = archived
            return 200, contact.to_json()

        return idempotent(archive)

    @app.delete("/api/v1/contacts/<contact_id>")
    def contact_delete(contact_id: str) -> Response:
        def delete() -> tuple[int, Any]:
            state.contact(account(), contact_id).deleted = True
            return 204, None

        return idempotent(delete)

    # --- requests and sends (DS-12 … DS-18) ---------------------------------------------

    def open_exchange(kind: str, body: dict[str, Any], label: str) -> Exchange:
        """A new exchange of the current account with its contact (under the lock)."""
        contact_id = body.get("contact_id")
        if not isinstance(contact_id, str) or not contact_id:
            raise _invalid("contact_id", "Le contact de l'échange est obligatoire (contact_id).")
        contact = state.contact(account(), contact_id)
        sender = {name: _optional_text(body, name) for name in SENDER_FIELDS}
        # DS-09: an archived contact used again is active again.
        contact.archived = False
        exchange = Exchange(
            id=state.new_id("ex"),
            account=account().email,
            kind=kind,
            label=label,
            contact_id=contact.id,
            token=secrets.token_urlsafe(24),
            created_at=state.now(),
            sender=Sender(sender["sender_first_name"], sender["sender_last_name"], sender["sender_email"]),
        )
        state.exchanges[exchange.id] = exchange
        state.tokens[exchange.token] = exchange.id
        return exchange

    @app.post("/api/v1/requests")
    def request_create() -> Response:
        def create() -> tuple[int, Any]:
            body = json_body()
            label = _required_text(body, "label", "Le libellé de la demande est obligatoire.")
            document_type = body.get("document_type")
            if document_type not in ("rib", "other"):
                raise _invalid("document_type", "Le type de document doit être « rib » ou « other ».")
            exchange = open_exchange("request", body, label)
            exchange.document_type = str(document_type)
            exchange.sent_at = exchange.created_at
            state.touch(exchange)
            mail_link(exchange, reminder=False)
            return 201, exchange.to_json(sandbox.base_url)

        return idempotent(create)

    @app.post("/api/v1/sends")
    def send_create() -> Response:
        def create() -> tuple[int, Any]:
            body = json_body()
            name = _required_text(body, "name", "Le nom de l'envoi est obligatoire.")
            declared = body.get("files")
            if not isinstance(declared, list) or not declared:
                raise _invalid("files", "Un envoi contient au moins un fichier.")
            files = [_declared_file(item, n) for n, item in enumerate(declared)]
            for file in files:
                state.check_declared(file.file_name, file.media_type, file.size)
            exchange = open_exchange("send", body, name)
            exchange.files, exchange.state = files, "draft"
            state.touch(exchange)
            return 201, exchange.to_json(sandbox.base_url)

        return idempotent(create)

    @app.put("/api/v1/sends/<exchange_id>/files/<int:position>")
    def send_upload(exchange_id: str, position: int) -> Response:
        """The file's bytes as the raw body, read in 1 MiB pieces (never whole: a benchmark sends 1 GB)."""
        return receive_file(exchange_id, position, request.stream, request.mimetype or None)

    @app.post("/api/v1/sends/<exchange_id>/files/<int:position>")
    def send_upload_form(exchange_id: str, position: int) -> Response:
        """The same upload as a browser form sends it (multipart field ``file``, as ``curl -F``)."""
        # The form is parsed (to disk) before the handler sees it: a body over the limit is refused first.
        request.max_content_length = state.limits.max_file_size + FORM_OVERHEAD
        upload = request.files.get("file")
        if upload is None:
            raise _invalid("file", "Le champ « file » du formulaire est manquant.")
        return receive_file(exchange_id, position, upload.stream, None)

    def receive_file(exchange_id: str, position: int, stream: IO[bytes], content_type: str | None) -> Response:
        with state.lock:
            exchange = state.exchange(account(), exchange_id)
            if exchange.kind != "send" or not 0 <= position < len(exchange.files):
                raise Refusal(404, "not_found", f"Le fichier n° {position} de l'envoi {exchange_id} est introuvable.")
            declared = exchange.files[position]
        if content_type not in (None, "application/octet-stream", declared.media_type):
            raise Refusal(
                415,
                "unsupported_media_type",
                f"Le fichier « {declared.file_name} » arrive en {content_type} alors qu'il a été annoncé "
                f"en {declared.media_type}.",
                file_name=declared.file_name,
            )
        # Outside the lock: a 1 GB upload must not stop the rest of the sandbox.
        stored = state.store_stream(_chunks(stream), declared.file_name, declared.media_type, declared.size)
        if stored.size != declared.size or stored.sha256 != declared.sha256:
            stored.path.unlink(missing_ok=True)
            if stored.size != declared.size:
                raise _size_mismatch(declared.file_name, declared.size, stored.size)
            raise _invalid(
                "sha256",
                f"Le fichier « {declared.file_name} » reçu ne correspond pas à son empreinte SHA-256 annoncée.",
            )

        def attach() -> tuple[int, Any]:
            if exchange.state != "draft":
                raise Refusal(409, "invalid_state", f"L'envoi {exchange.id} est déjà parti : ses fichiers ne changent plus.")
            if declared.path is not None:
                declared.path.unlink(missing_ok=True)
            declared.path = stored.path
            return 204, None

        try:
            return idempotent(attach, body_digest=stored.sha256, on_replay=lambda: stored.path.unlink(missing_ok=True))
        except BaseException:
            if declared.path != stored.path:
                stored.path.unlink(missing_ok=True)
            raise

    @app.post("/api/v1/sends/<exchange_id>/submit")
    def send_submit(exchange_id: str) -> Response:
        def submit() -> tuple[int, Any]:
            exchange = state.exchange(account(), exchange_id)
            if exchange.kind != "send":
                raise Refusal(404, "not_found", f"L'envoi {exchange_id} est introuvable.")
            if exchange.state == "draft":
                missing = [f.file_name for f in exchange.files if f.path is None]
                if missing:
                    raise Refusal(
                        409,
                        "incomplete_send",
                        f"L'envoi ne peut pas partir : fichier(s) non reçu(s) : {', '.join(missing)}.",
                        missing=missing,
                    )
                exchange.state, exchange.sent_at = "sent", state.now()
                every_pdf = all(f.media_type == "application/pdf" for f in exchange.files)
                exchange.file_name = _bundle_name(exchange.label, "application/pdf" if every_pdf else "application/zip")
                exchange.file_size = sum(f.size for f in exchange.files)
                state.touch(exchange)
                mail_link(exchange, reminder=False)
            return 200, exchange.to_json(sandbox.base_url)

        return idempotent(submit)

    # --- following (DS-19 … DS-25) --------------------------------------------------------

    @app.get("/api/v1/exchanges")
    def exchanges() -> Response:
        given = request.args.get("cursor") or None
        after = _whole_number(given or "0", "cursor")
        limit = min(max(_whole_number(request.args.get("limit") or str(FEED_LIMIT), "limit"), 1), FEED_MAX)
        with state.lock:
            changed = sorted(
                (e for e in state.exchanges.values() if e.account == account().email and e.seq > after),
                key=lambda e: e.seq,
            )
            page = changed[:limit]
            body = {
                "exchanges": [e.to_json(sandbox.base_url) for e in page],
                "cursor": str(page[-1].seq) if page else given,
                "has_more": len(changed) > limit,
            }
        return answer(200, body)

    @app.get("/api/v1/exchanges/<exchange_id>")
    def exchange_get(exchange_id: str) -> Response:
        with state.lock:
            return answer(200, state.exchange(account(), exchange_id).to_json(sandbox.base_url))

    @app.post("/api/v1/exchanges/<exchange_id>/reminders")
    def remind(exchange_id: str) -> Response:
        def send_reminder() -> tuple[int, Any]:
            exchange = state.exchange(account(), exchange_id)
            channel = json_body().get("channel")
            if channel not in ("mail", "mail_sms"):
                raise _invalid("channel", "Le canal de relance doit être « mail » ou « mail_sms ».")
            if exchange.state not in ("sent", "reminded"):
                word = STATE_WORDS.get(exchange.state, exchange.state)
                raise Refusal(409, "invalid_state", f"L'échange est « {word} » : il ne se relance plus.")
            contact = state.contacts[exchange.contact_id]
            if contact.deleted:
                raise Refusal(409, "invalid_state", "Le contact de cet échange a été supprimé : il ne peut plus être relancé.")
            if channel == "mail_sms" and not contact.mobile:
                raise _invalid(
                    "channel",
                    "Ce contact est une organisation, sans téléphone portable : relancez-le par e-mail seulement.",
                )
            now, last = state.now(), exchange.reminded_at
            if last is not None and now < last + REMINDER_INTERVAL:
                allowed = last + REMINDER_INTERVAL
                raise Refusal(
                    409,
                    "reminder_too_soon",
                    f"Une relance a déjà été envoyée le {_paris(last)} ; "
                    f"la prochaine est possible à partir du {_paris(allowed)}.",
                    last_reminded_at=_iso(last),
                    next_allowed_at=_iso(allowed),
                )
            exchange.reminders.append(Reminder(now, str(channel)))
            exchange.state = "reminded"
            state.touch(exchange)
            # A contact locked out by three wrong codes gets another chance with the reminder.
            session = state.sessions.get(exchange.token)
            if session is not None and session.locked:
                del state.sessions[exchange.token]
            mail_link(exchange, reminder=True)
            if channel == "mail_sms" and contact.mobile:
                company = state.accounts[exchange.account].company
                sandbox.outbox.sms(
                    contact.mobile,
                    f"DocSecure : {company} attend votre réponse (« {exchange.label} »). "
                    "Ouvrez le lien reçu par e-mail.",
                )
            return 201, {"exchange_id": exchange.id, "reminded_at": _iso(now)}

        return idempotent(send_reminder)

    # --- webhooks (README: "Webhooks") ----------------------------------------------------

    @app.post("/api/v1/webhooks")
    def webhook_subscribe() -> Response:
        body = json_body()
        url = body.get("url")
        if not isinstance(url, str) or not re.fullmatch(r"https?://[^\s]+", url) or len(url) > 1024:
            raise _invalid("url", "L'adresse du webhook doit être une URL http(s) de 1024 caractères au plus.")
        signed = body.get("signed", True)
        if not isinstance(signed, bool):
            raise _invalid("signed", "« signed » vaut true ou false.")
        subscription, secret = webhooks.subscribe(account().email, url, signed=signed)
        return answer(201, {**subscription.to_json(), "secret": secret})

    @app.get("/api/v1/webhooks")
    def webhook_list() -> Response:
        return answer(200, {"webhooks": [s.to_json() for s in webhooks.subscriptions(account().email)]})

    @app.post("/api/v1/webhooks/<subscription_id>/rotate")
    def webhook_rotate(subscription_id: str) -> Response:
        secret = webhooks.rotate(account().email, subscription_id)
        if secret is None:
            raise Refusal(404, "not_found", f"Aucun webhook signé n° {subscription_id} sur ce compte.")
        return answer(200, {"id": subscription_id, "secret": secret})

    @app.delete("/api/v1/webhooks/<subscription_id>")
    def webhook_delete(subscription_id: str) -> Response:
        if not webhooks.unsubscribe(account().email, subscription_id):
            raise Refusal(404, "not_found", f"Aucun webhook n° {subscription_id} sur ce compte.")
        return answer(204, None)

    # --- received documents and attestations (DS-26 … DS-29) ------------------------------

    @app.get("/api/v1/exchanges/<exchange_id>/document")
    def document(exchange_id: str) -> Response:
        version = request.args.get("version", "original")
        if version not in ("original", "timestamped"):
            raise _invalid("version", "La version doit être « original » ou « timestamped ».")
        with state.lock:
            exchange = state.exchange(account(), exchange_id)
            received = exchange.received
        if received is None:
            raise Refusal(404, "not_found", f"Aucun document n'a encore été reçu pour l'échange {exchange_id}.")
        path = received.path if version == "original" else timestamped(received)
        response = send_file(path, mimetype=received.media_type)
        response.headers["Content-Disposition"] = content_disposition(received.file_name)
        response.headers["X-DocSecure-Received-At"] = _iso(received.received_at) or ""
        return response

    def timestamped(received: ReceivedFile) -> Path:
        """The received file with DocSecure's mark (DS-28), made once with liasse's stamping and kept."""
        if received.timestamped_path is not None:
            return received.timestamped_path
        try:
            from liasse.intake.stamp import stamp_file
        except ImportError:
            raise Refusal(404, "not_found", "Version horodatée indisponible.") from None
        # Outside the lock (a big PDF takes a while); a concurrent twin writes its own copy and loses.
        dest = state.files / f"{secrets.token_hex(8)}-horodate{_suffix(received.file_name)}"
        try:
            made = Path(stamp_file(received.path, dest, f"Reçu via DocSecure le {_paris(received.received_at)}"))
        except Exception as exc:  # noqa: BLE001 - whatever the stamping refuses, there is no such version
            dest.unlink(missing_ok=True)
            raise Refusal(404, "not_found", f"Version horodatée indisponible : {exc}") from None
        with state.lock:
            if received.timestamped_path is None:
                received.timestamped_path = made
            elif made != received.timestamped_path:
                made.unlink(missing_ok=True)
            return received.timestamped_path

    @app.get("/api/v1/exchanges/<exchange_id>/attestation")
    def attestation(exchange_id: str) -> Response:
        with state.lock:
            exchange = state.exchange(account(), exchange_id)
            content = attestation_pdf(exchange, state.contacts[exchange.contact_id], account(), state.now())
        response = app.response_class(content, mimetype="application/pdf")
        response.headers["Content-Disposition"] = content_disposition(f"attestation_{exchange.id}.pdf")
        return response

    # --- messages ---------------------------------------------------------------------

    def mail_link(exchange: Exchange, *, reminder: bool) -> None:
        """The e-mail with the link: what the contact receives for a request, a send or a reminder."""
        contact = state.contacts[exchange.contact_id]
        company = state.accounts[exchange.account].company
        what = "vous demande un document" if exchange.kind == "request" else "vous transmet des documents"
        subject = f"{'Relance : ' if reminder else ''}{company} {what} : {exchange.label}"
        body = (
            f"Bonjour {contact.first_name} {contact.last_name},\n\n"
            f"{company} {what} via DocSecure : « {exchange.label} ».\n"
            f"Ouvrez ce lien sécurisé : {sandbox.public_url(f'/r/{exchange.token}')}\n"
            f"Un code vous sera envoyé {'par SMS' if contact.mobile else 'par e-mail'} pour confirmer votre identité.\n"
        )
        sandbox.outbox.email(contact.email, subject, body)

    def send_code(contact: Contact, code: str) -> None:
        text = f"Votre code DocSecure : {code}. Il est valable 10 minutes."
        if contact.mobile:
            sandbox.outbox.sms(contact.mobile, text)
        else:
            sandbox.outbox.email(contact.email, "Votre code DocSecure", text)

    # --- the contact's pages (README: "The recipient's side") -------------------------------

    def page(title: str, body: str, status: int = 200) -> Response:
        markup = (
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>DocSecure - {html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>"
        )
        return app.response_class(markup, status=status, mimetype="text/html")

    def paragraph(text: str) -> str:
        return f"<p>{html.escape(text)}</p>"

    def unknown_link() -> Response:
        return page("Lien invalide", paragraph("Ce lien DocSecure n'existe pas ou n'est plus valable."), 404)

    def locked_page() -> Response:
        return page(
            "Accès bloqué",
            paragraph("Trois codes erronés ont été saisis : ce lien est bloqué. Demandez un nouveau lien à l'étude."),
            403,
        )

    def code_form(token: str, exchange: Exchange, note: str) -> str:
        return (
            f"{paragraph(exchange.label)}{paragraph(note)}<form method='post' action='/r/{token}'>"
            "<label>Code reçu <input name='code' inputmode='numeric' pattern='[0-9]{6}' maxlength='6' "
            "autocomplete='one-time-code' required></label> <button>Valider</button></form>"
        )

    def where(contact: Contact) -> str:
        return "par SMS" if contact.mobile else "par e-mail"

    def verified(token: str) -> bool:
        """Whether this browser typed the right code for this link (its cookie matches)."""
        cookie = request.cookies.get(SESSION_COOKIE, "")
        with state.lock:
            session = state.sessions.get(token)
            return bool(session and session.browser and cookie and hmac.compare_digest(session.browser.encode(), cookie.encode()))

    def after_code(exchange: Exchange, token: str, status: int = 200) -> Response:
        with state.lock:
            received, label, files = exchange.received, exchange.label, list(exchange.files)
        if exchange.kind == "request":
            if received is not None:
                done = f"« {received.file_name} » a été transmis le {_paris(received.received_at)}. Merci."
                return page("Document déjà transmis", paragraph(done), status)
            return page(
                label,
                f"{paragraph('Choisissez le document demandé, puis déposez-le.')}"
                f"<form method='post' action='/r/{token}/upload' enctype='multipart/form-data'>"
                "<input type='file' name='document' required> <button>Déposer le document</button></form>",
                status,
            )
        listing = "".join(f"<li>{html.escape(f.file_name)} ({f.size} octets)</li>" for f in files)
        return page(
            label,
            f"<ul>{listing}</ul><p><a href='/r/{token}/download'>Télécharger les documents</a></p>",
            status,
        )

    @app.get("/r/<token>")
    def link(token: str) -> Response:
        found = state.by_token(token)
        if found is None:
            return unknown_link()
        exchange, contact = found
        if verified(token):
            return after_code(exchange, token)
        note = f"Saisissez le code à 6 chiffres reçu {where(contact)}."
        with state.lock:
            session, now = state.sessions.get(token), state.now()
            if session is not None and session.locked:
                return locked_page()
            # One code per session: reopening the page does not send another while it is valid.
            # An expired code, or another browser than the one that typed it, gets a new one.
            if session is None or now >= session.expires_at or session.browser is not None:
                if session is not None and session.browser is None:
                    note = f"Le code précédent a expiré : un nouveau code vient de vous être envoyé {where(contact)}. {note}"
                session = CodeSession(token, f"{secrets.randbelow(10**6):06d}", now, now + CODE_LIFETIME)
                state.sessions[token] = session
                send_code(contact, session.code)
        return page("Vérification de votre identité", code_form(token, exchange, note))

    @app.post("/r/<token>")
    def link_code(token: str) -> Response:
        found = state.by_token(token)
        if found is None:
            return unknown_link()
        exchange, contact = found
        if verified(token):
            return after_code(exchange, token)
        typed = (request.form.get("code") or "").strip()
        with state.lock:
            session = state.sessions.get(token)
            if session is None or session.browser is not None:
                return page("Code", paragraph("Ouvrez d'abord le lien reçu par e-mail : le code vous sera envoyé."), 400)
            if session.locked:
                return locked_page()
            if state.now() >= session.expires_at:
                return page(
                    "Code expiré",
                    paragraph(
                        "Ce code a expiré (il est valable 10 minutes). "
                        f"Rouvrez le lien reçu par e-mail : un nouveau code vous sera envoyé {where(contact)}."
                    ),
                    410,
                )
            if not hmac.compare_digest(session.code.encode(), typed.encode()):
                session.tries += 1
                if session.locked:
                    return locked_page()
                left = CODE_TRIES - session.tries
                note = f"Code incorrect. Il vous reste {left} essai{'s' if left > 1 else ''}."
                return page("Code incorrect", code_form(token, exchange, note), 401)
            session.browser = secrets.token_urlsafe(24)
            cookie = session.browser
        response = after_code(exchange, token)
        response.set_cookie(SESSION_COOKIE, cookie, path=f"/r/{token}", httponly=True, samesite="Lax")
        return response

    def code_required(token: str) -> Response:
        """The upload and download pages answer this until the code was typed in this browser."""
        link = f"<p><a href='/r/{token}'>Recevoir un code</a></p>"
        return page("Code requis", paragraph("Saisissez d'abord le code reçu.") + link, 403)

    def refused_page(title: str, exc: Refusal) -> Response:
        return page(title, paragraph(exc.message), exc.status)

    @app.post("/r/<token>/upload")
    def link_upload(token: str) -> Response:
        found = state.by_token(token)
        if found is None:
            return unknown_link()
        exchange, _ = found
        if not verified(token):
            return code_required(token)
        if exchange.kind != "request":
            return page("Dépôt impossible", paragraph("Ce lien ne demande pas de document."), 404)
        if exchange.received is not None:
            return after_code(exchange, token, 409)
        limit = state.limits.max_file_size
        # Refused before the form is parsed when the body alone says it is too big.
        request.max_content_length = limit + FORM_OVERHEAD
        try:
            upload = request.files.get("document")
            if upload is None or not upload.filename:
                raise _invalid("document", "Choisissez le document à déposer.")
            name = _clean_name(upload.filename)
            media_type = _media_type_of(name) or upload.mimetype or "application/octet-stream"
            state.check_declared(name, media_type, 0)
            stored = state.store_stream(_chunks(upload.stream), name, media_type)
        except RequestEntityTooLarge:
            return page(
                "Dépôt refusé",
                paragraph(f"Ce document dépasse la taille maximale acceptée par DocSecure : {limit} octets."),
                413,
            )
        except Refusal as exc:
            return refused_page("Dépôt refusé", exc)
        with state.lock:
            if exchange.received is not None:
                stored.path.unlink(missing_ok=True)
                return after_code(exchange, token, 409)
            exchange.received = ReceivedFile(name, media_type, stored.size, stored.sha256, stored.path, state.now())
            exchange.state, exchange.file_name, exchange.file_size = "received", name, stored.size
            state.touch(exchange)
        return page("Document déposé", paragraph(f"Merci : « {name} » a été transmis à l'étude."), 201)

    @app.get("/r/<token>/download")
    def link_download(token: str) -> Response:
        found = state.by_token(token)
        if found is None:
            return unknown_link()
        exchange, _ = found
        if not verified(token):
            return code_required(token)
        if exchange.kind != "send":
            return page("Téléchargement impossible", paragraph("Ce lien ne donne pas de document."), 404)
        made = bundle(exchange)
        name = _bundle_name(exchange.label, made.media_type)
        with state.lock:
            if exchange.downloaded_at is None:
                # The name changes only when PDFs announced mergeable could not be read: they went as a zip.
                exchange.downloaded_at, exchange.state, exchange.file_name = state.now(), "downloaded", name
                state.touch(exchange)
        response = send_file(made.path, mimetype=made.media_type)
        response.headers["Content-Disposition"] = content_disposition(name)
        return response

    def bundle(exchange: Exchange) -> Bundle:
        """DS-17: one PDF when every part is a PDF (a lone PDF as it is), else, or when one cannot be read, a zip."""
        with state.lock:
            parts = [(f.file_name, f.media_type, f.path) for f in exchange.files if f.path is not None]
            if exchange.bundle is not None:
                return exchange.bundle
        every_pdf = all(media_type == "application/pdf" for _, media_type, _ in parts)
        # Outside the lock: merging or zipping a big send takes a while.
        if every_pdf and len(parts) == 1:
            made: Bundle | None = Bundle(parts[0][2], "application/pdf")
        elif every_pdf:
            merged = _merge_pdfs(parts, state.files)
            made = Bundle(merged, "application/pdf") if merged is not None else None
        else:
            made = None
        if made is None:
            made = Bundle(_zip_parts(parts, state.files), "application/zip")
        with state.lock:
            if exchange.bundle is None:
                exchange.bundle = made
            elif made.path != exchange.bundle.path:
                # A concurrent first download built its own: keep one.
                made.path.unlink(missing_ok=True)
            return exchange.bundle

    # --- control ------------------------------------------------------------------

    @app.get("/_sandbox/clock")
    def clock_get() -> Response:
        return answer(200, {"now": _iso(state.now()), "offset_seconds": state.clock_offset.total_seconds()})

    @app.post("/_sandbox/clock")
    def clock() -> Response:
        seconds = json_body().get("advance_seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise Refusal(400, "invalid", "advance_seconds doit être un nombre de secondes.", field="advance_seconds")
        now = state.advance(float(seconds))
        return answer(200, {"now": _iso(now), "offset_seconds": state.clock_offset.total_seconds()})

    @app.post("/_sandbox/limits")
    def limits() -> Response:
        body = json_body()
        with state.lock:
            size = body.get("max_file_size", state.limits.max_file_size)
            types = body.get("media_types", sorted(state.limits.media_types))
            if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
                raise Refusal(400, "invalid", "max_file_size doit être un nombre d'octets positif.", field="max_file_size")
            if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
                raise Refusal(400, "invalid", "media_types doit être une liste de types.", field="media_types")
            state.limits = Limits(size, frozenset(types))
            return answer(200, state.limits.to_json())

    @app.post("/_sandbox/accounts")
    def accounts() -> Response:
        body = json_body()
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not EMAIL.fullmatch(email):
            raise Refusal(400, "invalid", "email doit être l'adresse e-mail du compte.", field="email")
        if not isinstance(password, str) or not password:
            raise Refusal(400, "invalid", "password est obligatoire.", field="password")
        company = body.get("company")
        with state.lock:
            existed = email in state.accounts
            created = state.add_account(email, password, company if isinstance(company, str) and company else email)
        return answer(200 if existed else 201, {"email": created.email, "company": created.company})

    @app.post("/_sandbox/site-contacts")
    def site_contacts() -> Response:
        body = json_body()
        owner = body.pop("account", DEMO_LOGIN)
        if not isinstance(owner, str) or owner not in state.accounts:
            raise Refusal(404, "not_found", f"Le compte {owner} n'existe pas.", field="account")
        contact = state.add_contact(owner, contact_fields({**body, "external_ref": None}))
        return answer(201, contact.to_json())

    return sandbox


def remove_files(sandbox: Sandbox) -> None:
    """Delete what the sandbox stored on disk (tests and benchmarks call it when done)."""
    state = sandbox.app.config.get("docsecure_state")
    if isinstance(state, DocSecureState):
        shutil.rmtree(state.files, ignore_errors=True)


# --- checks ---------------------------------------------------------------------------

#: French names of the contact's fields, for the messages.
_FIELD_WORDS = {
    "first_name": "Le prénom",
    "last_name": "Le nom",
    "email": "L'adresse e-mail",
    "establishment": "Le nom de l'établissement",
}


def contact_fields(body: dict[str, Any]) -> dict[str, Any]:
    """A contact's fields checked as DocSecure checks them (DS-03, DS-04): 422 ``invalid`` naming the field.

    A person needs a first name, last name, e-mail and an E.164 mobile (the
    code goes by SMS); an organisation needs an establishment, a first name,
    last name and e-mail, and has no mobile (the code goes by e-mail).
    """
    kind = body.get("type")
    if kind not in ("person", "organisation"):
        raise _invalid("type", "Le type de contact doit être « person » ou « organisation ».")
    values = {name: _optional_text(body, name) for name in CONTACT_FIELDS}
    required = ["first_name", "last_name", "email"] if kind == "person" else ["establishment", "first_name", "last_name", "email"]
    for name in required:
        if not values[name]:
            raise _invalid(name, f"{_FIELD_WORDS[name]} est obligatoire.")
    email, mobile = values["email"] or "", values["mobile"]
    if not EMAIL.fullmatch(email):
        raise _invalid("email", f"L'adresse e-mail « {email} » n'est pas valide.")
    if kind == "person":
        if not mobile:
            raise _invalid("mobile", "Le téléphone portable est obligatoire pour une personne : le code lui est envoyé par SMS.")
        if not E164.fullmatch(mobile):
            raise _invalid(
                "mobile",
                f"Le téléphone portable « {mobile} » doit être au format international E.164 (par exemple +33654559987).",
            )
    elif mobile:
        raise _invalid("mobile", "Une organisation n'a pas de téléphone portable : son code lui est envoyé par e-mail.")
    external = body.get("external_ref")
    if external is not None and not isinstance(external, str | int):
        raise _invalid("external_ref", "La référence externe doit être un texte ou null.")
    return {
        "type": kind,
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "email": email,
        "mobile": mobile if kind == "person" else None,
        "establishment": values["establishment"] if kind == "organisation" else None,
        "external_ref": str(external) if external not in (None, "") else None,
    }


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(name, f"Le champ {name} doit être un texte.")
    return value.strip() or None


def _required_text(body: dict[str, Any], name: str, message: str) -> str:
    value = _optional_text(body, name)
    if not value:
        raise _invalid(name, message)
    return value


def _tristate(value: str, name: str) -> bool | None:
    """``true`` / ``false`` / ``all`` of a list filter (None: no filter)."""
    if value not in ("true", "false", "all"):
        raise _invalid(name, f"Le filtre {name} vaut « true », « false » ou « all ».")
    return None if value == "all" else value == "true"


def _whole_number(value: str, name: str) -> int:
    if not value.isdigit():
        raise _invalid(name, f"Le paramètre {name} doit être un nombre entier positif.")
    return int(value)


def _declared_file(item: Any, position: int) -> SendFile:
    """One entry of a send's ``files``, its fields checked."""
    field = f"files[{position}]"
    if not isinstance(item, dict):
        raise _invalid(field, f"Le fichier n° {position} doit être un objet.")
    name = item.get("file_name")
    if not isinstance(name, str) or not _clean_name(name):
        raise _invalid(f"{field}.file_name", f"Le nom du fichier n° {position} est obligatoire.")
    media_type = item.get("media_type")
    if not isinstance(media_type, str) or not media_type:
        raise _invalid(f"{field}.media_type", f"Le type du fichier « {name} » est obligatoire.")
    size = item.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise _invalid(f"{field}.size", f"La taille du fichier « {name} » doit être un nombre d'octets.")
    sha256 = item.get("sha256")
    if not isinstance(sha256, str) or not SHA256.fullmatch(sha256.lower()):
        raise _invalid(f"{field}.sha256", f"L'empreinte SHA-256 du fichier « {name} » doit avoir 64 chiffres hexadécimaux.")
    return SendFile(_clean_name(name), media_type.lower(), size, sha256.lower())


def _size_mismatch(file_name: str, expected: int, got: int | None = None) -> Refusal:
    what = f"{got} octets" if got is not None else f"plus de {expected} octets"
    return _invalid("size", f"Le fichier « {file_name} » reçu ({what}) ne correspond pas à la taille annoncée ({expected} octets).")


# --- files ---------------------------------------------------------------------------


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream in 1 MiB pieces: an upload is never read whole into memory."""
    while chunk := stream.read(CHUNK):
        yield chunk


def _clean_name(name: str) -> str:
    """A file name without its path (``C:\\scans\\rib.pdf`` from a browser, ``../x`` from anyone) or control characters."""
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()


def _suffix(name: str) -> str:
    suffix = Path(_clean_name(name)).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def _media_type_of(name: str) -> str | None:
    return mimetypes.guess_type(name, strict=False)[0]


def _bundle_name(label: str, media_type: str) -> str:
    """What a send's contact downloads is called: the send's name, made safe for a file, + .pdf or .zip."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]+', "_", label).strip(" ._")[:120] or "documents"
    return f"{stem}.pdf" if media_type == "application/pdf" else f"{stem}.zip"


def _merge_pdfs(parts: list[tuple[str, str, Path]], folder: Path) -> Path | None:
    """The parts as one PDF, or None when pypdf cannot read one of them (the send then goes as a zip)."""
    from pypdf import PdfWriter
    from pypdf.errors import PyPdfError

    target = folder / f"{secrets.token_hex(8)}.pdf"
    writer = PdfWriter()
    try:
        for _, _, path in parts:
            writer.append(str(path))
        with target.open("wb") as out:
            writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        target.unlink(missing_ok=True)
        return None
    return target


def _zip_parts(parts: list[tuple[str, str, Path]], folder: Path) -> Path:
    """The parts in one zip, each under its own name (made unique)."""
    target = folder / f"{secrets.token_hex(8)}.zip"
    used: set[str] = set()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, _, path in parts:
            arcname, stem, suffix, n = name, Path(name).stem, Path(name).suffix, 1
            while arcname.lower() in used:
                n += 1
                arcname = f"{stem} ({n}){suffix}"
            used.add(arcname.lower())
            archive.write(path, arcname=arcname)
    return target


# --- attestation (DS-29) -------------------------------------------------------------


def _latin(text: str) -> str:
    """Text the PDF core fonts can draw (Windows-1252): anything else becomes ``?``."""
    return text.encode("cp1252", "replace").decode("cp1252")


def attestation_pdf(exchange: Exchange, contact: Contact, account: ProviderAccount, now: dt.datetime) -> bytes:
    """DocSecure's attestation of a request or a send: every field DS-29 names, laid out as DocSecure does."""
    from fpdf import FPDF

    request = exchange.kind == "request"
    available = exchange.received.received_at if exchange.received else exchange.downloaded_at
    sections: list[tuple[str, list[tuple[str, str]]]] = [
        (
            "Statut de l'échange",
            [
                ("Nom du document", exchange.label),
                ("Statut", STATE_WORDS.get(exchange.state, exchange.state)),
                ("Date de demande" if request else "Date d'envoi", _paris(exchange.sent_at or exchange.created_at)),
                ("Date de mise à disposition", _paris(available) if available else "—"),
            ],
        ),
        (
            "Destinataire de la demande" if request else "Destinataire de l'envoi",
            [
                ("Nom", contact.last_name),
                ("Prénom", contact.first_name),
                ("Email", contact.email),
                ("Téléphone", contact.mobile or "—"),
            ],
        ),
        (
            "Émetteur de la demande" if request else "Émetteur de l'envoi",
            [
                ("Nom", exchange.sender.last_name or "—"),
                ("Prénom", exchange.sender.first_name or "—"),
                ("Email", exchange.sender.email or account.email),
                ("Société", account.company),
            ],
        ),
        (
            "Informations complémentaires",
            [
                ("Nom du fichier", exchange.file_name or "—"),
                ("Taille du fichier", f"{exchange.file_size} octets" if exchange.file_size is not None else "—"),
            ],
        ),
    ]
    pdf = FPDF()
    # Windows-1252 rather than Latin-1: the core fonts then draw "—", "’" and "œ" too.
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(f"Attestation DocSecure {exchange.id}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    title = "Attestation de demande de document" if request else "Attestation d'envoi de document"
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, f"Édité le {_paris(now)} via DocSecure - référence {exchange.id}", new_x="LMARGIN", new_y="NEXT")
    for heading, lines in sections:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        for label, value in lines:
            # One line per field, label then value on the same baseline: the text extracts as "Label : value".
            words = f"{label} : "
            pdf.set_font("Helvetica", size=10)
            pdf.cell(pdf.get_string_width(words), 6, words)
            pdf.set_font("Helvetica", "B", 10)
            pdf.cell(0, 6, _latin(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
