"""DS-26, BY-06: bank details read from generated RIBs: text PDFs, photos and scans.

The documents and their expected fields come from ``tests/ribs.py``. OCR
cases need the ``tesseract`` program (``.ci/run`` installs it); without it
they are skipped, saying so.
"""

from __future__ import annotations

import logging
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import attrs
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import ribs
from liasse.intake import builtin, reading
from liasse.intake.reading import (
    BankDetailsConflict,
    bank_details_in_pdf,
    bank_details_in_text,
    read_rib,
    read_rib_text,
)
from liasse.masking import mask_iban
from liasse.records import IncomingDocument

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None or not reading.ocr_available(),
    reason="tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-fra; .ci/run does it)",
)
TEXT_CASES = ribs.cases("pdf")
#: OCR takes about a second a photo: a few in the tests, every layout and a right-angle turn among them.
PHOTO_CASES = ribs.photo_cases(8)


def fields_of(path: Path) -> dict[str, str | None]:
    reading_ = read_rib(path)
    assert reading_.fields is not None, reading_.reason_en
    return attrs.asdict(reading_.fields)


def one(layout: str, label: str | None = None) -> ribs.RibCase:
    return next(c for c in TEXT_CASES if c.layout == layout and (label is None or c.holder_label == label))


def assert_reads(case: ribs.RibCase, tmp_path: Path) -> dict[str, str | None]:
    found = fields_of(case.write(tmp_path))
    wrong = {k: (found.get(k), v) for k, v in ribs.score(found, case.expected).items() if not v}
    assert not wrong, {k: (found.get(k), case.expected[k]) for k in wrong}
    return found


# --- text PDFs, one layout each ---------------------------------------------


def test_by06_labels_above_values(tmp_path: Path) -> None:
    assert_reads(one("classic"), tmp_path)


def test_by06_labels_under_values(tmp_path: Path) -> None:
    assert_reads(one("labels_under"), tmp_path)


def test_by06_label_and_value_on_one_line(tmp_path: Path) -> None:
    assert_reads(one("inline"), tmp_path)


def test_by06_iban_wrapped_over_two_lines(tmp_path: Path) -> None:
    assert_reads(one("wrapped"), tmp_path)


def test_by06_rib_printed_twice_and_three_times(tmp_path: Path) -> None:
    assert assert_reads(one("copies2"), tmp_path)["copies"] == 2
    assert assert_reads(one("copies3"), tmp_path)["copies"] == 3


def test_by06_letter_spaced_and_grouped_bic(tmp_path: Path) -> None:
    assert assert_reads(one("spaced_bic"), tmp_path)["bic_from_registry"] is False
    assert assert_reads(one("grouped_bic"), tmp_path)["bic_from_registry"] is False


@pytest.mark.parametrize("label", ribs.HOLDER_LABELS)
def test_by06_ten_holder_labels(label: str, tmp_path: Path) -> None:
    case = one("classic", label)
    assert assert_reads(case, tmp_path)["holder"] == case.holder


def test_by06_french_rib_fields_come_with_the_iban() -> None:
    found = read_rib_text("RIB\n30004 00001 00012345678 30\nIBAN FR76 3000 4000 0100 0123 4567 830")
    assert found is not None
    assert (found.bank_code, found.branch_code, found.account_number, found.rib_key) == ("30004", "00001", "00012345678", "30")


def test_by06_o_read_for_0_in_the_check_digits() -> None:
    # French IBANs always carry 76 (the RIB key sees to it): the O-for-0 slip shows on other countries' IBANs.
    details = bank_details_in_text("IBAN : DE7O 3704 0044 0000 0018 07\nBIC COBADEFFXXX")
    assert details is not None and details.iban == "DE70370400440000001807" and details.bic == "COBADEFFXXX"


def test_by06_ocr_letters_in_the_french_digits_are_fixed() -> None:
    details = bank_details_in_text("IBAN FR76 3OOO 4OOO O1OO O123 4567 83O")
    assert details is not None and details.iban == "FR7630004000010001234567830"


def test_by06_nbsp_and_letter_spaced_bic() -> None:
    details = bank_details_in_text("IBAN\u00a0: FR76\u00a03000\u202f4000 0100 0123 4567 830\nBIC : B N P A F R P P")
    assert details is not None and details.bic == "BNPAFRPP"


def test_by06_rib_without_iban_gives_the_iban() -> None:
    found = read_rib_text("Code banque Code guichet N° de compte Clé\n30004 00001 00012345678 30")
    assert found is not None and found.iban == "FR7630004000010001234567830"


def test_by06_a_number_that_only_looks_like_an_iban_is_not_read() -> None:
    assert bank_details_in_text("IBAN FR76 3000 4000 0100 0123 4567 831") is None


# --- bad inputs --------------------------------------------------------------


def test_by06_copies_that_disagree_raise_naming_both(tmp_path: Path) -> None:
    case = ribs.conflicting_case()
    with pytest.raises(BankDetailsConflict) as raised:
        bank_details_in_pdf(case.write(tmp_path))
    message = raised.value.message("fr")
    # Both named by their last four characters: an exception message never carries a whole IBAN (S4).
    assert mask_iban(case.iban) in message and mask_iban(case.other_iban or "") in message
    assert ribs._grouped(case.iban) not in message
    assert "ne concordent pas" in message and "ne concordent pas" in str(raised.value.message("fr"))
    assert "do not agree" in raised.value.message("en")


def test_by06_iban_against_a_different_printed_rib_raises() -> None:
    with pytest.raises(BankDetailsConflict, match=r"IBAN FR76 \*\*\*\* … 7830 .* RIB 30004 00001 \*\*\*\*5679 27"):
        read_rib_text("30004 00001 00012345679 27\nIBAN FR76 3000 4000 0100 0123 4567 830")


def test_by06_pdf_without_bank_details_says_why(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(ribs.text_pdf(replace(one("inline"), iban="", holder="", bank="", bic="")))
    assert bank_details_in_pdf(path) is None
    reading_ = read_rib(path)
    assert reading_.fields is None and reading_.reason_fr and reading_.reason_en


@needs_tesseract
def test_by06_image_with_no_bank_details_is_none_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "facture.jpg"
    path.write_bytes(ribs.no_bank_details_image())
    reading_ = read_rib(path)
    assert reading_.fields is None
    assert reading_.reason_fr == "aucun IBAN lisible dans l'image"


def test_by06_without_tesseract_images_give_none_and_a_logged_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(reading, "_tesseract", lambda: None)
    path = tmp_path / "rib.jpg"
    path.write_bytes(ribs.no_bank_details_image())
    with caplog.at_level(logging.INFO, logger="liasse.intake.reading"):
        reading_ = read_rib(path)
    assert reading_.fields is None and "tesseract" in (reading_.reason_en or "")
    assert "tesseract" in caplog.text


# --- the hook ----------------------------------------------------------------


def document(path: Path, media_type: str) -> IncomingDocument:
    return IncomingDocument(path=path, file_name=path.name, media_type=media_type, sha256="0" * 64, provider="test")


def test_by06_hook_reads_pdfs_and_ignores_other_types(tmp_path: Path) -> None:
    case = one("classic")
    path = case.write(tmp_path)
    details = builtin.liasse_extract_bank_details(document(path, "application/pdf"))
    assert details is not None and details.iban == case.iban and details.holder == case.holder
    assert builtin.liasse_extract_bank_details(document(path, "text/plain")) is None


@needs_tesseract
def test_by06_hook_reads_photos_and_scanned_pdfs(tmp_path: Path) -> None:
    photo = PHOTO_CASES[0]
    details = builtin.liasse_extract_bank_details(document(photo.write(tmp_path), "image/jpeg"))
    assert details is not None and details.iban == photo.iban
    scan = replace(photo, kind="scan", name="scan")
    details = builtin.liasse_extract_bank_details(document(scan.write(tmp_path), "application/pdf"))
    assert details is not None and details.iban == photo.iban


# --- accuracy over the generated set ------------------------------------------


def accuracy_over(cases: list[ribs.RibCase], tmp_path: Path) -> dict[str, float]:
    results = []
    for case in cases:
        reading_ = read_rib(case.write(tmp_path))
        found = attrs.asdict(reading_.fields) if reading_.fields else {}
        results.append(ribs.score(found, case.expected))
    return ribs.accuracy(results)


def assert_targets(accuracy: dict[str, float]) -> None:
    assert accuracy["iban"] == 1.0, accuracy
    assert accuracy["bic"] == 1.0, accuracy
    assert accuracy["holder"] >= 0.95, accuracy


def test_by06_accuracy_on_text_pdfs(tmp_path: Path) -> None:
    accuracy = accuracy_over(TEXT_CASES, tmp_path)
    assert_targets(accuracy)
    # Text layers are exact: every field, not only the targets.
    assert min(accuracy.values()) == 1.0, accuracy


@needs_tesseract
def test_by06_accuracy_on_photos(tmp_path: Path) -> None:
    assert {c.layout for c in PHOTO_CASES} == set(ribs.LAYOUTS)
    assert any(c.angle in (90, 180, 270) for c in PHOTO_CASES)
    assert_targets(accuracy_over(PHOTO_CASES, tmp_path))
