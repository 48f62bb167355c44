"""liasse: secure exchange, e-signature, registered mail and shared zones for accounting hosts.

Plugin authors need only :data:`hookimpl` and :mod:`liasse.records`; hosts
start from :class:`liasse.app.Liasse`. Importing this package is cheap: the
heavy parts load when used.
"""

from liasse.__about__ import __version__
from liasse.markers import hookimpl

__all__ = ["__version__", "hookimpl"]
