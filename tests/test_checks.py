"""BY-02: received bank details checked, each finding a named warning with a severity and a sentence."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from liasse.errors import BankDetailsInvalid
from liasse.facade import Hooks
from liasse.intake import checks
from liasse.intake.checks import CHECKS, check_bank_details, compare_holder
from liasse.intake.pipeline import checked_bank_details
from liasse.manager import LiassePluginManager
from liasse.masking import mask_iban
from liasse.records import BankDetails, BankWarning, Severity
from liasse_hostapi.records import Account, AccountKind, IbanRecord
from ribs import BANKS
from schwifty import IBAN

BNP = str(IBAN.generate("FR", bank_code="30004", branch_code="00001", account_code="00012345678"))
BNP_OTHER = str(IBAN.generate("FR", bank_code="30004", branch_code="00001", account_code="00098765432"))
BOURSO = str(IBAN.generate("FR", bank_code="40618", branch_code="80000", account_code="00012345678"))


def client(title: str = "M. et Mme QUINTARD Paul", *, legal_entity: bool = False) -> Account:
    return Account(number="2950", title=title, kind=AccountKind.CLIENT, legal_entity=legal_entity)


def record(iban: str, day: dt.date = dt.date(2024, 3, 12), record_id: int = 1) -> IbanRecord:
    return IbanRecord(
        id=record_id,
        account_number="2950",
        iban=iban,
        bic=None,
        holder="QUINTARD Paul",
        bank=None,
        origin="Saisi",
        created_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC),
    )


def findings(details: BankDetails, account: Account | None = None, previous: tuple[IbanRecord, ...] = ()) -> dict[str, BankWarning]:
    """The findings of the built-in checks on details that went through the pipeline's validation first."""
    found = check_bank_details(checked_bank_details(details), account or client(), previous)
    codes = [w.code for w in found]
    assert len(codes) == len(set(codes)), codes
    return {w.code: w for w in found}


def rib(iban: str = BNP, **fields: str | None) -> BankDetails:
    values: dict[str, str | None] = {"holder": "M. ou Mme Paul Quintard", "bank": "BNP PARIBAS PARIS BASTILLE"}
    values.update(fields)
    return BankDetails(iban=iban, **values)  # type: ignore[arg-type]


def wrong_rib_key_iban() -> str:
    """A French IBAN whose RIB key is wrong but whose check digits were recomputed to pass ISO 7064."""
    bban = "30004000010001234567800"  # bank, branch, account, then a RIB key of 00 (the right one is 30)
    assert IBAN(BNP).bban[-2:] != "00"
    digits = "".join(str(int(ch, 36)) for ch in bban + "FR00")
    check = 98 - int(digits) % 97
    return f"FR{check:02d}{bban}"


# --- refused before any check: the pipeline's validation ---------------------------


def test_by02_invalid_iban_checksum_is_refused_with_a_sentence() -> None:
    wrong = BNP[:-1] + str((int(BNP[-1]) + 1) % 10)
    with pytest.raises(BankDetailsInvalid) as caught:
        checked_bank_details(BankDetails(iban=wrong))
    message = caught.value.message("fr")
    assert message.startswith("Les coordonnées bancaires sont invalides : IBAN")
    assert wrong in message and "Vérifiez l'IBAN sur le RIB reçu" in message
    assert "received document is kept" in caught.value.message("en")


def test_by02_valid_checksum_but_wrong_rib_key_is_refused() -> None:
    forged = wrong_rib_key_iban()
    # The ISO checksum alone accepts it: only the French RIB key tells it is wrong.
    IBAN(forged, validate_bban=False)
    with pytest.raises(BankDetailsInvalid) as caught:
        checked_bank_details(BankDetails(iban=forged))
    assert forged in caught.value.message("fr")
    # And a caller that skips the pipeline still gets a DANGER, not silence.
    found = check_bank_details(BankDetails(iban=forged), client(), ())
    assert [(w.code, w.severity) for w in found] == [("iban_invalid", Severity.DANGER)]


def test_by02_malformed_bic_is_refused_with_a_sentence() -> None:
    with pytest.raises(BankDetailsInvalid) as caught:
        checked_bank_details(BankDetails(iban=BNP, bic="BNP-PARIS"))
    assert "BIC « BNP-PARIS »" in caught.value.message("fr")
    assert "BIC 'BNP-PARIS'" in caught.value.message("en")


# --- BIC and bank -------------------------------------------------------------------


def test_by02_bic_of_another_country_than_the_iban_is_a_danger() -> None:
    found = findings(rib(bic="DEUTDEFF"))
    warning = found["bic_country"]
    assert warning.severity is Severity.DANGER
    assert warning.text_fr.startswith("Le BIC DEUTDEFF est celui d'une banque de DE, alors que l'IBAN FR76")
    assert "avant tout paiement" in warning.text_fr
    assert "bic_bank" not in found  # the country already says it


def test_by02_overseas_bic_with_a_french_iban_is_not_a_country_mismatch() -> None:
    # BNP Paribas Réunion: a RE BIC on FR IBANs.
    assert "bic_country" not in findings(rib(bic="BNPARERX"))


def test_by02_bic_of_another_bank_than_the_iban_is_a_warning() -> None:
    found = findings(rib(iban=BOURSO, bic="BNPAFRPP", bank="BOURSOBANK"))
    warning = found["bic_bank"]
    assert warning.severity is Severity.WARNING
    assert "BNPAFRPP (BNP PARIBAS)" in warning.text_fr and "(BOURSOBANK)" in warning.text_fr


def test_by02_branch_bic_of_the_same_bank_agrees() -> None:
    assert "bic_bank" not in findings(rib(bic="BNPAFRPPXXX"))


def test_by02_domiciliation_of_another_bank_than_the_iban_is_a_warning() -> None:
    # A forged RIB: the BNP header kept, a Boursobank IBAN typed in.
    warning = findings(rib(iban=BOURSO))["bank_name"]
    assert warning.severity is Severity.WARNING
    assert warning.text_fr.startswith("La domiciliation du RIB (« BNP PARIBAS PARIS BASTILLE ») ne correspond pas")
    assert "BOURSOBANK" in warning.text_fr


@pytest.mark.parametrize(("bank_code", "bic", "domiciliation"), BANKS)
def test_by02_real_domiciliations_match_their_bank(bank_code: str, bic: str, domiciliation: str) -> None:
    """Abbreviations (SG, LCL), branch names and the registry's truncated names raise nothing."""
    iban = str(IBAN.generate("FR", bank_code=bank_code, branch_code="00001", account_code="00012345678"))
    found = findings(rib(iban=iban, bic=bic, bank=domiciliation))
    assert not {"bank_name", "bic_bank", "bic_country"} & found.keys(), found


# --- holder -------------------------------------------------------------------------


def test_by02_holder_of_someone_else_is_a_danger() -> None:
    warning = findings(rib(holder="M. Théo Barraud"))["holder_mismatch"]
    assert warning.severity is Severity.DANGER
    assert warning.text_fr.startswith(
        "Le titulaire du RIB (« M. Théo Barraud ») n'est pas le client du compte 2950 (« M. et Mme QUINTARD Paul »)"
    )
    assert "ne payez pas sur ce RIB" in warning.text_fr
    assert "is not the client of account 2950" in warning.text_en


def test_by02_relative_with_the_same_surname_is_someone_else() -> None:
    assert findings(rib(holder="Pierre QUINTARD"), client("QUINTARD Paul"))["holder_mismatch"].severity is Severity.DANGER


@pytest.mark.parametrize(
    ("holder", "title", "legal_entity"),
    [
        ("M. ou Mme Paul Quintard", "M. et Mme QUINTARD Paul", False),  # civilities, order
        ("MONSIEUR JEAN-BAPTISTE LAVERGNE", "Lavergne Jean Baptiste", False),  # case, hyphen
        ("Mme Hélène Ferrand", "FERRAND Helene", False),  # accents
        ("SARL BOULANGERIE ROCHEFORT", "Boulangerie Rochefort", True),  # company form
        ("SCI DES QUATRE VENTS", "S.C.I. Les Quatre Vents", True),  # articles, dotted form
        ("Les Vergers du Lot SAS", "SAS LES VERGERS DU LOT", True),  # form after the name
    ],
)
def test_by02_same_holder_written_differently_raises_nothing(holder: str, title: str, legal_entity: bool) -> None:
    assert compare_holder(holder, title, legal_entity=legal_entity) == "same"
    found = findings(rib(holder=holder), client(title, legal_entity=legal_entity))
    assert not {"holder_mismatch", "holder_partial", "holder_missing"} & found.keys()


@pytest.mark.parametrize(
    ("holder", "title"),
    [
        ("Mme Hélène Ferrand", "FERRAND-MOURET Hélène"),  # maiden name only
        ("M. Paul Quintard", "M. et Mme QUINTARD Paul et Marie"),  # one of a couple
        ("J. LAVERGNE", "LAVERGNE Jean"),  # initial
        ("Jean LAVERGNF", "LAVERGNE Jean"),  # OCR typo
    ],
)
def test_by02_partly_matching_holder_is_a_warning(holder: str, title: str) -> None:
    warning = findings(rib(holder=holder), client(title))["holder_partial"]
    assert warning.severity is Severity.WARNING
    assert "ne correspond qu'en partie" in warning.text_fr


def test_by02_company_sharing_a_word_is_only_partial() -> None:
    assert compare_holder("SARL ROCHEFORT ET FILS", "SARL BOULANGERIE ROCHEFORT", legal_entity=True) == "partial"


def test_by02_missing_holder_is_told_as_info() -> None:
    warning = findings(rib(holder=None))["holder_missing"]
    assert warning.severity is Severity.INFO
    assert "reprend l'intitulé du compte 2950" in warning.text_fr


def test_by02_holder_matching_first_and_last_name_fields_is_enough() -> None:
    account = Account(
        number="2950", title="Succession QUINTARD", kind=AccountKind.CLIENT, first_name="Paul", last_name="Quintard"
    )
    found = findings(rib(holder="M. Paul QUINTARD"), account)
    assert "holder_mismatch" not in found and "holder_partial" not in found


# --- IBAN history -------------------------------------------------------------------


def test_by02_iban_different_from_the_current_one_must_be_confirmed_before_payment() -> None:
    previous = (record(BNP_OTHER, dt.date(2021, 1, 5), 1), record(BNP, dt.date(2024, 3, 12), 2))
    warning = findings(rib(iban=BOURSO, bank="BOURSOBANK"), previous=previous)["iban_changed"]
    assert warning.severity is Severity.DANGER
    # Named by their last four characters: the warning is stored and shown, never a whole IBAN (S4).
    received = mask_iban(BOURSO)
    current = mask_iban(BNP)
    assert warning.text_fr == (
        f"L'IBAN reçu ({received}) diffère de l'IBAN actuel du compte 2950 ({current}, fiche du 12/03/2024) : "
        "vérifiez-le auprès du client par un autre canal (téléphone connu) avant tout paiement."
    )
    assert "before any payment" in warning.text_en


def test_by02_return_to_a_former_iban_is_still_a_change() -> None:
    previous = (record(BNP_OTHER, dt.date(2021, 1, 5), 1), record(BNP, dt.date(2024, 3, 12), 2))
    warning = findings(rib(iban=BNP_OTHER), previous=previous)["iban_changed"]
    assert "Il reprend un ancien IBAN du compte (fiche du 05/01/2021)." in warning.text_fr


def test_by02_same_iban_as_the_current_one_is_info() -> None:
    spaced = IBAN(BNP).formatted.lower()  # the host may keep it grouped, in any case
    found = findings(rib(), previous=(record(spaced),))
    assert found["iban_known"].severity is Severity.INFO
    assert "iban_changed" not in found


def test_by02_first_iban_of_an_account_raises_nothing() -> None:
    assert findings(rib()) == {}


# --- the hook and its table ---------------------------------------------------------


def test_by02_every_code_is_documented_with_its_severity() -> None:
    doc = checks.__doc__ or ""
    for code, (severity, meaning) in CHECKS.items():
        row = re.search(rf"``{code}``\s+(\w+)", doc)
        assert row is not None, f"{code} missing from the module's table"
        assert row.group(1) == severity.name, code
        assert meaning


def test_by02_checks_run_through_the_extension_point_tagged_with_their_plugin() -> None:
    pm = LiassePluginManager()
    pm.register_checked(checks, "liasse.checks")
    hooks = Hooks(pm, {})
    details = checked_bank_details(rib(iban=BOURSO, bic="DEUTDEFF"))
    found = hooks.check_bank_details(details, client(), [record(BNP)])
    assert {w.code for w in found} >= {"bic_country", "bank_name", "iban_changed"}
    assert {w.source for w in found} == {"liasse.checks"}
