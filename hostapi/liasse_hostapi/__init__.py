"""The contract between a host accounting application and liasse.

A host implements :class:`~liasse_hostapi.protocols.Host` with the record
types of :mod:`liasse_hostapi.records`, and may implement the event hooks of
:mod:`liasse_hostapi.events`. This package imports nothing of liasse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liasse_hostapi.protocols import Host

#: Version of the contract. A host states which it implements; liasse refuses a major it does not know.
HOSTAPI_VERSION = "1.0"

__all__ = ["HOSTAPI_VERSION", "Host"]


def __getattr__(name: str) -> Any:
    # Importing the package stays cheap (the event hooks need only pluggy):
    # the protocols and their records load when first named.
    if name == "Host":
        from liasse_hostapi.protocols import Host

        return Host
    raise AttributeError(f"module 'liasse_hostapi' has no attribute {name!r}")
