"""PDF files the demo database starts with: RIBs of the office and of clients, a few attachments."""

from __future__ import annotations

from collections.abc import Sequence

from liasse_hostapi.reference.pdf import PdfWriter


def rib_pdf(*, office_name: str, holder: str, holder_address: str, iban: str, bic: str, bank: str) -> bytes:
    """A one-page French RIB for a French IBAN: holder, IBAN, BIC and the four RIB fields.

    Laid out like the bank documents liasse's extraction reads (GLOSSARY: RIB).
    """
    compact = "".join(iban.split()).upper()
    if not compact.startswith("FR") or len(compact) != 27:
        raise ValueError(f"not a French IBAN: {iban!r}")
    grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    writer = PdfWriter(office_name=bank, title="Relevé d'Identité Bancaire")
    writer.heading("Relevé d'Identité Bancaire")
    writer.line(f"Document remis par {office_name}")
    writer.space()
    writer.subheading("Titulaire du compte")
    writer.line(holder)
    if holder_address:
        writer.line(holder_address)
    writer.space()
    writer.table(
        ("Code banque", "Code guichet", "N° du compte", "Clé RIB"),
        [(compact[4:9], compact[9:14], compact[14:25], compact[25:27])],
        (36.0, 36.0, 60.0, 30.0),
    )
    writer.table(("IBAN", "BIC"), [(grouped, bic)], (112.0, 50.0))
    writer.subheading("Domiciliation")
    writer.line(bank)
    return writer.to_bytes()


def simple_pdf(*, office_name: str, title: str, lines: Sequence[str]) -> bytes:
    """A one-page document with a title and a few lines: stands in for scanned deeds and invoices."""
    writer = PdfWriter(office_name=office_name, title=title)
    writer.heading(title)
    for text in lines:
        writer.paragraph(text)
    return writer.to_bytes()
