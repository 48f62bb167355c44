"""The road every received file takes into the host (DS-26 … DS-28).

1. its size and its content must be what its name says (a disguised file
   stops here, whatever plugins are installed);
2. it is screened (extension point; the built-in strips a PDF's active
   content in the confined worker and checks zips): when something had to
   go, the file as received is stored too, and the cleaned copy the host's
   users open points back to it;
3. for a RIB, the bank details are read (extension point) or typed, and
   checked with schwifty before anything is written;
4. the original is stored as an attachment, with its SHA-256, and its
   receipt proven (extension point; the built-in asks the office's RFC 3161
   authority for a token over the file as received);
5. a timestamped copy is made when asked (extension point; the built-in
   stamper handles PDF and images) and stored beside it, pointing back to it;
6. for a RIB, the IBAN record is created with the file, after the checkers
   (extension point) had their say.

A file refused on the way (:class:`~liasse.errors.HostileDocument`) is
copied, as received, into the exchange's quarantine folder before the error
goes up: nothing received is lost.

Provider plugins never do this themselves: they fetch the file, liasse
takes it from there, the same way for every provider.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
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

from liasse.errors import BankDetailsInvalid, BankDetailsNeeded, HostileDocument, LiasseError
from liasse.intake.hostile import check_received_file
from liasse.messages import default_lang
from liasse.records import BankDetails, BankWarning, IncomingDocument, ReceivedFile, Screening

if TYPE_CHECKING:
    from liasse_hostapi.protocols import Host

    from liasse.facade import Hooks


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
    #: Where a refused file is kept as it came (the download folder is reused by the next attempt).
    quarantine: Path | None = None
    #: The RFC 3161 time-stamping authority asked for a token over the stored original (BY-03).
    tsa_url: str | None = None
    #: What the attachments hang on; the account by default (a shared zone files them on the matter, JZ-06).
    owner: OwnerRef | None = None
    #: The stored file this one is a new version of (JS-04: the signed version of a file sent for signature).
    version_of: int | None = None


@attrs.frozen
class IntakeResult:
    """What the host now holds."""

    #: What the host's users open: the file as received, or its copy without active content.
    original: Attachment
    stamped: Attachment | None
    iban_record: IbanRecord | None
    warnings: tuple[BankWarning, ...]
    stamp_note: str | None
    #: What active content was removed before the host got the file, and which attachment keeps it as received.
    active_content_note: str | None = None
    #: The time-stamp token over the file as received, stored as ``<file>.tsr`` beside it (BY-03).
    proof: Attachment | None = None
    #: Why there is no token although a TSA is set (it was unreachable or refused): ask again later.
    proof_note: str | None = None
    #: The file exactly as received, when screening had to clean it: ``original`` is then its cleaned
    #: copy, and ``original.original_id`` is this attachment's id. None when ``original`` is as received.
    received: Attachment | None = None


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
    try:
        # Size, programs, content against name: before anything parses the file, whatever plugins say.
        actual = check_received_file(received.path, received.file_name)
        as_received = IncomingDocument(
            path=received.path,
            file_name=received.file_name,
            media_type=actual,
            sha256=received.sha256,
            provider=received.provider,
            logo=intake.logo,
        )
        suffix = Path(received.file_name).suffix
        screening = hooks.screen_document(
            as_received, received.path.with_name(f"{received.path.stem}-sans-contenu-actif{suffix}")
        ) or Screening(received.path)
    except HostileDocument:
        _keep_refused(received, intake.quarantine)
        raise
    document = attrs.evolve(as_received, path=screening.path)
    source = screening.path
    details: BankDetails | None = None
    warnings: tuple[BankWarning, ...] = ()
    if intake.bank_details_wanted:
        found = intake.typed_details or hooks.extract_bank_details(document)
        if found is None:
            # The host shows an empty IBAN form with the reason: read again only to say why.
            from liasse.intake.reading import read_rib

            reading = read_rib(source, actual)
            raise BankDetailsNeeded(
                file_name=received.file_name,
                reason_fr=reading.reason_fr or "aucun IBAN valide trouvé",
                reason_en=reading.reason_en or "no valid IBAN found",
            )
        details = checked_bank_details(found)
        account = host.accounts.account(intake.account_number)
        warnings = tuple(hooks.check_bank_details(details, account, host.ibans.list(intake.account_number)))
    origin = f"Reçu via {intake.provider_title}"
    owner = intake.owner or OwnerRef(OwnerKind.ACCOUNT, intake.account_number)
    kept: Attachment | None = None
    if screening.cleaned:
        # The legal document is the file as it came: stored too, under a title that says not to open it lightly.
        kept = host.attachments.add(
            NewAttachment(
                owner=owner,
                file_name=received.file_name,
                title=f"{intake.title} (tel que reçu, avec son contenu actif)",
                media_type=actual,
                origin=origin,
            ),
            received.path,
        )
    original = host.attachments.add(
        NewAttachment(
            owner=owner,
            file_name=received.file_name,
            title=intake.title,
            media_type=actual,
            origin=origin,
            original_id=kept.id if kept else intake.version_of,
        ),
        source,
    )
    proof, proof_note = _prove(host, hooks, intake, as_received, kept or original)
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
    if kept is not None:
        hooks.attachment_imported(kept, None)
    hooks.attachment_imported(original, None)
    return IntakeResult(
        original=original,
        stamped=stamped,
        iban_record=iban_record,
        warnings=warnings,
        stamp_note=note,
        active_content_note=_active_note(screening, kept) if kept else None,
        proof=proof,
        proof_note=proof_note,
        received=kept,
    )


def _prove(
    host: Host, hooks: Hooks, intake: Intake, document: IncomingDocument, proven: Attachment
) -> tuple[Attachment | None, str | None]:
    """BY-03: the provers' proof over the file as received, kept as ``<file>.tsr`` beside ``proven``.

    An authority that is down or refuses never stops the receipt: the
    document is kept and the note says the proof can be asked for again.
    """
    dest = document.path.with_name(f"{document.path.name}.tsr")
    try:
        made = hooks.prove_receipt(document, intake.tsa_url, dest)
    except LiasseError as exc:
        return None, exc.message()
    if made is None:
        return None, None
    proof = host.attachments.add(
        NewAttachment(
            owner=proven.owner,
            file_name=f"{proven.file_name}.tsr",
            title=f"{intake.title} (jeton d'horodatage)",
            media_type="application/timestamp-reply",
            origin=proven.origin,
            original_id=proven.id,
        ),
        made,
    )
    return proof, None


def _active_note(screening: Screening, kept: Attachment) -> str:
    """What was removed, and which attachment holds the document as it came."""
    if default_lang() == "en":
        return (
            f"Active content removed before the import ({', '.join(screening.removed_en)}); the document as received "
            f"is kept beside it, in attachment #{kept.id} '{kept.title}'."
        )
    return (
        f"Contenu actif retiré avant l'import ({', '.join(screening.removed_fr)}) ; le document tel que reçu est "
        f"conservé à côté, dans la pièce jointe n° {kept.id} « {kept.title} »."
    )


def _keep_refused(received: ReceivedFile, quarantine: Path | None) -> None:
    """Copy a refused file, as received, into the quarantine folder (the download folder is reused)."""
    if quarantine is None or not received.path.is_file():
        return
    quarantine.mkdir(parents=True, exist_ok=True)
    shutil.copy2(received.path, quarantine / received.path.name)


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
