"""The language user-facing sentences are written in.

French first (the users are French offices), English available. The language
is chosen per call, or for the process with ``LIASSE_LANG=en``.
"""

from __future__ import annotations

import os
from typing import Literal

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")


def default_lang() -> Lang:
    """The process's language: ``LIASSE_LANG`` when it names a known one, else French."""
    value = os.environ.get("LIASSE_LANG", "fr").strip().lower()[:2]
    return "en" if value == "en" else "fr"
