"""Rotating the key that encrypts users' credentials (``liasse secrets rotate``, S3).

A rotation moves every stored credential to a new key without a moment
where a row is unreadable, and without ever putting a credential in clear on
disk:

*Key file* (``LIASSE_KEY_FILE``, ``[security] key_file`` or the default
one). The file is rewritten, atomically and mode 0600, with the new key
first and the old one after it: from then on every process encrypts under
the new key and still reads rows under the old one. Every row is then
re-encrypted under the new key in one transaction. Last, the file is
rewritten with the new key only. Stopped anywhere, nothing is lost: before
the first write nothing changed; after it, the file holds both keys and
running ``rotate`` again finishes the job instead of making a third key.

*Environment* (``LIASSE_SECRET_KEY``). liasse cannot write the variable, and
a key that exists only in a terminal's scrollback must not be the only key
that decrypts the office's credentials. So ``rotate`` first makes the new
key and prints it once, changing nothing; the operator sets
``LIASSE_SECRET_KEY="NEW,OLD"`` wherever liasse runs (new key first) and
runs ``rotate`` again, which re-encrypts every row under the new key in one
transaction; then ``LIASSE_SECRET_KEY="NEW"`` suffices.
"""

from __future__ import annotations

import contextlib
import os
import secrets as _random
from pathlib import Path

import attrs

from liasse.credentials import CredentialVault, KeyRing, VaultKey
from liasse.errors import RotationBlocked
from liasse.secrets import Secret
from liasse.store.database import Store


@attrs.frozen
class RotationResult:
    """What a rotation did; ``new_key`` is set only when the operator must install the key themselves."""

    #: Rows re-encrypted under the new key (0 when only a key was made).
    moved: int
    old_key_ids: tuple[str, ...]
    new_key_id: str
    #: Whether every row now is under ``new_key_id`` and the old keys can go.
    completed: bool
    #: Where the keys live: ``LIASSE_SECRET_KEY`` or the key file's path.
    origin: str
    #: The new key, for the environment case only: printed once, never stored by liasse.
    new_key: Secret | None = None


def rotate(store: Store, ring: KeyRing) -> RotationResult:
    """Rotate the credentials key found in ``ring`` (see the module's docstring for the steps)."""
    if ring.previous:
        # A rotation under way (a key file left with two keys, or NEW,OLD in the environment): finish it.
        return _complete(store, ring)
    new = VaultKey.generate()
    if ring.path is None:
        return RotationResult(
            moved=0,
            old_key_ids=(ring.current.key_id,),
            new_key_id=new.key_id,
            completed=False,
            origin=ring.origin,
            new_key=Secret(new.to_text()),
        )
    staged = KeyRing(current=new, previous=(ring.current,), origin=ring.origin, path=ring.path)
    write_key_file(ring.path, staged)
    try:
        return _complete(store, staged)
    except RotationBlocked:
        # The transaction rolled back: put the key file back as it was, so "nothing changed" is true.
        write_key_file(ring.path, ring)
        raise


def _complete(store: Store, ring: KeyRing) -> RotationResult:
    moved = CredentialVault(store, ring).reencrypt(ring.current)
    if ring.path is not None:
        write_key_file(ring.path, KeyRing(current=ring.current, origin=ring.origin, path=ring.path))
    return RotationResult(
        moved=moved,
        old_key_ids=tuple(key.key_id for key in ring.previous),
        new_key_id=ring.current.key_id,
        completed=True,
        origin=ring.origin,
    )


def write_key_file(path: Path, ring: KeyRing) -> None:
    """Replace ``path`` with ``ring``'s keys, atomically, readable by its owner only (0600).

    The keys go to a new file beside it, created 0600 from the start (never
    a moment with looser rights), flushed to disk, then renamed over the old
    one: a reader sees the old file or the new one, never half of one.
    """
    temporary = path.with_name(f".{path.name}.{_random.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        try:
            os.write(descriptor, ring.to_text().encode("ascii"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX; Windows has no directory handles).
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
