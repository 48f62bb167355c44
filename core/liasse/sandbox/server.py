"""Running a sandbox on 127.0.0.1 in a background thread."""

from __future__ import annotations

import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from liasse.sandbox.kit import Sandbox

LOOPBACK = "127.0.0.1"


class _QuietHandler(WSGIRequestHandler):
    """No access log: request lines would carry query strings into the demo's output.

    HTTP/1.1, so connections stay open between requests as a real provider's
    do: under werkzeug's HTTP/1.0 default every answer closed its connection,
    and liasse's pooled sessions reconnected for each call.
    """

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class RunningSandbox:
    """A sandbox served on loopback; stop it with :meth:`stop` or a ``with`` block."""

    def __init__(self, sandbox: Sandbox, server: BaseWSGIServer) -> None:
        self.sandbox = sandbox
        self._server = server
        self.url = f"http://{LOOPBACK}:{server.server_port}"
        self._thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{sandbox.name}", daemon=True, kwargs={"poll_interval": 0.05})

    def start(self) -> RunningSandbox:
        """Begin serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        for cleanup in self.sandbox.cleanups:
            cleanup()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self.stop()


def serve(sandbox: Sandbox, port: int = 0) -> RunningSandbox:
    """Serve ``sandbox`` on 127.0.0.1 (``port`` 0: a free one) and return it running."""
    server = make_server(LOOPBACK, port, sandbox.wsgi(), threaded=True, request_handler=_QuietHandler)
    running = RunningSandbox(sandbox, server)
    sandbox.base_url = running.url
    return running.start()
