"""Received zips, checked from their central directory before anything is extracted (untrusted documents).

A zip is refused, naming the bad entry, when an entry would land outside
the folder it is extracted to (``../``, an absolute path, a drive letter, a
NUL in the name), when it is a symbolic link, when it declares more entries
or more inflated bytes than the caps, or when an entry inflates far beyond
its compressed size (a "zip bomb"). Only the zip's directory is read
(stdlib :mod:`zipfile`): nothing is inflated here, and nothing is written.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from liasse.errors import HostileDocument

#: More entries than this is no document bundle.
MAX_ENTRIES = 1_000
#: All entries together, inflated.
MAX_TOTAL_BYTES = 512 * 1024 * 1024
#: One entry inflating more than this many times its compressed size is a bomb (real documents stay under 20×;
#: a page of zeros reaches 1000×).
MAX_RATIO = 100
#: Entries smaller than this are not held to the ratio: a tiny text file compresses as it likes.
RATIO_FLOOR = 1024 * 1024


def check_zip(path: Path, file_name: str | None = None) -> int:
    """The number of entries of the zip at ``path`` once its directory passed the checks; :class:`HostileDocument` else."""
    name = file_name or path.name
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _refused(name, f"archive illisible ({type(exc).__name__})", f"unreadable archive ({type(exc).__name__})") from None
    if len(entries) > MAX_ENTRIES:
        raise _refused(name, f"elle compte plus de {MAX_ENTRIES} fichiers", f"it holds more than {MAX_ENTRIES} files")
    total = 0
    for entry in entries:
        problem = _unsafe_name(entry.filename)
        if problem is not None:
            raise _refused(name, f"le fichier « {_shown(entry.filename)} » {problem[0]}", f"the entry '{_shown(entry.filename)}' {problem[1]}")
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise _refused(
                name,
                f"le fichier « {_shown(entry.filename)} » est un lien symbolique",
                f"the entry '{_shown(entry.filename)}' is a symbolic link",
            )
        total += entry.file_size
        if total > MAX_TOTAL_BYTES:
            raise _bomb(name, entry.filename, f"au-delà de {MAX_TOTAL_BYTES} octets au total", f"beyond {MAX_TOTAL_BYTES} bytes in all")
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            ratio = entry.file_size // max(entry.compress_size, 1)
            raise _bomb(name, entry.filename, f"{ratio} fois sa taille compressée", f"{ratio} times its compressed size")
    return len(entries)


def _unsafe_name(member: str) -> tuple[str, str] | None:
    """Why extracting ``member`` could write outside its folder, or None."""
    if "\x00" in member:
        return "contient un caractère nul", "holds a NUL character"
    windows = PureWindowsPath(member)
    if member.startswith(("/", "\\")) or windows.drive or PurePosixPath(member).is_absolute():
        return "a un chemin absolu", "has an absolute path"
    parts = member.replace("\\", "/").split("/")
    if ".." in parts:
        return "remonte hors du dossier (« .. »)", "climbs out of its folder ('..')"
    return None


def _shown(member: str) -> str:
    """An entry name fit for a message: control characters made visible, length bounded."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in member)[:120]


def _bomb(name: str, member: str, how_fr: str, how_en: str) -> HostileDocument:
    return HostileDocument(
        file_name=name,
        reason_fr=f"le fichier « {_shown(member)} » se décompresse {how_fr} (« bombe de décompression »)",
        reason_en=f"the entry '{_shown(member)}' inflates {how_en} (a 'zip bomb')",
        fix_fr="ne l'ouvrez pas, et demandez au client d'envoyer les documents un par un.",
        fix_en="do not open it, and ask the client to send the documents one by one.",
    )


def _refused(name: str, reason_fr: str, reason_en: str) -> HostileDocument:
    return HostileDocument(
        file_name=name,
        reason_fr=reason_fr,
        reason_en=reason_en,
        fix_fr="ne l'ouvrez pas, et demandez au client d'envoyer les documents un par un.",
        fix_en="do not open it, and ask the client to send the documents one by one.",
    )
