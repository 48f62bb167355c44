"""Chart of accounts, matters and participation invoices (:class:`~liasse_hostapi.protocols.Accounts`)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from liasse_hostapi.errors import HostLookupError, UnknownAccount, UnknownParticipation
from liasse_hostapi.records import Account, Matter, MatterParty, MatterStatus, Participation
from liasse_hostapi.reference import schema
from liasse_hostapi.reference.database import fold
from liasse_hostapi.reference.money import from_cents


class UnknownMatter(HostLookupError):
    """No matter with that code on that account.

    The contract's errors have no matter lookup yet; this one is a
    :class:`~liasse_hostapi.errors.HostLookupError` like the others, so
    liasse handles it the same way.
    """

    what = "matter"


#: Order in which an account's matters are listed: what the user works on first.
_STATUS_ORDER = {MatterStatus.ACTIVE: 0, MatterStatus.PROJECT: 1, MatterStatus.CLOSED: 2}


def ensure_account(conn: Connection, number: str) -> None:
    """Raise :class:`~liasse_hostapi.errors.UnknownAccount` unless account ``number`` exists."""
    found = conn.execute(sa.select(schema.accounts.c.number).where(schema.accounts.c.number == number)).first()
    if found is None:
        raise UnknownAccount(number)


def load_account(conn: Connection, number: str) -> Account:
    """One account with its associated accounts; raises :class:`~liasse_hostapi.errors.UnknownAccount`."""
    row = conn.execute(sa.select(schema.accounts).where(schema.accounts.c.number == number)).one_or_none()
    if row is None:
        raise UnknownAccount(number)
    return _account(conn, row)


def load_matter(conn: Connection, account_number: str, code: str) -> Matter:
    """One matter of one account; raises :class:`UnknownMatter` when the code is not on that account."""
    ensure_account(conn, account_number)
    row = conn.execute(
        sa.select(schema.matters).where(
            schema.matters.c.code == code, schema.matters.c.account_number == account_number
        )
    ).one_or_none()
    if row is None:
        raise UnknownMatter(code)
    return _matter(row)


def load_participation(conn: Connection, participation_id: int) -> Participation:
    """One participation invoice; raises :class:`~liasse_hostapi.errors.UnknownParticipation`."""
    row = conn.execute(
        sa.select(schema.participations).where(schema.participations.c.id == participation_id)
    ).one_or_none()
    if row is None:
        raise UnknownParticipation(participation_id)
    return _participation(row)


class SqlAccounts:
    """Accounts, matters and participations on the reference host's tables."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def account(self, number: str) -> Account:
        """One account; raises :class:`~liasse_hostapi.errors.UnknownAccount`."""
        with self._engine.connect() as conn:
            return load_account(conn, number)

    def search(self, text: str, limit: int = 20) -> Sequence[Account]:
        """Accounts whose number or title contains ``text``, ignoring case and accents.

        An exact number comes first, then titles in alphabetical order.
        """
        if limit <= 0:
            return ()
        needle = fold(text.strip()) or ""
        accounts = schema.accounts
        statement = (
            sa.select(accounts)
            .where(
                sa.or_(
                    sa.func.instr(sa.func.fold(accounts.c.number), needle) > 0,
                    sa.func.instr(sa.func.fold(accounts.c.title), needle) > 0,
                )
            )
            .order_by(
                sa.case((accounts.c.number == text.strip(), 0), else_=1),
                accounts.c.title,
                accounts.c.number,
            )
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return tuple(_account(conn, row) for row in conn.execute(statement).all())

    def update_contact_details(self, number: str, *, email: str | None, mobile: str | None) -> Account:
        """Write a contact's e-mail and mobile back to the account.

        ``None`` leaves that detail as it is (an organisation contact has no
        mobile, and must not erase the account's); an empty string clears it.
        """
        values: dict[str, str | None] = {}
        if email is not None:
            values["email"] = email.strip() or None
        if mobile is not None:
            values["mobile"] = mobile.strip() or None
        with self._engine.begin() as conn:
            ensure_account(conn, number)
            if values:
                conn.execute(sa.update(schema.accounts).where(schema.accounts.c.number == number).values(**values))
            return load_account(conn, number)

    def matters(self, account_number: str) -> Sequence[Matter]:
        """The account's matters, every status: active first, then projects, then closed."""
        with self._engine.connect() as conn:
            ensure_account(conn, account_number)
            rows = conn.execute(
                sa.select(schema.matters)
                .where(schema.matters.c.account_number == account_number)
                .order_by(schema.matters.c.code)
            ).all()
        return tuple(sorted((_matter(row) for row in rows), key=lambda matter: _STATUS_ORDER[matter.status]))

    def matter_parties(self, account_number: str, matter_code: str) -> Sequence[MatterParty]:
        """The matter's parties in their order; :class:`UnknownMatter` when the code is not on that account."""
        with self._engine.connect() as conn:
            load_matter(conn, account_number, matter_code)
            rows = conn.execute(
                sa.select(schema.matter_parties)
                .where(schema.matter_parties.c.matter_code == matter_code)
                .order_by(schema.matter_parties.c.position)
            ).all()
        return tuple(MatterParty(account_number=row.account_number, role=row.role) for row in rows)

    def participations(self, account_number: str) -> Sequence[Participation]:
        """The account's participation invoices in every state, newest entry first (DS-17)."""
        table = schema.participations
        with self._engine.connect() as conn:
            ensure_account(conn, account_number)
            rows = conn.execute(
                sa.select(table)
                .where(table.c.account_number == account_number)
                .order_by(table.c.entry_date.desc(), table.c.id.desc())
            ).all()
        return tuple(_participation(row) for row in rows)

    def number_participation(self, participation_id: int) -> Participation:
        """Give an unnumbered invoice the next office-wide number; a numbered one keeps its own.

        The number is computed and written in one statement, so two sends at
        once cannot hand out the same number.
        """
        table = schema.participations
        next_number = sa.select(sa.func.coalesce(sa.func.max(table.c.number), 0) + 1).scalar_subquery()
        with self._engine.begin() as conn:
            load_participation(conn, participation_id)
            conn.execute(
                sa.update(table)
                .where(table.c.id == participation_id, table.c.number.is_(None))
                .values(number=next_number)
            )
            return load_participation(conn, participation_id)


def _account(conn: Connection, row: sa.Row) -> Account:
    """Build an :class:`Account` from its row and its associations."""
    links = schema.account_associations
    associated = conn.execute(
        sa.select(links.c.associated_number)
        .where(links.c.account_number == row.number)
        .order_by(links.c.position, links.c.associated_number)
    ).scalars()
    return Account(
        number=row.number,
        title=row.title,
        kind=row.kind,
        legal_entity=row.legal_entity,
        email=row.email,
        mobile=row.mobile,
        associated=tuple(associated),
        first_name=row.first_name,
        last_name=row.last_name,
        postal_address=row.postal_address,
    )


def _matter(row: sa.Row) -> Matter:
    """Build a :class:`Matter` from its row."""
    return Matter(code=row.code, account_number=row.account_number, title=row.title, status=row.status)


def _participation(row: sa.Row) -> Participation:
    """Build a :class:`Participation` from its row."""
    return Participation(
        id=row.id,
        account_number=row.account_number,
        direction=row.direction,
        entry_date=row.entry_date,
        amount=from_cents(row.amount_cents),
        label=row.label,
        number=row.number,
        state=row.state,
    )
