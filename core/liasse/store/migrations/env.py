"""Alembic's entry point for liasse's migrations.

liasse runs its migrations itself (:func:`liasse.store.database.migrate`) on
a connection it passes in ``config.attributes["connection"]``, with a
configuration built in code: no ``alembic.ini`` is needed. A developer who
writes a new migration does the same::

    from alembic import command
    from sqlalchemy import create_engine
    from liasse.store.database import alembic_config

    engine = create_engine("sqlite:///dev.sqlite3")   # a database at head
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message="...", autogenerate=True)
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from liasse.store.database import VERSION_TABLE
from liasse.store.models import Base, UtcDateTime

config = context.config


def render_item(type_: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write :class:`UtcDateTime` as the plain type it stores, so migrations never import the models."""
    if type_ == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_offline() -> None:
    """Write the SQL of the migrations (``--sql``) for a DBA to apply by hand."""
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("offline migrations need the database URL in the 'sqlalchemy.url' option")
    context.configure(
        url=url,
        literal_binds=True,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Apply the migrations on the connection liasse passed in."""
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "liasse's migrations run on a connection passed in config.attributes['connection']; "
            "build the configuration with liasse.store.database.alembic_config(connection)"
        )
    # Batch mode: SQLite can only change a table by copying it.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
