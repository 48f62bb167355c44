"""liasse's own implementations of the intake extension points.

Every step of the intake pipeline that a plugin may add to or replace:
screening, reading bank details, stamping, proving the receipt. Registered
by :meth:`liasse.app.Liasse.open` under the name ``liasse.intake``
and marked ``trylast``, so any plugin's implementation runs before them and
may replace them (a better stamper, an OCR reader).
"""

from __future__ import annotations

from pathlib import Path

from liasse.markers import hookimpl
from liasse.records import BankDetails, IncomingDocument, Screening

#: The name the built-ins are registered under.
PLUGIN_NAME = "liasse.intake"
#: What the built-in stamper marks (DS-28): PDF and images.
STAMPABLE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/tiff"})


@hookimpl(trylast=True)
def liasse_stamp_document(document: IncomingDocument, text: str, dest: Path) -> Path | None:
    """DS-28: the mark on PDFs and images; None for other types."""
    from liasse.intake.stamp import stamp_file

    if document.media_type not in STAMPABLE_TYPES:
        return None
    return stamp_file(document.path, dest, text, media_type=document.media_type, logo=document.logo)


@hookimpl(trylast=True)
def liasse_extract_bank_details(document: IncomingDocument) -> BankDetails | None:
    """DS-26, BY-06: the bank details of a RIB: a PDF's text, else OCR of its images; photos and scans by OCR.

    Only an IBAN that schwifty validates (French RIB key included) is
    returned, so a number that merely looks like one is never proposed; None
    for other types and unreadable files (the reason is logged). Copies of the
    RIB that disagree raise :class:`~liasse.intake.reading.BankDetailsConflict`.
    Without tesseract installed, images give None.
    """
    from liasse.intake.reading import IMAGE_TYPES, bank_details_in_file

    if document.media_type != "application/pdf" and document.media_type not in IMAGE_TYPES:
        return None
    return bank_details_in_file(document.path, document.media_type)


@hookimpl(trylast=True)
def liasse_screen_document(document: IncomingDocument, dest: Path) -> Screening | None:
    """Received PDFs without their active content, zips checked entry by entry; None for other types.

    A PDF is inspected under liasse's caps in the confined worker; when it
    holds scripts, actions, embedded files or an XFA form, a copy without
    them is written to ``dest`` and checked again. A zip is refused when an
    entry would land outside its folder or when it inflates beyond the caps.
    """
    from liasse.intake.archives import check_zip
    from liasse.intake.hostile import foreign_data, inspect_pdf, strip_active_content

    if document.media_type == "application/zip":
        check_zip(document.path, document.file_name)
        return Screening(document.path)
    if document.media_type != "application/pdf":
        return None
    report = inspect_pdf(document.path, document.file_name)
    polyglot = foreign_data(document.path)
    if not report.active and not polyglot:
        return Screening(document.path)
    removed_fr, removed_en = report.found()
    if polyglot:
        # The rewritten copy holds the PDF only: what other readers would open is left out.
        removed_fr, removed_en = (*removed_fr, "données d'un autre format"), (*removed_en, "data of another format")
    return Screening(strip_active_content(document.path, dest, document.file_name), removed_fr, removed_en)


@hookimpl(trylast=True)
def liasse_prove_receipt(document: IncomingDocument, tsa_url: str | None, dest: Path) -> Path | None:
    """BY-03: an RFC 3161 token over the received file's SHA-256 from the office's TSA; None without a TSA."""
    if tsa_url is None:
        return None
    from liasse.files import write_atomically
    from liasse.http import HttpClient
    from liasse.intake.proof import request_token

    client = HttpClient("TSA", tsa_url)
    try:
        token = request_token(client, tsa_url, document.sha256)
    finally:
        client.close()
    write_atomically(dest, token)
    return dest
