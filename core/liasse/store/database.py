"""Opening liasse's database, migrated to the current schema.

A SQLite file by default, so a single workstation needs nothing installed;
a PostgreSQL URL for offices that run several host servers. Whichever it is,
:func:`open_store` brings the schema up to date with Alembic before handing
out sessions, so a newly installed liasse never runs on an old schema.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from liasse.errors import StoreTooNew, StoreUnavailable

#: Environment variable naming the database; it wins over liasse.toml.
DATABASE_URL_VARIABLE = "LIASSE_DATABASE_URL"
#: Where the migration scripts live, inside the installed package.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Alembic's bookkeeping table, named for liasse so it cannot clash with a host's own.
VERSION_TABLE = "liasse_alembic_version"
#: Any constant: the PostgreSQL advisory lock that serialises concurrent migrations.
_MIGRATION_LOCK = 0x6C696173  # "lias"


def default_store_url() -> str:
    """The database to use when liasse.toml names none.

    ``LIASSE_DATABASE_URL`` when set, else ``liasse.sqlite3`` in the user's
    data directory (created if needed).
    """
    url = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
    if url:
        return url
    directory = Path(platformdirs.user_data_dir("liasse", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(directory / 'liasse.sqlite3').as_posix()}"


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration for liasse's migrations, bound to ``connection``.

    Built in code, so no ``alembic.ini`` has to be installed or found.
    """
    config = Config()
    # Config options go through configparser: a "%" in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def head_revision() -> str:
    """The newest schema revision this liasse knows."""
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError(f"no migration in {MIGRATIONS_DIR}")
    return head


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database behind ``connection`` (None when empty)."""
    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def migrate(engine: Engine, *, shown_url: str = "") -> None:
    """Bring the database to the newest schema, once, even with several processes starting.

    Already at head: nothing to do. Otherwise the upgrade runs in one
    transaction (under an advisory lock on PostgreSQL); if it fails because
    another process migrated meanwhile, the database is at head and that is
    fine. A database migrated by a newer liasse is refused rather than used.
    """
    head = head_revision()
    known = {script.revision for script in _scripts().walk_revisions()}
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
        if current == head:
            return
        if current is not None and current not in known:
            raise StoreTooNew(url=shown_url, revision=current)
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                command.upgrade(alembic_config(connection), "head")
        except SQLAlchemyError:
            with engine.connect() as connection:
                if current_revision(connection) != head:
                    raise
    except SQLAlchemyError as error:
        raise StoreUnavailable(url=shown_url, detail=_first_line(error)) from error


def _first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error)
    return message.splitlines()[0] if message else type(error).__name__


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (SQLite leaves them off) and WAL, so readers never block the writer."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def create_store_engine(url: URL) -> Engine:
    """An engine for ``url``, with liasse's settings for SQLite."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    in_memory = url.database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False},
        # One shared connection, or every connection would see its own empty database.
        poolclass=StaticPool if in_memory else None,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@attrs.define(repr=False)
class Store:
    """liasse's database, open and migrated; hands out sessions."""

    engine: Engine
    _sessions: sessionmaker[Session] = attrs.field(alias="sessions")

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session that commits when the block ends and rolls back if it raises.

        Objects stay readable after the block (``expire_on_commit`` is off),
        so a service can return what it stored.
        """
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Release every pooled connection (and SQLite's file handles)."""
        self.engine.dispose()

    @property
    def url(self) -> str:
        """The database URL with any password hidden: safe for messages and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"


def open_store(url: str | None = None) -> Store:
    """Open liasse's database at ``url`` (:func:`default_store_url` when None), migrated to head.

    Raises :class:`~liasse.errors.StoreUnavailable` with a sentence when the
    URL is malformed or the database cannot be reached or migrated, and
    :class:`~liasse.errors.StoreTooNew` when a newer liasse migrated it.
    """
    raw = url if url is not None else default_store_url()
    try:
        parsed = make_url(raw)
    except ArgumentError:
        # The text may hold a password: never repeat it.
        raise StoreUnavailable(url="?", detail="URL SQLAlchemy illisible / unreadable SQLAlchemy URL") from None
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = create_store_engine(parsed)
    except (ArgumentError, ImportError) as error:
        raise StoreUnavailable(url=shown, detail=_first_line(error)) from None
    try:
        migrate(engine, shown_url=shown)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
