"""Every bad input of the JurisZone issue, each a clear sentence and nothing lost; and the outbox's guarantees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
import requests
import sqlalchemy as sa
from liasse.app import Liasse
from liasse.errors import FieldMissing, FileRefused, ProviderUnavailable
from liasse.sharing import RecipientChoice, ShareDesk, ShareForm
from liasse.sharing.errors import ExpiryInPast, NotAParty, PartiesWithoutEmail, ShareKeysMissing
from liasse.states import ShareState
from liasse.store.models import Exchange, OutboxEntry, SharedDocument, SharedFile
from liasse_juriszone.recipient import Recipient

MATTER = ("2950", "2950-01")


def _form(zone: ShareDesk, doc_ids: tuple[int, ...], **changes: object) -> ShareForm:
    form = ShareForm(
        title="Pièces de la vente",
        expires_on=zone.today() + dt.timedelta(days=7),
        recipients=(RecipientChoice("3120", may_modify=True), RecipientChoice("98012")),
        document_ids=doc_ids,
    )
    return attrs.evolve(form, **changes)  # type: ignore[arg-type]


def _count(office: Liasse, model: type) -> int:
    with office.store.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


@pytest.fixture
def uploaded(zone: ShareDesk, buyer_fixed: str, pdf_file: Callable[[str], Path]) -> tuple[int, tuple[int, ...]]:
    exported = zone.export_matter(*MATTER)
    docs = zone.upload(exported.id, files=(pdf_file("Compromis.pdf"),))
    return exported.id, tuple(d.id for d in docs)


def test_jz01_export_without_keys_gives_the_manuals_message(office: Liasse, sandbox_url: str) -> None:
    # The office's entity key file emptied, as a registration never finished leaves it; liasse opened again.
    assert office.settings.path is not None
    (office.settings.path.parent / "secrets" / "juriszone_entity_key").write_text("", encoding="utf-8")
    reopened = Liasse.open(office.settings.path, host=office.host)
    try:
        with pytest.raises(ShareKeysMissing) as caught:
            ShareDesk(reopened, "juriszone", "FICH").export_matter(*MATTER)
    finally:
        reopened.close()

    assert "la clé d'entité n'est pas configurée (entity_key vide)" in caught.value.message("fr")
    assert "« entity_key »" in caught.value.message("fr") and "support de JurisZone" in caught.value.message("fr")
    assert "entity key is not configured" in caught.value.message("en")
    journal = requests.get(f"{sandbox_url}/_sandbox/requests", params={"path": "/api/v1/files/2950-01"}, timeout=5).json()
    assert journal == [] and _count(office, SharedFile) == 0


def test_jz02_party_without_email_named_and_nothing_exported(office: Liasse, zone: ShareDesk, sandbox_url: str) -> None:
    with pytest.raises(PartiesWithoutEmail) as caught:
        zone.export_matter(*MATTER)

    message = caught.value.message("fr")
    assert "DUPONT MARIE (Acquéreur, compte 3120)" in message and "sans adresse courriel" in message
    assert "Ajoutez l'adresse dans leur fiche" in message
    assert "DUPONT MARIE" in caught.value.message("en")
    entity = {"X-JurisZone-Entity": "jz-entity-fichorga-demo", "Authorization": "Bearer jz-api-demo-4f1c9e27b8"}
    assert requests.get(f"{sandbox_url}/api/v1/files/2950-01", headers=entity, timeout=5).status_code == 404
    assert _count(office, SharedFile) == 0


def test_jz02_every_party_without_email_in_one_message(office: Liasse, zone: ShareDesk) -> None:
    office.host.accounts.update_contact_details("98012", email="", mobile=None)

    with pytest.raises(PartiesWithoutEmail) as caught:
        zone.export_matter(*MATTER)

    assert "2 intervenants sont" in caught.value.message("fr")
    assert "DUPONT MARIE" in caught.value.message("fr") and "AGENCE FONCIA ORLEANS" in caught.value.message("fr")


def test_jz04_expiry_in_the_past_refused(office: Liasse, zone: ShareDesk, uploaded: tuple[int, tuple[int, ...]]) -> None:
    file_id, doc_ids = uploaded
    for day in (zone.today(), zone.today() - dt.timedelta(days=3)):
        with pytest.raises(ExpiryInPast) as caught:
            zone.share(file_id, _form(zone, doc_ids, expires_on=day))
        assert f"{day:%d/%m/%Y}" in caught.value.message("fr") and "date à venir" in caught.value.message("fr")
    assert _count(office, Exchange) == 0


def test_jz04_recipient_not_a_party_refused(office: Liasse, zone: ShareDesk, uploaded: tuple[int, tuple[int, ...]]) -> None:
    file_id, doc_ids = uploaded

    with pytest.raises(NotAParty) as caught:
        zone.share(file_id, _form(zone, doc_ids, recipients=(RecipientChoice("3305"),)))

    assert "« 3305 » n'est pas un intervenant du dossier 2950-01" in caught.value.message("fr")
    assert "DUPONT MARIE (3120)" in caught.value.message("fr")
    assert _count(office, Exchange) == 0


def test_jz04_title_and_recipients_are_required(zone: ShareDesk, uploaded: tuple[int, tuple[int, ...]]) -> None:
    file_id, doc_ids = uploaded
    with pytest.raises(FieldMissing, match="titre"):
        zone.share(file_id, _form(zone, doc_ids, title="  "))
    with pytest.raises(FieldMissing, match="destinataires"):
        zone.share(file_id, _form(zone, doc_ids, recipients=()))


def test_jz03_upload_over_the_limit_refused_before_any_call(
    office: Liasse, zone: ShareDesk, buyer_fixed: str, tmp_path: Path, sandbox_url: str
) -> None:
    exported = zone.export_matter(*MATTER)
    big = tmp_path / "Plans.pdf"
    with big.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        out.truncate(100 * 1024 * 1024 + 1)

    with pytest.raises(FileRefused) as caught:
        zone.upload(exported.id, files=(big,))

    assert "Plans.pdf" in caught.value.message("fr") and "100" in caught.value.message("fr")
    assert _count(office, SharedDocument) == 0
    journal = requests.get(f"{sandbox_url}/_sandbox/requests", params={"method": "POST"}, timeout=5).json()
    assert journal == []


def test_jz03_disguised_type_refused_and_nothing_half_uploaded(
    office: Liasse, zone: ShareDesk, buyer_fixed: str, tmp_path: Path, pdf_file: Callable[[str], Path]
) -> None:
    exported = zone.export_matter(*MATTER)
    disguised = tmp_path / "Facture.pdf"
    disguised.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)

    with pytest.raises(FileRefused) as caught:
        zone.upload(exported.id, files=(pdf_file("Compromis.pdf"), disguised))

    assert "Facture.pdf" in caught.value.message("fr")
    assert _count(office, SharedDocument) == 0


def test_jz03_sandbox_refuses_a_disguised_upload_itself(sandbox_url: str, tmp_path: Path) -> None:
    """The provider's own check, for a client that would not check first."""
    import io

    from liasse.multipart import FilePart, MultipartBody

    entity = {"X-JurisZone-Entity": "jz-entity-fichorga-demo", "Authorization": "Bearer jz-api-demo-4f1c9e27b8"}
    party = {"ref": "1", "kind": "person", "name": "X", "email": "x@example.fr"}
    requests.put(f"{sandbox_url}/api/v1/files/F1", json={"description": "F", "parties": [party]}, headers=entity, timeout=5)
    program = b"MZ\x90\x00" + b"\x00" * 64
    body = MultipartBody([], [FilePart("file", "Facture.pdf", io.BytesIO(program), len(program), "application/pdf")])
    answer = requests.post(
        f"{sandbox_url}/api/v1/files/F1/documents", data=body, headers={**entity, "Content-Type": body.content_type}, timeout=5
    )

    assert answer.status_code == 415 and answer.json()["error"] == "disguised_type"


def test_jz08_share_link_after_expiry_refused_with_a_clear_page(
    zone: ShareDesk, uploaded: tuple[int, tuple[int, ...]], buyer: Recipient, sandbox_url: str
) -> None:
    file_id, doc_ids = uploaded
    share = zone.share(file_id, _form(zone, doc_ids))
    buyer.activate()
    link = buyer.access_link()
    assert buyer.open_zone(link).status == 200

    requests.post(f"{sandbox_url}/_sandbox/clock", json={"advance_seconds": 8 * 86400}, timeout=5).raise_for_status()
    page = buyer.open_zone(link)

    assert page.status == 410
    assert f"a expiré le {share.expires_on:%d/%m/%Y}" in page.sentence and "partager de nouveau" in page.sentence
    assert Recipient(sandbox_url, buyer.email).open_zone(link).status == 410
    zone.sync()
    assert zone.share_view(share.id).state is ShareState.EXPIRED


def test_jz06_recipient_without_may_modify_cannot_upload(
    zone: ShareDesk, uploaded: tuple[int, tuple[int, ...]], agency: Recipient, pdf_file: Callable[[str], Path]
) -> None:
    file_id, doc_ids = uploaded
    zone.share(file_id, _form(zone, doc_ids))
    agency.activate()

    page = agency.upload(pdf_file("Mandat.pdf"))

    assert page.status == 403 and "lecture seule" in page.sentence
    assert zone.sync().returned == ()


def test_jz06_wrong_password_refused_with_a_page(zone: ShareDesk, uploaded: tuple[int, tuple[int, ...]], buyer: Recipient, sandbox_url: str) -> None:
    file_id, doc_ids = uploaded
    zone.share(file_id, _form(zone, doc_ids))
    buyer.activate()
    intruder = Recipient(sandbox_url, buyer.email, password="pas-le-bon")

    page = intruder.open_zone(buyer.access_link())

    assert page.status == 403 and "mot de passe est incorrect" in page.sentence


# --- the outbox: nothing lost, nothing twice -----------------------------------------------


def test_jz03_provider_down_keeps_the_upload_and_retry_sends_it_under_its_key(
    office: Liasse, zone: ShareDesk, buyer_fixed: str, sandbox_url: str, pdf_file: Callable[[str], Path]
) -> None:
    exported = zone.export_matter(*MATTER)
    fault = {"kind": "status", "status": 503, "path": "/api/v1/files/2950-01/documents", "times": 3}
    requests.post(f"{sandbox_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()

    with pytest.raises(ProviderUnavailable):
        zone.upload(exported.id, files=(pdf_file("Compromis.pdf"),))

    (waiting,) = zone.documents(exported.id)
    assert waiting.remote_id is None and waiting.last_error and "JurisZone" in waiting.last_error
    with office.store.session() as session:
        entry = session.scalars(sa.select(OutboxEntry)).one()
        entry.next_attempt_at = entry.created_at  # due now rather than along the schedule
        key = entry.idempotency_key
    requests.delete(f"{sandbox_url}/_sandbox/faults", timeout=5)

    assert zone.retry_pending() == 1
    (sent,) = zone.documents(exported.id)
    assert sent.remote_id
    keys = {e["idempotency_key"] for e in requests.get(f"{sandbox_url}/_sandbox/requests", params={"method": "POST"}, timeout=5).json()}
    assert keys == {key}


def test_jz03_lost_answer_reconciled_by_find_sent_not_uploaded_twice(
    office: Liasse, zone: ShareDesk, buyer_fixed: str, sandbox_url: str, pdf_file: Callable[[str], Path]
) -> None:
    exported = zone.export_matter(*MATTER)
    # Every attempt's answer is cut: the transport re-sends the whole body under its key (the sandbox
    # keeps one document), then gives up; the outbox must then find the upload, not send it again.
    attempts = 3
    fault = {"kind": "truncate", "path": "/api/v1/files/2950-01/documents", "method": "POST", "times": attempts}
    requests.post(f"{sandbox_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()

    with pytest.raises(ProviderUnavailable):
        zone.upload(exported.id, files=(pdf_file("Compromis.pdf"),))
    with office.store.session() as session:
        entry = session.scalars(sa.select(OutboxEntry)).one()
        entry.next_attempt_at = entry.created_at

    assert zone.retry_pending() == 1
    (doc,) = zone.documents(exported.id)
    assert doc.remote_id
    posts = requests.get(f"{sandbox_url}/_sandbox/requests", params={"path": "/api/v1/files/2950-01/documents", "method": "POST"}, timeout=5).json()
    assert len(posts) == attempts  # none after the reconciliation


def test_jz04_share_refused_by_the_provider_is_failed_with_its_sentence_then_retried(
    office: Liasse, zone: ShareDesk, uploaded: tuple[int, tuple[int, ...]], sandbox_url: str
) -> None:
    file_id, doc_ids = uploaded
    fault = {"kind": "status", "status": 503, "path": "/api/v1/shares", "method": "POST", "times": 3}
    requests.post(f"{sandbox_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()

    with pytest.raises(ProviderUnavailable):
        zone.share(file_id, _form(zone, doc_ids))

    (waiting,) = zone.shares()
    assert waiting.state is ShareState.PENDING and waiting.last_error
    with office.store.session() as session:
        session.scalars(sa.select(OutboxEntry).where(OutboxEntry.exchange_id == waiting.id)).one().next_attempt_at = waiting.created_at
    assert zone.retry_pending() == 1
    assert zone.share_view(waiting.id).state is ShareState.ACTIVE


def test_jz01_keys_never_in_logs_records_or_errors(
    office: Liasse, zone: ShareDesk, buyer_fixed: str, pdf_file: Callable[[str], Path], sandbox_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from liasse_juriszone.sandbox import DEMO_API_KEY, DEMO_ENTITY_KEY

    caplog.set_level(logging.DEBUG)
    exported = zone.export_matter(*MATTER)
    docs = zone.upload(exported.id, files=(pdf_file("Compromis.pdf"),))
    share = zone.share(exported.id, _form(zone, tuple(d.id for d in docs)))
    requests.post(f"{sandbox_url}/_sandbox/faults", json={"kind": "status", "status": 503, "path": "/api/v1/events", "times": 3}, timeout=5)
    with pytest.raises(ProviderUnavailable) as caught:
        zone.sync()

    shown = [caplog.text, repr(zone), repr(zone.ctx), repr(share), repr(exported), str(caught.value), repr(caught.value.params)]
    with office.store.session() as session:
        shown += [str(row) for row in session.execute(sa.text("SELECT * FROM outbox")).all()]
        shown += [str(row) for row in session.execute(sa.text("SELECT * FROM audit_log")).all()]
    for text in shown:
        assert DEMO_ENTITY_KEY not in text and DEMO_API_KEY not in text
