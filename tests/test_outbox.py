"""The outbox relay (issue 5, R1 … R3): claims, reconciliation, scheduling, horizon, retry budget.

Against DocSecure's sandbox over loopback HTTP. Whether a send happened once
is read on the provider's side: its exchanges (``GET /api/v1/exchanges``) and
its request journal (``GET /_sandbox/requests``), never liasse's tables alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import requests
from liasse.app import Liasse
from liasse.desk import ContactForm, ExchangeDesk
from liasse.errors import ProviderUnavailable, SendInProgress
from liasse.records import ContactKind, DocumentType
from liasse.retries import OUTBOX_SCHEDULE, RetryBudget, RetryPolicy
from liasse.states import RequestState
from liasse.store.models import OutboxEntry, utcnow

PERSON = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
AUTH = ("etude@fichorga.example", "demo-docsecure")


@pytest.fixture
def office(liasse_office: Callable[..., Liasse]) -> Liasse:
    return liasse_office("docsecure")


@pytest.fixture
def desk(office: Liasse) -> ExchangeDesk:
    return office.desk("docsecure", "FICH")


@pytest.fixture
def sandbox(office: Liasse) -> str:
    return str(office.provider_settings("docsecure").base_url)


def arm(sandbox: str, **fault: Any) -> None:
    requests.post(f"{sandbox}/_sandbox/faults", json=fault, timeout=10).raise_for_status()


def journal(sandbox: str, path: str, method: str = "POST") -> list[dict[str, Any]]:
    response = requests.get(f"{sandbox}/_sandbox/requests", params={"path": path, "method": method}, timeout=10)
    response.raise_for_status()
    return list(response.json())


def remote_requests(sandbox: str) -> list[dict[str, Any]]:
    body = requests.get(f"{sandbox}/api/v1/exchanges", params={"limit": 1000}, auth=AUTH, timeout=10).json()
    return [e for e in body["exchanges"] if e["kind"] == "request"]


def entry_of(office: Liasse, exchange_id: int) -> OutboxEntry:
    with office.store.session() as session:
        found = session.query(OutboxEntry).filter_by(exchange_id=exchange_id).one()
        session.expunge(found)
        return found


# --- the hook ------------------------------------------------------------------------


def test_hook_liasse_find_sent(office: Liasse, desk: ExchangeDesk) -> None:
    contact = desk.create_contact(PERSON, "2950")
    sent = desk.request_document(contact.id, DocumentType.RIB, "RIB pour la vente")
    key = entry_of(office, sent.id).idempotency_key
    ctx = office.context("docsecure", "FICH")
    found = office.hooks.find_sent(ctx, "liasse_request_document", key)
    assert found is not None and (found.remote_id, found.provider) == (sent.remote_id, "docsecure")
    assert office.hooks.find_sent(ctx, "liasse_request_document", "00000000-0000-4000-8000-000000000000") is None
    # Reminders are not reconciled this way: the hook says it has nothing.
    assert office.hooks.find_sent(ctx, "liasse_remind", key) is None
    assert office.hooks.can_find_sent("docsecure")


def test_r3_a_draft_send_is_not_taken_for_a_sent_one(office: Liasse, desk: ExchangeDesk, sandbox: str, tmp_path: Any) -> None:
    contact = desk.create_contact(PERSON, "2950")
    document = tmp_path / "note.txt"
    document.write_bytes(b"Bonjour.\n" * 100)
    # The send is opened, then every upload fails: DocSecure holds a draft under the key.
    arm(sandbox, kind="status", status=503, path="/api/v1/sends", method="PUT", times=3)
    with pytest.raises(ProviderUnavailable):
        desk.send_file(contact.id, document)
    [kept] = desk.exchanges()
    key = entry_of(office, kept.id).idempotency_key
    assert office.hooks.find_sent(office.context("docsecure", "FICH"), "liasse_send_documents", key) is None
    # So the retry makes the send again under its key: the draft is finished, not doubled.
    sent = desk.retry(kept.id)
    assert sent.state.value == "sent"
    sends = [e for e in requests.get(f"{sandbox}/api/v1/exchanges", auth=AUTH, timeout=10).json()["exchanges"] if e["kind"] == "send"]
    assert [(s["id"], s["state"]) for s in sends] == [(sent.remote_id, "sent")]


# --- the relay -----------------------------------------------------------------------


def test_r3_queued_requests_are_sent_by_the_relay_once(office: Liasse, desk: ExchangeDesk, sandbox: str) -> None:
    contact = desk.create_contact(PERSON, "2950")
    queued = [desk.request_document(contact.id, DocumentType.RIB, f"RIB {n}", deliver=False) for n in range(3)]
    assert {e.state for e in queued} == {RequestState.PENDING}
    assert remote_requests(sandbox) == []
    report = office.outbox.run_once()
    assert (report.claimed, report.count("done")) == (3, 3)
    assert office.outbox.run_once().claimed == 0
    assert {desk.exchange(e.id).state for e in queued} == {RequestState.SENT}
    posts = journal(sandbox, "/api/v1/requests")
    keys = {entry_of(office, e.id).idempotency_key for e in queued}
    assert sorted(p["idempotency_key"] for p in posts) == sorted(keys)
    assert len(remote_requests(sandbox)) == 3


def test_r3_a_request_the_provider_did_after_a_read_timeout_is_reconciled_not_sent_again(
    office: Liasse, desk: ExchangeDesk, sandbox: str
) -> None:
    contact = desk.create_contact(PERSON, "2950")
    office.context("docsecure", "FICH").http.timeout = (5.0, 0.3)
    # A slow provider: it answers after the read timeout, but it does the request.
    arm(sandbox, kind="delay", delay=0.8, path="/api/v1/requests", method="POST")
    with pytest.raises(ProviderUnavailable, match="délai dépassé"):
        desk.request_document(contact.id, DocumentType.RIB, "RIB")
    [kept] = desk.exchanges()
    assert kept.state is RequestState.PENDING and "délai dépassé" in (kept.last_error or "")
    office.context("docsecure", "FICH").http.timeout = (5.0, 10.0)
    _wait_for(lambda: len(remote_requests(sandbox)) == 1)
    report = office.outbox.run_once(now=utcnow() + dt.timedelta(hours=1))
    assert report.count("reconciled") == 1
    assert desk.exchange(kept.id).state is RequestState.SENT
    assert desk.exchange(kept.id).remote_id == remote_requests(sandbox)[0]["id"]
    # One POST in all, the first: the relay asked (GET by key) instead of posting again.
    assert len(journal(sandbox, "/api/v1/requests")) == 1
    assert len(journal(sandbox, "/api/v1/exchanges", method="GET")) >= 1


def test_r2_a_long_retry_after_is_not_slept_but_scheduled(office: Liasse, desk: ExchangeDesk, sandbox: str) -> None:
    contact = desk.create_contact(PERSON, "2950")
    arm(sandbox, kind="status", status=429, retry_after=600, path="/api/v1/requests", times=5)
    before = utcnow()
    with pytest.raises(ProviderUnavailable) as caught:
        desk.request_document(contact.id, DocumentType.RIB, "RIB")
    assert caught.value.retry_after == 600
    assert len(journal(sandbox, "/api/v1/requests")) == 1, "a 10-minute Retry-After is not waited for in the call"
    [kept] = desk.exchanges()
    entry = entry_of(office, kept.id)
    assert entry.status == "pending"
    assert entry.next_attempt_at >= before + dt.timedelta(seconds=600)
    # Not due before then: a pass now leaves it alone.
    assert office.outbox.run_once().claimed == 0


def test_r2_an_outage_reschedules_along_the_outbox_schedule(office: Liasse, desk: ExchangeDesk, sandbox: str) -> None:
    contact = desk.create_contact(PERSON, "2950")
    desk.request_document(contact.id, DocumentType.RIB, "RIB", deliver=False)
    arm(sandbox, kind="status", status=503, path="/api/v1/requests", times=100)
    office.context("docsecure", "FICH").http.policy = RetryPolicy(base=0.01)
    moment = utcnow()
    waits = []
    for _ in range(3):
        report = office.outbox.run_once(now=moment)
        [outcome] = report.outcomes
        assert outcome.status == "pending" and outcome.next_attempt_at is not None
        waits.append((outcome.next_attempt_at - moment).total_seconds())
        moment = outcome.next_attempt_at
    for wait, step in zip(waits, OUTBOX_SCHEDULE):
        assert 0.9 * step <= wait <= 1.1 * step


def test_r3_dead_after_the_horizon_with_a_sentence_and_retry_sends_it_once(
    office: Liasse, desk: ExchangeDesk, sandbox: str
) -> None:
    contact = desk.create_contact(PERSON, "2950")
    queued = desk.request_document(contact.id, DocumentType.RIB, "RIB pour la vente", deliver=False)
    arm(sandbox, kind="status", status=503, path="/api/v1/requests", times=100)
    office.context("docsecure", "FICH").http.policy = RetryPolicy(base=0.01)
    report = office.outbox.run_once(now=utcnow() + dt.timedelta(days=5))
    assert report.count("dead") == 1
    failed = desk.exchange(queued.id)
    assert failed.state is RequestState.FAILED
    assert "a cessé de réessayer" in (failed.last_error or "") and "Réessayer" in (failed.last_error or "")
    assert entry_of(office, queued.id).status == "dead"
    requests.delete(f"{sandbox}/_sandbox/faults", timeout=10)
    assert desk.retry(queued.id).state is RequestState.SENT
    assert len(remote_requests(sandbox)) == 1


def test_r3_retry_refuses_a_row_another_relay_is_sending(office: Liasse, desk: ExchangeDesk) -> None:
    contact = desk.create_contact(PERSON, "2950")
    queued = desk.request_document(contact.id, DocumentType.RIB, "RIB", deliver=False)
    with office.store.session() as session:
        entry = session.query(OutboxEntry).filter_by(exchange_id=queued.id).one()
        entry.status, entry.claimed_by = "in_flight", "serveur-2:4242:ab12"
        entry.lease_until = utcnow() + dt.timedelta(minutes=5)
    with pytest.raises(SendInProgress, match="serveur-2:4242"):
        desk.retry(queued.id)


def test_r2_retries_stop_within_the_providers_budget(office: Liasse, desk: ExchangeDesk, sandbox: str) -> None:
    contacts = [desk.create_contact(PERSON, "2950").id for _ in range(1)]
    http = office.context("docsecure", "FICH").http
    # 50 tokens: ten retries at 5 each, shared by every call to DocSecure.
    http.budget, http.policy = RetryBudget(capacity=50), RetryPolicy(base=0.01)
    arm(sandbox, kind="status", status=503, path="/api/v1/requests", times=10_000)
    results = desk.request_documents([(contacts[0], DocumentType.RIB, f"RIB {n}") for n in range(30)], workers=4)
    assert all(r.state is RequestState.PENDING for r in results)  # type: ignore[union-attr]
    # Thirty first attempts, then only the ten retries the budget paid for.
    assert len(journal(sandbox, "/api/v1/requests")) == 30 + 10
    assert http.budget.tokens == 0


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_ds33_a_request_queued_on_a_colleagues_account_is_sent_through_that_account(
    office: Liasse, sandbox: str
) -> None:
    from liasse.secrets import Secret

    clerk = ("clerc@fichorga.example", "demo-clerc")
    requests.post(
        f"{sandbox}/_sandbox/accounts", json={"email": clerk[0], "password": clerk[1], "company": "FICHORGA"}, timeout=10
    ).raise_for_status()
    office.connect("docsecure", "CLER", clerk[0], Secret(clerk[1]))
    # FICH has the right to act on CLER's DocSecure account (DS-33); the provider is down meanwhile.
    on_clerks = office.desk("docsecure", "FICH", account_owner="CLER")
    contact = on_clerks.create_contact(PERSON, "2950")
    queued = on_clerks.request_document(contact.id, DocumentType.RIB, "RIB pour la vente", deliver=False)
    report = office.outbox.run_once()
    assert (report.claimed, report.count("done")) == (1, 1)
    mine = requests.get(f"{sandbox}/api/v1/exchanges", auth=AUTH, timeout=10).json()["exchanges"]
    clerks = requests.get(f"{sandbox}/api/v1/exchanges", auth=clerk, timeout=10).json()["exchanges"]
    assert [e["id"] for e in clerks] == [on_clerks.exchange(queued.id).remote_id] and mine == []
    assert office.outbox.target_of(entry_of(office, queued.id).id).account_owner == "CLER"
