"""The AR24 API client: AR24's envelope, signature and errors, in one place.

Every call sends ``token`` and ``date`` (query string on GET, form fields on
POST) and the ``signature`` header (:mod:`liasse_ar24.signing`). AR24 answers
HTTP 200 even when it refuses: the JSON ``status`` decides. Errors come back
in clear JSON, successes encrypted, so the body is read as JSON first and
decrypted only when that fails, as the known client implementations do.

Later steps (users, OTP, attachments, mails, consents, proofs) add methods
here that call :meth:`AR24Client.call`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from liasse.errors import AccessDenied, OfficeKeysRefused, ProviderError, ProviderUnavailable
from liasse.records import ProviderContext
from liasse.secrets import withhold

from liasse_ar24.settings import AR24Settings
from liasse_ar24.signing import UndecryptableResponse, decrypt_response, paris_now_string, request_signature

TITLE = "AR24"

#: Slugs that mean AR24 refuses the office's token or private key (§1.3, §1.5).
#: ``invalid_signature`` is the sandbox's word for a wrong signature: AR24's own is not documented.
AUTH_SLUGS = frozenset({"token_missing", "token_invalid", "empty_signature", "invalid_signature"})
#: Slugs that mean AR24 refuses the request's ``date``: almost always this server's clock.
DATE_SLUGS = frozenset({"empty_date", "invalid_date", "expired_date", "date_in_future"})
#: AR24 answers ``{"status": "maintenance"}``; a slug of that name is treated alike.
MAINTENANCE = "maintenance"

Clock = Callable[[], dt.datetime]


class RequestDateRefused(AccessDenied):
    """AR24 refused the request's date: the fix is the server's clock, not the credentials."""

    fr = (
        "{title} refuse la date des requêtes de {user} (code « {slug} ») : l'horloge de ce serveur est "
        "probablement décalée. Mettez-la à l'heure (synchronisation NTP), puis réessayez."
    )
    en = (
        "{title} refuses the date of {user}'s requests (code '{slug}'): this server's clock is probably off. "
        "Set it right (NTP synchronisation), then try again."
    )


class AR24Client:
    """Calls AR24 with the office's API token and private key on behalf of one host user."""

    def __init__(self, ctx: ProviderContext[AR24Settings], *, clock: Clock | None = None) -> None:
        self._ctx = ctx
        self._http = ctx.http
        self._token = ctx.settings.token
        self._private_key = ctx.settings.private_key
        self._clock: Clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def __repr__(self) -> str:
        return f"AR24Client(user={self._ctx.user_login!r})"

    # --- users -------------------------------------------------------------

    def user(self, *, email: str | None = None, id_user: str | int | None = None) -> dict[str, Any]:
        """``GET user/``: an AR24 user attached to the office's token, by e-mail or id."""
        fields: dict[str, str] = {}
        if email is not None:
            fields["email"] = email
        if id_user is not None:
            fields["id_user"] = str(id_user)
        return _object(self.call("GET", "user/", fields))

    def users(self) -> list[dict[str, Any]]:
        """``GET user/list``: every AR24 user attached to the office's token."""
        users = _object(self.call("GET", "user/list")).get("users", [])
        return [u for u in users if isinstance(u, dict)] if isinstance(users, list) else []

    # --- the envelope --------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        fields: Mapping[str, str] | None = None,
        *,
        files: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one signed request and return the ``result`` of AR24's envelope (JSON as parsed).

        Raises :class:`~liasse.errors.AccessDenied` (or :class:`RequestDateRefused`)
        for authentication slugs, :class:`~liasse.errors.ProviderUnavailable` for
        maintenance, and :class:`~liasse.errors.ProviderError` quoting AR24's
        message and slug for any other refusal.
        """
        date = paris_now_string(self._clock())
        signed = {**(fields or {}), "token": self._token.reveal(), "date": date}
        headers = {"signature": request_signature(date, self._private_key.reveal())}
        if method.upper() == "GET":
            response = self._http.request(method, path, params=signed, headers=headers, expect=(200,))
        else:
            response = self._http.request(method, path, data=signed, files=files, headers=headers, expect=(200,))
        return self._result(response.content, date)

    def _result(self, raw: bytes, date: str) -> Any:
        envelope = _clear_json(raw)
        if envelope is None:
            try:
                envelope = decrypt_response(raw, date, self._private_key.reveal())
            except UndecryptableResponse:
                raise ProviderError(
                    title=TITLE,
                    detail_fr="réponse illisible (ni JSON, ni chiffrée avec la clé privée de l'étude). "
                    "Vérifiez l'adresse de l'API (base_url) et la clé privée.",
                    detail_en="unreadable answer (neither JSON nor encrypted with the office's private key). "
                    "Check the API address (base_url) and the private key.",
                ) from None
        status = str(envelope.get("status", "")).strip().upper()
        if status == "SUCCESS":
            return envelope.get("result")
        if status == MAINTENANCE.upper():
            raise ProviderUnavailable(title=TITLE, detail=MAINTENANCE)
        if status == "ERROR":
            raise self._error(str(envelope.get("slug") or ""), str(envelope.get("message") or ""))
        raise ProviderError(
            title=TITLE,
            detail_fr=f"réponse d'un format inattendu (statut « {self._redact(status)} »).",
            detail_en=f"answer in an unexpected format (status '{self._redact(status)}').",
        )

    def _error(self, slug: str, message: str) -> ProviderError:
        slug = self._redact(slug)
        if slug == MAINTENANCE:
            return ProviderUnavailable(title=TITLE, detail=MAINTENANCE)
        if slug in DATE_SLUGS:
            return RequestDateRefused(title=TITLE, user=self._ctx.user_login, slug=slug)
        if slug in AUTH_SLUGS:
            return OfficeKeysRefused(title=TITLE, keys="token, private_key", provider=self._ctx.provider, slug=slug)
        text = self._redact(message).strip().rstrip(".") or "sans message / no message"
        return ProviderError(
            title=TITLE,
            detail_fr=f"{text} (code AR24 « {slug or '?'} »).",
            detail_en=f"{text} (AR24 code '{slug or '?'}').",
            slug=slug,
        )

    def _redact(self, text: str) -> str:
        """``text``, unless AR24 echoed the token or private key in it."""
        return withhold(text, (self._token, self._private_key))


def _object(result: Any) -> dict[str, Any]:
    """A result that should be a JSON object; anything else reads as empty."""
    return result if isinstance(result, dict) else {}


def _clear_json(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (then it is encrypted)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
