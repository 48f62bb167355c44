"""A4 PDF pages the reference host prints: accounting documents, letters, RIBs.

fpdf2's core fonts (Helvetica) need no font file but only encode Latin-1,
so every text goes through :func:`latin1_safe` first: typographic quotes,
dashes and the euro sign are spelled with Latin-1 characters ("EUR").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
}

FONT = "Helvetica"
LINE_HEIGHT = 5.5
#: Helvetica's widest glyph ("@", 1,015/1,000 em; bold "W" 944): a line of n characters is under n such widths.
WIDEST_EM = 1.02


def latin1_safe(text: str) -> str:
    """``text`` with the characters Helvetica cannot encode replaced by Latin-1 look-alikes."""
    for char, replacement in _REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def format_amount(amount: Decimal) -> str:
    """``Decimal("-1234.5")`` as ``"-1 234,50 EUR"``, the way French statements print money."""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{cents} EUR"


def format_date(day: dt.date) -> str:
    """``dd/mm/yyyy``, as French documents print dates."""
    return day.strftime("%d/%m/%Y")


class _OfficePage(FPDF):
    """A4 portrait page with the office in the header and the page number in the footer."""

    def __init__(self, office_name: str, office_address: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._office_name = latin1_safe(office_name)
        self._office_address = latin1_safe(office_address)
        self.set_margins(left=18, top=15, right=18)
        self.set_auto_page_break(auto=True, margin=18)

    def header(self) -> None:
        """Office name and address on every page, as on the office's letterhead."""
        self.set_font(FONT, style="B", size=11)
        self.cell(0, 6, self._office_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self._office_address:
            self.set_font(FONT, size=9)
            self.cell(0, 5, self._office_address, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(6)

    def footer(self) -> None:
        """Page n/N, so a recipient can tell a page is missing."""
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align=Align.C)


class PdfWriter:
    """Builds one A4 document line by line; :meth:`to_bytes` gives the finished PDF."""

    def __init__(self, *, office_name: str, office_address: str = "", title: str) -> None:
        self._pdf = _OfficePage(office_name, office_address)
        self._pdf.set_title(latin1_safe(title))
        self._pdf.set_author(latin1_safe(office_name))
        self._pdf.set_creator("liasse reference host")
        self._pdf.add_page()

    def heading(self, text: str) -> None:
        """The document's title, large and bold."""
        self._pdf.set_font(FONT, style="B", size=15)
        self._pdf.multi_cell(0, 8, latin1_safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._pdf.ln(2)

    def subheading(self, text: str) -> None:
        """A section title within the document."""
        self._pdf.ln(2)
        self._pdf.set_font(FONT, style="B", size=11)
        self._pdf.multi_cell(0, 6, latin1_safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def line(self, text: str, *, bold: bool = False) -> None:
        """One line of body text (wrapped when too long)."""
        pdf = self._pdf
        style = "B" if bold else ""
        if (pdf.font_family, pdf.font_style, pdf.font_size_pt) != (FONT.lower(), style, 10):
            pdf.set_font(FONT, style=style, size=10)
        safe = latin1_safe(text)
        room = pdf.epw - 2 * pdf.c_margin
        # A letter to a co-ownership lists a thousand parties (AR-08, P2): a line sure to fit is placed
        # as plain text, five times cheaper than a cell and fifty than fpdf2's line breaking.
        if len(safe) * pdf.font_size * WIDEST_EM <= room and not pdf.will_page_break(LINE_HEIGHT):
            # Where a cell of LINE_HEIGHT puts its text: fpdf2 centres the line on 0.3 of the font size.
            pdf.text(pdf.l_margin + pdf.c_margin, pdf.y + 0.5 * LINE_HEIGHT + 0.3 * pdf.font_size, safe)
            pdf.set_y(pdf.y + LINE_HEIGHT)
        elif pdf.get_string_width(safe) <= room:
            pdf.cell(0, LINE_HEIGHT, safe, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.multi_cell(0, LINE_HEIGHT, safe, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str) -> None:
        """A paragraph of body text followed by a blank line."""
        self.line(text)
        self._pdf.ln(3)

    def space(self, height: float = 4) -> None:
        """Vertical space, in millimetres."""
        self._pdf.ln(height)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        right_aligned: Sequence[int] = (),
    ) -> None:
        """A ruled table; columns whose index is in ``right_aligned`` (amounts) align right."""
        if not len(headers) == len(widths) or any(len(row) != len(widths) for row in rows):
            raise ValueError("every table row needs one cell per column width")
        pdf = self._pdf
        pdf.set_font(FONT, style="B", size=9)
        pdf.set_fill_color(230, 230, 230)
        for index, (header, width) in enumerate(zip(headers, widths, strict=True)):
            align = Align.R if index in right_aligned else Align.L
            pdf.cell(width, 7, latin1_safe(header), border=1, align=align, fill=True)
        pdf.ln(7)
        pdf.set_font(FONT, size=9)
        for row in rows:
            for index, (value, width) in enumerate(zip(row, widths, strict=True)):
                align = Align.R if index in right_aligned else Align.L
                text = latin1_safe(value)
                # Truncate rather than overflow into the next cell.
                while text and pdf.get_string_width(text) > width - 2:
                    text = text[:-1]
                pdf.cell(width, 6, text, border=1, align=align)
            pdf.ln(6)
        pdf.ln(2)

    def to_bytes(self) -> bytes:
        """The finished PDF."""
        return bytes(self._pdf.output())
