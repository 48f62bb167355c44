"""Following a sent file: reminder, cancellation, the sync page, the proof file, a lost answer reconciled."""

from __future__ import annotations

import pytest
import requests

from liasse.errors import ProviderError
from liasse.records import RemoteState
from liasse.signing import Placement
from liasse.states import SignatureState

from conftest import USER, Office
from jse_helpers import Signer, make_pdf, store_file
from liasse_jesignexpert import plugin
from liasse_jesignexpert.client import JesignexpertClient

BOX = Placement(page=1, x_mm=20, y_mm=30, width_mm=70, height_mm=25)
OTHER = Placement(page=1, x_mm=110, y_mm=30, width_mm=70, height_mm=25)


def sent_to_two(office: Office) -> tuple[int, Signer, Signer]:
    desk = office.desk()
    made = desk.create_from_attachment(store_file(office.liasse, office.folder, make_pdf(1)).id)
    desk.add_signer(made.id, role="client", first_name="Jacques", last_name="MARTIN", email="jacques.martin@free.fr", mobile="06 54 55 99 87", placements=[BOX])
    desk.add_signer(made.id, role="client", first_name="Sophie", last_name="MARTIN", email="sophie.martin@free.fr", mobile="06 98 76 54 32", placements=[OTHER])
    assert desk.send(made.id).state is SignatureState.AWAITING
    return made.id, Signer(office.url, "jacques.martin@free.fr", "+33654559987"), Signer(office.url, "sophie.martin@free.fr", "+33698765432")


def test_js03_the_reminder_reaches_only_who_has_not_signed(office: Office) -> None:
    file_id, jacques, sophie = sent_to_two(office)
    assert jacques.sign_all_the_way().status_code == 200
    office.desk().remind(file_id)
    assert [m["subject"] for m in sophie.outbox(sophie.email, "email") if str(m["subject"]).startswith("Rappel")]
    assert not [m for m in jacques.outbox(jacques.email, "email") if str(m["subject"]).startswith("Rappel")]


def test_js02_a_cancelled_file_closes_the_signers_pages(office: Office) -> None:
    file_id, jacques, _sophie = sent_to_two(office)
    cancelled = office.desk().cancel(file_id)
    assert cancelled.state is SignatureState.CANCELLED
    page = jacques.open()
    assert page.status_code == 410 and "annulée" in page.text


def test_js04_the_sync_page_and_the_proof_file_of_a_signed_file(office: Office) -> None:
    file_id, jacques, sophie = sent_to_two(office)
    ctx = office.liasse.context("jesignexpert", USER)
    remote_id = office.desk().file(file_id).remote_id
    assert remote_id is not None
    page = plugin.liasse_sync_status(ctx, None)
    assert [(u.remote_id, u.state) for u in page.updates] == [(remote_id, RemoteState.OPEN)] and not page.has_more
    for person in (jacques, sophie):
        assert person.sign_all_the_way().status_code == 200
    assert plugin.liasse_sync_status(ctx, None).updates[0].state is RemoteState.COMPLETED
    proof = plugin.liasse_fetch_attestation(ctx, remote_id, office.folder / "proof")
    assert proof.path.read_bytes().startswith(b"%PDF") and proof.file_name == f"preuve_{remote_id}.pdf"


def test_js02_an_answer_lost_mid_send_leaves_a_draft_the_next_send_replaces(office: Office) -> None:
    """An answer cut after Jesignexpert acted: the next send looks the key up first, and one transaction is started."""
    desk = office.desk()
    made = desk.create_from_attachment(store_file(office.liasse, office.folder, make_pdf(1)).id)
    desk.add_signer(made.id, role="client", first_name="Jacques", last_name="MARTIN", email="jacques.martin@free.fr", mobile="06 54 55 99 87", placements=[BOX])
    fault = {"kind": "truncate", "path": "/v1/transactions/", "method": "POST", "times": 1}
    requests.post(f"{office.url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()
    with pytest.raises(ProviderError):
        desk.send(made.id)
    journal = requests.get(f"{office.url}/_sandbox/requests", params={"method": "POST"}, timeout=5).json()
    assert [e["fault"] for e in journal if e["fault"]] == ["truncate"], "the answer was cut after the sandbox acted"
    kept = desk.file(made.id)
    assert kept.state is SignatureState.TO_SEND and kept.last_error
    sent = desk.send(made.id)
    assert sent.state is SignatureState.AWAITING
    ctx = office.liasse.context("jesignexpert", USER)
    assert [t["state"] for t in JesignexpertClient(ctx).list_transactions()] == ["started"], "the half-made draft is gone"
    jacques = Signer(office.url, "jacques.martin@free.fr", "+33654559987")
    assert len([m for m in jacques.outbox(jacques.email, "email") if "/sign/" in str(m["body"])]) == 1


def test_js02_find_sent_knows_only_started_transactions_of_its_key(office: Office) -> None:
    ctx = office.liasse.context("jesignexpert", USER)
    client = JesignexpertClient(ctx)
    client._call("POST", "/transactions", data={"name": "Brouillon", "external_id": "k-draft"})
    assert plugin.liasse_find_sent(ctx, "liasse_request_signature", "k-draft") is None, "a draft is not sent"
    assert plugin.liasse_find_sent(ctx, "liasse_send_documents", "k-draft") is None, "only signature sends are Jesignexpert's"
    file_id, _jacques, _sophie = sent_to_two(office)
    remote_id = office.desk().file(file_id).remote_id
    keys = {t["external_id"]: t["id"] for t in client.list_transactions(states=["started"])}
    (key,) = keys
    found = plugin.liasse_find_sent(ctx, "liasse_request_signature", key)
    assert found is not None and found.remote_id == remote_id
