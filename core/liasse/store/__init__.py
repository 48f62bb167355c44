"""liasse's own records: contacts' links, exchanges and their history, outbox, credentials, webhooks.

Open it with :func:`open_store`; change an exchange's state only through
:func:`record_transition`, which checks the state machine, stamps the
matching date and writes the history row in the caller's session, so the
three succeed or fail together.
"""

from __future__ import annotations

import datetime as dt
import enum

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
    when = at or utcnow()
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"record_transition needs a timezone-aware datetime, got {when!r}")
    source_value = exchange.state
    label = exchange.label
    machine = MACHINES.get(ExchangeKind(exchange.kind))
    if machine is not None:
        if isinstance(target, enum.Enum) and not isinstance(target, machine.states):
            raise TypeError(f"{exchange.kind} exchanges take {machine.states.__name__} states, not {target!r}")
        source_state = machine.parse(source_value)
        target_state = machine.parse(target.value if isinstance(target, enum.Enum) else target)
        machine.check(source_state, target_state)
        target_value: str = target_state.value
    else:
        target_value = target.value if isinstance(target, enum.Enum) else target

    # No autoflush midway: the row must be written in one UPDATE, checked below.
    with session.no_autoflush:
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
    try:
        session.flush()
    except StaleDataError:
        raise ExchangeChanged(label=label) from None
    return transition
