"""What a file really is, and whether a provider will take it (DS-34).

The type comes from the file's first bytes (filetype), checked against the
type its name claims: an executable renamed ``.pdf`` is refused before any
upload, and so is a file over the provider's size limit. Hashing streams the
file, so a 1 GB send never sits in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import filetype

from liasse.errors import FileRefused
from liasse.records import OutgoingDocument, ProviderLimits

CHUNK = 1024 * 1024

#: Types whose content has no signature to check (plain text): the name decides.
_UNSIGNED_TYPES = frozenset({"text/plain", "text/csv"})
#: Types that are executable code whatever their name says.
EXECUTABLE_TYPES = frozenset(
    {
        "application/x-executable",
        "application/x-msdownload",
        "application/x-mach-binary",
        "application/x-elf",
        "application/x-sharedlib",
        "application/vnd.microsoft.portable-executable",
    }
)
#: What a received document may be (untrusted documents): PDF, the images scanners and phones make
#: (HEIC where filetype recognises it), and zips, whose directory is checked before anything is extracted.
RECEIVED_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/tiff", "image/heic", "image/heif", "application/zip"}
)
#: Longest file name liasse passes on (most file systems stop at 255 bytes).
MAX_NAME_LENGTH = 200
#: What a stored file's name keeps: letters of any alphabet (a French "relevé" stays one), digits, ". _-" and spaces.
_UNSAFE_IN_NAME = re.compile(r"[^\w. -]+")
#: A docx is a zip: filetype names the container when the zip's first entry does not show the kind.
_CONTAINERS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"application/zip"},
}


def claimed_type(file_name: str) -> str:
    """The media type a file's name claims (``application/octet-stream`` when unknown)."""
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    return guessed or _EXTRA_TYPES.get(Path(file_name).suffix.lower(), "application/octet-stream")


#: Extensions some Pythons' mimetypes tables lack.
_EXTRA_TYPES = {".heic": "image/heic", ".heif": "image/heif"}


def name_problem(file_name: str) -> tuple[str, str] | None:
    """Why a file name cannot be shown or passed on as it is, as (French, English); None when it can.

    Refused: an empty name, a path (``/``, ``\\``, ``..``), a NUL byte
    written raw or as ``%00``, control characters, and Unicode format
    characters such as the right-to-left override that makes
    ``RIB\u202efdp.exe`` display as ``RIBexe.pdf``. Names never become
    storage paths (those are generated); this keeps what users read honest.
    """
    if not file_name.strip():
        return "son nom est vide", "its name is empty"
    if len(file_name) > MAX_NAME_LENGTH:
        return f"son nom dépasse {MAX_NAME_LENGTH} caractères", f"its name is over {MAX_NAME_LENGTH} characters"
    if "\x00" in file_name or "%00" in file_name:
        return "son nom contient un caractère nul", "its name holds a NUL character"
    if "/" in file_name or "\\" in file_name or file_name in (".", ".."):
        return "son nom contient un chemin (« / », « \\ » ou « .. »)", "its name holds a path ('/', '\\' or '..')"
    for char in file_name:
        category = unicodedata.category(char)
        if category == "Cc":
            return f"son nom contient un caractère de contrôle (U+{ord(char):04X})", f"its name holds a control character (U+{ord(char):04X})"
        if category == "Cf":
            # Bidirectional overrides and invisible marks change what the name looks like.
            return (
                f"son nom contient un caractère invisible qui en change l'affichage (U+{ord(char):04X})",
                f"its name holds an invisible character that changes how it displays (U+{ord(char):04X})",
            )
    return None


def safe_file_name(name: str) -> str:
    """``name`` as a file may be stored under it, or ``""`` when nothing usable is left.

    Only its last part is kept (a browser or a provider may send a whole
    path, ``..`` included), and any character other than a letter of any
    alphabet, a digit, a space or ``. _ -`` becomes ``_``.
    "Relevé d'identité bancaire.pdf" stays readable:
    ``Relevé d_identité bancaire.pdf``.
    """
    base = Path(name.replace("\\", "/")).name
    safe = _UNSAFE_IN_NAME.sub("_", base).strip()[:MAX_NAME_LENGTH]
    # "." and ".." are directory steps, not names: the caller falls back to a name of its own.
    return "" if not safe.strip(". ") else safe


def sniffed_type(path: Path) -> str | None:
    """The media type the file's first bytes show, or None when they show nothing known."""
    kind = filetype.guess(str(path))
    return kind.mime if kind is not None else None


def sha256_of(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_outgoing(path: Path, limits: ProviderLimits, title: str, file_name: str | None = None) -> OutgoingDocument:
    """``path`` as an :class:`OutgoingDocument`, or :class:`FileRefused` saying what to change.

    Checked in the order a user can fix them: the file exists, its size, its
    real type against the name's, the provider's accepted types.
    """
    name = file_name or path.name
    problem = _problem(path, name, limits)
    if problem is not None:
        reason_fr, reason_en, fix_fr, fix_en = problem
        raise FileRefused(
            file_name=name, title=title, reason_fr=reason_fr, reason_en=reason_en, fix_fr=fix_fr, fix_en=fix_en
        )
    sha256, size = sha256_of(path)
    return OutgoingDocument(path=path, file_name=name, media_type=claimed_type(name), size=size, sha256=sha256)


def _problem(path: Path, name: str, limits: ProviderLimits) -> tuple[str, str, str, str] | None:
    """What stops the file, as (reason, reason in English, fix, fix in English); None when nothing does."""
    if not path.is_file():
        return "il est introuvable", "it cannot be found", f"Vérifiez le chemin {path}.", f"Check the path {path}."
    bad_name = name_problem(name)
    if bad_name is not None:
        return (
            *bad_name,
            "Renommez le fichier avec des lettres, des chiffres et une seule extension, puis envoyez-le.",
            "Rename the file with letters, digits and a single extension, then send it.",
        )
    size, limit = path.stat().st_size, limits.max_file_size
    if size > limit:
        return (
            f"il pèse {shown_size(size)}, au-delà de la limite de {shown_size(limit)}",
            f"it weighs {shown_size(size, 'en')}, over the {shown_size(limit, 'en')} limit",
            "Réduisez-le (PDF compressé, scan en niveaux de gris) ou découpez-le en plusieurs envois.",
            "Make it smaller (compressed PDF, greyscale scan) or split it over several sends.",
        )
    if size == 0:
        return "il est vide", "it is empty", "Choisissez le bon fichier.", "Choose the right file."
    claimed, actual = claimed_type(name), sniffed_type(path)
    if actual in EXECUTABLE_TYPES or not _content_matches(claimed, actual):
        return (
            f"son contenu ({actual or 'inconnu'}) ne correspond pas à son nom ({claimed})",
            f"its content ({actual or 'unknown'}) does not match its name ({claimed})",
            "Un fichier déguisé n'est jamais envoyé : enregistrez le document dans son vrai format.",
            "A disguised file is never sent: save the document in its real format.",
        )
    if claimed not in limits.media_types:
        accepted = ", ".join(sorted(limits.media_types))
        return (
            f"le type {claimed} n'est pas accepté",
            f"the type {claimed} is not accepted",
            f"Types acceptés : {accepted}.",
            f"Accepted types: {accepted}.",
        )
    return None


def _content_matches(claimed: str, actual: str | None) -> bool:
    if claimed in _UNSIGNED_TYPES:
        # Text has no signature; binary content with a signature is not text.
        return actual is None
    if actual is None:
        return False
    return actual == claimed or actual in _CONTAINERS.get(claimed, set())


def shown_size(size: int, lang: str = "fr") -> str:
    """A size as users read it: ``900 octets``, ``12,5 Ko``, ``20,0 Mo``, ``1,2 Go`` (``12.5 KB`` … in English)."""
    if size < 1024:
        return f"{size} octets" if lang == "fr" else f"{size} bytes"
    units = ("Ko", "Mo", "Go") if lang == "fr" else ("KB", "MB", "GB")
    for unit, scale in zip(units, (1024, 1024**2, 1024**3)):
        if size < scale * 1024 or scale == 1024**3:
            shown = f"{size / scale:.1f} {unit}"
            return shown.replace(".", ",") if lang == "fr" else shown
    raise AssertionError("unreachable")


def write_atomically(dest: Path, data: bytes | memoryview) -> None:
    """Write ``data`` beside ``dest``, flush it to disk, then rename it over ``dest``.

    No reader ever sees a half-written file, and a crash leaves either the
    old file or the new one.
    """
    with atomic_output(dest) as out:
        out.write(data)


@contextlib.contextmanager
def atomic_output(dest: Path) -> Iterator[BinaryIO]:
    """A file to write ``dest``'s new content into; flushed to disk and renamed over ``dest`` when the block ends.

    For content written piece by piece (a marked PDF as pypdf serialises
    it), so it never has to be whole in memory. If the block raises, the
    partial file is deleted and ``dest`` is left as it was.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, dest)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
