"""The audit log: who did what, when, on which account, through which provider, and how it ended.

Every action a user takes through liasse (a connection, a contact created,
a RIB requested, a document sent, a reminder, an import, a key rotation …)
leaves one :class:`AuditEntry` in the ``audit_log`` table, read back with
:func:`entries` or ``liasse audit``. An entry holds names and ids only: never
a secret, an IBAN, a document's content, an e-mail or an error's sentence
(which may quote what the user typed) — the error's class name says enough
for an audit.

Actions are wrapped from one place: :func:`audited` on a desk method, or
:func:`action` around any other block. The entry is written *in the same
transaction as the action's own rows*: while an action runs, each of its
transactions on the store carries the action's entry (inserted by the first,
updated by the next ones), so a crash can never leave a committed action
without its entry. When the action ends, the outcome is written: ``ok``,
``partial`` (a campaign where some items failed), ``refused`` (a right or an
option missing) or ``failed`` (with the error's class). An action that wrote
nothing of its own, a refused one for instance, gets its entry then.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum
import functools
import inspect
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import attrs
from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from liasse.errors import ProviderDisabled, RightMissing
from liasse.store.models import AuditRecord, utcnow

if TYPE_CHECKING:
    from liasse.store.database import Store

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class Action(enum.Enum):
    """What a user did; the values are stable names for filters and exports."""

    CONNECT = "credentials.connect"
    RESET_CREDENTIALS = "credentials.reset"
    CHECK_ACCESS = "provider.check_access"
    SECRETS_ROTATE = "secrets.rotate"
    VIEW_OTHER_ACCOUNT = "account.view_other"
    CONTACT_CREATE = "contact.create"
    CONTACT_UPDATE = "contact.update"
    CONTACT_DELETE = "contact.delete"
    CONTACT_ARCHIVE = "contact.archive"
    CONTACT_UNARCHIVE = "contact.unarchive"
    CONTACT_ASSOCIATE = "contact.associate"
    DOCUMENT_REQUEST = "document.request"
    DOCUMENT_SEND = "document.send"
    REMIND = "exchange.remind"
    RETRY = "exchange.retry"
    SYNC = "exchange.sync"
    IMPORT = "document.import"
    ATTESTATION = "document.attestation"
    #: Shared zone (JZ-02 … JZ-08).
    SHARE_EXPORT = "share.export_file"
    SHARE_UPLOAD = "share.upload"
    SHARE_CREATE = "share.create"
    SHARE_SYNC = "share.sync"
    SHARE_IMPORT = "share.import"
    #: Registered mail (AR-01 … AR-12).
    CONSENT = "letter.consent"
    PAYMENT_LINK = "letter.payment_link"
    LETTER_SEND = "letter.send"
    LETTER_VALIDATE = "letter.validate"
    #: E-signature (ES-01 … ES-12).
    SIGNATURE_CREATE = "signature.create"
    SIGNATURE_EDIT = "signature.edit"
    SIGNATURE_SEND = "signature.send"
    SIGNATURE_CANCEL = "signature.cancel"


class Outcome(enum.Enum):
    """How an action ended."""

    #: The action ran to its end; for a crash, the entry stays ``incomplete``.
    INCOMPLETE = "incomplete"
    OK = "ok"
    PARTIAL = "partial"
    REFUSED = "refused"
    FAILED = "failed"


@attrs.frozen
class AuditEntry:
    """One action as the audit log keeps it: no secret, no IBAN, no content."""

    id: int
    at: dt.datetime
    user: str
    action: Action
    outcome: Outcome
    provider: str | None = None
    #: The host user whose provider account the action used (DS-33: may be another user's).
    account_owner: str | None = None
    #: The host's account (``2950``) the action concerned.
    account_number: str | None = None
    matter_code: str | None = None
    #: What the action touched, as ``contact 12``, ``exchange 40`` or ``3 exchanges``.
    target: str | None = None
    #: The class of the error that stopped it (``AccessDenied``), never its sentence.
    error: str | None = None


@attrs.define
class AuditScope:
    """The entry of an action under way; the action may fill in what it learns (account, target)."""

    store: Store
    user: str
    action: Action
    provider: str | None = None
    account_owner: str | None = None
    account_number: str | None = None
    matter_code: str | None = None
    target: str | None = None
    #: Set for a campaign where some items failed: the outcome is then ``partial``.
    partial: bool = False
    row_id: int | None = None

    def _values(self) -> dict[str, Any]:
        return {
            "user_login": self.user,
            "action": self.action.value,
            "provider": self.provider,
            "account_owner": self.account_owner,
            "account_number": self.account_number,
            "matter_code": self.matter_code,
            "target": self.target,
        }


_current: contextvars.ContextVar[AuditScope | None] = contextvars.ContextVar("liasse_audit_scope", default=None)
_WROTE = "liasse_audit_wrote"
#: Marks the session that writes an entry's outcome, which carries no other action's entry.
_OWN = "liasse_audit_own"


@event.listens_for(Session, "after_flush")
def _note_writes(session: Session, _flush_context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    # An UPDATE or DELETE run as a statement (forgetting credentials) writes without a flush.
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "before_commit")
def _carry_entry(session: Session) -> None:
    """Put the running action's entry into each transaction that writes the action's rows."""
    scope = _current.get()
    # session.bind, not get_bind(): a host's session with several binds must pass untouched, not raise.
    if scope is None or session.bind is not scope.store.engine or session.info.get(_OWN):
        return
    if not (session.info.pop(_WROTE, False) or session.new or session.dirty or session.deleted):
        return
    if scope.row_id is None:
        row = AuditRecord(at=utcnow(), outcome=Outcome.INCOMPLETE.value, **scope._values())
        session.add(row)
        session.flush()
        scope.row_id = row.id
    else:
        session.execute(update(AuditRecord).where(AuditRecord.id == scope.row_id).values(**scope._values()))


@contextlib.contextmanager
def action(
    store: Store,
    what: Action,
    *,
    user: str,
    provider: str | None = None,
    account_owner: str | None = None,
    account_number: str | None = None,
    matter_code: str | None = None,
    target: str | None = None,
) -> Iterator[AuditScope]:
    """Audit the block as one action of ``user``; the outcome follows from how the block ends.

    The yielded scope may be completed by the block (``scope.target = …``).
    An exception is recorded (its class only) and raised again, unchanged.
    """
    running = _current.get()
    if running is not None and running.store is store and running.action is what and running.user == user:
        # The same action calling itself (a send of one file is a send of documents): one entry.
        yield running
        return
    scope = AuditScope(
        store=store,
        user=user,
        action=what,
        provider=provider,
        account_owner=account_owner,
        account_number=account_number,
        matter_code=matter_code,
        target=target,
    )
    token = _current.set(scope)
    outcome, error = Outcome.OK, None
    try:
        yield scope
    except (RightMissing, ProviderDisabled) as exc:
        outcome, error = Outcome.REFUSED, type(exc).__name__
        raise
    except BaseException as exc:
        outcome, error = Outcome.FAILED, type(exc).__name__
        raise
    finally:
        _current.reset(token)
        if outcome is Outcome.OK and scope.partial:
            outcome = Outcome.PARTIAL
        if error is None:
            _finish(scope, outcome, error)
        else:
            try:
                _finish(scope, outcome, error)
            except Exception:  # noqa: BLE001 - the action's own error is the one the user must read
                # The store may be what failed; an entry already carried by the action's rows stays "incomplete".
                log.exception("the audit entry of a failed %s could not be written", what.value)


def _finish(scope: AuditScope, outcome: Outcome, error: str | None) -> None:
    values = {**scope._values(), "outcome": outcome.value, "error": error}
    with scope.store.session() as session:
        session.info[_OWN] = True
        if scope.row_id is not None:
            updated = session.execute(update(AuditRecord).where(AuditRecord.id == scope.row_id).values(**values))
            if getattr(updated, "rowcount", 0):
                return
        # Nothing of the action was committed (refused, failed early, or read only): the entry alone.
        session.add(AuditRecord(at=utcnow(), **values))


#: Argument names whose value the entry records as the action's target or account.
_TARGETS = (("exchange_id", "exchange"), ("contact_id", "contact"), ("contact", "contact"), ("file_id", "signature file"))


def audited(what: Action) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Audit a desk method as ``what``: user, provider and account owner come from the desk.

    The acting user's link and rights are checked again first
    (:meth:`liasse.app.Liasse.authorize`), so a refusal is an entry too.

    The account and the target are read from the call's arguments
    (``account_number``, ``contact_id``, ``exchange_id``, ``matter_code``, a
    send's ``selection.matters``) and
    from what it returns (a contact's or an exchange's ``id`` and
    ``account_number``; a list counts as a campaign).
    """

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(method)

        @functools.wraps(method)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            desk = args[0]
            bound = signature.bind_partial(*args, **kwargs).arguments
            with action(
                desk.liasse.store,  # type: ignore[attr-defined]
                what,
                user=desk.user_login,  # type: ignore[attr-defined]
                provider=desk.provider,  # type: ignore[attr-defined]
                account_owner=desk.account_owner,  # type: ignore[attr-defined]
                account_number=_text(bound.get("account_number")),
                matter_code=_text(bound.get("matter_code")) or _matters_of(bound.get("selection")),
                target=_target_of(bound),
            ) as scope:
                try:
                    # Checked at each action, inside its entry: a desk kept open does not outlive a link turned off.
                    desk.liasse.authorize(desk.provider, desk.user_login)  # type: ignore[attr-defined]
                    result = method(*args, **kwargs)
                except BaseException:
                    _account_of_target(desk, scope, bound)
                    raise
                _learn(scope, result)
                _account_of_target(desk, scope, bound)
                return result

        return wrapper

    return decorate


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _matters_of(selection: object) -> str | None:
    """The matters a send's documents are about (DS-17), comma-separated."""
    matters = getattr(selection, "matters", ())
    if not isinstance(matters, tuple) or not matters:
        return None
    return ", ".join(str(code) for code in matters)[:64]


def _target_of(arguments: dict[str, Any]) -> str | None:
    for name, word in _TARGETS:
        value = arguments.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{word} {value}"
    return None


def _account_of_target(desk: Any, scope: AuditScope, arguments: dict[str, Any]) -> None:
    """The account of the exchange or contact acted on, when neither the call nor its result named it."""
    if scope.account_number is not None:
        return
    for name, lookup in (("exchange_id", "exchange"), ("contact_id", "contact")):
        identifier = arguments.get(name)
        if isinstance(identifier, int) and not isinstance(identifier, bool):
            try:
                scope.account_number = getattr(getattr(desk, lookup)(identifier), "account_number", None)
            except Exception:  # noqa: BLE001 - it may be the very thing that does not exist
                pass
            return


def _learn(scope: AuditScope, result: object) -> None:
    if isinstance(result, list | tuple):
        failed = sum(isinstance(item, BaseException) for item in result)
        scope.target = f"{len(result) - failed}/{len(result)} {_plural(result)}"
        if failed:
            scope.partial = True
        numbers = {getattr(item, "account_number", None) for item in result} - {None}
        if scope.account_number is None and len(numbers) == 1:
            scope.account_number = str(numbers.pop())
        return
    changed = getattr(result, "changed", None)
    if isinstance(changed, tuple):
        # A sync: how many exchanges it moved.
        scope.target = f"{len(changed)} exchanges"
        return
    result = getattr(result, "exchange", result)  # an import's result names its exchange
    identifier = getattr(result, "id", None)
    kind = _kind_of(result)
    if kind == "attachment" and scope.target:
        # An attestation's attachment is what it made; the exchange it is about stays the target.
        pass
    elif isinstance(identifier, int) and kind:
        scope.target = f"{kind} {identifier}"
    number = getattr(result, "account_number", None)
    if scope.account_number is None and isinstance(number, str) and number:
        scope.account_number = number


def _kind_of(result: object) -> str | None:
    name = type(result).__name__
    return {"Contact": "contact", "Exchange": "exchange", "Attachment": "attachment", "SignatureFile": "signature file"}.get(name)


def _plural(items: Sequence[object]) -> str:
    kinds = {_kind_of(item) for item in items if not isinstance(item, BaseException)} - {None}
    return f"{kinds.pop()}s" if len(kinds) == 1 else "items"


def entries(
    store: Store,
    *,
    user: str | None = None,
    account: str | None = None,
    provider: str | None = None,
    since: dt.datetime | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The audit log, oldest first, filtered by user, host account, provider and date."""
    query = select(AuditRecord).order_by(AuditRecord.at, AuditRecord.id)
    if user:
        query = query.where(AuditRecord.user_login == user)
    if account:
        query = query.where(AuditRecord.account_number == account)
    if provider:
        query = query.where(AuditRecord.provider == provider)
    if since is not None:
        query = query.where(AuditRecord.at >= since)
    if limit is not None:
        query = query.limit(limit)
    with store.session() as session:
        rows = session.scalars(query).all()
        return [
            AuditEntry(
                id=row.id,
                at=row.at,
                user=row.user_login,
                action=Action(row.action),
                outcome=Outcome(row.outcome),
                provider=row.provider,
                account_owner=row.account_owner,
                account_number=row.account_number,
                matter_code=row.matter_code,
                target=row.target,
                error=row.error,
            )
            for row in rows
        ]


__all__ = ["Action", "AuditEntry", "AuditScope", "Outcome", "action", "audited", "entries"]
