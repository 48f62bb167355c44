"""BY-04: the sandbox kit's webhook sender, as providers send: signed per scheme, retried, refusals not retried.

A recording endpoint on loopback stands for the office; what it receives is
checked with liasse's own verification (Standard Webhooks for DocSecure,
Yousign's header for ESign's sandbox to come).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from liasse.secrets import Secret
from liasse.sandbox.webhooks import WebhookSender
from liasse.webhooks.signatures import json_event_id, verify_standard, verify_yousign


@attrs.define
class Endpoint:
    """Records every POST; answers with the next of ``statuses`` (then 200)."""

    url: str
    received: list[tuple[dict[str, str], bytes]] = attrs.field(factory=list)
    statuses: list[int] = attrs.field(factory=list)


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    app = Flask("recording-endpoint")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    found = Endpoint(f"http://127.0.0.1:{server.server_port}/hook")

    @app.post("/hook")
    def hook() -> Any:
        found.received.append(({k.lower(): v for k, v in request.headers.items()}, request.get_data()))
        status = found.statuses.pop(0) if found.statuses else 200
        return {"ok": status < 300}, status

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


def test_by04_standard_deliveries_verify_and_rotation_signs_with_both_secrets(endpoint: Endpoint) -> None:
    sender = WebhookSender()
    try:
        subscription, secret = sender.subscribe("etude@fichorga.example", endpoint.url)
        assert secret is not None and secret.startswith("whsec_")
        first = sender.emit("etude@fichorga.example", "exchange.updated", {"id": "ex_1"})
        assert sender.emit("someone-else@example.fr", "exchange.updated", {"id": "ex_2"}) is None
        new = sender.rotate("etude@fichorga.example", subscription.id)
        second = sender.emit("etude@fichorga.example", "exchange.updated", {"id": "ex_3"})
        assert sender.wait_idle()
    finally:
        sender.stop()
    (h1, b1), (h2, b2) = endpoint.received
    assert verify_standard(h1, b1, [Secret(secret)], title="T", provider="t").message_id == first
    # After the rotation both secrets sign: an office with either one accepts the delivery.
    assert len(h2["webhook-signature"].split()) == 2
    for key in (secret, new):
        assert key is not None
        assert verify_standard(h2, b2, [Secret(key)], title="T", provider="t").message_id == second


def test_by04_yousign_deliveries_carry_its_headers_and_event_id(endpoint: Endpoint) -> None:
    sender = WebhookSender(scheme="yousign")
    try:
        subscription, secret = sender.subscribe("org_1", endpoint.url)
        event_id = sender.emit("org_1", "signature_request.done", {"signature_request": {"id": "sr_1"}})
        assert sender.wait_idle()
    finally:
        sender.stop()
    ((headers, body),) = endpoint.received
    assert secret is not None
    verify_yousign(headers, body, [Secret(secret)])
    assert headers["user-agent"] == "Yousign Webhook Bot" and headers["x-yousign-retry"] == "0"
    assert json_event_id(body, "Yousign") == event_id
    assert subscription.id in body.decode()


def test_by04_unanswered_deliveries_are_retried_and_refusals_are_not(endpoint: Endpoint) -> None:
    sender = WebhookSender(retry_delays=(0.05, 0.05, 0.05))
    try:
        sender.subscribe("acct", endpoint.url)
        endpoint.statuses = [503, 500, 400]
        retried = sender.emit("acct", "exchange.updated", {"id": "ex_1"})  # 503, 500, then 400: refused, stops
        assert sender.wait_idle()
        endpoint.statuses = [503]
        recovered = sender.emit("acct", "exchange.updated", {"id": "ex_2"})  # 503 then 200
        assert sender.wait_idle()
    finally:
        sender.stop()
    by_id = {d.event_id: d for d in sender.deliveries()}
    assert [a.status for a in by_id[retried].attempts] == [503, 500, 400] and by_id[retried].state == "failed"
    assert [a.status for a in by_id[recovered].attempts] == [503, 200] and by_id[recovered].state == "delivered"
    # Every attempt of one event carried the same id.
    ids = [h["webhook-id"] for h, _ in endpoint.received]
    assert ids == [retried] * 3 + [recovered] * 2


def test_by04_an_unsigned_subscription_gets_no_signature(endpoint: Endpoint) -> None:
    sender = WebhookSender()
    try:
        _, secret = sender.subscribe("acct", endpoint.url, signed=False)
        sender.emit("acct", "exchange.updated", {"id": "ex_1"})
        assert sender.wait_idle()
    finally:
        sender.stop()
    ((headers, _),) = endpoint.received
    assert secret is None and "webhook-signature" not in headers and headers["webhook-id"].startswith("msg_")


def test_by04_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="standard, yousign"):
        WebhookSender(scheme="jws")
