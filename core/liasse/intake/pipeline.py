"""The road every received file takes into the host (DS-26 … DS-28).

1. its content must be what its name says (a disguised file stops here);
2. for a RIB, the bank details are read (extension point) or typed, and
   checked with schwifty before anything is written;
3. the original is stored as an attachment, untouched, with its SHA-256;
4. a timestamped copy is made when asked (extension point; the built-in
   stamper handles PDF and images) and stored beside it, pointing back to it;
5. for a RIB, the IBAN record is created with the file, after the checkers
   (extension point) had their say.

Provider plugins never do this themselves: they fetch the file, liasse
takes it from there, the same way for every provider.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from liasse.errors import BankDetailsInvalid, BankDetailsNeeded, FileRefused, LiasseError
from liasse.files import claimed_type, sniffed_type
from liasse.records import BankDetails, BankWarning, IncomingDocument, ReceivedFile
from liasse_hostapi.records import (
    Attachment,
    IbanRecord,
    IbanWarning,
    NewAttachment,
    NewIbanRecord,
    OwnerKind,
    OwnerRef,
)
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

if TYPE_CHECKING:
    from liasse.facade import Hooks
    from liasse_hostapi.protocols import Host


@attrs.frozen
class Intake:
    """One received file and what the user wants done with it."""

    received: ReceivedFile
    account_number: str
    #: The attachment's title: the request's label.
    title: str
    #: "DocSecure": the attachment's origin reads "Reçu via DocSecure".
    provider_title: str
    #: The mark's text ("Reçu via DocSecure le 09/10/2023 à 16:29"), or None for no mark.
    stamp_text: str | None
    #: A RIB: an IBAN record is made from it.
    bank_details_wanted: bool = False
    #: Bank details the user typed (DS-26 "else typed by the user"); they win over reading.
    typed_details: BankDetails | None = None
    #: The provider's logo, beside the mark on images (DS-28).
    logo: Path | None = None


@attrs.frozen
class IntakeResult:
    """What the host now holds."""

    original: Attachment
    stamped: Attachment | None
    iban_record: IbanRecord | None
    warnings: tuple[BankWarning, ...]
    stamp_note: str | None


def checked_bank_details(details: BankDetails) -> BankDetails:
    """``details`` with IBAN and BIC validated and normalised (schwifty), or :class:`BankDetailsInvalid`.

    French IBANs are checked down to the RIB key (``validate_bban``).
    """
    try:
        iban = IBAN(details.iban, validate_bban=True)
    except SchwiftyException as exc:
        raise BankDetailsInvalid(
            reason_fr=f"IBAN « {details.iban} » : {exc}", reason_en=f"IBAN '{details.iban}': {exc}"
        ) from None
    bic_text = details.bic
    if bic_text:
        try:
            bic_text = str(BIC(bic_text))
        except SchwiftyException as exc:
            raise BankDetailsInvalid(
                reason_fr=f"BIC « {details.bic} » : {exc}", reason_en=f"BIC '{details.bic}': {exc}"
            ) from None
    elif iban.bic is not None:
        bic_text = str(iban.bic)
    bank = details.bank or (iban.bank_name if iban.bank else None)
    return attrs.evolve(details, iban=iban.compact, bic=bic_text, bank=bank)


def run_intake(host: Host, hooks: Hooks, intake: Intake) -> IntakeResult:
    """Take a received file into the host, in the order the module docstring gives."""
    received = intake.received
    actual = sniffed_type(received.path)
    claimed = claimed_type(received.file_name)
    if actual is None or actual != claimed:
        raise FileRefused(
            file_name=received.file_name,
            title=intake.provider_title,
            reason_fr=f"son contenu ({actual or 'inconnu'}) ne correspond pas à son nom ({claimed})",
            reason_en=f"its content ({actual or 'unknown'}) does not match its name ({claimed})",
            fix_fr="Il n'a pas été importé. Demandez au contact de déposer le document dans son vrai format.",
            fix_en="It was not imported. Ask the contact to upload the document in its real format.",
        )
    document = IncomingDocument(
        path=received.path,
        file_name=received.file_name,
        media_type=actual,
        sha256=received.sha256,
        provider=received.provider,
        logo=intake.logo,
    )
    details: BankDetails | None = None
    warnings: tuple[BankWarning, ...] = ()
    if intake.bank_details_wanted:
        found = intake.typed_details or hooks.extract_bank_details(document)
        if found is None:
            raise BankDetailsNeeded(file_name=received.file_name)
        details = checked_bank_details(found)
        account = host.accounts.account(intake.account_number)
        warnings = tuple(hooks.check_bank_details(details, account, host.ibans.list(intake.account_number)))
    origin = f"Reçu via {intake.provider_title}"
    owner = OwnerRef(OwnerKind.ACCOUNT, intake.account_number)
    original = host.attachments.add(
        NewAttachment(owner=owner, file_name=received.file_name, title=intake.title, media_type=actual, origin=origin),
        received.path,
    )
    stamped: Attachment | None = None
    note: str | None = None
    if intake.stamp_text is not None:
        stamped, note = _stamp(host, hooks, document, intake, original)
    iban_record: IbanRecord | None = None
    if details is not None:
        iban_record = host.ibans.create(
            NewIbanRecord(
                account_number=intake.account_number,
                iban=details.iban,
                bic=details.bic,
                holder=details.holder or host.accounts.account(intake.account_number).title,
                bank=details.bank,
                origin=f"IBAN transmis via {intake.provider_title}",
                attachment_ids=((stamped or original).id,),
                warnings=tuple(IbanWarning(w.code, w.severity.value, w.message()) for w in warnings),
            )
        )
        hooks.iban_created(iban_record, tuple(w.message() for w in warnings))
    hooks.attachment_imported(original, None)
    return IntakeResult(original=original, stamped=stamped, iban_record=iban_record, warnings=warnings, stamp_note=note)


def _stamp(
    host: Host, hooks: Hooks, document: IncomingDocument, intake: Intake, original: Attachment
) -> tuple[Attachment | None, str | None]:
    """The timestamped copy as an attachment pointing at its original, or why there is none."""
    assert intake.stamp_text is not None
    suffix = Path(document.file_name).suffix
    dest = document.path.with_name(f"{document.path.stem}-horodate{suffix}")
    try:
        marked = hooks.stamp_document(document, intake.stamp_text, dest)
    except LiasseError as exc:
        # A document that cannot carry the mark (encrypted PDF …) is still imported, as received.
        return None, exc.message()
    except OSError as exc:
        # The original is already stored: a full disk while writing the copy must not undo the import.
        return None, f"La copie horodatée n'a pas pu être écrite ({exc.strerror or exc}) ; l'original est importé tel quel."
    if marked is None:
        return None, (
            f"Aucune mention d'horodatage possible sur un fichier {document.media_type} ; l'original est importé tel quel."
        )
    stem = Path(document.file_name).stem
    stamped = host.attachments.add(
        NewAttachment(
            owner=original.owner,
            file_name=f"{stem}_horodate{suffix}",
            title=f"{intake.title} (horodaté)",
            media_type=document.media_type,
            origin=original.origin,
            original_id=original.id,
        ),
        marked,
    )
    return stamped, None
