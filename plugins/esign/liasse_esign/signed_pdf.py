"""The sandbox's signed PDF: each signer's visible signature drawn at its fields (ES-09).

Yousign places a field at ``(page, x, y)`` in PDF points from the page's
top-left corner, ``width`` × ``height`` points large. The overlay is written
with fpdf2 (whose origin is also top-left, in points with ``unit="pt"``) on a
page of the same size, then merged onto the original page with pypdf, so
the document's own content is kept byte for byte under the stamp.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import attrs


@attrs.frozen
class Stamp:
    """One visible signature: who signed, when, and where (Yousign's field geometry)."""

    page: int
    x: int
    y: int
    width: int
    height: int
    signer_name: str
    signed_at: dt.datetime


@attrs.frozen
class PageSize:
    """A page's size in PDF points, as a field is checked against it."""

    width: float
    height: float


def page_sizes(content: bytes) -> list[PageSize]:
    """Every page's visible size (its crop box), in PDF points."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return [PageSize(float(page.cropbox.width), float(page.cropbox.height)) for page in reader.pages]


def inspect(content: bytes) -> tuple[bool, list[PageSize]]:
    """Whether the PDF forbids modification, and its page sizes: one parse for an upload."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    locked = _locked(reader)
    sizes = [] if locked else [PageSize(float(page.cropbox.width), float(page.cropbox.height)) for page in reader.pages]
    return locked, sizes


def forbids_modification(content: bytes) -> bool:
    """True when the PDF is encrypted and does not let anyone fill or modify it (Yousign refuses it)."""
    from pypdf import PdfReader

    return _locked(PdfReader(io.BytesIO(content)))


def _locked(reader: object) -> bool:
    """An encrypted PDF that needs a password, or whose permissions leave out modification."""
    from pypdf import PdfReader
    from pypdf.constants import UserAccessPermissions

    assert isinstance(reader, PdfReader)
    if not reader.is_encrypted:
        return False
    try:
        if not reader.decrypt(""):
            return True  # a password is needed to open it at all
    except Exception:  # noqa: BLE001 - an encryption pypdf cannot open is as good as locked
        return True
    permissions = reader.user_access_permissions or UserAccessPermissions(0)
    return not (permissions & UserAccessPermissions.MODIFY)


def stamp(content: bytes, stamps: Sequence[Stamp]) -> bytes:
    """``content`` with every stamp drawn at its place; pages without a stamp are copied as they are."""
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter, Transformation

    # Pages are merged once they belong to the writer (pypdf 7 edits no page of a reader).
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    for number, page in enumerate(writer.pages, start=1):
        mine = [s for s in stamps if s.page == number]
        if not mine:
            continue
        box = page.cropbox
        overlay = FPDF(unit="pt", format=(float(box.width), float(box.height)))
        overlay.set_auto_page_break(False)
        overlay.add_page()
        for item in mine:
            _draw(overlay, item)
        drawn = PdfReader(io.BytesIO(bytes(overlay.output()))).pages[0]
        # The overlay's origin is (0, 0); the page's visible box may start elsewhere.
        page.merge_transformed_page(drawn, Transformation().translate(float(box.left), float(box.bottom)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _draw(pdf: object, item: Stamp) -> None:
    """A framed box: "Signé électroniquement par", the name, the date (UTC)."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.set_draw_color(20, 60, 160)
    pdf.set_line_width(1.0)
    pdf.rect(item.x, item.y, item.width, item.height)
    size = max(5.0, min(10.0, item.height / 4))
    pdf.set_text_color(20, 60, 160)
    pdf.set_font("helvetica", size=size)
    lines = (
        "Signé électroniquement par",
        item.signer_name,
        f"le {item.signed_at.astimezone(dt.UTC):%d/%m/%Y %H:%M} UTC",
    )
    for index, line in enumerate(lines):
        pdf.set_xy(item.x + 3, item.y + 3 + index * (size + 2))
        pdf.cell(item.width - 6, size + 1, line[:60])
