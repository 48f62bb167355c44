"""How fast liasse's receiver acknowledges a webhook (R5: 2xx well under 1 s), against a bare endpoint in the same run.

Both run on the same threaded werkzeug server over loopback and take the
same signed DocSecure deliveries: the baseline only reads the body and
answers 200; liasse's receiver reads it under its cap, verifies the
Standard Webhooks signature, records the event in the store (SQLite file,
``INSERT … ON CONFLICT DO NOTHING``) and answers. Deliveries alternate
between the two so machine noise hits them alike; medians are reported.

Run: ``python bench/webhooks_intake.py [--n 300]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from flask import Flask, request
from werkzeug.serving import WSGIRequestHandler, make_server

from liasse.app import Liasse
from liasse.sandbox.webhooks import new_secret
from liasse.secrets import Secret
from liasse.webhooks.receiver import WebhookReceiver, serve
from liasse.webhooks.signatures import sign_standard

TARGET_MS = 100.0


def office(workdir: Path, secret: str) -> Liasse:
    (workdir / "secrets").mkdir(parents=True)
    (workdir / "secrets" / "webhook").write_text(secret, encoding="utf-8")
    config = workdir / "liasse.toml"
    config.write_text(
        "\n".join(
            [
                "[store]",
                f'url = "sqlite:///{(workdir / "liasse.sqlite3").as_posix()}"',
                "[plugins]",
                'enabled = ["docsecure"]',
                "[providers.docsecure]",
                # Never called: acknowledging makes no provider call.
                'base_url = "http://127.0.0.1:9/api/v1"',
                'webhook_secrets = ["$file:secrets/webhook"]',
                "",
            ]
        ),
        encoding="utf-8",
    )
    return Liasse.open(config)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def baseline_app(max_body: int) -> Flask:
    """The least an endpoint does: read the body under the same cap and answer 200."""
    app = Flask("baseline")

    @app.post("/baseline")
    def baseline() -> Any:
        request.stream.read(max_body + 1)
        return {"status": "accepted"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="deliveries to each endpoint")
    n = parser.parse_args().n
    secret = new_secret()
    with tempfile.TemporaryDirectory(prefix="liasse-bench-webhooks-") as tmp:
        liasse = office(Path(tmp), secret)
        receiver = WebhookReceiver(liasse)
        liasse.store  # migrate before timing  # noqa: B018
        running = serve(receiver)
        base_server = make_server("127.0.0.1", 0, baseline_app(receiver.max_body), threaded=True, request_handler=_Quiet)
        threading.Thread(target=base_server.serve_forever, daemon=True).start()
        base_url = f"http://127.0.0.1:{base_server.server_port}/baseline"
        ours: list[float] = []
        bare: list[float] = []
        try:
            with requests.Session() as session:
                for i in range(n):
                    body = json.dumps({"type": "exchange.updated", "data": {"id": f"ex_{i}", "state": "received"}}).encode()
                    now = int(time.time())
                    headers = {"webhook-id": f"msg_{i}", "webhook-timestamp": str(now), "webhook-signature": sign_standard(Secret(secret), f"msg_{i}", now, body)}
                    for url, times in ((running.endpoint("docsecure"), ours), (base_url, bare)):
                        start = time.perf_counter()
                        answer = session.post(url, data=body, headers=headers, timeout=10)
                        times.append(time.perf_counter() - start)
                        assert answer.status_code == 200, answer.text
        finally:
            running.stop()
            base_server.shutdown()
            liasse.close()
    ours_ms, bare_ms = statistics.median(ours) * 1000, statistics.median(bare) * 1000
    p95 = sorted(ours)[int(len(ours) * 0.95) - 1] * 1000
    verdict = "OK" if ours_ms <= TARGET_MS else "BELOW"
    print(f"webhook acknowledged, median of {n}: {ours_ms:.1f} ms (p95 {p95:.1f} ms) vs bare endpoint {bare_ms:.1f} ms: ratio {ours_ms / bare_ms:.2f}×")
    print(f"webhook acknowledgement median: {ours_ms:.1f} ms (target ≤ {TARGET_MS:.0f} ms, senders time out at 1 s) {verdict}")


if __name__ == "__main__":
    main()
