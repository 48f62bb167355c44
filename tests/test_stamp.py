"""DS-28: the timestamp mark on a copy, in a band added above the content, for PDFs and images."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from liasse.intake.stamp import PDF_BAND, StampRefused, mark_text, stamp_file

TEXT = "Reçu via DocSecure le 09/10/2023 à 16:29"


def a_pdf(path: Path, pages: int = 2, rotate: int = 0) -> Path:
    pdf = FPDF()
    for n in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(0, 10, f"Page {n + 1} du document original")
    pdf.output(str(path))
    if rotate:
        writer = PdfWriter(clone_from=PdfReader(path))
        writer.pages[0].rotate(rotate)
        writer.write(path)
    return path


def test_ds28_mark_text_in_office_timezone() -> None:
    received = dt.datetime(2023, 10, 9, 14, 29, tzinfo=dt.UTC)
    assert mark_text("DocSecure", received, "Europe/Paris") == TEXT
    assert mark_text("DocSecure", received, "Europe/Paris", "en") == "Received via DocSecure on 09/10/2023 at 16:29"


def test_ds28_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        mark_text("DocSecure", dt.datetime(2023, 10, 9, 14, 29), "Europe/Paris")


def test_ds28_pdf_mark_on_a_band_added_to_the_first_page(tmp_path: Path) -> None:
    src = a_pdf(tmp_path / "rib.pdf")
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    original = PdfReader(src)
    out = stamp_file(src, tmp_path / "rib-h.pdf", TEXT, media_type="application/pdf")
    marked = PdfReader(out)
    first, second = marked.pages[0], marked.pages[1]
    assert float(first.mediabox.top) == pytest.approx(float(original.pages[0].mediabox.top) + PDF_BAND)
    assert float(first.mediabox.bottom) == float(original.pages[0].mediabox.bottom)
    assert TEXT in (first.extract_text() or "") and "Page 1 du document original" in (first.extract_text() or "")
    assert TEXT not in (second.extract_text() or "")
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # the original is never touched


def test_ds28_rotated_pdf_gets_its_band_on_the_visual_top(tmp_path: Path) -> None:
    src = a_pdf(tmp_path / "paysage.pdf", pages=1, rotate=90)
    box = PdfReader(src).pages[0].mediabox
    marked = PdfReader(stamp_file(src, tmp_path / "out.pdf", TEXT)).pages[0]
    # With /Rotate 90 the visual top is the page's left edge.
    assert float(marked.mediabox.left) == pytest.approx(float(box.left) - PDF_BAND)
    assert TEXT in (marked.extract_text() or "")


def test_ds28_encrypted_pdf_refused_with_the_original_kept(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(a_pdf(tmp_path / "clair.pdf", pages=1)))
    writer.encrypt("secret")
    src = tmp_path / "chiffre.pdf"
    writer.write(src)
    with pytest.raises(StampRefused, match="chiffré"):
        stamp_file(src, tmp_path / "out.pdf", TEXT)
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize(("fmt", "suffix"), [("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif")])
def test_ds28_image_mark_extends_the_canvas_and_keeps_the_pixels(tmp_path: Path, fmt: str, suffix: str) -> None:
    src = tmp_path / f"scan.{suffix}"
    Image.new("RGB", (600, 400), (200, 30, 30)).save(src, format=fmt)
    out = stamp_file(src, tmp_path / f"out.{suffix}", TEXT)
    with Image.open(out) as marked:
        assert marked.format == fmt
        band = marked.height - 400
        assert marked.width == 600 and band >= 28
        assert marked.convert("RGB").getpixel((300, band + 200))[0] > 150  # the content is below, unchanged
        assert marked.convert("RGB").getpixel((595, 2)) == (255, 255, 255)  # the band is white


def test_ds28_dark_image_mark_stays_legible(tmp_path: Path) -> None:
    src = tmp_path / "sombre.jpg"
    Image.new("RGB", (800, 600), (0, 0, 0)).save(src)
    with Image.open(stamp_file(src, tmp_path / "out.jpg", TEXT)) as marked:
        band = marked.convert("L").crop((0, 0, 800, marked.height - 600))
        darkest, lightest = band.getextrema()
        assert lightest > 230 and darkest < 80  # light band, dark text


def test_ds28_image_with_the_provider_logo(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), (0, 90, 200)).save(logo)
    src = tmp_path / "scan.png"
    Image.new("RGB", (600, 400), (255, 255, 255)).save(src)
    from liasse.intake.stamp import stamp_image

    with Image.open(stamp_image(src, tmp_path / "out.png", TEXT, logo=logo)) as marked:
        assert marked.convert("RGB").getpixel((12, 12))[2] > 150  # the logo's blue, at the band's left


def test_ds28_disguised_file_refused(tmp_path: Path) -> None:
    src = tmp_path / "facture.pdf"
    src.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(StampRefused, match="ne correspond pas"):
        stamp_file(src, tmp_path / "out.pdf", TEXT, media_type="application/pdf")


def test_ds28_decompression_bomb_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import liasse.intake.stamp as stamp

    monkeypatch.setattr(stamp, "MAX_PIXELS", 10_000)
    src = tmp_path / "bombe.png"
    Image.new("1", (150, 100)).save(src)  # 15,000 pixels: over the cap, under Pillow's own 2× error
    with pytest.raises(StampRefused, match="pixels"):
        stamp_file(src, tmp_path / "out.png", TEXT)
