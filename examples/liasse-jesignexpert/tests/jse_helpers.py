"""What Jesignexpert's tests share: PDFs, a stored file on the host, where text is drawn; the signer is the package's."""

from __future__ import annotations

import io
from pathlib import Path

from liasse_hostapi.records import Attachment, NewAttachment, OwnerKind, OwnerRef

from liasse.app import Liasse

from liasse_jesignexpert.signer import Signer

__all__ = ["ACCOUNT", "Signer", "make_pdf", "pdf_text", "store_file", "text_positions"]

ACCOUNT = "2950"


def make_pdf(pages: int = 2, title: str = "Lettre de mission") -> bytes:
    """An A4 PDF of ``pages`` pages, one line of text each."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 20, f"{title} - page {number}/{pages}")
    return bytes(pdf.output())


def pdf_text(content: bytes) -> list[str]:
    """The text of every page (to read the visible signatures)."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def store_file(liasse: Liasse, folder: Path, content: bytes, name: str = "lettre_de_mission.pdf", media_type: str = "application/pdf") -> Attachment:
    """A file stored on account 2950 of the reference host, as the office's GED holds it."""
    path = folder / name
    path.write_bytes(content)
    return liasse.host.attachments.add(
        NewAttachment(owner=OwnerRef(OwnerKind.ACCOUNT, ACCOUNT), file_name=name, title="Lettre de mission 2027", media_type=media_type, origin="Ajouté"),
        path,
    )


def text_positions(content: bytes, page: int, needle: str) -> list[tuple[float, float]]:
    """Where ``needle`` is drawn on ``page`` (1-based), in PDF points from the page's bottom-left corner."""
    from pypdf import PdfReader

    found: list[tuple[float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: float) -> None:
        if needle in text:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y))

    PdfReader(io.BytesIO(content)).pages[page - 1].extract_text(visitor_text=visit)
    return found
