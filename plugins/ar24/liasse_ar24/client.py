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
from pathlib import Path
from typing import Any, BinaryIO

from liasse.errors import AccessDenied, OfficeKeysRefused, ProviderError, ProviderUnavailable
from liasse.multipart import FilePart, MultipartBody
from liasse.records import ProviderContext
from liasse.secrets import withhold

from liasse_ar24.settings import TITLE, AR24Settings
from liasse_ar24.signing import UndecryptableResponse, decrypt_response, paris_now_string, request_signature


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


#: What the user does about an AR24 refusal whose message only names the problem.
_FIXES: dict[str, tuple[str, str]] = {
    "user_not_exist": (
        " Vérifiez l'e-mail du compte AR24 dans vos réglages (Connexion), ou créez ce compte sur ar24.fr.",
        " Check the AR24 account's e-mail in your settings (Connect), or create that account on ar24.fr.",
    ),
}

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

    def request_access(self, email: str) -> dict[str, Any]:
        """``POST user/request_access`` (AR-01): AR24 e-mails the user a link to attach the account."""
        return _object(self.call("POST", "user/request_access", {"email": email}))

    def user_info(self, id_user: str) -> dict[str, Any]:
        """``GET user/info``: the user with its payment means (AR-04)."""
        return _object(self.call("GET", "user/info", {"id_user": id_user}))

    def payment_request(self, id_user: str) -> str:
        """``POST user/payment_request`` with ``get_link``: where the user adds a payment means."""
        return str(_object(self.call("POST", "user/payment_request", {"id_user": id_user, "get_link": "1"})).get("link", ""))

    def auth_otp(self, id_user: str, otp: str) -> dict[str, Any]:
        """``POST user/auth_otp`` (AR-02): one OTP for a hash allowing eIDAS sends for an hour."""
        return _object(self.call("POST", "user/auth_otp", {"id_user": id_user, "otp": otp}))

    # --- consents (AR-03) ----------------------------------------------------------

    def request_consents(self, id_user: str, emails: list[str], delay_days: int) -> list[dict[str, Any]]:
        """``POST consent/``: consent requests with a reply delay (route assumed, see the README)."""
        fields = {"id_user": id_user, "delay": str(delay_days)}
        fields.update({f"email[{i}]": email for i, email in enumerate(emails)})
        return _objects(_object(self.call("POST", "consent/", fields)).get("consents"))

    def consents(self, id_user: str) -> list[dict[str, Any]]:
        """``GET consent/list``: the user's consent requests and their states."""
        return _objects(_object(self.call("GET", "consent/list", {"id_user": id_user})).get("consents"))

    # --- letters (AR-05 … AR-10) ---------------------------------------------------

    def upload(self, id_user: str, path: Path, file_name: str) -> str:
        """``POST attachment/``: one PDF streamed from disk as multipart ``file``; its ``file_id``."""
        with path.open("rb") as stream:
            result = self.call(
                "POST", "attachment/", {"id_user": id_user}, stream=(file_name, stream, path.stat().st_size)
            )
        return str(_object(result).get("file_id", ""))

    def send_mail(self, fields: Mapping[str, str]) -> dict[str, Any]:
        """``POST mail/``: the letter as AR24 recorded it."""
        return _object(self.call("POST", "mail/", fields))

    def validate(self, id_user: str, mail_ids: list[str], otp: str) -> list[dict[str, Any]]:
        """``POST mail/valid`` (AR-09): queued letters validated with one OTP (route assumed, see the README)."""
        fields = {"id_user": id_user, "otp": otp}
        fields.update({f"id[{i}]": mail_id for i, mail_id in enumerate(mail_ids)})
        return _objects(_object(self.call("POST", "mail/valid", fields)).get("mails"))

    def mail(self, mail_id: str) -> dict[str, Any]:
        """``GET mail/?id=``: one letter's details and status."""
        return _object(self.call("GET", "mail/", {"id": mail_id}))

    def mails(self, id_user: str, **filters: str) -> list[dict[str, Any]]:
        """``GET user/mail``: the user's letters, filtered by ``ref_client``, ``status``, ``start``, ``end``."""
        fields = {"id_user": id_user, **{k: v for k, v in filters.items() if v}}
        return _objects(_object(self.call("GET", "user/mail", fields)).get("mails"))

    def download(self, url: str, dest: Path) -> Path:
        """A proof PDF from its URL (it carries its own token), streamed to ``dest``."""
        response = self._http.request("GET", url, expect=(200,), stream=True)
        with dest.open("wb") as out:
            for chunk in response.iter_content(64 * 1024):
                out.write(chunk)
        return dest

    # --- the envelope --------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        fields: Mapping[str, str] | None = None,
        *,
        stream: tuple[str, BinaryIO, int] | None = None,
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
        elif stream is not None:
            # The file is streamed from disk inside a multipart body, never held whole in memory.
            file_name, file_stream, size = stream
            body = MultipartBody(list(signed.items()), [FilePart("file", file_name, file_stream, size, "application/pdf")])
            headers["Content-Type"] = body.content_type
            response = self._http.request(method, path, data=body, headers=headers, expect=(200,))
        else:
            response = self._http.request(method, path, data=signed, headers=headers, expect=(200,))
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
        fix_fr, fix_en = _FIXES.get(slug, ("", ""))
        return ProviderError(
            title=TITLE,
            detail_fr=f"{text} (code AR24 « {slug or '?'} »).{fix_fr}",
            detail_en=f"{text} (AR24 code '{slug or '?'}').{fix_en}",
            slug=slug,
        )

    def _redact(self, text: str) -> str:
        """``text``, unless AR24 echoed the token or private key in it."""
        return withhold(text, (self._token, self._private_key))


def _objects(result: Any) -> list[dict[str, Any]]:
    """A result that should be a list of objects; anything else in it is dropped."""
    return [item for item in result if isinstance(item, dict)] if isinstance(result, list) else []


def _object(result: Any) -> dict[str, Any]:
    """A result that should be a JSON object; anything else reads as empty."""
    return result if isinstance(result, dict) else {}


def _clear_json(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (then it is encrypted)."""
    if raw.lstrip()[:1] != b"{":
        return None  # base64 never starts with "{": no need to let the JSON parser fail on it
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
