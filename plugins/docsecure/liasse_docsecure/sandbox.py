"""A DocSecure look-alike on loopback: the API of ``plugins/docsecure/README.md``.

Provider accounts are e-mail and password pairs; every API call authenticates
with HTTP Basic. ``create_sandbox()`` starts with one demo account, printed by
``liasse sandbox docsecure``.
"""

from __future__ import annotations

import hmac
from typing import Any

import attrs

from liasse.sandbox import DemoAccount, Sandbox

DEMO_LOGIN = "etude@fichorga.example"
DEMO_PASSWORD = "demo-docsecure"


@attrs.define
class ProviderAccount:
    """A DocSecure customer account (an office), shared by its users."""

    email: str
    password: str
    company: str


class DocSecureState:
    """Everything the fake provider holds."""

    def __init__(self) -> None:
        self.accounts: dict[str, ProviderAccount] = {}

    def authenticate(self, email: str | None, password: str | None) -> ProviderAccount | None:
        """The account these credentials open, compared in constant time."""
        account = self.accounts.get(email or "")
        if account is None or not hmac.compare_digest(account.password.encode(), (password or "").encode()):
            return None
        return account


def create_sandbox() -> Sandbox:
    """A fresh DocSecure sandbox with its demo account."""
    from flask import jsonify, request

    sandbox = Sandbox("docsecure", "DocSecure")
    state = DocSecureState()
    state.accounts[DEMO_LOGIN] = ProviderAccount(DEMO_LOGIN, DEMO_PASSWORD, "Groupe FICHORGA")
    sandbox.user_account = DemoAccount(DEMO_LOGIN, DEMO_PASSWORD, "compte de l'étude / the office's account")
    app = sandbox.app

    def current_account() -> ProviderAccount | None:
        auth = request.authorization
        return state.authenticate(auth.username, auth.password) if auth else None

    def unauthorized() -> Any:
        response = jsonify({"error": "unauthorized", "message": "Identifiants DocSecure invalides."})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Basic realm="DocSecure"'
        return response

    @app.get("/api/v1/account")
    def account() -> Any:
        current = current_account()
        if current is None:
            return unauthorized()
        return jsonify({"email": current.email, "company": current.company})

    return sandbox
