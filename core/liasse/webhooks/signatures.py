"""Checking that a webhook delivery comes from its provider, on the raw body.

Two schemes, both HMAC-SHA256 compared in constant time
(:func:`hmac.compare_digest`), each accepting several active secrets so an
office can rotate one without losing a delivery:

* **Standard Webhooks** (Svix and the providers that follow it):
  ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64>``
  over ``"{id}.{timestamp}.{body}"``, with ``whsec_``-prefixed base64
  secrets; a timestamp more than 5 minutes off either way is refused.
* **hex signature headers** (Yousign's ``X-Yousign-Signature-256:
  sha256=<hex>``, GitHub's the same way) over the body alone; Yousign signs
  no timestamp, so its ``X-Yousign-Issued-At``, when present, is held to the
  same ±5 minutes here, and replays are stopped by the event id.

The body must be the bytes as received: a framework that parsed and
re-serialised the JSON changed them, and the signature no longer holds.
Every refusal is a :class:`~liasse.webhooks.errors.WebhookRejected` whose
sentence names no secret and quotes nothing of the body.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping

import attrs

from liasse.secrets import Secret
from liasse.webhooks.errors import WebhookRejected, WebhookSecretInvalid, WebhookSecretsMissing

#: How far a signed timestamp may be from now, either way (Stripe's and Standard Webhooks' default).
TOLERANCE = dt.timedelta(minutes=5)
#: Standard Webhooks' secret prefix.
SECRET_PREFIX = "whsec_"
STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
YOUSIGN_SIGNATURE = "x-yousign-signature-256"
YOUSIGN_ISSUED_AT = "x-yousign-issued-at"


@attrs.frozen
class StandardEnvelope:
    """What a verified Standard Webhooks delivery says about itself."""

    #: ``webhook-id``: the same on every redelivery of the event.
    message_id: str
    #: ``webhook-timestamp``, as an aware UTC date.
    timestamp: dt.datetime


def lower_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header names in lower case (HTTP names are case-insensitive; WSGI and requests differ)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {str(name).lower(): str(value) for name, value in items}


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """The HMAC-SHA256 of ``message`` under ``key``."""
    return hmac.new(key, message, hashlib.sha256).digest()


# --- Standard Webhooks --------------------------------------------------------------------


def standard_key(secret: Secret, title: str = "") -> bytes:
    """The HMAC key of a Standard Webhooks secret (``whsec_`` + base64; the prefix is optional)."""
    text = secret.reveal().strip()
    if text.startswith(SECRET_PREFIX):
        text = text[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookSecretInvalid(
            title=title or "?", problem_fr="ce n'est pas du base64", problem_en="it is not base64"
        ) from None
    if len(key) < 16:
        raise WebhookSecretInvalid(
            title=title or "?", problem_fr="il est trop court (moins de 16 octets)", problem_en="it is too short (under 16 bytes)"
        )
    return key


def sign_standard(secret: Secret, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) a sender puts on ``body``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac_sha256(standard_key(secret), signed)).decode("ascii")


def verify_standard(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Iterable[Secret],
    *,
    title: str,
    provider: str,
    now: dt.datetime | None = None,
    tolerance: dt.timedelta = TOLERANCE,
) -> StandardEnvelope:
    """Check a Standard Webhooks delivery; its id and timestamp when it holds, else :class:`WebhookRejected`.

    ``headers`` may be in any case. Any one of the ``v1`` signatures of the
    header (space-separated) may match any one of ``secrets``.
    """
    keys = [standard_key(secret, title) for secret in secrets]
    if not keys:
        raise WebhookSecretsMissing(title=title, provider=provider, reason="no_secret")
    given = lower_headers(headers)
    missing = [name for name in STANDARD_HEADERS if not given.get(name)]
    if missing:
        raise missing_headers(title, missing)
    message_id, stamp = given["webhook-id"], given["webhook-timestamp"]
    try:
        seconds = int(stamp)
        timestamp = dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise malformed(title, "webhook-timestamp") from None
    check_timestamp(title, timestamp, now, tolerance)
    signed = f"{message_id}.{seconds}.".encode() + body
    offered = [
        signature.encode("ascii", "replace")
        for version, _, signature in (part.partition(",") for part in given["webhook-signature"].split())
        if version == "v1"
    ]
    for key in keys:
        expected = base64.b64encode(hmac_sha256(key, signed))
        # Every offered signature is compared, so the time taken says nothing about which one failed.
        if any([hmac.compare_digest(expected, candidate) for candidate in offered]):
            return StandardEnvelope(message_id=message_id, timestamp=timestamp)
    raise bad_signature(title)


# --- hex signatures over the body (Yousign, GitHub) -----------------------------------------


def sign_hex(secret: Secret, body: bytes, prefix: str = "sha256=") -> str:
    """``sha256=<hex HMAC-SHA256(body)>``: Yousign's ``X-Yousign-Signature-256`` value."""
    return prefix + hmac_sha256(secret.reveal().encode(), body).hex()


def verify_hex(
    signature: str | None, body: bytes, secrets: Iterable[Secret], *, title: str, provider: str, header: str, prefix: str = "sha256="
) -> None:
    """Check a ``sha256=<hex>`` signature of ``body`` against each of ``secrets``."""
    keys = [secret.reveal().encode() for secret in secrets if secret]
    if not keys:
        raise WebhookSecretsMissing(title=title, provider=provider, reason="no_secret")
    if not signature:
        raise missing_headers(title, [header])
    if not signature.startswith(prefix):
        raise malformed(title, header)
    offered = signature[len(prefix) :].strip().lower().encode("ascii", "replace")
    if not any([hmac.compare_digest(hmac_sha256(key, body).hex().encode(), offered) for key in keys]):
        raise bad_signature(title)


def verify_yousign(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Iterable[Secret],
    *,
    title: str = "Yousign",
    provider: str = "esign",
    now: dt.datetime | None = None,
    tolerance: dt.timedelta = TOLERANCE,
) -> None:
    """Check a Yousign v3 delivery: its ``X-Yousign-Signature-256``, and ``X-Yousign-Issued-At`` within ±5 min when sent.

    Yousign signs the body only, so a recorded delivery stays valid for
    ever: the event id (:func:`json_event_id`, ``event_id``) is what stops
    a replay, and the issued-at check narrows the window when it is present.
    """
    given = lower_headers(headers)
    verify_hex(given.get(YOUSIGN_SIGNATURE), body, secrets, title=title, provider=provider, header=YOUSIGN_SIGNATURE)
    issued = given.get(YOUSIGN_ISSUED_AT)
    if issued:
        check_timestamp(title, parse_instant(issued, title, YOUSIGN_ISSUED_AT), now, tolerance)


# --- shared pieces -----------------------------------------------------------------------------


def check_timestamp(title: str, timestamp: dt.datetime, now: dt.datetime | None, tolerance: dt.timedelta) -> None:
    """Refuse a signed time more than ``tolerance`` before or after ``now`` (a replay, or a wrong clock)."""
    moment = now or dt.datetime.now(dt.UTC)
    if abs(moment - timestamp) > tolerance:
        direction_fr, direction_en = ("ancien", "old") if timestamp < moment else ("dans le futur", "in the future")
        seconds = int(tolerance.total_seconds())
        raise WebhookRejected(
            title=title,
            reason="stale_timestamp",
            reason_fr=f"son horodatage est trop {direction_fr} (tolérance ±{seconds} s)",
            reason_en=f"its timestamp is too {direction_en} (tolerance ±{seconds} s)",
            fix_fr="Une ancienne notification rejouée est refusée ; si elles le sont toutes, vérifiez l'horloge du serveur.",
            fix_en="A replayed old notification is refused; if every one is, check the server's clock.",
        )


def parse_instant(text: str, title: str, header: str) -> dt.datetime:
    """A header's date: Unix seconds or ISO 8601 (a date without offset is taken as UTC)."""
    text = text.strip()
    try:
        if text.lstrip("-").isdigit():
            return dt.datetime.fromtimestamp(int(text), dt.UTC)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise malformed(title, header) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def missing_headers(title: str, names: Iterable[str]) -> WebhookRejected:
    """The refusal of a delivery without its signature headers."""
    listed = ", ".join(names)
    return WebhookRejected(
        title=title,
        reason="missing_headers",
        reason_fr=f"en-têtes de signature absents ({listed})",
        reason_en=f"signature headers missing ({listed})",
        fix_fr="Seul le prestataire, avec le secret partagé, peut envoyer une notification signée.",
        fix_en="Only the provider, holding the shared secret, can send a signed notification.",
    )


def malformed(title: str, header: str) -> WebhookRejected:
    """The refusal of a header that cannot be read."""
    return WebhookRejected(
        title=title,
        reason="malformed",
        reason_fr=f"l'en-tête {header} est illisible",
        reason_en=f"the {header} header cannot be read",
        fix_fr="Vérifiez que l'adresse abonnée reçoit bien les notifications du prestataire.",
        fix_en="Check that the subscribed address receives the provider's notifications.",
    )


def bad_signature(title: str) -> WebhookRejected:
    """The refusal of a signature no active secret produces."""
    return WebhookRejected(
        title=title,
        reason="bad_signature",
        reason_fr="sa signature ne correspond à aucun secret actif (corps modifié ou secret erroné)",
        reason_en="its signature matches no active secret (body altered, or wrong secret)",
        fix_fr="Si le prestataire a changé le secret, ajoutez le nouveau à webhook_secrets avant de retirer l'ancien.",
        fix_en="If the provider changed the secret, add the new one to webhook_secrets before removing the old one.",
    )


def unreadable_payload(title: str, what_fr: str, what_en: str) -> WebhookRejected:
    """The refusal of a verified body that does not say what a notification must (for plugins)."""
    return WebhookRejected(
        title=title,
        reason="unreadable_payload",
        reason_fr=f"son contenu est illisible ({what_fr})",
        reason_en=f"its content cannot be read ({what_en})",
        fix_fr="Le format des notifications du prestataire a peut-être changé : mettez à jour son module.",
        fix_en="The provider's notification format may have changed: update its plugin.",
    )


def json_event_id(body: bytes, title: str, field: str = "event_id") -> str:
    """The event id a JSON body carries in ``field`` (Yousign: ``event_id``), for deduplication."""
    import json

    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise unreadable_payload(title, "JSON invalide", "invalid JSON") from None
    value = payload.get(field) if isinstance(payload, dict) else None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
        raise unreadable_payload(title, f"champ {field} absent", f"no {field} field")
    return str(value)


def body_event_id(*parts: str) -> str:
    """An event id for a provider whose events have none (AR24): a digest of what identifies the event.

    Redeliveries of the same event give the same id, so they are processed once.
    """
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
