"""``multipart/form-data`` bodies streamed from disk, and rewound whole on a retry (R4, P1).

``requests``' ``files=`` builds the whole body in memory (about twice the
file, measured); a browser streams it, and so does :class:`MultipartBody`:
requests sends a readable object with a ``len`` chunk by chunk, with its
Content-Length. The body is seekable, so liasse's transport rewinds it to
its start and sends it *whole* again when an attempt is retried (the
measured MultipartEncoder pitfall: a one-shot encoder re-sent half a body).
Every provider that takes multipart uploads uses this one body.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs

if TYPE_CHECKING:
    import requests


@attrs.frozen
class FilePart:
    """One file of a multipart body: its form field, the name and type announced, and where to read it."""

    field: str
    file_name: str
    stream: BinaryIO = attrs.field(repr=False)
    size: int
    media_type: str = "application/octet-stream"


def _quoted(value: str) -> str:
    """A name safe between the header's quotes (no quote, backslash or line break)."""
    return "".join("_" if char in '"\\\r\n' else char for char in value)


class MultipartBody(io.RawIOBase):
    """Text fields, then files, as one ``multipart/form-data`` body read from disk as it is sent."""

    def __init__(self, fields: Sequence[tuple[str, str]], files: Sequence[FilePart]) -> None:
        super().__init__()
        boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={boundary}"
        #: The body as pieces: bytes, or (stream, where the file starts in it, its size).
        self._pieces: list[bytes | tuple[BinaryIO, int, int]] = []
        text = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n{value}\r\n'
            for name, value in fields
        )
        for part in files:
            text += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(part.field)}"; '
                f'filename="{_quoted(part.file_name)}"\r\nContent-Type: {part.media_type}\r\n\r\n'
            )
            self._pieces.append(text.encode())
            self._pieces.append((part.stream, part.stream.tell(), part.size))
            text = "\r\n"
        self._pieces.append(f"{text}--{boundary}--\r\n".encode())
        self.len = sum(len(p) if isinstance(p, bytes) else p[2] for p in self._pieces)
        self._pos = 0

    def __repr__(self) -> str:
        # Text fields may hold a provider's token: never shown.
        return f"MultipartBody(len={self.len})"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` from the start (all a retry needs) or from the end (how requests sizes a body)."""
        if whence == io.SEEK_END:
            offset += self.len
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("MultipartBody seeks from the start or the end only")
        self._pos = max(0, min(offset, self.len))
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of the body from the current position (all that is left when negative)."""
        want = self.len - self._pos if size is None or size < 0 else min(size, self.len - self._pos)
        out = bytearray()
        start = 0
        for piece in self._pieces:
            length = len(piece) if isinstance(piece, bytes) else piece[2]
            if want <= 0:
                break
            if self._pos < start + length:
                offset = self._pos - start
                take = min(want, length - offset)
                if isinstance(piece, bytes):
                    chunk = piece[offset : offset + take]
                else:
                    stream, first, _ = piece
                    stream.seek(first + offset)
                    chunk = stream.read(take)
                    if len(chunk) < take:
                        raise OSError("a file got shorter while it was being sent")
                out += chunk
                self._pos += take
                want -= take
            start += length
        return bytes(out)


def post_file(
    session: requests.Session,
    url: str,
    field: str,
    content: Path | bytes,
    media_type: str,
    *,
    file_name: str | None = None,
    timeout: float = 10.0,
    **kwargs: Any,
) -> requests.Response:
    """POST one file as a browser's form does, streamed from disk (``content`` a path) or from bytes (tests).

    What a sandbox's recipient pages, a screen's upload form or a test sends;
    never requests' ``files=``, which holds the whole file in memory.
    ``kwargs`` go to ``session.post`` (``auth`` …).
    """
    if isinstance(content, Path):
        with content.open("rb") as stream:
            body = MultipartBody([], [FilePart(field, file_name or content.name, stream, content.stat().st_size, media_type)])
            return session.post(url, data=body, headers={"Content-Type": body.content_type}, timeout=timeout, **kwargs)
    body = MultipartBody([], [FilePart(field, file_name or "document", io.BytesIO(content), len(content), media_type)])
    return session.post(url, data=body, headers={"Content-Type": body.content_type}, timeout=timeout, **kwargs)
