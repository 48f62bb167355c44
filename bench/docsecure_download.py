"""DocSecure download imported (issue 10, P1), against a baseline measured in the same run.

A client answers a request with a scanned deed (A4 pages of JPEG, written by
``liasse.testing.documents.scanned_pdf``); liasse downloads it and imports it
(``ExchangeDesk.import_document``: streamed download with SHA-256, the gate,
screening and the mark in the confined worker, the proof of receipt, the
attachments). Two documents:

* the largest one liasse imports: ``--import-mb`` (default 96 MiB, under the
  intake's 100 MiB cap): peak RSS growth of liasse's process during the
  import (target ≤ 32 MiB), and the import's time against ``curl -o`` of the
  same document from the same sandbox (information);
* a 1 GiB one (``--size-mb``): above the intake's cap (S2: a received file
  liasse cannot inspect whole is never opened), so the import must end in a
  sentence with the file kept in quarantine, nothing lost; peak RSS growth of
  the download and refusal (target ≤ 32 MiB).

The worker that parses PDFs is a process of its own under a 512 MiB address
space cap (``liasse.intake.confined``): its memory is bounded by that cap,
not counted here. The DocSecure sandbox runs in a process of its own, its
file size limit raised above the file. Each sample is a fresh liasse process
(``LIASSE`` below) that opens the demo office, asks for the document, plays
the client through the sandbox's pages (streamed upload), syncs, resets its
peak RSS, then imports.

Run: ``python bench/docsecure_download.py [--import-mb 96] [--size-mb 1024] [--check]`` (Linux).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from demo_office import child_env
from docsecure_upload import CURL, LOGIN, MIB, PASSWORD, RSS_TARGET_MIB, purge, start_sandbox

#: One sample: argv = office dir, sandbox URL, document. Prints one JSON line.
LIASSE = r"""
import json, resource, sys, time
from pathlib import Path

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])  # KiB
    return None

def main():
    workdir, url, document = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    from demo_office import write_office
    from liasse.app import Liasse
    from liasse.desk import ContactForm
    from liasse.errors import LiasseError
    from liasse.records import ContactKind, DocumentType
    from liasse.secrets import Secret
    from liasse_docsecure.recipient import Recipient

    config = write_office(workdir, "docsecure", f'base_url = "{url}"\ntimeout = 300\n')
    liasse = Liasse.open(config)
    liasse.connect("docsecure", "FICH", "etude@fichorga.example", Secret("demo-docsecure"))
    desk = liasse.desk("docsecure", "FICH")
    email, mobile = "jacques.martin@free.fr", "06 54 55 99 87"
    contact = desk.create_contact(ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", email, mobile), "2950")
    exchange = desk.request_document(contact.id, DocumentType.OTHER, "Acte scanné", account_number="2950")
    Recipient(url, email, "+33654559987", timeout=600).answer_request(document)
    desk.sync()
    remote_id = desk.exchange(exchange.id).remote_id

    rss_before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset VmHWM (the peak) to the current RSS
    start = time.perf_counter()
    outcome, sentence, attachments = "imported", "", 0
    try:
        result = desk.import_document(exchange.id, stamp=True)  # "Horodater": the mark, the heaviest path
        attachments = sum(1 for a in (result.original, result.stamped, result.proof, result.received) if a is not None)
        sentence = result.stamp_note or ""
    except LiasseError as exc:
        outcome, sentence = "refused", exc.message()
    wall = time.perf_counter() - start
    growth = status("VmHWM") - rss_before
    kept = sorted(str(p) for p in (desk.work_dir("quarantine", create=False)).rglob("*") if p.is_file())
    print(json.dumps({
        "wall": wall, "growth_kib": growth, "outcome": outcome, "sentence": sentence, "attachments": attachments,
        "kept": [Path(p).stat().st_size for p in kept], "remote_id": remote_id,
    }))
    liasse.close()

if __name__ == "__main__":
    main()
"""


def sample(url: str, document: Path, work: Path) -> dict[str, Any]:
    """One request answered and imported in a fresh liasse process; its JSON report."""
    office = Path(tempfile.mkdtemp(prefix="office-", dir=work))
    script = work / "sample.py"
    script.write_text(LIASSE, encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, str(script), str(office), url, str(document)],
            capture_output=True, text=True, timeout=3600, check=False, env=child_env(),
        )
        if done.returncode != 0:
            raise RuntimeError(f"the liasse sample failed:\n{done.stderr}")
        report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return report
    finally:
        shutil.rmtree(office, ignore_errors=True)


def curl_download(url: str, remote_id: str) -> float:
    """Seconds for ``curl -o /dev/null`` of the exchange's received document from the same sandbox."""
    target = f"{url}/api/v1/exchanges/{remote_id}/document?version=original"
    start = time.perf_counter()
    done = subprocess.run(
        [CURL, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-u", f"{LOGIN}:{PASSWORD}", target],
        capture_output=True, text=True, timeout=3600, check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or done.stdout.strip() != "200":
        raise RuntimeError(f"curl download failed: exit {done.returncode}, HTTP {done.stdout.strip()}, {done.stderr.strip()}")
    return elapsed


def main() -> int:
    from liasse.testing.documents import scanned_pdf

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--import-mb", type=int, default=96, help="the imported document, in MiB (default 96)")
    parser.add_argument("--size-mb", type=int, default=1024, help="the document over the intake's cap, in MiB (default 1024)")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files (default: a temporary directory)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="liasse-bench-download-", dir=args.dir))
    sandbox_tmp = work / "sandbox"
    sandbox_tmp.mkdir()
    sandbox = None
    ok = True
    try:
        # Above the documents, which are whole pages of about 7 MiB each: the sandbox must take them.
        sandbox, url = start_sandbox((max(args.size_mb, args.import_mb) + 64) * MIB, sandbox_tmp)
        print(f"DocSecure sandbox (own process, pid {sandbox.pid}): {url}")
        for label, size_mb, expected in (("imported", args.import_mb, "imported"), ("over the cap", args.size_mb, "refused")):
            document = work / f"acte-scanne-{size_mb}MiB.pdf"
            pages = scanned_pdf(document, size_mb)
            size = document.stat().st_size
            report = sample(url, document, work)
            baseline = curl_download(url, report["remote_id"])
            growth = report["growth_kib"] / 1024
            fine = report["outcome"] == expected and growth <= RSS_TARGET_MIB
            if expected == "refused":
                # Nothing lost: the file as received is kept, whole, in the exchange's quarantine folder.
                fine = fine and size in report["kept"]
            ok = ok and fine
            print(f"{label}: {size / MIB:.0f} MiB scanned deed, {pages} pages: {report['outcome']}"
                  + (f" ({report['attachments']} attachments)" if report["outcome"] == "imported" else "")
                  + (f" - {report['sentence']}" if report["sentence"] else ""))
            print(f"  import {report['wall']:.2f} s; baseline curl -o of the same document: {baseline:.2f} s; "
                  f"ratio {report['wall'] / baseline:.2f}× (information)")
            print(f"  peak RSS growth {growth:.1f} MiB (target ≤ {RSS_TARGET_MIB:.0f} MiB) "
                  f"{'OK' if growth <= RSS_TARGET_MIB else 'BELOW'}")
            document.unlink()
            purge(sandbox_tmp)
    finally:
        if sandbox is not None:
            assert sandbox.stdin is not None
            sandbox.stdin.close()
            try:
                sandbox.wait(timeout=30)
            except subprocess.TimeoutExpired:
                sandbox.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
