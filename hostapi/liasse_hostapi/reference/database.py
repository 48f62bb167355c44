"""The reference host's SQLite engine and the column types its tables share.

The reference host keeps its own database, separate from liasse's store: a
real host owns its records, liasse only reaches them through the protocols.
"""

from __future__ import annotations

import datetime as dt
import enum
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator


def fold(text: str | None) -> str | None:
    """Case- and accent-insensitive form of ``text`` for searches.

    SQLite's ``lower()`` and ``LIKE`` only fold ASCII, so "ORLÉANS" would not
    match "orléans" nor "orleans"; French names need both folds.
    """
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _configure_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    """Turn on what SQLite leaves off by default, on every new connection."""
    dbapi_connection.create_function("fold", 1, fold, deterministic=True)
    cursor = dbapi_connection.cursor()
    try:
        # Integrity between accounts, matters and attachments is the host's job.
        cursor.execute("PRAGMA foreign_keys = ON")
        # Readers (web screens) do not block the writer (a send numbering an invoice).
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def create_sqlite_engine(path: Path) -> Engine:
    """An engine on the SQLite file at ``path``, its folder created when missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        f"sqlite:///{path}",
        # Wait for a concurrent writer instead of failing at once with "database is locked".
        connect_args={"timeout": 15},
    )
    sa.event.listen(engine, "connect", _configure_connection)
    return engine


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as naive UTC.

    SQLite has no time zone type: SQLAlchemy would silently drop the offset and
    hand back naive datetimes. Records carry aware datetimes, so the offset is
    normalised on the way in and restored on the way out.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        """Refuse naive datetimes: their zone would be a guess."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the reference host stores aware datetimes only")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        """Give back the UTC offset the value was stored in."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def enum_type(enum_class: type[enum.Enum]) -> sa.Enum:
    """A column type storing an enum by its value ("client"), not its Python name ("CLIENT").

    Values are the vocabulary of the contract; names are an implementation detail.
    """
    return sa.Enum(
        enum_class,
        values_callable=lambda members: [member.value for member in members],
        native_enum=False,
        # No CHECK constraint: a member added to the contract must not need a migration here.
        create_constraint=False,
        validate_strings=True,
        length=max(len(str(member.value)) for member in enum_class),
    )


def now_utc() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return dt.datetime.now(dt.UTC)
