"""The :class:`Sandbox` a provider's ``sandbox.py`` builds and fills with routes."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from liasse.sandbox.faults import Fault, Faults
from liasse.sandbox.outbox import Outbox

if TYPE_CHECKING:
    from flask import Flask


@attrs.frozen
class DemoAccount:
    """An account the sandbox creates at start, printed by ``liasse sandbox`` for the demo."""

    login: str
    secret: str
    note: str = ""


class Sandbox:
    """A provider's fake service: a Flask app plus the kit's outbox and faults.

    The provider module adds its API routes to :attr:`app`. The kit adds:

    * ``GET /_sandbox/outbox[?to=…&channel=email|sms]``: the messages sent;
    * ``DELETE /_sandbox/outbox``: forget them;
    * ``POST /_sandbox/faults``: arm a fault (JSON: kind, path, method, status, retry_after, delay,
      after_bytes, times, skip; see :mod:`liasse.sandbox.faults`);
    * ``DELETE /_sandbox/faults``: disarm them all;
    * ``GET /_sandbox/requests[?path=…&method=…]``: the requests received (key, fault, status, body size
      and SHA-256); ``DELETE /_sandbox/requests``: forget them.
    """

    def __init__(self, name: str, title: str) -> None:
        from flask import Flask, jsonify, request

        self.name = name
        self.title = title
        self.outbox = Outbox()
        self.faults = Faults()
        #: The account a host user connects with (DS-01, AR-01 "Connexion"), for providers with
        #: per-user credentials; the demo and the test kit connect the demo user with it.
        self.user_account: DemoAccount | None = None
        #: Other demo accounts worth printing (office keys, further users).
        self.demo_accounts: list[DemoAccount] = []
        #: Office-level secrets of the demo, by settings key (``{"api_key": "…"}``).
        self.demo_secrets: dict[str, str] = {}
        #: Path of the API under the server's root; ``base_url`` is the server URL plus this.
        self.api_root = ""
        self.app: Flask = Flask(f"liasse-sandbox-{name}")
        #: Filled by :func:`liasse.sandbox.server.serve` once the port is known.
        self.base_url = ""
        #: Called when the served sandbox stops: a provider removes the files it stored.
        self.cleanups: list[Callable[[], None]] = []
        # Every sandbox carries an RFC 3161 time-stamping authority at /tsa (BY-03), one CA per process.
        from liasse.sandbox.tsa import mount_tsa

        mount_tsa(self)

        @self.app.get("/_sandbox/outbox")
        def _outbox() -> Any:
            messages = self.outbox.messages(to=request.args.get("to"), channel=request.args.get("channel"))
            return jsonify([m.to_json() for m in messages])

        @self.app.delete("/_sandbox/outbox")
        def _outbox_clear() -> Any:
            self.outbox.clear()
            return "", 204

        @self.app.post("/_sandbox/faults")
        def _faults_arm() -> Any:
            body = request.get_json(force=True, silent=True) or {}
            try:
                self.faults.arm(Fault(**body))
            except (TypeError, ValueError) as exc:
                return jsonify({"error": f"bad fault: {exc}"}), 400
            return "", 204

        @self.app.delete("/_sandbox/faults")
        def _faults_clear() -> Any:
            self.faults.clear()
            return "", 204

        @self.app.get("/_sandbox/requests")
        def _journal() -> Any:
            entries = self.faults.journal(path=request.args.get("path"), method=request.args.get("method"))
            return jsonify([e.to_json() for e in entries])

        @self.app.delete("/_sandbox/requests")
        def _journal_clear() -> Any:
            self.faults.clear_journal()
            return "", 204

    def wsgi(self) -> Callable[..., Any]:
        """The app with faults in front, as the server runs it."""
        return self.faults.wrap(self.app.wsgi_app)

    def public_url(self, path: str) -> str:
        """An absolute URL on this sandbox, for links in e-mails."""
        return f"{self.base_url}/{path.lstrip('/')}"


def load_sandbox(factory: str) -> Sandbox:
    """Build a sandbox from ``"module:function"`` (a ProviderInfo's ``sandbox``)."""
    module_name, _, attr = factory.partition(":")
    sandbox = getattr(importlib.import_module(module_name), attr)()
    if not isinstance(sandbox, Sandbox):
        raise TypeError(f"{factory} returned {type(sandbox).__name__}, not liasse.sandbox.Sandbox")
    return sandbox
