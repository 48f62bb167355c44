"""JurisZone's webhooks end to end: the sandbox POSTs signed Standard Webhooks events, liasse's receiver records, the worker syncs.

The buyer activates and returns a document on the sandbox's real pages;
nothing here calls ``zone.sync()``: the worker does, woken by the receiver.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from liasse.sharing import RecipientChoice, ShareDesk, ShareForm
from liasse.store.models import ShareNotification, WebhookEvent
from liasse.testing.webhooks import WebhookOffice, wait_for, webhook_office
from liasse.webhooks.errors import WebhookRejected
from liasse_hostapi.reference.demo_documents import simple_pdf
from liasse_juriszone.plugin import liasse_read_webhook
from liasse_juriszone.recipient import Recipient
from liasse_juriszone.sandbox import DEMO_API_KEY, DEMO_ENTITY_KEY

KEYS = {"webhook_secrets": '["$file:secrets/juriszone_webhook"]'}
ENTITY = {"X-JurisZone-Entity": DEMO_ENTITY_KEY, "Authorization": f"Bearer {DEMO_API_KEY}"}


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookOffice]:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    with webhook_office(tmp_path / "office", "juriszone", KEYS) as opened:
        answer = requests.post(
            f"{opened.sandbox.url}/api/v1/webhooks", json={"url": opened.receiver.endpoint("juriszone")}, headers=ENTITY, timeout=10
        )
        assert answer.status_code == 201, answer.text
        opened.write_secret("juriszone_webhook", answer.json()["secret"])
        yield opened


def _pdf(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title=name, lines=("Test.",)))
    return path


def test_jz06_webhook_makes_the_worker_record_the_returned_document(office: WebhookOffice, tmp_path: Path) -> None:
    liasse = office.liasse
    liasse.host.accounts.update_contact_details("3120", email="marie.dupont@orange.fr", mobile=None)
    zone = ShareDesk(liasse, "juriszone", "FICH")
    exported = zone.export_matter("2950", "2950-01")
    (doc,) = zone.upload(exported.id, files=(_pdf(tmp_path, "Compromis.pdf"),))
    share = zone.share(
        exported.id,
        ShareForm("Compromis", zone.today() + dt.timedelta(days=5), (RecipientChoice("3120", may_modify=True),), (doc.id,)),
    )
    buyer = Recipient(office.sandbox.url, "marie.dupont@orange.fr")
    buyer.activate()
    assert buyer.upload(_pdf(tmp_path, "Pièce identité.pdf")).status == 201

    def returned() -> bool:
        return any(d.direction == "returned" for d in zone.documents(exported.id))

    assert wait_for(returned, timeout=15)
    with liasse.store.session() as session:
        kinds = set(session.scalars(sa.select(ShareNotification.kind).where(ShareNotification.exchange_id == share.id)))
        events = session.scalars(sa.select(WebhookEvent).where(WebhookEvent.provider == "juriszone")).all()
    assert {"recipient.activated", "document.added"} <= kinds
    assert events and all(e.trusted for e in events)


def test_hook_liasse_read_webhook_refuses_a_forged_delivery(office: WebhookOffice) -> None:
    ctx = office.liasse.office_context("juriszone")
    body = b'{"type":"share.expired","timestamp":"2026-12-01T09:00:00Z","data":{"share_id":"shr_1"}}'
    headers = {"webhook-id": "msg_x", "webhook-timestamp": "1700000000", "webhook-signature": "v1,Zm9yZ2Vk"}

    with pytest.raises(WebhookRejected):
        liasse_read_webhook(ctx, headers, body)
