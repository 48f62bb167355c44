"""Several host servers, one office (issue 5, item 10): three relays drain one outbox at once.

300 DocSecure sends are committed to the outbox, then three relay processes
(forked from :mod:`relay_zygote`, each with its own database connections)
run a pass at the same moment against one sandbox. On PostgreSQL they claim
rows ``FOR UPDATE SKIP LOCKED``; on SQLite the claim is one ``UPDATE``, the
database's write lock doing the rest. Whatever the split, DocSecure must hold
each send exactly once (its own exchanges, its journal of ``POST /sends``, the
e-mails it sent) and no row may be left behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from liasse.app import Liasse
from liasse.desk import ContactForm
from liasse.records import ContactKind
from liasse.secrets import Secret
from liasse.states import SendState
from liasse.store.models import OutboxEntry

SENDS = 300
RELAYS = 3
AUTH = ("etude@fichorga.example", "demo-docsecure")
CONTACT = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
ZYGOTE = Path(__file__).with_name("relay_zygote.py")


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest) -> str:
    """The office's database: LIASSE_DATABASE_URL on PostgreSQL (as several servers share it), else its SQLite file."""
    return str(request.param)


@pytest.fixture
def office(
    database: str, request: pytest.FixtureRequest, liasse_office: Callable[..., Liasse], monkeypatch: pytest.MonkeyPatch
) -> Liasse:
    liasse = liasse_office("docsecure")
    if database == "postgresql":
        url = str(request.getfixturevalue("postgres_url"))
        # Set after the office was written: its liasse.toml names SQLite, the variable wins (as documented).
        monkeypatch.setenv("LIASSE_DATABASE_URL", url)
        liasse.close()
        assert liasse.settings.path is not None
        liasse = Liasse.open(liasse.settings.path)
        request.addfinalizer(liasse.close)
        assert liasse.store.engine.dialect.name == "postgresql"
        # A new database: FICH connects again, as on a new server.
        liasse.connect("docsecure", "FICH", AUTH[0], Secret(AUTH[1]))
    return liasse


@pytest.fixture
def relays(tmp_path: Path, office: Liasse) -> Iterator[Callable[..., list[dict[str, Any]]]]:
    # Started after LIASSE_DATABASE_URL is set: the relays inherit it, as a second server would.
    process = subprocess.Popen([sys.executable, str(ZYGOTE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    assert json.loads(process.stdout.readline()) == {"ready": True}

    def run(**command: Any) -> list[dict[str, Any]]:
        assert process.stdin is not None and process.stdout is not None
        payload = {"config": str(office.settings.path), "report": str(tmp_path / "report"), **command}
        process.stdin.write(json.dumps(payload) + "\n")
        process.stdin.flush()
        answers: list[dict[str, Any]] = json.loads(process.stdout.readline())
        return answers

    yield run
    process.stdin.close()
    process.wait(timeout=30)


def sends_by_key(sandbox: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        body = requests.get(f"{sandbox}/api/v1/exchanges", params=params, auth=AUTH, timeout=30).json()
        for item in body["exchanges"]:
            if item["kind"] == "send" and item["state"] == "sent":
                found.setdefault(item["idempotency_key"], []).append(item["id"])
        if not body["has_more"]:
            return found
        cursor = body["cursor"]


def test_fw03_three_relays_drain_one_outbox_each_send_made_once(
    database: str, office: Liasse, relays: Callable[..., list[dict[str, Any]]], tmp_path: Path
) -> None:
    sandbox = str(office.provider_settings("docsecure").base_url)
    desk = office.desk("docsecure", "FICH")
    contact = desk.create_contact(CONTACT, "2950")
    note = tmp_path / "note.txt"
    note.write_bytes(b"Pieces de la vente.\n" * 50)
    queued = [desk.send_file(contact.id, note, label=f"Envoi {n}", deliver=False).id for n in range(SENDS)]

    answers = relays(processes=RELAYS, lease=600)
    assert [a["exit"] for a in answers] == [0] * RELAYS, answers
    split = [sum(a["report"].values()) for a in answers]
    assert sum(split) == SENDS and all(a["report"].keys() <= {"done"} for a in answers), answers
    print(f"\n{database}: {SENDS} sends drained by {RELAYS} relays, split {split}")

    held = sends_by_key(sandbox)
    with office.store.session() as session:
        rows = session.query(OutboxEntry).filter(OutboxEntry.exchange_id.in_(queued)).all()
        keys = {row.idempotency_key for row in rows}
        assert Counter(row.status for row in rows) == {"done": SENDS}, "no row stuck"
        assert all(row.attempts == 1 for row in rows), "no row claimed twice"
    assert keys <= held.keys(), "a send was lost"
    assert {key: ids for key, ids in held.items() if len(ids) > 1} == {}, "a send was made twice"
    posts = requests.get(f"{sandbox}/_sandbox/requests", params={"path": "/api/v1/sends", "method": "POST"}, timeout=30).json()
    opened = Counter(p["idempotency_key"] for p in posts if p["path"] == "/api/v1/sends")
    assert set(opened.values()) == {1} and len(opened) == SENDS, "each send opened once, not replayed"
    mails = requests.get(f"{sandbox}/_sandbox/outbox", params={"to": CONTACT.email, "channel": "email"}, timeout=30).json()
    assert len(mails) == SENDS
    assert {desk.exchange(i).state for i in queued} == {SendState.SENT}
