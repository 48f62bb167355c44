"""The DocSecure sandbox on its own, over loopback HTTP: what the plugin relies on it to do like the provider.

These tests speak the README's API and the contact's pages directly with
requests, so a sandbox change that breaks the contract fails here, not only
through the plugin.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from liasse.sandbox import RunningSandbox, serve

from liasse_docsecure.sandbox import DEMO_LOGIN, DEMO_PASSWORD, create_sandbox, remove_files

AUTH = (DEMO_LOGIN, DEMO_PASSWORD)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def running() -> Iterator[RunningSandbox]:
    with serve(create_sandbox()) as server:
        yield server
        remove_files(server.sandbox)


def call(server: RunningSandbox, method: str, path: str, auth: tuple[str, str] = AUTH, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{server.url}/api/v1{path}", auth=auth, timeout=10, **kwargs)


def person(server: RunningSandbox, **extra: Any) -> dict[str, Any]:
    body = {"type": "person", "first_name": "Jacques", "last_name": "MARTIN", "email": "jacques.martin@free.fr", "mobile": "+33654559987"}
    response = call(server, "POST", "/contacts", json={**body, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


def outbox(server: RunningSandbox, to: str, channel: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{server.url}/_sandbox/outbox", params={"to": to, "channel": channel}, timeout=10).json())


def link_of(server: RunningSandbox, email: str) -> str:
    found = re.search(r"http://\S+/r/[\w-]+", outbox(server, email, "email")[-1]["body"])
    assert found
    return found.group(0)


def test_wrong_credentials_refused_with_the_error_shape(running: RunningSandbox) -> None:
    response = call(running, "GET", "/account", auth=(DEMO_LOGIN, "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert "Basic" in response.headers["WWW-Authenticate"]


def test_accounts_never_see_each_other(running: RunningSandbox) -> None:
    requests.post(f"{running.url}/_sandbox/accounts", json={"email": "autre@etude.fr", "password": "pw"}, timeout=10)
    contact = person(running)
    assert call(running, "GET", f"/contacts/{contact['id']}", auth=("autre@etude.fr", "pw")).status_code == 404


def test_ds03_person_needs_an_e164_mobile_and_ds04_organisation_none(running: RunningSandbox) -> None:
    bad = call(running, "POST", "/contacts", json={"type": "person", "first_name": "J", "last_name": "M", "email": "j@m.fr", "mobile": "06 54"})
    assert (bad.status_code, bad.json()["field"]) == (422, "mobile")
    org = {"type": "organisation", "first_name": "A", "last_name": "B", "email": "a@b.fr", "establishment": "X", "mobile": "+33654559987"}
    assert call(running, "POST", "/contacts", json=org).json()["field"] == "mobile"


def test_idempotency_key_replays_without_doing_it_twice(running: RunningSandbox) -> None:
    contact = person(running)
    body = {"contact_id": contact["id"], "document_type": "rib", "label": "RIB"}
    first = call(running, "POST", "/requests", json=body, headers={"Idempotency-Key": "k-1"})
    again = call(running, "POST", "/requests", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.json()["id"] == again.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert len(outbox(running, "jacques.martin@free.fr", "email")) == 1
    other = call(running, "POST", "/requests", json={**body, "label": "autre"}, headers={"Idempotency-Key": "k-1"})
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")


def test_ds20_feed_pages_with_a_cursor(running: RunningSandbox) -> None:
    contact = person(running)
    for n in range(5):
        call(running, "POST", "/requests", json={"contact_id": contact["id"], "document_type": "other", "label": f"Pièce {n}"})
    first = call(running, "GET", "/exchanges", params={"limit": 3}).json()
    assert (len(first["exchanges"]), first["has_more"]) == (3, True)
    rest = call(running, "GET", "/exchanges", params={"limit": 3, "cursor": first["cursor"]}).json()
    assert [e["label"] for e in rest["exchanges"]] == ["Pièce 3", "Pièce 4"] and rest["has_more"] is False
    unchanged = call(running, "GET", "/exchanges", params={"cursor": rest["cursor"]}).json()
    assert unchanged["exchanges"] == [] and unchanged["cursor"] == rest["cursor"]


def test_ds12_code_three_wrong_tries_lock_the_link(running: RunningSandbox) -> None:
    contact = person(running)
    call(running, "POST", "/requests", json={"contact_id": contact["id"], "document_type": "rib", "label": "RIB"})
    link = link_of(running, "jacques.martin@free.fr")
    browser = requests.Session()
    assert "code à 6 chiffres reçu par SMS" in browser.get(link, timeout=10).text
    codes = [m["body"] for m in outbox(running, "+33654559987", "sms")]
    assert len(codes) == 1 and re.search(r"\b\d{6}\b", codes[0])
    for expected in (401, 401, 401):
        assert browser.post(link, data={"code": "000000" if "000000" not in codes[0] else "111111"}, timeout=10).status_code == expected
    assert browser.post(link, data={"code": re.findall(r"\d{6}", codes[0])[0]}, timeout=10).status_code == 403


def test_ds12_code_expires_after_ten_minutes(running: RunningSandbox) -> None:
    contact = person(running)
    call(running, "POST", "/requests", json={"contact_id": contact["id"], "document_type": "rib", "label": "RIB"})
    link = link_of(running, "jacques.martin@free.fr")
    browser = requests.Session()
    browser.get(link, timeout=10)
    code = re.findall(r"\d{6}", outbox(running, "+33654559987", "sms")[-1]["body"])[0]
    requests.post(f"{running.url}/_sandbox/clock", json={"advance_seconds": 601}, timeout=10)
    assert browser.post(link, data={"code": code}, timeout=10).status_code == 410
    browser.get(link, timeout=10)
    assert len(outbox(running, "+33654559987", "sms")) == 2


def test_ds04_organisation_gets_its_code_by_email(running: RunningSandbox) -> None:
    org = {"type": "organisation", "first_name": "A", "last_name": "B", "email": "agence@foncia.fr", "establishment": "FONCIA"}
    contact = call(running, "POST", "/contacts", json=org).json()
    call(running, "POST", "/requests", json={"contact_id": contact["id"], "document_type": "other", "label": "Bail"})
    requests.get(link_of(running, "agence@foncia.fr"), timeout=10)
    assert any("Votre code DocSecure" in m["body"] for m in outbox(running, "agence@foncia.fr", "email"))


def test_ds34_recipient_upload_of_a_disguised_executable_refused(running: RunningSandbox, tmp_path: Path) -> None:
    contact = person(running)
    exchange = call(running, "POST", "/requests", json={"contact_id": contact["id"], "document_type": "rib", "label": "RIB"}).json()
    link = link_of(running, "jacques.martin@free.fr")
    browser = requests.Session()
    browser.get(link, timeout=10)
    code = re.findall(r"\d{6}", outbox(running, "+33654559987", "sms")[-1]["body"])[0]
    browser.post(link, data={"code": code}, timeout=10)
    refused = browser.post(f"{link}/upload", files={"document": ("rib.pdf", b"MZ\x90\x00" + b"\x00" * 64, "application/pdf")}, timeout=10)
    assert refused.status_code == 415 and "ne correspond pas" in refused.text
    assert call(running, "GET", f"/exchanges/{exchange['id']}").json()["state"] == "sent"


def test_ds34_send_checks_declared_size_type_and_hash(running: RunningSandbox) -> None:
    requests.post(f"{running.url}/_sandbox/limits", json={"max_file_size": 100}, timeout=10)
    contact = person(running)
    big = {"file_name": "gros.pdf", "media_type": "application/pdf", "size": 101, "sha256": "0" * 64}
    refused = call(running, "POST", "/sends", json={"contact_id": contact["id"], "name": "x", "files": [big]})
    assert (refused.status_code, refused.json()["error"]) == (413, "file_too_large")
    ok = {"file_name": "a.pdf", "media_type": "application/pdf", "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
    send = call(running, "POST", "/sends", json={"contact_id": contact["id"], "name": "x", "files": [ok]}).json()
    assert call(running, "POST", f"/sends/{send['id']}/submit").status_code == 409
    wrong = call(running, "PUT", f"/sends/{send['id']}/files/0", data=PDF[:-1] + b"!")
    assert wrong.status_code == 422
    assert call(running, "PUT", f"/sends/{send['id']}/files/0", data=PDF).status_code == 204
    assert call(running, "POST", f"/sends/{send['id']}/submit").json()["state"] == "sent"
