"""BY-04, R5: webhook signatures checked on the raw body, in constant time, with several active secrets.

The six cases of Standard Webhooks' own test suite (valid; several
signatures, one valid; tampered body; wrong secret; old or future
timestamp; missing headers), Standard Webhooks' published vector, Yousign's
``X-Yousign-Signature-256`` the same way, and a body re-serialised by a
framework, which must fail. Every refusal is a sentence in both languages
that names no secret.
"""

from __future__ import annotations

import ast
import base64
import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from liasse.secrets import Secret
from liasse.webhooks import signatures
from liasse.webhooks.errors import WebhookRejected, WebhookSecretInvalid, WebhookSecretsMissing
from liasse.webhooks.signatures import sign_hex, sign_standard, verify_standard, verify_yousign

# Standard Webhooks' published vector (their libraries' tests): secret, id, timestamp, payload, signature.
VECTOR_SECRET = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
VECTOR_NOW = dt.datetime.fromtimestamp(VECTOR_TIMESTAMP, dt.UTC)

OTHER_SECRET = Secret("whsec_" + base64.b64encode(b"another secret of 24 b!!").decode())
BODY = '{"type":"exchange.updated","data":{"id":"ex_12","label":"RIB pour la vente – M. MARTIN"}}'.encode()


def headers_for(body: bytes, secret: Secret = VECTOR_SECRET, *, at: int = VECTOR_TIMESTAMP, msg_id: str = VECTOR_ID) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(at), "webhook-signature": sign_standard(secret, msg_id, at, body)}


def verify(headers: dict[str, str], body: bytes, secrets: tuple[Secret, ...] = (VECTOR_SECRET,), now: dt.datetime = VECTOR_NOW) -> signatures.StandardEnvelope:
    return verify_standard(headers, body, secrets, title="DocSecure", provider="docsecure", now=now)


def test_by04_standard_webhooks_published_vector_is_reproduced() -> None:
    assert sign_standard(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE
    envelope = verify({"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TIMESTAMP), "webhook-signature": VECTOR_SIGNATURE}, VECTOR_BODY)
    assert envelope.message_id == VECTOR_ID
    assert envelope.timestamp == VECTOR_NOW


def test_by04_case1_valid_signature_is_accepted_whatever_the_header_case() -> None:
    headers = {name.upper(): value for name, value in headers_for(BODY).items()}
    assert verify(headers, BODY).message_id == VECTOR_ID


def test_by04_case2_several_signatures_one_valid_is_accepted() -> None:
    good = headers_for(BODY)
    forged = "v1," + base64.b64encode(b"x" * 32).decode()
    good["webhook-signature"] = f"v2,abc {forged} {good['webhook-signature']}"
    assert verify(good, BODY).message_id == VECTOR_ID


def test_by04_case2_rotation_either_active_secret_is_accepted() -> None:
    # The office lists the new secret beside the old one while the provider rotates.
    assert verify(headers_for(BODY, OTHER_SECRET), BODY, (VECTOR_SECRET, OTHER_SECRET)).message_id == VECTOR_ID
    assert verify(headers_for(BODY, VECTOR_SECRET), BODY, (OTHER_SECRET, VECTOR_SECRET)).message_id == VECTOR_ID


def test_by04_case3_tampered_body_is_refused() -> None:
    headers = headers_for(BODY)
    with pytest.raises(WebhookRejected) as refused:
        verify(headers, BODY.replace(b"ex_12", b"ex_13"))
    assert refused.value.reason == "bad_signature"


def test_by04_case4_wrong_secret_is_refused() -> None:
    with pytest.raises(WebhookRejected) as refused:
        verify(headers_for(BODY, OTHER_SECRET), BODY)
    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize("offset", [-301, 301, -86400, 86400 * 365])
def test_by04_case5_old_or_future_timestamp_is_refused(offset: int) -> None:
    at = VECTOR_TIMESTAMP + offset
    # Correctly signed: only the time is wrong (a replayed old delivery, or a forged future one).
    with pytest.raises(WebhookRejected) as refused:
        verify(headers_for(BODY, at=at), BODY)
    assert refused.value.reason == "stale_timestamp"
    assert "±300 s" in refused.value.message("fr") and "±300 s" in refused.value.message("en")


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_by04_case5_timestamp_within_five_minutes_either_way_is_accepted(offset: int) -> None:
    at = VECTOR_TIMESTAMP + offset
    assert verify(headers_for(BODY, at=at), BODY).timestamp == dt.datetime.fromtimestamp(at, dt.UTC)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_by04_case6_missing_headers_are_refused_and_named(missing: str) -> None:
    headers = headers_for(BODY)
    del headers[missing]
    with pytest.raises(WebhookRejected) as refused:
        verify(headers, BODY)
    assert refused.value.reason == "missing_headers"
    assert missing in refused.value.message("fr")


def test_by04_unreadable_timestamp_is_refused() -> None:
    headers = headers_for(BODY)
    headers["webhook-timestamp"] = "yesterday"
    with pytest.raises(WebhookRejected) as refused:
        verify(headers, BODY)
    assert refused.value.reason == "malformed"


def test_by04_body_reserialised_by_a_framework_is_refused() -> None:
    # What a framework hands over after json.loads + json.dumps: same data, other bytes.
    reserialised = json.dumps(json.loads(BODY)).encode()
    assert reserialised != BODY and json.loads(reserialised) == json.loads(BODY)
    with pytest.raises(WebhookRejected) as refused:
        verify(headers_for(BODY), reserialised)
    assert refused.value.reason == "bad_signature"


def test_by04_no_configured_secret_is_a_sentence_saying_where_to_put_one() -> None:
    with pytest.raises(WebhookSecretsMissing) as refused:
        verify(headers_for(BODY), BODY, ())
    assert "webhook_secrets" in refused.value.message("fr")
    assert "[providers.docsecure]" in refused.value.message("en")


def test_by04_malformed_secret_is_refused_without_quoting_it() -> None:
    bad = Secret("whsec_not!base64?at-all")
    with pytest.raises(WebhookSecretInvalid) as refused:
        verify(headers_for(BODY), BODY, (bad,))
    assert bad.reveal() not in refused.value.message("fr") + refused.value.message("en")


def test_by04_refusals_never_name_a_secret_nor_quote_the_body() -> None:
    attempts = [
        (headers_for(BODY, OTHER_SECRET), BODY),
        (headers_for(BODY, at=VECTOR_TIMESTAMP - 3600), BODY),
        ({"webhook-id": VECTOR_ID}, BODY),
        (headers_for(BODY), BODY + b" "),
    ]
    for headers, body in attempts:
        with pytest.raises(WebhookRejected) as refused:
            verify(headers, body)
        texts = [refused.value.message("fr"), refused.value.message("en"), repr(refused.value)]
        for text in texts:
            for secret in (VECTOR_SECRET, OTHER_SECRET):
                assert secret.reveal() not in text
                assert secret.reveal().removeprefix("whsec_") not in text
            assert "ex_12" not in text and "MARTIN" not in text


# --- Yousign (ESign) ------------------------------------------------------------------------------

YOUSIGN_SECRET = Secret("5f1b2c3d4e5f60718293a4b5c6d7e8f9")
YOUSIGN_BODY = (
    b'{"event_id":"d7ac2d2a-0cd5-4d4d-9b5a-5b8f2e5c7d11","event_name":"signature_request.done",'
    b'"event_time":"1733036400","subscription_id":"sub_1","sandbox":true,'
    b'"data":{"signature_request":{"id":"sr_1","status":"done"}}}'
)


def test_es_yousign_signature_is_hmac_sha256_hex_of_the_raw_body() -> None:
    expected = "sha256=" + hmac.new(YOUSIGN_SECRET.reveal().encode(), YOUSIGN_BODY, hashlib.sha256).hexdigest()
    assert sign_hex(YOUSIGN_SECRET, YOUSIGN_BODY) == expected
    verify_yousign({"X-Yousign-Signature-256": expected}, YOUSIGN_BODY, (YOUSIGN_SECRET,))
    assert signatures.json_event_id(YOUSIGN_BODY, "Yousign") == "d7ac2d2a-0cd5-4d4d-9b5a-5b8f2e5c7d11"


def test_es_yousign_forgeries_are_refused() -> None:
    good = sign_hex(YOUSIGN_SECRET, YOUSIGN_BODY)
    cases = {
        "bad_signature": [
            ({"x-yousign-signature-256": good}, YOUSIGN_BODY.replace(b"done", b"declined")),
            ({"x-yousign-signature-256": sign_hex(Secret("not-the-secret"), YOUSIGN_BODY)}, YOUSIGN_BODY),
            ({"x-yousign-signature-256": good}, json.dumps(json.loads(YOUSIGN_BODY)).encode()),
        ],
        "missing_headers": [({}, YOUSIGN_BODY)],
        "malformed": [({"x-yousign-signature-256": good.removeprefix("sha256=")}, YOUSIGN_BODY)],
    }
    for reason, attempts in cases.items():
        for headers, body in attempts:
            with pytest.raises(WebhookRejected) as refused:
                verify_yousign(headers, body, (YOUSIGN_SECRET,))
            assert refused.value.reason == reason


def test_es_yousign_issued_at_is_held_to_five_minutes_when_present() -> None:
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    signed = {"x-yousign-signature-256": sign_hex(YOUSIGN_SECRET, YOUSIGN_BODY)}
    verify_yousign({**signed, "x-yousign-issued-at": "2026-12-01T09:04:00+00:00"}, YOUSIGN_BODY, (YOUSIGN_SECRET,), now=now)
    verify_yousign({**signed, "x-yousign-issued-at": str(int(now.timestamp()) - 299)}, YOUSIGN_BODY, (YOUSIGN_SECRET,), now=now)
    with pytest.raises(WebhookRejected) as refused:
        verify_yousign({**signed, "x-yousign-issued-at": "2026-12-01T08:50:00Z"}, YOUSIGN_BODY, (YOUSIGN_SECRET,), now=now)
    assert refused.value.reason == "stale_timestamp"


def test_ar_unsigned_events_get_a_stable_id_from_what_identifies_them() -> None:
    first = signatures.body_event_id("12345", "AR", "2026-12-01 09:00:00")
    assert first == signatures.body_event_id("12345", "AR", "2026-12-01 09:00:00")
    assert first != signatures.body_event_id("12345", "refused", "2026-12-01 09:00:00")
    assert first != signatures.body_event_id("1234", "5AR", "2026-12-01 09:00:00")


# --- the lint rule of §4 test 4: signatures are never compared with == ------------------------------


def _comparisons_of_signatures(source: str) -> list[int]:
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            names = [n.id.lower() for n in ast.walk(node) if isinstance(n, ast.Name)]
            names += [n.attr.lower() for n in ast.walk(node) if isinstance(n, ast.Attribute)]
            if any(word in name for name in names for word in ("signature", "digest", "expected", "offered", "mac")):
                lines.append(node.lineno)
    return lines


def test_by04_no_signature_is_compared_with_equals_anywhere_in_webhook_code() -> None:
    root = Path(__file__).resolve().parents[1]
    files = [*(root / "core" / "liasse" / "webhooks").glob("*.py"), root / "core" / "liasse" / "sandbox" / "webhooks.py"]
    files += list((root / "plugins").glob("*/liasse_*/client.py"))
    found = {str(p.relative_to(root)): _comparisons_of_signatures(p.read_text(encoding="utf-8")) for p in files}
    assert {path: lines for path, lines in found.items() if lines} == {}


def test_by04_the_lint_rule_can_fail() -> None:
    assert _comparisons_of_signatures("ok = expected_signature == header\n") == [1]
