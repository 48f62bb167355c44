"""ESign throughput: create and activate 200 Yousign signature requests, 20 ms from the sandbox.

Target, as a ratio against a baseline measured in the same run:

* 200 requests created and activated by ``liasse_request_signature`` from a
  pool of ``--workers`` threads sharing one pooled ``HttpClient``, against
  the same sequence done one request after another (throughput, target ≥ 8×),
* without exceeding the sandbox's rate-limit headers: the sandbox's journal
  must show 0 answers 429 (its quota is set to what a production plan gives,
  ``--per-minute``), and every request must exist once, activated.

Each request is five calls, as the plugin makes them: a look-up by
``external_id`` (Yousign has no idempotency key), the creation, the PDF
upload (streamed multipart), the signer with its field, the activation.
The sandbox runs in a process of its own (its CPU is not liasse's) and
answers every API call 20 ms late. The baseline sends ``--seq`` requests
(default 50) and is extrapolated to ``--n`` by its time per request.

Run: ``python bench/esign_requests.py [--n 200] [--seq 50] [--workers 32] [--check]``.
Targets are reported, not asserted, unless ``--check`` is given.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

TARGET_RATIO = 8.0
SANDBOX = """
import sys
from liasse.sandbox import serve
from liasse_esign.sandbox import create_sandbox
running = serve(create_sandbox(per_minute=int(sys.argv[1]), per_hour=10**7, latency=float(sys.argv[2])))
print(running.url, flush=True)
sys.stdin.read()
running.stop()
"""


def _pdf(folder: Path) -> object:
    from fpdf import FPDF

    from liasse.records import OutgoingDocument

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 20, "Mandat de gestion")
    content = bytes(pdf.output())
    path = folder / "mandat.pdf"
    path.write_bytes(content)
    return OutgoingDocument(path, path.name, "application/pdf", len(content), hashlib.sha256(content).hexdigest())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seq", type=int, default=50)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--per-minute", type=int, default=6000)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    from liasse.http import HttpClient
    from liasse.records import ProviderContext, SignatureAuthentication, SignatureField, SignatureRequestDraft, SignerDraft
    from liasse.secrets import Secret

    from liasse_esign import plugin
    from liasse_esign.client import ESignClient
    from liasse_esign.sandbox import API_ROOT, DEMO_API_KEY
    from liasse_esign.settings import ESignSettings

    server = subprocess.Popen(
        [sys.executable, "-c", SANDBOX, str(args.per_minute), str(args.latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        folder = Path(tempfile.mkdtemp(prefix="esign-bench-"))
        document = _pdf(folder)
        ctx = ProviderContext(
            provider="esign",
            settings=ESignSettings(base_url=url + API_ROOT, api_key=Secret(DEMO_API_KEY)),
            http=HttpClient("ESign", url + API_ROOT),
            user_login="FICH",
            office_name="Groupe FICHORGA",
        )
        field = SignatureField(page=1, x=60, y=700, width=180, height=60)

        def one(key: str) -> str:
            signer = SignerDraft("Léa", "BERNARD", f"{key}@example.fr", "+33612345678", SignatureAuthentication.OTP_SMS, (field,))
            draft = SignatureRequestDraft(name=f"Mandat {key}", documents=(document,), signers=(signer,))  # type: ignore[arg-type]
            return plugin.liasse_request_signature(ctx, draft, key).remote_id

        one("warm-up")
        started = time.perf_counter()
        for number in range(args.seq):
            one(f"seq-{number}")
        sequential = (time.perf_counter() - started) / args.seq * args.n
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
            ids = list(pool.map(one, [f"pool-{number}" for number in range(args.n)]))
        pooled = time.perf_counter() - started
        ratio = sequential / pooled

        journal = requests.get(f"{url}/_sandbox/requests", timeout=30).json()
        refused = sum(1 for entry in journal if entry.get("status") == 429)
        listed = [r for r in ESignClient(ctx).list_requests() if str(r.get("external_id", "")).startswith("pool-")]
        once = len(listed) == args.n == len(set(ids)) and all(r["status"] == "ongoing" for r in listed)
        ctx.http.close()
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)

    ok_ratio = ratio >= TARGET_RATIO
    print(f"one by one: {sequential:.2f} s for {args.n} (extrapolated from {args.seq}); pooled ({args.workers} workers): {pooled:.2f} s")
    print(
        f"create and activate {args.n} signature requests, {args.latency * 1000:.0f} ms latency: "
        f"ratio {ratio:.2f}× (target ≥ {TARGET_RATIO:g}×) {'OK' if ok_ratio else 'BELOW'}"
    )
    print(f"answers 429 from the sandbox's rate limit: {refused} (target 0) {'OK' if refused == 0 else 'BELOW'}")
    print(f"every request activated once: {'yes' if once else 'no'}")
    if args.check and not (ok_ratio and refused == 0 and once):
        return 1
    return 0 if once and refused == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
