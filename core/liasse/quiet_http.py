"""liasse's connections never take part in ``http.client``'s print-debugging (S4).

``http.client.HTTPConnection.debuglevel = 1`` makes every connection
``print()`` its raw request, headers included: ``Authorization: Basic …``,
``Bearer …``, the office's keys, tokens in query strings, and the bodies
sent in one piece. That output bypasses logging and every filter on it, so
liasse cannot redact it; a host that turns it on to debug its own calls
would publish the office's credentials. liasse's sessions therefore use
connection classes whose own ``debuglevel`` is 0, whatever the global one
says; what liasse sends is logged through :mod:`logging` instead, where
secrets are kept out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

if TYPE_CHECKING:
    import requests


class QuietHTTPConnection(HTTPConnection):
    """An urllib3 connection that prints nothing, whatever ``http.client.HTTPConnection.debuglevel`` is."""

    # Shadows the class attribute http.client reads (self.debuglevel), for these connections only.
    debuglevel = 0


class QuietHTTPSConnection(HTTPSConnection):
    """The TLS one."""

    debuglevel = 0


class _QuietHTTPPool(HTTPConnectionPool):
    ConnectionCls = QuietHTTPConnection


class _QuietHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = QuietHTTPSConnection


_POOLS: dict[str, Any] = {"http": _QuietHTTPPool, "https": _QuietHTTPSPool}


def quiet(session: requests.Session) -> requests.Session:
    """Make every connection ``session`` opens from now on a quiet one; returns the session."""
    for adapter in session.adapters.values():
        manager = getattr(adapter, "poolmanager", None)
        if manager is not None:
            manager.pool_classes_by_scheme = _POOLS
    return session
