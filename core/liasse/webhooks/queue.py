"""The queue of received webhook events in liasse's store: record once, claim safely, finish or retry.

* :func:`record` inserts a verified event; the unique constraint on
  (provider, event id) makes a redelivery a no-op, even when two host
  servers receive it at the same moment (``INSERT … ON CONFLICT DO NOTHING``).
* :func:`claim` hands a worker a batch nobody else holds: on PostgreSQL the
  candidates are locked ``FOR UPDATE SKIP LOCKED``, so concurrent workers
  take different rows without waiting; on SQLite the single ``UPDATE``
  runs under the database's write lock, which makes it just as atomic. A
  claim is a lease: a worker that dies leaves its events to be claimed
  again once the lease is over.
* :func:`finish` and :func:`fail` close a claim, the second with the
  sentence of the failure and the time of the next attempt.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from liasse.records import WebhookNotice
from liasse.store import leases
from liasse.store.database import Store
from liasse.store.models import WebhookEvent, utcnow

#: How long a claim holds before another worker may take the event over.
LEASE = dt.timedelta(minutes=5)
#: Attempts before an event is given up ("dead"); the periodic sync still covers its items.
MAX_ATTEMPTS = 10
#: The first retry's delay; each next one doubles, up to :data:`MAX_DELAY`.
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)
_CLAIMABLE_STATES = ("pending", "failed")


@attrs.frozen
class Recorded:
    """What :func:`record` did with an event."""

    event_id: str
    #: The row's id; None when the event was already there (a redelivery).
    row_id: int | None

    @property
    def duplicate(self) -> bool:
        """True when the event had been received before: nothing was added."""
        return self.row_id is None


@attrs.frozen
class ClaimedEvent:
    """An event a worker holds until it finishes it or its lease ends."""

    id: int
    provider: str
    notice: WebhookNotice
    #: Attempts so far, this one included.
    attempts: int
    claim: str


def record(store: Store, provider: str, notice: WebhookNotice, body_sha256: str) -> Recorded:
    """Insert ``notice`` as a pending event, once per (provider, event id)."""
    values = {
        "provider": provider,
        "event_id": notice.event_id,
        "body_sha256": body_sha256,
        "received_at": utcnow(),
        "status": "pending",
        "kind": notice.kind[:128],
        "remote_ids": json.dumps(list(notice.remote_ids)),
        "account": notice.account,
        "occurred_at": notice.occurred_at,
        "trusted": notice.trusted,
        "attempts": 0,
        "next_attempt_at": utcnow(),
    }
    with store.session() as session:
        dialect = session.get_bind().dialect.name
        if dialect in ("postgresql", "sqlite"):
            from sqlalchemy.dialects import postgresql, sqlite

            # The same statement in both dialects: a second delivery inserts nothing and returns no id.
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = (
                insert(WebhookEvent)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["provider", "event_id"])
                .returning(WebhookEvent.id)
            )
            row_id = session.execute(statement).scalar_one_or_none()
            return Recorded(notice.event_id, row_id)
    # Another database: the constraint still decides, through the error it raises.
    try:
        with store.session() as session:
            row = WebhookEvent(**values)
            session.add(row)
            session.flush()
            return Recorded(notice.event_id, row.id)
    except IntegrityError:
        return Recorded(notice.event_id, None)


def claim(store: Store, limit: int = 50, *, lease: dt.timedelta = LEASE, now: dt.datetime | None = None) -> list[ClaimedEvent]:
    """Take up to ``limit`` events due now that no live claim holds, oldest first."""
    moment = now or utcnow()
    token = str(uuid.uuid4())
    with store.session() as session:
        leases.claim(
            session,
            WebhookEvent,
            claimable=leases.due_or_abandoned(WebhookEvent, _CLAIMABLE_STATES, "processing", moment),
            working="processing",
            token=token,
            until=moment + lease,
            limit=limit,
            order_by=(WebhookEvent.id,),
        )
        rows = session.scalars(
            sa.select(WebhookEvent).where(WebhookEvent.claimed_by == token).order_by(WebhookEvent.id)
        ).all()
        return [_claimed(row, token) for row in rows]


def _claimed(row: WebhookEvent, token: str) -> ClaimedEvent:
    notice = WebhookNotice(
        event_id=row.event_id,
        kind=row.kind or "",
        remote_ids=tuple(json.loads(row.remote_ids or "[]")),
        occurred_at=row.occurred_at,
        trusted=row.trusted,
        account=row.account,
        provider=row.provider,
    )
    return ClaimedEvent(id=row.id, provider=row.provider, notice=notice, attempts=row.attempts, claim=token)


def finish(store: Store, event: ClaimedEvent, *, now: dt.datetime | None = None) -> bool:
    """Mark a claimed event done; False when the claim was lost (its lease ended and another worker took it)."""
    with store.session() as session:
        result = session.execute(
            sa.update(WebhookEvent)
            .where(WebhookEvent.id == event.id, WebhookEvent.claimed_by == event.claim)
            .values(status="done", processed_at=now or utcnow(), lease_until=None, last_error=None)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min … at most an hour."""
    return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def fail(store: Store, event: ClaimedEvent, error: str, *, now: dt.datetime | None = None) -> str:
    """Record a failed attempt with its sentence; the event's new status ("failed", or "dead" once given up)."""
    moment = now or utcnow()
    status = "dead" if event.attempts >= MAX_ATTEMPTS else "failed"
    with store.session() as session:
        session.execute(
            sa.update(WebhookEvent)
            .where(WebhookEvent.id == event.id, WebhookEvent.claimed_by == event.claim)
            .values(
                status=status,
                last_error=error[:2000],
                lease_until=None,
                next_attempt_at=moment + retry_delay(event.attempts),
            )
            .execution_options(synchronize_session=False)
        )
    return status


def counts(store: Store, provider: str | None = None) -> dict[str, int]:
    """How many events are in each status (for ``liasse webhooks status`` and the tests)."""
    query = sa.select(WebhookEvent.status, sa.func.count()).group_by(WebhookEvent.status)
    if provider is not None:
        query = query.where(WebhookEvent.provider == provider)
    with store.session() as session:
        found: Sequence[Any] = session.execute(query).all()
    return {status: int(count) for status, count in found}
