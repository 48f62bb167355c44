"""A signature file made from a stored file, for any signature provider (JS-02, JS-04; here on ESign's sandbox).

:meth:`liasse.signing.SigningDesk.create_from_attachment` takes a host
attachment; once sent, a version "en attente de signature" is stored beside
it, and once signed the signed PDF is stored as a new version of it
(attachments whose ``original_id`` is the stored file's id).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from liasse_hostapi.records import Attachment, NewAttachment, OwnerKind, OwnerRef

from liasse.app import Liasse
from liasse.demo import DEMO_USER
from liasse.errors import FileRefused
from liasse.signing import Placement, SigningDesk
from liasse.states import SignatureState

from liasse_esign.signer import SandboxSigner

ACCOUNT = "2950"


@pytest.fixture
def office(liasse_office: Callable[..., Liasse], monkeypatch: pytest.MonkeyPatch) -> Liasse:
    monkeypatch.delenv("LIASSE_LANG", raising=False)
    return liasse_office("esign")


@pytest.fixture
def desk(office: Liasse) -> SigningDesk:
    return SigningDesk(office, "esign", DEMO_USER)


def _pdf(pages: int = 1) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 20, f"Attestation - page {number}/{pages}")
    return bytes(pdf.output())


def _store(office: Liasse, tmp_path: Path, content: bytes, name: str = "attestation.pdf", media_type: str = "application/pdf") -> Attachment:
    path = tmp_path / name
    path.write_bytes(content)
    return office.host.attachments.add(
        NewAttachment(owner=OwnerRef(OwnerKind.ACCOUNT, ACCOUNT), file_name=name, title="Attestation", media_type=media_type, origin="Ajouté"),
        path,
    )


def test_js02_a_stored_pdf_becomes_a_file_to_send_without_signers(desk: SigningDesk, office: Liasse, tmp_path: Path) -> None:
    stored = _store(office, tmp_path, _pdf(2))
    made = desk.create_from_attachment(stored.id)
    assert made.state is SignatureState.TO_SEND and made.event_id is None and made.signers == ()
    assert (made.source_attachment_id, made.account_number, made.label) == (stored.id, ACCOUNT, "Attestation")
    assert Path(desk.document(made.id)).read_bytes() == tmp_path.joinpath("attestation.pdf").read_bytes()


def test_js04_sent_then_signed_each_is_a_new_version_of_the_stored_file(desk: SigningDesk, office: Liasse, tmp_path: Path) -> None:
    stored = _store(office, tmp_path, _pdf())
    made = desk.create_from_attachment(stored.id, label="Attestation de fin de mission")
    desk.add_signer(
        made.id, role="client", first_name="Jacques", last_name="MARTIN", email="jacques.martin@free.fr",
        mobile="06 54 55 99 87", placements=[Placement(page=1, x_mm=20, y_mm=30)],
    )
    sent = desk.send(made.id)
    assert sent.state is SignatureState.AWAITING and sent.awaiting_attachment_id is not None
    awaiting = office.host.attachments.get(sent.awaiting_attachment_id)
    assert awaiting.original_id == stored.id and awaiting.title == "Attestation (en attente de signature)"
    assert SandboxSigner(desk.ctx.settings.base_url.removesuffix("/v3"), "jacques.martin@free.fr", "+33654559987").sign().status == 200
    assert desk.refresh(made.id).archived == (made.id,)
    signed = desk.file(made.id)
    version = office.host.attachments.get(signed.attachment_id or 0)
    assert version.original_id == stored.id and version.title == "Attestation (signé)"
    versions = [a for a in office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, ACCOUNT)) if a.original_id == stored.id]
    assert [a.id for a in versions] == [awaiting.id, version.id]


def test_js02_a_stored_file_that_is_not_a_pdf_is_refused_with_a_sentence(desk: SigningDesk, office: Liasse, tmp_path: Path) -> None:
    stored = _store(office, tmp_path, b"PK\x03\x04 not a pdf", name="bilan.docx", media_type="application/msword")
    with pytest.raises(FileRefused) as caught:
        desk.create_from_attachment(stored.id)
    assert "bilan.docx" in caught.value.message("fr") and "PDF" in caught.value.message("fr")
    assert desk.files() == []


def test_js02_a_file_named_pdf_that_is_not_one_is_refused(desk: SigningDesk, office: Liasse, tmp_path: Path) -> None:
    stored = _store(office, tmp_path, b"MZ\x90\x00 an executable")
    with pytest.raises(FileRefused, match="PDF"):
        desk.create_from_attachment(stored.id)
    assert desk.files() == []


def test_js02_an_unreadable_pdf_is_refused_when_chosen(desk: SigningDesk, office: Liasse, tmp_path: Path) -> None:
    stored = _store(office, tmp_path, b"%PDF-1.4\n this is no PDF body")
    with pytest.raises(FileRefused, match="illisible"):
        desk.create_from_attachment(stored.id)
    assert desk.files() == []
