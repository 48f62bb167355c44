"""DocSecure's webhooks end to end (BY-04, DS-20, DS-25, R5): the sandbox POSTs, liasse's receiver records, the worker applies.

The contact uploads on the sandbox's real pages; the sandbox delivers a
signed Standard Webhooks event to liasse's receiver served on loopback; the
worker re-reads the exchange through DocSecure's API and the exchange shows
"Terminé avec PJ à récupérer" with no sync. Nothing here calls ``desk.sync()``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from liasse.desk import ContactForm, ExchangeDesk
from liasse.records import ContactKind, DocumentType
from liasse.states import RequestState, SendState
from liasse.store.models import ExchangeTransition, SyncCursor, WebhookEvent
from liasse.testing.webhooks import WebhookOffice, wait_for, webhook_office
from liasse.webhooks import queue
from liasse_docsecure.recipient import Recipient
from liasse_docsecure.sandbox import DEMO_LOGIN, DEMO_PASSWORD
from liasse_hostapi.events import host_hookimpl

PERSON = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
SIGNED_KEYS = {"webhook_secrets": '["$file:secrets/docsecure_webhook"]'}
UNSIGNED_KEYS = {"webhooks_signed": "false"}


def sandbox_api(office: WebhookOffice, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{office.sandbox.url}/api/v1{path}", auth=(DEMO_LOGIN, DEMO_PASSWORD), timeout=10, **kwargs)


def subscribe(office: WebhookOffice, url: str | None = None, *, signed: bool = True) -> dict[str, Any]:
    """What the office's administrator does once: subscribe liasse's endpoint at DocSecure, keep the secret."""
    answer = sandbox_api(office, "POST", "/webhooks", json={"url": url or office.receiver.endpoint("docsecure"), "signed": signed})
    assert answer.status_code == 201, answer.text
    subscription: dict[str, Any] = answer.json()
    if signed:
        office.write_secret("docsecure_webhook", subscription["secret"])
    return subscription


def deliveries(office: WebhookOffice) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = requests.get(f"{office.sandbox.url}/_sandbox/webhook-deliveries", timeout=10).json()
    return found


class HostEvents:
    """The host's listener: what liasse told it, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, str]] = []

    @host_hookimpl
    def liasse_status_changed(self, provider: str, exchange_id: int, old: str, new: str) -> None:
        self.seen.append(("status_changed", exchange_id, new))

    @host_hookimpl
    def liasse_document_received(self, provider: str, exchange_id: int, account_number: str | None) -> None:
        self.seen.append(("document_received", exchange_id, account_number or ""))


@pytest.fixture
def signed_office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookOffice]:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    with webhook_office(tmp_path / "office", "docsecure", SIGNED_KEYS) as office:
        yield office


@pytest.fixture
def martin_of(signed_office: WebhookOffice) -> Recipient:
    return Recipient(signed_office.sandbox.url, "jacques.martin@free.fr", "+33654559987")


def test_by04_upload_reaches_the_office_by_signed_webhook_without_a_sync(
    signed_office: WebhookOffice, martin_of: Recipient, rib_file: Path
) -> None:
    office = signed_office
    subscribe(office)
    events = HostEvents()
    office.liasse.register_host_events(events)
    desk: ExchangeDesk = office.liasse.desk("docsecure", "FICH")
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")

    martin_of.answer_request(rib_file)

    assert wait_for(lambda: desk.exchange(request.id).state is RequestState.TO_IMPORT), deliveries(office)
    exchange = desk.exchange(request.id)
    assert exchange.state.label("fr") == "Terminé avec PJ à récupérer"
    assert exchange.file_name == rib_file.name
    assert desk.counter("2950").count == 1
    # The host heard it once, as a sync would have told it.
    assert events.seen.count(("document_received", request.id, "2950")) == 1
    assert ("status_changed", request.id, "to_import") in events.seen
    with office.liasse.store.session() as session:
        by = session.scalars(sa.select(ExchangeTransition.by).where(ExchangeTransition.exchange_id == request.id)).all()
        assert by[-1] == "webhook"
        assert session.get(SyncCursor, ("docsecure", DEMO_LOGIN)) is None  # no sync ran
    # Every delivery was answered 200 on its first attempt, within the sender's 1-second timeout.
    assert wait_for(lambda: all(d["state"] == "delivered" for d in deliveries(office)))
    assert [d["attempts"][0]["status"] for d in deliveries(office)] == [200] * len(deliveries(office))
    # The receiver answers before it processes: the last delivery may still be in the worker's hands.
    assert wait_for(lambda: queue.counts(office.liasse.store) == {"done": len(deliveries(office))}), queue.counts(
        office.liasse.store
    )


def test_ds25_a_downloaded_send_is_done_by_webhook(
    signed_office: WebhookOffice, martin_of: Recipient, pdf_file: Any, tmp_path: Path
) -> None:
    office = signed_office
    subscribe(office)
    desk = office.liasse.desk("docsecure", "FICH")
    send = desk.send_file(PERSON, pdf_file("Compromis.pdf"), account_number="2950")
    martin_of.fetch_send(tmp_path / "got.pdf")
    assert wait_for(lambda: desk.exchange(send.id).state is SendState.DONE), deliveries(office)


def test_by04_unanswered_deliveries_are_retried_until_the_office_listens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rib_file: Path) -> None:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The office subscribes its address, then its server is down when the contact answers.
    with webhook_office(tmp_path / "first", "docsecure", SIGNED_KEYS, port=port) as office:
        subscription = subscribe(office)
        desk = office.liasse.desk("docsecure", "FICH")
        request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
        office.receiver.stop()
        Recipient(office.sandbox.url, "jacques.martin@free.fr", "+33654559987").answer_request(rib_file)
        assert wait_for(lambda: any(d["attempts"] and d["attempts"][-1]["error"] for d in deliveries(office)))
        assert desk.exchange(request.id).state is RequestState.SENT
        # The server is back on the same address: the sandbox's next attempt gets through.
        from liasse.webhooks.receiver import WebhookReceiver, serve

        office.receiver = serve(WebhookReceiver(office.liasse, on_accepted=lambda _r: office.worker.wake()), port=port)
        assert wait_for(lambda: desk.exchange(request.id).state is RequestState.TO_IMPORT, timeout=15), deliveries(office)
        retried = [d for d in deliveries(office) if len(d["attempts"]) > 1]
        assert retried and all(d["state"] == "delivered" for d in retried)
        assert retried[-1]["attempts"][0]["status"] is None and retried[-1]["attempts"][-1]["status"] == 200
        assert subscription["id"].startswith("wh_")


def test_by04_a_rotated_secret_loses_no_delivery(signed_office: WebhookOffice, martin_of: Recipient, rib_file: Path) -> None:
    office = signed_office
    subscription = subscribe(office)
    desk = office.liasse.desk("docsecure", "FICH")
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
    # DocSecure rotates: for a while it signs with both, and the office has still only the old one.
    rotated = sandbox_api(office, "POST", f"/webhooks/{subscription['id']}/rotate")
    assert rotated.status_code == 200 and rotated.json()["secret"] != subscription["secret"]
    martin_of.answer_request(rib_file)
    assert wait_for(lambda: desk.exchange(request.id).state is RequestState.TO_IMPORT), deliveries(office)
    listed = sandbox_api(office, "GET", "/webhooks").json()["webhooks"]
    assert [s["id"] for s in listed] == [subscription["id"]] and "secret" not in listed[0]


# --- an unsigned subscription: notices are hints, the API says what happened ------------------------


@pytest.fixture
def unsigned_office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookOffice]:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    with webhook_office(tmp_path / "office", "docsecure", UNSIGNED_KEYS) as office:
        yield office


def test_by04_unsigned_notice_is_untrusted_and_the_state_is_read_from_the_api(unsigned_office: WebhookOffice, rib_file: Path) -> None:
    office = unsigned_office
    subscribe(office, signed=False)
    desk = office.liasse.desk("docsecure", "FICH")
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
    remote_id = desk.exchange(request.id).remote_id
    assert wait_for(lambda: queue.counts(office.liasse.store).get("done", 0) >= 1)

    # Anyone can POST to an unsigned endpoint: a forged "received" changes nothing, the API says "sent".
    forged = {"type": "exchange.updated", "data": {"id": remote_id, "state": "received", "account": DEMO_LOGIN}}
    answer = requests.post(office.receiver.endpoint("docsecure"), data=json.dumps(forged), headers={"webhook-id": "msg_forged"}, timeout=10)
    assert answer.status_code == 200
    assert wait_for(lambda: getattr(_event(office, "msg_forged"), "status", None) == "done")
    assert desk.exchange(request.id).state is RequestState.SENT
    assert getattr(_event(office, "msg_forged"), "trusted", None) is False

    # The real upload: the unsigned notice only triggers the re-read, which finds the document.
    Recipient(office.sandbox.url, "jacques.martin@free.fr", "+33654559987").answer_request(rib_file)
    assert wait_for(lambda: desk.exchange(request.id).state is RequestState.TO_IMPORT), deliveries(office)


def _event(office: WebhookOffice, event_id: str) -> WebhookEvent | None:
    with office.liasse.store.session() as session:
        return session.scalars(sa.select(WebhookEvent).where(WebhookEvent.event_id == event_id)).first()


def test_by04_the_sandbox_refuses_a_bad_subscription(signed_office: WebhookOffice) -> None:
    refused = sandbox_api(signed_office, "POST", "/webhooks", json={"url": "ftp://office.example/hook"})
    assert refused.status_code == 422 and refused.json()["field"] == "url"
    assert sandbox_api(signed_office, "DELETE", "/webhooks/wh_999").status_code == 404


def test_by04_polling_is_the_fallback_when_no_notification_comes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rib_file: Path) -> None:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    # No subscription at all: only the worker's fallback sync can tell the office.
    with webhook_office(tmp_path / "office", "docsecure", SIGNED_KEYS, poll_every=0.3) as office:
        office.write_secret("docsecure_webhook", "whsec_" + "A" * 32)
        desk = office.liasse.desk("docsecure", "FICH")
        request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
        Recipient(office.sandbox.url, "jacques.martin@free.fr", "+33654559987").answer_request(rib_file)
        assert wait_for(lambda: desk.exchange(request.id).state is RequestState.TO_IMPORT)
        assert desk.counter("2950").count == 1
        assert deliveries(office) == [] and office.worker.polls >= 1
        with office.liasse.store.session() as session:
            by = session.scalars(sa.select(ExchangeTransition.by).where(ExchangeTransition.exchange_id == request.id)).all()
        assert by[-1] == "sync"
