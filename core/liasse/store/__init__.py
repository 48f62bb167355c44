"""liasse's own records: contacts' links, exchanges and their history, outbox, credentials, webhooks.

Open it with :func:`open_store`; change an exchange's state only through
:func:`record_transition`, which checks the state machine, stamps the
matching date and writes the history row in the caller's session, so the
three succeed or fail together.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from liasse.errors import ExchangeChanged
from liasse.states import MACHINES, ExchangeKind, LabelledState
from liasse.store.database import Store, default_store_url, open_store
from liasse.store.models import (
    AuditRecord,
    Base,
    Exchange,
    ExchangeTransition,
    OutboxEntry,
    ProviderContact,
    StoredCredentials,
    SyncCursor,
    WebhookEvent,
    utcnow,
)

__all__ = [
    "AuditRecord",
    "Base",
    "Exchange",
    "ExchangeMove",
    "ExchangeTransition",
    "IN_LIST",
    "OutboxEntry",
    "ProviderContact",
    "Store",
    "StoredCredentials",
    "SyncCursor",
    "WebhookEvent",
    "default_store_url",
    "id_lists",
    "open_store",
    "record_moves",
    "record_transition",
    "record_transitions",
    "TIMESTAMP_COLUMNS",
]

#: Which date a state stamps on the exchange when it is reached.
TIMESTAMP_COLUMNS: dict[str, str] = {
    "sent": "sent_at",
    "reminded": "reminded_at",
    # A request answered, a send downloaded: the contact is done.
    "to_import": "done_at",
    "done": "done_at",
    "imported": "imported_at",
}


_Key = TypeVar("_Key", int, str)
#: Ids per ``IN`` list: under every supported database's limit on bound parameters.
IN_LIST = 500


def id_lists(ids: Sequence[_Key]) -> Iterator[Sequence[_Key]]:
    """``ids`` (or keys) in slices of :data:`IN_LIST`, each one ``IN`` list of a statement."""
    for start in range(0, len(ids), IN_LIST):
        yield ids[start : start + IN_LIST]


def record_transition(
    session: Session,
    exchange: Exchange,
    target: LabelledState | str,
    by: str,
    at: dt.datetime | None = None,
    *,
    error: str | None = None,
) -> ExchangeTransition:
    """Move ``exchange`` to ``target``, stamp its date and keep the history row.

    Requests and sends are checked against their state machine: an illegal
    change raises :class:`~liasse.errors.IllegalTransition` before anything
    is written. Other kinds are recorded as given. ``by`` is the host user's
    login, or ``"sync"``/``"webhook"``. ``error`` (a user-facing sentence)
    goes to ``last_error``; reaching "sent" clears it.

    The UPDATE only applies if the exchange is still in the state this
    session read; if another process moved it meanwhile,
    :class:`~liasse.errors.ExchangeChanged` is raised and the caller's
    session must be rolled back (leaving the ``Store.session`` block does it).
    """
    return record_transitions(session, ((exchange, target, error),), by, at)[0]


def record_transitions(
    session: Session,
    moves: Iterable[tuple[Exchange, LabelledState | str, str | None]],
    by: str,
    at: dt.datetime | None = None,
) -> list[ExchangeTransition]:
    """:func:`record_transition` for several exchanges, ``(exchange, target, error)`` each, written in one flush.

    A bulk send records a chunk of letters at once: one flush instead of one
    per letter (the flush, not the UPDATE, is what costs). Every move is
    checked before anything is written; if any exchange was moved by another
    process meanwhile, :class:`~liasse.errors.ExchangeChanged` names the first
    one and none of them is recorded (the caller's session rolls back).
    """
    when = at or utcnow()
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"record_transition needs a timezone-aware datetime, got {when!r}")
    planned: list[tuple[Exchange, str, str | None]] = []
    for exchange, target, error in moves:
        planned.append((exchange, _checked_target(exchange.kind, exchange.state, target), error))
    # Read now: once a flush has failed, the rows' attributes are no longer safe to load.
    labels = [exchange.label for exchange, _target, _error in planned]
    transitions: list[ExchangeTransition] = []
    # No autoflush midway: each row must be written in one UPDATE, checked below.
    with session.no_autoflush:
        for exchange, target_value, error in planned:
            source_value = exchange.state
            exchange.state = target_value
            column = TIMESTAMP_COLUMNS.get(target_value)
            if column is not None:
                setattr(exchange, column, when)
            if error is not None:
                exchange.last_error = error
            elif target_value == "sent":
                exchange.last_error = None
            # Setting the parent queues the row in exchange.transitions without loading the list.
            transition = ExchangeTransition(exchange=exchange, source=source_value, target=target_value, at=when, by=by)
            session.add(transition)
            transitions.append(transition)
    try:
        session.flush()
    except StaleDataError:
        # Which row another process changed, the flush does not say: a batch names its first letters.
        raise ExchangeChanged(label=", ".join(labels[:3]) + (" …" if len(labels) > 3 else "")) from None
    return transitions


@attrs.frozen
class ExchangeMove:
    """One exchange's change of state, named by its id and the state it was in (for :func:`record_moves`)."""

    exchange_id: int
    #: The exchange's :class:`~liasse.states.ExchangeKind` value: which machine checks the move.
    kind: str
    #: The state the caller last saw: the UPDATE applies only if the row is still in it.
    source: str
    target: LabelledState | str
    #: Named in the sentence when another process moved the exchange meanwhile.
    label: str = ""
    #: ``last_error`` afterwards: a user-facing sentence, or None to clear it.
    error: str | None = None
    #: The provider's id, when the move is the answer to a call (left as it is when None).
    remote_id: str | None = None


def record_moves(session: Session, moves: Sequence[ExchangeMove], by: str, at: dt.datetime | None = None) -> None:
    """:func:`record_transitions` for exchanges known by id, without loading their rows.

    A bulk send knows each letter's id and state from its own commit: loading
    the rows back only to change them cost more than the provider's call
    (AR-08, P2). Each move is checked against its kind's machine, and each
    exchange against the state the caller saw, before anything is written.
    Moves alike (the same source, target and error) are written together:
    one UPDATE over their ids, still guarded by that state, and one
    INSERT … SELECT of their history rows; only the provider's ids are
    written row by row. If any exchange was moved by another process
    meanwhile, :class:`~liasse.errors.ExchangeChanged` names it and the
    caller's session must roll back. Rows this session already loaded are
    not refreshed: read them again afterwards.
    """
    when = at or utcnow()
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"record_moves needs a timezone-aware datetime, got {when!r}")
    planned = [(move, _checked_target(move.kind, move.source, move.target)) for move in moves]
    if not planned:
        return
    alike: dict[tuple[str, str, str | None], list[int]] = {}
    for move, target in planned:
        alike.setdefault((move.source, target, move.error), []).append(move.exchange_id)
    table = Exchange.__table__
    ids = [move.exchange_id for move, _ in planned]
    # Read first, so the sentence names the exchanges another process moved and nothing is written for them.
    seen = {row[0]: row[1] for row in session.execute(sa.select(table.c.id, table.c.state).where(table.c.id.in_(ids)))}
    moved = [move for move, _ in planned if seen.get(move.exchange_id) != move.source]
    if moved:
        raise ExchangeChanged(label=_labels(moved))
    matched = 0
    for (source, target, error), group in alike.items():
        values: dict[str, object] = {"state": target, "last_error": error}
        column = TIMESTAMP_COLUMNS.get(target)
        if column is not None:
            values[column] = when
        for part in id_lists(group):
            statement = table.update().where(table.c.id.in_(part), table.c.state == source).values(values)
            matched += session.execute(statement).rowcount  # type: ignore[attr-defined]
    if matched != len(planned):
        # Moved between the read and the write: the rows not at their target now are the ones.
        now = {row[0]: row[1] for row in session.execute(sa.select(table.c.id, table.c.state).where(table.c.id.in_(ids)))}
        late = [move for move, target in planned if now.get(move.exchange_id) != target]
        raise ExchangeChanged(label=_labels(late or [move for move, _ in planned]))
    history = ExchangeTransition.__table__
    for (source, target, _error), group in alike.items():
        for part in id_lists(group):
            rows = sa.select(
                table.c.id,
                sa.literal(source, history.c.source.type),
                sa.literal(target, history.c.target.type),
                sa.literal(when, history.c.at.type),
                sa.literal(by, history.c.by.type),
            ).where(table.c.id.in_(part))
            session.execute(sa.insert(history).from_select(["exchange_id", "source", "target", "at", "by"], rows))
    remote = [{"b_id": move.exchange_id, "remote_id": move.remote_id} for move, _ in planned if move.remote_id is not None]
    if remote:
        session.execute(table.update().where(table.c.id == sa.bindparam("b_id")).values(remote_id=sa.bindparam("remote_id")), remote)


def _labels(moves: Sequence[ExchangeMove]) -> str:
    """The first moves' labels (or ids), for :class:`~liasse.errors.ExchangeChanged`."""
    names = [move.label or str(move.exchange_id) for move in moves]
    return ", ".join(names[:3]) + (" …" if len(names) > 3 else "")


def _checked_target(kind: str, source: str, target: LabelledState | str) -> str:
    """The state value ``target`` names, checked against the machine of ``kind`` when it has one."""
    machine = MACHINES.get(ExchangeKind(kind))
    if machine is None:
        return target.value if isinstance(target, enum.Enum) else target
    if isinstance(target, enum.Enum) and not isinstance(target, machine.states):
        raise TypeError(f"{kind} exchanges take {machine.states.__name__} states, not {target!r}")
    source_state = machine.parse(source)
    target_state = machine.parse(target.value if isinstance(target, enum.Enum) else target)
    machine.check(source_state, target_state)
    value: str = target_state.value
    return value
