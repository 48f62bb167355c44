"""JurisZone uploads (JZ-03 targets), as ratios against a baseline measured in the same run.

* peak RSS growth of the liasse process while it uploads 20 documents of
  5 MiB (one multipart request, as ``ShareDesk.upload`` makes it) and then one
  of 500 MiB (target ≤ 32 MiB);
* throughput of those uploads against ``curl -F file=@…`` posting the same
  files, with the same keys, to the same sandbox (target ≥ 0.8×).

The sandbox runs in a process of its own (its memory and CPU are not
liasse's), its document limit raised above the big file (liasse's own check
stops at the 100 MB JurisZone is assumed to accept; the transport is measured
here, so the plugin's ``liasse_upload_documents`` is called directly with the
documents' size and SHA-256 computed beforehand, untimed). Each sample is a
fresh sandbox and a fresh child process: it builds the plugin's context (the
real ``HttpClient``), exports a file, uploads a 1 MiB warm-up document,
resets its peak RSS (``/proc/self/clear_refs``), then times the two uploads.
The curl sample uploads the same files to a fresh sandbox too. The disks
are synced before each sample (the sandbox writes what it receives). Medians
of ``--rounds`` rounds, in rotated order.

Run: ``python bench/juriszone_upload.py [--small-count 20] [--small-mb 5] [--big-mb 500] [--rounds 3] [--check]`` (Linux).
Targets are reported, not asserted: the exit code is 0 unless ``--check`` is
given and a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

CURL = shutil.which("curl") or "/usr/bin/curl"
MIB = 1024 * 1024
RSS_TARGET_MIB = 32.0
CURL_F_TARGET = 0.8
ENTITY_KEY, API_KEY = "jz-entity-fichorga-demo", "jz-api-demo-4f1c9e27b8"
HEADERS = {"X-JurisZone-Entity": ENTITY_KEY, "Authorization": f"Bearer {API_KEY}"}

#: The sandbox process: prints its URL, serves until its stdin closes.
SANDBOX = """
import sys
from liasse.sandbox import serve
from liasse_juriszone.sandbox import create_sandbox
running = serve(create_sandbox(max_document_size=int(sys.argv[1])))
print(running.url, flush=True)
sys.stdin.read()
running.stop()
"""

#: One liasse sample: argv = sandbox URL, warm-up file, big file, small files... Prints one JSON line.
LIASSE = r"""
import json, sys, time
from pathlib import Path

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])  # KiB

url, warm, big, smalls = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), [Path(p) for p in sys.argv[4:]]
from liasse.files import sha256_of
from liasse.http import HttpClient
from liasse.records import OutgoingDocument, PartyKind, ProviderContext, SharedFileDraft, SharedParty
from liasse.secrets import Secret
from liasse_juriszone.plugin import liasse_export_file, liasse_upload_documents
from liasse_juriszone.settings import JurisZoneSettings

http = HttpClient("JurisZone", url, timeout=600)
settings = JurisZoneSettings(base_url=url, entity_key=Secret(ENTITY_KEY), api_key=Secret(API_KEY))
ctx = ProviderContext(provider="juriszone", settings=settings, http=http, user_login="FICH", office_name="Groupe FICHORGA")
party = SharedParty("2950", PartyKind.PERSON, "MARTIN JACQUES", "jacques.martin@free.fr")
liasse_export_file(ctx, SharedFileDraft("2950-01", "VENTE MARTIN/JACQUES", (party,)), "export")

def outgoing(path):
    sha, size = sha256_of(path)
    return OutgoingDocument(path, path.name, "application/pdf", size, sha)

small_docs, big_doc = [outgoing(p) for p in smalls], outgoing(big)
liasse_upload_documents(ctx, "2950-01", [outgoing(warm)], "warm")
before = status("VmRSS")
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # peak RSS := current RSS
    reset = True
except OSError:
    reset = False
start = time.perf_counter()
liasse_upload_documents(ctx, "2950-01", small_docs, "small")
small_seconds = time.perf_counter() - start
start = time.perf_counter()
liasse_upload_documents(ctx, "2950-01", [big_doc], "big")
big_seconds = time.perf_counter() - start
print(json.dumps({"small": small_seconds, "big": big_seconds, "rss_before": before, "peak": status("VmHWM"), "reset": reset}))
""".replace("ENTITY_KEY", repr(ENTITY_KEY)).replace("API_KEY", repr(API_KEY))


def make_pdf(path: Path, size: int) -> Path:
    """A file of ``size`` bytes whose first bytes say PDF (what the sandbox checks), written in 1 MiB blocks."""
    block = os.urandom(MIB)
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        written = 9
        while written < size:
            chunk = block[: min(MIB, size - written)]
            out.write(chunk)
            written += len(chunk)
    return path


class Sandbox:
    """A JurisZone sandbox in its own process."""

    def __init__(self, max_size: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SANDBOX, str(max_size)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def liasse_sample(max_size: int, warm: Path, big: Path, smalls: list[Path]) -> dict[str, float]:
    sandbox = Sandbox(max_size)
    try:
        done = subprocess.run(
            [sys.executable, "-c", LIASSE, sandbox.url, str(warm), str(big), *map(str, smalls)],
            capture_output=True, text=True, check=True, timeout=1800,
        )
    finally:
        sandbox.stop()
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def curl_sample(max_size: int, big: Path, smalls: list[Path]) -> dict[str, float]:
    sandbox = Sandbox(max_size)
    try:
        party = {"ref": "2950", "kind": "person", "name": "MARTIN JACQUES", "email": "jacques.martin@free.fr"}
        requests.put(f"{sandbox.url}/api/v1/files/2950-01", json={"description": "VENTE", "parties": [party]}, headers=HEADERS, timeout=10).raise_for_status()
        target = f"{sandbox.url}/api/v1/files/2950-01/documents"
        auth = [arg for key, value in HEADERS.items() for arg in ("-H", f"{key}: {value}")]

        def post(paths: list[Path], key: str) -> float:
            fields = [arg for p in paths for arg in ("-F", f"file=@{p};type=application/pdf")]
            start = time.perf_counter()
            subprocess.run([CURL, "-sS", "-f", "-o", os.devnull, *auth, "-H", f"Idempotency-Key: {key}", *fields, target], check=True)
            return time.perf_counter() - start

        return {"small": post(smalls, "small"), "big": post([big], "big")}
    finally:
        sandbox.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-count", type=int, default=20)
    parser.add_argument("--small-mb", type=float, default=5)
    parser.add_argument("--big-mb", type=float, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="juriszone-bench-"))
    try:
        big_size = int(args.big_mb * MIB)
        warm = make_pdf(work / "warm.pdf", MIB)
        smalls = [make_pdf(work / f"piece-{i:02d}.pdf", int(args.small_mb * MIB)) for i in range(args.small_count)]
        big = make_pdf(work / "big.pdf", big_size)
        max_size = big_size + MIB
        liasse_runs: list[dict[str, float]] = []
        curl_runs: list[dict[str, float]] = []
        for round_ in range(args.rounds):
            order = [("liasse", liasse_runs), ("curl", curl_runs)]
            for name, runs in order if round_ % 2 == 0 else reversed(order):
                # One sample's write-back (the sandbox stored 600 MB) must not land on the next one's time.
                os.sync()
                runs.append(liasse_sample(max_size, warm, big, smalls) if name == "liasse" else curl_sample(max_size, big, smalls))
        total = args.small_count * int(args.small_mb * MIB) + big_size
        liasse_seconds = statistics.median(r["small"] + r["big"] for r in liasse_runs)
        curl_seconds = statistics.median(r["small"] + r["big"] for r in curl_runs)
        growth = statistics.median((r["peak"] - r["rss_before"]) / 1024 for r in liasse_runs)
        ratio = curl_seconds / liasse_seconds
        label = f"{args.small_count}×{args.small_mb:g} MiB + {args.big_mb:g} MiB upload"
        rss_ok, speed_ok = growth <= RSS_TARGET_MIB, ratio >= CURL_F_TARGET
        print(f"{label}, peak RSS growth: {growth:.1f} MiB (target ≤ {RSS_TARGET_MIB:g} MiB) {'OK' if rss_ok else 'BELOW'}")
        print(
            f"{label} vs curl -F: ratio {ratio:.2f}× (target ≥ {CURL_F_TARGET}×) {'OK' if speed_ok else 'BELOW'}"
        )
        print(
            f"  liasse {total / MIB / liasse_seconds:.0f} MiB/s (small {statistics.median(r['small'] for r in liasse_runs):.2f} s, "
            f"big {statistics.median(r['big'] for r in liasse_runs):.2f} s); curl {total / MIB / curl_seconds:.0f} MiB/s "
            f"(small {statistics.median(r['small'] for r in curl_runs):.2f} s, big {statistics.median(r['big'] for r in curl_runs):.2f} s); "
            f"{args.rounds} round(s), medians; peak reset: {all(r['reset'] for r in liasse_runs)}"
        )
        return 1 if args.check and not (rss_ok and speed_ok) else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
