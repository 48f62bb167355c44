"""Untrusted documents: downloads served with an RFC 6266 Content-Disposition, whatever the file's name."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from liasse.disposition import content_disposition


def parsed(header: str) -> tuple[str, str]:
    """(the RFC 5987 name as a client decodes it, the ASCII fallback)."""
    fallback = re.search(r'filename="([^"]*)"', header)
    extended = re.search(r"filename\*=UTF-8''([^;\s]*)", header)
    assert fallback is not None and extended is not None, header
    return unquote(extended.group(1)), fallback.group(1)


@pytest.mark.parametrize(
    ("name", "utf8", "ascii"),
    [
        ("RIB.pdf", "RIB.pdf", "RIB.pdf"),
        ("Relevé d'identité bancaire.pdf", "Relevé d'identité bancaire.pdf", "Releve d_identite bancaire.pdf"),
        ('a"; filename="evil.exe', 'a"; filename="evil.exe', "a_ filename_evil.exe"),
        ("../../etc/passwd", "passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini", "boot.ini"),
        ("RIB\u202efdp.exe", "RIBfdp.exe", "RIBfdp.exe"),
        ("ligne\r\nSet-Cookie: x.pdf", "ligneSet-Cookie: x.pdf", "ligneSet-Cookie_ x.pdf"),
        ("", "document", "document"),
    ],
)
def test_download_content_disposition_rfc6266(name: str, utf8: str, ascii: str) -> None:
    header = content_disposition(name)
    assert header.startswith("attachment; filename=\"") and "filename*=UTF-8''" in header
    assert "\r" not in header and "\n" not in header and "\u202e" not in header
    assert parsed(header) == (utf8, ascii)


def test_download_inline_disposition() -> None:
    assert content_disposition("scan.pdf", inline=True).startswith("inline; ")
