"""FW-07, ES-05 … ES-11: the e-signature screens over HTTP: bad inputs as sentences, nothing lost, preview, remind, cancel.

``liasse_screens.serve.start`` runs what ``liasse serve`` runs; these tests
post the screens' forms with ``requests`` as a browser without JavaScript
would, and check the file through the signing desk afterwards (the file
stays in its last good state after every refusal).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import requests
from PIL import Image

from liasse.signing import SignatureFile, SigningDesk
from liasse_hostapi.records import NewAttachment, OwnerKind, OwnerRef
from liasse_hostapi.reference.demo_documents import simple_pdf
from liasse.states import SignatureState
from liasse_screens.serve import ServedOffice
from screens_http import browser, served, toasts  # noqa: F401  (fixtures)


def desk(served: ServedOffice) -> SigningDesk:
    return SigningDesk(served.liasse, "esign", "FICH")


def new_file(served: ServedOffice, browser: requests.Session) -> SignatureFile:
    """The lease's file made through the screen, as the menu makes it."""
    page = browser.post(f"{served.url}/s/esign/accounts/97974/new", data={"event": "4"}, timeout=60)
    assert page.status_code == 200 and "créé" in toasts(page, "success")[0], page.text
    file_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    return desk(served).file(file_id)


def signer(made: SignatureFile, last_name: str) -> int:
    return next(s.id for s in made.signers if s.last_name == last_name)


def test_fw07_es06_an_event_without_signature_is_a_sentence_and_nothing_is_made(served: ServedOffice, browser: requests.Session) -> None:
    page = browser.post(f"{served.url}/s/esign/accounts/2950/new", data={"event": "2"}, timeout=30)
    assert "ne prévoit aucune signature électronique" in toasts(page, "error")[0]
    page = browser.post(f"{served.url}/s/esign/accounts/2950/new", data={}, timeout=30)
    assert toasts(page, "error") == ["Choisissez l'événement à expédier vers la signature électronique."]
    page = browser.post(f"{served.url}/s/esign/accounts/2950/new", data={"event": "999"}, timeout=30)
    assert "Événement « 999 » introuvable" in toasts(page, "error")[0]
    assert desk(served).files(event_id=2) == [] and desk(served).files(event_id=999) == []


def test_fw07_es07_a_bad_email_or_phone_is_refused_and_the_form_keeps_what_was_typed(served: ServedOffice, browser: requests.Session) -> None:
    made = new_file(served, browser)
    url = f"{served.url}/s/esign/files/{made.id}/signers/{signer(made, 'BERNARD')}/edit"
    typed = {"last_name": "BERNARD", "first_name": "Léa", "email": "lea@", "mobile": "06 12 34 56 78"}
    page = browser.post(url, data=typed, timeout=30)
    assert "lea@" in toasts(page, "error")[0]
    assert 'value="lea@"' in page.text
    page = browser.post(url, data={**typed, "email": "lea.bernard@gmail.com", "last_name": " "}, timeout=30)
    assert "Nom" in toasts(page, "error")[0]
    assert desk(served).file(made.id) == made  # nothing changed


def test_fw07_es05_added_lines_only_are_deleted_with_a_confirmation(served: ServedOffice, browser: requests.Session) -> None:
    made = new_file(served, browser)
    add = f"{served.url}/s/esign/files/{made.id}/signers"
    person = {"role": "event_third_party", "last_name": "PETIT", "first_name": "Anne", "email": "anne.petit@free.fr", "mobile": ""}
    page = browser.post(add, data={**person, "role": "bourreau"}, timeout=30)
    assert "Le rôle « bourreau » n'existe pas" in toasts(page, "error")[0]
    assert 'value="PETIT"' in page.text  # what was typed is still there
    # ES-03's exclusions hold for added lines: co-tenants exclude the tenant.
    page = browser.post(add, data={**person, "role": "tenant"}, timeout=30)
    assert "ces rôles s'excluent" in toasts(page, "error")[0]
    assert desk(served).file(made.id) == made
    page = browser.post(add, data={**person, "page": "2", "x": "120", "y": "80"}, timeout=30)
    assert "Signataire Anne PETIT (tiers de l'événement) ajouté au dossier." in toasts(page, "success")
    after = desk(served).file(made.id)
    added = next(s for s in after.signers if s.last_name == "PETIT" and s.role == "event_third_party")
    assert added.added and [(p.page, p.x_mm, p.y_mm) for p in added.placements] == [(2, 120.0, 80.0)]
    # A template's line cannot be deleted; the confirmation screen comes before an added one goes.
    page = browser.post(f"{served.url}/s/esign/files/{made.id}/signers/{signer(after, 'MOREAU')}/delete", timeout=30)
    assert "vient du modèle" in toasts(page, "error")[0]
    confirm = browser.get(f"{served.url}/s/esign/files/{made.id}/signers/{added.id}/delete", timeout=30)
    assert "Voulez-vous vraiment supprimer <strong>Anne PETIT</strong>" in confirm.text
    page = browser.post(f"{served.url}/s/esign/files/{made.id}/signers/{added.id}/delete", timeout=30)
    assert "Signataire Anne PETIT supprimé du dossier." in toasts(page, "success")
    assert added.id not in {s.id for s in desk(served).file(made.id).signers}


def test_fw07_es11_placements_not_numbers_or_off_the_page_are_sentences(served: ServedOffice, browser: requests.Session) -> None:
    made = new_file(served, browser)
    lea = signer(made, "BERNARD")
    url = f"{served.url}/s/esign/files/{made.id}/signers/{lea}/placements"
    page = browser.post(url, data={"page": ["1", "2"], "x": ["20", "vingt"], "y": ["15", "15"], "width": ["", ""], "height": ["", ""]}, timeout=30)
    assert "Position n° 2 : « vingt » n'est pas un nombre" in toasts(page, "error")[0]
    page = browser.post(url, data={"page": ["9"], "x": ["20"], "y": ["15"], "width": [""], "height": [""]}, timeout=30)
    assert "le document n'a que 2 page(s)" in toasts(page, "error")[0]
    page = browser.post(url, data={"page": ["1"], "x": ["20"], "y": ["15"], "width": ["10"], "height": ["25"]}, timeout=30)
    assert "sort des tailles admises" in toasts(page, "error")[0]
    assert desk(served).file(made.id) == made
    # Dropping a box and a decimal comma.
    page = browser.post(
        url, data={"page": ["1", "2", ""], "x": ["20", "20", ""], "y": ["15,5", "15", ""], "width": ["", "", ""], "height": ["", "", ""], "drop": ["1"]}, timeout=30
    )
    assert "Emplacements de Léa BERNARD enregistrés : page 1." in toasts(page, "success")
    boxes = next(s for s in desk(served).file(made.id).signers if s.id == lea).placements
    assert [(b.page, b.x_mm, b.y_mm) for b in boxes] == [(1, 20.0, 15.5)]


def test_fw07_es05_the_preview_is_the_page_with_the_boxes_drawn_where_they_will_be(served: ServedOffice, browser: requests.Session) -> None:
    made = new_file(served, browser)
    answer = browser.get(f"{served.url}/s/esign/files/{made.id}/pages/1.png", timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(answer.content)).convert("RGB")
    assert image.size == (745, 1053)  # A4 (595 × 842 points) at 1.25 pixel per point
    # The co-tenants' boxes both sit at the template's place (x = 20 mm, y = 15 mm, 60 × 25 mm): the second
    # one's colour (blue) is drawn over the first's, as the manual warns; moved away, Léa's green shows.
    left = round(20 * 72 / 25.4 * 1.25)
    middle = round((841.89 - (15 + 12.5) * 72 / 25.4) * 1.25)

    def edge(content: bytes) -> set[tuple[int, int, int]]:
        image = Image.open(io.BytesIO(content)).convert("RGB")
        return {image.getpixel((x, middle)) for x in range(left - 1, left + 4)}

    assert (47, 109, 181) in edge(answer.content)
    moreau = signer(made, "MOREAU")
    browser.post(
        f"{served.url}/s/esign/files/{made.id}/signers/{moreau}/placements",
        data={"page": ["1", "2"], "x": ["100", "100"], "y": ["15", "15"], "width": ["", ""], "height": ["", ""]},
        timeout=30,
    )
    moved = browser.get(f"{served.url}/s/esign/files/{made.id}/pages/1.png", timeout=30)
    assert (26, 156, 60) in edge(moved.content) and (47, 109, 181) not in edge(moved.content)
    assert browser.get(f"{served.url}/s/esign/files/{made.id}/pages/9.png", timeout=30).status_code == 404


def test_fw07_es08_a_refused_send_leaves_the_file_to_send_with_the_sentence(served: ServedOffice, browser: requests.Session) -> None:
    made = new_file(served, browser)
    sandbox = served.sandboxes["esign"].url
    requests.post(f"{sandbox}/_sandbox/faults", json={"kind": "status", "status": 503, "path": "/v3/signature_requests", "times": 20}, timeout=10)
    try:
        page = browser.post(f"{served.url}/s/esign/files/{made.id}/send", timeout=120)
    finally:
        requests.delete(f"{sandbox}/_sandbox/faults", timeout=10)
    assert "réessayez" in toasts(page, "error")[0]
    after = desk(served).file(made.id)
    assert after.state is SignatureState.TO_SEND and after.last_error
    assert "Dernier refus" in browser.get(f"{served.url}/s/esign/files/{made.id}", timeout=30).text
    # Sent again once ESign answers: one request at ESign, status 1.
    page = browser.post(f"{served.url}/s/esign/files/{made.id}/send", timeout=60)
    assert "1 - En attente de signature" in toasts(page, "success")[0]


def test_fw07_es10_remind_then_cancel_with_a_confirmation(served: ServedOffice, browser: requests.Session) -> None:
    made = new_file(served, browser)
    browser.post(f"{served.url}/s/esign/files/{made.id}/send", timeout=60)
    page = browser.post(f"{served.url}/s/esign/files/{made.id}/remind", timeout=30)
    assert "Relance de « Bail de colocation" in toasts(page, "success")[0]
    outbox = requests.get(f"{served.sandboxes['esign'].url}/_sandbox/outbox", timeout=10).json()
    assert any(m["subject"].startswith("Rappel : Document à signer") for m in outbox)
    confirm = browser.get(f"{served.url}/s/esign/files/{made.id}/cancel", timeout=30)
    assert "Voulez-vous vraiment annuler la signature" in confirm.text
    page = browser.post(f"{served.url}/s/esign/files/{made.id}/cancel", data={"reason": "parce que"}, timeout=30)
    assert toasts(page, "error") == ["Choisissez le motif de l'annulation dans la liste."]
    assert desk(served).file(made.id).state is SignatureState.AWAITING
    page = browser.post(f"{served.url}/s/esign/files/{made.id}/cancel", data={"reason": "errors_in_document"}, timeout=30)
    assert "annulé : les signataires ne peuvent plus signer" in toasts(page, "success")[0]
    assert desk(served).file(made.id).state is SignatureState.CANCELLED
    # Once cancelled: no reminder, no editing, each said so.
    page = browser.post(f"{served.url}/s/esign/files/{made.id}/remind", timeout=30)
    assert "ne sont modifiables qu'avant l'envoi" in toasts(page, "error")[0]
    page = browser.post(
        f"{served.url}/s/esign/files/{made.id}/signers/{signer(made, 'MOREAU')}/edit",
        data={"last_name": "MOREAU", "first_name": "Hugo", "email": "hugo@free.fr", "mobile": ""},
        timeout=30,
    )
    assert "ne sont modifiables qu'avant l'envoi" in toasts(page, "error")[0]


def test_fw07_es11_the_list_filters_by_status_and_says_when_a_status_is_unknown(served: ServedOffice, browser: requests.Session) -> None:
    new_file(served, browser)
    page = browser.get(f"{served.url}/s/esign/tracking", params={"state": "to_send"}, timeout=30)
    states = set(re.findall(r'data-state="(\w+)"', page.text))
    assert states == {"to_send"}
    page = browser.get(f"{served.url}/s/esign/tracking", params={"state": ["to_send", "bogus"]}, timeout=30)
    assert "Un des statuts demandés n'existe pas" in toasts(page, "error")[0]
    page = browser.get(f"{served.url}/s/esign/accounts/97974/signatures", timeout=30)
    assert "Liste des signatures du compte 97974" in page.text
    # Dates as DD/MM/YYYY HH:MM.
    assert re.search(r"<td>\d{2}/\d{2}/\d{4} \d{2}:\d{2}</td>", page.text)


def test_fw07_es10_the_signed_document_is_offered_only_once_signed(served: ServedOffice, browser: requests.Session) -> None:
    made = new_file(served, browser)
    page = browser.get(f"{served.url}/s/esign/files/{made.id}", timeout=30)
    assert "Voir le document signé" not in page.text and "Voir le document" in page.text
    letter = browser.get(f"{served.url}/s/esign/files/{made.id}/document", timeout=30)
    assert letter.headers["Content-Type"] == "application/pdf" and letter.content.startswith(b"%PDF")
    # An unknown file: back to a screen with the sentence.
    page = browser.get(f"{served.url}/s/esign/files/424242", timeout=30)
    assert page.history and "Dossier de signature n° 424242 introuvable" in " ".join(toasts(page, "error"))


def test_fw07_es10_liasse_serve_subscribes_its_webhook_endpoint_at_esign(served: ServedOffice) -> None:
    """ES-10 without a click: the sandbox knows liasse's endpoint, and the secret is where webhook_secrets points."""
    key = served.sandboxes["esign"].sandbox.demo_secrets["api_key"]
    answer = requests.get(f"{served.sandboxes['esign'].url}/v3/webhooks", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert [s["endpoint"] for s in answer.json()] == [f"{served.url}/liasse/webhooks/esign"]
    secret = (served.workdir / "secrets" / "esign_webhook").read_text(encoding="utf-8")
    assert len(secret) == 32 and (served.workdir / "secrets" / "esign_webhook").stat().st_mode & 0o077 == 0


def test_fw07_js02_a_file_made_from_a_stored_pdf_opens_and_takes_its_signers_on_the_screen(served: ServedOffice, browser: requests.Session) -> None:
    from liasse_hostapi.records import OwnerKind, OwnerRef

    pdf = next(a for a in served.liasse.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950")) if a.media_type == "application/pdf")
    made = desk(served).create_from_attachment(pdf.id)
    page = browser.get(f"{served.url}/s/esign/files/{made.id}", timeout=30)
    assert page.status_code == 200 and pdf.file_name in page.text and "événement n°" not in page.text
    page = browser.post(
        f"{served.url}/s/esign/files/{made.id}/signers",
        data={"role": "event_third_party", "last_name": "MARTIN", "first_name": "Jacques", "email": "jacques.martin@free.fr", "mobile": "06 54 55 99 87", "page": "1", "x": "20", "y": "20"},
        timeout=30,
    )
    assert "Signataire Jacques MARTIN (tiers de l'événement) ajouté au dossier." in toasts(page, "success")
    assert [s.mobile for s in desk(served).file(made.id).signers] == ["+33654559987"]


def test_fw07_js02_a_stored_pdf_of_the_account_is_signed_from_its_row(
    served: ServedOffice, browser: requests.Session, tmp_path: Path
) -> None:
    """"Signer avec ESign" on a PDF attachment makes a signature file from it, opened for its signers (JS-02, any provider)."""
    pdf = tmp_path / "Mandat de vente.pdf"
    pdf.write_bytes(simple_pdf(office_name="Étude FICHORGA", title="Mandat de vente", lines=["Signé par les vendeurs."]))
    stored = served.liasse.host.attachments.add(
        NewAttachment(
            owner=OwnerRef(OwnerKind.ACCOUNT, "2950"),
            file_name="Mandat de vente.pdf",
            title="Mandat de vente",
            media_type="application/pdf",
            origin="Rédigé à l'étude",
        ),
        pdf,
    )
    page = browser.get(f"{served.url}/accounts/2950", timeout=30)
    action = f"/s/esign/attachments/{stored.id}/sign"
    assert action in page.text, "the PDF's row has its Signer button"
    made = browser.post(f"{served.url}{action}", timeout=30)
    assert made.status_code == 200
    assert any("Fichier de signature créé depuis" in t for t in toasts(made, "success")), made.text
    files = [f for f in desk(served).files() if f.source_attachment_id == stored.id]
    assert len(files) == 1 and files[0].state is SignatureState.TO_SEND
