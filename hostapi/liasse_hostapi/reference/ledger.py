"""Accounting entries the reference host prints on its documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from liasse_hostapi.reference import schema
from liasse_hostapi.reference.money import from_cents
from liasse_hostapi.reference.schema import LedgerCategory


@attrs.frozen
class LedgerEntry:
    """One line of an account: money in (credit) or out (debit), maybe on a matter."""

    entry_date: dt.date
    label: str
    category: LedgerCategory
    debit: Decimal
    credit: Decimal
    matter_code: str | None = None

    @property
    def amount(self) -> Decimal:
        """What the line adds to the balance: credits count for the client, debits against."""
        return self.credit - self.debit


def entries(
    conn: Connection,
    account_number: str,
    *,
    matter_code: str | None = None,
    until: dt.date | None = None,
) -> Sequence[LedgerEntry]:
    """Entries of an account (of one matter when given) up to ``until`` included, oldest first."""
    table = schema.ledger_entries
    statement = sa.select(table).where(table.c.account_number == account_number)
    if matter_code is not None:
        statement = statement.where(table.c.matter_code == matter_code)
    if until is not None:
        statement = statement.where(table.c.entry_date <= until)
    rows = conn.execute(statement.order_by(table.c.entry_date, table.c.id)).all()
    return tuple(
        LedgerEntry(
            entry_date=row.entry_date,
            label=row.label,
            category=row.category,
            debit=from_cents(row.debit_cents),
            credit=from_cents(row.credit_cents),
            matter_code=row.matter_code,
        )
        for row in rows
    )


def balance(lines: Sequence[LedgerEntry]) -> Decimal:
    """Credits minus debits: positive when the office holds money for the client."""
    return sum((line.amount for line in lines), Decimal("0.00"))
