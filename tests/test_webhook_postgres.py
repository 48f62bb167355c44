"""BY-04, R5 on PostgreSQL (issue 5, item 10): three host servers ingest and process the same 300 deliveries; each event applies once.

An office on PostgreSQL has 300 RIB requests its contact answered at
DocSecure's sandbox. Three ``liasse webhooks serve`` processes, each with its
receiver and its worker, share the database. The test, as DocSecure, POSTs
the same 300 signed deliveries to each of the three, in a different order
each, at the same time. The unique constraint on (provider, event id) keeps
one row per event; ``FOR UPDATE SKIP LOCKED`` claims give each row to one
worker; the state machine's versioned update moves each exchange once.
"""

from __future__ import annotations

import json
import random
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from liasse.app import Liasse, open_host
from liasse.demo import DEMO_HOST_FACTORY, start_sandboxes, write_office
from liasse.desk import ContactForm
from liasse.records import ContactKind, DocumentType
from liasse.sandbox.webhooks import new_secret
from liasse.secrets import Secret
from liasse.states import RequestState
from liasse.store.models import Exchange, ExchangeTransition, WebhookEvent
from liasse.testing.webhooks import wait_for
from liasse.webhooks.signatures import sign_standard

EVENTS = 300
SERVERS = 3
PERSON = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _first_line(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout):
        process.kill()
        raise AssertionError("the webhook server printed no address")
    return process.stdout.readline().strip()


@pytest.mark.slow
def test_by04_three_servers_on_postgresql_apply_each_of_300_events_once(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    running = start_sandboxes(Liasse.open(None), ["docsecure"])
    servers: list[subprocess.Popen[str]] = []
    liasse: Liasse | None = None
    try:
        workdir = tmp_path / "office"
        config = write_office(workdir, running)
        text = re.sub(r'^url = "sqlite:[^"]*"$', f'url = "{postgres_url}"', config.read_text(encoding="utf-8"), flags=re.M)
        config.write_text(text + 'webhook_secrets = ["$file:secrets/docsecure_webhook"]\n', encoding="utf-8")
        secret = new_secret()
        (workdir / "secrets" / "docsecure_webhook").write_text(secret, encoding="utf-8")
        liasse = Liasse.open(config, host=open_host(DEMO_HOST_FACTORY, workdir / "host.sqlite3"))
        assert liasse.store.engine.dialect.name == "postgresql"
        liasse.connect("docsecure", "FICH", "etude@fichorga.example", Secret("demo-docsecure"))

        # 300 requests, each answered by the contact on the sandbox's pages; liasse has not heard yet.
        from liasse_docsecure.recipient import Recipient

        desk = liasse.desk("docsecure", "FICH")
        martin = Recipient(running["docsecure"].url, "jacques.martin@free.fr", "+33654559987")
        rib = tmp_path / "RIB.pdf"
        rib.write_bytes(TINY_PDF)
        first = desk.request_document(PERSON, DocumentType.RIB, "RIB 1", account_number="2950")
        assert first.contact_id is not None
        exchanges = [first]
        martin.answer_request(rib)
        for n in range(2, EVENTS + 1):
            exchanges.append(desk.request_document(first.contact_id, DocumentType.RIB, f"RIB {n}"))
            martin.answer_request(rib)
        remote_ids = [desk.exchange(e.id).remote_id for e in exchanges]
        assert all(remote_ids) and len(set(remote_ids)) == EVENTS

        # Three host servers on the one database.
        liasse_cmd = str(Path(sys.executable).parent / "liasse")
        for _ in range(SERVERS):
            servers.append(
                subprocess.Popen(
                    [liasse_cmd, "--config", str(config), "webhooks", "serve", "--port", "0", "--poll-every", "0"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        urls = [_first_line(server).replace("<provider>", "docsecure") for server in servers]

        # DocSecure delivers each event to each server (a retry landing on another server), all at once.
        deliveries = []
        now = int(time.time())
        for n, remote_id in enumerate(remote_ids):
            body = json.dumps({"type": "exchange.updated", "data": {"id": remote_id, "state": "received"}}).encode()
            msg_id = f"msg_pg_{n}"
            headers = {"webhook-id": msg_id, "webhook-timestamp": str(now), "webhook-signature": sign_standard(Secret(secret), msg_id, now, body)}
            deliveries.append((headers, body))
        answers: list[list[str]] = [[] for _ in servers]

        def deliver(index: int) -> None:
            order = list(deliveries)
            random.Random(index).shuffle(order)
            with requests.Session() as session:
                for headers, body in order:
                    answer = session.post(urls[index], data=body, headers=headers, timeout=30)
                    answers[index].append(answer.json().get("status", str(answer.status_code)))

        started = time.monotonic()
        threads = [threading.Thread(target=deliver, args=(i,)) for i in range(SERVERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        ingest_seconds = time.monotonic() - started

        def all_done() -> bool:
            with liasse.store.session() as session:  # type: ignore[union-attr]
                return session.scalar(sa.select(sa.func.count()).where(WebhookEvent.status == "done")) == EVENTS

        assert wait_for(all_done, timeout=120), [s.poll() for s in servers]
        total_seconds = time.monotonic() - started
        outputs = []
        for server in servers:
            server.send_signal(signal.SIGINT)
            out, err = server.communicate(timeout=30)
            assert server.returncode == 0, err
            outputs.append(out)
        servers.clear()

        flat = [status for per_server in answers for status in per_server]
        assert len(flat) == EVENTS * SERVERS
        assert flat.count("accepted") == EVENTS and flat.count("duplicate") == EVENTS * (SERVERS - 1)
        processed = [int(re.search(r"^(\d+) notification\(s\) traitée\(s\), 0 en échec\.$", out, flags=re.M).group(1)) for out in outputs]  # type: ignore[union-attr]
        assert sum(processed) == EVENTS
        with liasse.store.session() as session:
            events = session.scalars(sa.select(WebhookEvent)).all()
            moves = session.execute(
                sa.select(ExchangeTransition.exchange_id, sa.func.count())
                .where(ExchangeTransition.target == "to_import", ExchangeTransition.by == "webhook")
                .group_by(ExchangeTransition.exchange_id)
            ).all()
            states = session.scalars(sa.select(Exchange.state).where(Exchange.id.in_([e.id for e in exchanges]))).all()
        assert len(events) == EVENTS and {e.attempts for e in events} == {1}
        assert sorted(count for _, count in moves) == [1] * EVENTS
        assert set(states) == {RequestState.TO_IMPORT.value}
        duplicates = sum(count - 1 for _, count in moves) + (len(events) - len({e.event_id for e in events}))
        with capsys.disabled():
            print(
                f"\nconcurrent events on PostgreSQL / duplicates: {EVENTS} / {duplicates} "
                f"({SERVERS} servers, {EVENTS * SERVERS} deliveries in {ingest_seconds:.1f} s, "
                f"all applied in {total_seconds:.1f} s, processed per server: {processed})"
            )
        assert duplicates == 0
    finally:
        for server in servers:
            server.kill()
            server.communicate(timeout=10)
        if liasse is not None:
            liasse.close()
        for server in running.values():
            server.stop()
