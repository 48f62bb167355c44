"""Intake cost (issue: document intake), as ratios against a baseline measured in the same run.

* marking a 100-page PDF (``liasse.intake.stamp.stamp_pdf``: in the
  confined worker, hand-over included, written as an incremental update after
  the received bytes) against a plain pypdf page merge of a band (rendered
  with fpdf2, as liasse does) onto the first page, written to disk in-process
  (target ≤ 1.0×);
* importing a one-page RIB through the whole pipeline (type and hostile
  checks, screening, reading and mark in the confined worker, BY-02 checks,
  attachments and IBAN record in the reference host; no TSA) against that same baseline, and in milliseconds
  (target ≤ 150 ms).

Rounds are interleaved so machine noise hits every scenario alike; medians
are reported. Run: ``python bench/intake_stamp.py [--rounds N] [--pages N] [--check]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter, Transformation

TARGET_MARK_RATIO = 1.0
TARGET_IMPORT_MS = 150.0
TEXT = "Reçu via DocSecure le 09/10/2023 à 16:29"


def document(path: Path, pages: int) -> Path:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for n in range(pages):
        pdf.add_page()
        for line in range(40):
            pdf.cell(0, 6, f"Page {n + 1}, ligne {line + 1} : acte authentique de vente, clauses et conditions.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def band() -> bytes:
    pdf = FPDF(unit="pt", format=(595.0, 28.0))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 20, "Recu via DocSecure")
    return bytes(pdf.output())


def baseline(src: Path, dest: Path) -> None:
    """What any tool does at least: render the band, read, merge it onto the first page, write."""
    overlay = band()
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.pages[0].merge_transformed_page(PdfReader(io.BytesIO(overlay)).pages[0], Transformation().translate(0, 800))
    with dest.open("wb") as out:
        writer.write(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    from liasse_hostapi.reference import ReferenceHost
    from liasse_hostapi.reference.demo_documents import rib_pdf

    from liasse.app import Liasse
    from liasse.files import sha256_of
    from liasse.intake.pipeline import Intake, run_intake
    from liasse.intake.stamp import stamp_pdf
    from liasse.records import ReceivedFile

    work = Path(tempfile.mkdtemp(prefix="liasse-bench-intake-"))
    big = document(work / "acte.pdf", args.pages)
    rib = work / "RIB.pdf"
    rib.write_bytes(
        rib_pdf(
            office_name="LA BANQUE",
            holder="M. JACQUES MARTIN",
            holder_address="8 rue de la République, 45000 ORLÉANS",
            iban="FR76 3000 4000 0312 3456 7890 143",
            bic="BNPAFRPPXXX",
            bank="BNP PARIBAS",
        )
    )
    hooks = Liasse.open(None).hooks
    host = ReferenceHost.create_demo(work / "host.sqlite3")
    sha, size = sha256_of(rib)
    times: dict[str, list[float]] = {"baseline": [], "mark": [], "import": []}
    try:
        for round_ in range(args.rounds):
            for name in ("baseline", "mark", "import") if round_ % 2 == 0 else ("import", "mark", "baseline"):
                start = time.perf_counter()
                if name == "baseline":
                    baseline(big, work / "base.pdf")
                elif name == "mark":
                    stamp_pdf(big, work / "marked.pdf", TEXT)
                else:
                    received = ReceivedFile("r1", rib, "RIB.pdf", "application/pdf", size, sha, dt.datetime.now(dt.UTC))
                    run_intake(host, hooks, Intake(received, "2950", "RIB", "DocSecure", TEXT, bank_details_wanted=True))
                times[name].append(time.perf_counter() - start)
    finally:
        host.close()
    med = {name: statistics.median(values) for name, values in times.items()}
    mark_ratio = med["mark"] / med["baseline"]
    import_ms = med["import"] * 1000
    print(f"{'scenario':<58}{'median ms':>12}")
    print(f"{'baseline: pypdf merge of a band on page 1 of ' + str(args.pages) + ' pages':<58}{med['baseline'] * 1000:>12.1f}")
    print(f"{'liasse stamp_pdf, ' + str(args.pages) + ' pages':<58}{med['mark'] * 1000:>12.1f}")
    print(f"{'liasse RIB import (mark, read, check, attach, IBAN record)':<58}{import_ms:>12.1f}")
    # The mark is an incremental update: the received bytes open the copy, unchanged (a signature over them holds).
    intact = (work / "marked.pdf").read_bytes().startswith(big.read_bytes())
    print(f"marked copy keeps the received bytes intact at its head: {'yes' if intact else 'no'}")
    mark_ok = mark_ratio <= TARGET_MARK_RATIO and intact
    import_ok = import_ms <= TARGET_IMPORT_MS
    print(f"mark a {args.pages}-page PDF vs pypdf merge: ratio {mark_ratio:.2f}× (target ≤ {TARGET_MARK_RATIO:g}×) {'OK' if mark_ok else 'BELOW'}")
    print(
        f"import a one-page RIB: {import_ms:.0f} ms, ratio {med['import'] / med['baseline']:.2f}× the baseline"
        f" (target ≤ {TARGET_IMPORT_MS:g} ms) {'OK' if import_ok else 'BELOW'}"
    )
    return 1 if args.check and not (mark_ok and import_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
