"""Bank details read from RIBs (DS-26, BY-06): accuracy per field on the generated set, and reading times.

The set comes from ``tests/ribs.py``: every layout × the ten holder labels as
text PDFs, ``--photos`` photos (skewed a few degrees or turned a right angle,
blurred, speckled, JPEG) and ``--scans`` PDFs holding only such a photo. For
each kind, the share of documents whose field was read exactly (names compared
case- and space-insensitively) is printed per field, then the targets (100 %
for IBAN and BIC, ≥ 95 % for the holder) and the median time to read a photo
against a text PDF (generation not timed).

Run: ``python bench/intake_reading.py [--photos 40] [--scans 8] [--check]``.
Targets are reported, not asserted: the exit code is 0 unless ``--check`` is
given and a target is missed. Photos need the ``tesseract`` program.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import ribs
from liasse.intake.reading import BankDetailsConflict, ocr_available, read_rib

TARGETS = {"iban": 1.0, "bic": 1.0, "holder": 0.95}


def measure(cases: list[ribs.RibCase], directory: Path) -> tuple[dict[str, float], list[float], list[str]]:
    """Accuracy per field, seconds per document, and the misses."""
    results, times, misses = [], [], []
    for case in cases:
        path = case.write(directory)
        started = time.perf_counter()
        try:
            reading = read_rib(path)
        except BankDetailsConflict as exc:
            reading, error = None, str(exc)
        else:
            error = reading.reason_en or ""
        times.append(time.perf_counter() - started)
        found = attrs.asdict(reading.fields) if reading and reading.fields else {}
        score = ribs.score(found, case.expected)
        results.append(score)
        wrong = {k: (found.get(k), case.expected[k]) for k, ok in score.items() if not ok}
        if wrong:
            misses.append(f"  {case.name} (angle {case.angle:.1f}): {wrong} {error}")
    return ribs.accuracy(results), times, misses


def report(kind: str, accuracy: dict[str, float], times: list[float]) -> str:
    fields = ", ".join(f"{name} {100 * value:.1f}%" for name, value in accuracy.items())
    return f"{kind} ({len(times)}): {fields}; median {statistics.median(times) * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--scans", type=int, default=8)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    missed = False
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        sets = [("text PDFs", ribs.cases("pdf"))]
        if ocr_available():
            photos = ribs.photo_cases(args.photos)
            sets.append(("photos", photos))
            scans = [replace(c, kind="scan", name=f"scan-{c.name}") for c in ribs.photo_cases(args.scans, seed=500)]
            sets.append(("scanned PDFs", scans))
        else:
            print("photos and scans skipped: tesseract is not installed")
        medians = {}
        for kind, cases in sets:
            if not cases:
                continue
            accuracy, times, misses = measure(cases, directory)
            medians[kind] = statistics.median(times)
            print(report(kind, accuracy, times))
            print("\n".join(misses)) if misses else None
            for name, target in TARGETS.items():
                ok = accuracy[name] >= target
                missed |= not ok
                sign = "=" if target == 1.0 else "≥"
                print(f"{kind} {name} accuracy: {100 * accuracy[name]:.1f}% (target {sign} {100 * target:.0f}%) {'OK' if ok else 'BELOW'}")
        if "photos" in medians:
            ratio = medians["photos"] / medians["text PDFs"]
            print(
                f"reading a photographed RIB: {medians['photos'] * 1000:.0f} ms median, "
                f"a text PDF {medians['text PDFs'] * 1000:.1f} ms ({ratio:.0f}×)"
            )
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
