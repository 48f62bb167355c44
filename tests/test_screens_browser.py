"""FW-07: the reference host's screens in a real browser, against the real ``liasse serve`` (DocSecure).

Playwright drives Debian's Chromium (``/usr/bin/chromium``, installed by
``.ci/run``) against ``liasse serve`` started as a subprocess on a free port,
with every sandbox beside it. The recipient is played through the outbox
page and the provider's own pages, as a person trying the demo would.
Each test saves screenshots of its key steps under ``test-artifacts/screens/``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from screens_support import CHROMIUM, browser, page, served, shot, toast, unlabelled_fields

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is needed: apt-get install chromium (.ci/run does)")
__all__ = ["browser", "page", "served"]  # fixtures, used by name


def ensure_contact(page: object) -> None:
    """From a menu of 2950: with no contact yet the first contact's window opens (manual 5.1); create it from the account."""
    create = page.get_by_role("button", name="Créer le contact")  # type: ignore[attr-defined]
    if create.count():
        assert "créez d'abord le contact" in toast(page, "warning")
        shot(page, "first-contact-window")
        create.click()
        assert "créé" in toast(page)
    assert page.locator("select#contact").count() == 1  # type: ignore[attr-defined]


def latest_code(page: object, base: str) -> str:
    page.goto(f"{base}/recipient/")  # type: ignore[attr-defined]
    body = page.locator("tr.message.sms pre.body").first.inner_text()  # type: ignore[attr-defined]
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


def test_fw07_ds12_ds22_ds26_by02_rib_story_through_the_screens(served: str, page: object, tmp_path: Path) -> None:
    base = served
    page.goto(f"{base}/accounts/2950")  # type: ignore[attr-defined]
    shot(page, "account")
    # DS-02: the banner has a button per provider.
    assert page.locator(".provider-button[data-provider=docsecure]").count() == 1  # type: ignore[attr-defined]

    panel = page.locator("section.provider-panel[data-provider=docsecure]")  # type: ignore[attr-defined]
    panel.get_by_role("menuitem", name="Demander un RIB").click()
    ensure_contact(page)
    shot(page, "request-form")
    page.get_by_label("Libellé de la demande").fill("RIB pour la vente MARTIN/JACQUES")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Envoyer la demande").click()  # type: ignore[attr-defined]
    assert "Demande « RIB pour la vente MARTIN/JACQUES » envoyée" in toast(page)
    shot(page, "request-sent")

    # The recipient: the e-mail's link, the SMS code, the upload, on the provider's own pages.
    page.goto(f"{base}/recipient/")  # type: ignore[attr-defined]
    email = page.locator("tr.message.email", has_text="RIB pour la vente MARTIN/JACQUES").first  # type: ignore[attr-defined]
    link = email.locator("a.message-link").first.get_attribute("href")
    shot(page, "recipient-outbox")
    page.goto(link)  # type: ignore[attr-defined]
    code = latest_code(page, base)
    page.goto(link)  # type: ignore[attr-defined]
    page.get_by_label("Code reçu").fill(code)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Valider").click()  # type: ignore[attr-defined]
    # The sample RIB the outbox page offers, fetched as the browser would download it.
    sample = page.request.get(f"{base}/recipient/sample-rib.pdf")  # type: ignore[attr-defined]
    assert sample.ok and sample.body().startswith(b"%PDF")
    rib = tmp_path / "RIB_MARTIN.pdf"
    rib.write_bytes(sample.body())
    page.locator("input[type=file][name=document]").set_input_files(str(rib))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Déposer le document").click()  # type: ignore[attr-defined]
    assert "a été transmis à l'étude" in page.content()  # type: ignore[attr-defined]
    shot(page, "recipient-uploaded")

    # DS-22: the counters move (webhook, else the background sync) without any click in the office.
    deadline = time.monotonic() + 30
    while True:
        page.goto(f"{base}/accounts/2950")  # type: ignore[attr-defined]
        icon = page.locator("section.provider-panel[data-provider=docsecure] .tracking-icon")  # type: ignore[attr-defined]
        if icon.get_attribute("data-counter") == "1" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert icon.get_attribute("data-counter") == "1"
    assert icon.locator(".counter").inner_text() == "1"
    banner = page.locator(".banner .tracking-icon", has_text="DocSecure")  # type: ignore[attr-defined]
    assert banner.get_attribute("data-counter") == "1"
    # DS-23: the alert when the account opens.
    assert page.locator("section.provider-panel[data-provider=docsecure] .alerts").count() == 1  # type: ignore[attr-defined]
    shot(page, "counter-and-alert")

    icon.click()
    row = page.locator("tr[data-exchange]", has_text="RIB pour la vente MARTIN/JACQUES")  # type: ignore[attr-defined]
    assert "Terminé avec PJ à récupérer" in row.inner_text()
    shot(page, "tracking-to-import")
    row.get_by_role("button", name="Importer", exact=True).click()

    # DS-26: the IBAN record opens, prefilled from the RIB, its warnings impossible to miss (BY-02).
    page.wait_for_url(re.compile(r"/accounts/2950/ibans/\d+$"))  # type: ignore[attr-defined]
    assert "importé sur le compte 2950" in toast(page)
    assert page.get_by_label("IBAN").input_value() == "FR7630004000031234567890143"  # type: ignore[attr-defined]
    assert page.get_by_label("BIC").input_value() == "BNPAFRPPXXX"  # type: ignore[attr-defined]
    shot(page, "iban-record")
    danger = page.locator("[data-testid=danger-warnings]")  # type: ignore[attr-defined]
    if danger.count():
        assert "Non utilisable pour un paiement" in page.locator("[data-testid=payment-status]").inner_text()  # type: ignore[attr-defined]
        page.get_by_role("button", name="Confirmer la fiche IBAN pour les paiements").click()  # type: ignore[attr-defined]
        assert "Cochez" in toast(page, "error")
        page.get_by_label("J'ai lu les alertes et vérifié ces coordonnées auprès du client").check()  # type: ignore[attr-defined]
        page.get_by_role("button", name="Confirmer la fiche IBAN pour les paiements").click()  # type: ignore[attr-defined]
        assert "Fiche IBAN confirmée" in toast(page)
        assert "Confirmée pour les paiements par FICH" in page.locator("[data-testid=payment-status]").inner_text()  # type: ignore[attr-defined]
        shot(page, "iban-confirmed")
    # The counter went back to nothing.
    assert page.locator(".banner .tracking-icon", has_text="DocSecure").get_attribute("data-counter") == "0"  # type: ignore[attr-defined]


def test_fw07_ds17_multi_document_send_with_tick_all_and_closed_items_in_purple_italics(served: str, page: object) -> None:
    base = served
    page.goto(f"{base}/accounts/2950")  # type: ignore[attr-defined]
    page.locator("section.provider-panel[data-provider=docsecure]").get_by_role("menuitem", name="Envoyer un document").click()  # type: ignore[attr-defined]
    ensure_contact(page)
    closed = page.locator("tr.closed").first  # type: ignore[attr-defined]
    style = closed.evaluate("row => { const s = getComputedStyle(row.querySelector('td')); return [s.color, s.fontStyle]; }")
    assert style == ["rgb(123, 45, 155)", "italic"]
    page.get_by_label("Tout cocher").check()  # type: ignore[attr-defined]
    boxes = page.locator("#send-form input.tick")  # type: ignore[attr-defined]
    assert boxes.count() > 5 and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.get_by_label("Tout cocher").uncheck()  # type: ignore[attr-defined]
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    # Nothing ticked: the screen says what to fix and stays as it was.
    page.get_by_role("button", name="Envoyer", exact=True).click()  # type: ignore[attr-defined]
    assert "Cochez au moins un document" in toast(page, "error")
    page.get_by_label("Extrait de compte").check()  # type: ignore[attr-defined]
    page.get_by_label("RIB de l'étude").check()  # type: ignore[attr-defined]
    name = page.get_by_label("Nom du document transmis")  # type: ignore[attr-defined]
    assert name.input_value() == "Document(s) transmis par Groupe FICHORGA"  # the manual's default
    name.fill("Documents de la vente")  # type: ignore[attr-defined]
    shot(page, "send-ticked")
    page.get_by_role("button", name="Envoyer", exact=True).click()  # type: ignore[attr-defined]
    assert "Envoi « Documents de la vente » transmis" in toast(page)
    row = page.locator("tr[data-exchange]", has_text="Documents de la vente")  # type: ignore[attr-defined]
    assert "Envoyé" in row.inner_text()
    shot(page, "send-tracked")


def test_fw07_ds24_second_reminder_within_24_hours_is_refused_with_a_sentence(served: str, page: object) -> None:
    base = served
    page.goto(f"{base}/accounts/2950")  # type: ignore[attr-defined]
    page.locator("section.provider-panel[data-provider=docsecure]").get_by_role("menuitem", name="Demander un document").click()  # type: ignore[attr-defined]
    ensure_contact(page)
    page.get_by_label("Libellé de la demande").fill("Justificatif de domicile")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Envoyer la demande").click()  # type: ignore[attr-defined]
    assert "envoyée" in toast(page)
    row = page.locator("tr[data-exchange]", has_text="Justificatif de domicile")  # type: ignore[attr-defined]
    row.get_by_role("button", name="Relancer par e-mail et SMS").click()
    assert "Relance de « Justificatif de domicile » envoyée par e-mail et SMS" in toast(page)
    row = page.locator("tr[data-exchange]", has_text="Justificatif de domicile")  # type: ignore[attr-defined]
    assert "Relancé" in row.inner_text()
    shot(page, "reminded")
    row.get_by_role("button", name="Relancer par e-mail", exact=True).click()
    refused = toast(page, "error")
    assert "refuse la relance" in refused and "La prochaine est possible à partir du" in refused
    # The exchange stays as it was: reminded once.
    assert "Relancé" in page.locator("tr[data-exchange]", has_text="Justificatif de domicile").inner_text()  # type: ignore[attr-defined]
    shot(page, "reminder-refused")


def test_fw07_ds01_settings_test_access_and_refused_credentials(served: str, page: object) -> None:
    base = served
    page.goto(f"{base}/settings/")  # type: ignore[attr-defined]
    block = page.locator("section.provider-settings[data-provider=docsecure]")  # type: ignore[attr-defined]
    block.get_by_role("button", name="Tester l'accès au service").click()
    assert "Accès à DocSecure vérifié" in toast(page)
    shot(page, "settings-access-ok")
    block = page.locator("section.provider-settings[data-provider=docsecure]")  # type: ignore[attr-defined]
    block.get_by_role("button", name="Connexion").click()
    assert "Saisissez l'identifiant et le mot de passe" in toast(page, "error")


#: Every visible field of these screens has a label (keyboard and screen-reader users reach them by name).
LABELLED_SCREENS = (
    "/settings/",
    "/x/docsecure/accounts/2950/contacts/new?q=DURAND",
    "/x/docsecure/accounts/2950/request?kind=rib",
    "/x/docsecure/accounts/2950/send",
    "/x/docsecure/accounts/2950/office-rib",
    "/x/docsecure/tracking",
    "/x/docsecure/tracking?tab=unlinked",
)


def test_fw07_forms_have_labels_and_are_usable_from_the_keyboard(served: str, page: object) -> None:
    for path in LABELLED_SCREENS:
        page.goto(f"{served}{path}")  # type: ignore[attr-defined]
        assert unlabelled_fields(page) == [], path
    # A request sent with the keyboard only: Tab to the label field, type, Enter.
    page.goto(f"{served}/x/docsecure/accounts/2950/request?kind=other")  # type: ignore[attr-defined]
    ensure_contact(page)
    page.focus("#contact")  # type: ignore[attr-defined]
    for _ in range(5):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        if page.evaluate("document.activeElement.id") == "label":  # type: ignore[attr-defined]
            break
    assert page.evaluate("document.activeElement.id") == "label"  # type: ignore[attr-defined]
    page.keyboard.type("Avis d'imposition")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert "Demande « Avis d'imposition » envoyée" in toast(page)
    shot(page, "sent-from-the-keyboard")
