"""The HTTP endpoint providers deliver webhooks to: ``POST /liasse/webhooks/<provider>``.

A host mounts it in its own web application (a Flask blueprint from
:meth:`WebhookReceiver.blueprint`) or serves it alone (a WSGI app from
:meth:`WebhookReceiver.wsgi_app`)::

    receiver = WebhookReceiver(liasse, on_accepted=worker.wake)
    app.register_blueprint(receiver.blueprint())

For each delivery it reads the raw body under a size cap (refused before
reading when the announced length is already too much), has the provider's
plugin verify and read it, records the event once, and answers at once:
``200`` for a new event or a redelivery (the sender stops), ``400`` for a
forgery or a replay (the sender stops too, and learns nothing: the answer
names the reason, never a secret), ``404`` for a provider that takes no
webhooks, ``413`` for a body over the cap, ``503`` when the store is down
(the sender retries later, nothing is lost). The work happens afterwards,
in :mod:`liasse.webhooks.processing`. Nothing of the headers or the body is
logged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from liasse.errors import CapabilityMissing, LiasseError, ProviderBroken, ProviderDisabled, UnknownProvider
from liasse.webhooks import queue
from liasse.webhooks.errors import WebhookRejected, WebhooksNotSupported, WebhookTooLarge
from liasse.webhooks.signatures import lower_headers

if TYPE_CHECKING:
    from flask import Blueprint, Flask, Response

    from liasse.app import Liasse

log = logging.getLogger(__name__)

#: Where the endpoint lives under the host's root.
URL_PREFIX = "/liasse/webhooks"
#: The largest body accepted: notifications are small (Yousign's are a few kB).
MAX_BODY = 256 * 1024


@attrs.frozen
class Receipt:
    """What the receiver did with one delivery."""

    provider: str
    event_id: str
    duplicate: bool
    trusted: bool


class WebhookReceiver:
    """Verifies, records and acknowledges webhook deliveries for the providers of ``liasse``."""

    def __init__(
        self, liasse: Liasse, *, max_body: int = MAX_BODY, on_accepted: Callable[[Receipt], None] | None = None
    ) -> None:
        self.liasse = liasse
        self.max_body = max_body
        #: Called after a new event is recorded (e.g. a worker's ``wake``); never for a redelivery.
        self.on_accepted = on_accepted

    def receive(self, provider: str, headers: Mapping[str, str], body: bytes) -> Receipt:
        """Verify and record one delivery; raises :class:`WebhookRejected` or :class:`WebhooksNotSupported`."""
        try:
            info = self.liasse.provider(provider)
        except (UnknownProvider, ProviderDisabled, ProviderBroken):
            raise WebhooksNotSupported(provider=provider) from None
        if provider not in self.liasse.hooks.providers_with("liasse_read_webhook"):
            raise WebhooksNotSupported(provider=provider)
        if len(body) > self.max_body:
            raise WebhookTooLarge(title=info.title, limit=self.max_body, reason="too_large")
        ctx = self.liasse.office_context(provider)
        try:
            notice = self.liasse.hooks.read_webhook(ctx, lower_headers(headers), body)
        except CapabilityMissing:
            raise WebhooksNotSupported(provider=provider) from None
        recorded = queue.record(self.liasse.store, provider, notice, hashlib.sha256(body).hexdigest())
        receipt = Receipt(provider=provider, event_id=notice.event_id, duplicate=recorded.duplicate, trusted=notice.trusted)
        if not recorded.duplicate and self.on_accepted is not None:
            self.on_accepted(receipt)
        return receipt

    # --- HTTP ------------------------------------------------------------------------------

    def blueprint(self, url_prefix: str = URL_PREFIX) -> Blueprint:
        """A Flask blueprint with ``POST <url_prefix>/<provider>``, for the host's own Flask app."""
        from flask import Blueprint

        blueprint = Blueprint("liasse_webhooks", __name__, url_prefix=url_prefix)
        blueprint.add_url_rule("/<provider>", "receive", self._view, methods=["POST"])
        return blueprint

    def wsgi_app(self, url_prefix: str = URL_PREFIX) -> Flask:
        """A WSGI application serving only the endpoint, for a host that is not on Flask."""
        from flask import Flask

        app = Flask("liasse-webhooks")
        app.register_blueprint(self.blueprint(url_prefix))
        return app

    def _view(self, provider: str) -> Response:
        from flask import request

        announced = request.content_length
        try:
            if announced is not None and announced > self.max_body:
                title = self.liasse.providers[provider].title if provider in self.liasse.providers else provider
                raise WebhookTooLarge(title=title, limit=self.max_body, reason="too_large")
            # The stream as sent, read once and capped: never a parsed and re-serialised form of it.
            body = request.stream.read(self.max_body + 1)
            receipt = self.receive(provider, dict(request.headers.items()), body)
        except WebhookRejected as refused:
            if refused.status >= 500:
                # The office's configuration, not the sender: the operator reads why, the sender only "later".
                log.error("webhook for %s not recorded: %s", provider, refused.message())
                return _unavailable(refused.reason)
            log.warning("webhook for %s refused: %s", provider, refused.reason)
            return _answer(refused.status, {"error": refused.reason, "message": refused.message()})
        except WebhooksNotSupported as unknown:
            return _answer(404, {"error": "webhooks_not_supported", "message": unknown.message()})
        except LiasseError as error:
            # A settings or store problem: its sentence names files and keys, never a secret, and stays in the log.
            log.error("webhook for %s not recorded: %s", provider, error.message())
            return _unavailable("unavailable")
        except Exception as error:  # noqa: BLE001 - the store is down: the provider keeps the event and retries
            log.error("webhook for %s not recorded: %s", provider, type(error).__name__)
            return _unavailable("unavailable")
        log.info("webhook %s of %s %s", receipt.event_id, provider, "already received" if receipt.duplicate else "recorded")
        return _answer(200, {"status": "duplicate" if receipt.duplicate else "accepted", "event_id": receipt.event_id})


def _unavailable(reason: str) -> Response:
    """503 with Retry-After: the sender keeps the event and tries again; it learns nothing of the office's setup."""
    words = "Service momentanément indisponible : réessayez plus tard. / Temporarily unavailable: retry later."
    return _answer(503, {"error": reason, "message": words}, retry_after=60)


def _answer(status: int, body: dict[str, Any], retry_after: int | None = None) -> Response:
    from flask import jsonify

    response = jsonify(body)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


class RunningReceiver:
    """The receiver served alone in a thread; ``url`` is its endpoint's root (``…/liasse/webhooks``)."""

    def __init__(self, server: Any, url_prefix: str) -> None:
        import threading

        self._server = server
        self.root = f"http://{server.server_address[0]}:{server.server_port}"
        self.url = self.root + url_prefix
        self._thread = threading.Thread(target=server.serve_forever, name="liasse-webhook-receiver", daemon=True, kwargs={"poll_interval": 0.05})
        self._thread.start()

    def endpoint(self, provider: str) -> str:
        """The URL to subscribe at ``provider``."""
        return f"{self.url}/{provider}"

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningReceiver:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def serve(receiver: WebhookReceiver, host: str = "127.0.0.1", port: int = 0, url_prefix: str = URL_PREFIX) -> RunningReceiver:
    """Serve ``receiver`` on ``host:port`` (0: a free port) with werkzeug's threaded server, behind the host's TLS proxy."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class _Quiet(WSGIRequestHandler):
        # No access log: request lines are not the receiver's business to keep.
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

    server = make_server(host, port, receiver.wsgi_app(url_prefix), threaded=True, request_handler=_Quiet)
    return RunningReceiver(server, url_prefix)
