"""Faults on demand, and the journal of what a sandbox was sent: a WSGI middleware.

Tests arm a fault over HTTP (``POST /_sandbox/faults``) the way they would
break a real provider, Toxiproxy's toxics on loopback:

* ``status``: answer ``status`` (503 by default) with an optional ``Retry-After``;
* ``reset``: drop the connection before reading the request;
* ``reset_body``: read ``after_bytes`` bytes of the body, then drop the connection
  (an upload cut in the middle);
* ``delay``: a slow provider: wait ``delay`` seconds, then do the request;
* ``hang``: wait ``delay`` seconds (longer than the client's read timeout),
  then drop the connection without doing the request;
* ``truncate``: do the request, then send only half of the answer's body and
  drop the connection (the write happened, the client cannot read that it did).

Each fault fires ``times`` times and is then gone; ``skip`` lets that many
matching requests through first (the third POST of a send, not the first). Every request outside
``/_sandbox/`` is written to the journal (``GET /_sandbox/requests``): its
method, path, ``Idempotency-Key``, the fault it met, the status answered, and
the size and SHA-256 of the body the provider actually read, so a test can
check on the provider's side that a retried upload arrived whole.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import attrs

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

KINDS = ("status", "reset", "reset_body", "delay", "hang", "truncate")
#: Bodies up to this size are hashed in the journal; bigger ones (benchmarks' gigabyte) only counted.
JOURNAL_HASH_LIMIT = 64 * 1024 * 1024
#: Journal entries kept, the oldest dropped first.
JOURNAL_SIZE = 10_000


@attrs.define
class Fault:
    """One armed fault."""

    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    path: str = "/"
    method: str | None = None
    status: int = 503
    retry_after: int | None = None
    delay: float = 0.0
    #: ``reset_body``: how many bytes of the body are read before the connection drops.
    after_bytes: int = 0
    times: int = 1
    #: Matching requests let through untouched before the fault fires.
    skip: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is one this fault should hit (path prefix, optional method)."""
        return path.startswith(self.path) and (self.method is None or self.method.upper() == method)


@attrs.frozen
class JournalEntry:
    """One request as the sandbox received it."""

    method: str
    path: str
    idempotency_key: str | None
    fault: str | None
    status: int | None
    body_size: int
    body_sha256: str | None

    def to_json(self) -> dict[str, object]:
        """The entry as ``GET /_sandbox/requests`` serves it."""
        return attrs.asdict(self)


class _CountingInput:
    """``wsgi.input`` that counts (and, up to a limit, hashes) what the application reads."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.size = 0
        self._digest: Any = hashlib.sha256()

    def _seen(self, data: bytes) -> bytes:
        self.size += len(data)
        if self._digest is not None:
            if self.size > JOURNAL_HASH_LIMIT:
                self._digest = None
            else:
                self._digest.update(data)
        return data

    def read(self, *args: Any) -> bytes:
        return self._seen(self._stream.read(*args))

    def readinto(self, buffer: Any) -> int | None:
        count: int | None = self._stream.readinto(buffer)
        if count:
            if self._digest is None:
                self.size += count  # past the hash limit: count without copying (a benchmark's gigabyte)
            else:
                self._seen(bytes(memoryview(buffer)[:count]))
        return count

    def readline(self, *args: Any) -> bytes:
        return self._seen(self._stream.readline(*args))

    def readlines(self, *args: Any) -> list[bytes]:
        return [self._seen(line) for line in self._stream.readlines(*args)]

    def __iter__(self) -> Any:
        for line in self._stream:
            yield self._seen(line)

    @property
    def sha256(self) -> str | None:
        return self._digest.hexdigest() if self._digest is not None else None


class Faults:
    """The armed faults of one sandbox, its request journal, and the middleware that does both."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._journal: list[JournalEntry] = []
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

    def journal(self, path: str | None = None, method: str | None = None) -> list[JournalEntry]:
        """Requests received, oldest first, optionally under a path prefix and for one method."""
        with self._lock:
            return [
                e
                for e in self._journal
                if (path is None or e.path.startswith(path)) and (method is None or e.method == method.upper())
            ]

    def clear_journal(self) -> None:
        """Forget the requests received so far."""
        with self._lock:
            self._journal.clear()

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    self.fired += 1
                    return fault
        return None

    def _write(self, entry: JournalEntry) -> None:
        with self._lock:
            self._journal.append(entry)
            if len(self._journal) > JOURNAL_SIZE:
                del self._journal[: len(self._journal) - JOURNAL_SIZE]

    def wrap(self, app: WsgiApp) -> WsgiApp:
        """The WSGI app with faults applied in front of it and every request journaled."""

        def middleware(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
            if path.startswith("/_sandbox/"):
                return app(environ, start_response)
            counted = _CountingInput(environ["wsgi.input"])
            environ["wsgi.input"] = counted
            fault = self._take(method, path)
            answered: list[int] = []

            def journal() -> None:
                self._write(
                    JournalEntry(
                        method=method,
                        path=path,
                        idempotency_key=environ.get("HTTP_IDEMPOTENCY_KEY"),
                        fault=fault.kind if fault else None,
                        status=answered[0] if answered else None,
                        body_size=counted.size,
                        body_sha256=counted.sha256,
                    )
                )

            def recording_start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
                answered.append(int(status.split(" ", 1)[0]))
                return start_response(status, headers, *args)

            if fault is None or fault.kind == "delay":
                if fault is not None:
                    time.sleep(fault.delay)
                try:
                    return app(environ, recording_start)
                finally:
                    journal()
            if fault.kind in ("reset", "reset_body", "hang"):
                if fault.kind == "reset_body":
                    _read(counted, fault.after_bytes)
                # Journaled before the hang: a test reads the journal while the client still waits.
                journal()
                if fault.kind == "hang":
                    time.sleep(fault.delay)
                _reset(environ)
                return []
            if fault.kind == "truncate":
                return _truncated(app, environ, answered, start_response, journal)
            headers = [("Content-Type", "application/json")]
            if fault.retry_after is not None:
                headers.append(("Retry-After", str(fault.retry_after)))
            # The body is left unread, as a front proxy answering 503 would.
            recording_start(f"{fault.status} Injected", headers)
            journal()
            return [b'{"error": "injected fault"}']

        return middleware


def _read(stream: _CountingInput, count: int) -> None:
    left = count
    while left > 0:
        chunk = stream.read(min(left, 65536))
        if not chunk:
            return
        left -= len(chunk)


def _truncated(
    app: WsgiApp,
    environ: dict[str, Any],
    answered: list[int],
    start_response: StartResponse,
    journal: Callable[[], None],
) -> Iterable[bytes]:
    """Do the request, then announce the whole answer, send half of it and drop the connection."""
    captured: list[tuple[str, list[tuple[str, str]]]] = []

    def capture(status: str, headers: list[tuple[str, str]], *_args: Any) -> Callable[[bytes], None]:
        captured.append((status, headers))
        answered.append(int(status.split(" ", 1)[0]))
        return lambda _data: None

    result = app(environ, capture)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if callable(close):
            close()
    journal()
    status, headers = captured[0]
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    headers.append(("Content-Length", str(max(len(body), 2))))
    write = start_response(status, headers)
    write(body[: len(body) // 2])
    _reset(environ)
    return []


def _reset(environ: dict[str, Any]) -> None:
    """Drop the connection without an answer, as a crashed proxy would."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.shutdown(socket.SHUT_RDWR)
        return
    raise ConnectionAbortedError("injected reset")
