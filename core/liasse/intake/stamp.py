"""The timestamp mark on received documents (DS-28): "Reçu via DocSecure le 09/10/2023 à 16:29".

The mark goes in a band *added* at the top of the first page (PDF) or of the
image, so it never hides content and reads the same on dark and light
documents (dark text on a white band with a rule). The original is never
modified: the marked copy is written beside it, atomically. PDFs go through
pypdf, images through Pillow with a pixel cap against decompression bombs.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

from liasse.errors import LiasseError
from liasse.files import sniffed_type
from liasse.messages import Lang

#: Height of the band added above a PDF page, in points.
PDF_BAND = 28.0
#: Pillow refuses images above this many pixels (a 20 MB JPEG can hold a bomb of billions).
MAX_PIXELS = 80_000_000
#: A received PDF with more pages than this is not marked (the original is kept as is).
MAX_PAGES = 2_000
STAMPABLE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/tiff"})


class StampRefused(LiasseError):
    """The document cannot carry the mark; the original is kept untouched."""

    fr = "Impossible d'apposer la mention d'horodatage sur « {file_name} » : {reason_fr}. Le document original est conservé tel quel."
    en = "Cannot put the timestamp mark on '{file_name}': {reason_en}. The original document is kept as it is."


def mark_text(provider_title: str, received_at: dt.datetime, timezone: str, lang: Lang = "fr") -> str:
    """The mark's words, at the office's local time: "Reçu via DocSecure le 09/10/2023 à 16:29"."""
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError(f"the reception time must be timezone-aware, got {received_at!r}")
    local = received_at.astimezone(ZoneInfo(timezone))
    if lang == "en":
        return f"Received via {provider_title} on {local:%d/%m/%Y} at {local:%H:%M}"
    return f"Reçu via {provider_title} le {local:%d/%m/%Y} à {local:%H:%M}"


def stamp_file(src: Path, dest: Path, text: str, media_type: str | None = None, logo: Path | None = None) -> Path:
    """Write the marked copy of ``src`` to ``dest`` and return ``dest``.

    The type comes from the file's first bytes; a ``media_type`` that
    disagrees with them (a disguised file) is refused.
    """
    actual = sniffed_type(src)
    if media_type is not None and actual != media_type:
        raise StampRefused(
            file_name=src.name,
            reason_fr=f"son contenu ({actual or 'inconnu'}) ne correspond pas au type annoncé ({media_type})",
            reason_en=f"its content ({actual or 'unknown'}) does not match the announced type ({media_type})",
        )
    if actual == "application/pdf":
        return stamp_pdf(src, dest, text)
    if actual in STAMPABLE:
        return stamp_image(src, dest, text, logo)
    raise StampRefused(
        file_name=src.name,
        reason_fr=f"un fichier {actual or 'de type inconnu'} ne peut pas porter de mention",
        reason_en=f"a {actual or 'file of unknown type'} cannot carry a mark",
    )


def stamp_pdf(src: Path, dest: Path, text: str) -> Path:
    """Extend the first page upward by a band and write ``text`` in it (pypdf)."""
    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.errors import PyPdfError
    from pypdf.generic import RectangleObject

    try:
        reader = PdfReader(src, strict=False)
        if reader.is_encrypted:
            raise StampRefused(file_name=src.name, reason_fr="le PDF est chiffré", reason_en="the PDF is encrypted")
        if len(reader.pages) > MAX_PAGES:
            raise StampRefused(
                file_name=src.name,
                reason_fr=f"le PDF a plus de {MAX_PAGES} pages",
                reason_en=f"the PDF has more than {MAX_PAGES} pages",
            )
        writer = PdfWriter(clone_from=reader)
        page = writer.pages[0]
        rotation = int(page.get("/Rotate", 0) or 0) % 360
        box = page.mediabox
        left, bottom, right, top = float(box.left), float(box.bottom), float(box.right), float(box.top)
        # The band goes on the side that is the top once the viewer applies /Rotate.
        if rotation == 0:
            new_box, band = (left, bottom, right, top + PDF_BAND), (left, top, right - left, PDF_BAND, 0)
        elif rotation == 90:
            new_box, band = (left - PDF_BAND, bottom, right, top), (left - PDF_BAND, bottom, top - bottom, PDF_BAND, 90)
        elif rotation == 180:
            new_box, band = (left, bottom - PDF_BAND, right, top), (left, bottom - PDF_BAND, right - left, PDF_BAND, 180)
        else:
            new_box, band = (left, bottom, right + PDF_BAND, top), (right, bottom, top - bottom, PDF_BAND, 270)
        page.mediabox = RectangleObject(new_box)
        page.cropbox = RectangleObject(new_box)
        x, y, width, height, angle = band
        overlay = PdfReader(io.BytesIO(_band_pdf(width, height, text))).pages[0]
        transform = Transformation().rotate(angle)
        # After rotating the band page about its origin, move it onto the band's corner.
        shift = {0: (x, y), 90: (x + height, y), 180: (x + width, y + height), 270: (x, y + width)}[angle]
        page.merge_transformed_page(overlay, transform.translate(*shift), over=True, expand=False)
        _write_atomically(dest, writer.write)
    except StampRefused:
        raise
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise StampRefused(
            file_name=src.name,
            reason_fr=f"PDF illisible ou endommagé ({type(exc).__name__})",
            reason_en=f"unreadable or damaged PDF ({type(exc).__name__})",
        ) from None
    return dest


def _band_pdf(width: float, height: float, text: str) -> bytes:
    """A one-page PDF of the band: white, a dark rule at its foot, the text in dark grey."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(0, 0, width, height, style="F")
    pdf.set_draw_color(40, 40, 40)
    pdf.set_line_width(0.8)
    pdf.line(0, height - 0.4, width, height - 0.4)
    pdf.set_text_color(20, 20, 20)
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_xy(8, 0)
    pdf.cell(width - 16, height, text, align="L")
    return bytes(pdf.output())


def stamp_image(src: Path, dest: Path, text: str, logo: Path | None = None) -> Path:
    """A taller canvas: a white band with ``text`` (and the provider's logo) above the untouched pixels."""
    from PIL import Image, ImageDraw, ImageFont

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(src) as opened:
                fmt = opened.format or "PNG"
                # Pillow only warns between 1× and 2× its limit: the size is checked here, before decoding.
                if opened.width * opened.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{opened.width}x{opened.height}")
                opened.load()
                image = opened.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise StampRefused(
            file_name=src.name,
            reason_fr=f"l'image dépasse {MAX_PIXELS:,} pixels".replace(",", " "),
            reason_en=f"the image exceeds {MAX_PIXELS:,} pixels",
        ) from exc
    except OSError as exc:
        raise StampRefused(
            file_name=src.name, reason_fr="image illisible ou endommagée", reason_en="unreadable or damaged image"
        ) from exc
    # Three working modes: grey stays grey, transparency stays transparent, everything else is RGB.
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
    elif image.mode != "L":
        image = image.convert("RGB")
    band = max(28, image.width // 25)
    canvas = Image.new(image.mode, (image.width, image.height + band), _white(image.mode))
    canvas.paste(image, (0, band))
    draw = ImageDraw.Draw(canvas)
    draw.line([(0, band - 1), (image.width, band - 1)], fill=_dark(image.mode), width=max(1, band // 20))
    x = band // 4
    if logo is not None and logo.is_file():
        with Image.open(logo) as mark:
            mark.thumbnail((band * 3, band - 4))
            canvas.paste(mark.convert(image.mode), (x, 2))
            x += mark.width + band // 4
    font = ImageFont.load_default(size=max(10, int(band * 0.55)))
    draw.text((x, band / 2), text, fill=_dark(image.mode), font=font, anchor="lm")
    save_format = {"JPEG": "JPEG", "TIFF": "TIFF", "PNG": "PNG"}.get(fmt, "PNG")
    options = {"quality": 95} if save_format == "JPEG" else {}
    if save_format == "JPEG" and canvas.mode not in ("RGB", "L", "CMYK"):
        canvas = canvas.convert("RGB")
    _write_atomically(dest, lambda out: canvas.save(out, format=save_format, **options))
    return dest


def _white(mode: str) -> int | tuple[int, ...]:
    return 255 if mode == "L" else (255, 255, 255, 255) if mode == "RGBA" else (255, 255, 255)


def _dark(mode: str) -> int | tuple[int, ...]:
    return 20 if mode == "L" else (20, 20, 20, 255) if mode == "RGBA" else (20, 20, 20)


def _write_atomically(dest: Path, write: object) -> None:
    """Write through ``write(stream)`` to a temporary file beside ``dest``, then rename it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)  # type: ignore[operator]
        os.replace(name, dest)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
