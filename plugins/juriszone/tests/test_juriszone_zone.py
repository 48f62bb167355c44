"""JZ-01 … JZ-08 end to end: liasse ↔ JurisZone sandbox over loopback HTTP, the parties' side driven over HTTP.

No mocks: the office is the demo office (reference host on SQLite, liasse's
store), the provider is the sandbox, the recipients use its real pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import requests
from liasse.app import Liasse
from liasse.sharing import RecipientChoice, ShareDesk, ShareForm, unified_tracking
from liasse.states import ShareState
from liasse_hostapi.records import OwnerKind, OwnerRef
from liasse_juriszone.recipient import Recipient

MATTER = ("2950", "2950-01")


def _shared(zone: ShareDesk, pdf_file: Callable[[str], Path]) -> tuple[int, tuple[int, ...]]:
    exported = zone.export_matter(*MATTER)
    docs = zone.upload(exported.id, files=(pdf_file("Compromis.pdf"), pdf_file("Diagnostics.pdf")))
    return exported.id, tuple(d.id for d in docs)


def _share(zone: ShareDesk, file_id: int, doc_ids: tuple[int, ...], **extra: object) -> int:
    form = ShareForm(
        title="Pièces de la vente MARTIN",
        expires_on=zone.today() + dt.timedelta(days=10),
        recipients=(RecipientChoice("3120", may_modify=True, notify=True), RecipientChoice("98012", may_modify=False, notify=True)),
        document_ids=doc_ids,
        comment="Merci de nous retourner le compromis signé.",
        notify_on_completion=True,
        **extra,  # type: ignore[arg-type]
    )
    return zone.share(file_id, form).id


def test_jz02_export_matter_with_its_parties(zone: ShareDesk, buyer_fixed: str, sandbox_url: str) -> None:
    exported = zone.export_matter(*MATTER)

    assert exported.number == "2950-01" and exported.description == "VENTE MARTIN/JACQUES"
    assert [(p.ref, p.role, p.kind.value) for p in exported.parties] == [
        ("2950", "Vendeur", "person"),
        ("3120", "Acquéreur", "person"),
        ("98012", "Agence", "company"),
    ]
    assert {p.email for p in exported.parties} == {"jacques.martin@free.fr", buyer_fixed, "orleans@foncia.fr"}


def test_jz03_upload_documents_streamed_with_their_hashes(zone: ShareDesk, buyer_fixed: str, pdf_file: Callable[[str], Path]) -> None:
    exported = zone.export_matter(*MATTER)
    first = pdf_file("Compromis.pdf")

    docs = zone.upload(exported.id, files=(first, pdf_file("Diagnostics.pdf")))

    assert [d.file_name for d in docs] == ["Compromis.pdf", "Diagnostics.pdf"]
    assert all(d.remote_id for d in docs)
    assert docs[0].sha256 == hashlib.sha256(first.read_bytes()).hexdigest()


def test_jz03_upload_a_host_attachment(office: Liasse, zone: ShareDesk, buyer_fixed: str) -> None:
    attachment = office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950"))[0]
    exported = zone.export_matter(*MATTER)

    (doc,) = zone.upload(exported.id, attachments=(attachment.id,))

    assert doc.source_attachment_id == attachment.id and doc.sha256 == attachment.sha256 and doc.remote_id


def test_jz04_to_jz08_the_whole_story(
    office: Liasse,
    zone: ShareDesk,
    buyer: Recipient,
    agency: Recipient,
    sandbox_url: str,
    pdf_file: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    file_id, doc_ids = _shared(zone, pdf_file)
    share_id = _share(zone, file_id, doc_ids)
    share = zone.share_view(share_id)
    assert share.state is ShareState.ACTIVE and share.remote_id

    # JZ-05: activation e-mail, password, then the access e-mail with the comment merged in.
    assert buyer.activate().status == 200
    access = [m for m in buyer.mails() if "Documents partagés" in str(m["subject"])]
    assert access and "retourner le compromis signé" in str(access[-1]["body"])
    got = buyer.download("Compromis.pdf", tmp_path / "got.pdf")
    assert got.read_bytes() == (tmp_path / "Compromis.pdf").read_bytes()

    # JZ-06: the buyer returns the signed copy; the sender is told.
    signed = pdf_file("Compromis signé.pdf")
    returned = buyer.upload(signed, replaces=buyer.document_id("Compromis.pdf"))
    assert returned.status == 201
    office_mail = requests.get(f"{sandbox_url}/_sandbox/outbox", params={"to": "etude@fichorga.example"}, timeout=5).json()
    assert any("a modifié un document" in m["subject"] for m in office_mail)

    report = zone.sync()
    assert len(report.returned) == 1
    imported = zone.import_returned(report.returned[0])
    attachment = office.host.attachments.get(imported.attachment_id)
    assert attachment.owner == OwnerRef(OwnerKind.MATTER, "2950-01")
    assert attachment.sha256 == hashlib.sha256(signed.read_bytes()).hexdigest() == imported.sha256
    assert "JurisZone" in attachment.origin
    share = zone.share_view(share_id)
    buyer_view = next(r for r in share.recipients if r.party_ref == "3120")
    assert buyer_view.activated_at and buyer_view.downloaded_at
    assert {"recipient.activated", "document.downloaded", "document.modified"} <= {n.kind for n in share.notices}

    # JZ-07: both done, the share completes and the sender is e-mailed (asked for).
    agency.activate()
    agency.complete()
    buyer.complete()
    zone.sync()
    assert zone.share_view(share_id).state is ShareState.COMPLETED
    office_mail = requests.get(f"{sandbox_url}/_sandbox/outbox", params={"to": "etude@fichorga.example"}, timeout=5).json()
    assert any("partage terminé" in m["subject"] for m in office_mail)

    # JZ-08: eleven days on, the links are refused and tracking says expired.
    link = buyer.access_link()
    requests.post(f"{sandbox_url}/_sandbox/clock", json={"advance_seconds": 11 * 86400}, timeout=5).raise_for_status()
    page = buyer.open_zone(link)
    assert page.status == 410 and "a expiré le" in page.sentence
    zone.sync()
    assert zone.share_view(share_id).state is ShareState.EXPIRED


def test_by01_shares_in_the_unified_tracking(zone: ShareDesk, buyer_fixed: str, pdf_file: Callable[[str], Path]) -> None:
    file_id, doc_ids = _shared(zone, pdf_file)
    share_id = _share(zone, file_id, doc_ids)

    items = unified_tracking(zone.liasse, account_number="2950")
    mine = next(i for i in items if i.exchange_id == share_id)

    assert mine.provider_title == "JurisZone" and mine.kind == "share" and mine.kind_label == "Partage"
    assert mine.state_label == "Partagé" and mine.matter_code == "2950-01"
    assert mine.shared_with == "DUPONT MARIE, AGENCE FONCIA ORLEANS"
    assert mine.expires_on == zone.today() + dt.timedelta(days=10)
    assert [i.exchange_id for i in unified_tracking(zone.liasse, matter_code="2950-01")] == [share_id]


def test_jz_demo_story_runs_end_to_end(office: Liasse, sandbox_url: str, tmp_path: Path) -> None:
    from liasse_juriszone.demo import story

    said: list[str] = []
    assert story(office, sandbox_url, "FICH", tmp_path, said.append), "\n".join(said)
    text = "\n".join(said)
    assert "DUPONT MARIE (Acquéreur, compte 3120)" in text and "Expiré" in text and "a expiré le" in text
