"""liasse's own records: contacts' links, exchanges and their history, outbox, credentials, webhooks.

Open it with :func:`open_store`; change an exchange's state only through
:func:`record_transition`, which checks the state machine, stamps the
matching date and writes the history row in the caller's session, so the
three succeed or fail together.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

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
    "ExchangeTransition",
    "OutboxEntry",
    "ProviderContact",
    "Store",
    "StoredCredentials",
    "SyncCursor",
    "WebhookEvent",
    "default_store_url",
    "open_store",
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
        planned.append((exchange, _checked_target(exchange, target), error))
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


def _checked_target(exchange: Exchange, target: LabelledState | str) -> str:
    """The state value ``target`` names, checked against the exchange's machine when its kind has one."""
    machine = MACHINES.get(ExchangeKind(exchange.kind))
    if machine is None:
        return target.value if isinstance(target, enum.Enum) else target
    if isinstance(target, enum.Enum) and not isinstance(target, machine.states):
        raise TypeError(f"{exchange.kind} exchanges take {machine.states.__name__} states, not {target!r}")
    source_state = machine.parse(exchange.state)
    target_state = machine.parse(target.value if isinstance(target, enum.Enum) else target)
    machine.check(source_state, target_state)
    value: str = target_state.value
    return value

