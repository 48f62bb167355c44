"""Leased claims: several processes share one queue table and no row is taken twice.

The outbox (sends) and the webhook queue (received events) are both tables
of rows that wait until they are due, are taken by one worker for a while
(a lease), and come back to the queue if that worker dies before it
finishes. One statement takes them: it picks due rows and marks them with
the claimer's token, the lease's end and one more attempt. On PostgreSQL,
where several host servers drain the same queue, rows another server is
claiming are skipped rather than waited for (``FOR UPDATE SKIP LOCKED``);
SQLite has a single writer, so the statement is atomic there as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session


class Leased(Protocol):
    """The columns a leased queue table has (OutboxEntry, WebhookEvent)."""

    id: InstrumentedAttribute[int]
    status: InstrumentedAttribute[str]
    next_attempt_at: InstrumentedAttribute[dt.datetime]
    lease_until: InstrumentedAttribute[dt.datetime | None]
    claimed_by: InstrumentedAttribute[str | None]
    attempts: InstrumentedAttribute[int]


def due_or_abandoned(table: type[Leased], waiting: Sequence[str], working: str, now: dt.datetime) -> sa.ColumnElement[bool]:
    """Rows in a ``waiting`` status that are due, and rows whose ``working`` lease ran out before ``now``."""
    return sa.or_(
        sa.and_(table.status.in_(waiting), table.next_attempt_at <= now),
        sa.and_(table.status == working, table.lease_until < now),
    )


def claim(
    session: Session,
    table: type[Leased],
    *,
    claimable: sa.ColumnElement[bool],
    working: str,
    token: str,
    until: dt.datetime,
    limit: int,
    order_by: Sequence[Any],
) -> None:
    """Mark up to ``limit`` ``claimable`` rows as ``working`` under ``token`` until ``until``; read them by token."""
    picked = (
        sa.select(table.id)
        .where(claimable)
        .order_by(*order_by)
        .limit(limit)
        # PostgreSQL: rows another server is claiming are skipped, not waited for. SQLite renders nothing.
        .with_for_update(skip_locked=True)
    )
    session.execute(
        sa.update(table)  # type: ignore[arg-type]  # a mapped class, seen through its protocol
        # The condition again: a row claimed meanwhile under READ COMMITTED no longer matches once re-read.
        .where(table.id.in_(picked.scalar_subquery()), claimable)
        .values(status=working, claimed_by=token, lease_until=until, attempts=table.attempts + 1)
        .execution_options(synchronize_session=False)
    )
