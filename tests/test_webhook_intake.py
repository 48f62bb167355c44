"""BY-04, R5: the receiver over real loopback HTTP: forgeries refused with 400, an event processed once, nothing raw logged.

The office runs DocSecure's sandbox and liasse's receiver on loopback. The
deliveries below are built by the test with the office's webhook secret
(valid ones) or without it (forgeries); each goes through the receiver's
HTTP endpoint, the plugin's verification, the store's unique constraint and
the worker, as a provider's would.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner
from liasse_hostapi.events import host_hookimpl

from liasse.cli import cli
from liasse.desk import ContactForm
from liasse.errors import CapabilityMissing
from liasse.records import ContactKind, DocumentType, RemoteState
from liasse.sandbox.webhooks import new_secret
from liasse.secrets import Secret
from liasse.states import RequestState
from liasse.store.models import WebhookEvent
from liasse.testing.webhooks import WebhookOffice, wait_for, webhook_office
from liasse.webhooks import queue
from liasse.webhooks.errors import WebhookRejected
from liasse.webhooks.processing import process_pending
from liasse.webhooks.receiver import MAX_BODY
from liasse.webhooks.signatures import sign_standard

PERSON = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
#: Planted in bodies: it must never reach a log line or an answer.
CANARY = "CANARY-FR7630006000011234567890189"
SECRET = new_secret()
OTHER = new_secret()


@attrs.define
class Sent:
    status: int
    body: dict[str, Any]


class Deliveries:
    """Builds and POSTs deliveries to the office's endpoint, as DocSecure would (or a forger)."""

    def __init__(self, office: WebhookOffice) -> None:
        self.url = office.receiver.endpoint("docsecure")
        self.counter = 0

    def body(self, remote_id: str) -> bytes:
        payload = {"type": "exchange.updated", "timestamp": "2026-12-01T09:00:00Z", "data": {"id": remote_id, "state": "received", "account": "etude@fichorga.example", "note": CANARY}}
        return json.dumps(payload, separators=(",", ":")).encode()

    def headers(self, body: bytes, secret: str = SECRET, *, msg_id: str | None = None, at: int | None = None) -> dict[str, str]:
        self.counter += 1
        msg_id = msg_id or f"msg_test_{self.counter}"
        at = int(time.time()) if at is None else at
        return {"webhook-id": msg_id, "webhook-timestamp": str(at), "webhook-signature": sign_standard(Secret(secret), msg_id, at, body)}

    def post(self, headers: dict[str, str], body: bytes) -> Sent:
        answer = requests.post(self.url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=10)
        return Sent(answer.status_code, answer.json())


class HostEvents:
    def __init__(self) -> None:
        self.received: list[int] = []

    @host_hookimpl
    def liasse_document_received(self, provider: str, exchange_id: int, account_number: str | None) -> None:
        self.received.append(exchange_id)


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookOffice]:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    keys = {"webhook_secrets": '["$file:secrets/docsecure_webhook"]'}
    with webhook_office(tmp_path / "office", "docsecure", keys) as office:
        office.write_secret("docsecure_webhook", SECRET)
        yield office


def answered_request(office: WebhookOffice, rib: Path) -> tuple[int, str]:
    """A RIB request the contact has answered at DocSecure; liasse does not know yet (no subscription)."""
    from liasse_docsecure.recipient import Recipient

    desk = office.liasse.desk("docsecure", "FICH")
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
    Recipient(office.sandbox.url, "jacques.martin@free.fr", "+33654559987").answer_request(rib)
    remote_id = desk.exchange(request.id).remote_id
    assert remote_id is not None and desk.exchange(request.id).state is RequestState.SENT
    return request.id, remote_id


@pytest.fixture
def rib(tmp_path: Path) -> Path:
    from liasse_hostapi.reference.demo_documents import simple_pdf

    path = tmp_path / "RIB_MARTIN.pdf"
    path.write_bytes(simple_pdf(office_name="LA BANQUE", title="RIB", lines=("Relevé d'identité bancaire",)))
    return path


def test_by04_forgeries_are_refused_with_400_and_the_real_event_is_applied_once(
    office: WebhookOffice, rib: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    events = HostEvents()
    office.liasse.register_host_events(events)
    exchange_id, remote_id = answered_request(office, rib)
    send = Deliveries(office)
    body = send.body(remote_id)
    now = int(time.time())

    valid = send.headers(body, msg_id="msg_real")
    several = send.headers(body, msg_id="msg_real_2")
    several["webhook-signature"] = f"v1,{'A' * 43}= {several['webhook-signature']}"
    forgeries: dict[str, tuple[dict[str, str], bytes]] = {
        "tampered body": (send.headers(body), body.replace(b"exchange.updated", b"exchange.deleted")),
        "wrong secret": (send.headers(body, OTHER), body),
        "old timestamp": (send.headers(body, at=now - 600), body),
        "future timestamp": (send.headers(body, at=now + 600), body),
        "no webhook-id": ({k: v for k, v in send.headers(body).items() if k != "webhook-id"}, body),
        "no webhook-timestamp": ({k: v for k, v in send.headers(body).items() if k != "webhook-timestamp"}, body),
        "no webhook-signature": ({k: v for k, v in send.headers(body).items() if k != "webhook-signature"}, body),
        "no headers at all": ({}, body),
        "re-serialised body": (send.headers(body), json.dumps(json.loads(body)).encode()),
        "several signatures, none valid": ({**send.headers(body), "webhook-signature": f"v1,{'A' * 43}= v1,{'B' * 43}="}, body),
        "signature of another id": ({**send.headers(body), "webhook-id": "msg_other"}, body),
    }
    refused = {name: send.post(headers, forged) for name, (headers, forged) in forgeries.items()}
    first = send.post(valid, body)
    replays = [send.post(valid, body) for _ in range(3)]
    rotated = send.post(several, body)

    assert {name: answer.status for name, answer in refused.items()} == dict.fromkeys(forgeries, 400)
    assert (first.status, first.body["status"]) == (200, "accepted")
    assert [(r.status, r.body["status"]) for r in replays] == [(200, "duplicate")] * 3
    assert (rotated.status, rotated.body["status"]) == (200, "accepted")
    assert wait_for(lambda: queue.counts(office.liasse.store) == {"done": 2})
    desk = office.liasse.desk("docsecure", "FICH")
    assert desk.exchange(exchange_id).state is RequestState.TO_IMPORT
    assert events.received == [exchange_id]  # the host heard it once, for two events and three replays
    with office.liasse.store.session() as session:
        stored = session.scalars(sa.select(WebhookEvent).order_by(WebhookEvent.id)).all()
    assert [e.event_id for e in stored] == ["msg_real", "msg_real_2"]
    assert all(e.attempts == 1 and e.trusted for e in stored)

    tried = len(forgeries) + len(replays)
    accepted = sum(1 for a in refused.values() if a.status < 300) + sum(1 for r in replays if r.body["status"] != "duplicate")
    with capsys.disabled():
        print(f"\nwebhook forgeries tried / accepted: {tried} / {accepted}")
    assert accepted == 0

    # 400 bodies say why, never with a secret or the payload; the logs hold neither, nor any header.
    answers = json.dumps([a.body for a in refused.values()], ensure_ascii=False)
    assert {a.body["error"] for a in refused.values()} == {"bad_signature", "stale_timestamp", "missing_headers"}
    for text in (answers, caplog.text):
        for secret in (SECRET, OTHER, SECRET.removeprefix("whsec_")):
            assert secret not in text
        assert CANARY not in text
        assert valid["webhook-signature"] not in text


def test_by04_a_body_over_the_cap_is_refused_before_it_is_read(office: WebhookOffice) -> None:
    huge = b"{" + b" " * (MAX_BODY + 10) + b"}"
    answer = requests.post(office.receiver.endpoint("docsecure"), data=huge, headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"
    assert queue.counts(office.liasse.store) == {}


def test_by04_an_unknown_provider_answers_404(office: WebhookOffice) -> None:
    # Every built-in provider reads webhooks now; a name no plugin answers to is refused the same way
    # a provider without them is (the receiver asks the facade which providers implement the hook).
    answer = requests.post(f"{office.receiver.url}/nosuchprovider", data=b"{}", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"] == "webhooks_not_supported"
    assert requests.get(office.receiver.endpoint("docsecure"), timeout=10).status_code == 405


def test_by04_a_failed_event_keeps_its_sentence_and_is_retried_later(office: WebhookOffice, rib: Path) -> None:
    office.worker.stop()  # processing by hand here, with a chosen clock
    exchange_id, remote_id = answered_request(office, rib)
    office.liasse.reset_credentials("docsecure", "FICH")
    send = Deliveries(office)
    body = send.body(remote_id)
    assert send.post(send.headers(body), body).status == 200

    failed = process_pending(office.liasse)
    assert (failed.claimed, failed.failed) == (1, 1)
    with office.liasse.store.session() as session:
        event = session.scalars(sa.select(WebhookEvent)).one()
    assert event.status == "failed" and event.attempts == 1
    assert "aucun utilisateur n'est connecté" in (event.last_error or "")
    assert SECRET not in (event.last_error or "")
    # Not due yet: nothing is claimed. Once connected again and due, it is applied.
    assert process_pending(office.liasse).claimed == 0
    office.liasse.connect("docsecure", "FICH", "etude@fichorga.example", Secret("demo-docsecure"))
    later = process_pending(office.liasse, now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    assert (later.done, later.changed) == (1, (exchange_id,))

    result = CliRunner().invoke(cli, ["--config", str(office.workdir / "liasse.toml"), "webhooks", "status"])
    assert result.exit_code == 0, result.output
    assert "     1  traitées" in result.output


def test_by04_cli_processes_what_is_due(office: WebhookOffice, rib: Path) -> None:
    office.worker.stop()
    exchange_id, remote_id = answered_request(office, rib)
    send = Deliveries(office)
    body = send.body(remote_id)
    assert send.post(send.headers(body), body).status == 200
    config = str(office.workdir / "liasse.toml")
    result = CliRunner().invoke(cli, ["--config", config, "webhooks", "process"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 notification(s) traitée(s), 0 en échec, 1 échange(s) mis à jour."
    again = CliRunner().invoke(cli, ["--config", config, "--lang", "en", "webhooks", "process", "--json"])
    assert json.loads(again.output) == {"claimed": 0, "done": 0, "failed": 0, "changed": []}
    assert office.liasse.desk("docsecure", "FICH").exchange(exchange_id).state is RequestState.TO_IMPORT


# --- the hooks (test_hookspecs.py requires one test each) ---------------------------------------------


def test_hook_liasse_read_webhook(office: WebhookOffice) -> None:
    hooks = office.liasse.hooks
    ctx = office.liasse.office_context("docsecure")
    body = Deliveries(office).body("ex_42")
    notice = hooks.read_webhook(ctx, Deliveries(office).headers(body, msg_id="msg_hook"), body)
    assert (notice.provider, notice.event_id, notice.remote_ids, notice.trusted) == ("docsecure", "msg_hook", ("ex_42",), True)
    assert notice.kind == "exchange.updated" and notice.account == "etude@fichorga.example"
    assert notice.occurred_at is not None and notice.occurred_at.tzinfo is not None
    assert SECRET not in repr(ctx) + repr(ctx.settings) + repr(notice)
    # Routed: another provider's delivery is read by that provider alone, never by DocSecure.
    other = attrs.evolve(ctx, provider="ar24")
    with pytest.raises(WebhookRejected) as refused:
        hooks.read_webhook(other, {}, body)
    assert "AR24" in str(refused.value)


def test_hook_liasse_read_status(office: WebhookOffice) -> None:
    desk = office.liasse.desk("docsecure", "FICH")
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
    remote_id = desk.exchange(request.id).remote_id
    assert remote_id is not None
    status = office.liasse.hooks.read_status(desk.ctx, remote_id)
    assert (status.provider, status.remote_id, status.state, status.raw_state) == ("docsecure", remote_id, RemoteState.OPEN, "sent")
    with pytest.raises(CapabilityMissing):
        office.liasse.hooks.read_status(attrs.evolve(desk.ctx, provider="ar24"), remote_id)


def test_by04_without_a_configured_secret_the_sender_is_told_to_retry_and_the_operator_why(
    office: WebhookOffice, caplog: pytest.LogCaptureFixture
) -> None:
    (office.workdir / "secrets" / "docsecure_webhook").unlink()
    send = Deliveries(office)
    body = send.body("ex_1")
    answer = requests.post(send.url, data=body, headers=send.headers(body), timeout=10)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    assert "secrets" not in answer.text and "toml" not in answer.text
    assert "secrets/docsecure_webhook" in caplog.text  # the operator is told which reference is missing
    assert queue.counts(office.liasse.store) == {}


def test_by04_an_untrusted_notice_naming_many_items_costs_one_sync_not_a_read_each(office: WebhookOffice) -> None:
    from liasse.records import WebhookNotice
    from liasse.store.models import SyncCursor
    from liasse.webhooks.processing import MAX_UNTRUSTED_READS, apply_event

    office.worker.stop()
    desk = office.liasse.desk("docsecure", "FICH")
    first = desk.request_document(PERSON, DocumentType.RIB, "RIB 1", account_number="2950")
    assert first.contact_id is not None
    ids = [desk.exchange(first.id).remote_id] + [
        desk.exchange(desk.request_document(first.contact_id, DocumentType.RIB, f"RIB {n}").id).remote_id
        for n in range(2, MAX_UNTRUSTED_READS + 2)
    ]

    def synced() -> bool:
        with office.liasse.store.session() as session:
            return session.get(SyncCursor, ("docsecure", "etude@fichorga.example")) is not None

    def event(trusted: bool) -> queue.ClaimedEvent:
        notice = WebhookNotice(event_id="msg_many", kind="exchange.updated", remote_ids=tuple(str(i) for i in ids), trusted=trusted)
        return queue.ClaimedEvent(id=0, provider="docsecure", notice=notice, attempts=1, claim="test")

    apply_event(office.liasse, event(trusted=True))
    assert not synced()  # signed: each item read on its own
    apply_event(office.liasse, event(trusted=False))
    assert synced()


def test_by04_an_item_gone_at_the_provider_is_skipped_not_retried(office: WebhookOffice) -> None:
    from liasse.store.models import Exchange

    office.worker.stop()
    desk = office.liasse.desk("docsecure", "FICH")
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
    with office.liasse.store.session() as session:
        # As if DocSecure had purged the exchange: liasse still has it, the API answers 404.
        session.get(Exchange, request.id).remote_id = "ex_purged"  # type: ignore[union-attr]
    send = Deliveries(office)
    body = send.body("ex_purged")
    assert send.post(send.headers(body), body).status == 200
    report = process_pending(office.liasse)
    assert (report.done, report.failed, report.changed) == (1, 0, ())
    assert desk.exchange(request.id).state is RequestState.SENT
