"""Hostile received documents: each refused or cleaned with a clear sentence, the original kept untouched."""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path
from typing import cast

import pytest
from liasse.intake import hostile
from liasse.intake.hostile import (
    HostileDocument,
    check_received_file,
    inspect_pdf,
    strip_active_content,
)
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def blank_pdf() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    return writer


def save(writer: PdfWriter, path: Path) -> Path:
    with path.open("wb") as out:
        writer.write(out)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def javascript_pdf(path: Path) -> Path:
    """A PDF that runs JavaScript twice on opening (an /OpenAction and a document script) and on a link."""
    writer = blank_pdf()
    writer.add_open_action(JavaScript("app.alert('document script');"))
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.launchURL('x');")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([]),
            NameObject("/A"): DictionaryObject(
                {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return save(writer, path)


def bomb_pdf(path: Path, inflated: int = 200 * 1024 * 1024) -> Path:
    """A one-page PDF whose content stream is ``inflated`` bytes of zeros, deflated to a few hundred KB."""
    packer = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    body = b"".join(packer.compress(chunk) for _ in range(inflated // len(chunk))) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    path.write_bytes(out.getvalue())
    return path


# --- checks before reading ----------------------------------------------------------


def test_hostile_executable_named_pdf_is_refused_unopened(tmp_path: Path) -> None:
    exe = tmp_path / "RIB.pdf"
    exe.write_bytes(b"MZ\x90\x00" + bytes(60) + b"This program cannot be run in DOS mode." + bytes(400))
    before = sha(exe)
    with pytest.raises(HostileDocument) as caught:
        check_received_file(exe)
    message = caught.value.message("fr")
    assert message.startswith("Le document « RIB.pdf » n'est pas ouvert : c'est un programme (application/x-msdownload)")
    assert "L'original est conservé tel quel" in message
    assert "is a program" in caught.value.message("en")
    with pytest.raises(HostileDocument):
        inspect_pdf(exe)
    assert sha(exe) == before


def test_hostile_elf_named_pdf_is_refused(tmp_path: Path) -> None:
    elf = tmp_path / "scan.pdf"
    elf.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(500))
    with pytest.raises(HostileDocument, match="programme"):
        check_received_file(elf)


def test_hostile_content_not_matching_its_name_is_refused(tmp_path: Path) -> None:
    png_named_pdf = tmp_path / "rib.pdf"
    png_named_pdf.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(HostileDocument, match=r"son contenu \(image/png\) ne correspond pas à son nom \(application/pdf\)"):
        check_received_file(png_named_pdf)


def test_hostile_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = save(blank_pdf(), tmp_path / "big.pdf")
    with pytest.raises(HostileDocument, match="au-delà des 10 octets que liasse inspecte"):
        check_received_file(big, max_bytes=10)


def test_hostile_pdf_stored_under_a_generated_name_is_checked_by_content(tmp_path: Path) -> None:
    stored = save(blank_pdf(), tmp_path / "3f2a9c")
    assert check_received_file(stored, expected="application/pdf") == "application/pdf"
    assert inspect_pdf(stored).pages == 1


# --- inflate bombs ------------------------------------------------------------------


def test_hostile_pdf_stream_inflating_beyond_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = bomb_pdf(tmp_path / "releve.pdf")
    assert bomb.stat().st_size < 1024 * 1024  # 200 MB of zeros in under 1 MB on disk
    before = sha(bomb)
    monkeypatch.setattr(hostile, "MAX_STREAM_BYTES", 4 * 1024 * 1024)  # keeps the test fast; the default is 64 MB
    with pytest.raises(HostileDocument) as caught:
        inspect_pdf(bomb)
    message = caught.value.message("fr")
    assert "se décompresse au-delà des limites de lecture" in message and "« bombe de décompression »" in message
    assert "decompression bomb" in caught.value.message("en")
    with pytest.raises(HostileDocument, match="bombe"):
        strip_active_content(bomb, tmp_path / "clean.pdf")
    assert not (tmp_path / "clean.pdf").exists()
    assert sha(bomb) == before


def test_hostile_pdf_many_streams_beyond_the_total_budget_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = bomb_pdf(tmp_path / "releve.pdf", inflated=8 * 1024 * 1024)
    monkeypatch.setattr(hostile, "MAX_TOTAL_BYTES", 1024 * 1024)
    with pytest.raises(HostileDocument, match="bombe"):
        inspect_pdf(bomb)


def test_hostile_pdf_stream_within_the_caps_is_read(tmp_path: Path) -> None:
    report = inspect_pdf(bomb_pdf(tmp_path / "ok.pdf", inflated=2 * 1024 * 1024))
    assert report.pages == 1 and report.inflated_bytes >= 2 * 1024 * 1024 and not report.active


def test_hostile_pdf_with_too_many_pages_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = blank_pdf()
    writer.add_blank_page(200, 200)
    pdf = save(writer, tmp_path / "long.pdf")
    monkeypatch.setattr(hostile, "MAX_PAGES", 1)
    with pytest.raises(HostileDocument, match="plus de 1 pages"):
        inspect_pdf(pdf)


def test_hostile_damaged_pdf_is_refused_with_a_sentence(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(200))
    with pytest.raises(HostileDocument, match="illisible ou endommagé"):
        inspect_pdf(broken)


# --- active content -----------------------------------------------------------------


def test_hostile_pdf_javascript_is_reported(tmp_path: Path) -> None:
    report = inspect_pdf(javascript_pdf(tmp_path / "rib.pdf"))
    assert report.javascript and report.open_action and report.launch_actions == 1
    assert report.active and not report.encrypted and report.pages == 1


def test_hostile_pdf_javascript_stripped(tmp_path: Path) -> None:
    src = javascript_pdf(tmp_path / "rib.pdf")
    before = sha(src)
    dest = strip_active_content(src, tmp_path / "rib-clean.pdf")
    assert sha(src) == before  # the original is untouched
    report = inspect_pdf(dest)
    assert not report.javascript and not report.open_action and report.launch_actions == 0
    assert b"app.alert" not in dest.read_bytes() and b"cmd.exe" not in dest.read_bytes()
    cleaned = PdfReader(dest)
    assert len(cleaned.pages) == 1
    assert "/OpenAction" not in cast(DictionaryObject, cleaned.trailer["/Root"].get_object())


def test_hostile_pdf_embedded_file_stripped(tmp_path: Path) -> None:
    writer = blank_pdf()
    writer.add_attachment("facture.exe", b"MZ-PAYLOAD-" * 50)
    src = save(writer, tmp_path / "rib.pdf")
    assert inspect_pdf(src).embedded_files == 1
    dest = strip_active_content(src, tmp_path / "rib-clean.pdf")
    assert inspect_pdf(dest).embedded_files == 0
    assert not PdfReader(dest).attachments
    assert inspect_pdf(src).embedded_files == 1


def test_hostile_pdf_xfa_and_page_actions_stripped(tmp_path: Path) -> None:
    writer = blank_pdf()
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([]), NameObject("/XFA"): TextStringObject("<xdp/>")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("x()")})}
    )
    src = save(writer, tmp_path / "form.pdf")
    report = inspect_pdf(src)
    assert report.xfa and report.javascript
    clean = inspect_pdf(strip_active_content(src, tmp_path / "form-clean.pdf"))
    assert not clean.xfa and not clean.javascript and not clean.active


def test_hostile_plain_pdf_is_not_active_and_its_links_survive_stripping(tmp_path: Path) -> None:
    writer = blank_pdf()
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([]),
            NameObject("/A"): DictionaryObject(
                {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://example.org")}
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    src = save(writer, tmp_path / "plain.pdf")
    assert not inspect_pdf(src).active
    dest = strip_active_content(src, tmp_path / "plain-clean.pdf")
    annots = cast(ArrayObject, PdfReader(dest).pages[0]["/Annots"])
    annotation = cast(DictionaryObject, annots[0].get_object())
    assert cast(DictionaryObject, annotation["/A"])["/URI"] == "https://example.org"


def test_hostile_encrypted_pdf_is_reported_and_not_stripped(tmp_path: Path) -> None:
    writer = blank_pdf()
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    src = save(writer, tmp_path / "locked.pdf")
    assert inspect_pdf(src).encrypted
    with pytest.raises(HostileDocument, match="chiffré"):
        strip_active_content(src, tmp_path / "locked-clean.pdf")


def test_hostile_strip_refuses_to_overwrite_its_original(tmp_path: Path) -> None:
    src = save(blank_pdf(), tmp_path / "rib.pdf")
    with pytest.raises(ValueError, match="must not overwrite"):
        strip_active_content(src, src)


# --- names, sizes and types of received files -----------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("RIB.pdf.exe", "ne correspond pas à son nom"),
        ("RIB.pdf%00.exe", "caractère nul"),
        ("RIB.pdf\x00.exe", "caractère nul"),
        ("../RIB.pdf", "chemin"),
        ("RIB\u202efdp.exe", "caractère invisible"),
    ],
)
def test_hostile_received_names_are_refused_unopened(tmp_path: Path, name: str, reason: str) -> None:
    stored = save(blank_pdf(), tmp_path / "3f2a9c")
    with pytest.raises(HostileDocument) as caught:
        check_received_file(stored, name)
    message = caught.value.message("fr")
    assert reason in message and "\u202e" not in message and "\x00" not in message


def test_hostile_received_size_cap_plus_one_byte_and_zero_bytes(tmp_path: Path) -> None:
    pdf = save(blank_pdf(), tmp_path / "rib.pdf")
    size = pdf.stat().st_size
    assert check_received_file(pdf, max_bytes=size) == "application/pdf"
    with pytest.raises(HostileDocument) as caught:
        check_received_file(pdf, max_bytes=size - 1)
    # P1: the sentence says how big, in the units a file manager shows, and what to do instead.
    assert f"il pèse {size} octets, au-delà des {size - 1} octets que liasse inspecte" in caught.value.message("fr")
    assert "plusieurs fichiers plus petits" in caught.value.message("fr")
    assert "several smaller files" in caught.value.message("en")
    empty = tmp_path / "vide.pdf"
    empty.write_bytes(b"")
    with pytest.raises(HostileDocument, match="il est vide"):
        check_received_file(empty)


def test_hostile_received_type_outside_the_allowlist_is_refused(tmp_path: Path) -> None:
    gif = tmp_path / "photo.gif"
    gif.write_bytes(b"GIF89a" + bytes(100))
    with pytest.raises(HostileDocument, match="PDF, PNG, JPEG, TIFF, HEIC ou ZIP seulement"):
        check_received_file(gif)


# --- received zips, checked before anything is extracted -------------------------------


def a_zip(path: Path, entries: dict[str, bytes], *, symlink: str | None = None) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("../../.bashrc", "remonte hors du dossier"),
        ("docs/../../evil.pdf", "remonte hors du dossier"),
        ("/etc/cron.d/evil", "chemin absolu"),
        ("C:\\Windows\\evil.exe", "chemin absolu"),
    ],
)
def test_hostile_zip_with_path_traversal_names_the_entry(tmp_path: Path, entry: str, reason: str) -> None:
    from liasse.intake.archives import check_zip

    archive = a_zip(tmp_path / "pieces.zip", {"facture.pdf": b"%PDF-1.7", entry: b"x"})
    with pytest.raises(HostileDocument) as caught:
        check_zip(archive)
    assert reason in caught.value.message("fr") and "pieces.zip" in caught.value.message("fr")
    assert "\x00" not in caught.value.message("fr")


def test_hostile_zip_symlink_is_refused(tmp_path: Path) -> None:
    from liasse.intake.archives import check_zip

    with pytest.raises(HostileDocument, match="« lien » est un lien symbolique"):
        check_zip(a_zip(tmp_path / "pieces.zip", {}, symlink="lien"))


def test_hostile_zip_bomb_by_ratio_and_by_total_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liasse.intake import archives

    bomb = a_zip(tmp_path / "bombe.zip", {"zeros.pdf": bytes(50 * 1024 * 1024)})
    assert bomb.stat().st_size < 200 * 1024
    with pytest.raises(HostileDocument, match=r"« zeros.pdf » se décompresse \d+ fois sa taille compressée"):
        archives.check_zip(bomb)
    monkeypatch.setattr(archives, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(HostileDocument, match="au-delà de 1000 octets au total"):
        archives.check_zip(a_zip(tmp_path / "gros.zip", {"a.txt": b"a" * 600, "b.txt": b"b" * 600}))


def test_hostile_zip_of_documents_passes(tmp_path: Path) -> None:
    from liasse.intake.archives import check_zip

    assert check_zip(a_zip(tmp_path / "pieces.zip", {"facture.pdf": b"%PDF-1.7" * 100, "dossier/rib.png": b"\x89PNG" * 10})) == 2


def test_hostile_received_heic_photo_passes_the_gate(tmp_path: Path) -> None:
    photo = tmp_path / "IMG_0042.HEIC"
    photo.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200))
    assert check_received_file(photo) == "image/heic"
