"""DocSecure 1 GB send (issue targets), as ratios against baselines measured in the same run.

* peak RSS growth of the liasse process during ``ExchangeDesk.send_file`` of a
  1 GiB PDF (target ≤ 32 MiB);
* throughput of that send against ``curl -F file=@…`` (multipart) to the same
  sandbox (target ≥ 0.8×); against ``curl -T`` (a raw PUT, what liasse's
  client does) for information.

The DocSecure sandbox runs in a process of its own (its memory and CPU are not
liasse's), its file size limit raised above the file. Each liasse sample is a
fresh child process: it opens a demo office (reference host, store, key)
pointed at that sandbox, connects FICH, sends a 1 MiB warm-up PDF (imports and
caches are not the big file's doing), resets its peak RSS (``/proc/self/clear_refs``,
else ``ru_maxrss`` before/after), then times ``desk.send_file`` alone: checks
and SHA-256 of the file, and the send (``POST /sends``, streamed ``PUT`` of the
file, ``submit``). A file sent from disk goes straight to the contact (DS-16);
the "keep" phase, the copy of added files into the account's attachments, only
happens in a multi-document send (DS-17) and reads 0 here. The phases are timed too. The curl baselines upload the same file to a
send opened through the API for it. One untimed upload warms the sandbox up
(its first big write is slower), then each round runs the three in a rotated
order; medians are reported. The sandbox's received copies and the offices are
deleted after each sample and the disks synced before the next (so one
sample's write-back does not land on another), the big file deleted at the end.

Run: ``python bench/docsecure_upload.py [--size-mb 1024] [--rounds 3] [--no-warm-up] [--check]`` (Linux).
Targets are reported, not asserted: the exit code is 0 unless ``--check`` is
given and a target is missed (or the benchmark itself crashed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from demo_office import child_env

CURL = shutil.which("curl") or "/usr/bin/curl"
LOGIN, PASSWORD = "etude@fichorga.example", "demo-docsecure"
MIB = 1024 * 1024
RSS_TARGET_MIB = 32.0
CURL_F_TARGET = 0.8

#: The sandbox process: prints its URL, serves until its stdin closes.
SANDBOX = """
import sys
from liasse.sandbox import serve
from liasse_docsecure.sandbox import create_sandbox
running = serve(create_sandbox(max_file_size=int(sys.argv[1])))
print(running.url, flush=True)
sys.stdin.read()
running.stop()
"""

#: One liasse sample: argv = office dir, sandbox URL, big file, warm-up file. Prints one JSON line.
LIASSE = r"""
import json, os, resource, sys, time
from pathlib import Path

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])  # KiB
    return None

workdir, url, big, warm = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4] or ".")
from demo_office import write_office
from liasse.app import Liasse
from liasse.desk import ContactForm
from liasse.records import ContactKind
from liasse.secrets import Secret
import liasse.desk.sending as sending

config = write_office(workdir, "docsecure", f'base_url = "{url}"\ntimeout = 300\n')
liasse = Liasse.open(config)
liasse.connect("docsecure", "FICH", "etude@fichorga.example", Secret("demo-docsecure"))
desk = liasse.desk("docsecure", "FICH")
contact = desk.create_contact(
    ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87"), "2950"
)
if warm.name:
    desk.send_file(contact.id, warm, account_number="2950")

phases = {"checks": 0.0, "send": 0.0, "keep": 0.0, "fsync": 0.0}
def timed(name, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] += time.perf_counter() - start
    return wrapper
sending.check_outgoing = timed("checks", sending.check_outgoing)
liasse.hooks.send_documents = timed("send", liasse.hooks.send_documents)
desk._keep_sent_files = timed("keep", desk._keep_sent_files)
os.fsync = timed("fsync", os.fsync)  # the host's file store flushes each attachment it writes

rss_before = status("VmRSS")
maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset VmHWM (the peak) to the current RSS
    peak_source = "VmHWM"
except OSError:
    peak_source = "ru_maxrss"
start = time.perf_counter()
exchange = desk.send_file(contact.id, big, account_number="2950")
wall = time.perf_counter() - start
if peak_source == "VmHWM":
    growth = status("VmHWM") - rss_before
else:
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before
print(json.dumps({
    "wall": wall, "phases": phases, "growth_kib": growth, "rss_before_kib": rss_before,
    "peak_source": peak_source, "state": exchange.state.value, "file_size": exchange.file_size,
}))
liasse.close()
"""


def make_pdf(path: Path, size: int) -> str:
    """A PDF-looking file of ``size`` bytes (random filler, nothing sparse); returns its SHA-256."""
    digest = hashlib.sha256()
    head = b"%PDF-1.4\n"
    block = os.urandom(4 * MIB)
    written = 0
    with path.open("wb") as out:
        out.write(head)
        digest.update(head)
        written = len(head)
        turn = 0
        while written < size:
            # The block shifted each turn: no two blocks of the file alike.
            chunk = (block[turn % 4096 :] + block[: turn % 4096])[: size - written]
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
            turn += 1
    return digest.hexdigest()


def start_sandbox(max_file_size: int, tmp: Path) -> tuple[subprocess.Popen[str], str]:
    """The sandbox in its own process; its received files land under ``tmp`` (TMPDIR)."""
    env = {**os.environ, "TMPDIR": str(tmp)}
    process = subprocess.Popen(
        [sys.executable, "-c", SANDBOX, str(max_file_size)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise RuntimeError(f"the sandbox did not start (printed {url!r})")
    return process, url


def purge(sandbox_tmp: Path) -> None:
    """Delete what the sandbox received (a 1 GiB copy per upload); nothing reads it again."""
    for folder in sandbox_tmp.glob("docsecure-sandbox-*"):
        for item in folder.iterdir():
            if item.is_file():
                item.unlink(missing_ok=True)


def open_send(http: requests.Session, url: str, contact_id: str, path: Path, size: int, sha256: str) -> str:
    """A DocSecure send declaring ``path``, opened through the API; its id."""
    body: dict[str, Any] = {
        "contact_id": contact_id,
        "name": f"curl {path.name}",
        "files": [{"file_name": path.name, "media_type": "application/pdf", "size": size, "sha256": sha256}],
    }
    response = http.post(f"{url}/api/v1/sends", json=body, auth=(LOGIN, PASSWORD), timeout=30)
    response.raise_for_status()
    return str(response.json()["id"])


def curl(mode: str, http: requests.Session, url: str, contact_id: str, path: Path, size: int, sha256: str) -> float:
    """Upload ``path`` with curl (``-F``: multipart POST; ``-T``: raw PUT); seconds of the curl process."""
    send_id = open_send(http, url, contact_id, path, size, sha256)
    target = f"{url}/api/v1/sends/{send_id}/files/0"
    common = [CURL, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-u", f"{LOGIN}:{PASSWORD}"]
    if mode == "-F":
        command = [*common, "-F", f"file=@{path};type=application/pdf", target]
    else:
        command = [*common, "-T", str(path), "-H", "Content-Type: application/pdf", target]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or done.stdout.strip() not in ("200", "201", "204"):
        raise RuntimeError(f"curl {mode} failed: exit {done.returncode}, HTTP {done.stdout.strip()}, {done.stderr.strip()}")
    return elapsed


def liasse_sample(url: str, path: Path, warm: Path | None, work: Path) -> dict[str, Any]:
    """One liasse send in a fresh process; its JSON report."""
    office = Path(tempfile.mkdtemp(prefix="office-", dir=work))
    try:
        done = subprocess.run(
            [sys.executable, "-c", LIASSE, str(office), url, str(path), str(warm) if warm else ""],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
            env=child_env(),
        )
        if done.returncode != 0:
            raise RuntimeError(f"the liasse sample failed:\n{done.stderr}")
        report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        if report["state"] != "sent" or report["file_size"] != path.stat().st_size:
            raise RuntimeError(f"the liasse send did not go through: {report}")
        return report
    finally:
        shutil.rmtree(office, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the sent file in MiB (default 1024)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the file (default: a temporary directory)")
    parser.add_argument("--no-warm-up", action="store_true", help="measure the first send of the process (no 1 MiB send first)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    size = args.size_mb * MIB

    work = Path(tempfile.mkdtemp(prefix="liasse-bench-upload-", dir=args.dir))
    sandbox_tmp = work / "sandbox"
    sandbox_tmp.mkdir()
    sandbox: subprocess.Popen[str] | None = None
    samples: dict[str, list[float]] = {"liasse": [], "curl -F": [], "curl -T": []}
    growth: list[float] = []
    phases: dict[str, list[float]] = {"checks": [], "send": [], "keep": [], "fsync": []}
    peak_source = "?"
    try:
        path = work / f"bench-{args.size_mb}MiB.pdf"
        start = time.perf_counter()
        sha256 = make_pdf(path, size)
        print(f"file: {path.name}, {size / MIB:.0f} MiB, written in {time.perf_counter() - start:.1f} s")
        warm = None if args.no_warm_up else work / "warm-up.pdf"
        if warm is not None:
            make_pdf(warm, MIB)

        sandbox, url = start_sandbox(size + MIB, sandbox_tmp)
        print(f"DocSecure sandbox (own process, pid {sandbox.pid}): {url}")
        http = requests.Session()
        contact = http.post(
            f"{url}/api/v1/contacts",
            json={"type": "person", "first_name": "Jacques", "last_name": "MARTIN", "email": "jacques.martin@free.fr", "mobile": "+33654559987"},
            auth=(LOGIN, PASSWORD),
            timeout=30,
        )
        contact.raise_for_status()
        contact_id = str(contact.json()["id"])

        # The sandbox's first big write is slower than the next ones: one untimed upload first.
        os.sync()
        print(f"untimed warm-up upload (curl -T): {curl('-T', http, url, contact_id, path, size, sha256):.2f} s")
        purge(sandbox_tmp)

        order = ["liasse", "curl -F", "curl -T"]
        for round_no in range(1, args.rounds + 1):
            shift = (round_no - 1) % len(order)
            line = []
            for name in order[shift:] + order[:shift]:
                os.sync()
                if name == "liasse":
                    report = liasse_sample(url, path, warm, work)
                    seconds = report["wall"]
                    growth.append(report["growth_kib"] / 1024)
                    peak_source = report["peak_source"]
                    for phase, value in report["phases"].items():
                        phases[phase].append(value)
                    split = " + ".join(f"{k} {v:.2f}" for k, v in report["phases"].items() if k != "fsync")
                    split += f" (fsync {report['phases']['fsync']:.2f})"
                    line.append(f"liasse {seconds:6.2f} s ({split}; RSS +{report['growth_kib'] / 1024:.1f} MiB)")
                else:
                    seconds = curl(name.split()[1], http, url, contact_id, path, size, sha256)
                    line.append(f"{name} {seconds:6.2f} s")
                samples[name].append(seconds)
                purge(sandbox_tmp)
            print(f"  round {round_no}: " + " | ".join(line))
    finally:
        if sandbox is not None:
            assert sandbox.stdin is not None
            sandbox.stdin.close()
            try:
                sandbox.wait(timeout=30)
            except subprocess.TimeoutExpired:
                sandbox.kill()
        shutil.rmtree(work, ignore_errors=True)

    med = {name: statistics.median(values) for name, values in samples.items()}
    rate = {name: size / MIB / seconds for name, seconds in med.items()}
    rss = statistics.median(growth)
    rss_max = max(growth)
    print()
    print(f"{'upload of ' + str(args.size_mb) + ' MiB':<52}{'seconds':>10}{'MiB/s':>10}")
    print(f"{'liasse desk.send_file (checks + send + keep)':<52}{med['liasse']:>10.2f}{rate['liasse']:>10.1f}")
    for phase, label in (
        ("checks", "  of which checks (type sniff + SHA-256)"),
        ("send", "  of which send (POST /sends, PUT file, submit)"),
        ("keep", "  of which keep (copy into the attachments)"),
        ("fsync", "    within keep: the host's os.fsync"),
    ):
        seconds = statistics.median(phases[phase])
        print(f"{label:<52}{seconds:>10.2f}{size / MIB / seconds if seconds else 0:>10.1f}")
    print(f"{'curl -F file=@… (multipart POST)':<52}{med['curl -F']:>10.2f}{rate['curl -F']:>10.1f}")
    print(f"{'curl -T (raw PUT)':<52}{med['curl -T']:>10.2f}{rate['curl -T']:>10.1f}")
    upload_only = size / MIB / statistics.median(phases["send"])
    without_keep = size / MIB / (statistics.median(phases["checks"]) + statistics.median(phases["send"]))
    print(f"liasse upload phase alone vs curl -T: ratio {upload_only / rate['curl -T']:.2f}× (information)")
    print(
        f"liasse checks + send, without the attachments copy, vs curl -F: ratio {without_keep / rate['curl -F']:.2f}×"
        " (information)"
    )
    first = "the process's first send" if args.no_warm_up else "after a 1 MiB warm-up send"
    print(f"peak RSS growth during the send ({peak_source}, {first}): median {rss:.1f} MiB, max {rss_max:.1f} MiB over {len(growth)} sends")
    ratio_f = rate["liasse"] / rate["curl -F"]
    ratio_t = rate["liasse"] / rate["curl -T"]
    rss_ok = rss_max <= RSS_TARGET_MIB
    f_ok = ratio_f >= CURL_F_TARGET
    print(f"{args.size_mb} MiB send, peak RSS growth: {rss_max:.1f} MiB (target ≤ {RSS_TARGET_MIB:g} MiB) {'OK' if rss_ok else 'BELOW'}")
    print(f"{args.size_mb} MiB send vs curl -F: ratio {ratio_f:.2f}× (target ≥ {CURL_F_TARGET:g}×) {'OK' if f_ok else 'BELOW'}")
    print(f"{args.size_mb} MiB send vs curl -T: ratio {ratio_t:.2f}× (information, no target)")
    return 1 if args.check and not (rss_ok and f_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
