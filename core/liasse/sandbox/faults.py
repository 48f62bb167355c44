"""Faults on demand: a WSGI middleware that makes the next matching requests fail.

Tests arm a fault over HTTP (``POST /_sandbox/faults``) the way they would
break a real provider: answer 429 with Retry-After, answer 503, reset the
connection, or be slow. Each fault fires ``times`` times and is then gone.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import attrs

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

KINDS = ("status", "reset", "delay")


@attrs.define
class Fault:
    """One armed fault."""

    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    path: str = "/"
    method: str | None = None
    status: int = 503
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is one this fault should hit (path prefix, optional method)."""
        return path.startswith(self.path) and (self.method is None or self.method.upper() == method)


class Faults:
    """The armed faults of one sandbox and the middleware that fires them."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.fired = 0

    def arm(self, fault: Fault) -> None:
        """Add a fault; it fires on the next ``fault.times`` matching requests."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._faults.clear()

    def _take(self, method: str, path: str) -> Fault | None:
        if path.startswith("/_sandbox/"):
            return None
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    self.fired += 1
                    return fault
        return None

    def wrap(self, app: WsgiApp) -> WsgiApp:
        """The WSGI app with faults applied in front of it."""

        def middleware(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            fault = self._take(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"))
            if fault is None:
                return app(environ, start_response)
            if fault.kind == "delay":
                time.sleep(fault.delay)
                return app(environ, start_response)
            if fault.kind == "reset":
                _reset(environ)
                return []
            headers = [("Content-Type", "application/json")]
            if fault.retry_after is not None:
                headers.append(("Retry-After", str(fault.retry_after)))
            start_response(f"{fault.status} Injected", headers)
            return [b'{"error": "injected fault"}']

        return middleware


def _reset(environ: dict[str, Any]) -> None:
    """Drop the connection without an answer, as a crashed proxy would."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.shutdown(socket.SHUT_RDWR)
        return
    raise ConnectionAbortedError("injected reset")
