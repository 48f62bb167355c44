"""A small external client directory (DS-05), kept in a table (:class:`~liasse_hostapi.protocols.ClientDirectory`)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from liasse_hostapi.records import DirectoryEntry
from liasse_hostapi.reference import schema
from liasse_hostapi.reference.database import fold


class SqlClientDirectory:
    """Client records of an outside directory, searched by name and first name.

    Entries with neither e-mail nor mobile are never returned: a provider
    contact cannot be created from them (the manual's directory skips them too).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def search(self, text: str, limit: int = 20) -> Iterable[DirectoryEntry]:
        """Entries where every word of ``text`` is in the name or first name, ignoring case and accents."""
        words = (fold(text) or "").split()
        if not words or limit <= 0:
            return ()
        table = schema.directory_entries
        haystack = sa.func.fold(table.c.name + " " + sa.func.coalesce(table.c.first_name, ""))
        statement = (
            sa.select(table)
            .where(
                sa.or_(table.c.email.is_not(None), table.c.mobile.is_not(None)),
                *(sa.func.instr(haystack, word) > 0 for word in words),
            )
            .order_by(table.c.name, table.c.first_name, table.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()
        return tuple(
            DirectoryEntry(
                source=row.source,
                name=row.name,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                mobile=row.mobile,
                account_number=row.account_number,
            )
            for row in rows
        )
