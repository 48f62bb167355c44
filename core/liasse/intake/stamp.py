"""The timestamp mark on received documents (DS-28): "Reçu via DocSecure le 09/10/2023 à 16:29".

The mark goes in a band *added* at the visual top of the first page (PDF) or
of the image, so it never hides content and reads the same on dark and light
documents (dark text on a white band closed by a dark rule). The original is
never modified: the marked copy is written to another path, atomically. A
PDF's copy is the received bytes followed by an incremental update that
redefines the first page, so a signed PDF's signed revision stays intact
inside its marked copy, and the signed original is kept as received
(:func:`is_signed_pdf` lets the caller tell the user why).

PDFs go through pypdf, in the confined worker (:mod:`liasse.intake.confined`),
with tighter decompression caps than its defaults; images through Pillow
with a pixel cap checked before any pixel is decoded.
Whatever a file does wrong, the caller gets :class:`StampRefused`, a sentence
for the user, and keeps the original.
"""

from __future__ import annotations

import datetime as dt
import functools
import contextlib
import io
import logging
import os
import struct
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from liasse.errors import StampRefused
from liasse.files import atomic_output, sniffed_type, write_atomically
from liasse.intake.confined import run_confined
from liasse.intake.pdf_limits import MAX_PAGES, MAX_STREAM_BYTES, PDF_ERRORS, pdf_caps
from liasse.messages import Lang

if TYPE_CHECKING:
    from PIL import Image, ImageFont
    from pypdf import PageObject, PdfWriter
    from pypdf.generic import DictionaryObject

log = logging.getLogger(__name__)

#: The fonts Pillow draws with: a system TrueType font, or its built-in one.
_Font: TypeAlias = "ImageFont.FreeTypeFont | ImageFont.ImageFont"

#: Height of the band added above a PDF page, in points (about 1 cm).
#: A received PDF up to this size is parsed from memory when marked, a larger one from its file.
IN_MEMORY_BYTES = 16 * 1024 * 1024
PDF_BAND = 28.0
#: The mark's size on a PDF; shrunk down to PDF_MIN_FONT_SIZE on a page too narrow for it.
PDF_FONT_SIZE = 11.0
PDF_MIN_FONT_SIZE = 5.0
#: Images above this many pixels are refused before decoding: a 20 MB PNG can unpack to gigabytes.
MAX_PIXELS = 80_000_000
#: The image band's minimum height; it grows with the width so the mark stays readable on big scans.
MIN_IMAGE_BAND = 28
#: Fonts the mark is drawn in on images, first found wins: Linux (DejaVu, Liberation), Windows (Arial),
#: macOS. Pillow's built-in font is the last resort: it has no accented letters.
FONT_FILES: tuple[str, ...] = (
    "DejaVuSans-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "arialbd.ttf",
    "Arial Bold.ttf",
    "DejaVuSans.ttf",
    "LiberationSans-Regular.ttf",
    "arial.ttf",
    "Arial.ttf",
)
STAMPABLE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/tiff"})

#: Names some hosts and browsers give the stampable types.
_ALIASES = {
    "application/x-pdf": "application/pdf",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/tif": "image/tiff",
    "image/x-tiff": "image/tiff",
}
#: Pillow's format name → the format the marked copy is saved in (the same one: a JPEG stays a JPEG).
#: Phones write MPO (a JPEG followed by a depth map): its copy is the plain JPEG of its first image.
_SAVE_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG", "TIFF": "TIFF"}
#: TIFF compressions Pillow writes back for any mode; the others are replaced (see _tiff_compression).
_TIFF_COMPRESSIONS = frozenset({"raw", "tiff_lzw", "tiff_adobe_deflate", "packbits"})
#: The band's white and the mark's dark grey, per working mode (ImageColor has no CMYK conversion).
_WHITE: dict[str, Any] = {"1": 1, "L": 255, "RGB": (255, 255, 255), "RGBA": (255, 255, 255, 255), "CMYK": (0, 0, 0, 0)}
_DARK: dict[str, Any] = {"1": 0, "L": 20, "RGB": (20, 20, 20), "RGBA": (20, 20, 20, 255), "CMYK": (0, 0, 0, 235)}
#: Colour families, to keep an ICC profile only on pixels of the kind it describes.
_FAMILY = {"1": "grey", "L": "grey", "LA": "grey", "La": "grey", "I": "grey", "I;16": "grey", "F": "grey", "CMYK": "cmyk"}

#: The same for Pillow (it raises SyntaxError and EOFError on some corrupt headers).
_IMAGE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
)


def mark_text(provider_title: str, received_at: dt.datetime, timezone: str, lang: Lang = "fr") -> str:
    """The mark's words at the office's local time: "Reçu via DocSecure le 09/10/2023 à 16:29".

    ``received_at`` must be timezone-aware: a naive time could be UTC or
    local, and the mark would lie by an hour or two without anyone noticing.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError(f"the reception time must be timezone-aware, got {received_at!r}")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {timezone!r}") from None
    local = received_at.astimezone(zone)
    if lang == "en":
        return f"Received via {provider_title} on {local:%d/%m/%Y} at {local:%H:%M}"
    return f"Reçu via {provider_title} le {local:%d/%m/%Y} à {local:%H:%M}"


def stamp_file(src: Path, dest: Path, text: str, media_type: str | None = None, logo: Path | None = None) -> Path:
    """Write the marked copy of ``src`` to ``dest`` and return ``dest``.

    The type comes from the file's first bytes. A ``media_type`` that
    disagrees with them (a disguised file) is refused, and so is any type
    other than PDF, PNG, JPEG and TIFF. ``logo`` (the provider's) goes on
    images only: a PDF's band is too thin for it.
    """
    try:
        actual = sniffed_type(src)
    except OSError:
        raise _refused(src, "le fichier est introuvable ou illisible", "the file is missing or unreadable") from None
    announced = _ALIASES.get(_bare(media_type), _bare(media_type)) if media_type else None
    if announced is not None and actual != announced:
        raise _refused(
            src,
            f"son contenu ({actual or 'inconnu'}) ne correspond pas au type annoncé ({media_type})",
            f"its content ({actual or 'unknown'}) does not match the announced type ({media_type})",
        )
    if actual == "application/pdf":
        return stamp_pdf(src, dest, text)
    if actual in STAMPABLE:
        return stamp_image(src, dest, text, logo)
    raise _refused(
        src,
        f"un fichier {actual or 'de type inconnu'} ne peut pas porter de mention (seuls PDF, PNG, JPEG et TIFF "
        "le peuvent)",
        f"a {actual or 'file of unknown type'} cannot carry a mark (only PDF, PNG, JPEG and TIFF can)",
    )


# --- PDF ---------------------------------------------------------------------


def stamp_pdf(src: Path, dest: Path, text: str, file_name: str | None = None) -> Path:
    """Extend the first page by a band at its visual top and write ``text`` in it; return ``dest``.

    The page's visible box (crop box, else media box) grows by
    :data:`PDF_BAND` points on the side that is the top once ``/Rotate`` is
    applied; the band, drawn over that new strip only, is white with a dark
    rule and dark text, extractable as text. The copy is ``src`` followed by
    an incremental update (pypdf's incremental writer): the received bytes
    come first, unchanged, so a signed PDF's signed revision stays intact
    inside the copy, and the other pages are not rewritten. The page's own
    content is neither moved nor re-encoded: the band is a form XObject drawn
    after it. Parsing and writing happen in the confined worker. Encrypted,
    oversized and damaged PDFs raise :class:`StampRefused`.
    """
    _refuse_same_path(src, dest)
    name = file_name or src.name
    run_confined(_stamp_confined, src, dest, text, name, MAX_PAGES, MAX_STREAM_BYTES, file_name=name)
    return dest


def _stamp_confined(src: Path, dest: Path, text: str, name: str, max_pages: int, max_stream: int) -> None:
    """:func:`stamp_pdf`'s work, in the confined worker, under the caller's caps."""
    from pypdf import PdfReader, PdfWriter, apply_configuration
    from pypdf.errors import LimitReachedError, PyPdfError

    pdf_errors: tuple[type[BaseException], ...] = (PyPdfError, NotImplementedError, *PDF_ERRORS)
    try:
        # A large file is parsed from the open file: given a path (or bytes), pypdf holds the whole file in memory,
        # one more copy of a scanned deed inside the worker's 512 MiB. A small one is read whole, which pypdf
        # parses faster than through the file's many small reads (the mark's P4 ratio).
        in_memory = src.stat().st_size <= IN_MEMORY_BYTES
        opened = contextlib.nullcontext(io.BytesIO(src.read_bytes())) if in_memory else src.open("rb")
        with apply_configuration(pdf_caps(max_stream)), opened as source:
            reader = PdfReader(source, strict=False)
            if reader.is_encrypted:
                raise _refused(name, "le PDF est chiffré", "the PDF is encrypted")
            # The declared count first (walking the page tree twice costs a tenth of the mark),
            # then the real one once the writer has walked it: a lying /Count does not pass.
            if _declared_pages(reader) > max_pages:
                raise _refused(name, f"le PDF a plus de {max_pages} pages", f"the PDF has more than {max_pages} pages")
            # An update appended to a file whose cross-reference table pypdf had to repair would point other
            # readers back at the broken table: such a file is rewritten whole instead.
            writer = PdfWriter(reader, incremental=True) if _xref_sound(src) else PdfWriter(clone_from=reader)
            count = len(writer.pages)
            if count == 0:
                raise _refused(name, "le PDF n'a aucune page", "the PDF has no page")
            if count > max_pages:
                raise _refused(name, f"le PDF a plus de {max_pages} pages", f"the PDF has more than {max_pages} pages")
            _add_band(writer, writer.pages[0], text, name)
            # Serialised straight into the destination's temporary file: a copy of the marked file in
            # memory would not fit the worker's 512 MiB beside pypdf's own for a scanned deed.
            with atomic_output(dest) as out:
                try:
                    writer.write(out)
                except OSError as exc:
                    # A full disk is not a damaged PDF, and must not be told as one.
                    raise _DiskError(exc) from None
    except _DiskError as failed:
        raise failed.error from None
    except StampRefused:
        raise
    except LimitReachedError:
        raise _refused(
            name,
            "le PDF dépasse les limites de lecture (flux trop volumineux ou trop complexe)",
            "the PDF exceeds the reading limits (stream too large or too complex)",
        ) from None
    except pdf_errors as exc:
        log.info("PDF %s not marked", name, exc_info=True)
        raise _refused(
            name,
            f"PDF illisible ou endommagé ({type(exc).__name__})",
            f"unreadable or damaged PDF ({type(exc).__name__})",
        ) from None


class _DiskError(Exception):
    """An OSError of the destination file, carried past the PDF error handlers (OSError is one of them)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _xref_sound(src: Path) -> bool:
    """True when pypdf reads the file's cross-reference table as it is, without repairing it."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        PdfReader(src, strict=True)
    except (PyPdfError, *PDF_ERRORS):
        return False
    return True


def _declared_pages(reader: Any) -> int:
    """The page count the PDF's page tree declares (0 when it declares none or nonsense)."""
    try:
        count = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
        return int(count) if isinstance(count, int) else 0
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0


def is_signed_pdf(path: Path) -> bool:
    """True when the PDF carries a filled signature (marking it would break that signature).

    Looks for an AcroForm ``/Sig`` field with a value, a signature widget
    with a value on any page, or a certification (``/Perms``). An empty
    signature field ready to be signed does not count. A PDF that cannot be
    read (or decrypted with an empty password) answers False: :func:`stamp_pdf`
    refuses it anyway, so nothing signed gets marked in place.
    """
    from liasse.errors import UnsafeDocument

    try:
        return run_confined(_is_signed_confined, path, MAX_STREAM_BYTES, MAX_PAGES, file_name=path.name)
    except UnsafeDocument:
        return False


def _is_signed_confined(path: Path, max_stream: int, max_pages: int) -> bool:
    """:func:`is_signed_pdf`'s work, in the confined worker."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, PyPdfError

    # DependencyError: an encryption whose algorithm needs a library that is not installed.
    pdf_errors: tuple[type[BaseException], ...] = (PyPdfError, DependencyError, *PDF_ERRORS)
    try:
        with apply_configuration(pdf_caps(max_stream)):
            reader = PdfReader(path, strict=False)
            # Signed PDFs are often encrypted with an empty user password (permissions only).
            if reader.is_encrypted and not reader.decrypt(""):
                return False
            root = _resolved(reader.trailer.get("/Root"))
            if root is None:
                return False
            perms = _resolved(root.get("/Perms"))
            # DocMDP is a certification signature, UR3 Adobe's usage rights: both break when marked.
            if perms is not None and any(key in perms for key in ("/DocMDP", "/UR3")):
                return True
            acroform = _resolved(root.get("/AcroForm"))
            fields = _resolved(acroform.get("/Fields")) if acroform is not None else None
            if fields is not None and _any_signed_field(list(fields)):
                return True
            for number, page in enumerate(reader.pages):
                if number >= max_pages:
                    break
                annotations = _resolved(page.get("/Annots"))
                if annotations is not None and any(
                    _is_signed_widget(_resolved(annotation)) for annotation in annotations
                ):
                    return True
    except pdf_errors:
        log.info("cannot tell whether %s is signed", path, exc_info=True)
    return False


def _add_band(writer: PdfWriter, page: PageObject, text: str, name: str) -> None:
    """Grow ``page`` by the band at its visual top and draw the band there, after the page's own content."""
    from pypdf.generic import ArrayObject, NameObject, RectangleObject

    rotation = _rotation(page)
    media = _box(page.mediabox)
    has_crop = "/CropBox" in page
    # Viewers show the crop box clipped to the media box; the band sits on what they show,
    # so a cropped-away margin is neither revealed nor covered.
    visible = _intersection(_box(page.cropbox), media) if has_crop else media
    left, bottom, right, top = visible
    if right - left < 1 or top - bottom < 1:
        raise _refused(name, "sa première page n'a pas de dimensions valides", "its first page has no valid size")
    band, matrix, width = _band_geometry(visible, rotation)
    page[NameObject("/MediaBox")] = RectangleObject(_union(media, band))
    if has_crop:
        page[NameObject("/CropBox")] = RectangleObject(_union(visible, band))
    # Print boxes, when set, would trim the band off a printout: they take it in too.
    for box_name in ("/TrimBox", "/BleedBox", "/ArtBox"):
        if box_name in page:
            page[NameObject(box_name)] = RectangleObject(_union(_box(_resolved(page[box_name])), band))
    resources = _own_resources(page)
    drawing = _band_content(writer, resources, width, text)
    # The page's content is wrapped in q/Q, so a graphics state it leaves changed cannot skew the band,
    # and the band is clipped to its own strip. The page's content streams are only referenced, never
    # decoded or re-encoded: the incremental update then holds a few small objects.
    a, b, c, d, e, f = (_number(v) for v in matrix)
    clip = f"0 0 {_number(width)} {_number(PDF_BAND)} re W n\n"
    before = _content_stream(writer, b"q\n")
    after = _content_stream(writer, f"\nQ\nq {a} {b} {c} {d} {e} {f} cm {clip}".encode() + drawing + b"\nQ\n")
    page[NameObject("/Contents")] = ArrayObject([before, *_content_refs(writer, page), after])


def _band_content(writer: PdfWriter, resources: Any, width: float, text: str) -> bytes:
    """The band's drawing (rendered by fpdf2) as content operators, its fonts added to ``resources``.

    The band's font names are renamed where the page already uses them, so
    the band never borrows the page's own fonts.
    """
    from pypdf import PdfReader
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    band_page = PdfReader(io.BytesIO(_band_pdf(width, PDF_BAND, text))).pages[0]
    band_fonts = _resolved(_resolved(band_page["/Resources"]).get("/Font")) or DictionaryObject()
    page_fonts = _resolved(resources.get("/Font"))
    fonts = DictionaryObject(page_fonts) if page_fonts is not None else DictionaryObject()
    renamed: dict[str, NameObject] = {}
    for old, font in band_fonts.items():
        new = f"/LiasseMark{len(renamed) + 1}"
        while new in fonts:
            new += "_"
        renamed[old] = NameObject(new)
        fonts[NameObject(new)] = font.clone(writer)
    resources[NameObject("/Font")] = fonts
    content = ContentStream(band_page.get_contents(), band_page.pdf)
    for operands, operator in content.operations:
        if operator == b"Tf" and operands and operands[0] in renamed:
            operands[0] = renamed[operands[0]]
    return content.get_data()


def _content_stream(writer: PdfWriter, data: bytes) -> Any:
    """A new content stream object of the writer holding ``data``."""
    from pypdf.generic import DecodedStreamObject

    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _content_refs(writer: PdfWriter, page: PageObject) -> list[Any]:
    """References to the page's content streams, as they are (a direct stream gets its own object)."""
    from pypdf.generic import ArrayObject, IndirectObject, StreamObject

    contents = page.get("/Contents")
    if contents is None:
        return []
    resolved = _resolved(contents)
    if isinstance(resolved, ArrayObject):
        return [item if isinstance(item, IndirectObject) else writer._add_object(item) for item in resolved]
    if isinstance(resolved, StreamObject):
        return [contents if isinstance(contents, IndirectObject) else writer._add_object(resolved)]
    return []


def _number(value: float) -> str:
    """A matrix entry as PDF writes numbers: no exponent, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _own_resources(page: PageObject) -> Any:
    """Give the page its own copy of its resource dictionaries before the merge adds the band's font.

    Pages often share one /Resources object (and pypdf copies an inherited
    one onto each page by reference): merging into it in place would add the
    band's font to every other page too. Only the containers are copied; the
    fonts and images they point to stay shared.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    resources = _resolved(page.get("/Resources"))
    own = DictionaryObject()
    if not isinstance(resources, DictionaryObject):
        page[NameObject("/Resources")] = own
        return own
    for key, value in resources.items():
        entry = _resolved(value)
        if isinstance(entry, DictionaryObject):
            own[NameObject(key)] = DictionaryObject(entry)
        elif isinstance(entry, ArrayObject):
            own[NameObject(key)] = ArrayObject(entry)
        else:
            own[NameObject(key)] = value
    page[NameObject("/Resources")] = own
    return own


def _rotation(page: PageObject) -> int:
    """The page's /Rotate as 0, 90, 180 or 270 (pypdf copies an inherited value onto the page)."""
    value = page.get("/Rotate", 0)
    value = value.get_object() if hasattr(value, "get_object") else value
    try:
        degrees = int(value)
    except (TypeError, ValueError):
        degrees = 0
    # Not a multiple of 90 is invalid; viewers round it, as pypdf's own setter does.
    return (((degrees + 45) // 90) * 90) % 360


_Box = tuple[float, float, float, float]
_Matrix = tuple[float, float, float, float, float, float]


def _box(rectangle: Any) -> _Box:
    """(left, bottom, right, top) of a PDF rectangle, normalised (some writers swap the corners)."""
    x0, y0, x1, y1 = (float(rectangle[i]) for i in range(4))
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _union(a: _Box, b: _Box) -> _Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _intersection(a: _Box, b: _Box) -> _Box:
    box = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    # A crop box outside its media box shows nothing: fall back on the media box.
    return box if box[0] < box[2] and box[1] < box[3] else b


def _band_geometry(visible: _Box, rotation: int) -> tuple[_Box, _Matrix, float]:
    """Where the band goes in page space, the matrix that puts the band page there, its width.

    The band page is drawn upright, (0, 0) to (width, PDF_BAND). With
    /Rotate r the viewer turns the page r degrees clockwise, so the visual
    top is the top (0), left (90), bottom (180) or right (270) edge, and the
    band page is turned r degrees counter-clockwise to read upright there.
    """
    left, bottom, right, top = visible
    height = PDF_BAND
    if rotation == 90:
        return (left - height, bottom, left, top), (0, 1, -1, 0, left, bottom), top - bottom
    if rotation == 180:
        return (left, bottom - height, right, bottom), (-1, 0, 0, -1, right, bottom), right - left
    if rotation == 270:
        return (right, bottom, right + height, top), (0, -1, 1, 0, right, top), top - bottom
    return (left, top, right, top + height), (1, 0, 0, 1, left, top), right - left


def _band_pdf(width: float, height: float, text: str) -> bytes:
    """A one-page PDF of the band: white, a dark rule at its foot, the text in dark grey on one line."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(width, height))
    # The standard fonts carry Windows-1252: "€", "’" and "Œ" too, not only Latin-1.
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_margin(0)
    pdf.c_margin = 0  # the cell's inner padding would push a fitted text past the band's right edge
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(0, 0, width, height, style="F")
    rule = 0.8
    pdf.set_draw_color(40, 40, 40)
    pdf.set_line_width(rule)
    pdf.line(0, height - rule / 2, width, height - rule / 2)
    pdf.set_text_color(20, 20, 20)
    words = _winansi(text)
    pad = 8.0 if width > 64 else 1.0
    room = max(width - 2 * pad, 1.0)
    pdf.set_font("Helvetica", "B", PDF_FONT_SIZE)
    natural = pdf.get_string_width(words)
    if natural > room:
        # A narrow page (a till receipt) gets a smaller mark rather than a cut one.
        pdf.set_font_size(max(PDF_MIN_FONT_SIZE, PDF_FONT_SIZE * room / natural))
    pdf.set_xy(pad, 0)
    pdf.cell(room, height - rule, words, align="L")
    return bytes(pdf.output())


def _winansi(text: str) -> str:
    """``text`` in the characters the PDF standard fonts can show: accents dropped, else "?"."""
    shown = []
    for char in text:
        try:
            char.encode("cp1252")
            shown.append(char)
        except UnicodeEncodeError:
            # "ș" becomes "s"; "Ł" has no decomposition and becomes "?".
            base = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            shown.append(base or "?")
    return "".join(shown)


def _resolved(value: Any) -> Any:
    """``value`` with an indirect reference followed; None for a missing or null entry."""
    from pypdf.generic import NullObject

    if value is None:
        return None
    value = value.get_object() if hasattr(value, "get_object") else value
    return None if isinstance(value, NullObject) else value


def _inherited(node: DictionaryObject, key: str) -> Any:
    """A field attribute looked up on the node, then up its /Parent chain (fields inherit /FT and /V)."""
    for _ in range(32):  # a cycle of parents must not loop forever
        value = _resolved(node.get(key))
        if value is not None:
            return value
        parent = _resolved(node.get("/Parent"))
        if parent is None or not hasattr(parent, "get"):
            return None
        node = parent
    return None


def _is_signed_widget(annotation: Any) -> bool:
    return (
        hasattr(annotation, "get")
        and annotation.get("/Subtype") == "/Widget"
        and _inherited(annotation, "/FT") == "/Sig"
        and _inherited(annotation, "/V") is not None
    )


def _any_signed_field(fields: list[Any]) -> bool:
    """Walks the AcroForm field tree (bounded: a hostile tree can be deep or cyclic)."""
    stack = [(_resolved(field), None) for field in fields]
    seen = 0
    while stack and seen < 100_000:
        field, parent_type = stack.pop()
        seen += 1
        if field is None or not hasattr(field, "get"):
            continue
        kind = _resolved(field.get("/FT")) or parent_type
        if kind == "/Sig" and _resolved(field.get("/V")) is not None:
            return True
        kids = _resolved(field.get("/Kids"))
        if kids is not None and len(stack) < 100_000:
            stack.extend((_resolved(kid), kind) for kid in kids)
    return False


# --- images ------------------------------------------------------------------


def stamp_image(src: Path, dest: Path, text: str, logo: Path | None = None) -> Path:
    """A taller canvas: a white band with ``text`` (and ``logo``) above the untouched pixels; return ``dest``.

    The band is ``max(28, width // 25)`` pixels high. The copy keeps the
    format (PNG, JPEG at quality 95, TIFF with every page), the resolution
    and the colour profile. A photo's EXIF orientation is applied first, so
    the band is at the top the viewer shows. Images over :data:`MAX_PIXELS`
    and unreadable images raise :class:`StampRefused`.
    """
    from PIL import Image

    _refuse_same_path(src, dest)
    try:
        with Image.open(src) as opened:
            save_format = _SAVE_FORMATS.get(opened.format or "")
            if save_format is None:
                raise _refused(
                    src,
                    f"une image {opened.format or 'de format inconnu'} ne peut pas porter de mention",
                    f"a {opened.format or 'unknown'} image cannot carry a mark",
                )
            frames = getattr(opened, "n_frames", 1) if save_format == "TIFF" else 1
            if frames > MAX_PAGES:
                raise _refused(src, f"le TIFF a plus de {MAX_PAGES} pages", f"the TIFF has more than {MAX_PAGES} pages")
            first = _decoded(opened, src)
            marked = _with_band(first, text, logo)
            options = _save_options(opened.info, opened.mode, marked.mode, save_format)
            buffer = io.BytesIO()
            if frames == 1:
                marked.save(buffer, format=save_format, **options)
            else:
                _save_pages(opened, src, marked, options, frames, buffer)
    except StampRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(src) from None
    except _IMAGE_ERRORS as exc:
        log.info("image %s not marked", src, exc_info=True)
        raise _refused(
            src,
            f"image illisible ou endommagée ({type(exc).__name__})",
            f"unreadable or damaged image ({type(exc).__name__})",
        ) from None
    write_atomically(dest, buffer.getvalue())
    return dest


def _decoded(opened: Image.Image, src: Path) -> Image.Image:
    """The current frame decoded, upright and in a mode the band can be drawn in.

    The size is checked before decoding: Pillow only warns between its own
    limit and twice it, and a host may have raised that limit.
    """
    from PIL import ImageOps

    if opened.width * opened.height > _pixel_limit():
        raise _too_many_pixels(src)
    opened.load()
    # A phone photo is stored sideways with an EXIF orientation: the band goes on the top people see.
    return _workable(ImageOps.exif_transpose(opened))


def _workable(image: Image.Image) -> Image.Image:
    """``image`` in one of the modes the band is drawn in: 1, L, RGB, RGBA or CMYK.

    Bilevel scans stay bilevel (a fax TIFF stays small), CMYK stays CMYK
    (print colours unchanged), transparency stays transparent; 16-bit grey
    is brought to 8 bits; palettes and other modes become RGB.
    """
    mode = image.mode
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        return image if mode == "RGBA" else image.convert("RGBA")
    if mode in ("1", "L", "RGB", "CMYK"):
        return image
    if mode.startswith("I") or mode == "F":
        # 16-bit grey (medical or archival scans): scaled, not clipped to white.
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    return image.convert("RGB")


def _with_band(image: Image.Image, text: str, logo: Path | None) -> Image.Image:
    """``image`` below a new white band holding the logo and the text."""
    from PIL import Image, ImageDraw

    mode = image.mode
    band = max(MIN_IMAGE_BAND, image.width // 25)
    rule = max(1, band // 20)
    pad = max(2, band // 8)
    canvas = Image.new(mode, (image.width, image.height + band), _WHITE[mode])
    # A plain paste copies the pixels, alpha included, exactly: nothing is blended or resampled.
    canvas.paste(image, (0, band))
    draw = ImageDraw.Draw(canvas)
    # The rule closes the band from inside: it never covers the first row of the document.
    draw.rectangle((0, band - rule, image.width - 1, band - 1), fill=_DARK[mode])
    x = pad
    if logo is not None:
        x += _paste_logo(canvas, logo, (pad, pad), (min(band * 4, image.width // 3), band - rule - 2 * pad))
    room = max(image.width - x - pad, 1)
    size = max(10, int((band - rule) * 0.55))
    font, shown = _band_font(size, text)
    natural = draw.textlength(shown, font=font)
    if natural > room:
        # A narrow image gets a smaller mark rather than a cut one.
        font, shown = _band_font(max(6, int(size * room / natural)), text)
    left, top, _, bottom = draw.textbbox((0, 0), shown, font=font)
    y = (band - rule - (bottom - top)) // 2 - top
    draw.text((x - left, y), shown, fill=_DARK[mode], font=font)
    return canvas


def _band_font(size: int, text: str) -> tuple[_Font, str]:
    """A font of ``size`` pixels that has every letter of ``text``, and the text as it will be shown.

    Pillow's built-in font has no accents ("Reçu … à" would show empty
    boxes), so a system font is preferred (:data:`FONT_FILES`). With none
    that has the letters, the built-in font shows the text without accents.
    """
    from PIL import ImageFont

    path = _font_file()
    if path is not None:
        font: _Font = ImageFont.truetype(path, size)
        if _has_glyphs(font, text):
            return font, text
    font = ImageFont.load_default(size=size)
    if _has_glyphs(font, text):
        return font, text
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return font, plain


@functools.cache
def _font_file() -> str | None:
    """The first of :data:`FONT_FILES` Pillow finds (it searches the system's font folders); looked up once."""
    from PIL import ImageFont

    for name in FONT_FILES:
        try:
            return str(ImageFont.truetype(name, 10).path)
        except OSError:
            continue
    return None


def _has_glyphs(font: _Font, text: str) -> bool:
    """True when ``font`` draws every character of ``text`` as itself, not as its "missing" box."""
    missing = _glyph(font, "\U0010fffd")  # a private-use code point: fonts draw their "missing" box
    return all(_glyph(font, char) != missing for char in set(text) if not char.isspace())


def _glyph(font: _Font, char: str) -> tuple[tuple[int, int], bytes]:
    from PIL import Image, ImageDraw

    left, top, right, bottom = (int(v) for v in font.getbbox(char))
    cell = Image.new("L", (max(1, right - left), max(1, bottom - top)))
    ImageDraw.Draw(cell).text((-left, -top), char, font=font, fill=255)
    return cell.size, cell.tobytes()


def _paste_logo(canvas: Image.Image, logo: Path, at: tuple[int, int], room: tuple[int, int]) -> int:
    """Paste the provider's logo, fitted to ``room``, flattened on white; return the width it takes, gap included.

    The logo is decoration: a missing or unreadable one leaves the mark without it.
    """
    from PIL import Image, ImageOps

    if room[0] < 1 or room[1] < 1:
        return 0
    unusable: tuple[type[BaseException], ...] = (
        StampRefused,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        *_IMAGE_ERRORS,
    )
    try:
        with Image.open(logo) as raw:
            if raw.width * raw.height > _pixel_limit():
                raise _too_many_pixels(logo)
            raw.load()
            fitted = ImageOps.contain(raw.convert("RGBA"), room)
    except unusable:
        log.warning("logo %s not usable; the mark goes without it", logo, exc_info=True)
        return 0
    # Flattened on the band's white: a transparent logo pasted as is would turn black in RGB.
    flat = Image.new("RGBA", fitted.size, (255, 255, 255, 255))
    flat.alpha_composite(fitted)
    canvas.paste(flat.convert("RGB").convert(canvas.mode), at)
    return fitted.width + at[0]


def _save_options(info: Mapping[Any, Any], source_mode: str, mode: str, save_format: str) -> dict[str, Any]:
    """How the copy is saved so it prints and looks like the original: resolution, profile, quality."""
    options: dict[str, Any] = {}
    if "dpi" in info:
        options["dpi"] = info["dpi"]
    if info.get("icc_profile") and _FAMILY.get(source_mode, "rgb") == _FAMILY.get(mode, "rgb"):
        options["icc_profile"] = info["icc_profile"]
    if save_format == "JPEG":
        options["quality"] = 95
    elif save_format == "TIFF":
        options["compression"] = _tiff_compression(info.get("compression"), mode)
    return options


def _tiff_compression(compression: str | None, mode: str) -> str:
    """The original's compression when Pillow can write it for ``mode``, else a lossless one."""
    if mode == "1":
        return "group4"  # fax compression: a bilevel page stays a few kilobytes
    if compression in _TIFF_COMPRESSIONS:
        return compression
    # JPEG-in-TIFF and CCITT (on a mode that is no longer bilevel) are not written back as such.
    return "tiff_lzw"


def _save_pages(
    opened: Image.Image, src: Path, marked: Image.Image, options: dict[str, Any], frames: int, out: io.BytesIO
) -> None:
    """A multi-page TIFF: the marked first page, then every other page as it is, one at a time in memory."""
    from PIL.TiffImagePlugin import AppendingTiffWriter

    with AppendingTiffWriter(out, new=True) as pages:
        marked.save(pages, format="TIFF", **options)
        pages.newFrame()
        for number in range(1, frames):
            opened.seek(number)
            page = _decoded(opened, src)
            page.save(pages, format="TIFF", **_save_options(opened.info, opened.mode, page.mode, "TIFF"))
            pages.newFrame()


def _pixel_limit() -> int:
    """liasse's cap, or Pillow's own limit when a host has set it lower."""
    from PIL import Image

    return min(MAX_PIXELS, Image.MAX_IMAGE_PIXELS or MAX_PIXELS)


def _too_many_pixels(src: Path) -> StampRefused:
    count = f"{_pixel_limit():,}"
    return _refused(
        src,
        f"l'image dépasse {count.replace(',', ' ')} pixels",
        f"the image exceeds {count} pixels",
    )


# --- common ------------------------------------------------------------------


def _refused(src: Path | str, reason_fr: str, reason_en: str) -> StampRefused:
    return StampRefused(file_name=src if isinstance(src, str) else src.name, reason_fr=reason_fr, reason_en=reason_en)


def _bare(media_type: str | None) -> str:
    """``image/JPEG; q=1`` → ``image/jpeg``."""
    return (media_type or "").split(";")[0].strip().lower()


def _refuse_same_path(src: Path, dest: Path) -> None:
    """The marked copy never replaces its original (a caller's mistake, not the document's)."""
    same = os.path.samefile(src, dest) if src.exists() and dest.exists() else src.resolve() == dest.resolve()
    if same:
        raise ValueError(f"the marked copy must not overwrite its original: {src}")
