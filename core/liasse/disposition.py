"""``Content-Disposition`` headers for served downloads (RFC 6266), one helper for every sandbox and host.

A file name from outside can hold anything: quotes, semicolons, line
breaks, a right-to-left override, non-ASCII letters. The header carries
it twice: ``filename*=UTF-8''…`` percent-encoded (RFC 5987), which current
browsers and ``requests``-based clients read, and a plain ASCII
``filename="…"`` fallback for the others, with accents dropped and every
character that could break the header or a path replaced.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

#: What the ASCII fallback keeps; everything else becomes "_".
_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()-]+")


def content_disposition(file_name: str, *, inline: bool = False) -> str:
    """The header value for serving a file as ``file_name`` (``attachment``, or ``inline`` to show it)."""
    name = _cleaned(file_name) or "document"
    fallback = _FALLBACK_UNSAFE.sub("_", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii"))
    fallback = fallback.strip(" .") or "document"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _cleaned(file_name: str) -> str:
    """The last path part of ``file_name`` without control or invisible format characters."""
    last = PureWindowsPath(PurePosixPath(file_name.replace("\x00", "")).name).name
    kept = "".join(char for char in last if unicodedata.category(char) not in ("Cc", "Cf")).strip()
    # "." and ".." are directory steps, not names: a client saving under them would leave its folder.
    return "" if not kept.strip(".") else kept
