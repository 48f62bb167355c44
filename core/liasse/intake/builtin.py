"""liasse's own implementations of the intake extension points.

Registered by :meth:`liasse.app.Liasse.open` under the name ``liasse.intake``
and marked ``trylast``, so any plugin's implementation runs before them and
may replace them (a better stamper, an OCR reader).
"""

from __future__ import annotations

from pathlib import Path

from liasse.markers import hookimpl
from liasse.records import BankDetails, IncomingDocument

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
