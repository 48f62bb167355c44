"""The Yousign API v3 client: every call ESign makes goes through here.

Authentication is ``Authorization: Bearer <api key>`` on every request, with
the office's key from the settings (ES-01). Yousign answers errors as
``{"type", "detail"}`` (400, 401, 403, 404, 415), ``{"message"}`` (405, 429)
and ``{"type": "about:blank", "detail": …}`` (500); this module turns them
into liasse errors so the hook implementations only see records and
sentences.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from liasse.errors import OfficeKeysRefused, ProviderError
from liasse.records import ProviderContext
from liasse.secrets import withhold

from liasse_esign.settings import ESignSettings

if TYPE_CHECKING:
    import requests

TITLE = "ESign"

#: Yousign's hosts, to tell the user which environment the key opens.
_SANDBOX_HOST = "api-sandbox.yousign.app"
_PRODUCTION_HOST = "api.yousign.app"

#: Longest provider text quoted in an error: enough for Yousign's sentences,
#: short enough that a proxy's HTML page does not flood the user's screen.
_MAX_DETAIL = 300


class ESignClient:
    """Calls Yousign v3 with the office's API key."""

    def __init__(self, ctx: ProviderContext[ESignSettings]) -> None:
        self._ctx = ctx
        self._http = ctx.http
        # Kept as a Secret and revealed per request, so the clear key lives in
        # no attribute a debugger, a repr or a traceback's locals would show.
        self._api_key = ctx.settings.api_key

    def __repr__(self) -> str:
        return f"ESignClient(base_url={self._http.base_url!r}, user={self._ctx.user_login!r})"

    # --- endpoints ---------------------------------------------------------

    def default_workspace(self) -> dict[str, Any]:
        """``GET /workspaces/default``: the cheapest authenticated call, and it names the account.

        Returns Yousign's ``Workspace`` object (``id``, ``name``,
        ``external_name``, ``default``, ``created_at``, ``updated_at``,
        ``deleted_at``, ``users``).
        """
        body = self._json(self._call("GET", "/workspaces/default"), "GET /workspaces/default")
        if not isinstance(body.get("name"), str) or not isinstance(body.get("id"), str):
            raise _unexpected(
                "GET /workspaces/default", "l'espace de travail n'a ni « id » ni « name »", "the workspace has no 'id' or 'name'"
            )
        return body

    def environment(self) -> tuple[str, str]:
        """Which Yousign environment the base URL names, in French and English.

        Worth telling the user: in Yousign's sandbox signatures have no legal
        value, and keys of one environment do not open the other.
        """
        host = urlsplit(self._http.base_url).hostname or ""
        if host == _PRODUCTION_HOST:
            return "production Yousign", "Yousign production"
        if host == _SANDBOX_HOST:
            return (
                "bac à sable Yousign (signatures sans valeur juridique)",
                "Yousign sandbox (signatures not legally binding)",
            )
        return f"serveur {host}", f"server {host}"

    # --- plumbing shared by every endpoint ----------------------------------

    def _call(self, method: str, path: str, *, expect: Iterable[int] = (200,), **kwargs: Any) -> requests.Response:
        """Send one authenticated request; Yousign's refusals become liasse errors (:meth:`_refusal`)."""
        if not self._api_key:
            # An empty variable behind the settings' reference: Yousign would refuse it anyway.
            raise self._key_refused()
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        headers.setdefault("Accept", "application/json")
        what = f"{method} {path}"
        return self._http.request(
            method, path, headers=headers, expect=expect, refuse=lambda response: self._refusal(response, what), **kwargs
        )

    def _key_refused(self) -> OfficeKeysRefused:
        return OfficeKeysRefused(title=TITLE, keys="api_key", provider=self._ctx.provider)

    def _refusal(self, response: requests.Response, what: str) -> ProviderError:
        """A sentence for a 4xx answer to ``what``, quoting Yousign's ``detail`` (or ``message``)."""
        status = response.status_code
        if status == 401:
            return self._key_refused()
        detail = withhold(_provider_detail(response), [self._api_key])
        quoted = f" : « {detail} »" if detail else ""
        quoted_en = f": '{detail}'" if detail else ""
        if status == 403:
            return ProviderError(
                title=TITLE,
                detail_fr=(
                    f"la clé d'API de l'étude n'a pas accès à {what}{quoted}. "
                    "Vérifiez ses droits dans l'espace Yousign de l'étude."
                ),
                detail_en=(
                    f"the office's API key has no access to {what}{quoted_en}. "
                    "Check its rights in the office's Yousign account."
                ),
            )
        if status == 404:
            return ProviderError(
                title=TITLE,
                detail_fr=f"élément introuvable ({what}){quoted}. Il a peut-être été supprimé dans Yousign.",
                detail_en=f"not found ({what}){quoted_en}. It may have been deleted in Yousign.",
            )
        return ProviderError(
            title=TITLE,
            detail_fr=f"réponse HTTP {status} pour {what}{quoted}",
            detail_en=f"HTTP {status} for {what}{quoted_en}",
        )

    def _json(self, response: requests.Response, what: str) -> dict[str, Any]:
        """The response's JSON object, or a sentence saying Yousign answered something else."""
        try:
            body = response.json()
        except ValueError:
            raise _unexpected(what, "la réponse n'est pas du JSON", "the answer is not JSON") from None
        if not isinstance(body, dict):
            raise _unexpected(what, "la réponse n'est pas un objet JSON", "the answer is not a JSON object")
        return body


def _provider_detail(response: requests.Response) -> str:
    """Yousign's explanation: ``detail`` of ``{type, detail}``, or ``message`` of ``{message}``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    text = body.get("detail") or body.get("message") or ""
    return " ".join(str(text).split())[:_MAX_DETAIL]


def _unexpected(what: str, why_fr: str, why_en: str) -> ProviderError:
    return ProviderError(
        title=TITLE,
        detail_fr=f"réponse inattendue pour {what} ({why_fr}). Vérifiez que base_url désigne bien l'API Yousign v3.",
        detail_en=f"unexpected answer for {what} ({why_en}). Check that base_url points at Yousign API v3.",
    )
