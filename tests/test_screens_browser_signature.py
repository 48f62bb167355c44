"""FW-07, ES-03 … ES-12: the e-signature story of ``liasse demo`` through the screens, in a real browser.

The lease of account 97974 (event 4: two co-tenants and a guarantor) is
expedited to e-signature from the account's menu, a signer is edited and
the second co-tenant's boxes moved off the first's (the manual's case),
the file is sent, each signer signs on the ESign sandbox's own pages (the
invitation and the SMS code read on "Côté client"), and the file turns
"2 - Signé" by the sandbox's webhook, without any click in the office; the
signed PDF is then viewed. Screenshots under ``test-artifacts/screens/``.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from screens_support import CHROMIUM, browser, page, served, shot, toast, unlabelled_fields

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is needed: apt-get install chromium (.ci/run does)")
__all__ = ["browser", "page", "served"]  # fixtures, used by name

LEASE = "Bail de colocation - 3 rue Jeanne d'Arc, Orléans"


def _file_state(page: object) -> str:
    return str(page.locator("[data-testid=file-state]").inner_text())  # type: ignore[attr-defined]


def _signer_row(page: object, name: str) -> object:
    return page.locator("table.signers tr[data-signer]", has_text=name)  # type: ignore[attr-defined]


def _message(page: object, base: str, channel: str, to: str, contains: str = "") -> object:
    """The newest message of ``channel`` to ``to`` on the outbox page (waits for it a few seconds)."""
    deadline = time.monotonic() + 15
    while True:
        page.goto(f"{base}/recipient/")  # type: ignore[attr-defined]
        found = page.locator(f'tr.message.{channel}[data-to="{to}"]', has_text=contains)  # type: ignore[attr-defined]
        if found.count() or time.monotonic() > deadline:
            return found.first
        time.sleep(0.3)


def _play_signer(page: object, base: str, email: str, mobile: str, step: str) -> None:
    """The signer: the invitation's link, the document read in full, the SMS code, the consent, Sign."""
    invitation = _message(page, base, "email", email, "Document à signer")
    link = invitation.locator("a.message-link").first.get_attribute("href")  # type: ignore[attr-defined]
    page.goto(link)  # type: ignore[attr-defined]
    shot(page, f"{step}-signer-page")
    # The whole document is opened before signing (ES-09); the browser fetches it like a click in a new tab would.
    document = page.locator("a.document").first.get_attribute("href")  # type: ignore[attr-defined]
    assert page.request.get(re.sub(r"/sign/.*", "", link) + document).body().startswith(b"%PDF")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Recevoir le code par SMS").click()  # type: ignore[attr-defined]
    sms = _message(page, base, "sms", mobile, "code de signature")
    code = re.search(r"\b(\d{6})\b", sms.locator("pre.body").inner_text())  # type: ignore[attr-defined]
    assert code, "no code in the SMS"
    page.goto(link)  # type: ignore[attr-defined]
    page.get_by_label("Code reçu").fill(code.group(1))  # type: ignore[attr-defined]
    page.get_by_label("J'ai lu le document et j'accepte de le signer électroniquement.").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Signer", exact=True).click()  # type: ignore[attr-defined]
    assert "est enregistrée" in page.content()  # type: ignore[attr-defined]


def test_fw07_es06_es11_es10_lease_signed_through_the_screens(served: str, page: object) -> None:
    base = served
    page.goto(f"{base}/accounts/97974")  # type: ignore[attr-defined]
    panel = page.locator("section.provider-panel[data-provider=esign]")  # type: ignore[attr-defined]
    assert panel.count() == 1
    shot(page, "account-menu")
    panel.get_by_role("menuitem", name="Expédier vers la signature électronique").click()

    # ES-03 … ES-05: the template's roles and boxes are shown beside the event.
    row = page.locator("tr[data-event='4']")  # type: ignore[attr-defined]
    assert "Colocataire" in row.inner_text() and "Garant" in row.inner_text() and "chaque page" in row.inner_text()
    page.get_by_role("button", name="Créer le dossier de signature").click()  # type: ignore[attr-defined]
    assert "Choisissez l'événement" in toast(page, "error")
    page.get_by_label(LEASE).check()  # type: ignore[attr-defined]
    shot(page, "choose-event")
    page.get_by_role("button", name="Créer le dossier de signature").click()  # type: ignore[attr-defined]

    # ES-06: the file is made, time-stamped, status 0.
    assert "créé, horodaté : 0 - À envoyer" in toast(page)
    assert _file_state(page) == "0 - À envoyer"
    assert page.locator("table.signers tr[data-signer]").count() == 3  # type: ignore[attr-defined]
    assert page.locator(".page-preview img").count() == 2  # type: ignore[attr-defined]
    # The previews are images the server drew (PDFium + Pillow): both load.
    for index in range(2):
        width = page.locator(".page-preview img").nth(index).evaluate(
            "img => img.complete ? img.naturalWidth : new Promise(done => { img.onload = () => done(img.naturalWidth); img.onerror = () => done(0); })"
        )  # type: ignore[attr-defined]
        assert width > 500
    shot(page, "file-to-send")

    # ES-07: edit a signer; a wrong phone is a sentence and the form keeps what was typed.
    _signer_row(page, "MOREAU").get_by_role("link", name="Modifier").click()  # type: ignore[attr-defined]
    page.get_by_label("Téléphone portable").fill("06 12")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Enregistrer").click()  # type: ignore[attr-defined]
    assert "portable" in toast(page, "error").lower() or "numéro" in toast(page, "error").lower()
    assert page.get_by_label("Téléphone portable").input_value() == "06 12"  # type: ignore[attr-defined]
    shot(page, "signer-bad-phone")
    page.get_by_label("Téléphone portable").fill("07 98 76 54 33")  # type: ignore[attr-defined]
    page.get_by_label("E-mail").fill("hugo.moreau@proton.me")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Enregistrer").click()  # type: ignore[attr-defined]
    assert "Signataire Hugo MOREAU modifié, portable +33798765433" in toast(page)
    assert "+33798765433" in _signer_row(page, "MOREAU").inner_text()  # type: ignore[attr-defined]

    # ES-11: both co-tenants sign at the template's place: move the second one's boxes beside the first's.
    moreau = _signer_row(page, "MOREAU").get_attribute("data-signer")  # type: ignore[attr-defined]
    form = page.locator(f"form#signer-{moreau}")  # type: ignore[attr-defined]
    form.locator(f"#p-{moreau}-0-x").fill("250")
    form.get_by_role("button", name="Enregistrer les emplacements de Hugo MOREAU").click()
    assert "sort de la page" in toast(page, "error")
    form = page.locator(f"form#signer-{moreau}")  # type: ignore[attr-defined]
    assert form.locator(f"#p-{moreau}-0-x").input_value() == "20"  # the file stayed as it was
    form.locator(f"#p-{moreau}-0-x").fill("90")
    form.locator(f"#p-{moreau}-1-x").fill("90,5")
    form.get_by_role("button", name="Enregistrer les emplacements de Hugo MOREAU").click()
    assert "Emplacements de Hugo MOREAU enregistrés : page 1, page 2" in toast(page)
    assert "p. 1 (90 ; 15), p. 2 (90,5 ; 15)" in _signer_row(page, "MOREAU").inner_text()  # type: ignore[attr-defined]
    shot(page, "boxes-placed")

    # ES-08: send: status 1, the sender's confirmation and each signer's invitation.
    page.get_by_role("button", name="Envoyer pour signature").click()  # type: ignore[attr-defined]
    assert "1 - En attente de signature" in toast(page)
    assert _file_state(page) == "1 - En attente de signature"
    assert page.locator("form.placements").count() == 0  # type: ignore[attr-defined] # no editing once sent
    banner = page.locator(".banner .tracking-icon", has_text="ESign")  # type: ignore[attr-defined]
    assert banner.get_attribute("data-counter") == "1"
    shot(page, "sent")
    file_url = page.url  # type: ignore[attr-defined]

    # ES-09: each signer on the sandbox's pages.
    signers = (
        ("lea.bernard@gmail.com", "+33612345678"),
        ("hugo.moreau@proton.me", "+33798765433"),
        ("claire.bernard@wanadoo.fr", "+33655443322"),
    )
    for index, (email, mobile) in enumerate(signers, start=1):
        _play_signer(page, base, email, mobile, f"signer{index}")
    shot(page, "last-signature")

    # ES-10: the webhook turns the file "2 - Signé" with its reception time, no click in the office.
    deadline = time.monotonic() + 30
    while True:
        page.goto(file_url)  # type: ignore[attr-defined]
        if _file_state(page) == "2 - Signé" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert _file_state(page) == "2 - Signé"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", page.locator("[data-testid=signed-at]").inner_text())  # type: ignore[attr-defined]
    shot(page, "signed")

    # The signed document: every signer's visible signature, archived on the lease's account (ES-02).
    link = page.get_by_role("link", name="Voir le document signé")  # type: ignore[attr-defined]
    signed = page.request.get(base + link.get_attribute("href"))  # type: ignore[attr-defined]
    assert signed.ok and signed.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(signed.body())).pages)
    for name in ("Léa BERNARD", "Hugo MOREAU", "Claire BERNARD"):
        assert name in text
    page.goto(f"{base}/accounts/97974")  # type: ignore[attr-defined]
    assert page.locator("table.attachments", has_text="Bail de colocation signé").count() == 1  # type: ignore[attr-defined]
    page.locator("section.provider-panel[data-provider=esign]").get_by_role("menuitem", name="Liste des signatures").click()  # type: ignore[attr-defined]
    listed = page.locator("table.signatures tr[data-file]", has_text=LEASE).first  # type: ignore[attr-defined]
    assert "2 - Signé" in listed.inner_text()
    shot(page, "signatures-list")


def test_fw07_es_signature_screens_have_labels_on_every_field(served: str, page: object) -> None:
    page.goto(f"{served}/s/esign/accounts/97974/new")  # type: ignore[attr-defined]
    assert unlabelled_fields(page) == []
    page.get_by_label(LEASE).check()  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined] # the form is sent from the keyboard
    assert "créé" in toast(page)
    file_url = page.url  # type: ignore[attr-defined]
    for url in (file_url, f"{served}/s/esign/tracking", f"{served}/s/esign/accounts/97974/signatures", file_url + "/cancel"):
        page.goto(url)  # type: ignore[attr-defined]
        assert unlabelled_fields(page) == [], url
    page.goto(file_url)  # type: ignore[attr-defined]
    _signer_row(page, "MOREAU").get_by_role("link", name="Modifier").click()  # type: ignore[attr-defined]
    assert unlabelled_fields(page) == []
    shot(page, "signer-form")
