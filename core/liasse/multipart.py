"""A ``multipart/form-data`` body streamed from a file, as a browser sends an upload.

``requests``' ``files=`` builds the whole body in memory (about twice the
file). :class:`StreamedForm` is a readable object with a ``len``: requests
sends it chunk by chunk with its Content-Length, and the file is read from
disk as the socket takes it. Plain text fields go before the file part.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping
from typing import BinaryIO


class StreamedForm(io.RawIOBase):
    """One file part (``field``) plus text fields, read in chunks as it is sent."""

    def __init__(
        self,
        field: str,
        file_name: str,
        stream: BinaryIO,
        size: int,
        media_type: str,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        boundary = uuid.uuid4().hex
        # A quote or backslash would end the header's quoted string early.
        quoted = file_name.replace("\\", "_").replace('"', "_")
        text = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in (fields or {}).items()
        )
        head = (
            f"{text}--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
            f"Content-Type: {media_type}\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        #: The value of the request's Content-Type header.
        self.content_type = f"multipart/form-data; boundary={boundary}"
        #: The body's length; requests reads it for Content-Length.
        self.len = len(head) + size + len(tail)
        self._parts: list[BinaryIO] = [io.BytesIO(head), stream, io.BytesIO(tail)]
        self._sent = 0

    def readable(self) -> bool:
        """Always: the body is read by requests."""
        return True

    def tell(self) -> int:
        """Bytes read so far: requests subtracts it from :attr:`len` for the Content-Length."""
        return self._sent

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        """Up to ``size`` bytes of the body (all that is left when negative)."""
        chunks: list[bytes] = []
        while self._parts and (size < 0 or size > 0):
            chunk = self._parts[0].read(size if size >= 0 else -1)
            if not chunk:
                self._parts.pop(0)
                continue
            chunks.append(chunk)
            if size >= 0:
                size -= len(chunk)
        data = b"".join(chunks)
        self._sent += len(data)
        return data
