"""Webhooks a sandbox sends, as its provider would: subscriptions, signed deliveries, retries.

A provider's sandbox keeps one :class:`WebhookSender`, lets its API
clients subscribe a URL (:meth:`WebhookSender.subscribe` returns the
secret once, as real providers do), and calls :meth:`WebhookSender.emit`
when one of its objects changes. A thread POSTs each event to each
subscription of the object's owner, signed with the sender's scheme, or
unsigned for a subscription made so:

* ``"standard"`` (Standard Webhooks): ``webhook-id``, ``webhook-timestamp``,
  ``webhook-signature`` with one ``v1`` signature per active secret, so a
  rotation loses nothing; the body is ``{"type", "timestamp", "data"}``;
* ``"yousign"`` (Yousign v3): ``X-Yousign-Signature-256: sha256=<hex>`` over
  the body with the newest secret, ``X-Yousign-Issued-At``, ``X-Yousign-Retry``;
  the body is ``{"event_id", "event_name", "event_time", "subscription_id",
  "subscription_description", "sandbox", "data"}``.

Retries follow the providers': an answer in 2xx is delivered; a 4xx other
than 408 and 429 is a refusal and is not retried (a receiver answers 400 to
a forgery); anything else (5xx, timeout, connection refused) is tried again
after each of ``retry_delays`` (seconds, short in a sandbox), then given
up. The first attempt has a 1-second timeout, as Yousign's.

``GET /_sandbox/webhook-deliveries`` lists every delivery and its attempts,
for tests and the demo.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import attrs

from liasse.secrets import Secret
from liasse.webhooks.signatures import sign_hex, sign_standard

if TYPE_CHECKING:
    from liasse.sandbox.kit import Sandbox

#: Seconds before each retry of an unanswered delivery (Yousign waits 2 min, 6 min … 2 days).
RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0)
FIRST_TIMEOUT = 1.0
RETRY_TIMEOUT = 10.0
#: How long a rotated-out secret keeps signing beside the new one.
ROTATION_OVERLAP = dt.timedelta(hours=24)
USER_AGENT = "liasse-sandbox-webhooks"


SCHEMES = ("standard", "yousign", "form")
"""``"form"`` (AR24, §1.12): the event's fields form-encoded, unsigned, no envelope."""


def new_secret(scheme: str = "standard") -> str:
    """A subscription secret: Standard Webhooks' ``whsec_`` + 24 random bytes in base64, or Yousign's 32 hex digits."""
    if scheme == "yousign":
        return secrets.token_hex(16)
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


@attrs.define
class SubscriptionSecret:
    """One signing secret of a subscription; ``retire_at`` set once a newer one replaced it."""

    value: str = attrs.field(repr=False)
    retire_at: dt.datetime | None = None


@attrs.define
class Subscription:
    """A URL an account asked to be notified at."""

    id: str
    owner: str
    url: str
    signed: bool
    created_at: dt.datetime
    secrets: list[SubscriptionSecret] = attrs.field(factory=list, repr=False)

    def active_secrets(self, now: dt.datetime) -> list[str]:
        """The secrets that sign now, newest first."""
        return [s.value for s in reversed(self.secrets) if s.retire_at is None or s.retire_at > now]

    def to_json(self) -> dict[str, Any]:
        """The subscription as the API shows it, without its secrets."""
        return {"id": self.id, "url": self.url, "signed": self.signed, "created_at": self.created_at.isoformat()}


@attrs.frozen
class Attempt:
    """One POST of a delivery: the answer's status, or why there was none."""

    number: int
    at: dt.datetime
    status: int | None
    error: str | None = None


@attrs.define
class Delivery:
    """One event on its way to one subscription."""

    event_id: str
    subscription_id: str
    url: str
    event_type: str
    body: bytes = attrs.field(repr=False)
    timestamp: int
    due: float
    state: str = "pending"  # "pending", "delivered", "failed"
    attempts: list[Attempt] = attrs.field(factory=list)

    def to_json(self) -> dict[str, Any]:
        """For ``GET /_sandbox/webhook-deliveries``."""
        return {
            "event_id": self.event_id,
            "subscription_id": self.subscription_id,
            "url": self.url,
            "type": self.event_type,
            "state": self.state,
            "attempts": [
                {"number": a.number, "at": a.at.isoformat(), "status": a.status, "error": a.error} for a in self.attempts
            ],
        }


class WebhookSender:
    """A sandbox's subscriptions and the thread that delivers their events."""

    def __init__(self, retry_delays: tuple[float, ...] = RETRY_DELAYS, scheme: str = "standard") -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"unknown webhook scheme {scheme!r}; known: {', '.join(SCHEMES)}")
        self.retry_delays = retry_delays
        self.scheme = scheme
        self._lock = threading.Lock()
        self._subscriptions: dict[str, Subscription] = {}
        self._deliveries: list[Delivery] = []
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._ids = 0

    # --- subscriptions ---------------------------------------------------------------

    def subscribe(self, owner: str, url: str, *, signed: bool = True) -> tuple[Subscription, str | None]:
        """Subscribe ``url`` for ``owner``'s events; returns the subscription and its secret (None when unsigned)."""
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            self._ids += 1
            subscription = Subscription(f"wh_{self._ids}", owner, url, signed, now)
            secret = new_secret(self.scheme) if signed else None
            if secret is not None:
                subscription.secrets.append(SubscriptionSecret(secret))
            self._subscriptions[subscription.id] = subscription
        return subscription, secret

    def rotate(self, owner: str, subscription_id: str) -> str | None:
        """A new secret for the subscription; the previous one keeps signing for :data:`ROTATION_OVERLAP`."""
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            subscription = self._owned(owner, subscription_id)
            if subscription is None or not subscription.signed:
                return None
            for old in subscription.secrets:
                if old.retire_at is None:
                    old.retire_at = now + ROTATION_OVERLAP
            secret = new_secret(self.scheme)
            subscription.secrets.append(SubscriptionSecret(secret))
            return secret

    def unsubscribe(self, owner: str, subscription_id: str) -> bool:
        """Forget a subscription; False when the owner has none by that id."""
        with self._lock:
            if self._owned(owner, subscription_id) is None:
                return False
            del self._subscriptions[subscription_id]
            return True

    def subscriptions(self, owner: str) -> list[Subscription]:
        """The owner's subscriptions, oldest first."""
        with self._lock:
            return [s for s in self._subscriptions.values() if s.owner == owner]

    def _owned(self, owner: str, subscription_id: str) -> Subscription | None:
        found = self._subscriptions.get(subscription_id)
        return found if found is not None and found.owner == owner else None

    # --- events ----------------------------------------------------------------------

    def emit(self, owner: str, event_type: str, data: dict[str, Any]) -> str | None:
        """Queue an event for every subscription of ``owner``; its id (the same for every subscription), or None without any."""
        now = time.time()
        # One id per event, as both schemes have it: every endpoint, and every retry, sees the same.
        event_id = f"msg_{secrets.token_hex(12)}" if self.scheme == "standard" else str(uuid.uuid4())
        queued = 0
        with self._lock:
            for subscription in self._subscriptions.values():
                if subscription.owner != owner:
                    continue
                body = self._body(event_id, event_type, data, subscription, int(now))
                self._deliveries.append(
                    Delivery(event_id, subscription.id, subscription.url, event_type, body, int(now), due=time.monotonic())
                )
                queued += 1
            if queued and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
                self._thread.start()
        if not queued:
            return None
        self._wake.set()
        return event_id

    def _body(self, event_id: str, event_type: str, data: dict[str, Any], subscription: Subscription, now: int) -> bytes:
        if self.scheme == "form":
            from urllib.parse import urlencode

            return urlencode({key: str(value) for key, value in data.items()}).encode()
        if self.scheme == "yousign":
            payload: dict[str, Any] = {
                "event_id": event_id,
                "event_name": event_type,
                "event_time": str(now),
                "subscription_id": subscription.id,
                "subscription_description": "",
                "sandbox": True,
                "data": data,
            }
        else:
            payload = {"type": event_type, "timestamp": dt.datetime.fromtimestamp(now, dt.UTC).isoformat().replace("+00:00", "Z"), "data": data}
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()

    def deliveries(self) -> list[Delivery]:
        """Every delivery so far, oldest first."""
        with self._lock:
            return list(self._deliveries)

    def headers(self, delivery: Delivery) -> dict[str, str]:
        """The headers of a delivery's next POST, signed as the scheme says."""
        with self._lock:
            subscription = self._subscriptions.get(delivery.subscription_id)
            keys = subscription.active_secrets(dt.datetime.now(dt.UTC)) if subscription and subscription.signed else []
            retry = len(delivery.attempts)
        if self.scheme == "form":
            return {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}
        if self.scheme == "yousign":
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Yousign Webhook Bot",
                "X-Yousign-Issued-At": dt.datetime.now(dt.UTC).isoformat(),
                "X-Yousign-Retry": str(retry),
            }
            if keys:
                headers["X-Yousign-Signature-256"] = sign_hex(Secret(keys[0]), delivery.body)
            return headers
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(delivery.timestamp),
        }
        if keys:
            headers["webhook-signature"] = " ".join(
                sign_standard(Secret(key), delivery.event_id, delivery.timestamp, delivery.body) for key in keys
            )
        return headers

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no delivery is pending (tests); False when some still are after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not any(d.state == "pending" for d in self._deliveries):
                    return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        """Stop delivering (pending deliveries stay pending)."""
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- the delivery thread ------------------------------------------------------------

    def _run(self) -> None:
        import requests

        with requests.Session() as session:
            while not self._stopped.is_set():
                delivery, wait = self._next_due()
                if delivery is None:
                    self._wake.wait(wait)
                    self._wake.clear()
                    continue
                self._attempt(session, delivery)

    def _next_due(self) -> tuple[Delivery | None, float]:
        now = time.monotonic()
        with self._lock:
            pending = [d for d in self._deliveries if d.state == "pending"]
        if not pending:
            return None, 1.0
        first = min(pending, key=lambda d: d.due)
        return (first, 0.0) if first.due <= now else (None, first.due - now)

    def _attempt(self, session: Any, delivery: Delivery) -> None:
        import requests

        number = len(delivery.attempts) + 1
        status: int | None = None
        error: str | None = None
        try:
            response = session.post(
                delivery.url,
                data=delivery.body,
                headers=self.headers(delivery),
                timeout=FIRST_TIMEOUT if number == 1 else RETRY_TIMEOUT,
                allow_redirects=False,
            )
            status = response.status_code
            response.close()
        except requests.RequestException as exc:
            error = type(exc).__name__
        with self._lock:
            delivery.attempts.append(Attempt(number, dt.datetime.now(dt.UTC), status, error))
            if status is not None and 200 <= status < 300:
                delivery.state = "delivered"
            elif status is not None and 400 <= status < 500 and status not in (408, 429):
                delivery.state = "failed"
            elif number > len(self.retry_delays):
                delivery.state = "failed"
            else:
                delivery.due = time.monotonic() + self.retry_delays[number - 1]


def mount_webhook_sender(sandbox: Sandbox, sender: WebhookSender | None = None) -> WebhookSender:
    """Give ``sandbox`` a sender, its ``GET /_sandbox/webhook-deliveries``, and stop it with the sandbox."""
    from flask import jsonify

    sender = sender or WebhookSender()

    def deliveries() -> Any:
        return jsonify([d.to_json() for d in sender.deliveries()])

    sandbox.app.add_url_rule("/_sandbox/webhook-deliveries", "sandbox_webhook_deliveries", deliveries, methods=["GET"])
    sandbox.cleanups.append(sender.stop)
    return sender
