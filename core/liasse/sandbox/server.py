"""Running a sandbox on 127.0.0.1 in a background thread."""

from __future__ import annotations

import io
import socket
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from liasse.sandbox.kit import Sandbox

LOOPBACK = "127.0.0.1"


class _RequestBody(io.RawIOBase):
    """This request's body and nothing past it, so the next request on the connection stays unread.

    werkzeug (3.1) closes every connection after its answer and, before
    that, reads whatever the client has sent since: harmless on a closing
    connection, it would swallow the next request of a kept-alive one.
    Reading through this stream, that drain sees the end of this body, and
    :meth:`finish` consumes what the application left unread of it.
    """

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        count = self._stream.readinto(view)
        self._left -= count or 0
        return count or 0

    def readline(self, size: int | None = -1) -> bytes:
        if self._left <= 0:
            return b""
        limit = self._left if size is None or size < 0 else min(size, self._left)
        line: bytes = self._stream.readline(limit)
        self._left -= len(line)
        return line

    def finish(self) -> None:
        """Read and drop the rest of the body (an answer given before the upload was read)."""
        while self._left > 0:
            if not self.read(min(self._left, 1 << 20)):
                break


class _QuietHandler(WSGIRequestHandler):
    """No access log (request lines would carry query strings into the demo's output), and keep-alive.

    A real provider keeps connections open between requests; werkzeug's
    development server closes each one after its answer (``Connection:
    close``), so every pooled call of liasse reconnected and the server
    started a thread per call. Requests with a known length (or none) are
    answered on a connection that stays open; a chunked upload still closes
    its connection, as werkzeug does.
    """

    protocol_version = "HTTP/1.1"
    #: An idle kept-alive connection is dropped after this long (the thread serving it ends).
    timeout = 60

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: on a connection that stays open, Nagle's algorithm
        # would hold the body until the client's delayed ACK (40 ms a request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_wsgi(self) -> None:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = self.headers.get("Content-Length", "0" if not chunked else "")
        self._keep_open = not chunked and length.isdigit()
        if not self._keep_open:
            super().run_wsgi()
            return
        stream = self.rfile
        body = _RequestBody(stream, int(length))
        self.rfile = body  # type: ignore[assignment]
        try:
            super().run_wsgi()
        finally:
            body.finish()
            self.rfile = stream

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and getattr(self, "_keep_open", False):
            return  # the connection stays open (close_connection keeps what the request asked)
        super().send_header(keyword, value)

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
