"""The DocSecure benchmarks still run: tiny sizes, one round, their target lines printed.

Targets are not asserted here (machines are shared and noisy): only that each
benchmark runs to the end, exits 0 and reports every target.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=BENCH.parent,
    )
    assert done.returncode == 0, f"{script} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_requests_benchmark_reports_its_target() -> None:
    out = run("docsecure_requests.py", "--n", "40", "--rounds", "1", "--cpu-sample", "20")
    assert re.search(r"^RIB campaign, 40 requests, .* ratio \d+\.\d\d× \(target ≥ 10×\) (OK|BELOW)$", out, re.MULTILINE), out
    # Whatever the speed, no request may be lost or sent twice.
    assert "every request accepted once: 0 lost, 0 duplicated (target 0) OK" in out, out


@pytest.mark.skipif(sys.platform != "linux" or shutil.which("curl") is None, reason="reads /proc; needs curl")
def test_upload_benchmark_reports_its_targets() -> None:
    out = run("docsecure_upload.py", "--size-mb", "8", "--rounds", "1")
    assert re.search(r"^8 MiB send, peak RSS growth: \d+\.\d MiB \(target ≤ 32 MiB\) (OK|BELOW)$", out, re.MULTILINE), out
    assert re.search(r"^8 MiB send vs curl -F: ratio \d+\.\d\d× \(target ≥ 0\.8×\) (OK|BELOW)$", out, re.MULTILINE), out
    assert re.search(r"^8 MiB send vs curl -T: ratio \d+\.\d\d×", out, re.MULTILINE), out


def test_intake_benchmark_reports_its_targets() -> None:
    out = run("intake_stamp.py", "--rounds", "1", "--pages", "5")
    assert re.search(r"^mark a 5-page PDF vs pypdf merge: ratio \d+\.\d\d× \(target ≤ 1×\) (OK|BELOW)$", out, re.MULTILINE), out
    assert re.search(r"^import a one-page RIB: \d+ ms, .*\(target ≤ 150 ms\) (OK|BELOW)$", out, re.MULTILINE), out
    assert "marked copy keeps the received bytes intact at its head: yes" in out, out


def test_webhook_benchmark_reports_its_target() -> None:
    out = run("webhooks_intake.py", "--n", "20")
    assert re.search(r"^webhook acknowledgement median: \d+\.\d ms \(target ≤ 100 ms, .*\) (OK|BELOW)$", out, re.MULTILINE), out


def test_esign_benchmark_reports_its_targets() -> None:
    out = run("esign_requests.py", "--n", "20", "--seq", "4", "--workers", "8")
    assert re.search(r"^create and activate 20 signature requests, 20 ms latency: ratio \d+\.\d\d× \(target ≥ 8×\) (OK|BELOW)$", out, re.MULTILINE), out
    # Whatever the speed: never past the rate limit, every request activated exactly once.
    assert "answers 429 from the sandbox's rate limit: 0 (target 0) OK" in out, out
    assert "every request activated once: yes" in out, out
