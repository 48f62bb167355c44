"""A PDF page as a PNG with the signature boxes drawn on it (ES-05, ES-11: "voir les emplacements des signatures").

The page is rasterised server-side by PDFium (pypdfium2) and the boxes are
drawn with Pillow, in the manual's green frame, each labelled with its
signer: no JavaScript, the browser shows an image. Boxes are in the host's
convention (millimetres from the page's bottom-left corner to the box's
bottom-left), the one :mod:`liasse.signing.placement` converts for the
provider, so what the preview shows is what will be sent.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

import attrs
from PIL import Image, ImageDraw, ImageFont

from liasse.signing.placement import POINTS_PER_MM

#: Pixels per PDF point: 1.25 makes an A4 page 744 pixels wide, readable beside the table.
SCALE = 1.25
#: One colour per signer, so two co-tenants' boxes are told apart; the first is the manual's green.
COLOURS = ("#1a9c3c", "#2f6db5", "#c05a00", "#8e24aa", "#c0182a", "#00838f")
#: PDFium is not thread-safe (pypdfium2's docs) and the screens' server is threaded: one call at a time,
#: else two previews loading together crash the process.
_PDFIUM = threading.Lock()


@attrs.frozen
class Box:
    """A box to draw: its signer's label and where it is, in millimetres from the bottom-left corner."""

    label: str
    page: int
    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float
    colour: str = COLOURS[0]


def page_count(pdf: bytes) -> int:
    """How many pages the document has."""
    import pypdfium2

    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def render(pdf: bytes, page: int, boxes: Sequence[Box]) -> bytes:
    """Page ``page`` (from 1) of ``pdf`` as PNG bytes, with the ``boxes`` of that page drawn on it."""
    import pypdfium2

    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            pdf_page = document[page - 1]
            try:
                height_pt = pdf_page.get_height()
                image: Image.Image = pdf_page.render(scale=SCALE).to_pil().convert("RGB")
            finally:
                pdf_page.close()
        finally:
            document.close()
    draw = ImageDraw.Draw(image)
    font = _font()
    for box in boxes:
        if box.page != page:
            continue
        left = box.x_mm * POINTS_PER_MM * SCALE
        # The host measures up from the bottom edge; the image counts down from the top.
        top = (height_pt - (box.y_mm + box.height_mm) * POINTS_PER_MM) * SCALE
        right = left + box.width_mm * POINTS_PER_MM * SCALE
        bottom = top + box.height_mm * POINTS_PER_MM * SCALE
        draw.rectangle((left, top, right, bottom), outline=box.colour, width=3)
        draw.text((left + 4, top + 3), box.label, fill=box.colour, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu when installed (accents in names), else Pillow's scalable default."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", 13)
    except OSError:
        return ImageFont.load_default(size=13)
