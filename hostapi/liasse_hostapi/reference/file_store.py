"""The folder where the reference host keeps attachment contents.

Files are stored under generated names, never the user's file name: a name
from outside could climb out of the folder (``../``), collide with another,
or be unrepresentable on the disk. Contents are copied in chunks, hashed on
the way, and flushed to disk before the database row that points at them is
committed.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import BinaryIO

import attrs

#: Big enough to stream quickly, small enough to keep memory flat on a 2 GB file.
CHUNK_SIZE = 1024 * 1024

_STORAGE_NAME = re.compile(r"^[0-9a-f]{32}$")


@attrs.frozen
class StoredFile:
    """A file just written to the store: its generated name, SHA-256 and size in bytes."""

    storage_name: str
    sha256: str
    size: int


class FileStore:
    """Attachment contents in one folder, one file per attachment."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def store(self, source: BinaryIO) -> StoredFile:
        """Copy ``source`` to a new file under a generated name, hashing it as it goes.

        A failed copy leaves no partial file behind.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        storage_name = uuid.uuid4().hex
        target = self.root / storage_name
        digest = hashlib.sha256()
        size = 0
        try:
            with target.open("xb") as out:
                while chunk := source.read(CHUNK_SIZE):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return StoredFile(storage_name=storage_name, sha256=digest.hexdigest(), size=size)

    def path(self, storage_name: str) -> Path:
        """Where a stored file lives; refuses anything but a generated name."""
        if not _STORAGE_NAME.fullmatch(storage_name):
            raise ValueError(f"not a storage name: {storage_name!r}")
        return self.root / storage_name

    def open(self, storage_name: str) -> BinaryIO:
        """The stored content, opened for reading in chunks."""
        return self.path(storage_name).open("rb")

    def discard(self, storage_name: str) -> None:
        """Remove a stored file whose database row could not be written."""
        self.path(storage_name).unlink(missing_ok=True)
