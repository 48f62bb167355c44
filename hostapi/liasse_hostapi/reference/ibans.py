"""IBAN records (*fiches IBAN*) of the reference host (:class:`~liasse_hostapi.protocols.IbanRecords`)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from liasse_hostapi.errors import UnknownIbanRecord
from liasse_hostapi.records import IbanRecord, IbanWarning, NewIbanRecord
from liasse_hostapi.reference import schema
from liasse_hostapi.reference.accounts import ensure_account
from liasse_hostapi.reference.attachments import load_attachment
from liasse_hostapi.reference.database import now_utc


def compact_iban(iban: str) -> str:
    """The IBAN without spaces, upper case: how it is stored and compared."""
    return "".join(iban.split()).upper()


def load_iban_record(conn: Connection, iban_record_id: int) -> IbanRecord:
    """One IBAN record with its attachments; raises :class:`~liasse_hostapi.errors.UnknownIbanRecord`."""
    row = conn.execute(
        sa.select(schema.iban_records).where(schema.iban_records.c.id == iban_record_id)
    ).one_or_none()
    if row is None:
        raise UnknownIbanRecord(iban_record_id)
    return _iban_record(conn, row)


def insert_iban_record(conn: Connection, new: NewIbanRecord) -> IbanRecord:
    """Create an IBAN record in the caller's transaction, its attachments checked to exist."""
    ensure_account(conn, new.account_number)
    for attachment_id in new.attachment_ids:
        load_attachment(conn, attachment_id)
    record_id = conn.execute(
        sa.insert(schema.iban_records).values(
            account_number=new.account_number,
            iban=compact_iban(new.iban),
            bic=new.bic,
            holder=new.holder,
            bank=new.bank,
            origin=new.origin,
            created_at=now_utc(),
        )
    ).inserted_primary_key[0]
    for attachment_id in dict.fromkeys(new.attachment_ids):
        conn.execute(
            sa.insert(schema.iban_record_attachments).values(iban_record_id=record_id, attachment_id=attachment_id)
        )
    for position, warning in enumerate(new.warnings):
        conn.execute(
            sa.insert(schema.iban_record_warnings).values(
                iban_record_id=record_id,
                position=position,
                code=warning.code,
                severity=warning.severity,
                text=warning.text,
            )
        )
    return load_iban_record(conn, record_id)


class SqlIbanRecords:
    """IBAN records and the attachments linked to them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def list(self, account_number: str) -> Sequence[IbanRecord]:
        """The account's IBAN records, oldest first (BY-02 compares a new one with the newest)."""
        table = schema.iban_records
        with self._engine.connect() as conn:
            ensure_account(conn, account_number)
            rows = conn.execute(
                sa.select(table).where(table.c.account_number == account_number).order_by(table.c.created_at, table.c.id)
            ).all()
            return tuple(_iban_record(conn, row) for row in rows)

    def create(self, new: NewIbanRecord) -> IbanRecord:
        """Create an IBAN record (DS-26); the account and every attachment must exist."""
        with self._engine.begin() as conn:
            return insert_iban_record(conn, new)

    def attach(self, iban_record_id: int, attachment_id: int) -> IbanRecord:
        """Link an existing attachment to an IBAN record; linking it twice changes nothing."""
        links = schema.iban_record_attachments
        with self._engine.begin() as conn:
            record = load_iban_record(conn, iban_record_id)
            load_attachment(conn, attachment_id)
            if attachment_id not in record.attachment_ids:
                conn.execute(sa.insert(links).values(iban_record_id=iban_record_id, attachment_id=attachment_id))
            return load_iban_record(conn, iban_record_id)

    def confirm_for_payment(self, iban_record_id: int, user_login: str) -> IbanRecord:
        """Record that ``user_login`` read the warnings and confirms the record; confirming twice keeps the first."""
        table = schema.iban_records
        with self._engine.begin() as conn:
            record = load_iban_record(conn, iban_record_id)
            if record.confirmed_by is None:
                conn.execute(
                    sa.update(table)
                    .where(table.c.id == iban_record_id)
                    .values(confirmed_by=user_login, confirmed_at=now_utc())
                )
            return load_iban_record(conn, iban_record_id)


def _iban_record(conn: Connection, row: sa.Row) -> IbanRecord:
    """Build an :class:`IbanRecord` from its row and its links, attachments oldest first."""
    links = schema.iban_record_attachments
    attachment_ids = conn.execute(
        sa.select(links.c.attachment_id)
        .where(links.c.iban_record_id == row.id)
        .order_by(links.c.attachment_id)
    ).scalars()
    return IbanRecord(
        id=row.id,
        account_number=row.account_number,
        iban=row.iban,
        bic=row.bic,
        holder=row.holder,
        bank=row.bank,
        origin=row.origin,
        attachment_ids=tuple(attachment_ids),
        created_at=row.created_at,
        confirmed_by=row.confirmed_by,
        confirmed_at=row.confirmed_at,
        warnings=tuple(
            IbanWarning(code=w.code, severity=w.severity, text=w.text)
            for w in conn.execute(
                sa.select(schema.iban_record_warnings)
                .where(schema.iban_record_warnings.c.iban_record_id == row.id)
                .order_by(schema.iban_record_warnings.c.position)
            )
        ),
    )
