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

from liasse.errors import BankDetailsInvalid, BankDetailsNeeded, LiasseError
from liasse.intake.hostile import (
    PdfReport,
    check_received_file,
    inspect_pdf,
    strip_active_content,
)
from liasse.records import BankDetails, BankWarning, IncomingDocument, ReceivedFile

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
    #: Where a received PDF with active content is kept as it came, while the host gets it cleaned.
    quarantine: Path | None = None
    #: The RFC 3161 time-stamping authority asked for a token over the stored original (BY-03).
    tsa_url: str | None = None


@attrs.frozen
class IntakeResult:
    """What the host now holds."""

    original: Attachment
    stamped: Attachment | None
    iban_record: IbanRecord | None
    warnings: tuple[BankWarning, ...]
    stamp_note: str | None
    #: What active content was removed before the host got the file, and where the original is kept.
    active_content_note: str | None = None
    #: The time-stamp token over the original, stored as ``<file>.tsr`` beside it (BY-03).
    proof: Attachment | None = None
    #: Why there is no token although a TSA is set (it was unreachable or refused): ask again later.
    proof_note: str | None = None


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
    # Size, programs, content against name: before anything parses the file.
    actual = check_received_file(received.path, received.file_name)
    source, active_note = received.path, None
    if actual == "application/pdf":
        report = inspect_pdf(received.path)  # decompression bombs stop here
        if report.active:
            source, active_note = _without_active_content(received.path, report, intake.quarantine)
    document = IncomingDocument(
        path=source,
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
    owner = OwnerRef(OwnerKind.ACCOUNT, intake.account_number)
    original = host.attachments.add(
        NewAttachment(owner=owner, file_name=received.file_name, title=intake.title, media_type=actual, origin=origin),
        source,
    )
    proof, proof_note = _prove(host, intake, original, source) if intake.tsa_url else (None, None)
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
    return IntakeResult(
        original=original,
        stamped=stamped,
        iban_record=iban_record,
        warnings=warnings,
        stamp_note=note,
        active_content_note=active_note,
        proof=proof,
        proof_note=proof_note,
    )


def _prove(host: Host, intake: Intake, original: Attachment, stored: Path) -> tuple[Attachment | None, str | None]:
    """BY-03: a TSA token over the stored original's SHA-256, kept as ``<file>.tsr`` beside it.

    A TSA that is down or refuses never stops the receipt: the document is
    kept and the note says the proof can be asked for again.
    """
    from liasse.http import HttpClient
    from liasse.intake.proof import request_token

    assert intake.tsa_url is not None
    client = HttpClient("TSA", intake.tsa_url)
    try:
        token = request_token(client, intake.tsa_url, original.sha256)
    except LiasseError as exc:
        return None, exc.message()
    finally:
        client.close()
    token_path = stored.with_name(f"{stored.name}.tsr")
    token_path.write_bytes(token)
    proof = host.attachments.add(
        NewAttachment(
            owner=original.owner,
            file_name=f"{original.file_name}.tsr",
            title=f"{intake.title} (jeton d'horodatage)",
            media_type="application/timestamp-reply",
            origin=original.origin,
            original_id=original.id,
        ),
        token_path,
    )
    return proof, None


def _without_active_content(path: Path, report: PdfReport, quarantine: Path | None) -> tuple[Path, str]:
    """The PDF without scripts, actions and embedded files; the received one kept apart, as it came."""
    clean = strip_active_content(path, path.with_name(f"{path.stem}-sans-contenu-actif.pdf"))
    kept = path
    if quarantine is not None:
        quarantine.mkdir(parents=True, exist_ok=True)
        kept = Path(shutil.copy2(path, quarantine / path.name))
    found = ", ".join(
        word
        for word, present in (
            ("JavaScript", report.javascript),
            ("action à l'ouverture", report.open_action),
            ("lancement de programme", bool(report.launch_actions)),
            (f"{report.embedded_files} fichier(s) joint(s)", bool(report.embedded_files)),
            ("formulaire XFA", report.xfa),
        )
        if present
    )
    return clean, f"Contenu actif retiré avant l'import ({found}) ; le document reçu est conservé tel quel dans {kept}."


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
