"""Stored files (*pièces jointes*) on the reference host (:class:`~liasse_hostapi.protocols.Attachments`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from liasse_hostapi.errors import UnknownAttachment, UnknownEvent, UnknownIbanRecord
from liasse_hostapi.records import Attachment, NewAttachment, OwnerKind, OwnerRef
from liasse_hostapi.reference import schema
from liasse_hostapi.reference.accounts import UnknownMatter, ensure_account
from liasse_hostapi.reference.database import now_utc
from liasse_hostapi.reference.file_store import FileStore, StoredFile


def ensure_owner(conn: Connection, owner: OwnerRef) -> None:
    """Raise the matching lookup error unless the record ``owner`` points at exists."""
    if owner.kind is OwnerKind.ACCOUNT:
        ensure_account(conn, owner.key)
        return
    if owner.kind is OwnerKind.MATTER:
        found = conn.execute(sa.select(schema.matters.c.code).where(schema.matters.c.code == owner.key)).first()
        if found is None:
            raise UnknownMatter(owner.key)
        return
    table, error = {
        OwnerKind.IBAN_RECORD: (schema.iban_records, UnknownIbanRecord),
        OwnerKind.EVENT: (schema.events, UnknownEvent),
    }[owner.kind]
    if not owner.key.isdigit() or conn.execute(sa.select(table.c.id).where(table.c.id == int(owner.key))).first() is None:
        raise error(owner.key)


def load_attachment(conn: Connection, attachment_id: int) -> Attachment:
    """One attachment's metadata; raises :class:`~liasse_hostapi.errors.UnknownAttachment`."""
    row = conn.execute(sa.select(schema.attachments).where(schema.attachments.c.id == attachment_id)).one_or_none()
    if row is None:
        raise UnknownAttachment(attachment_id)
    return _attachment(row)


def insert_attachment(conn: Connection, new: NewAttachment, stored: StoredFile) -> Attachment:
    """Record a file already written to the store, in the caller's transaction.

    Also links it to its IBAN record when that is its owner, so
    :attr:`~liasse_hostapi.records.IbanRecord.attachment_ids` lists it.
    """
    ensure_owner(conn, new.owner)
    if new.original_id is not None:
        load_attachment(conn, new.original_id)
    attachment_id = conn.execute(
        sa.insert(schema.attachments).values(
            owner_kind=new.owner.kind,
            owner_key=new.owner.key,
            file_name=new.file_name,
            title=new.title,
            media_type=new.media_type,
            sha256=stored.sha256,
            size=stored.size,
            origin=new.origin,
            created_at=now_utc(),
            original_id=new.original_id,
            storage_name=stored.storage_name,
        )
    ).inserted_primary_key[0]
    if new.owner.kind is OwnerKind.IBAN_RECORD:
        conn.execute(
            sa.insert(schema.iban_record_attachments).values(
                iban_record_id=int(new.owner.key), attachment_id=attachment_id
            )
        )
    return load_attachment(conn, attachment_id)


class SqlAttachments:
    """Attachment metadata in the database, contents in the files folder beside it."""

    def __init__(self, engine: Engine, files: FileStore) -> None:
        self._engine = engine
        self._files = files

    def list(self, owner: OwnerRef) -> Sequence[Attachment]:
        """Attachments of one owner, oldest first; raises the owner's lookup error when it does not exist."""
        table = schema.attachments
        with self._engine.connect() as conn:
            ensure_owner(conn, owner)
            rows = conn.execute(
                sa.select(table)
                .where(table.c.owner_kind == owner.kind, table.c.owner_key == owner.key)
                .order_by(table.c.created_at, table.c.id)
            ).all()
        return tuple(_attachment(row) for row in rows)

    def get(self, attachment_id: int) -> Attachment:
        """One attachment's metadata; raises :class:`~liasse_hostapi.errors.UnknownAttachment`."""
        with self._engine.connect() as conn:
            return load_attachment(conn, attachment_id)

    def open(self, attachment_id: int) -> BinaryIO:
        """The attachment's content, for reading in chunks; the caller closes it."""
        with self._engine.connect() as conn:
            storage_name = conn.execute(
                sa.select(schema.attachments.c.storage_name).where(schema.attachments.c.id == attachment_id)
            ).scalar_one_or_none()
        if storage_name is None:
            raise UnknownAttachment(attachment_id)
        return self._files.open(storage_name)

    def add(self, new: NewAttachment, source: Path) -> Attachment:
        """Copy the file at ``source`` into the store and record it."""
        with source.open("rb") as stream:
            return self.add_stream(new, stream)

    def add_stream(self, new: NewAttachment, stream: BinaryIO) -> Attachment:
        """Like :meth:`add`, from an open binary stream (a generated PDF in memory, an upload).

        The owner is checked before anything is copied; a file whose row
        cannot be written is removed again, so no orphan stays in the folder.
        """
        with self._engine.connect() as conn:
            ensure_owner(conn, new.owner)
        stored = self._files.store(stream)
        try:
            with self._engine.begin() as conn:
                return insert_attachment(conn, new, stored)
        except BaseException:
            self._files.discard(stored.storage_name)
            raise


def _attachment(row: sa.Row) -> Attachment:
    """Build an :class:`Attachment` from its row."""
    return Attachment(
        id=row.id,
        owner=OwnerRef(kind=row.owner_kind, key=row.owner_key),
        file_name=row.file_name,
        title=row.title,
        media_type=row.media_type,
        sha256=row.sha256,
        size=row.size,
        origin=row.origin,
        created_at=row.created_at,
        original_id=row.original_id,
    )
