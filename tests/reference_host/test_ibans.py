"""IBAN records (fiches IBAN) and their attachments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liasse_hostapi.errors import UnknownAccount, UnknownAttachment, UnknownIbanRecord
from liasse_hostapi.records import NewAttachment, NewIbanRecord, OwnerKind, OwnerRef
from liasse_hostapi.reference import ReferenceHost


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as demo:
        yield demo


def _attachment_on(host: ReferenceHost, tmp_path: Path, owner: OwnerRef) -> int:
    source = tmp_path / "rib.pdf"
    source.write_bytes(b"%PDF-1.4 rib")
    new = NewAttachment(
        owner=owner, file_name="rib.pdf", title="RIB", media_type="application/pdf", origin="Reçu via DocSecure"
    )
    return host.attachments.add(new, source).id


def test_ds26_iban_record_created_with_its_attachment_and_listed_last(host: ReferenceHost, tmp_path: Path) -> None:
    attachment_id = _attachment_on(host, tmp_path, OwnerRef(OwnerKind.ACCOUNT, "2950"))
    created = host.ibans.create(
        NewIbanRecord(
            account_number="2950",
            iban="fr76 1027 8370 2000 0204 9380 103",
            bic="CMCIFR2A",
            holder="M. JACQUES MARTIN",
            bank="CREDIT MUTUEL",
            origin="IBAN transmis via DocSecure",
            attachment_ids=(attachment_id,),
        )
    )
    assert created.iban == "FR7610278370200002049380103"
    assert created.attachment_ids == (attachment_id,)
    assert created.created_at is not None
    records = host.ibans.list("2950")
    assert [r.id for r in records][-1] == created.id
    assert records[0].bank == "LA BANQUE POSTALE"


def test_ds15_attach_adds_a_file_to_an_existing_record_once(host: ReferenceHost, tmp_path: Path) -> None:
    record = host.ibans.list("97974")[0]
    attachment_id = _attachment_on(host, tmp_path, OwnerRef(OwnerKind.ACCOUNT, "97974"))
    updated = host.ibans.attach(record.id, attachment_id)
    assert updated.attachment_ids == (*record.attachment_ids, attachment_id)
    assert host.ibans.attach(record.id, attachment_id).attachment_ids == updated.attachment_ids


def test_attachment_owned_by_an_iban_record_is_one_of_its_attachments(host: ReferenceHost, tmp_path: Path) -> None:
    record = host.ibans.list("97974")[0]
    attachment_id = _attachment_on(host, tmp_path, OwnerRef(OwnerKind.IBAN_RECORD, str(record.id)))
    assert host.ibans.list("97974")[0].attachment_ids[-1] == attachment_id


def test_iban_lookups_name_what_is_missing(host: ReferenceHost) -> None:
    record = host.ibans.list("97974")[0]
    with pytest.raises(UnknownIbanRecord) as missing_record:
        host.ibans.attach(999, record.attachment_ids[0])
    assert missing_record.value.key == 999
    with pytest.raises(UnknownAttachment) as missing_attachment:
        host.ibans.attach(record.id, 999_999)
    assert missing_attachment.value.key == 999_999
    with pytest.raises(UnknownAccount):
        host.ibans.create(
            NewIbanRecord(account_number="0000", iban="FR76", bic=None, holder="X", bank=None, origin="Saisi")
        )


def test_by02_a_record_with_a_danger_warning_pays_nobody_until_a_user_confirms_it(host: ReferenceHost) -> None:
    from liasse_hostapi.records import IbanWarning

    danger = IbanWarning(code="iban_changed", severity="danger", text="L'IBAN reçu diffère de l'IBAN actuel.")
    created = host.ibans.create(
        NewIbanRecord(
            account_number="2950",
            iban="FR76 3000 4000 0312 3456 7890 143",
            bic="BNPAFRPPXXX",
            holder="M. JACQUES MARTIN",
            bank="BNP PARIBAS",
            origin="IBAN transmis via DocSecure",
            warnings=(danger,),
        )
    )
    assert created.needs_confirmation and created.confirmed_by is None
    confirmed = host.ibans.confirm_for_payment(created.id, "FICH")
    assert not confirmed.needs_confirmation
    assert confirmed.confirmed_by == "FICH" and confirmed.confirmed_at is not None
    # Confirming again keeps who confirmed first, and when.
    again = host.ibans.confirm_for_payment(created.id, "CLER")
    assert (again.confirmed_by, again.confirmed_at) == ("FICH", confirmed.confirmed_at)
    assert host.ibans.list("2950")[-1] == again
    with pytest.raises(UnknownIbanRecord):
        host.ibans.confirm_for_payment(999_999, "FICH")


def test_by02_a_record_with_no_danger_warning_needs_no_confirmation(host: ReferenceHost) -> None:
    from liasse_hostapi.records import IbanWarning

    caution = IbanWarning(code="holder_mismatch", severity="warning", text="Le titulaire diffère de l'intitulé du compte.")
    created = host.ibans.create(
        NewIbanRecord(
            account_number="2950", iban="FR7630004000031234567890143", bic=None, holder="X", bank=None,
            origin="IBAN transmis via DocSecure", warnings=(caution,),
        )
    )
    assert not created.needs_confirmation
