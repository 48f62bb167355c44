"""The whole benchmark suite in one command: ``python -m bench [--quick] [--only P3 …]``.

Each case is one of the scripts beside this file, run in a process of its
own (so one case's memory and imports do not weigh on the next). Every
script prints its measured figures, the baseline it measured in the same
run, and its target lines, which end in ``OK`` or ``BELOW``. This runner
prints each script's output as it comes, then a summary of every target
line, grouped by the issue's sections:

* P1 upload: a 1 GiB send (peak RSS, against ``curl -F`` and ``curl -T``);
* P2 bulk: 1,000 DocSecure RIB requests at 20 ms latency (against sequential);
* P3 sync: status sync of 1,000 then 10,000 tracked exchanges;
* P4 documents: marking a 100-page PDF and importing a RIB (against a bare
  pypdf merge), reading photographed RIBs, merging 20 PDFs;
* P5 start-up: ``liasse plugins`` cold, discovery, a hook call through the facade;
* R5 webhooks: acknowledging a delivery.

Provider plugins add their own cases to :data:`CASES` with their benchmark
(``bench/<provider>_*.py``). ``--quick`` runs every case at a tiny size:
CI uses it to check that the benchmarks still run (their exit codes and
their target lines), never their timings. The full suite takes a few
minutes on a 2-core machine. Exit code: 0 when every case ran to its end
(a missed target is reported, not a failure), 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import attrs

BENCH = Path(__file__).resolve().parent


@attrs.frozen
class Case:
    """One benchmark script, with its arguments for a full and for a quick run."""

    section: str
    script: str
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()
    #: A program the case needs on PATH (its baseline), else it is skipped with the reason.
    needs: str | None = None


CASES: tuple[Case, ...] = (
    Case("P1 upload", "docsecure_upload.py", ("--size-mb", "1024", "--rounds", "3"), ("--size-mb", "8", "--rounds", "1"), needs="curl"),
    Case("P1 download", "docsecure_download.py", ("--import-mb", "96", "--size-mb", "1024"), ("--import-mb", "4", "--size-mb", "101"), needs="curl"),
    Case("P2 bulk", "docsecure_requests.py", ("--n", "1000", "--rounds", "3"), ("--n", "40", "--rounds", "1", "--cpu-sample", "20")),
    Case("P2 bulk", "ar24_letters.py", (), ("--n", "30", "--workers", "8", "--rounds", "1")),
    Case("P2 bulk", "esign_requests.py", (), ("--n", "20", "--seq", "4", "--workers", "8")),
    Case("P1 upload", "juriszone_upload.py", (), ("--small-count", "3", "--small-mb", "1", "--big-mb", "8", "--rounds", "1"), needs="curl"),
    Case("P3 sync", "docsecure_sync.py", ("--small", "1000", "--large", "10000", "--changes", "200"), ("--small", "30", "--large", "90", "--changes", "10", "--rounds", "2")),
    Case("P4 documents", "intake_stamp.py", ("--rounds", "7", "--pages", "100"), ("--rounds", "1", "--pages", "5")),
    Case("P4 documents", "intake_reading.py", ("--photos", "40", "--scans", "8"), ("--photos", "2", "--scans", "1"), needs="tesseract"),
    Case("P4 documents", "merge_pdfs.py", ("--documents", "20", "--pages", "10"), ("--documents", "3", "--pages", "2", "--rounds", "1")),
    Case("P5 start-up", "discovery.py", ("--rounds", "15"), ("--rounds", "1")),
    Case("P5 start-up", "hook_call.py", ("--calls", "50000", "--rounds", "7"), ("--calls", "200", "--rounds", "1")),
    Case("R5 webhooks", "webhooks_intake.py", ("--n", "300",), ("--n", "20",)),
)

#: A target line, as every benchmark prints them.
_TARGET = re.compile(r"\(target [^)]*\).*\b(OK|BELOW)\s*$")


@attrs.frozen
class Outcome:
    """What one case printed of its targets, and how it ended."""

    case: Case
    targets: tuple[str, ...]
    seconds: float
    error: str | None = None


def run(case: Case, quick: bool) -> Outcome:
    """Run one case, echoing its output, and keep its target lines."""
    if case.needs and shutil.which(case.needs) is None:
        return Outcome(case, (), 0.0, f"skipped: {case.needs} is not installed")
    args = case.quick if quick else case.full
    print(f"\n== {case.section}: {case.script} {' '.join(args)}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(BENCH / case.script), *args],
        cwd=BENCH.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    targets: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        if _TARGET.search(line):
            targets.append(line.strip())
    code = process.wait()
    seconds = time.perf_counter() - start
    error = None if code == 0 else f"exited {code}"
    if error is None and not targets:
        error = "printed no target line"
    return Outcome(case, tuple(targets), seconds, error)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check that every benchmark runs, not its timings")
    parser.add_argument("--only", nargs="*", default=(), help="sections or scripts to run (e.g. P3 hook_call.py)")
    args = parser.parse_args()
    chosen = [c for c in CASES if not args.only or any(o in (c.section.split()[0], c.script) for o in args.only)]
    outcomes = [run(case, args.quick) for case in chosen]

    print("\n== summary" + (" (quick: sizes too small for the figures to mean anything)" if args.quick else ""))
    section = None
    for outcome in outcomes:
        if outcome.case.section != section:
            section = outcome.case.section
            print(f"\n{section}")
        for line in outcome.targets:
            print(f"  {line}")
        if outcome.error:
            print(f"  {outcome.case.script}: {outcome.error}")
    total = sum(o.seconds for o in outcomes)
    missed = sum(line.endswith("BELOW") for o in outcomes for line in o.targets)
    broken = [o for o in outcomes if o.error and not o.error.startswith("skipped")]
    print(f"\n{len(outcomes)} cases in {total:.0f} s: {missed} targets missed, {len(broken)} cases failed to run")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
