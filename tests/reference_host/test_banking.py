"""The office's bank accounts 512 CAV and 5421 DCN (DS-15)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from schwifty import IBAN

from liasse_hostapi.records import NewAttachment, OwnerKind, OwnerRef
from liasse_hostapi.reference import ReferenceHost


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as demo:
        yield demo


def _mod97_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def test_ds15_office_bank_accounts_have_valid_ribs(host: ReferenceHost) -> None:
    accounts = {account.code: account for account in host.banking.bank_accounts()}
    assert list(accounts) == ["512 CAV", "5421 DCN"]
    assert len(accounts["5421 DCN"].ribs) == 2
    for account in accounts.values():
        assert account.ribs
        for rib in account.ribs:
            assert rib.iban.startswith("FR") and len(rib.iban) == 27
            assert _mod97_ok(rib.iban)
            IBAN(rib.iban, validate_bban=True)  # raises on a wrong national RIB key
            assert rib.holder == "Groupe FICHORGA"
            assert len(rib.bic) in (8, 11)
    assert {rib.bic for rib in accounts["5421 DCN"].ribs} == {"CDCGFRPPXXX"}
    assert IBAN(accounts["5421 DCN"].ribs[0].iban).bank_code == "40031"


def test_ds15_each_rib_has_a_one_page_pdf_showing_its_iban(host: ReferenceHost) -> None:
    for account in host.banking.bank_accounts():
        for rib in account.ribs:
            assert rib.attachment_id is not None
            attachment = host.attachments.get(rib.attachment_id)
            assert attachment.media_type == "application/pdf"
            with host.attachments.open(rib.attachment_id) as stream:
                reader = pypdf.PdfReader(io.BytesIO(stream.read()))
            assert len(reader.pages) == 1
            text = reader.pages[0].extract_text()
            assert "Relevé d'Identité Bancaire" in text
            assert rib.iban[:4] in text and rib.iban[-3:] in text
            assert rib.bic in text


def test_ds15_new_rib_file_saved_on_the_iban_record_is_preselected_next(host: ReferenceHost, tmp_path: Path) -> None:
    dcn = host.banking.bank_accounts()[1]
    records = {record.iban: record for record in host.ibans.list("5421")}
    record = records[dcn.ribs[0].iban]
    source = tmp_path / "nouveau RIB.pdf"
    source.write_bytes(b"%PDF-1.4 nouveau RIB")
    added = host.attachments.add(
        NewAttachment(
            owner=OwnerRef(OwnerKind.IBAN_RECORD, str(record.id)),
            file_name="nouveau RIB.pdf",
            title="RIB DCN 2025",
            media_type="application/pdf",
            origin="Ajouté",
        ),
        source,
    )
    assert host.banking.bank_accounts()[1].ribs[0].attachment_id == added.id
    assert host.banking.bank_accounts()[1].ribs[1].attachment_id == dcn.ribs[1].attachment_id
