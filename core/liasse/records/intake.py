"""What the intake pipeline reads from received documents."""

from __future__ import annotations

from pathlib import Path

import attrs


@attrs.frozen
class BankDetails:
    """Bank details read from a received document (DS-26, BY-06).

    ``source`` names the extractor that read them; liasse fills it.
    """

    iban: str
    bic: str | None = None
    holder: str | None = None
    bank: str | None = None
    source: str = ""


@attrs.frozen
class IncomingDocument:
    """A received file on disk, as the intake hooks see it."""

    path: Path
    file_name: str
    media_type: str
    sha256: str
    provider: str
    #: The provider's small logo, for stampers that put it beside the mark on images (DS-28).
    logo: Path | None = None
