"""PDFs for ESign's tests: multi-page letters on disk as outgoing documents, and their text."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from liasse.records import OutgoingDocument


def make_pdf(pages: int = 3, title: str = "Bail d'habitation") -> bytes:
    """An A4 PDF of ``pages`` pages (595.28 × 841.89 points), one line of text each."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 20, f"{title} - page {number}/{pages}")
    return bytes(pdf.output())


def outgoing(path: Path, content: bytes) -> OutgoingDocument:
    """The file at ``path`` as liasse hands it to a plugin."""
    path.write_bytes(content)
    return OutgoingDocument(
        path=path, file_name=path.name, media_type="application/pdf", size=len(content), sha256=hashlib.sha256(content).hexdigest()
    )


def pdf_text(content: bytes) -> list[str]:
    """The text of every page (to see the visible signatures)."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]
