"""The office and its users, on the reference host's tables (:class:`~liasse_hostapi.protocols.OfficeDirectory`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from liasse_hostapi.errors import UnknownUser
from liasse_hostapi.records import Office, OfficeConstants, ProviderOptions, Right, User
from liasse_hostapi.reference import schema


class OfficeNotConfigured(LookupError):
    """The host database has no office row yet: open it with demo data or configure it first."""


def load_office(conn: Connection) -> Office:
    """The office row as a record; raises :class:`OfficeNotConfigured` on an empty database."""
    row = conn.execute(sa.select(schema.office)).one_or_none()
    if row is None:
        raise OfficeNotConfigured("the host database has no office yet")
    return Office(
        code=row.code,
        name=row.name,
        email=row.email,
        timezone=row.timezone,
        address=row.address,
        constants=OfficeConstants(
            alert_on_documents_to_import=row.alert_on_documents_to_import,
            archive_after_months=row.archive_after_months,
        ),
    )


class SqlOfficeDirectory:
    """The office row, the users, their rights and per-provider options."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def office(self) -> Office:
        """The office liasse works for; raises :class:`OfficeNotConfigured` on an empty database."""
        with self._engine.connect() as conn:
            return load_office(conn)

    def users(self) -> Sequence[User]:
        """Every user, by login."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(schema.users).order_by(schema.users.c.login)).all()
            return tuple(_user(conn, row) for row in rows)

    def user(self, login: str) -> User:
        """One user by login; raises :class:`~liasse_hostapi.errors.UnknownUser`."""
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(schema.users).where(schema.users.c.login == login)).one_or_none()
            if row is None:
                raise UnknownUser(login)
            return _user(conn, row)

    def set_rights(self, login: str, rights: Iterable[Right]) -> None:
        """Replace one user's rights (the reference host's administration screen; not part of the contract)."""
        with self._engine.begin() as conn:
            exists = conn.execute(sa.select(schema.users.c.login).where(schema.users.c.login == login)).first()
            if exists is None:
                raise UnknownUser(login)
            conn.execute(sa.delete(schema.user_rights).where(schema.user_rights.c.login == login))
            for right in sorted(set(rights), key=lambda r: r.value):
                conn.execute(sa.insert(schema.user_rights).values(login=login, right=right))

    def set_provider_options(self, login: str, provider: str, options: ProviderOptions) -> None:
        """Save one user's options for one provider, replacing those saved before."""
        values = {
            "link_enabled": options.link_enabled,
            "auto_stamp_rib": options.auto_stamp_rib,
            "auto_stamp_other": options.auto_stamp_other,
            "see_other_users_contacts": options.see_other_users_contacts,
        }
        with self._engine.begin() as conn:
            exists = conn.execute(sa.select(schema.users.c.login).where(schema.users.c.login == login)).first()
            if exists is None:
                raise UnknownUser(login)
            statement = sqlite_insert(schema.provider_options).values(login=login, provider=provider, **values)
            conn.execute(statement.on_conflict_do_update(index_elements=["login", "provider"], set_=values))


def _user(conn: Connection, row: sa.Row) -> User:
    """Build a :class:`User` with its rights and options from its row."""
    rights = conn.execute(
        sa.select(schema.user_rights.c.right).where(schema.user_rights.c.login == row.login)
    ).scalars()
    option_rows = conn.execute(
        sa.select(schema.provider_options).where(schema.provider_options.c.login == row.login)
    ).all()
    return User(
        login=row.login,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        rights=frozenset(rights),
        options={
            option.provider: ProviderOptions(
                link_enabled=option.link_enabled,
                auto_stamp_rib=option.auto_stamp_rib,
                auto_stamp_other=option.auto_stamp_other,
                see_other_users_contacts=option.see_other_users_contacts,
            )
            for option in option_rows
        },
    )
