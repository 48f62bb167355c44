"""The JurisZone API client: the one module to replace when the real API is known.

Every request carries the office's two keys (JZ-01): the entity key in
``X-JurisZone-Entity`` and the API key as ``Authorization: Bearer <api key>``.
Errors come back as JSON ``{"error": <code>, "message": <text>}``; the client
turns them into liasse's bilingual errors here, so the hook implementations
never see a status code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from liasse.errors import AccessDenied, ProviderError
from liasse.records import ProviderContext
from liasse.secrets import REDACTED, Secret, withhold

from liasse_juriszone.settings import JurisZoneSettings

if TYPE_CHECKING:
    import requests

API = "/api/v1"
TITLE = "JurisZone"
#: The header that names the office's entity; the API key travels as a bearer token.
ENTITY_HEADER = "X-JurisZone-Entity"

#: How much of the provider's own message a user may see.
_MESSAGE_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_CODE = re.compile(r"[^a-z0-9_.-]+")

#: Why JurisZone refused the entity (401/403), by error code: (French, English), each saying what to fix.
_REFUSALS: dict[str, tuple[str, str]] = {
    "missing_entity_key": (
        "la clé d'entité est vide. Renseignez « entity_key » dans [providers.juriszone] de liasse.toml avec la clé reçue à l'inscription",
        "the entity key is empty. Set 'entity_key' in [providers.juriszone] of liasse.toml to the key received at registration",
    ),
    "missing_api_key": (
        "la clé d'API est vide. Renseignez « api_key » dans [providers.juriszone] de liasse.toml avec la clé reçue à l'inscription",
        "the API key is empty. Set 'api_key' in [providers.juriszone] of liasse.toml to the key received at registration",
    ),
    "invalid_keys": (
        "la clé d'entité ou la clé d'API est incorrecte. Vérifiez « entity_key » et « api_key » dans [providers.juriszone] de liasse.toml",
        "the entity key or the API key is wrong. Check 'entity_key' and 'api_key' in [providers.juriszone] of liasse.toml",
    ),
    "entity_disabled": (
        "l'entité de l'étude est désactivée chez JurisZone. Contactez le support de JurisZone pour la réactiver",
        "the office's entity is disabled at JurisZone. Ask JurisZone's support to enable it again",
    ),
}
_DEFAULT_REFUSAL = (
    "les clés de l'entité sont refusées. Vérifiez « entity_key » et « api_key » dans [providers.juriszone] de liasse.toml",
    "the entity's keys are refused. Check 'entity_key' and 'api_key' in [providers.juriszone] of liasse.toml",
)

#: Other refusals liasse words itself, by error code; ``{message}`` is JurisZone's own text.
#: Later steps (export, upload, share) add their codes here.
_DETAILS: dict[str, tuple[str, str]] = {
    "not_found": ("l'élément demandé n'existe pas (ou plus) chez JurisZone", "the requested item does not exist (any more) at JurisZone"),
    "validation_failed": ("données refusées : {message}", "data refused: {message}"),
}


class KeysRefused(AccessDenied):
    """JurisZone refused the office's entity key or API key.

    The keys belong to the office, not to the user, so the sentence points at
    ``liasse.toml`` rather than at the user's "Connexion" screen. It is an
    :class:`~liasse.errors.AccessDenied`, so callers that handle that keep working.
    """

    fr = "{title} refuse l'accès de l'entité de l'étude : {reason_fr}."
    en = "{title} refuses access to the office's entity: {reason_en}."


class _EntityAuth:
    """Puts both keys on each outgoing request, revealing them only there.

    A ``requests`` auth callable rather than a headers dict, so the clear
    keys never sit in an argument that a traceback or a debugger would show.
    """

    def __init__(self, entity_key: Secret, api_key: Secret) -> None:
        self._entity_key = entity_key
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # An empty key is left out, so JurisZone answers "missing", not "invalid".
        if self._entity_key:
            request.headers[ENTITY_HEADER] = self._entity_key.reveal()
        if self._api_key:
            request.headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        return request

    def __repr__(self) -> str:
        return f"_EntityAuth({REDACTED!r})"


class JurisZoneClient:
    """Calls JurisZone as the office's entity."""

    def __init__(self, ctx: ProviderContext[JurisZoneSettings]) -> None:
        self._ctx = ctx
        self._http = ctx.http
        self._auth = _EntityAuth(ctx.settings.entity_key, ctx.settings.api_key)
        self._secrets = (ctx.settings.entity_key, ctx.settings.api_key)

    def __repr__(self) -> str:
        return f"JurisZoneClient(user={self._ctx.user_login!r}, base_url={self._http.base_url!r})"

    def entity(self) -> dict[str, Any]:
        """``GET /api/v1/entity``: which entity these keys open ("Tester l'accès au service")."""
        return self._json(self._call("GET", f"{API}/entity"), required=("id", "name"))

    # --- plumbing shared by every endpoint -----------------------------------

    def _call(self, method: str, path: str, *, ok: Iterable[int] = (200,), **kwargs: Any) -> requests.Response:
        """Send one authenticated request; JurisZone's refusals become liasse errors.

        liasse's transport follows no redirect, which matters here: ``requests``
        would carry the entity header to another host.
        """
        return self._http.request(method, path, auth=self._auth, expect=ok, refuse=self._error, **kwargs)

    def _error(self, response: requests.Response) -> ProviderError:
        """The liasse error for a 4xx answer and its ``{"error", "message"}`` body."""
        code, message = self._error_body(response)
        status = response.status_code
        if status in (401, 403):
            reason_fr, reason_en = _REFUSALS.get(code, _DEFAULT_REFUSAL)
            return KeysRefused(title=TITLE, user=self._ctx.user_login, reason_fr=reason_fr, reason_en=reason_en, code=code)
        if code in _DETAILS:
            template_fr, template_en = _DETAILS[code]
            return ProviderError(
                title=TITLE,
                detail_fr=template_fr.format(message=message or code),
                detail_en=template_en.format(message=message or code),
                code=code,
            )
        said = f"{message} " if message else ""
        return ProviderError(
            title=TITLE,
            detail_fr=f"{said}(code « {code or '?'} », HTTP {status})",
            detail_en=f"{said}(code '{code or '?'}', HTTP {status})",
            code=code,
        )

    def _error_body(self, response: requests.Response) -> tuple[str, str]:
        """JurisZone's error code and message, fit for a user's eyes; empty when unreadable."""
        try:
            body = response.json()
        except ValueError:
            return "", ""
        if not isinstance(body, dict):
            return "", ""
        code = body.get("error")
        message = body.get("message")
        code = _CODE.sub("", code.lower())[:64] if isinstance(code, str) else ""
        message = _CONTROL.sub(" ", message).strip()[:_MESSAGE_LIMIT] if isinstance(message, str) else ""
        known = code in _REFUSALS or code in _DETAILS
        return code if known else withhold(code, self._secrets), withhold(message, self._secrets)

    def _json(self, response: requests.Response, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """A JSON object body with ``required`` keys, or a ProviderError saying JurisZone's answer was unreadable."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or any(key not in body for key in required):
            raise ProviderError(
                title=TITLE,
                detail_fr=f"réponse illisible (HTTP {response.status_code}, JSON attendu)",
                detail_en=f"unreadable answer (HTTP {response.status_code}, JSON expected)",
            )
        return body
