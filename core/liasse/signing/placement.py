"""ES-05: signature positions, from the host's convention to the provider's.

The host places a box by its bottom-left corner in millimetres from the
page's bottom-left corner (as a letter layout measures); Yousign wants the
box's top-left corner in PDF points (1/72 inch) from the page's top-left
corner, with the width 85–2000 and the height 37–1000 points, inside the
page. The page's real size comes from the rendered PDF, page by page, so a
landscape annex converts as correctly as a portrait letter.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import attrs

from liasse.records import SignatureField
from liasse.signing.errors import PlacementOutside

POINTS_PER_MM = 72 / 25.4
WIDTH_BOUNDS = (85, 2000)
HEIGHT_BOUNDS = (37, 1000)


@attrs.frozen
class PageBox:
    """A page's visible size in PDF points."""

    width: float
    height: float


def page_boxes(pdf: bytes) -> list[PageBox]:
    """Every page's crop box size (what a viewer shows), first page first."""
    from pypdf import PdfReader

    return [PageBox(float(p.cropbox.width), float(p.cropbox.height)) for p in PdfReader(io.BytesIO(pdf)).pages]


def to_provider(
    name: str, page: int, x_mm: float, y_mm: float, width_mm: float, height_mm: float, pages: Sequence[PageBox]
) -> SignatureField:
    """The host's box as Yousign's field; :class:`PlacementOutside` when it cannot be placed as given."""
    if not 1 <= page <= len(pages):
        raise PlacementOutside(
            name=name,
            page=page,
            problem_fr=f"le document n'a que {len(pages)} page(s)",
            problem_en=f"the document has only {len(pages)} page(s)",
            fix_fr=f"page de 1 à {len(pages)}",
            fix_en=f"page 1 to {len(pages)}",
        )
    box = pages[page - 1]
    width = round(width_mm * POINTS_PER_MM)
    height = round(height_mm * POINTS_PER_MM)
    x = round(x_mm * POINTS_PER_MM)
    # The host measures up from the bottom edge to the box's bottom; Yousign down from the top edge to its top.
    y = round(box.height - (y_mm + height_mm) * POINTS_PER_MM)
    low_w, high_w = (b / POINTS_PER_MM for b in WIDTH_BOUNDS)
    low_h, high_h = (b / POINTS_PER_MM for b in HEIGHT_BOUNDS)
    if not WIDTH_BOUNDS[0] <= width <= WIDTH_BOUNDS[1] or not HEIGHT_BOUNDS[0] <= height <= HEIGHT_BOUNDS[1]:
        raise PlacementOutside(
            name=name,
            page=page,
            problem_fr=f"le cadre de {width_mm:g} × {height_mm:g} mm sort des tailles admises",
            problem_en=f"the {width_mm:g} × {height_mm:g} mm box is outside the allowed sizes",
            fix_fr=f"largeur de {low_w:.0f} à {high_w:.0f} mm, hauteur de {low_h:.0f} à {high_h:.0f} mm",
            fix_en=f"width {low_w:.0f} to {high_w:.0f} mm, height {low_h:.0f} to {high_h:.0f} mm",
        )
    if x < 0 or y < 0 or x + width > box.width or y + height > box.height:
        page_w, page_h = box.width / POINTS_PER_MM, box.height / POINTS_PER_MM
        raise PlacementOutside(
            name=name,
            page=page,
            problem_fr=f"le cadre à ({x_mm:g} ; {y_mm:g}) mm sort de la page de {page_w:.0f} × {page_h:.0f} mm",
            problem_en=f"the box at ({x_mm:g}, {y_mm:g}) mm goes beyond the {page_w:.0f} × {page_h:.0f} mm page",
            fix_fr=f"x + largeur ≤ {page_w:.0f} mm et y + hauteur ≤ {page_h:.0f} mm, depuis le coin inférieur gauche",
            fix_en=f"x + width ≤ {page_w:.0f} mm and y + height ≤ {page_h:.0f} mm, from the bottom-left corner",
        )
    return SignatureField(page=page, x=x, y=y, width=width, height=height)


def from_provider(field: SignatureField, pages: Sequence[PageBox]) -> tuple[float, float, float, float]:
    """A Yousign field back in the host's convention: ``(x_mm, y_mm, width_mm, height_mm)``."""
    box = pages[field.page - 1]
    return (
        field.x / POINTS_PER_MM,
        (box.height - field.y - field.height) / POINTS_PER_MM,
        field.width / POINTS_PER_MM,
        field.height / POINTS_PER_MM,
    )
