"""DS-34: files checked against the provider's limits and their real type before any upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from liasse.errors import FileRefused
from liasse.files import check_outgoing, safe_file_name, sha256_of
from liasse.records import ProviderLimits

LIMITS = ProviderLimits(max_file_size=4096, media_types=frozenset({"application/pdf", "image/png", "text/plain"}))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_ds34_a_pdf_within_limits_is_described_and_hashed(tmp_path: Path) -> None:
    path = write(tmp_path, "acte.pdf", b"%PDF-1.7\n" + b"x" * 100)
    document = check_outgoing(path, LIMITS, "DocSecure")
    assert (document.media_type, document.size) == ("application/pdf", 109)
    assert document.sha256 == sha256_of(path)[0]


def test_ds34_oversize_file_refused_with_sizes(tmp_path: Path) -> None:
    path = write(tmp_path, "gros.pdf", b"%PDF-1.7\n" + b"x" * 5000)
    with pytest.raises(FileRefused, match="pèse 4,9 Ko, au-delà de la limite de 4,0 Ko"):
        check_outgoing(path, LIMITS, "DocSecure")


def test_ds34_executable_named_pdf_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "facture.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 300)
    with pytest.raises(FileRefused, match="ne correspond pas à son nom"):
        check_outgoing(path, LIMITS, "DocSecure")


def test_ds34_png_named_pdf_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="image/png"):
        check_outgoing(write(tmp_path, "scan.pdf", PNG), LIMITS, "DocSecure")


def test_ds34_binary_named_txt_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused):
        check_outgoing(write(tmp_path, "notes.txt", PNG), LIMITS, "DocSecure")


def test_ds34_plain_text_accepted(tmp_path: Path) -> None:
    document = check_outgoing(write(tmp_path, "notes.txt", "Pièces à fournir\n".encode()), LIMITS, "DocSecure")
    assert document.media_type == "text/plain"


def test_ds34_type_not_accepted_lists_the_accepted_ones(tmp_path: Path) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
    with pytest.raises(FileRefused, match="Types acceptés : application/pdf, image/png, text/plain"):
        check_outgoing(write(tmp_path, "photo.jpg", jpeg), LIMITS, "DocSecure")


def test_ds34_empty_and_missing_files_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="vide"):
        check_outgoing(write(tmp_path, "vide.pdf", b""), LIMITS, "DocSecure")
    with pytest.raises(FileRefused, match="introuvable"):
        check_outgoing(tmp_path / "absent.pdf", LIMITS, "DocSecure")


PDF = b"%PDF-1.7\n" + b"x" * 100


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("acte.pdf.exe", "ne correspond pas à son nom"),
        ("acte.pdf%00.exe", "caractère nul"),
        ("acte.pdf\x00.exe", "caractère nul"),
        ("../../etc/acte.pdf", "chemin"),
        ("..\\acte.pdf", "chemin"),
        ("acte\u202efdp.exe", "caractère invisible"),
        ("acte\x07.pdf", "caractère de contrôle"),
    ],
)
def test_ds34_untrusted_names_refused_before_any_upload(tmp_path: Path, name: str, reason: str) -> None:
    path = write(tmp_path, "stored.pdf", PDF)
    with pytest.raises(FileRefused) as caught:
        check_outgoing(path, LIMITS, "DocSecure", file_name=name)
    assert reason in caught.value.message("fr")
    assert "\u202e" not in caught.value.message("fr").split(":", 1)[1]  # the reason never replays the override
    assert caught.value.message("en")


def test_ds34_size_cap_exact_and_one_byte_over(tmp_path: Path) -> None:
    at_cap = write(tmp_path, "cap.pdf", PDF[:9] + b"x" * (LIMITS.max_file_size - 9))
    assert check_outgoing(at_cap, LIMITS, "DocSecure").size == LIMITS.max_file_size
    over = write(tmp_path, "over.pdf", at_cap.read_bytes() + b"x")
    with pytest.raises(FileRefused, match="au-delà de la limite"):
        check_outgoing(over, LIMITS, "DocSecure")


@pytest.mark.parametrize(
    ("size", "fr", "en"),
    [(900, "900 octets", "900 bytes"), (12_800, "12,5 Ko", "12.5 KB"), (124_835_126, "119,1 Mo", "119.1 MB"), (2**30 + 2**29, "1,5 Go", "1.5 GB")],
)
def test_sizes_are_shown_in_the_units_a_file_manager_uses(size: int, fr: str, en: str) -> None:
    from liasse.files import shown_size

    assert shown_size(size) == fr and shown_size(size, "en") == en


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("Projet de compromis.pdf", "Projet de compromis.pdf"),
        ("Relevé d'identité bancaire.pdf", "Relevé d_identité bancaire.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\marie\\Bureau\\Acte signé.pdf", "Acte signé.pdf"),
        ("bail<script>.pdf", "bail_script_.pdf"),
        ("..", ""),
        ("   ", ""),
    ],
)
def test_jz03_stored_file_names_keep_accents_and_spaces_but_no_path(sent: str, stored: str) -> None:
    """A name as the office wrote it stays readable on the provider's side; no path or markup survives."""
    assert safe_file_name(sent) == stored


def test_jz03_a_stored_file_name_is_capped() -> None:
    assert len(safe_file_name("é" * 500 + ".pdf")) == 200
