"""The pluggy markers of liasse.

Plugins import :data:`hookimpl` (re-exported as ``liasse.hookimpl``). The
project name ``"liasse"`` is shared with :mod:`liasse_hostapi.events`, so host
event hooks and provider hooks live in one plugin manager.
"""

from __future__ import annotations

import pluggy

PROJECT = "liasse"

#: Marks a hook specification in :mod:`liasse.hookspecs`.
hookspec = pluggy.HookspecMarker(PROJECT)
#: Marks a plugin's implementation of a hook.
hookimpl = pluggy.HookimplMarker(PROJECT)
