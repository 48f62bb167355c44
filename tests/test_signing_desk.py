"""The e-signature story through liasse's Python API, end to end over loopback HTTP (ES-02 … ES-12).

The office runs against ESign's Yousign sandbox; signers sign on the
sandbox's pages (:class:`liasse_esign.signer.SandboxSigner`); the signed
PDF comes back through the intake pipeline onto the event's owner account.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from liasse_hostapi.records import OwnerKind, OwnerRef, PartyRole

from liasse.app import Liasse
from liasse.demo import DEMO_USER
from liasse.errors import IllegalTransition, PhoneInvalid
from liasse.signing import Placement, SigningDesk
from liasse.signing.errors import LineNotDeletable, NoSigner, NotEditable, PlacementOutside, RoleExcluded, SignerEmailMissing
from liasse.signing.placement import PageBox, from_provider, page_boxes, to_provider
from liasse.states import SignatureState

from liasse_esign.signer import SandboxSigner

COLOCATION = 4  # the reference host's lease for two co-tenants and a guarantor


@pytest.fixture
def office(liasse_office: Callable[..., Liasse], monkeypatch: pytest.MonkeyPatch) -> Liasse:
    monkeypatch.delenv("LIASSE_LANG", raising=False)
    return liasse_office("esign")


@pytest.fixture
def desk(office: Liasse) -> SigningDesk:
    return SigningDesk(office, "esign", DEMO_USER)


def server_url(desk: SigningDesk) -> str:
    return desk.ctx.settings.base_url.removesuffix("/v3")


def test_es06_a_file_from_an_event_is_rendered_timestamped_and_to_send(desk: SigningDesk) -> None:
    made = desk.create_from_event(COLOCATION)
    assert made.state is SignatureState.TO_SEND and made.state.label("fr") == "0 - À envoyer"
    assert Path(desk.document(made.id)).read_bytes().startswith(b"%PDF")
    assert made.proof_path is not None and Path(made.proof_path).stat().st_size > 0, "ES-06: RFC 3161 token"
    assert [s.role for s in made.signers] == ["co_tenant", "co_tenant", "guarantor"]
    assert [s.mobile for s in made.signers] == ["+33612345678", "+33798765432", "+33655443322"], "ES-07: E.164"
    pages = len(page_boxes(Path(desk.document(made.id)).read_bytes()))
    assert pages >= 1
    for tenant in made.signers[:2]:
        assert [p.page for p in tenant.placements] == list(range(1, pages + 1)), "ES-05: one box per page"
    assert [p.page for p in made.signers[2].placements] == [pages], "the guarantor signs the last page"


def test_es12_the_whole_story_three_signers_sign_and_the_signed_pdf_is_archived(desk: SigningDesk, office: Liasse) -> None:
    made = desk.create_from_event(COLOCATION)
    sent = desk.send(made.id)
    assert sent.state is SignatureState.AWAITING and sent.remote_id and sent.sent_at
    base = server_url(desk)
    for signer in sent.signers:
        outcome = SandboxSigner(base, signer.email, signer.mobile).sign()
        assert outcome.status == 200, outcome.page
    report = desk.poll()
    assert report.changed == (made.id,) and report.archived == (made.id,)
    signed = desk.file(made.id)
    assert signed.state is SignatureState.SIGNED and signed.signed_at is not None and signed.attachment_id
    attachments = office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, signed.account_number))
    archived = [a for a in attachments if a.id == signed.attachment_id]
    assert archived and archived[0].title.startswith("Bail de colocation signé")
    content = Path(desk.document(made.id)).read_bytes()
    import io

    from pypdf import PdfReader

    texts = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    for text in texts:
        assert "Léa BERNARD" in text and "Hugo MOREAU" in text, "ES-05: the tenants' signatures on every page"
    assert "Claire BERNARD" in texts[-1]
    assert desk.files(states=[SignatureState.SIGNED]) == [signed], "ES-11: filtered by status"
    assert desk.files(states=[SignatureState.TO_SEND]) == []


def test_es08_sending_twice_sends_once_and_a_lost_answer_is_reconciled_by_external_id(desk: SigningDesk) -> None:
    made = desk.create_from_event(COLOCATION)
    first = desk.send(made.id)
    assert desk.send(made.id).remote_id == first.remote_id
    invitations = requests.get(f"{server_url(desk)}/_sandbox/outbox", params={"to": "lea.bernard@gmail.com"}, timeout=5).json()
    assert len(invitations) == 1


def test_es08_a_send_interrupted_after_the_call_is_found_not_sent_again(desk: SigningDesk, office: Liasse) -> None:
    """The call reached Yousign but the answer was lost: the row stays attempted; the next send reconciles."""
    import sqlalchemy as sa

    from liasse.store.models import OutboxEntry
    from liasse.store.models import SignatureFile as FileRow

    made = desk.create_from_event(COLOCATION)
    desk.send(made.id)
    with office.store.session() as session:
        # As if the process died after Yousign activated it, before liasse recorded anything.
        row = session.get(FileRow, made.id)
        remote = row.remote_id
        row.state, row.remote_id = SignatureState.TO_SEND.value, None
        entry = session.scalars(sa.select(OutboxEntry).where(OutboxEntry.operation == "liasse_request_signature")).one()
        entry.status = "pending"
    again = desk.send(made.id)
    assert again.remote_id == remote and again.state is SignatureState.AWAITING
    invitations = requests.get(f"{server_url(desk)}/_sandbox/outbox", params={"to": "lea.bernard@gmail.com"}, timeout=5).json()
    assert len(invitations) == 1, "found by external_id, never sent twice"


def test_es10_declined_and_cancelled_files(desk: SigningDesk) -> None:
    declined = desk.send(desk.create_from_event(COLOCATION).id)
    assert SandboxSigner(server_url(desk), "hugo.moreau@outlook.fr").decline("Loyer erroné").status == 200
    desk.refresh(declined.id)
    assert desk.file(declined.id).state is SignatureState.DECLINED
    cancelled = desk.send(desk.create_from_event(COLOCATION).id)
    assert desk.cancel(cancelled.id, "errors_in_document").state is SignatureState.CANCELLED
    with pytest.raises(IllegalTransition):
        desk.cancel(cancelled.id)


def test_es08_reminder_goes_to_the_signers_still_waiting(desk: SigningDesk) -> None:
    sent = desk.send(desk.create_from_event(COLOCATION).id)
    assert SandboxSigner(server_url(desk), "lea.bernard@gmail.com", "+33612345678").sign().status == 200
    desk.remind(sent.id)
    outbox = requests.get(f"{server_url(desk)}/_sandbox/outbox", timeout=5).json()
    assert sorted(m["to"] for m in outbox if m["subject"].startswith("Rappel")) == ["claire.bernard@wanadoo.fr", "hugo.moreau@outlook.fr"]


def test_es04_a_template_without_sms_sends_codes_by_email(desk: SigningDesk) -> None:
    """The council's template has no SMS code: the president signs with the code by e-mail."""
    made = desk.create_from_event(3)
    assert made.no_sms
    marie = next(s for s in made.signers if s.last_name == "DUPONT")
    with pytest.raises(SignerEmailMissing, match="Marie DUPONT .* n'a pas d'adresse e-mail"):
        desk.send(made.id)
    assert desk.file(made.id).state is SignatureState.TO_SEND
    desk.edit_signer(made.id, marie.id, email="marie.dupont@example.fr")
    sent = desk.send(made.id)
    president = sent.signers[0]
    assert SandboxSigner(server_url(desk), president.email, president.mobile).sign().status == 200
    assert requests.get(f"{server_url(desk)}/_sandbox/outbox", params={"channel": "sms"}, timeout=5).json() == []


# --- ES-05, ES-07, ES-11: editing before sending ---------------------------------------------


def test_es07_signers_are_editable_before_sending_and_phones_become_e164(desk: SigningDesk) -> None:
    made = desk.create_from_event(COLOCATION)
    lea = made.signers[0]
    edited = desk.edit_signer(made.id, lea.id, last_name="BERNARD-PETIT", mobile="+33 (0)6 01 02 03 04")
    assert edited.signers[0].last_name == "BERNARD-PETIT" and edited.signers[0].mobile == "+33601020304"
    desk.send(made.id)
    with pytest.raises(NotEditable, match="avant l'envoi"):
        desk.edit_signer(made.id, lea.id, first_name="Léa")


@pytest.mark.parametrize("phone", ["12", "02 38 53 12 34"])
def test_es07_a_phone_that_cannot_be_made_e164_is_refused_and_the_file_kept(desk: SigningDesk, phone: str) -> None:
    made = desk.create_from_event(COLOCATION)
    with pytest.raises(PhoneInvalid) as caught:
        desk.edit_signer(made.id, made.signers[0].id, mobile=phone)
    assert "portable" in caught.value.message("fr") and "mobile" in caught.value.message("en")
    assert desk.file(made.id) == made


def test_es05_free_slots_add_a_signer_and_only_added_lines_are_deletable(desk: SigningDesk) -> None:
    made = desk.create_from_event(COLOCATION)
    added = desk.add_signer(
        made.id, role=PartyRole.EVENT_THIRD_PARTY, first_name="Paul", last_name="GIRARD",
        email="paul.girard@laposte.net", mobile=None, placements=[Placement(page=1, x_mm=120, y_mm=80)],
    )
    extra = added.signers[-1]
    assert extra.added and len(added.signers) == 4
    with pytest.raises(LineNotDeletable, match="seules les lignes ajoutées"):
        desk.delete_signer(made.id, made.signers[0].id)
    assert len(desk.delete_signer(made.id, extra.id).signers) == 3


def test_es03_a_role_exclusion_broken_is_refused_with_the_rule(desk: SigningDesk) -> None:
    made = desk.create_from_event(COLOCATION)
    with pytest.raises(RoleExcluded) as caught:
        desk.add_signer(made.id, role=PartyRole.TENANT, first_name="Jean", last_name="NOEL", email="j.noel@example.fr", mobile=None, placements=[])
    assert "colocataires excluent le locataire" in caught.value.message("fr")
    assert "co-tenants exclude the tenant" in caught.value.message("en")
    assert desk.file(made.id) == made


def test_es08_no_signer_is_refused_before_any_call(desk: SigningDesk) -> None:
    made = desk.create_from_event(COLOCATION)
    import sqlalchemy as sa

    from liasse.store.models import SignatureSigner

    with desk.liasse.store.session() as session:
        # Template lines cannot be deleted from the desk: a host template with no party in its roles gives this.
        session.execute(sa.delete(SignatureSigner).where(SignatureSigner.file_id == made.id))
    with pytest.raises(NoSigner, match="aucun signataire"):
        desk.send(made.id)
    assert desk.file(made.id).state is SignatureState.TO_SEND


@pytest.mark.parametrize(
    ("box", "words"),
    [
        (Placement(page=1, x_mm=180, y_mm=15), "sort de la page"),
        (Placement(page=9, x_mm=20, y_mm=15), "n'a que"),
        (Placement(page=1, x_mm=20, y_mm=15, width_mm=20), "tailles admises"),
        (Placement(page=1, x_mm=20, y_mm=15, height_mm=800), "tailles admises"),
    ],
)
def test_es05_a_box_outside_the_page_or_the_bounds_is_refused_and_the_file_kept(desk: SigningDesk, box: Placement, words: str) -> None:
    made = desk.create_from_event(COLOCATION)
    with pytest.raises(PlacementOutside, match=words):
        desk.set_placements(made.id, made.signers[0].id, [box])
    assert desk.file(made.id) == made


def test_es05_coordinates_convert_between_the_hosts_bottom_left_mm_and_yousigns_top_left_points() -> None:
    """A4 portrait then A4 landscape: the same host box lands at the right top-left points on each page."""
    pages = [PageBox(595.28, 841.89), PageBox(841.89, 595.28)]
    portrait = to_provider("Léa", 1, 20, 15, 60, 25, pages)
    landscape = to_provider("Léa", 2, 20, 15, 60, 25, pages)
    assert (portrait.x, portrait.width, portrait.height) == (57, 170, 71)
    assert portrait.y == round(841.89 - 40 * 72 / 25.4) == 729
    assert landscape.y == round(595.28 - 40 * 72 / 25.4) == 482
    back = from_provider(landscape, pages)
    assert [round(v) for v in back] == [20, 15, 60, 25]


def test_es05_placements_on_a_multi_page_document_land_where_the_host_put_them(desk: SigningDesk) -> None:
    """The sandbox draws each box at Yousign's coordinates; reading the signed PDF's text positions proves the conversion."""
    made = desk.create_from_event(COLOCATION)
    pages = page_boxes(Path(desk.document(made.id)).read_bytes())
    sent = desk.send(made.id)
    for signer in sent.signers:
        assert SandboxSigner(server_url(desk), signer.email, signer.mobile).sign().status == 200
    desk.poll()
    from pypdf import PdfReader

    reader = PdfReader(str(desk.document(made.id)))
    for number, page in enumerate(reader.pages, start=1):
        found: list[tuple[float, float]] = []

        def visit(text: str, cm: Any, tm: Any, font: Any, size: Any, found: list[tuple[float, float]] = found) -> None:
            if text.strip() == "Léa BERNARD":  # the stamp's line, not the letter's own mention
                # The page position is the text matrix through the current transformation (the merge's).
                found.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

        page.extract_text(visitor_text=visit)
        assert found, f"page {number}"
        x, y = found[0]
        # The host put Léa's box 20 mm from the left, its bottom 15 mm up, 25 mm tall: the name's line is inside it.
        assert 20 * 72 / 25.4 <= x <= 80 * 72 / 25.4
        assert 15 * 72 / 25.4 <= y <= 40 * 72 / 25.4, (number, y, pages[number - 1])


def test_es10_retrieval_by_webhook_signed_over_the_raw_body(tmp_path: Path) -> None:
    """Yousign POSTs to liasse's receiver; the worker re-reads the file and archives it; a forgery gets 400."""
    from liasse.testing.webhooks import webhook_office, wait_for

    from liasse_esign.client import ESignClient

    with webhook_office(tmp_path, "esign", {"webhook_secrets": '["$file:secrets/esign_webhook"]'}) as office:
        office.write_secret("esign_webhook", "0" * 32)  # until Yousign gives the subscription's own
        desk = SigningDesk(office.liasse, "esign", DEMO_USER)
        _, secret = ESignClient(desk.ctx).subscribe_webhook(office.receiver.endpoint("esign"))
        office.write_secret("esign_webhook", secret)
        made = desk.create_from_event(COLOCATION)
        sent = desk.send(made.id)
        for signer in sent.signers:
            assert SandboxSigner(office.sandbox.url, signer.email, signer.mobile).sign().status == 200
        assert wait_for(lambda: desk.file(made.id).state is SignatureState.SIGNED, timeout=20)
        assert desk.file(made.id).attachment_id is not None
        forged = requests.post(
            office.receiver.endpoint("esign"),
            data=b'{"event_id":"x","event_name":"signature_request.done","data":{"signature_request":{"id":"y"}}}',
            headers={"Content-Type": "application/json", "X-Yousign-Signature-256": "sha256=" + "0" * 64},
            timeout=5,
        )
        assert forged.status_code == 400


def test_es08_the_provider_answering_429_leaves_the_file_to_send_with_the_reason(desk: SigningDesk) -> None:
    """Yousign busy (429, Retry-After 30 s): one sentence, nothing lost, the file still "à envoyer"; the next send goes."""
    from liasse.errors import ProviderUnavailable

    made = desk.create_from_event(COLOCATION)
    armed = requests.post(
        f"{server_url(desk)}/_sandbox/faults",
        json={"kind": "status", "status": 429, "retry_after": 30, "path": "/v3/signature_requests", "method": "GET", "times": 5},
        timeout=5,
    )
    assert armed.status_code < 300
    with pytest.raises(ProviderUnavailable) as caught:
        desk.send(made.id)
    assert "réessayez" in caught.value.message("fr")
    kept = desk.file(made.id)
    assert kept.state is SignatureState.TO_SEND and kept.remote_id is None and kept.last_error
    requests.delete(f"{server_url(desk)}/_sandbox/faults", timeout=5)
    assert desk.send(made.id).state is SignatureState.AWAITING


def test_es06_a_document_over_50_mb_is_refused_before_any_call(desk: SigningDesk, office: Liasse) -> None:
    from liasse.errors import FileRefused
    from liasse.store.models import SignatureFile as FileRow

    made = desk.create_from_event(COLOCATION)
    with office.store.session() as session:
        # The host rendered a 51 MB letter (scanned annexes): the size is what liasse checks first.
        session.get(FileRow, made.id).file_size = 51 * 1024 * 1024
    with pytest.raises(FileRefused, match="50 Mo"):
        desk.send(made.id)
    assert desk.file(made.id).state is SignatureState.TO_SEND
    journal = requests.get(f"{server_url(desk)}/_sandbox/requests", params={"path": "/v3/signature_requests"}, timeout=5).json()
    assert journal == [], "nothing reached Yousign"


def test_es10_a_replayed_webhook_is_applied_once(tmp_path: Path) -> None:
    """The same signed delivery posted again (same event_id) is acknowledged and not recorded twice."""
    import sqlalchemy as sa

    from liasse.store.models import WebhookEvent
    from liasse.testing.webhooks import wait_for, webhook_office

    from liasse_esign.client import ESignClient

    with webhook_office(tmp_path, "esign", {"webhook_secrets": '["$file:secrets/esign_webhook"]'}) as office:
        office.write_secret("esign_webhook", "0" * 32)
        desk = SigningDesk(office.liasse, "esign", DEMO_USER)
        _, secret = ESignClient(desk.ctx).subscribe_webhook(office.receiver.endpoint("esign"))
        office.write_secret("esign_webhook", secret)
        made = desk.send(desk.create_from_event(COLOCATION).id)
        sender = office.sandbox.sandbox.app.config["ESIGN_WEBHOOKS"]
        assert sender.wait_idle(10)
        delivery = sender.deliveries()[0]
        headers = sender.headers(delivery)
        for _ in range(2):
            again = requests.post(office.receiver.endpoint("esign"), data=delivery.body, headers=headers, timeout=5)
            assert again.status_code < 300
        with office.liasse.store.session() as session:
            events = session.scalars(sa.select(WebhookEvent).where(WebhookEvent.event_id == delivery.event_id)).all()
        assert len(events) == 1
        assert wait_for(lambda: desk.file(made.id).state is SignatureState.AWAITING)


def test_fw03_every_signing_step_is_in_the_audit_log_with_its_account(desk: SigningDesk, office: Liasse) -> None:
    from liasse.audit import Action, Outcome, entries

    made = desk.create_from_event(COLOCATION)
    with pytest.raises(PhoneInvalid):
        desk.edit_signer(made.id, made.signers[0].id, mobile="12")
    desk.send(made.id)
    logged = [(e.action, e.outcome, e.account_number, e.target) for e in entries(office.store, provider="esign")]
    assert (Action.SIGNATURE_CREATE, Outcome.OK, "97974", f"signature file {made.id}") in logged
    assert any(a is Action.SIGNATURE_EDIT and o is not Outcome.OK for a, o, _, _ in logged), "a refusal is an entry too"
    assert any(a is Action.SIGNATURE_SEND and o is Outcome.OK for a, o, _, _ in logged)
