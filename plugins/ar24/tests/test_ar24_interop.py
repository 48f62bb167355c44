"""Interoperability: AR24's signing and response encryption against an independent AES (pycryptodome).

The plugin signs with ``cryptography``; here every vector is computed again
with pycryptodome from the recipe of providers.md §1.3 (PHP's
``openssl_encrypt`` with hex characters as key bytes), requests signed by it
are sent to the sandbox over HTTP, and the sandbox's encrypted answers are
decrypted with it. A skewed date and a wrong signature come back with their
slugs.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator

import pytest
import requests
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad, unpad
from liasse.sandbox import RunningSandbox, serve

from liasse_ar24.sandbox import DEMO_PRIVATE_KEY, DEMO_TOKEN, create_sandbox
from liasse_ar24.signing import decrypt_response, encrypt_response, paris_now_string, request_signature

KEYS = ("demo-private-key", DEMO_PRIVATE_KEY, "clé-privée-accentuée-€", "x" * 200)
DATES = ("2025-03-14 09:26:53", "2024-12-31 23:59:59", "2026-10-25 02:30:00")


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def independent_signature(date: str, key: str) -> str:
    hk = _hex(key)
    cipher = AES.new(hk[:32].encode(), AES.MODE_CBC, iv=_hex(hk)[:16].encode())
    return base64.b64encode(cipher.encrypt(pad(date.encode(), 16))).decode()


def independent_decrypt(body: str, date: str, key: str) -> dict[str, object]:
    cipher = AES.new(_hex(date + key)[:32].encode(), AES.MODE_CBC, iv=_hex(_hex(key))[:16].encode())
    return json.loads(unpad(cipher.decrypt(base64.b64decode(body)), 16))


def independent_encrypt(payload: dict[str, object], date: str, key: str) -> str:
    cipher = AES.new(_hex(date + key)[:32].encode(), AES.MODE_CBC, iv=_hex(_hex(key))[:16].encode())
    return base64.b64encode(cipher.encrypt(pad(json.dumps(payload).encode(), 16))).decode()


@pytest.fixture
def running() -> Iterator[RunningSandbox]:
    running = serve(create_sandbox())
    yield running
    running.stop()


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("date", DATES)
def test_interop_signature_matches_an_independent_aes(date: str, key: str) -> None:
    assert request_signature(date, key) == independent_signature(date, key)


@pytest.mark.parametrize("key", KEYS)
def test_interop_responses_decrypt_both_ways(key: str) -> None:
    payload = {"status": "SUCCESS", "result": {"id": 1001, "name": "Étude FICHORGA"}}
    date = DATES[0]
    assert independent_decrypt(encrypt_response(payload, date, key), date, key) == payload
    assert decrypt_response(independent_encrypt(payload, date, key), date, key) == payload


def signed_get(running: RunningSandbox, date: str, signature: str) -> requests.Response:
    return requests.get(
        f"{running.url}/api/user/list",
        params={"token": DEMO_TOKEN, "date": date},
        headers={"signature": signature},
        timeout=10,
    )


def test_interop_a_request_signed_independently_is_accepted_and_its_answer_decrypts(running: RunningSandbox) -> None:
    date = paris_now_string(dt.datetime.now(dt.UTC))
    answer = signed_get(running, date, independent_signature(date, DEMO_PRIVATE_KEY))
    assert answer.status_code == 200
    envelope = independent_decrypt(answer.text, date, DEMO_PRIVATE_KEY)
    assert envelope["status"] == "SUCCESS"
    assert [u["email"] for u in envelope["result"]["users"]] == ["jean.fichorga@fichorga.fr"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("shift", "slug"), [(dt.timedelta(minutes=-20), "expired_date"), (dt.timedelta(minutes=20), "date_in_future")]
)
def test_interop_a_skewed_date_gets_its_slug(running: RunningSandbox, shift: dt.timedelta, slug: str) -> None:
    date = paris_now_string(dt.datetime.now(dt.UTC) + shift)
    answer = signed_get(running, date, independent_signature(date, DEMO_PRIVATE_KEY))
    assert answer.status_code == 200  # AR24 answers 200 even when it refuses
    assert answer.json() == {"status": "ERROR", "slug": slug, "message": answer.json()["message"]}


def test_interop_a_wrong_signature_gets_its_slug(running: RunningSandbox) -> None:
    date = paris_now_string(dt.datetime.now(dt.UTC))
    answer = signed_get(running, date, independent_signature(date, "not-the-office-key"))
    assert answer.json()["slug"] == "invalid_signature"
    assert signed_get(running, date, "").json()["slug"] == "empty_signature"
