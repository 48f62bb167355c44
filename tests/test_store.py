"""liasse's own database: migrations, the models' agreement with them, and state history.

FW: the store is migrated on open, its ORM models match its migrations, and
an exchange's state only changes through the state machine, with its date
and its history row written together (DS-20, DS-24, DS-25, DS-26).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from liasse.errors import ExchangeChanged, IllegalTransition, StoreTooNew, StoreUnavailable
from liasse.states import RequestState, SendState
from liasse.store import (
    Base,
    Exchange,
    ExchangeMove,
    ExchangeTransition,
    OutboxEntry,
    ProviderContact,
    Store,
    StoredCredentials,
    SyncCursor,
    WebhookEvent,
    default_store_url,
    open_store,
    record_moves,
    record_transition,
    record_transitions,
)
from liasse.store import database
from liasse.store.database import VERSION_TABLE, head_revision

TABLES = {
    "provider_contacts",
    "exchanges",
    "exchange_transitions",
    "outbox",
    # Shared zone (0009, JZ-01 … JZ-08).
    "shared_files",
    "shared_documents",
    "shares",
    "share_recipients",
    "share_notifications",
    "credentials",
    "webhook_events",
    "sync_cursors",
    "audit_log",
    "registered_letters",
    "registered_consents",
    "registered_payment_links",
    "signature_files",
    "signature_signers",
    "signature_placements",
}

T0 = dt.datetime(2023, 10, 9, 14, 29, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on a SQLite file and on PostgreSQL (several host servers, issue 5 item 10)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{(tmp_path / 'liasse.sqlite3').as_posix()}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.close()


def _request(session: Session, *, kind: str = "request", state: str = "pending", remote_id: str | None = None) -> Exchange:
    exchange = Exchange(
        provider="docsecure",
        provider_account="etude@example.fr",
        kind=kind,
        document_type="rib" if kind == "request" else None,
        label="RIB de M. MARTIN",
        account_number="2950",
        state=state,
        remote_id=remote_id,
        created_by="marie",
    )
    session.add(exchange)
    session.flush()
    return exchange


def _snapshot(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with store.engine.connect() as connection:
        exchanges = [tuple(row) for row in connection.execute(sa.text("SELECT * FROM exchanges ORDER BY id"))]
        history = [tuple(row) for row in connection.execute(sa.text("SELECT * FROM exchange_transitions ORDER BY id"))]
    return exchanges, history


# --- migrations ---------------------------------------------------------------


def test_fw_migrations_create_every_table_on_a_fresh_file(store: Store, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        assert Path(db_url.removeprefix("sqlite:///")).is_file()
    names = set(sa.inspect(store.engine).get_table_names())
    assert TABLES <= names
    assert VERSION_TABLE in names
    assert "alembic_version" not in names  # cannot clash with a host's own Alembic table
    with store.engine.connect() as connection:
        version = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one()
    assert version == head_revision()


def test_fw_models_and_migrations_agree(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert {table.name for table in Base.metadata.sorted_tables} == TABLES


def test_fw_models_and_migrations_meta_test_can_fail(store: Store) -> None:
    # The comparison above would see a column the migrations do not create.
    metadata = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["outbox"].append_column(sa.Column("forgotten", sa.String(10)))
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        differences = compare_metadata(context, metadata)
    assert [diff[0] for diff in differences] == ["add_column"]


def test_fw_reopening_an_existing_store_does_not_fail(db_url: str) -> None:
    first = open_store(db_url)
    with first.session() as session:
        _request(session)
    first.close()
    for _ in range(2):
        again = open_store(db_url)
        with again.session() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Exchange)) == 1
        again.close()


def test_fw_sqlite_has_foreign_keys_and_wal(store: Store) -> None:
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with pytest.raises(IntegrityError):
        with store.session() as session:
            session.add(ExchangeTransition(exchange_id=999, source="pending", target="sent", at=T0, by="marie"))


def test_fw_in_memory_store_keeps_one_database() -> None:
    with open_store("sqlite://") as memory:
        with memory.session() as session:
            _request(session)
        with memory.session() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Exchange)) == 1


def test_fw_store_newer_than_this_liasse_is_refused(store: Store, db_url: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreTooNew) as caught:
        open_store(db_url)
    assert "9999" in caught.value.message("fr")


def test_fw_unreadable_url_is_a_sentence_without_the_password() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        open_store("not a url :// s3cr3t-pass")
    assert "s3cr3t-pass" not in str(caught.value)
    assert "LIASSE_DATABASE_URL" in caught.value.message("fr")


def test_fw_unreachable_database_is_a_sentence(tmp_path: Path) -> None:
    missing_dir = tmp_path / "nowhere" / "liasse.sqlite3"
    with pytest.raises(StoreUnavailable) as caught:
        open_store(f"sqlite:///{missing_dir.as_posix()}")
    assert "nowhere" in str(caught.value)


# --- where the database is ----------------------------------------------------


def test_fw_liasse_database_url_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'from-env.sqlite3').as_posix()}"
    monkeypatch.setenv("LIASSE_DATABASE_URL", url)
    assert default_store_url() == url
    with open_store() as opened:
        assert opened.url == url
    assert (tmp_path / "from-env.sqlite3").is_file()


def test_fw_default_store_is_a_sqlite_file_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    data_dir = tmp_path / "data" / "liasse"
    monkeypatch.setattr(database.platformdirs, "user_data_dir", lambda *args, **kwargs: str(data_dir))
    url = default_store_url()
    assert data_dir.is_dir()
    assert url == f"sqlite:///{(data_dir / 'liasse.sqlite3').as_posix()}"


def test_fw_database_password_never_shows_in_messages() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        open_store("postgresql+nosuchdriver://liasse:hunter2@db.example/liasse")
    assert "hunter2" not in str(caught.value)
    assert "db.example" in str(caught.value)


def test_fw_store_repr_names_its_database(store: Store, db_url: str) -> None:
    shown = sa.engine.make_url(db_url).render_as_string(hide_password=True)
    assert repr(store) == f"Store({shown!r})"
    assert "liasse:liasse@" not in repr(store)


# --- sessions and constraints -------------------------------------------------


def test_fw_session_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.session() as session:
            _request(session)
            raise RuntimeError("boom")
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Exchange)) == 0


def test_fw_outbox_idempotency_key_is_unique(store: Store) -> None:
    with store.session() as session:
        first = OutboxEntry(provider="docsecure", operation="liasse_send_documents")
        session.add(first)
        session.flush()
        key = first.idempotency_key
    assert len(key) == 36 and key.count("-") == 4
    assert first.status == "pending" and first.attempts == 0
    with pytest.raises(IntegrityError):
        with store.session() as session:
            session.add(OutboxEntry(idempotency_key=key, provider="docsecure", operation="liasse_remind"))
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxEntry)) == 1


def test_fw_outbox_status_is_checked(store: Store) -> None:
    with pytest.raises(IntegrityError):
        with store.session() as session:
            session.add(OutboxEntry(provider="docsecure", operation="liasse_remind", status="sent-ish"))


def test_fw_webhook_event_is_recorded_once(store: Store) -> None:
    with store.session() as session:
        session.add(WebhookEvent(provider="esign", event_id="evt-1", body_sha256="0" * 64))
    with pytest.raises(IntegrityError):
        with store.session() as session:
            session.add(WebhookEvent(provider="esign", event_id="evt-1", body_sha256="1" * 64))
    with store.session() as session:
        session.add(WebhookEvent(provider="ar24", event_id="evt-1", body_sha256="0" * 64))


def test_fw_exchange_remote_id_is_unique_per_provider(store: Store) -> None:
    with store.session() as session:
        _request(session, remote_id="R-1")
    with pytest.raises(IntegrityError):
        with store.session() as session:
            _request(session, remote_id="R-1")


def test_ds30_contact_without_account_then_associated(store: Store) -> None:
    with store.session() as session:
        contact = ProviderContact(
            provider="docsecure",
            provider_account="etude@example.fr",
            kind="person",
            first_name="Jacques",
            last_name="MARTIN",
            email="jacques.martin@example.fr",
            mobile="+33612345678",
            created_by="marie",
        )
        session.add(contact)
        session.flush()
        contact_id = contact.id
        assert contact.account_number is None and contact.remote_id is None and contact.archived is False
    with store.session() as session:
        stored = session.get_one(ProviderContact, contact_id)
        stored.account_number = "2950"  # DS-31
    with store.session() as session:
        assert session.get_one(ProviderContact, contact_id).account_number == "2950"


def test_fw_contact_kind_is_checked(store: Store) -> None:
    with pytest.raises(IntegrityError):
        with store.session() as session:
            session.add(
                ProviderContact(
                    provider="docsecure",
                    provider_account="a",
                    kind="robot",
                    first_name="x",
                    last_name="y",
                    email="z@example.fr",
                    created_by="marie",
                )
            )


def test_fw_sync_cursor_is_per_provider_account(store: Store) -> None:
    with store.session() as session:
        session.add(SyncCursor(provider="docsecure", provider_account="a", cursor="c1"))
        session.add(SyncCursor(provider="docsecure", provider_account="b", cursor=None))
    with pytest.raises(IntegrityError):
        with store.session() as session:
            session.add(SyncCursor(provider="docsecure", provider_account="a", cursor="c2"))


def test_fw_credentials_row_is_unique_per_user_and_provider(store: Store) -> None:
    row = {"provider": "docsecure", "nonce": b"n" * 12, "ciphertext": b"c", "key_id": "abcd1234"}
    with store.session() as session:
        session.add(StoredCredentials(user_login="marie", **row))
    with pytest.raises(IntegrityError):
        with store.session() as session:
            session.add(StoredCredentials(user_login="marie", **row))


# --- dates --------------------------------------------------------------------


def test_fw_dates_come_back_aware_in_utc(store: Store) -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    with store.session() as session:
        exchange = _request(session)
        exchange.sent_at = dt.datetime(2023, 10, 9, 16, 29, tzinfo=paris)
        exchange_id = exchange.id
    with store.session() as session:
        loaded = session.get_one(Exchange, exchange_id)
        session.refresh(loaded)
        assert loaded.sent_at == T0
        assert loaded.sent_at is not None and loaded.sent_at.tzinfo is dt.UTC
        assert loaded.created_at.tzinfo is dt.UTC


def test_fw_naive_dates_are_refused(store: Store) -> None:
    with pytest.raises(StatementError):
        with store.session() as session:
            exchange = _request(session)
            exchange.sent_at = dt.datetime(2023, 10, 9, 16, 29)
            session.flush()


# --- record_transition --------------------------------------------------------


def test_ds20_record_transition_writes_state_date_and_history(store: Store) -> None:
    with store.session() as session:
        exchange = _request(session)
        record_transition(session, exchange, RequestState.SENT, by="marie", at=T0)
        exchange_id = exchange.id
    reminded = T0 + dt.timedelta(days=2)
    answered = T0 + dt.timedelta(days=3)
    imported = T0 + dt.timedelta(days=4)
    with store.session() as session:
        exchange = session.get_one(Exchange, exchange_id)
        record_transition(session, exchange, RequestState.REMINDED, by="marie", at=reminded)
        record_transition(session, exchange, "to_import", by="webhook", at=answered)
        record_transition(session, exchange, RequestState.IMPORTED, by="marie", at=imported)
    with store.session() as session:
        exchange = session.get_one(Exchange, exchange_id)
        assert exchange.state == "imported"
        assert (exchange.sent_at, exchange.reminded_at, exchange.done_at, exchange.imported_at) == (
            T0,
            reminded,
            answered,
            imported,
        )
        history = session.scalars(
            sa.select(ExchangeTransition).where(ExchangeTransition.exchange_id == exchange_id).order_by(ExchangeTransition.id)
        ).all()
        assert [(row.source, row.target, row.by, row.at) for row in history] == [
            ("pending", "sent", "marie", T0),
            ("sent", "reminded", "marie", reminded),
            ("reminded", "to_import", "webhook", answered),
            ("to_import", "imported", "marie", imported),
        ]


def test_ds24_each_reminder_updates_the_last_reminder_time(store: Store) -> None:
    with store.session() as session:
        exchange = _request(session, state="sent")
        record_transition(session, exchange, RequestState.REMINDED, by="marie", at=T0)
        later = T0 + dt.timedelta(days=1)
        record_transition(session, exchange, RequestState.REMINDED, by="marie", at=later)
        assert exchange.reminded_at == later
        assert len(exchange.transitions) == 2


def test_ds25_send_done_stamps_the_download_time(store: Store) -> None:
    with store.session() as session:
        exchange = _request(session, kind="send", state="sent")
        record_transition(session, exchange, SendState.DONE, by="sync", at=T0)
        assert exchange.state == "done" and exchange.done_at == T0


def test_fw_record_transition_defaults_to_now(store: Store) -> None:
    before = dt.datetime.now(dt.UTC)
    with store.session() as session:
        exchange = _request(session)
        transition = record_transition(session, exchange, RequestState.SENT, by="marie")
    assert before <= transition.at <= dt.datetime.now(dt.UTC)
    assert exchange.sent_at == transition.at


def test_fw_failure_keeps_its_sentence_and_a_sent_clears_it(store: Store) -> None:
    with store.session() as session:
        exchange = _request(session)
        record_transition(session, exchange, RequestState.FAILED, by="marie", error="DocSecure ne répond pas.")
        assert exchange.last_error == "DocSecure ne répond pas."
        record_transition(session, exchange, RequestState.PENDING, by="marie")
        record_transition(session, exchange, RequestState.SENT, by="marie")
        assert exchange.last_error is None


def test_fw_illegal_transition_leaves_the_database_unchanged(store: Store) -> None:
    with store.session() as session:
        exchange = _request(session)
        record_transition(session, exchange, RequestState.SENT, by="marie", at=T0)
        exchange_id = exchange.id
    before = _snapshot(store)
    # Caught inside the block: the session still commits, and must have nothing to commit.
    with store.session() as session:
        exchange = session.get_one(Exchange, exchange_id)
        with pytest.raises(IllegalTransition):
            record_transition(session, exchange, RequestState.IMPORTED, by="marie")
        assert exchange.state == "sent" and exchange.imported_at is None
        assert not session.dirty and not session.new
    assert _snapshot(store) == before
    # Escaping the block: rolled back as well.
    with pytest.raises(IllegalTransition):
        with store.session() as session:
            record_transition(session, session.get_one(Exchange, exchange_id), RequestState.PENDING, by="marie")
    assert _snapshot(store) == before


def test_fw_record_transition_refuses_a_state_of_the_other_machine(store: Store) -> None:
    with store.session() as session:
        exchange = _request(session)
        with pytest.raises(TypeError):
            record_transition(session, exchange, SendState.SENT, by="marie")
        assert exchange.state == "pending"


def test_fw_two_workers_cannot_both_move_the_same_exchange(store: Store) -> None:
    with store.session() as session:
        exchange_id = _request(session, state="sent").id
    webhook_session = store._sessions()
    sync_session = store._sessions()
    try:
        by_webhook = webhook_session.get_one(Exchange, exchange_id)
        by_sync = sync_session.get_one(Exchange, exchange_id)
        record_transition(webhook_session, by_webhook, RequestState.TO_IMPORT, by="webhook", at=T0)
        webhook_session.commit()
        with pytest.raises(ExchangeChanged):
            record_transition(sync_session, by_sync, RequestState.TO_IMPORT, by="sync", at=T0)
        sync_session.rollback()
    finally:
        webhook_session.close()
        sync_session.close()
    with store.session() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(ExchangeTransition))
    assert count == 1


def test_fw_kinds_without_a_machine_are_recorded_as_given(store: Store) -> None:
    with store.session() as session:
        exchange = _request(session, kind="signature", state="draft")
        record_transition(session, exchange, "ongoing", by="marie", at=T0)
        assert exchange.state == "ongoing"
        assert [(row.source, row.target) for row in exchange.transitions] == [("draft", "ongoing")]


def test_ar08_a_batch_of_transitions_is_written_in_one_flush(store: Store) -> None:
    """AR-08: a bulk send records its chunk's letters at once; each keeps its own history row."""
    with store.session() as session:
        rows = [_request(session) for _ in range(3)]
        ids = [row.id for row in rows]
    with store.session() as session:
        rows = [session.get_one(Exchange, i) for i in ids]
        moves = [(rows[0], RequestState.SENT, None), (rows[1], RequestState.SENT, None), (rows[2], RequestState.FAILED, "refusé")]
        transitions = record_transitions(session, moves, by="marie", at=T0)
        assert [t.target for t in transitions] == ["sent", "sent", "failed"]
    with store.session() as session:
        states = {r.id: (r.state, r.last_error, r.sent_at) for r in session.scalars(sa.select(Exchange))}
        history = session.scalar(sa.select(sa.func.count()).select_from(ExchangeTransition))
    assert states[ids[0]] == ("sent", None, T0) and states[ids[2]][:2] == ("failed", "refusé")
    assert history == 3


def test_ar08_moves_by_id_write_states_errors_remote_ids_and_history_without_loading_rows(store: Store) -> None:
    """AR-08: a bulk send records by id what its commit knows; each letter keeps its own history row."""
    with store.session() as session:
        ids = [_request(session).id for _ in range(3)]
    moves = [
        ExchangeMove(ids[0], "request", "pending", RequestState.SENT, label="RIB 1", remote_id="DS-1"),
        ExchangeMove(ids[1], "request", "pending", RequestState.SENT, label="RIB 2", remote_id="DS-2"),
        ExchangeMove(ids[2], "request", "pending", RequestState.FAILED, label="RIB 3", error="refusé"),
    ]
    with store.session() as session:
        record_moves(session, moves, by="marie", at=T0)
    with store.session() as session:
        rows = {r.id: (r.state, r.remote_id, r.last_error, r.sent_at) for r in session.scalars(sa.select(Exchange))}
        history = [(t.exchange_id, t.source, t.target, t.by, t.at) for t in session.scalars(sa.select(ExchangeTransition))]
    assert rows[ids[0]] == ("sent", "DS-1", None, T0) and rows[ids[1]][:2] == ("sent", "DS-2")
    assert rows[ids[2]] == ("failed", None, "refusé", None)
    assert sorted(history) == sorted([(i, "pending", t, "marie", T0) for i, t in zip(ids, ["sent", "sent", "failed"])])


def test_ar08_an_illegal_move_by_id_writes_none_of_the_batch(store: Store) -> None:
    with store.session() as session:
        ids = [_request(session).id for _ in range(2)]
    before = _snapshot(store)
    moves = [
        ExchangeMove(ids[0], "request", "pending", RequestState.SENT),
        ExchangeMove(ids[1], "request", "pending", RequestState.IMPORTED),
    ]
    with pytest.raises(IllegalTransition):
        with store.session() as session:
            record_moves(session, moves, by="marie")
    assert _snapshot(store) == before


def test_ar08_moves_by_id_with_a_row_moved_elsewhere_are_refused_whole_and_name_it(store: Store) -> None:
    """The guard is the state the caller saw: a webhook's move in between is not overwritten, and nothing is written."""
    with store.session() as session:
        ids = [_request(session).id for _ in range(3)]
    with store.session() as session:
        record_transition(session, session.get_one(Exchange, ids[1]), RequestState.SENT, by="webhook", at=T0)
    before = _snapshot(store)
    moves = [ExchangeMove(i, "request", "pending", RequestState.SENT, label=f"RIB {n}") for n, i in enumerate(ids, 1)]
    with pytest.raises(ExchangeChanged) as refused:
        with store.session() as session:
            record_moves(session, moves, by="marie", at=T0)
    assert "RIB 2" in refused.value.message() and "RIB 1" not in refused.value.message()
    assert _snapshot(store) == before


def test_ar08_moves_by_id_need_an_aware_time(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        with store.session() as session:
            record_moves(session, [], by="marie", at=dt.datetime(2023, 10, 9, 14, 29))


def test_ar08_an_illegal_move_in_a_batch_writes_none_of_it(store: Store) -> None:
    with store.session() as session:
        ids = [_request(session).id for _ in range(2)]
    before = _snapshot(store)
    with pytest.raises(IllegalTransition):
        with store.session() as session:
            first, second = (session.get_one(Exchange, i) for i in ids)
            record_transitions(session, [(first, RequestState.SENT, None), (second, RequestState.IMPORTED, None)], by="marie")
    assert _snapshot(store) == before


def test_ar08_a_batch_with_a_row_moved_elsewhere_is_refused_whole(store: Store) -> None:
    with store.session() as session:
        ids = [_request(session).id for _ in range(2)]
    other = store._sessions()
    mine = store._sessions()
    try:
        rows = [mine.get_one(Exchange, i) for i in ids]
        record_transition(other, other.get_one(Exchange, ids[1]), RequestState.SENT, by="webhook", at=T0)
        other.commit()
        with pytest.raises(ExchangeChanged):
            record_transitions(mine, [(row, RequestState.SENT, None) for row in rows], by="marie", at=T0)
        mine.rollback()
    finally:
        other.close()
        mine.close()
    with store.session() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(ExchangeTransition))
    assert count == 1
