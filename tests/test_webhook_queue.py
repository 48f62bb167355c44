"""BY-04, R5: the webhook queue in liasse's store: one row per event, exclusive claims, leases, retries.

On SQLite here (a file, several connections as several processes would
have); ``test_webhook_postgres.py`` runs the same guarantees on PostgreSQL
with three processes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from liasse.records import WebhookNotice
from liasse.store import Store, WebhookEvent, open_store
from liasse.webhooks import queue

#: When the notices say their events happened (a value carried, never compared with the clock).
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'liasse.sqlite3').as_posix()}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.close()


def notice(n: int, **changes: object) -> WebhookNotice:
    fields: dict[str, object] = {"event_id": f"msg_{n}", "kind": "exchange.updated", "remote_ids": (f"ex_{n}",), "occurred_at": NOW}
    fields.update(changes)
    return WebhookNotice(**fields)  # type: ignore[arg-type]


def test_by04_an_event_is_recorded_once_per_provider(store: Store) -> None:
    first = queue.record(store, "docsecure", notice(1), "a" * 64)
    again = queue.record(store, "docsecure", notice(1, remote_ids=("ex_other",)), "b" * 64)
    elsewhere = queue.record(store, "esign", notice(1), "a" * 64)
    assert not first.duplicate and again.duplicate and not elsewhere.duplicate
    with store.session() as session:
        rows = session.scalars(sa.select(WebhookEvent).order_by(WebhookEvent.id)).all()
    assert [(r.provider, r.remote_ids, r.status) for r in rows] == [("docsecure", '["ex_1"]', "pending"), ("esign", '["ex_1"]', "pending")]


def test_by04_untrusted_notice_is_kept_untrusted(store: Store) -> None:
    queue.record(store, "ar24", notice(7, trusted=False, account="12", occurred_at=None), "c" * 64)
    (claimed,) = queue.claim(store, now=dt.datetime.now(dt.UTC))
    assert claimed.notice == notice(7, trusted=False, account="12", occurred_at=None, provider="ar24")


def test_by04_concurrent_claims_share_the_events_without_overlap(store: Store, db_url: str) -> None:
    for n in range(200):
        queue.record(store, "docsecure", notice(n), "a" * 64)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    taken: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        # Its own engine: as a separate process would have.
        own = open_store(db_url)
        try:
            while batch := queue.claim(own, 7, now=later):
                taken[index].extend(event.id for event in batch)
                for event in batch:
                    assert queue.finish(own, event)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    every = [event_id for ids in taken for event_id in ids]
    assert len(every) == len(set(every)) == 200
    assert queue.counts(store) == {"done": 200}


def test_by04_a_crashed_workers_claim_is_taken_over_after_its_lease(store: Store) -> None:
    queue.record(store, "docsecure", notice(1), "a" * 64)
    # Recorded events are due from the moment they arrive (the real clock): claims are timed from it.
    start = dt.datetime.now(dt.UTC)
    (held,) = queue.claim(store, now=start + dt.timedelta(seconds=1))
    assert queue.claim(store, now=start + dt.timedelta(minutes=4)) == []  # the lease holds
    (again,) = queue.claim(store, now=start + dt.timedelta(minutes=6))  # the worker died: taken over
    assert (again.id, again.attempts) == (held.id, 2)
    assert queue.finish(store, held) is False  # the dead worker's claim no longer counts
    assert queue.finish(store, again) is True


def test_by04_failures_wait_longer_each_time_then_are_given_up(store: Store) -> None:
    queue.record(store, "docsecure", notice(1), "a" * 64)
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    waits = []
    status = ""
    for _ in range(queue.MAX_ATTEMPTS):
        (event,) = queue.claim(store, now=moment)
        status = queue.fail(store, event, "DocSecure ne répond pas (503). Rien n'est perdu : réessayez plus tard.", now=moment)
        with store.session() as session:
            row = session.scalars(sa.select(WebhookEvent)).one()
        waits.append(row.next_attempt_at - moment)
        assert queue.claim(store, now=row.next_attempt_at - dt.timedelta(seconds=1)) == []
        moment = row.next_attempt_at
    assert status == "dead" and row.last_error and "503" in row.last_error
    assert waits[:4] == [dt.timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == queue.MAX_DELAY
    assert queue.claim(store, now=moment + dt.timedelta(days=1)) == []


def test_by04_the_migration_goes_down_and_up_again(store: Store) -> None:
    from alembic import command

    from liasse.store.database import alembic_config, current_revision

    queue.record(store, "docsecure", notice(1), "a" * 64)
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0002")
    with store.engine.connect() as connection:
        assert current_revision(connection) == "0002"
        assert "status" not in {c["name"] for c in sa.inspect(connection).get_columns("webhook_events")}
    with store.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    # An event recorded before stays recorded, and is not processed again (it predates processing).
    assert queue.counts(store) == {"done": 1}
