"""The outbox relay: every provider send made exactly once, whatever crashes on the way (R1, R3).

A request or send is first committed as an exchange plus an ``outbox`` row
holding its idempotency key (:mod:`liasse.desk.sending`). The relay then
makes the call, the same way for a button the user is waiting on
(:meth:`OutboxRelay.deliver`) and for the rows nobody waits for
(:meth:`OutboxRelay.run_once`, ``liasse outbox run``):

1. **claim** due rows under a lease, in one statement: ``UPDATE … WHERE
   status='pending' AND next_attempt_at<=now`` (on PostgreSQL the rows are
   picked ``FOR UPDATE SKIP LOCKED``, so several host servers drain one
   outbox without waiting on each other); a row "in_flight" whose lease has
   expired (its relay died) is claimed again the same way;
2. **reconcile** a row that was attempted before: its previous attempt may
   have reached the provider, so the provider is asked first
   (``liasse_find_sent``, by its own reference); found, it is recorded as
   sent and never sent again;
3. **replay** the stored operation through the typed facade with the stored
   key (the provider deduplicates on it), and record the outcome: sent;
   refused (the exchange "failed", with the provider's sentence); or
   unavailable: back to "pending" with ``next_attempt_at`` from the
   provider's ``Retry-After`` or the outbox schedule
   (:func:`liasse.retries.outbox_delay`), until the provider's horizon, after
   which the row is "dead" and the exchange "failed" with a sentence that
   says so. Nothing is deleted: "Réessayer" sends a failed or dead row again
   under its first key.

``LIASSE_CRASH_AT`` (read once, when a relay is built) is the crash tests'
hook: it kills the relay with SIGKILL at a window (``after_commit``,
``after_send``, or ``during_call:<seconds>`` after the call began). Unset, it
costs one comparison per row.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import signal
import socket
import threading
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from liasse.errors import ActionNotPossible, LiasseError, NotFound, ProviderUnavailable, SendGivenUp, SendInProgress
from liasse.records import RemoteExchange
from liasse.retries import DEFAULT_HORIZON, outbox_delay
from liasse.states import RequestState, machine_for
from liasse.store import leases, record_transition
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import OutboxEntry, utcnow

if TYPE_CHECKING:
    from liasse.app import Liasse
    from liasse.desk import Exchange, ExchangeDesk

log = logging.getLogger(__name__)

#: The crash tests' hook: ``after_commit``, ``after_send`` or ``during_call:<seconds>``.
CRASH_VARIABLE = "LIASSE_CRASH_AT"
#: The operations the relay knows how to replay: those an exchange row describes completely.
REPLAYABLE = ("liasse_request_document", "liasse_send_documents", "liasse_send_registered_mail")
#: A claimed row is its relay's for this long; past it, another relay takes it over (reconciling first).
DEFAULT_LEASE = dt.timedelta(minutes=10)
#: Rows claimed per statement by :meth:`OutboxRelay.run_once`.
DEFAULT_BATCH = 20


def crash_point(crash_at: str | None, window: str) -> None:
    """Kill this process with SIGKILL if the crash hook names ``window`` (crash tests only)."""
    if crash_at is not None and crash_at == window:
        os.kill(os.getpid(), signal.SIGKILL)


def _crash_during_call(crash_at: str | None) -> threading.Timer | None:
    """With ``during_call:<seconds>``, a timer that kills the process that long after the call began."""
    if crash_at is None or not crash_at.startswith("during_call:"):
        return None
    timer = threading.Timer(float(crash_at.partition(":")[2]), os.kill, (os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()
    return timer


@attrs.frozen
class RelayOutcome:
    """What one row came to after one pass of the relay."""

    entry_id: int
    exchange_id: int | None
    #: "done" (sent now), "reconciled" (found already sent: not sent again), "pending" (to try again
    #: at ``next_attempt_at``), "failed" (the provider refused) or "dead" (given up after the horizon).
    status: str
    error: str | None = None
    next_attempt_at: dt.datetime | None = None


@attrs.frozen
class RelayReport:
    """What one pass of the relay did, row by row."""

    outcomes: tuple[RelayOutcome, ...] = ()

    def count(self, status: str) -> int:
        """How many rows ended the pass in ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def claimed(self) -> int:
        """Rows this pass claimed."""
        return len(self.outcomes)


@attrs.frozen
class OutboxRow:
    """One outbox row as ``liasse outbox`` lists it."""

    id: int
    provider: str
    operation: str
    exchange_id: int | None
    label: str | None
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    claimed_by: str | None
    lease_until: dt.datetime | None


@attrs.frozen
class RetryTarget:
    """Whose desk sends an outbox row again: the exchange, its provider, the user who created it
    and the user whose provider account it goes through (DS-33)."""

    exchange_id: int
    provider: str
    user_login: str
    account_owner: str


@attrs.frozen
class _Claimed:
    """A row this relay holds the lease of, with what processing it needs."""

    entry_id: int
    exchange_id: int
    provider: str
    operation: str
    key: str
    user_login: str
    #: Whose provider account the exchange goes through: a colleague's when the creator acted on it (DS-33).
    account_owner: str
    #: Attempts before this one: more than none, the provider may already have it.
    earlier_attempts: int


class OutboxRelay:
    """Claims due outbox rows under a lease and sends each once, for one office's liasse."""

    def __init__(self, liasse: Liasse, *, lease: dt.timedelta = DEFAULT_LEASE, batch: int = DEFAULT_BATCH) -> None:
        self.liasse = liasse
        self.lease = lease
        self.batch = batch
        #: Who holds the leases this relay takes: shown by ``liasse outbox`` next to a row in flight.
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._crash_at = os.environ.get(CRASH_VARIABLE, "").strip() or None

    def __repr__(self) -> str:
        return f"OutboxRelay({self.owner!r})"

    # --- the background pass ------------------------------------------------------

    def run_once(self, *, now: dt.datetime | None = None, limit: int | None = None) -> RelayReport:
        """Claim the due rows (and those whose lease expired), send each, record each outcome.

        Claims ``batch`` rows at a time until none is due or ``limit`` rows
        were claimed. A desk is opened per provider and user, as the user who
        created the exchange.
        """
        outcomes: list[RelayOutcome] = []
        desks: dict[tuple[str, str, str], ExchangeDesk | LiasseError] = {}
        while limit is None or len(outcomes) < limit:
            size = self.batch if limit is None else min(self.batch, limit - len(outcomes))
            claimed = self._claim(now=now, size=size)
            if not claimed:
                break
            for row in claimed:
                whose = (row.provider, row.user_login, row.account_owner)
                desk = desks.get(whose)
                if desk is None:
                    try:
                        desk = self.liasse.desk(row.provider, row.user_login, account_owner=row.account_owner)
                    except LiasseError as exc:
                        desk = exc
                    desks[whose] = desk
                outcomes.append(self._process(desk, row, now=now))
        return RelayReport(tuple(outcomes))

    # --- the interactive path -----------------------------------------------------

    def deliver(self, desk: ExchangeDesk, exchange_id: int) -> Exchange:
        """Send one exchange now, for a user waiting on it: claim its row, send, record.

        Returns the exchange as recorded; raises what the provider's answer
        was when it was not sent (the exchange is kept, "to send" or "failed",
        with the sentence). Raises :class:`SendInProgress` when another relay
        holds the row's lease.
        """
        self._process(desk, self._claim_one(exchange_id), raise_errors=True)
        return desk.exchange(exchange_id)

    def reopen(self, exchange_id: int, *, by: str) -> None:
        """Make a failed, dead or waiting exchange's row due now ("Réessayer"), keeping its key."""
        with self.liasse.store.session() as session:
            exchange = session.get(ExchangeRow, exchange_id)
            if exchange is None:
                raise NotFound(what_fr="Échange", what_en="Exchange", key=exchange_id)
            entry = _entry_of(session, exchange_id)
            if entry.status == "in_flight" and entry.lease_until is not None and entry.lease_until > utcnow():
                raise _in_progress(exchange.label, entry)
            if exchange.state == RequestState.FAILED.value:
                target = machine_for(exchange.kind).parse(RequestState.PENDING.value)
                record_transition(session, exchange, target, by=by)
            elif exchange.state != RequestState.PENDING.value:
                raise ActionNotPossible(
                    problem_fr=f"L'échange « {exchange.label} » est déjà parti : il n'y a rien à renvoyer.",
                    problem_en=f"Exchange '{exchange.label}' was already sent: there is nothing to send again.",
                )
            entry.status, entry.next_attempt_at = "pending", utcnow()
            entry.lease_until = entry.claimed_by = None

    # --- listing --------------------------------------------------------------------

    def rows(self, statuses: tuple[str, ...] = ("pending", "in_flight", "failed", "dead")) -> list[OutboxRow]:
        """The requests and sends in ``statuses``, oldest first, with their exchange's label.

        Reminders are not listed: one the provider refused (24-hour rule) is
        not waiting for anything, and the user sees it on the exchange.
        """
        with self.liasse.store.session() as session:
            query = (
                sa.select(OutboxEntry, ExchangeRow.label)
                .outerjoin(ExchangeRow, ExchangeRow.id == OutboxEntry.exchange_id)
                .where(OutboxEntry.status.in_(statuses), OutboxEntry.operation.in_(REPLAYABLE))
                .order_by(OutboxEntry.id)
            )
            return [
                OutboxRow(
                    id=entry.id,
                    provider=entry.provider,
                    operation=entry.operation,
                    exchange_id=entry.exchange_id,
                    label=label,
                    status=entry.status,
                    attempts=entry.attempts,
                    next_attempt_at=entry.next_attempt_at,
                    last_error=entry.last_error,
                    claimed_by=entry.claimed_by,
                    lease_until=entry.lease_until,
                )
                for entry, label in session.execute(query)
            ]

    def target_of(self, entry_id: int) -> RetryTarget:
        """The exchange an outbox row sends, its provider and its creator (``liasse outbox retry ID``)."""
        with self.liasse.store.session() as session:
            entry = session.get(OutboxEntry, entry_id)
            exchange = session.get(ExchangeRow, entry.exchange_id) if entry and entry.exchange_id else None
            if entry is None or exchange is None or entry.operation not in REPLAYABLE:
                raise NotFound(what_fr="Envoi en attente", what_en="Outbox row", key=entry_id)
            return RetryTarget(
                exchange_id=exchange.id,
                provider=entry.provider,
                user_login=exchange.created_by,
                account_owner=exchange.account_owner or exchange.created_by,
            )

    # --- machinery ------------------------------------------------------------------

    def _claim(self, *, now: dt.datetime | None, size: int) -> list[_Claimed]:
        """Take the lease of up to ``size`` due rows, in one statement, and read what they need."""
        moment = now or utcnow()
        token = f"{self.owner}:{secrets.token_hex(4)}"
        due = leases.due_or_abandoned(OutboxEntry, ("pending",), "in_flight", moment)
        replayable = sa.and_(due, OutboxEntry.operation.in_(REPLAYABLE), OutboxEntry.exchange_id.is_not(None))
        with self.liasse.store.session() as session:
            leases.claim(
                session,
                OutboxEntry,
                claimable=replayable,
                working="in_flight",
                token=token,
                until=moment + self.lease,
                limit=size,
                order_by=(OutboxEntry.next_attempt_at, OutboxEntry.id),
            )
            return self._read_claimed(session, OutboxEntry.claimed_by == token)

    def _claim_one(self, exchange_id: int) -> _Claimed:
        """Take the lease of one exchange's row, whatever its schedule (a user asked for it now)."""
        moment = utcnow()
        token = f"{self.owner}:{secrets.token_hex(4)}"
        with self.liasse.store.session() as session:
            entry = _entry_of(session, exchange_id)
            taken = session.execute(
                sa.update(OutboxEntry)
                .where(
                    OutboxEntry.id == entry.id,
                    sa.or_(
                        OutboxEntry.status == "pending",
                        sa.and_(
                            OutboxEntry.status == "in_flight",
                            sa.or_(OutboxEntry.lease_until.is_(None), OutboxEntry.lease_until < moment),
                        ),
                    ),
                )
                .values(
                    status="in_flight",
                    lease_until=moment + self.lease,
                    claimed_by=token,
                    attempts=OutboxEntry.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:
                session.refresh(entry)
                label = session.get(ExchangeRow, exchange_id)
                raise _in_progress(label.label if label else str(exchange_id), entry)
            claimed = self._read_claimed(session, OutboxEntry.id == entry.id)
        return claimed[0]

    @staticmethod
    def _read_claimed(session: sa.orm.Session, condition: Any) -> list[_Claimed]:
        rows = session.execute(
            sa.select(OutboxEntry, ExchangeRow.created_by, ExchangeRow.account_owner)
            .join(ExchangeRow, ExchangeRow.id == OutboxEntry.exchange_id)
            .where(condition, OutboxEntry.status == "in_flight")
            .order_by(OutboxEntry.id)
            .execution_options(populate_existing=True)
        )
        return [
            _Claimed(
                entry_id=entry.id,
                exchange_id=entry.exchange_id,  # type: ignore[arg-type]  # claimed rows have one
                provider=entry.provider,
                operation=entry.operation,
                key=entry.idempotency_key,
                user_login=created_by,
                # Rows written before the column existed went through their creator's own account.
                account_owner=account_owner or created_by,
                earlier_attempts=entry.attempts - 1,
            )
            for entry, created_by, account_owner in rows
        ]

    def _process(
        self,
        desk: ExchangeDesk | LiasseError,
        row: _Claimed,
        *,
        now: dt.datetime | None = None,
        raise_errors: bool = False,
    ) -> RelayOutcome:
        """Reconcile if needed, replay, record: the claimed row's whole turn."""
        found = False
        if isinstance(desk, LiasseError):
            outcome: RemoteExchange | LiasseError = desk
            call = None
        else:
            try:
                with self.liasse.store.session() as session:
                    call = desk._prepare(session, row.exchange_id, row.key)
            except LiasseError as exc:
                call, outcome = None, exc
            else:
                outcome, found = self._send(desk, row, call)
        recorded = self._record(desk, row, call, outcome, now=now, found=found)
        if raise_errors and isinstance(outcome, LiasseError):
            raise outcome
        return recorded

    def _send(self, desk: ExchangeDesk, row: _Claimed, call: Any) -> tuple[RemoteExchange | LiasseError, bool]:
        """The call, unless the provider already has it; and whether it was found there."""
        if row.earlier_attempts > 0:
            # The earlier attempt may have reached the provider: ask before sending again.
            try:
                found = self.liasse.hooks.find_sent(desk.ctx, row.operation, row.key)
            except LiasseError as exc:
                return exc, False
            if found is not None:
                log.info("outbox row %s was already at %s: recorded, not sent again", row.entry_id, row.provider)
                return found, True
        crash_point(self._crash_at, "after_commit")
        timer = _crash_during_call(self._crash_at)
        try:
            outcome = desk._call(call)
        finally:
            if timer is not None:
                timer.cancel()
        crash_point(self._crash_at, "after_send")
        return outcome, False

    def _record(
        self,
        desk: ExchangeDesk | LiasseError,
        row: _Claimed,
        call: Any,
        outcome: RemoteExchange | LiasseError,
        *,
        now: dt.datetime | None,
        found: bool = False,
    ) -> RelayOutcome:
        moment = now or utcnow()
        with self.liasse.store.session() as session:
            entry = session.get(OutboxEntry, row.entry_id, populate_existing=True)
            exchange = session.get(ExchangeRow, row.exchange_id, populate_existing=True)
            if entry is None or exchange is None:
                return RelayOutcome(row.entry_id, row.exchange_id, "failed", "row deleted meanwhile")
            entry.lease_until = entry.claimed_by = None
            if exchange.state != RequestState.PENDING.value:
                # Another relay took the row over (our lease ran out) and recorded it first: its record stands.
                if exchange.state == RequestState.FAILED.value:
                    entry.status = "failed"
                else:
                    entry.status, entry.done_at, entry.last_error = "done", entry.done_at or utcnow(), None
                return RelayOutcome(row.entry_id, row.exchange_id, entry.status, entry.last_error)
            if isinstance(outcome, ProviderUnavailable):
                horizon = self._horizon(row.provider)
                if moment - entry.created_at >= horizon:
                    given_up = SendGivenUp(
                        title=self._title(row.provider),
                        label=exchange.label,
                        attempts=entry.attempts,
                        days=max(1, round(horizon.total_seconds() / 86400)),
                        last_error=outcome.message(),
                    )
                    failed = machine_for(exchange.kind).parse(RequestState.FAILED.value)
                    record_transition(session, exchange, failed, by="outbox", error=given_up.message())
                    entry.status, entry.last_error = "dead", given_up.message()
                    return RelayOutcome(row.entry_id, row.exchange_id, "dead", given_up.message())
                delay = outbox_delay(entry.attempts, outcome.retry_after)
                entry.next_attempt_at = moment + dt.timedelta(seconds=delay)
                entry.status = "pending"
                exchange.last_error = entry.last_error = outcome.message()
                return RelayOutcome(
                    row.entry_id, row.exchange_id, "pending", outcome.message(), entry.next_attempt_at
                )
            if call is None or isinstance(desk, LiasseError):
                # Refused before any call (contact deleted, file moved, credentials missing): told, kept.
                assert isinstance(outcome, LiasseError)
                failed = machine_for(exchange.kind).parse(RequestState.FAILED.value)
                record_transition(session, exchange, failed, by="outbox", error=outcome.message())
                entry.status, entry.last_error = "failed", outcome.message()
                return RelayOutcome(row.entry_id, row.exchange_id, "failed", outcome.message())
            desk._apply_outcome(session, exchange, entry, call, outcome)
            if isinstance(outcome, LiasseError):
                return RelayOutcome(row.entry_id, row.exchange_id, "failed", outcome.message())
            return RelayOutcome(row.entry_id, row.exchange_id, "reconciled" if found else "done")

    def _horizon(self, provider: str) -> dt.timedelta:
        info = self.liasse.providers.get(provider)
        return (info.retry_horizon if info is not None else None) or DEFAULT_HORIZON

    def _title(self, provider: str) -> str:
        info = self.liasse.providers.get(provider)
        return info.title if info is not None else provider


def _entry_of(session: sa.orm.Session, exchange_id: int) -> OutboxEntry:
    entry = session.scalars(
        sa.select(OutboxEntry)
        .where(OutboxEntry.exchange_id == exchange_id, OutboxEntry.operation.in_(REPLAYABLE))
        .order_by(OutboxEntry.id)
    ).first()
    if entry is None:
        raise NotFound(what_fr="Envoi en attente de l'échange", what_en="Pending send of exchange", key=exchange_id)
    return entry


def _in_progress(label: str, entry: OutboxEntry) -> SendInProgress:
    until = entry.lease_until.strftime("%d/%m/%Y %H:%M UTC") if entry.lease_until else "?"
    owner = (entry.claimed_by or "?").rsplit(":", 1)[0]
    return SendInProgress(label=label, owner=owner, until=until)
