"""ESign's signature flow, plugin against its Yousign v3 sandbox over loopback HTTP (ES-04 … ES-12).

Every call the plugin makes and every answer the sandbox gives is validated
against Yousign's OpenAPI contract (``spec_recorder``); the signers act on
the sandbox's real pages (:class:`~liasse_esign.signer.SandboxSigner`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

import liasse.sandbox
from liasse.errors import ProviderError, ProviderUnavailable
from liasse.records import (
    OutgoingDocument,
    ProviderContext,
    ReminderChannel,
    RemoteState,
    SignatureAuthentication,
    SignatureField,
    SignatureRequestDraft,
    SignerDraft,
)
from liasse.sandbox import RunningSandbox, Sandbox
from liasse.secrets import Secret
from liasse.webhooks.errors import WebhookRejected

from liasse_esign import plugin
from liasse_esign.client import ESignClient
from liasse_esign.sandbox import DEMO_SENDER
from liasse_esign.settings import ESignSettings
from liasse_esign.signer import SandboxSigner

from esign_files import make_pdf, pdf_text

Ctx = ProviderContext[ESignSettings]


def tenant(first: str, last: str, email: str, mobile: str | None, pages: int, *, sms: bool = True) -> SignerDraft:
    """A tenant who signs at the bottom of every page."""
    mode = SignatureAuthentication.OTP_SMS if sms and mobile else SignatureAuthentication.OTP_EMAIL
    fields = tuple(SignatureField(page=p, x=60, y=720, width=180, height=60) for p in range(1, pages + 1))
    return SignerDraft(first, last, email, mobile, mode, fields, role="co_tenant")


def lease(documents: tuple[OutgoingDocument, ...], *signers: SignerDraft) -> SignatureRequestDraft:
    return SignatureRequestDraft(name="Bail d'habitation - 8 rue de la République", documents=documents, signers=signers)


def signer_of(server: RunningSandbox, draft: SignerDraft) -> SandboxSigner:
    return SandboxSigner(server.url, draft.email, draft.mobile)


def test_es08_send_sets_awaiting_signature(esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]) -> None:
    """One request, activated: ongoing at Yousign ("en attente de signature"), each signer invited, the sender told."""
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 3)
    sent = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(3),), alice), "sig-key-1")
    status = plugin.liasse_read_status(esign_ctx, sent.remote_id)
    assert (status.state, status.raw_state) == (RemoteState.OPEN, "ongoing")
    outbox = requests.get(f"{esign_server.url}/_sandbox/outbox", timeout=5).json()
    assert any(m["to"] == "alice@example.fr" and "/sign/" in m["body"] for m in outbox)
    assert any(m["to"] == DEMO_SENDER and m["subject"].startswith("Demande de signature envoyée") for m in outbox)


def test_es12_several_signers_sign_on_the_pages_and_the_pdf_shows_every_signature(
    esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument], tmp_path: Path
) -> None:
    """Two co-tenants (SMS code) and a guarantor (e-mail code) sign one 3-page lease; it is done, signed, stamped."""
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 3)
    bruno = tenant("Bruno", "DURAND", "bruno@example.fr", "+33698765432", 3)
    guarantor = SignerDraft(
        "Marc", "LEFEBVRE", "marc@example.fr", None, SignatureAuthentication.OTP_EMAIL,
        (SignatureField(page=3, x=320, y=720, width=200, height=60),), role="guarantor",
    )
    sent = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(3),), alice, bruno, guarantor), "sig-key-2")
    for draft in (alice, bruno, guarantor):
        outcome = signer_of(esign_server, draft).sign()
        assert outcome.status == 200, outcome.page
    sms = requests.get(f"{esign_server.url}/_sandbox/outbox", params={"channel": "sms"}, timeout=5).json()
    assert {m["to"] for m in sms} == {"+33612345678", "+33698765432"}, "ES-09: an SMS code to each tenant"
    status = plugin.liasse_read_status(esign_ctx, sent.remote_id)
    assert status.state is RemoteState.COMPLETED and status.done_at is not None
    received = plugin.liasse_fetch_document(esign_ctx, sent.remote_id, tmp_path / "in")
    content = received.path.read_bytes()
    assert received.media_type == "application/pdf" and content.startswith(b"%PDF")
    pages = pdf_text(content)
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert "Alice MARTIN" in text and "Bruno DURAND" in text, f"page {number}: both tenants' signatures"
        assert ("Marc LEFEBVRE" in text) == (number == 3)
        assert f"page {number}/3" in text, "the document's own text is kept under the stamps"
    for draft in (alice, bruno, guarantor):
        links = signer_of(esign_server, draft).final_email_links()
        assert links, f"ES-09: {draft.email} gets the final e-mail"
        assert requests.get(links[0], timeout=5).content == content
    trail = plugin.liasse_fetch_attestation(esign_ctx, sent.remote_id, tmp_path / "in")
    assert trail.path.read_bytes().startswith(b"%PDF")


def test_es04_no_sms_code_when_the_template_says_so(esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]) -> None:
    """A signer without SMS verification gets the code by e-mail; no SMS leaves the sandbox."""
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1, sms=False)
    plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice), "sig-key-3")
    assert signer_of(esign_server, alice).sign().status == 200
    assert requests.get(f"{esign_server.url}/_sandbox/outbox", params={"channel": "sms"}, timeout=5).json() == []


def test_es09_signing_needs_the_whole_document_the_consent_and_the_right_code(
    esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]
) -> None:
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
    sent = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice), "sig-key-4")
    person = signer_of(esign_server, alice)
    assert person.sign(read=False, code="000000").status == 400  # the document was not opened
    assert person.sign(consent=False).status == 400
    assert person.sign(code="not-it").status == 400
    assert plugin.liasse_read_status(esign_ctx, sent.remote_id).raw_state == "ongoing"
    assert person.sign().status == 200


def test_es10_declined_cancelled_and_expired_are_statuses(esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]) -> None:
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
    declined = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1, "a.pdf"),), alice), "k-declined")
    assert signer_of(esign_server, alice).decline("Le loyer est faux").status == 200
    assert plugin.liasse_read_status(esign_ctx, declined.remote_id).state is RemoteState.DECLINED

    bruno = tenant("Bruno", "DURAND", "bruno@example.fr", "+33698765432", 1)
    cancelled = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1, "b.pdf"),), bruno), "k-cancelled")
    assert plugin.liasse_cancel_signature(esign_ctx, cancelled.remote_id, "errors_in_document").state is RemoteState.CANCELLED
    with pytest.raises(ProviderError, match="canceled"):
        plugin.liasse_cancel_signature(esign_ctx, cancelled.remote_id, "other")

    carla = tenant("Carla", "PETIT", "carla@example.fr", "+33611223344", 1)
    expired = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1, "c.pdf"),), carla), "k-expired")
    requests.post(f"{esign_server.url}/_sandbox/esign/signature_requests/{expired.remote_id}/expire", timeout=5).raise_for_status()
    assert plugin.liasse_read_status(esign_ctx, expired.remote_id).state is RemoteState.EXPIRED


def test_es08_reminder_reaches_every_waiting_signer(esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]) -> None:
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
    bruno = tenant("Bruno", "DURAND", "bruno@example.fr", "+33698765432", 1)
    sent = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice, bruno), "k-remind")
    assert signer_of(esign_server, alice).sign().status == 200
    plugin.liasse_remind(esign_ctx, sent.remote_id, ReminderChannel.MAIL, "k-remind/1")
    reminders = [m for m in requests.get(f"{esign_server.url}/_sandbox/outbox", timeout=5).json() if m["subject"].startswith("Rappel")]
    assert [m["to"] for m in reminders] == ["bruno@example.fr"]


def test_es08_find_sent_by_external_id_and_a_second_call_sends_nothing_new(
    esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]
) -> None:
    """Yousign takes no idempotency key: the key is the request's external_id, looked up before any re-send."""
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
    assert plugin.liasse_find_sent(esign_ctx, "liasse_request_signature", "k-once") is None
    first = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice), "k-once")
    found = plugin.liasse_find_sent(esign_ctx, "liasse_request_signature", "k-once")
    assert found is not None and found.remote_id == first.remote_id
    again = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice), "k-once")
    assert again.remote_id == first.remote_id
    invitations = requests.get(f"{esign_server.url}/_sandbox/outbox", params={"to": "alice@example.fr"}, timeout=5).json()
    assert len(invitations) == 1


def test_es08_an_interrupted_draft_is_made_again_not_sent_twice(esign_ctx: Ctx, pdf_file: Callable[..., OutgoingDocument]) -> None:
    """A draft left by a crash (created, never activated) is not "sent": find_sent says None; the next call replaces it."""
    client = ESignClient(esign_ctx)
    client._call("POST", "/signature_requests", json={"name": "Bail", "delivery_mode": "email", "external_id": "k-crash"}, expect=(201,))
    assert plugin.liasse_find_sent(esign_ctx, "liasse_request_signature", "k-crash") is None
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
    sent = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice), "k-crash")
    listed = list(client.list_requests(external_id="k-crash"))
    assert [item["id"] for item in listed] == [sent.remote_id]


def test_es11_list_pages_with_cursor_and_status_filters(esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]) -> None:
    client = ESignClient(esign_ctx)
    for number in range(5):
        client._call("POST", "/signature_requests", json={"name": f"Brouillon {number}", "delivery_mode": "email"}, expect=(201,))
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
    plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice), "k-list")
    first = client._json(client._call("GET", "/signature_requests", params={"limit": "2"}), "list")
    assert len(first["data"]) == 2 and first["meta"]["next_cursor"]
    assert len(list(client.list_requests())) == 6
    assert [r["status"] for r in client.list_requests(statuses=["ongoing"])] == ["ongoing"]
    assert len(list(client.list_requests(statuses=["draft", "done"]))) == 5


# --- bad input -------------------------------------------------------------------------


def test_es05_a_field_outside_the_page_is_refused_with_the_page_size(esign_ctx: Ctx, pdf_file: Callable[..., OutgoingDocument]) -> None:
    off = SignerDraft("Alice", "MARTIN", "alice@example.fr", None, SignatureAuthentication.OTP_EMAIL, (SignatureField(page=1, x=500, y=800, width=180, height=60),))
    with pytest.raises(ProviderError, match="595.28×841.89"):
        plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), off), "k-off")
    assert list(ESignClient(esign_ctx).list_requests(external_id="k-off")) == [], "the half-made draft is removed"


@pytest.mark.parametrize(("width", "height", "words"), [(84, 60, "width"), (2001, 60, "width"), (150, 36, "height"), (150, 1001, "height")])
def test_es05_the_sandbox_refuses_fields_outside_the_size_bounds(
    esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument], width: int, height: int, words: str
) -> None:
    """Yousign's bounds (width 85–2000, height 37–1000) answered {type, detail}; sent raw, since the spec forbids such a body."""
    client = ESignClient(esign_ctx)
    created = client._json(client._call("POST", "/signature_requests", json={"name": "Bail", "delivery_mode": "email"}, expect=(201,)), "c")
    document = client._upload(created["id"], pdf_file(1))
    answer = requests.post(
        f"{esign_server.url}/v3/signature_requests/{created['id']}/signers",
        json={
            "info": {"first_name": "Alice", "last_name": "MARTIN", "email": "alice@example.fr", "locale": "fr"},
            "signature_level": "electronic_signature",
            "signature_authentication_mode": "otp_email",
            "fields": [{"document_id": document, "type": "signature", "page": 1, "x": 10, "y": 10, "width": width, "height": height}],
        },
        headers={"Authorization": f"Bearer {esign_ctx.settings.api_key.reveal()}"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"type", "detail"} and words in answer.json()["detail"]


def test_es05_a_page_the_document_does_not_have(esign_ctx: Ctx, pdf_file: Callable[..., OutgoingDocument]) -> None:
    draft = SignerDraft("Alice", "MARTIN", "alice@example.fr", None, SignatureAuthentication.OTP_EMAIL, (SignatureField(4, 10, 10),))
    with pytest.raises(ProviderError, match="3 page"):
        plugin.liasse_request_signature(esign_ctx, lease((pdf_file(3),), draft), "k-page")


def test_es07_the_sandbox_refuses_a_phone_not_in_e164(esign_ctx: Ctx, pdf_file: Callable[..., OutgoingDocument]) -> None:
    draft = SignerDraft("Alice", "MARTIN", "alice@example.fr", "0612345678", SignatureAuthentication.OTP_SMS, (SignatureField(1, 10, 10),))
    with pytest.raises(ProviderError, match="E.164"):
        plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), draft), "k-phone")


def test_es06_a_pdf_that_forbids_modification_is_refused(esign_ctx: Ctx, pdf_file: Callable[..., OutgoingDocument]) -> None:
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import UserAccessPermissions

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(1))))
    writer.encrypt(user_password="", owner_password="owner", permissions_flag=UserAccessPermissions.PRINT)
    locked = io.BytesIO()
    writer.write(locked)
    draft = SignerDraft("Alice", "MARTIN", "alice@example.fr", None, SignatureAuthentication.OTP_EMAIL, (SignatureField(1, 10, 10),))
    with pytest.raises(ProviderError, match="protected against modification"):
        plugin.liasse_request_signature(esign_ctx, lease((pdf_file(content=locked.getvalue()),), draft), "k-locked")


def test_es08_the_sandbox_answers_429_with_retry_after(esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]) -> None:
    """Past the quota Yousign answers 429 with Retry-After; liasse says the provider is busy, to try later."""
    from liasse.http import HttpClient
    from liasse.retries import RetryPolicy

    from liasse_esign.sandbox import API_ROOT, DEMO_API_KEY, create_sandbox

    tight = liasse.sandbox.serve(create_sandbox(per_minute=3, per_hour=200))
    try:
        ctx = ProviderContext(
            provider="esign",
            settings=ESignSettings(base_url=tight.url + API_ROOT, api_key=Secret(DEMO_API_KEY)),
            http=HttpClient("ESign", tight.url + API_ROOT, policy=RetryPolicy(max_attempts=1)),
            user_login="FICH",
            office_name="Groupe FICHORGA",
        )
        draft = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
        with pytest.raises(ProviderUnavailable) as caught:
            plugin.liasse_request_signature(ctx, lease((pdf_file(1),), draft), "k-429")
        assert caught.value.retry_after is not None and caught.value.retry_after > 0
        answer = requests.get(tight.url + API_ROOT + "/workspaces/default", headers={"Authorization": f"Bearer {DEMO_API_KEY}"}, timeout=5)
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
        assert answer.headers["X-RateLimit-Remaining-Minute"] == "0" and answer.json()["message"]
        ctx.http.close()
    finally:
        tight.stop()


def test_es06_a_document_over_50_mb_is_refused_by_the_sandbox(esign_ctx: Ctx, esign_server: RunningSandbox) -> None:
    """A 50 MB + 9 bytes PDF, streamed: Yousign's sentence comes back (liasse checks the size before any call too)."""
    client = ESignClient(esign_ctx)
    created = client._json(client._call("POST", "/signature_requests", json={"name": "Gros", "delivery_mode": "email"}, expect=(201,)), "c")
    big = b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024)
    import io

    from liasse.multipart import FilePart, MultipartBody

    form = MultipartBody([("nature", "signable_document")], [FilePart("file", "gros.pdf", io.BytesIO(big), len(big), "application/pdf")])
    with pytest.raises(ProviderError, match="50 MB"):
        client._call(
            "POST", f"/signature_requests/{created['id']}/documents", data=form,
            headers={"Content-Type": form.content_type, "Content-Length": str(form.len)}, expect=(201,),
        )


# --- webhooks ---------------------------------------------------------------------------


def test_es10_webhooks_are_signed_over_the_raw_body_and_read_into_notices(
    esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]
) -> None:
    """Yousign POSTs signature_request.* events signed with X-Yousign-Signature-256; a forgery is refused."""
    from flask import request as http

    received: list[tuple[dict[str, str], bytes]] = []
    arrived = threading.Event()
    sink = Sandbox("sink", "Sink")

    @sink.app.post("/hook")
    def _hook() -> Any:
        received.append(({k.lower(): v for k, v in http.headers.items()}, http.get_data()))
        arrived.set()
        return "", 204

    served = liasse.sandbox.serve(sink)
    try:
        subscription_id, secret = ESignClient(esign_ctx).subscribe_webhook(served.url + "/hook")
        assert subscription_id and len(secret) == 32
        alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
        sent = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice), "k-hook")
        assert signer_of(esign_server, alice).sign().status == 200
        sender = esign_server.sandbox.app.config["ESIGN_WEBHOOKS"]
        assert sender.wait_idle(10)
    finally:
        served.stop()
    ctx = ProviderContext(provider="esign", settings=ESignSettings(base_url=esign_ctx.settings.base_url, api_key=esign_ctx.settings.api_key, webhook_secrets=(Secret(secret),)), http=esign_ctx.http, user_login="", office_name="")
    notices = [plugin.liasse_read_webhook(ctx, headers, body) for headers, body in received]
    assert [n.kind for n in notices] == ["signature_request.activated", "signer.done", "signature_request.done"]
    assert all(n.remote_ids == (sent.remote_id,) for n in notices)
    assert len({n.event_id for n in notices}) == 3
    headers, body = received[-1]
    tampered = body.replace(b'"done"', b'"canceled"', 1)
    with pytest.raises(WebhookRejected):
        plugin.liasse_read_webhook(ctx, headers, tampered)
    assert json.loads(body)["data"]["signature_request"]["status"] == "done"


def test_es06_more_than_50_documents_is_refused_by_the_sandbox(esign_ctx: Ctx, pdf_file: Callable[..., OutgoingDocument]) -> None:
    client = ESignClient(esign_ctx)
    created = client._json(client._call("POST", "/signature_requests", json={"name": "Annexes", "delivery_mode": "email"}, expect=(201,)), "c")
    document = pdf_file(1)
    for _ in range(50):
        client._upload(created["id"], document)
    with pytest.raises(ProviderError, match="at most 50 documents"):
        client._upload(created["id"], document)


def test_es10_sync_pages_the_sent_requests_statuses(esign_ctx: Ctx, esign_server: RunningSandbox, pdf_file: Callable[..., OutgoingDocument]) -> None:
    alice = tenant("Alice", "MARTIN", "alice@example.fr", "+33612345678", 1)
    sent = plugin.liasse_request_signature(esign_ctx, lease((pdf_file(1),), alice), "k-sync")
    ESignClient(esign_ctx)._call("POST", "/signature_requests", json={"name": "Brouillon", "delivery_mode": "email"}, expect=(201,))
    page = plugin.liasse_sync_status(esign_ctx, None)
    assert [(u.remote_id, u.state) for u in page.updates] == [(sent.remote_id, RemoteState.OPEN)], "drafts are not sent"
    assert page.cursor is None and not page.has_more
