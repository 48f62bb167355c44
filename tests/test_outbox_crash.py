"""Exactly-once under crashes (issue 5, R3): the relay SIGKILLed at four windows, 25 times each.

Windows (research notes §1.3 and §4 test 2), each armed in the relay by
``LIASSE_CRASH_AT``:

* ``after_commit`` (W0): the row is claimed and committed, nothing sent yet;
* ``after_send`` (W1): the provider took the request, the answer is not recorded;
* ``slow``: the provider takes 0.6 s to answer and the relay dies 0.3 s into the call;
* ``read_timeout``: the read timeout is 0.5 s, the provider answers after 1 s
  (it does the request all the same), the relay dies 0.35 s into the wait.

Each trial is one request committed to the outbox, then one relay pass in a
fresh process (forked from :mod:`relay_zygote`, which imported liasse once)
that the crash hook kills. Then the relay is restarted once: every row is
claimed again once its lease has run out, reconciled with DocSecure by its key,
and sent only if DocSecure does not have it. The counts are read in the
sandbox's own state: its exchanges and the e-mails it sent the contact.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
from liasse.app import Liasse
from liasse.demo import open_demo_office
from liasse.desk import ContactForm
from liasse.records import ContactKind, DocumentType
from liasse.sandbox import RunningSandbox, serve
from liasse.states import RequestState
from liasse.store.models import OutboxEntry
from liasse_docsecure.sandbox import create_sandbox

TRIALS = 25
#: Longer than a trial loop: a trial's relay never takes over an earlier trial's row.
LEASE = 60.0
AUTH = ("etude@fichorga.example", "demo-docsecure")
CONTACT = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
ZYGOTE = Path(__file__).with_name("relay_zygote.py")


@attrs.frozen
class Window:
    """A crash window: the hook's value, the provider's slowness, the relay's read timeout."""

    crash_at: str
    delay: float | None = None
    read_timeout: float | None = None


WINDOWS = {
    "after_commit": Window("after_commit"),
    "after_send": Window("after_send"),
    "slow": Window("during_call:0.3", delay=0.6),
    "read_timeout": Window("during_call:0.35", delay=1.0, read_timeout=0.5),
}


class Relays:
    """The zygote process: one forked relay pass per command."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert json.loads(self._line()) == {"ready": True}

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"relay zygote exited with {self.process.poll()}"
        return line

    def run(self, config: Path, **command: Any) -> list[dict[str, Any]]:
        """One relay pass (or ``processes`` at once) on the office; the children's answers."""
        assert self.process.stdin is not None
        payload = {"config": str(config), "report": str(self.workdir / "report"), **command}
        self.process.stdin.write(json.dumps(payload) + "\n")
        self.process.stdin.flush()
        answers: list[dict[str, Any]] = json.loads(self._line())
        return answers

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with serve(create_sandbox()) as running:
        yield running


@pytest.fixture(scope="module")
def office(sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Liasse]:
    liasse = open_demo_office(tmp_path_factory.mktemp("crash-office"), {"docsecure": sandbox})
    yield liasse
    liasse.close()


@pytest.fixture(scope="module")
def relays(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Relays]:
    zygote = Relays(tmp_path_factory.mktemp("relays"))
    yield zygote
    zygote.close()


def emails_to_contact(sandbox: RunningSandbox) -> int:
    got = requests.get(f"{sandbox.url}/_sandbox/outbox", params={"to": CONTACT.email, "channel": "email"}, timeout=10)
    return len(got.json())


def remote_by_key(sandbox: RunningSandbox) -> dict[str, list[str]]:
    """Every request DocSecure holds, by the idempotency key that created it."""
    found: dict[str, list[str]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        body = requests.get(f"{sandbox.url}/api/v1/exchanges", params=params, auth=AUTH, timeout=10).json()
        for item in body["exchanges"]:
            if item["kind"] == "request":
                found.setdefault(item["idempotency_key"], []).append(item["id"])
        if not body["has_more"]:
            return found
        cursor = body["cursor"]


@pytest.mark.parametrize("window", list(WINDOWS))
def test_r3_relay_killed_25_times_loses_nothing_and_sends_nothing_twice(
    window: str, office: Liasse, sandbox: RunningSandbox, relays: Relays
) -> None:
    spec = WINDOWS[window]
    assert office.settings.path is not None
    config = office.settings.path
    desk = office.desk("docsecure", "FICH")
    contact = desk.create_contact(CONTACT, "2950")
    mails_before = emails_to_contact(sandbox)
    queued = []
    for trial in range(TRIALS):
        queued.append(desk.request_document(contact.id, DocumentType.RIB, f"RIB {window} {trial}", deliver=False).id)
        if spec.delay is not None:
            fault = {"kind": "delay", "delay": spec.delay, "path": "/api/v1/requests", "method": "POST"}
            requests.post(f"{sandbox.url}/_sandbox/faults", json=fault, timeout=10).raise_for_status()
        [answer] = relays.run(
            config, env={"LIASSE_CRASH_AT": spec.crash_at}, lease=LEASE, read_timeout=spec.read_timeout, limit=1
        )
        assert answer["signal"] == signal.SIGKILL, f"trial {trial}: the relay was not killed at {window}: {answer}"
    # The slow provider finishes what it was given; the restart comes after every lease ran out.
    time.sleep((spec.delay or 0.0) + 0.3)
    [restart] = relays.run(config, lease=LEASE, later=LEASE + 1)
    assert restart["exit"] == 0 and sum(restart["report"].values()) == TRIALS, restart
    [again] = relays.run(config, lease=LEASE, later=LEASE + 1)
    assert again["exit"] == 0 and again["report"] == {}, "a row was left for a second pass"

    with office.store.session() as session:
        keys = {
            e.exchange_id: e.idempotency_key
            for e in session.query(OutboxEntry).filter(OutboxEntry.exchange_id.in_(queued))
        }
        statuses = {e.status for e in session.query(OutboxEntry).filter(OutboxEntry.exchange_id.in_(queued))}
    held = remote_by_key(sandbox)
    lost = [key for key in keys.values() if key not in held]
    duplicated = {key: ids for key, ids in held.items() if key in keys.values() and len(ids) > 1}
    assert (lost, duplicated) == ([], {})
    print(f"\n{window}: {TRIALS} kills, restart {restart['report']}, lost {len(lost)}, duplicated {len(duplicated)}")
    assert emails_to_contact(sandbox) - mails_before == TRIALS, "one e-mail to the contact per request"
    assert statuses == {"done"}
    for exchange_id in queued:
        exchange = desk.exchange(exchange_id)
        assert exchange.state is RequestState.SENT
        assert exchange.remote_id == held[keys[exchange_id]][0]
    if window == "after_send":
        # The provider had them all: the restart found them by key instead of posting again.
        assert restart["report"] == {"reconciled": TRIALS}
    elif window == "after_commit":
        assert restart["report"] == {"done": TRIALS}
    else:
        # Killed mid-call: most requests had reached the provider (found by key), a kill that came
        # before the request left is sent by the restart; either way once.
        assert set(restart["report"]) <= {"reconciled", "done"} and restart["report"].get("reconciled", 0) > 0
