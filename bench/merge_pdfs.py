"""P4: merging the generated PDFs of a multi-document send (DS-17), in one run.

A multi-document send merges the host's generated documents (account
extract, statements, participation invoices) into one PDF, with
``liasse.merging.merge_pdfs``. Measured here on 20 documents of 10 pages:

* the merge's median time (target ≤ 150 ms, the anchor measured for pypdf's
  ``append`` on this kind of machine);
* against the I/O floor measured in the same run: reading the 20 files and
  writing their bytes to one file (what any merge must at least do).

Run: ``python bench/merge_pdfs.py [--documents 20] [--pages 10] [--rounds 7]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader

from liasse.merging import merge_pdfs

TARGET_MS = 150.0


def document(path: Path, number: int, pages: int) -> Path:
    """A generated accounting document of ``pages`` text pages."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for page in range(pages):
        pdf.add_page()
        pdf.cell(0, 8, f"Facture de participation n° {number} - page {page + 1}", new_x="LMARGIN", new_y="NEXT")
        for line in range(40):
            pdf.cell(0, 5, f"Ligne {line + 1}: lot {number}-{line}, montant {line * 17.5:.2f} EUR", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sources = [document(folder / f"doc-{n}.pdf", n, args.pages) for n in range(args.documents)]
        merged = folder / "merged.pdf"
        floor_file = folder / "floor.bin"

        def floor() -> None:
            with floor_file.open("wb") as out:
                for source in sources:
                    out.write(source.read_bytes())

        merge_times: list[float] = []
        floor_times: list[float] = []
        merge_pdfs(sources, merged)  # warm-up
        for _ in range(args.rounds):
            floor_times.append(timed(floor))
            merge_times.append(timed(lambda: merge_pdfs(sources, merged)))
        pages = len(PdfReader(merged).pages)
        assert pages == args.documents * args.pages, pages
    merge_ms, floor_ms = statistics.median(merge_times) * 1e3, statistics.median(floor_times) * 1e3
    label = f"merge {args.documents} PDFs of {args.pages} pages"
    print(f"{label}: I/O floor (read and write the same bytes, baseline): {floor_ms:.1f} ms")
    print(f"{label}: ratio {merge_ms / floor_ms:.1f}× the I/O floor")
    verdict = "OK" if merge_ms <= TARGET_MS else "BELOW"
    print(f"{label}: {merge_ms:.0f} ms, {pages} pages (target ≤ {TARGET_MS:.0f} ms) {verdict}")


if __name__ == "__main__":
    main()
