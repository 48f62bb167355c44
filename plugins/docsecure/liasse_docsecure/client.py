"""The DocSecure API client: the one module to replace when the real API is known.

Authentication is HTTP Basic with the provider account's e-mail and password
on every request (several host users may share one account, DS-01).
"""

from __future__ import annotations

from typing import Any

from liasse.errors import AccessDenied
from liasse.records import ProviderContext

from liasse_docsecure.settings import DocSecureSettings

API = "/api/v1"
TITLE = "DocSecure"


class DocSecureClient:
    """Calls DocSecure for one user's provider account."""

    def __init__(self, ctx: ProviderContext[DocSecureSettings]) -> None:
        self._ctx = ctx
        self._http = ctx.http
        creds = ctx.credentials
        self._auth = (creds.login, creds.secret.reveal()) if creds else None

    def __repr__(self) -> str:
        return f"DocSecureClient(user={self._ctx.user_login!r})"

    def account(self) -> dict[str, Any]:
        """``GET /api/v1/account``: who these credentials are."""
        response = self._http.request("GET", f"{API}/account", auth=self._auth, expect=(200, 401))
        if response.status_code == 401:
            raise AccessDenied(title=TITLE, user=self._ctx.user_login)
        body: dict[str, Any] = response.json()
        return body
