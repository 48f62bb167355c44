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
import hmac
import math
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from liasse.sandbox import DemoAccount, Sandbox

if TYPE_CHECKING:
    from flask import Response

API_ROOT = "/v3"
DEMO_API_KEY = "demo-esign-fichorga-7c3e9a41d2b84f06"
DEMO_ORGANIZATION = "Groupe FICHORGA"

#: Yousign's sandbox quotas (developers.yousign.com "Limits"): 30 requests a
#: minute and 200 an hour per API key. Production quotas depend on the plan.
SANDBOX_PER_MINUTE = 30
SANDBOX_PER_HOUR = 200


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _timestamp(value: dt.datetime | None) -> str | None:
    """Yousign's date-time format, as the spec's examples write it: ``2024-01-18T22:59:00Z``."""
    return None if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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

    def default_workspace(self) -> Workspace | None:
        """The workspace marked default, which Yousign uses when a call names none."""
        return next((w for w in self.workspaces if w.default and w.deleted_at is None), None)


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


def create_sandbox(*, per_minute: int = SANDBOX_PER_MINUTE, per_hour: int = SANDBOX_PER_HOUR) -> Sandbox:
    """A fresh Yousign v3 sandbox with the demo office's organisation and API key.

    The quotas default to Yousign's sandbox ones; a test that makes many calls
    on one sandbox raises them rather than sleeping through a window.
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

    return sandbox
