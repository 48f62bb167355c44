"""Shared-zone calls made exactly once: outbox rows and keys committed first, reconciled before any re-send (R1, R3).

An upload (JZ-03) or a share (JZ-04) is first committed with an ``outbox``
row holding its idempotency key. :func:`deliver` then claims the row under a
lease, asks the provider (``liasse_find_sent``) when an earlier attempt may
have reached it, makes the call under the stored key, and records the
outcome *in the same transaction* as what the call produced, so a crash
never leaves a row "done" without its documents' ids, nor ids without the
row done.

The exchange relay (:mod:`liasse.outbox`) replays requests and sends, whose
exchange row describes the call completely; uploads have no exchange, so the
shared zone claims and records its own rows here, with the same statuses,
leases, schedule (:func:`liasse.retries.outbox_delay`) and reconciliation
hook.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa

from liasse.errors import LiasseError, ProviderUnavailable, SendInProgress
from liasse.records import RemoteExchange
from liasse.retries import outbox_delay
from liasse.store.models import OutboxEntry, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from liasse.app import Liasse
    from liasse.records import ProviderContext

T = TypeVar("T")

UPLOAD = "liasse_upload_documents"
SHARE = "liasse_share_documents"
#: A claimed row is this relay's for so long; past it, another caller reconciles and sends it again.
LEASE = dt.timedelta(minutes=10)


def deliver(
    liasse: Liasse,
    ctx: ProviderContext[object],
    entry_id: int,
    call: Callable[[str], T],
    found: Callable[[RemoteExchange], T],
    record: Callable[[Session, T], None],
    failed: Callable[[Session, LiasseError], None],
) -> T:
    """Claim row ``entry_id``, make its call once, record the outcome; raise what the provider said when it did not go.

    ``call(key)`` makes the provider call; ``found(remote)`` turns what
    ``liasse_find_sent`` found into the same result; ``record`` stores the
    result (the row is marked done in that transaction); ``failed`` stores a
    refusal or an unavailability on the domain rows (the outbox row keeps its
    key, and its schedule for a provider that is down).
    """
    operation, key, earlier = _claim(liasse, entry_id)
    try:
        remote = liasse.hooks.find_sent(ctx, operation, key) if earlier else None
        result = found(remote) if remote is not None else call(key)
    except LiasseError as error:
        with liasse.store.session() as session:
            entry = session.get(OutboxEntry, entry_id, populate_existing=True)
            assert entry is not None
            entry.lease_until = entry.claimed_by = None
            entry.last_error = error.message()
            if isinstance(error, ProviderUnavailable):
                # Down or busy: due again at the provider's time, or along the outbox schedule.
                entry.status = "pending"
                entry.next_attempt_at = utcnow() + dt.timedelta(seconds=outbox_delay(entry.attempts, error.retry_after))
            else:
                entry.status = "failed"
            failed(session, error)
        raise
    with liasse.store.session() as session:
        entry = session.get(OutboxEntry, entry_id, populate_existing=True)
        assert entry is not None
        entry.status, entry.done_at, entry.last_error = "done", utcnow(), None
        entry.lease_until = entry.claimed_by = None
        record(session, result)
    return result


def reopen(session: Session, entry_id: int) -> None:
    """Make a failed or waiting row due now ("Réessayer"), keeping its key."""
    entry = session.get(OutboxEntry, entry_id)
    if entry is not None and entry.status in ("pending", "failed", "dead"):
        entry.status, entry.next_attempt_at = "pending", utcnow()


def due_rows(liasse: Liasse, provider: str, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """The provider's shared-zone rows due now (and those whose lease ran out): (row id, operation)."""
    moment = now or utcnow()
    with liasse.store.session() as session:
        rows = session.execute(
            sa.select(OutboxEntry.id, OutboxEntry.operation)
            .where(
                OutboxEntry.provider == provider,
                OutboxEntry.operation.in_((UPLOAD, SHARE)),
                sa.or_(
                    sa.and_(OutboxEntry.status == "pending", OutboxEntry.next_attempt_at <= moment),
                    sa.and_(OutboxEntry.status == "in_flight", OutboxEntry.lease_until < moment),
                ),
            )
            .order_by(OutboxEntry.id)
        ).all()
    return [(int(row_id), str(operation)) for row_id, operation in rows]


def _claim(liasse: Liasse, entry_id: int) -> tuple[str, str, bool]:
    """Take the row's lease in one statement; its operation, key, and whether an attempt was made before."""
    moment = utcnow()
    token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    with liasse.store.session() as session:
        taken = session.execute(
            sa.update(OutboxEntry)
            .where(
                OutboxEntry.id == entry_id,
                sa.or_(
                    OutboxEntry.status.in_(("pending", "failed")),
                    sa.and_(
                        OutboxEntry.status == "in_flight",
                        sa.or_(OutboxEntry.lease_until.is_(None), OutboxEntry.lease_until < moment),
                    ),
                ),
            )
            .values(status="in_flight", lease_until=moment + LEASE, claimed_by=token, attempts=OutboxEntry.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        entry = session.get(OutboxEntry, entry_id, populate_existing=True)
        assert entry is not None
        if taken.rowcount != 1:
            until = entry.lease_until.strftime("%d/%m/%Y %H:%M UTC") if entry.lease_until else "?"
            raise SendInProgress(label=entry.operation, owner=(entry.claimed_by or "?").rsplit(":", 1)[0], until=until)
        return entry.operation, entry.idempotency_key, entry.attempts > 1
