"""DS-28: the timestamp mark on a copy, in a band added above the content, for PDFs and images."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import cast

import pytest
from fpdf import FPDF
from PIL import Image, ImageChops
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    NameObject,
    NumberObject,
    RectangleObject,
    TextStringObject,
)

from liasse.intake.stamp import (
    PDF_BAND,
    StampRefused,
    is_signed_pdf,
    mark_text,
    stamp_file,
    stamp_image,
    stamp_pdf,
)

TEXT = "Reçu via DocSecure le 09/10/2023 à 16:29"


def a_pdf(path: Path, pages: int = 2, rotate: int = 0, size: tuple[float, float] | str = "A4") -> Path:
    pdf = FPDF(unit="pt", format=size)
    for n in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.set_xy(20, 20)
        pdf.cell(0, 10, f"Page {n + 1} du document original")
    pdf.output(str(path))
    if rotate:
        writer = PdfWriter(clone_from=PdfReader(path))
        writer.pages[0].rotate(rotate)
        writer.write(path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def box(rectangle: RectangleObject) -> tuple[float, ...]:
    return tuple(float(v) for v in (rectangle.left, rectangle.bottom, rectangle.right, rectangle.top))


def fonts(page: PageObject) -> list[str]:
    resources = cast(DictionaryObject, page["/Resources"].get_object())
    return list(cast(DictionaryObject, resources["/Font"].get_object()))


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.convert("RGB").getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def extrema(image: Image.Image) -> tuple[int, int]:
    """Darkest and lightest value of a one-band image."""
    return cast(tuple[int, int], image.getextrema())


def a_signed_pdf(path: Path, with_value: bool = True) -> Path:
    """A PDF with a signature field, filled (signed) or empty (ready to sign)."""
    writer = PdfWriter(clone_from=PdfReader(a_pdf(path.with_suffix(".plain.pdf"), pages=1)))
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/T"): TextStringObject("Signature1"),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): RectangleObject((0, 0, 0, 0)),
        }
    )
    if with_value:
        signature = DictionaryObject(
            {NameObject("/Type"): NameObject("/Sig"), NameObject("/Filter"): NameObject("/Adobe.PPKLite")}
        )
        field[NameObject("/V")] = writer._add_object(signature)
    reference = writer._add_object(field)
    writer.pages[0][NameObject("/Annots")] = ArrayObject([reference])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([reference]), NameObject("/SigFlags"): NumberObject(3)}
    )
    writer.write(path)
    return path


# --- the words ---------------------------------------------------------------


def test_ds28_mark_text_in_office_timezone() -> None:
    received = dt.datetime(2023, 10, 9, 14, 29, tzinfo=dt.UTC)
    assert mark_text("DocSecure", received, "Europe/Paris") == TEXT
    assert mark_text("DocSecure", received, "Europe/Paris", "en") == "Received via DocSecure on 09/10/2023 at 16:29"
    # Winter time: one hour, not two; and a time given in another zone is converted too.
    assert mark_text("DocSecure", dt.datetime(2023, 12, 31, 23, 30, tzinfo=dt.UTC), "Europe/Paris").endswith(
        "le 01/01/2024 à 00:30"
    )
    montreal = dt.datetime(2023, 10, 9, 10, 29, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert mark_text("DocSecure", montreal, "Europe/Paris") == TEXT


def test_ds28_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        mark_text("DocSecure", dt.datetime(2023, 10, 9, 14, 29), "Europe/Paris")
    with pytest.raises(ValueError, match="time zone"):
        mark_text("DocSecure", dt.datetime(2023, 10, 9, 14, 29, tzinfo=dt.UTC), "Europe/Atlantide")


# --- PDF ---------------------------------------------------------------------


def test_ds28_pdf_mark_on_extended_band_of_first_page(tmp_path: Path) -> None:
    src = a_pdf(tmp_path / "rib.pdf")
    original = PdfReader(src)
    out = stamp_file(src, tmp_path / "rib-h.pdf", TEXT, media_type="application/pdf")
    marked = PdfReader(out)
    first, second = marked.pages[0], marked.pages[1]
    left, bottom, right, top = box(original.pages[0].mediabox)
    assert box(first.mediabox) == pytest.approx((left, bottom, right, top + PDF_BAND))
    assert "/CropBox" not in first or box(first.cropbox) == box(first.mediabox)
    text = first.extract_text(orientations=(0,))
    assert TEXT in text and "Page 1 du document original" in text
    # The band is the only thing above the old top edge.
    above: list[str] = []
    first.extract_text(visitor_text=lambda t, cm, tm, *_: above.append(t) if cm[5] + tm[5] > top else None)
    assert TEXT in "".join(above) and "Page 1" not in "".join(above)
    # The other pages are copied as they are.
    assert box(second.mediabox) == box(original.pages[1].mediabox)
    assert cast(ContentStream, second.get_contents()).get_data() == cast(
        ContentStream, original.pages[1].get_contents()
    ).get_data()
    assert TEXT not in second.extract_text()


def test_ds28_pdf_original_untouched(tmp_path: Path) -> None:
    src = a_pdf(tmp_path / "rib.pdf")
    before = sha256(src)
    stamp_pdf(src, tmp_path / "copie" / "rib.pdf", TEXT)
    assert sha256(src) == before
    assert (tmp_path / "copie" / "rib.pdf").is_file()
    assert [p.name for p in (tmp_path / "copie").iterdir()] == ["rib.pdf"]  # no temporary file left behind
    with pytest.raises(ValueError, match="overwrite its original"):
        stamp_pdf(src, src, TEXT)
    assert sha256(src) == before


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_ds28_rotated_pdf(tmp_path: Path, rotation: int) -> None:
    src = a_pdf(tmp_path / "paysage.pdf", pages=1, rotate=rotation)
    left, bottom, right, top = box(PdfReader(src).pages[0].mediabox)
    marked = PdfReader(stamp_file(src, tmp_path / "out.pdf", TEXT)).pages[0]
    # The visual top of a page turned 90° clockwise is its left edge, 180° its bottom, 270° its right.
    expected = {
        90: (left - PDF_BAND, bottom, right, top),
        180: (left, bottom - PDF_BAND, right, top),
        270: (left, bottom, right + PDF_BAND, top),
    }[rotation]
    assert box(marked.mediabox) == pytest.approx(expected)
    # The text runs along that edge, turned so that it reads upright once the viewer applies /Rotate.
    assert TEXT in marked.extract_text(orientations=(rotation,))
    assert TEXT not in marked.extract_text(orientations=(0,))
    assert "Page 1 du document original" in marked.extract_text(orientations=(0,))


def test_ds28_pdf_crop_box_grows_without_revealing_the_cropped_margin(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(a_pdf(tmp_path / "plein.pdf", pages=1)))
    writer.pages[0].cropbox = RectangleObject((30, 40, 500, 700))
    src = tmp_path / "rogne.pdf"
    writer.write(src)
    marked = PdfReader(stamp_pdf(src, tmp_path / "out.pdf", TEXT)).pages[0]
    assert box(marked.cropbox) == pytest.approx((30, 40, 500, 700 + PDF_BAND))
    media = box(marked.mediabox)
    assert media[0] <= 30 and media[1] <= 40 and media[2] >= 500 and media[3] >= 700 + PDF_BAND
    assert TEXT in marked.extract_text()


def test_ds28_pdf_inherited_rotation_is_honoured(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(a_pdf(tmp_path / "plain.pdf", pages=1)))
    # /Rotate set on the page tree's root, not on the page: the page inherits it.
    cast(DictionaryObject, writer._root_object["/Pages"].get_object())[NameObject("/Rotate")] = NumberObject(90)
    src = tmp_path / "herite.pdf"
    writer.write(src)
    left = float(PdfReader(src).pages[0].mediabox.left)
    marked = PdfReader(stamp_pdf(src, tmp_path / "out.pdf", TEXT)).pages[0]
    assert float(marked.mediabox.left) == pytest.approx(left - PDF_BAND)
    assert TEXT in marked.extract_text(orientations=(90,))


def test_ds28_narrow_pdf_and_a_title_outside_latin_1(tmp_path: Path) -> None:
    src = a_pdf(tmp_path / "ticket.pdf", pages=1, size=(160, 400))
    text = "Reçu via Łódź Dokumenty – Œuvre le 09/10/2023 à 16:29"
    marked = PdfReader(stamp_pdf(src, tmp_path / "out.pdf", text)).pages[0]
    extracted = marked.extract_text()
    # Windows-1252 keeps "ç", "à", "–" and "Œ"; "ó" too; "Ł" has no equivalent in the standard fonts.
    assert "Reçu via ?ódz Dokumenty – Œuvre le 09/10/2023 à 16:29" in extracted.replace("\n", " ")


def test_ds28_encrypted_pdf_refused_with_the_original_kept(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(a_pdf(tmp_path / "clair.pdf", pages=1)))
    writer.encrypt("secret")
    src = tmp_path / "chiffre.pdf"
    writer.write(src)
    with pytest.raises(StampRefused, match="chiffré") as refused:
        stamp_file(src, tmp_path / "out.pdf", TEXT)
    english = refused.value.message("en")
    assert english.startswith("Cannot put the timestamp mark on 'chiffre.pdf': the PDF is encrypted")
    assert "original est conservé" in refused.value.message("fr")
    assert not (tmp_path / "out.pdf").exists()


def test_ds28_damaged_pdf_refused(tmp_path: Path) -> None:
    src = tmp_path / "abime.pdf"
    src.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(StampRefused, match="illisible ou endommagé"):
        stamp_file(src, tmp_path / "out.pdf", TEXT)
    assert not (tmp_path / "out.pdf").exists()


def test_ds28_pdf_over_the_page_cap_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liasse.intake import stamp

    monkeypatch.setattr(stamp, "MAX_PAGES", 1)
    with pytest.raises(StampRefused, match="plus de 1 pages"):
        stamp_pdf(a_pdf(tmp_path / "gros.pdf", pages=2), tmp_path / "out.pdf", TEXT)


def test_ds28_pdf_mark_never_inflates_the_page_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liasse.intake import stamp

    # The first page's content inflates to ~2.5 kB: over this cap, yet the mark only references it
    # (screening, which inflates every stream under the caps, runs before the mark in the pipeline).
    monkeypatch.setattr(stamp, "MAX_STREAM_BYTES", 1_000)
    src = tmp_path / "dense.pdf"
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=8)
    for line in range(60):
        pdf.cell(0, 4, f"Ligne {line} : du texte pour grossir le flux de contenu", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(src))
    original = cast(DictionaryObject, PdfReader(src).pages[0]["/Contents"].get_object())
    marked = PdfReader(stamp_pdf(src, tmp_path / "out.pdf", TEXT)).pages[0]
    streams = [cast(DictionaryObject, item.get_object()) for item in cast(ArrayObject, marked["/Contents"])]
    assert any(stream._data == original._data for stream in streams)  # the received bytes, not re-encoded
    assert TEXT in marked.extract_text() and "Ligne 59" in marked.extract_text()


def test_ds28_pdf_mark_is_an_incremental_update_after_the_received_bytes(tmp_path: Path) -> None:
    signed = a_signed_pdf(tmp_path / "signe.pdf")
    out = stamp_pdf(signed, tmp_path / "signe-horodate.pdf", TEXT)
    # The signed revision stays byte for byte at the head of the copy: its signature still covers it.
    assert out.read_bytes().startswith(signed.read_bytes())
    assert out.stat().st_size < signed.stat().st_size + 8_000
    assert is_signed_pdf(out) and TEXT in PdfReader(out).pages[0].extract_text()


def test_ds28_pdf_other_pages_keep_shared_resources_as_they_are(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(a_pdf(tmp_path / "plain.pdf", pages=2)))
    # One /Resources object for both pages, as many producers write it.
    writer.pages[1][NameObject("/Resources")] = writer.pages[0].get("/Resources")
    src = tmp_path / "partage.pdf"
    writer.write(src)
    fonts_before = set(fonts(PdfReader(src).pages[1]))
    marked = PdfReader(stamp_pdf(src, tmp_path / "out.pdf", TEXT))
    assert set(fonts(marked.pages[1])) == fonts_before
    assert len(set(fonts(marked.pages[0]))) == len(fonts_before) + 1  # the band's font, on the first page only


def test_ds28_signed_pdf_detected_and_marked_only_on_a_copy(tmp_path: Path) -> None:
    signed = a_signed_pdf(tmp_path / "signe.pdf")
    assert is_signed_pdf(signed)
    assert not is_signed_pdf(a_signed_pdf(tmp_path / "a-signer.pdf", with_value=False))  # empty field
    assert not is_signed_pdf(a_pdf(tmp_path / "simple.pdf"))
    assert not is_signed_pdf(tmp_path / "absent.pdf")
    before = sha256(signed)
    out = stamp_pdf(signed, tmp_path / "signe-horodate.pdf", TEXT)
    assert sha256(signed) == before and TEXT in PdfReader(out).pages[0].extract_text()


# --- images ------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "suffix"), [("PNG", "png"), ("TIFF", "tif")])
def test_ds28_png_mark_extends_canvas_and_keeps_pixels(tmp_path: Path, fmt: str, suffix: str) -> None:
    src = tmp_path / f"scan.{suffix}"
    original = Image.effect_noise((600, 400), 60).convert("RGB")
    original.save(src, format=fmt, dpi=(300, 300))
    before = sha256(src)
    out = stamp_file(src, tmp_path / f"out.{suffix}", TEXT)
    with Image.open(out) as marked:
        assert marked.format == fmt and marked.mode == "RGB"
        band = marked.height - 400
        assert marked.width == 600 and band == 28
        assert marked.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        # Lossless formats: every original pixel is there, one band lower.
        assert ImageChops.difference(marked.crop((0, band, 600, band + 400)), original).getbbox() is None
        assert rgb(marked, (595, 2)) == (255, 255, 255)  # the band is white
    assert sha256(src) == before


def test_ds28_jpeg_dark_image_mark_legible(tmp_path: Path) -> None:
    src = tmp_path / "sombre.jpg"
    Image.new("RGB", (800, 600), (0, 0, 0)).save(src)
    with Image.open(stamp_file(src, tmp_path / "out.jpg", TEXT, media_type="image/jpeg")) as marked:
        assert marked.format == "JPEG" and marked.size == (800, 632)
        grey = marked.convert("L")
        band = grey.crop((0, 0, 800, 32 - 2))  # above the rule
        histogram = band.histogram()
        light, dark = sum(histogram[200:]), sum(histogram[:80])
        assert light > 0.7 * 800 * 30 and dark > 300  # a light band with dark text on it
        assert extrema(grey.crop((0, 40, 800, 632)))[1] < 30  # the dark content, still dark


def test_ds28_tiff(tmp_path: Path) -> None:
    """A multi-page bilevel scan (fax TIFF): every page kept, bilevel and Group 4, only the first marked."""
    pages = [Image.new("1", (1000, 700), 1), Image.new("1", (1000, 700), 0), Image.new("1", (900, 500), 1)]
    src = tmp_path / "fax.tiff"
    pages[0].save(src, format="TIFF", compression="group4", save_all=True, append_images=pages[1:])
    out = stamp_file(src, tmp_path / "fax-h.tiff", TEXT, media_type="image/tiff")
    with Image.open(out) as marked:
        assert marked.format == "TIFF" and getattr(marked, "n_frames", 1) == 3
        assert marked.mode == "1" and marked.info["compression"] == "group4"
        assert marked.size == (1000, 740)
        assert marked.crop((0, 0, 1000, 38)).getextrema() == (0, 255)  # black text on the white band
        assert marked.crop((0, 40, 1000, 740)).getextrema() == (255, 255)  # the white page below, untouched
        marked.seek(1)
        assert marked.size == (1000, 700) and marked.getextrema() == (0, 0)  # the black page, unmarked
        marked.seek(2)
        assert marked.size == (900, 500) and marked.getextrema() == (255, 255)


def test_ds28_image_with_logo(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    # A transparent square with a blue disc: the transparent corners must come out white, not black.
    disc = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    disc.paste((0, 90, 200, 255), (16, 16, 48, 48))
    disc.save(logo)
    src = tmp_path / "scan.png"
    Image.new("RGB", (600, 400), (255, 255, 255)).save(src)
    with Image.open(stamp_image(src, tmp_path / "out.png", TEXT, logo=logo)) as marked:
        red, _, blue = rgb(marked, (14, 14))
        assert blue > 150 and red < 60  # the logo's blue, at the left
        assert rgb(marked, (4, 4)) == (255, 255, 255)  # its transparent corner, on white
    # A missing logo leaves the mark without it rather than failing the import.
    with Image.open(stamp_image(src, tmp_path / "sans.png", TEXT, logo=tmp_path / "absent.png")) as marked:
        assert marked.size == (600, 428)


def test_ds28_decompression_bomb_image_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liasse.intake import stamp

    monkeypatch.setattr(stamp, "MAX_PIXELS", 10_000)
    src = tmp_path / "bombe.png"
    Image.new("1", (150, 100)).save(src)  # 15,000 pixels: over the cap, far under Pillow's own limit
    with pytest.raises(StampRefused, match="pixels"):
        stamp_file(src, tmp_path / "out.png", TEXT)
    assert not (tmp_path / "out.png").exists()


def test_ds28_decompression_bomb_at_pillow_limit_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow's own DecompressionBombError (raised by Image.open, before liasse looks) is a refusal too."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    src = tmp_path / "bombe.png"
    Image.new("L", (100, 100)).save(src)  # 10,000 pixels: over twice Pillow's limit
    with pytest.raises(StampRefused, match="pixels"):
        stamp_file(src, tmp_path / "out.png", TEXT)


def test_ds28_image_modes_are_kept_or_converted_sensibly(tmp_path: Path) -> None:
    palette = tmp_path / "palette.png"
    indexed = Image.new("P", (300, 200), 0)
    indexed.putpalette([255, 0, 0, 0, 0, 255])
    indexed.paste(1, (0, 0, 100, 100))
    indexed.save(palette, transparency=0)
    with Image.open(stamp_file(palette, tmp_path / "p.png", TEXT)) as marked:
        assert marked.mode == "RGBA"
        assert marked.getpixel((150, 28 + 150)) == (255, 0, 0, 0)  # still transparent below
        assert marked.getpixel((50, 28 + 50)) == (0, 0, 255, 255)  # and the opaque blue, opaque blue
        assert marked.getpixel((299, 1)) == (255, 255, 255, 255)  # the band is opaque
    cmyk = tmp_path / "print.jpg"
    Image.new("CMYK", (300, 200), (0, 200, 200, 0)).save(cmyk, quality=95)
    with Image.open(stamp_file(cmyk, tmp_path / "c.jpg", TEXT)) as marked:
        assert marked.mode == "CMYK" and rgb(marked, (299, 1)) == pytest.approx((255, 255, 255), abs=3)
    deep = tmp_path / "16bits.png"
    Image.new("I;16", (300, 200), 32768).save(deep)
    with Image.open(stamp_file(deep, tmp_path / "d.png", TEXT)) as marked:
        assert marked.mode == "L" and marked.getpixel((150, 150)) == 127  # scaled to 8 bits, not clipped to white
    grey = tmp_path / "gris.jpg"
    Image.new("L", (300, 200), 90).save(grey)
    with Image.open(stamp_file(grey, tmp_path / "g.jpg", TEXT)) as marked:
        assert marked.mode == "L"


def test_ds28_photo_marked_on_the_top_people_see(tmp_path: Path) -> None:
    """A phone photo stored sideways with EXIF orientation 6 (turn 90° clockwise to view)."""
    stored = Image.new("RGB", (400, 200), (255, 255, 255))
    stored.paste((200, 0, 0), (0, 0, 40, 200))  # the stored left edge: the visual top once turned
    exif = Image.Exif()
    exif[0x0112] = 6
    src = tmp_path / "photo.jpg"
    stored.save(src, exif=exif)
    with Image.open(stamp_file(src, tmp_path / "out.jpg", TEXT)) as marked:
        assert marked.size == (200, 400 + 28)
        assert marked.getexif().get(0x0112) in (None, 1)
        assert rgb(marked, (100, 28 + 10))[0] > 150  # the red strip is right under the band


def test_ds28_narrow_image_mark_shrinks_to_fit(tmp_path: Path) -> None:
    src = tmp_path / "etroit.png"
    Image.new("RGB", (220, 300), (255, 255, 255)).save(src)
    with Image.open(stamp_file(src, tmp_path / "out.png", TEXT)) as marked:
        band = marked.convert("L").crop((0, 0, 220, 26))
        assert extrema(band)[0] < 100  # the text is there
        assert band.crop((216, 0, 220, 26)).getextrema() == (255, 255)  # and ends before the right edge


def test_ds28_image_mark_never_shows_missing_letter_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a system font, Pillow's built-in one (no accents) shows "Recu … a" rather than empty boxes."""
    from liasse.intake import stamp

    monkeypatch.setattr(stamp, "FONT_FILES", ())
    stamp._font_file.cache_clear()
    try:
        font, shown = stamp._band_font(20, TEXT)
        assert shown in (TEXT, "Recu via DocSecure le 09/10/2023 a 16:29")
        assert stamp._has_glyphs(font, shown)
    finally:
        stamp._font_file.cache_clear()


def test_ds28_damaged_image_refused(tmp_path: Path) -> None:
    src = tmp_path / "casse.png"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 20, 30)).save(buffer, format="PNG")
    src.write_bytes(buffer.getvalue()[:120])  # truncated in the middle of the pixel data
    with pytest.raises(StampRefused, match="image illisible"):
        stamp_file(src, tmp_path / "out.png", TEXT)


# --- types -------------------------------------------------------------------


def test_ds28_disguised_file_refused(tmp_path: Path) -> None:
    src = tmp_path / "facture.pdf"
    src.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(StampRefused, match="ne correspond pas"):
        stamp_file(src, tmp_path / "out.pdf", TEXT, media_type="application/pdf")
    png = tmp_path / "photo.jpg"
    Image.new("RGB", (50, 50)).save(png, format="PNG")
    with pytest.raises(StampRefused, match="ne correspond pas"):
        stamp_file(png, tmp_path / "out.jpg", TEXT, media_type="image/jpeg")
    # The names browsers give the same type are not a disguise.
    jpeg = tmp_path / "vraie.jpg"
    Image.new("RGB", (50, 50)).save(jpeg, format="JPEG")
    assert stamp_file(jpeg, tmp_path / "ok.jpg", TEXT, media_type="image/jpg").is_file()


def test_ds28_type_that_cannot_carry_a_mark_refused(tmp_path: Path) -> None:
    gif = tmp_path / "anim.gif"
    Image.new("RGB", (50, 50)).save(gif)
    with pytest.raises(StampRefused, match="ne peut pas porter de mention"):
        stamp_file(gif, tmp_path / "out.gif", TEXT)
    with pytest.raises(StampRefused, match="ne peut pas porter de mention"):
        stamp_image(gif, tmp_path / "out.gif", TEXT)


@pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf").exists(),
    reason="fonts-dejavu-core is not installed (.ci/run installs it)",
)
def test_ds28_image_mark_keeps_its_accents_with_dejavu_installed() -> None:
    from liasse.intake import stamp

    stamp._font_file.cache_clear()
    font, shown = stamp._band_font(20, TEXT)
    assert shown == TEXT and "DejaVu" in str(stamp._font_file())


def test_ds28_pdf_with_a_repaired_xref_is_rewritten_whole_not_appended_to(tmp_path: Path) -> None:
    from hostile_pdfs import broken_xref

    src = broken_xref(tmp_path / "casse.pdf")
    out = stamp_pdf(src, tmp_path / "casse-h.pdf", TEXT)
    assert not out.read_bytes().startswith(src.read_bytes())
    marked = PdfReader(out, strict=True)  # a sound file, whatever the received one was
    assert len(marked.pages) == 1 and TEXT in marked.pages[0].extract_text()


def test_ds28_a_scanned_deed_near_the_intake_cap_is_marked_within_the_worker(tmp_path: Path) -> None:
    """P1/DS-28: a 90 MiB scan is marked inside the worker's 512 MiB; it needed more while whole copies were kept."""
    from liasse.testing.documents import scanned_pdf

    src = tmp_path / "acte-scanne.pdf"
    pages = scanned_pdf(src, 90)
    head = hashlib.sha256(src.read_bytes()).hexdigest()
    dest = stamp_pdf(src, tmp_path / "acte-scanne-horodate.pdf", TEXT, "acte-scanne.pdf")
    marked = dest.read_bytes()
    # An incremental update: the received bytes stay whole at the head of the marked file.
    assert hashlib.sha256(marked[: src.stat().st_size]).hexdigest() == head
    assert len(PdfReader(dest).pages) == pages
    assert not list(tmp_path.glob(".*.part"))


def test_ds28_a_full_disk_while_marking_is_told_as_a_disk_error_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing the mark streams into a temporary file; a failing write is the disk's error, not a "damaged PDF"."""
    import liasse.intake.stamp as stamp_module

    src = a_pdf(tmp_path / "acte.pdf")
    dest = tmp_path / "acte-horodate.pdf"

    def full_disk(self: PdfWriter, stream: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PdfWriter, "write", full_disk)
    with pytest.raises(OSError, match="No space left"):
        stamp_module._stamp_confined(src, dest, TEXT, "acte.pdf", 2000, 64 * 1024 * 1024)
    assert not dest.exists() and not list(tmp_path.glob(".*.part"))
