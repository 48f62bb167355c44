"""Reading bank details from a PDF's text layer (DS-26, BY-06).

French RIBs print the IBAN in groups of four and the BIC beside it. The text
is taken from the first pages only, with pypdf, and every IBAN-shaped
candidate is checked by schwifty: the first valid one wins.
"""

from __future__ import annotations

import re
from pathlib import Path

from liasse.records import BankDetails
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

#: A RIB is one page; two cover a cover letter before it.
PAGES_READ = 2
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30})\b")
_BIC = re.compile(r"\b([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")


def bank_details_in_pdf(path: Path) -> BankDetails | None:
    """The first valid IBAN of the PDF's first pages, with a BIC found beside it; None when there is none."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            return None
        text = "\n".join(page.extract_text() or "" for page in reader.pages[:PAGES_READ])
    except (PyPdfError, ValueError, OSError):
        return None
    return bank_details_in_text(text)


def bank_details_in_text(text: str) -> BankDetails | None:
    """The first valid IBAN in ``text`` and the first valid BIC after the word BIC (or anywhere)."""
    for match in _IBAN.finditer(text.upper()):
        candidate = match.group(1)
        # The regex may swallow a following word: shorten until schwifty agrees.
        compact = candidate.replace(" ", "")
        for end in range(len(compact), 14, -1):
            try:
                iban = IBAN(compact[:end], validate_bban=True)
            except SchwiftyException:
                continue
            return BankDetails(iban=iban.compact, bic=_bic_in(text) or (str(iban.bic) if iban.bic else None))
    return None


def _bic_in(text: str) -> str | None:
    upper = text.upper()
    position = upper.find("BIC")
    for match in _BIC.finditer(upper, position if position >= 0 else 0):
        try:
            return str(BIC(match.group(1)))
        except SchwiftyException:
            continue
    return None
