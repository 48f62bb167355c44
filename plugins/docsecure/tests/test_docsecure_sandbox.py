"""The DocSecure sandbox on its own, over loopback HTTP: what the plugin relies on it to do like the provider.

These tests speak the README's API and the contact's pages directly with
requests, so a sandbox change that breaks the contract fails here, not only
through the plugin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import requests
from fpdf import FPDF
from pypdf import PdfReader

from liasse.sandbox import RunningSandbox, serve

from liasse.multipart import post_file
from liasse_docsecure.sandbox import DEMO_LOGIN, DEMO_PASSWORD, create_sandbox, remove_files

AUTH = (DEMO_LOGIN, DEMO_PASSWORD)
MARTIN = {
    "type": "person",
    "first_name": "Jacques",
    "last_name": "MARTIN",
    "email": "jacques.martin@free.fr",
    "mobile": "+33654559987",
}
FONCIA = {
    "type": "organisation",
    "first_name": "Anne",
    "last_name": "BLANC",
    "email": "agence@foncia.fr",
    "establishment": "FONCIA",
}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def running() -> Iterator[RunningSandbox]:
    with serve(create_sandbox()) as server:
        yield server
        remove_files(server.sandbox)


# --- helpers ---------------------------------------------------------------------------


def call(
    server: RunningSandbox, method: str, path: str, auth: tuple[str, str] = AUTH, **kwargs: Any
) -> requests.Response:
    return requests.request(method, f"{server.url}/api/v1{path}", auth=auth, timeout=10, **kwargs)


def control(server: RunningSandbox, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{server.url}/_sandbox/{path}", json=body, timeout=10)


def contact(server: RunningSandbox, body: dict[str, Any] = MARTIN, auth: tuple[str, str] = AUTH) -> dict[str, Any]:
    response = call(server, "POST", "/contacts", auth=auth, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def ask(server: RunningSandbox, contact_id: str, label: str = "RIB", **extra: Any) -> dict[str, Any]:
    body = {"contact_id": contact_id, "document_type": "rib", "label": label, **extra}
    response = call(server, "POST", "/requests", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def outbox(server: RunningSandbox, to: str, channel: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{server.url}/_sandbox/outbox", params={"to": to, "channel": channel}, timeout=10).json())


def link_of(server: RunningSandbox, email: str) -> str:
    found = re.search(r"http://\S+/r/[\w-]+", outbox(server, email, "email")[-1]["body"])
    assert found
    return found.group(0)


def latest_code(server: RunningSandbox, to: str, channel: str = "sms") -> str:
    codes = re.findall(r"Votre code DocSecure : (\d{6})\b", outbox(server, to, channel)[-1]["body"])
    assert codes
    return str(codes[0])


def verified_browser(
    server: RunningSandbox, email: str = MARTIN["email"], mobile: str = MARTIN["mobile"]
) -> tuple[requests.Session, str]:
    """The contact opens the newest link and types the code received: the page then takes the upload or gives the download."""
    link = link_of(server, email)
    browser = requests.Session()
    assert browser.get(link, timeout=10).status_code == 200
    entered = browser.post(link, data={"code": latest_code(server, mobile)}, timeout=10)
    assert entered.status_code == 200, entered.text
    return browser, link


def pdf_bytes(*lines: str) -> bytes:
    pdf = FPDF()
    for line in lines:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(0, 10, line)
    return bytes(pdf.output())


def declared(name: str, content: bytes, media_type: str) -> dict[str, Any]:
    return {
        "file_name": name,
        "media_type": media_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def sent(server: RunningSandbox, contact_id: str, name: str, parts: list[tuple[str, bytes, str]]) -> dict[str, Any]:
    """A send opened, its files PUT, submitted."""
    opened = call(
        server, "POST", "/sends", json={"contact_id": contact_id, "name": name, "files": [declared(*p) for p in parts]}
    )
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert body["state"] == "draft"
    for n, (_, content, media_type) in enumerate(parts):
        put = requests.put(
            body["files"][n]["upload_url"], data=content, headers={"Content-Type": media_type}, auth=AUTH, timeout=10
        )
        assert put.status_code == 204, put.text
    submitted = call(server, "POST", f"/sends/{body['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- access ---------------------------------------------------------------------------


def test_wrong_credentials_refused_with_the_error_shape(running: RunningSandbox) -> None:
    for auth in ((DEMO_LOGIN, "wrong"), ("personne@nulle.part", DEMO_PASSWORD)):
        response = call(running, "GET", "/account", auth=auth)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized" and response.json()["message"]
        assert "Basic" in response.headers["WWW-Authenticate"]
    assert requests.get(f"{running.url}/api/v1/contacts", timeout=10).status_code == 401


def test_account_names_the_office_and_its_limits(running: RunningSandbox) -> None:
    body = call(running, "GET", "/account").json()
    assert (body["email"], body["company"]) == (DEMO_LOGIN, "Groupe FICHORGA")
    assert body["limits"]["max_file_size"] == 20 * 1024 * 1024
    assert {"application/pdf", "image/jpeg", "image/png", "image/tiff", "text/plain"} <= set(
        body["limits"]["media_types"]
    )
    control(running, "limits", {"max_file_size": 1000, "media_types": ["application/pdf"]})
    assert call(running, "GET", "/account").json()["limits"] == {
        "max_file_size": 1000,
        "media_types": ["application/pdf"],
    }
    with serve(create_sandbox(max_file_size=1234)) as other:
        assert call(other, "GET", "/account").json()["limits"]["max_file_size"] == 1234
        remove_files(other.sandbox)


def test_accounts_never_see_each_other(running: RunningSandbox) -> None:
    other = ("autre@etude.fr", "pw")
    assert (
        control(running, "accounts", {"email": other[0], "password": other[1], "company": "Étude Autre"}).status_code
        == 201
    )
    mine = contact(running)
    exchange = ask(running, mine["id"])
    assert call(running, "GET", f"/contacts/{mine['id']}", auth=other).status_code == 404
    assert call(running, "GET", f"/exchanges/{exchange['id']}", auth=other).json()["error"] == "not_found"
    assert call(running, "GET", "/contacts", auth=other).json()["contacts"] == []
    assert call(running, "GET", "/exchanges", auth=other).json()["exchanges"] == []
    refused = call(
        running,
        "POST",
        "/requests",
        auth=other,
        json={"contact_id": mine["id"], "document_type": "rib", "label": "RIB"},
    )
    assert refused.status_code == 404
    # The same idempotency key in two accounts is two keys.
    theirs = contact(running, {**MARTIN, "email": "autre.client@free.fr"}, auth=other)
    first = call(
        running,
        "POST",
        "/requests",
        json={"contact_id": mine["id"], "document_type": "other", "label": "A"},
        headers={"Idempotency-Key": "same"},
    )
    second = call(
        running,
        "POST",
        "/requests",
        auth=other,
        json={"contact_id": theirs["id"], "document_type": "other", "label": "B"},
        headers={"Idempotency-Key": "same"},
    )
    assert (first.status_code, second.status_code) == (201, 201) and first.json()["id"] != second.json()["id"]


# --- contacts ---------------------------------------------------------------------------


def test_ds03_person_needs_names_email_and_an_e164_mobile(running: RunningSandbox) -> None:
    created = contact(running)
    assert {k: created[k] for k in MARTIN} == MARTIN
    assert created["establishment"] is None and created["archived"] is False and created["external_ref"] is None
    assert ISO.match(created["created_at"])
    for field, value in (
        ("first_name", ""),
        ("last_name", None),
        ("email", "pas-une-adresse"),
        ("mobile", "06 54 55 99 87"),
        ("mobile", "0654559987"),
        ("mobile", None),
    ):
        bad = call(running, "POST", "/contacts", json={**MARTIN, field: value})
        assert (bad.status_code, bad.json()["error"], bad.json()["field"]) == (422, "invalid", field), (field, value)
        assert bad.json()["message"]
    assert call(running, "POST", "/contacts", json={**MARTIN, "type": "robot"}).json()["field"] == "type"


def test_ds04_organisation_needs_an_establishment_and_no_mobile(running: RunningSandbox) -> None:
    created = contact(running, FONCIA)
    assert (created["establishment"], created["mobile"]) == ("FONCIA", None)
    assert call(running, "POST", "/contacts", json={**FONCIA, "mobile": "+33654559987"}).json()["field"] == "mobile"
    assert call(running, "POST", "/contacts", json={**FONCIA, "establishment": ""}).json()["field"] == "establishment"


def test_ds07_patch_ds09_archive_ds11_unarchive_ds08_delete(running: RunningSandbox) -> None:
    created = contact(running, {**MARTIN, "external_ref": "2950"})
    patched = call(running, "PATCH", f"/contacts/{created['id']}", json={"email": "j.martin@orange.fr"}).json()
    assert (patched["email"], patched["mobile"], patched["external_ref"]) == (
        "j.martin@orange.fr",
        MARTIN["mobile"],
        "2950",
    )
    assert call(running, "PATCH", f"/contacts/{created['id']}", json={"mobile": "06"}).json()["field"] == "mobile"
    assert call(running, "POST", f"/contacts/{created['id']}/archive").json()["archived"] is True
    active = [c["id"] for c in call(running, "GET", "/contacts").json()["contacts"]]
    archived = [c["id"] for c in call(running, "GET", "/contacts", params={"archived": "true"}).json()["contacts"]]
    assert created["id"] not in active and archived == [created["id"]]
    assert call(running, "POST", f"/contacts/{created['id']}/unarchive").json()["archived"] is False
    assert call(running, "DELETE", f"/contacts/{created['id']}").status_code == 204
    assert call(running, "GET", f"/contacts/{created['id']}").status_code == 404
    assert call(running, "GET", "/contacts", params={"archived": "maybe"}).status_code == 422


def test_ds09_archived_contact_used_again_is_active_again(running: RunningSandbox) -> None:
    created = contact(running)
    call(running, "POST", f"/contacts/{created['id']}/archive")
    ask(running, created["id"])
    assert call(running, "GET", f"/contacts/{created['id']}").json()["archived"] is False


def test_ds31_contacts_created_on_the_site_are_unlinked_until_patched(running: RunningSandbox) -> None:
    unlinked = call(running, "GET", "/contacts", params={"archived": "all", "linked": "false"}).json()["contacts"]
    assert [(c["first_name"], c["last_name"], c["email"], c["mobile"]) for c in unlinked] == [
        ("Sophie", "LAURENT", "sophie.laurent@example.fr", "+33612345678")
    ]
    made = control(running, "site-contacts", {"account": DEMO_LOGIN, **FONCIA, "external_ref": "ignored"})
    assert made.status_code == 201 and made.json()["external_ref"] is None
    linked = call(running, "PATCH", f"/contacts/{made.json()['id']}", json={"external_ref": "461"}).json()
    assert linked["external_ref"] == "461"
    assert [c["id"] for c in call(running, "GET", "/contacts", params={"linked": "true"}).json()["contacts"]] == [
        made.json()["id"]
    ]
    assert control(running, "site-contacts", {"account": "inconnu@x.fr", **FONCIA}).status_code == 404


# --- idempotency and the feed -------------------------------------------------------------


def test_idempotency_key_replays_without_doing_it_twice(running: RunningSandbox) -> None:
    created = contact(running)
    body = {"contact_id": created["id"], "document_type": "rib", "label": "RIB"}
    first = call(running, "POST", "/requests", json=body, headers={"Idempotency-Key": "k-1"})
    again = call(running, "POST", "/requests", json=body, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(outbox(running, MARTIN["email"], "email")) == 1
    assert len(call(running, "GET", "/exchanges").json()["exchanges"]) == 1
    other = call(running, "POST", "/requests", json={**body, "label": "autre"}, headers={"Idempotency-Key": "k-1"})
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    elsewhere = call(running, "POST", f"/contacts/{created['id']}/archive", headers={"Idempotency-Key": "k-1"})
    assert elsewhere.json()["error"] == "idempotency_key_reused"
    # A raw upload is keyed on the bytes streamed.
    content = pdf_bytes("Compromis")
    send = call(
        running,
        "POST",
        "/sends",
        json={"contact_id": created["id"], "name": "x", "files": [declared("a.pdf", content, "application/pdf")]},
    ).json()
    for _ in range(2):
        assert (
            call(
                running, "PUT", f"/sends/{send['id']}/files/0", data=content, headers={"Idempotency-Key": "up-1"}
            ).status_code
            == 204
        )
    submit = [
        call(running, "POST", f"/sends/{send['id']}/submit", headers={"Idempotency-Key": "sub-1"}) for _ in range(2)
    ]
    assert [s.json()["state"] for s in submit] == ["sent", "sent"]
    assert len(outbox(running, MARTIN["email"], "email")) == 2


def test_ds20_feed_pages_with_a_cursor(running: RunningSandbox) -> None:
    created = contact(running)
    ids = [ask(running, created["id"], f"Pièce {n}")["id"] for n in range(5)]
    first = call(running, "GET", "/exchanges", params={"limit": 3}).json()
    assert (len(first["exchanges"]), first["has_more"]) == (3, True)
    assert [e["seq"] for e in first["exchanges"]] == sorted(e["seq"] for e in first["exchanges"])
    assert first["cursor"] == str(first["exchanges"][-1]["seq"])
    rest = call(running, "GET", "/exchanges", params={"limit": 3, "cursor": first["cursor"]}).json()
    assert [e["label"] for e in rest["exchanges"]] == ["Pièce 3", "Pièce 4"] and rest["has_more"] is False
    unchanged = call(running, "GET", "/exchanges", params={"cursor": rest["cursor"]}).json()
    assert unchanged["exchanges"] == [] and unchanged["cursor"] == rest["cursor"] and unchanged["has_more"] is False
    # A change (a reminder, a draft send) comes after the cursor, with every README field.
    call(running, "POST", f"/exchanges/{ids[1]}/reminders", json={"channel": "mail"})
    call(
        running,
        "POST",
        "/sends",
        json={
            "contact_id": created["id"],
            "name": "Brouillon",
            "files": [declared("a.pdf", b"%PDF-1.4", "application/pdf")],
        },
    )
    changed = call(running, "GET", "/exchanges", params={"cursor": rest["cursor"]}).json()["exchanges"]
    assert (changed[0]["id"], changed[0]["state"]) == (ids[1], "reminded") and changed[1]["state"] == "draft"
    assert set(changed[0]) >= {
        "id",
        "kind",
        "document_type",
        "label",
        "contact_id",
        "state",
        "created_at",
        "reminded_at",
        "reminder_count",
        "received_at",
        "downloaded_at",
        "file_name",
        "file_size",
        "files",
        "updated_at",
        "seq",
    }
    assert ISO.match(changed[0]["updated_at"]) and ISO.match(changed[0]["reminded_at"])
    assert call(running, "GET", "/exchanges", params={"cursor": "abc"}).json()["field"] == "cursor"
    assert len(call(running, "GET", "/exchanges", params={"limit": 10_000}).json()["exchanges"]) == 6


# --- the contact's side ---------------------------------------------------------------------


def test_ds12_recipient_enters_sms_code_and_uploads_rib(running: RunningSandbox) -> None:
    created = contact(running)
    exchange = ask(running, created["id"], "RIB pour la vente MARTIN")
    assert exchange["state"] == "sent" and exchange["document_type"] == "rib"
    mail = outbox(running, MARTIN["email"], "email")[-1]
    assert "Groupe FICHORGA" in mail["subject"] and "RIB pour la vente MARTIN" in mail["subject"]
    link = link_of(running, MARTIN["email"])
    assert link.startswith(f"{running.url}/r/")
    browser = requests.Session()
    opened = browser.get(link, timeout=10)
    assert (
        opened.status_code == 200 and "code à 6 chiffres reçu par SMS" in opened.text and "name='code'" in opened.text
    )
    browser.get(link, timeout=10)  # reopening does not send another code
    assert len(outbox(running, MARTIN["mobile"], "sms")) == 1
    form = browser.post(link, data={"code": latest_code(running, MARTIN["mobile"])}, timeout=10)
    assert form.status_code == 200 and "multipart/form-data" in form.text and "name='document'" in form.text
    rib = pdf_bytes("RIB de M. Jacques MARTIN")
    uploaded = post_file(browser, f"{link}/upload", "document", rib, "application/pdf", file_name="RIB_MARTIN.pdf")
    assert uploaded.status_code == 201 and "RIB_MARTIN.pdf" in uploaded.text
    after = call(running, "GET", f"/exchanges/{exchange['id']}").json()
    assert (after["state"], after["file_name"], after["file_size"]) == ("received", "RIB_MARTIN.pdf", len(rib))
    assert ISO.match(after["received_at"]) and after["seq"] > exchange["seq"]
    document = call(running, "GET", f"/exchanges/{exchange['id']}/document", params={"version": "original"})
    assert document.status_code == 200 and document.content == rib
    assert "RIB_MARTIN.pdf" in document.headers["Content-Disposition"]
    # RFC 6266 through liasse.disposition: an ASCII fallback and the exact name in UTF-8.
    assert document.headers["Content-Disposition"] == "attachment; filename=\"RIB_MARTIN.pdf\"; filename*=UTF-8''RIB_MARTIN.pdf"
    assert document.headers["X-DocSecure-Received-At"] == after["received_at"]
    # One upload per request.
    again = post_file(browser, f"{link}/upload", "document", rib, "application/pdf", file_name="autre.pdf")
    assert again.status_code == 409


def test_ds12_no_document_before_the_upload(running: RunningSandbox) -> None:
    exchange = ask(running, contact(running)["id"])
    missing = call(running, "GET", f"/exchanges/{exchange['id']}/document")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_ds12_upload_needs_the_code_in_this_browser(running: RunningSandbox) -> None:
    ask(running, contact(running)["id"])
    _, link = verified_browser(running)
    stranger = post_file(
        requests.Session(), f"{link}/upload", "document", pdf_bytes("x"), "application/pdf", file_name="rib.pdf"
    )
    assert stranger.status_code == 403
    assert requests.get(f"{running.url}/r/pas-un-lien", timeout=10).status_code == 404


def test_ds12_three_wrong_codes_lock_the_link_until_a_reminder(running: RunningSandbox) -> None:
    exchange = ask(running, contact(running)["id"])
    link = link_of(running, MARTIN["email"])
    browser = requests.Session()
    browser.get(link, timeout=10)
    code = latest_code(running, MARTIN["mobile"])
    wrong = "000000" if code != "000000" else "111111"
    answers = [browser.post(link, data={"code": wrong}, timeout=10) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 403]
    assert "Il vous reste 2 essais" in answers[0].text and "nouveau lien" in answers[2].text
    assert browser.post(link, data={"code": code}, timeout=10).status_code == 403
    assert browser.get(link, timeout=10).status_code == 403
    call(running, "POST", f"/exchanges/{exchange['id']}/reminders", json={"channel": "mail"})
    assert browser.get(link, timeout=10).status_code == 200
    assert browser.post(link, data={"code": latest_code(running, MARTIN["mobile"])}, timeout=10).status_code == 200


def test_ds12_code_expires_after_ten_minutes(running: RunningSandbox) -> None:
    ask(running, contact(running)["id"])
    link = link_of(running, MARTIN["email"])
    browser = requests.Session()
    browser.get(link, timeout=10)
    code = latest_code(running, MARTIN["mobile"])
    assert browser.post(link, data={"code": "é12345"}, timeout=10).status_code == 401
    control(running, "clock", {"advance_seconds": 601})
    expired = browser.post(link, data={"code": code}, timeout=10)
    assert expired.status_code == 410 and "expiré" in expired.text
    reopened = browser.get(link, timeout=10)
    assert "nouveau code" in reopened.text and len(outbox(running, MARTIN["mobile"], "sms")) == 2
    assert browser.post(link, data={"code": latest_code(running, MARTIN["mobile"])}, timeout=10).status_code == 200


def test_ds04_organisation_gets_its_code_by_email(running: RunningSandbox) -> None:
    org = contact(running, FONCIA)
    call(running, "POST", "/requests", json={"contact_id": org["id"], "document_type": "other", "label": "Bail"})
    page = requests.get(link_of(running, FONCIA["email"]), timeout=10)
    assert "reçu par e-mail" in page.text
    code_mail = outbox(running, FONCIA["email"], "email")[-1]
    assert re.search(r"Votre code DocSecure : \d{6}\b", code_mail["body"])
    assert outbox(running, FONCIA["email"], "sms") == []


def test_ds34_disguised_executable_refused(running: RunningSandbox) -> None:
    exchange = ask(running, contact(running)["id"])
    browser, link = verified_browser(running)
    executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
    refused = post_file(browser, f"{link}/upload", "document", executable, "application/pdf", file_name="rib.pdf")
    assert refused.status_code == 415 and "ne correspond pas" in refused.text and "rib.pdf" in refused.text
    not_a_type = post_file(
        browser, f"{link}/upload", "document", executable, "application/octet-stream", file_name="outil.exe"
    )
    assert not_a_type.status_code == 415
    assert call(running, "GET", f"/exchanges/{exchange['id']}").json()["state"] == "sent"


def test_ds34_recipient_upload_over_the_limit_refused(running: RunningSandbox) -> None:
    control(running, "limits", {"max_file_size": 2000})
    exchange = ask(running, contact(running)["id"])
    browser, link = verified_browser(running)
    big = b"%PDF-1.4\n" + b"0" * 5000
    refused = post_file(browser, f"{link}/upload", "document", big, "application/pdf", file_name="gros.pdf")
    assert refused.status_code == 413 and "2000 octets" in refused.text
    huge = post_file(browser, f"{link}/upload", "document", big * 100, "application/pdf", file_name="énorme.pdf")
    assert huge.status_code == 413
    assert call(running, "GET", f"/exchanges/{exchange['id']}").json()["state"] == "sent"


# --- sends ------------------------------------------------------------------------------------


def test_ds34_send_checks_declared_size_type_and_hash(running: RunningSandbox) -> None:
    control(running, "limits", {"max_file_size": 3000})
    created = contact(running)
    big = {"file_name": "gros.pdf", "media_type": "application/pdf", "size": 3001, "sha256": "0" * 64}
    refused = call(running, "POST", "/sends", json={"contact_id": created["id"], "name": "x", "files": [big]})
    assert (refused.status_code, refused.json()["error"], refused.json()["file_name"]) == (
        413,
        "file_too_large",
        "gros.pdf",
    )
    assert "gros.pdf" in refused.json()["message"] and "3000 octets" in refused.json()["message"]
    exe = {**big, "file_name": "outil.exe", "media_type": "application/x-msdownload", "size": 10}
    refused = call(running, "POST", "/sends", json={"contact_id": created["id"], "name": "x", "files": [exe]})
    assert (refused.status_code, refused.json()["error"]) == (
        415,
        "unsupported_media_type",
    ) and "outil.exe" in refused.json()["message"]
    content = pdf_bytes("Acte")
    send = call(
        running,
        "POST",
        "/sends",
        json={"contact_id": created["id"], "name": "x", "files": [declared("a.pdf", content, "application/pdf")]},
    ).json()
    incomplete = call(running, "POST", f"/sends/{send['id']}/submit")
    assert (incomplete.status_code, incomplete.json()["error"]) == (409, "incomplete_send")
    assert link_of_none(running)
    wrong_hash = call(running, "PUT", f"/sends/{send['id']}/files/0", data=content[:-1] + b"!")
    assert (wrong_hash.status_code, wrong_hash.json()["error"]) == (422, "invalid")
    wrong_size = call(running, "PUT", f"/sends/{send['id']}/files/0", data=content + b"\n")
    assert (wrong_size.status_code, wrong_size.json()["field"]) == (422, "size")
    over = call(running, "PUT", f"/sends/{send['id']}/files/0", data=b"%PDF-" + b"0" * 200_000)
    assert (over.status_code, over.json()["error"]) == (413, "file_too_large")
    form_over = call(
        running,
        "POST",
        f"/sends/{send['id']}/files/0",
        files={"file": ("a.pdf", b"%PDF-" + b"0" * 200_000, "application/pdf")},
    )
    assert (form_over.status_code, form_over.json()["error"]) == (413, "file_too_large")
    disguised = call(running, "PUT", f"/sends/{send['id']}/files/0", data=b"MZ" + content[2:])
    assert (disguised.status_code, disguised.json()["error"]) == (415, "unsupported_media_type")
    assert (
        call(
            running, "POST", f"/sends/{send['id']}/files/0", files={"file": ("a.pdf", content, "application/pdf")}
        ).status_code
        == 204
    )
    assert (
        call(
            running, "PUT", f"/sends/{send['id']}/files/0", data=content, headers={"Content-Type": "application/pdf"}
        ).status_code
        == 204
    )
    assert call(running, "POST", f"/sends/{send['id']}/submit").json()["state"] == "sent"
    assert call(running, "PUT", f"/sends/{send['id']}/files/0", data=content).status_code == 409


def link_of_none(server: RunningSandbox) -> bool:
    """No e-mail went to the contact while the send is a draft."""
    return outbox(server, MARTIN["email"], "email") == []


def test_ds17_send_of_pdfs_downloads_as_one_pdf(running: RunningSandbox) -> None:
    created = contact(running)
    parts = [
        ("Compromis.pdf", pdf_bytes("Compromis p1", "Compromis p2"), "application/pdf"),
        ("Facture.pdf", pdf_bytes("Facture"), "application/pdf"),
    ]
    send = sent(running, created["id"], "Documents / vente MARTIN", parts)
    assert (send["state"], send["file_size"]) == ("sent", sum(len(p[1]) for p in parts))
    mail = outbox(running, MARTIN["email"], "email")[-1]
    assert "Groupe FICHORGA" in mail["subject"] and "Documents / vente MARTIN" in mail["subject"]
    browser, link = verified_browser(running)
    got = browser.get(f"{link}/download", timeout=10)
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf"
    assert "Documents _ vente MARTIN.pdf" in got.headers["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(got.content)).pages) == 3
    after = call(running, "GET", f"/exchanges/{send['id']}").json()
    assert after["state"] == "downloaded" and ISO.match(after["downloaded_at"])
    browser.get(f"{link}/download", timeout=10)
    assert call(running, "GET", f"/exchanges/{send['id']}").json()["downloaded_at"] == after["downloaded_at"]


def test_ds17_mixed_send_downloads_as_zip(running: RunningSandbox) -> None:
    created = contact(running)
    parts = [
        ("Compromis.pdf", pdf_bytes("Compromis"), "application/pdf"),
        ("note.txt", "Note à lire.\n".encode(), "text/plain"),
    ]
    send = sent(running, created["id"], "Pièces", parts)
    assert send["file_name"] == "Pièces.zip"
    browser, link = verified_browser(running)
    got = browser.get(f"{link}/download", timeout=10)
    assert got.status_code == 200 and "Pièces.zip" in unquote(got.headers["Content-Disposition"])
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    assert sorted(archive.namelist()) == ["Compromis.pdf", "note.txt"]
    assert archive.read("note.txt") == parts[1][1]
    assert call(running, "GET", f"/exchanges/{send['id']}").json()["state"] == "downloaded"


def test_ds17_a_lone_pdf_comes_as_it_is_named_after_the_send(running: RunningSandbox) -> None:
    acte = pdf_bytes("Acte")
    send = sent(running, contact(running)["id"], "Acte de vente", [("scan_0042.pdf", acte, "application/pdf")])
    assert send["file_name"] == "Acte de vente.pdf"
    assert requests.get(f"{link_of(running, MARTIN['email'])}/download", timeout=10).status_code == 403
    browser, link = verified_browser(running)
    got = browser.get(f"{link}/download", timeout=10)
    assert got.content == acte and "Acte de vente.pdf" in got.headers["Content-Disposition"]


def test_ds17_pdfs_that_cannot_be_merged_come_as_a_zip(running: RunningSandbox) -> None:
    broken = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    parts = [("a.pdf", broken, "application/pdf"), ("b.pdf", pdf_bytes("B"), "application/pdf")]
    send = sent(running, contact(running)["id"], "Pièces", parts)
    browser, link = verified_browser(running)
    got = browser.get(f"{link}/download", timeout=10)
    assert sorted(zipfile.ZipFile(io.BytesIO(got.content)).namelist()) == ["a.pdf", "b.pdf"]
    assert call(running, "GET", f"/exchanges/{send['id']}").json()["file_name"] == "Pièces.zip"


# --- reminders ---------------------------------------------------------------------------------


def test_ds24_second_reminder_within_24h_refused(running: RunningSandbox) -> None:
    exchange = ask(running, contact(running)["id"])
    first = call(running, "POST", f"/exchanges/{exchange['id']}/reminders", json={"channel": "mail_sms"})
    assert first.status_code == 201 and first.json()["exchange_id"] == exchange["id"]
    assert "Relance" in outbox(running, MARTIN["email"], "email")[-1]["subject"]
    assert len(outbox(running, MARTIN["mobile"], "sms")) == 1
    after = call(running, "GET", f"/exchanges/{exchange['id']}").json()
    assert (after["state"], after["reminder_count"], after["reminded_at"]) == (
        "reminded",
        1,
        first.json()["reminded_at"],
    )
    control(running, "clock", {"advance_seconds": 23 * 3600})
    refused = call(running, "POST", f"/exchanges/{exchange['id']}/reminders", json={"channel": "mail"})
    assert (refused.status_code, refused.json()["error"]) == (409, "reminder_too_soon")
    last = dt.datetime.fromisoformat(first.json()["reminded_at"])
    allowed = dt.datetime.fromisoformat(refused.json()["next_allowed_at"])
    assert allowed - last == dt.timedelta(hours=24)
    paris = ZoneInfo("Europe/Paris")
    assert refused.json()["message"] == (
        f"Une relance a déjà été envoyée le {last.astimezone(paris):%d/%m/%Y à %H:%M} ; "
        f"la prochaine est possible à partir du {allowed.astimezone(paris):%d/%m/%Y à %H:%M}."
    )
    control(running, "clock", {"advance_seconds": 3600})
    second = call(running, "POST", f"/exchanges/{exchange['id']}/reminders", json={"channel": "mail"})
    assert second.status_code == 201
    assert call(running, "GET", f"/exchanges/{exchange['id']}").json()["reminder_count"] == 2
    assert len(outbox(running, MARTIN["mobile"], "sms")) == 1


def test_ds24_organisation_reminded_by_mail_only_and_done_exchanges_not_at_all(running: RunningSandbox) -> None:
    org = contact(running, FONCIA)
    exchange = call(
        running, "POST", "/requests", json={"contact_id": org["id"], "document_type": "other", "label": "Bail"}
    ).json()
    refused = call(running, "POST", f"/exchanges/{exchange['id']}/reminders", json={"channel": "mail_sms"})
    assert (refused.status_code, refused.json()["field"]) == (422, "channel")
    assert (
        call(running, "POST", f"/exchanges/{exchange['id']}/reminders", json={"channel": "fax"}).json()["field"]
        == "channel"
    )
    draft = call(
        running,
        "POST",
        "/sends",
        json={"contact_id": org["id"], "name": "x", "files": [declared("a.pdf", b"%PDF-1", "application/pdf")]},
    ).json()
    assert call(running, "POST", f"/exchanges/{draft['id']}/reminders", json={"channel": "mail"}).status_code == 409


# --- received documents and attestations ----------------------------------------------------------


def test_ds28_timestamped_version_carries_the_mark(running: RunningSandbox) -> None:
    exchange = ask(running, contact(running)["id"])
    browser, link = verified_browser(running)
    post_file(browser, f"{link}/upload", "document", pdf_bytes("RIB"), "application/pdf", file_name="RIB.pdf")
    received_at = call(running, "GET", f"/exchanges/{exchange['id']}").json()["received_at"]
    stamped = call(running, "GET", f"/exchanges/{exchange['id']}/document", params={"version": "timestamped"})
    if stamped.status_code == 404:
        pytest.skip(f"no stamping in this build: {stamped.json()['message']}")
    local = dt.datetime.fromisoformat(received_at).astimezone(ZoneInfo("Europe/Paris"))
    assert f"Reçu via DocSecure le {local:%d/%m/%Y à %H:%M}" in pdf_text(stamped.content)
    assert stamped.headers["X-DocSecure-Received-At"] == received_at
    assert (
        call(running, "GET", f"/exchanges/{exchange['id']}/document", params={"version": "timestamped"}).content
        == stamped.content
    )
    assert (
        call(running, "GET", f"/exchanges/{exchange['id']}/document", params={"version": "autre"}).json()["field"]
        == "version"
    )


def test_ds29_attestation_names_every_field(running: RunningSandbox) -> None:
    created = contact(running)
    sender = {"sender_first_name": "Jean", "sender_last_name": "FICHORGA", "sender_email": "jean.fichorga@fichorga.fr"}
    exchange = ask(running, created["id"], "Merci de me transmettre votre RIB", **sender)
    browser, link = verified_browser(running)
    rib = pdf_bytes("RIB")
    post_file(browser, f"{link}/upload", "document", rib, "application/pdf", file_name="IMG_6388(1).pdf")
    answer = call(running, "GET", f"/exchanges/{exchange['id']}/attestation")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    text = pdf_text(answer.content)
    for expected in (
        "Attestation de demande de document",
        "Édité le ",
        "Nom du document : Merci de me transmettre votre RIB",
        "Statut : Document reçu",
        "Date de demande : ",
        "Date de mise à disposition : ",
        "Nom : MARTIN",
        "Prénom : Jacques",
        "Email : jacques.martin@free.fr",
        "Téléphone : +33654559987",
        "Nom : FICHORGA",
        "Prénom : Jean",
        "Email : jean.fichorga@fichorga.fr",
        "Société : Groupe FICHORGA",
        "Nom du fichier : IMG_6388(1).pdf",
        f"Taille du fichier : {len(rib)} octets",
    ):
        assert expected in text, expected
    assert re.search(r"Date de mise à disposition : \d{2}/\d{2}/\d{4} à \d{2}:\d{2}", text)
    # A send not yet downloaded: its own title, status, and no availability time.
    send = sent(running, created["id"], "Acte", [("Acte.pdf", pdf_bytes("Acte"), "application/pdf")])
    text = pdf_text(call(running, "GET", f"/exchanges/{send['id']}/attestation").content)
    assert "Attestation d'envoi de document" in text and "Statut : Envoyé" in text
    assert "Date de mise à disposition : —" in text and f"Email : {DEMO_LOGIN}" in text


def test_clock_moves_the_dates_the_api_gives(running: RunningSandbox) -> None:
    before = ask(running, contact(running)["id"], "Avant")
    moved = control(running, "clock", {"advance_seconds": 90 * 24 * 3600})
    assert moved.status_code == 200 and ISO.match(moved.json()["now"])
    after = ask(running, contact(running, {**MARTIN, "email": "autre@free.fr"})["id"], "Après")
    gap = dt.datetime.fromisoformat(after["created_at"]) - dt.datetime.fromisoformat(before["created_at"])
    assert dt.timedelta(days=90) <= gap < dt.timedelta(days=90, minutes=1)
    assert control(running, "clock", {"advance_seconds": "demain"}).status_code == 400
