"""Each bad input gets its sentence, and nothing is lost (JS-02, JS-03, JS-05).

A 10 MB file, a file that is not a PDF, a signer without phone or name, a
wrong SMS code, a collection past its 15 days, Jesignexpert down: each is
refused with a sentence that says what to fix, in French and English, and
the signature file stays in its last good state.
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest
import requests

from liasse.errors import FieldMissing, FileRefused, ProviderError, ProviderUnavailable
from liasse.multipart import FilePart, MultipartBody, post_file
from liasse.records import OutgoingDocument, SignatureAuthentication, SignatureField, SignatureRequestDraft, SignerDraft
from liasse.signing import Placement
from liasse.states import SignatureState

from conftest import USER, Office
from jse_helpers import Signer, make_pdf, store_file
from liasse_jesignexpert import plugin
from liasse_jesignexpert.client import MAX_DOCUMENT_BYTES, JesignexpertClient, PhoneMandatory

BOX = Placement(page=1, x_mm=20, y_mm=30, width_mm=70, height_mm=25)
PHONE = "+33654559987"


def journal(office: Office, path: str, method: str = "POST") -> list[dict[str, object]]:
    answer = requests.get(f"{office.url}/_sandbox/requests", params={"path": path, "method": method}, timeout=5)
    return list(answer.json())


def awaiting_file(office: Office) -> tuple[int, Signer]:
    """A one-page file sent to Jacques MARTIN, awaiting his signature."""
    desk = office.desk()
    made = desk.create_from_attachment(store_file(office.liasse, office.folder, make_pdf(1)).id)
    desk.add_signer(made.id, role="client", first_name="Jacques", last_name="MARTIN", email="jacques.martin@free.fr", mobile="06 54 55 99 87", placements=[BOX])
    assert desk.send(made.id).state is SignatureState.AWAITING
    return made.id, Signer(office.url, "jacques.martin@free.fr", PHONE)


def big_pdf(size: int) -> bytes:
    content = b"%PDF-1.4\n" + b"0" * (size - 9)
    assert len(content) == size
    return content


# --- JS-02: the file -------------------------------------------------------------------


def test_js02_a_file_of_10_mb_is_refused_when_chosen_with_the_limit(office: Office) -> None:
    stored = store_file(office.liasse, office.folder, big_pdf(MAX_DOCUMENT_BYTES))
    with pytest.raises(FileRefused) as caught:
        office.desk().create_from_attachment(stored.id)
    assert "moins de 10 Mo" in caught.value.message("fr") and "under 10 MB" in caught.value.message("en")
    assert office.desk().files() == [] and journal(office, "/v1/files") == []


def test_js02_the_plugin_refuses_a_10_mb_pdf_before_any_upload(office: Office) -> None:
    """Whoever calls the hook: checked on disk before the first request."""
    path = office.folder / "gros.pdf"
    path.write_bytes(big_pdf(MAX_DOCUMENT_BYTES))
    draft = _draft(OutgoingDocument(path=path, file_name="gros.pdf", media_type="application/pdf", size=MAX_DOCUMENT_BYTES, sha256="0" * 64))
    with pytest.raises(FileRefused, match="moins de 10 Mo"):
        plugin.liasse_request_signature(office.liasse.context("jesignexpert", USER), draft, "k-big")
    assert journal(office, "/v1/") == []


def test_js02_the_sandbox_itself_refuses_10_mb_with_its_sentence(office: Office) -> None:
    """Jesignexpert's own refusal (413) reaches the user as a sentence, should a file get past the checks."""
    content = big_pdf(MAX_DOCUMENT_BYTES)
    client = JesignexpertClient(office.liasse.context("jesignexpert", USER))
    form = MultipartBody([], [FilePart("file", "gros.pdf", io.BytesIO(content), len(content), "application/pdf")])
    with pytest.raises(ProviderError) as caught:
        client._call("POST", "/files", data=form, headers={"Content-Type": form.content_type, "Content-Length": str(form.len)})
    assert "moins de 10 Mo" in caught.value.message("fr")


def test_js02_a_stored_file_that_is_not_a_pdf_is_refused(office: Office) -> None:
    stored = store_file(office.liasse, office.folder, b"\x89PNG\r\n\x1a\n image", name="scan.png", media_type="image/png")
    with pytest.raises(FileRefused) as caught:
        office.desk().create_from_attachment(stored.id)
    assert "scan.png" in caught.value.message("fr") and "application/pdf" in caught.value.message("fr")
    assert "Save it as a PDF" in caught.value.message("en")


def test_js02_the_plugin_and_the_sandbox_refuse_what_is_not_a_pdf(office: Office) -> None:
    path = office.folder / "faux.pdf"
    path.write_bytes(b"MZ\x90\x00 not a pdf")
    document = OutgoingDocument(path=path, file_name="faux.pdf", media_type="application/pdf", size=path.stat().st_size, sha256="0" * 64)
    ctx = office.liasse.context("jesignexpert", USER)
    with pytest.raises(FileRefused, match="seuls les documents PDF"):
        plugin.liasse_request_signature(ctx, _draft(document), "k-fake")
    auth = (ctx.credentials.login, ctx.credentials.secret.reveal())  # type: ignore[union-attr]
    answer = post_file(requests.Session(), f"{office.url}/v1/files", "file", b"MZ\x90\x00", "application/pdf", file_name="faux.pdf", auth=auth)
    assert answer.status_code == 415 and answer.json()["type"] == "unsupported_media_type"


# --- JS-03: the signers ---------------------------------------------------------------------


def test_js03_a_signer_without_phone_is_refused_at_send_and_the_file_kept(office: Office) -> None:
    """The phone confirms the signer's identity: no transaction is made, the file stays to send, fixable."""
    desk = office.desk()
    made = desk.create_from_attachment(store_file(office.liasse, office.folder, make_pdf(1)).id)
    made = desk.add_signer(made.id, role="client", first_name="Jacques", last_name="MARTIN", email="jacques.martin@free.fr", mobile=None, placements=[BOX])
    with pytest.raises(PhoneMandatory) as caught:
        desk.send(made.id)
    assert "Jacques MARTIN" in caught.value.message("fr") and "Téléphone portable" in caught.value.message("fr")
    assert "SMS" in caught.value.message("fr") and "Mobile phone" in caught.value.message("en")
    kept = desk.file(made.id)
    assert kept.state is SignatureState.TO_SEND and kept.last_error and "Téléphone portable" in kept.last_error
    assert journal(office, "/v1/transactions") == [], "refused before any call"
    desk.edit_signer(made.id, kept.signers[0].id, mobile="06 54 55 99 87")
    assert desk.send(made.id).state is SignatureState.AWAITING


@pytest.mark.parametrize(("first", "last", "words"), [("", "MARTIN", "Prénom"), ("Jacques", " ", "Nom")])
def test_js03_a_signer_without_a_name_is_refused_with_the_field(office: Office, first: str, last: str, words: str) -> None:
    desk = office.desk()
    made = desk.create_from_attachment(store_file(office.liasse, office.folder, make_pdf(1)).id)
    with pytest.raises(FieldMissing) as caught:
        desk.add_signer(made.id, role="client", first_name=first, last_name=last, email="jacques.martin@free.fr", mobile="06 54 55 99 87", placements=[BOX])
    assert f"« {words} » est obligatoire" in caught.value.message("fr")
    assert desk.file(made.id).signers == ()


def test_js03_the_plugin_checks_every_signer_field_before_any_call(office: Office) -> None:
    path = office.folder / "a.pdf"
    path.write_bytes(make_pdf(1))
    document = OutgoingDocument(path=path, file_name="a.pdf", media_type="application/pdf", size=path.stat().st_size, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    ctx = office.liasse.context("jesignexpert", USER)
    for signer, words in (
        (SignerDraft("Jacques", "MARTIN", "", PHONE, SignatureAuthentication.OTP_SMS, (SignatureField(1, 60, 600),)), "E-mail"),
        (SignerDraft("Jacques", "", "j@free.fr", PHONE, SignatureAuthentication.OTP_SMS, (SignatureField(1, 60, 600),)), "Nom"),
        (SignerDraft("Jacques", "MARTIN", "j@free.fr", PHONE, SignatureAuthentication.OTP_SMS, ()), "Emplacement de la signature"),
    ):
        with pytest.raises(FieldMissing) as caught:
            plugin.liasse_request_signature(ctx, SignatureRequestDraft(name="Lettre", documents=(document,), signers=(signer,)), "k-bad")
        assert f"« {words} »" in caught.value.message("fr")
    assert journal(office, "/v1/") == []


# --- JS-05: the signer's side --------------------------------------------------------------


def test_js05_the_code_has_4_digits_and_a_wrong_one_signs_nothing(office: Office) -> None:
    file_id, client = awaiting_file(office)
    assert client.accept().status_code == 200
    code = client.sms_code()
    assert re.fullmatch(r"\d{4}", code)
    wrong = f"{(int(code) + 1) % 10_000:04d}"
    answer = client.sign(wrong)
    assert answer.status_code == 400 and "Code incorrect" in answer.text and "2 essai(s)" in answer.text
    assert office.desk().refresh(file_id).changed == ()
    assert office.desk().file(file_id).state is SignatureState.AWAITING
    assert client.sign(code).status_code == 200
    assert office.desk().refresh(file_id).archived == (file_id,)


def test_js05_three_wrong_codes_need_a_new_one(office: Office) -> None:
    _file_id, client = awaiting_file(office)
    client.accept()
    code = client.sms_code()
    wrong = f"{(int(code) + 1) % 10_000:04d}"
    for _ in range(2):
        assert client.sign(wrong).status_code == 400
    third = client.sign(wrong)
    assert third.status_code == 400 and "nouveau code" in third.text
    assert client.sign(code).status_code == 400, "the old code is dead"
    assert client.accept().status_code == 200
    assert client.sign().status_code == 200


def test_js05_reading_and_accepting_and_the_boxes_are_required(office: Office) -> None:
    _file_id, client = awaiting_file(office)
    unticked = client.accept(ticked=False)
    assert unticked.status_code == 400 and "J'ai lu et j'accepte" in unticked.text
    assert client.outbox(PHONE, "sms") == [], "no code before the document is accepted"
    client.accept()
    answer = client.sign(terms=False)
    assert answer.status_code == 400 and "conditions d'utilisation" in answer.text
    assert client.sign(privacy=False).status_code == 400
    assert client.sign().status_code == 200, "all ticked, the right code: signed"


# --- the collection's 15 days ----------------------------------------------------------------


def test_js02_an_unsigned_collection_expires_after_15_days(office: Office) -> None:
    file_id, client = awaiting_file(office)
    clock = f"{office.url}/_sandbox/jesignexpert/clock"
    requests.post(clock, json={"days": 14}, timeout=5).raise_for_status()
    assert office.desk().refresh(file_id).changed == (), "still collecting on day 14"
    requests.post(clock, json={"days": 1}, timeout=5).raise_for_status()
    assert office.desk().refresh(file_id).changed == (file_id,)
    expired = office.desk().file(file_id)
    assert expired.state is SignatureState.EXPIRED and expired.attachment_id is None
    page = client.open()
    assert page.status_code == 410 and "a expiré" in page.text


# --- the provider down ------------------------------------------------------------------------


def test_js02_jesignexpert_down_leaves_the_file_to_send_and_the_retry_sends_once(office: Office) -> None:
    desk = office.desk()
    made = desk.create_from_attachment(store_file(office.liasse, office.folder, make_pdf(1)).id)
    desk.add_signer(made.id, role="client", first_name="Jacques", last_name="MARTIN", email="jacques.martin@free.fr", mobile="06 54 55 99 87", placements=[BOX])
    fault = {"kind": "status", "status": 503, "path": "/v1/", "times": 50}
    requests.post(f"{office.url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()
    with pytest.raises(ProviderUnavailable) as caught:
        desk.send(made.id)
    assert "Jesignexpert ne répond pas" in caught.value.message("fr") and "Rien n'est perdu" in caught.value.message("fr")
    kept = desk.file(made.id)
    assert kept.state is SignatureState.TO_SEND and kept.remote_id is None and kept.last_error
    requests.delete(f"{office.url}/_sandbox/faults", timeout=5).raise_for_status()
    sent = desk.send(made.id)
    assert sent.state is SignatureState.AWAITING and sent.last_error is None
    started = requests.get(f"{office.url}/_sandbox/requests", params={"path": "/v1/transactions", "method": "POST"}, timeout=5).json()
    assert sum(1 for e in started if str(e["path"]).endswith("/start") and e["status"] == 200) == 1
    invitations = Signer(office.url, "jacques.martin@free.fr", PHONE).outbox("jacques.martin@free.fr", "email")
    assert len(invitations) == 1, "one invitation: never sent twice"


def _draft(document: OutgoingDocument) -> SignatureRequestDraft:
    signer = SignerDraft("Jacques", "MARTIN", "jacques.martin@free.fr", PHONE, SignatureAuthentication.OTP_SMS, (SignatureField(1, 60, 600),))
    return SignatureRequestDraft(name="Lettre de mission", documents=(document,), signers=(signer,))
