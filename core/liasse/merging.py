"""One PDF from several: the generated documents of a multi-document send (DS-17).

The host's generated accounting documents (account extract, statements,
participation invoices …) are sent as one PDF and kept as one attachment.
They come from the host itself, not from outside, so they are merged as
they are, with pypdf's ``append``, page by page and without rewriting
their content.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfWriter


def merge_pdfs(sources: Sequence[Path], dest: Path) -> Path:
    """Write ``sources``' pages, in order, to ``dest``; returns ``dest``."""
    writer = PdfWriter()
    for source in sources:
        writer.append(str(source))
    with dest.open("wb") as out:
        writer.write(out)
    return dest
