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
from sqlalchemy import text
from sqlalchemy.orm import Session

from liasse.credentials import CredentialVault, KeyRing, VaultKey
from liasse.secrets import Secret
from liasse.store.database import Store

#: Any constant: the PostgreSQL advisory lock that serialises rotations (distinct from the migrations' one).
_ROTATION_LOCK = 0x6C6B6579  # "lkey"


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
    """Rotate the credentials key found in ``ring`` (see the module's docstring for the steps).

    Two rotations never interleave: each holds the store's rotation lock
    from before it reads the key file until its rows are committed, so the
    second one starts from what the first one left.
    """
    with store.session() as session:
        _lock(session)
        if ring.path is not None:
            # Read again under the lock: another rotation may have changed the file since the caller read it.
            ring = KeyRing.from_file(ring.path)
        if ring.previous:
            # A rotation under way (a key file left with two keys, or NEW,OLD in the environment): finish it.
            moved = CredentialVault(store, ring).reencrypt(ring.current, session)
            final = ring
        else:
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
            final = KeyRing(current=new, previous=(ring.current,), origin=ring.origin, path=ring.path)
            write_key_file(ring.path, final)
            try:
                moved = CredentialVault(store, final).reencrypt(new, session)
                session.flush()
            except BaseException:
                # The transaction rolls back: put the key file back as it was, so "nothing changed" is true.
                write_key_file(ring.path, ring)
                raise
    # Committed: every row is under the new key, the old ones can go.
    if final.path is not None:
        write_key_file(final.path, KeyRing(current=final.current, origin=final.origin, path=final.path))
    return RotationResult(
        moved=moved,
        old_key_ids=tuple(key.key_id for key in final.previous),
        new_key_id=final.current.key_id,
        completed=True,
        origin=final.origin,
    )


def _lock(session: Session) -> None:
    """Take the store's rotation lock for the rest of ``session``'s transaction."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROTATION_LOCK})
    else:
        # SQLite has one writer at a time: a write statement, even one that changes nothing, takes that place.
        session.execute(text("UPDATE credentials SET key_id = key_id WHERE 1 = 0"))


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
