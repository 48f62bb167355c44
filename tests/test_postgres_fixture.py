"""The PostgreSQL fixture gives each test a fresh database that liasse's store migrates (issue 5, item 10)."""

from __future__ import annotations

import sqlalchemy as sa

from liasse.store import open_store


def test_store_migrates_a_fresh_postgres_database(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        with store.engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
        assert {"exchanges", "outbox", "liasse_alembic_version"} <= tables
    finally:
        store.engine.dispose()
