"""FW-07, JZ-02 … JZ-07: the shared-zone story of ``liasse demo`` through the screens, in a real browser.

The sale VENTE MARTIN/JACQUES (account 2950, matter 2950-01) is exported
from the account's menu: refused first, naming the buyer without e-mail,
whose e-mail is then written to her record from the same screen; a
document is added, shared with the buyer (may modify) and the agency; the
buyer plays her part on JurisZone's sandbox pages (activation, access,
download, returning the signed compromise, "J'ai terminé"), the shares
list shows it through the sandbox's webhook, and the returned document is
imported on the matter. Screenshots under ``test-artifacts/screens/``.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from liasse_hostapi.reference.demo_documents import simple_pdf
import pytest
from screens_support import CHROMIUM, browser, page, served, shot, toast, unlabelled_fields

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is needed: apt-get install chromium (.ci/run does)")
__all__ = ["browser", "page", "served"]  # fixtures, used by name

BUYER = "marie.dupont@orange.fr"
PASSWORD = "Mot-de-passe-2026"


def _link(page: object, base: str, to: str, subject: str) -> str:
    """The link of the newest e-mail to ``to`` whose subject holds ``subject``, from "Côté client"."""
    deadline = time.monotonic() + 15
    while True:
        page.goto(f"{base}/recipient/")  # type: ignore[attr-defined]
        found = page.locator(f'tr.message.email[data-to="{to}"]', has_text=subject)  # type: ignore[attr-defined]
        if found.count() or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    return str(found.first.locator("a.message-link").first.get_attribute("href"))


def test_fw07_jz02_jz04_jz06_matter_shared_and_returned_through_the_screens(served: str, page: object, tmp_path: Path) -> None:
    base = served
    page.goto(f"{base}/accounts/2950")  # type: ignore[attr-defined]
    panel = page.locator("section.provider-panel[data-provider=juriszone]")  # type: ignore[attr-defined]
    shot(page, "account-menu")
    panel.get_by_role("menuitem", name="Exporter vers JurisZone").click()

    # JZ-02: a party without e-mail is named, and nothing is exported.
    page.get_by_role("button", name="Exporter l'affaire 2950-01").click()  # type: ignore[attr-defined]
    refused = toast(page, "error")
    assert "n'a pas été exporté" in refused and "DUPONT MARIE" in refused
    shot(page, "export-refused")
    page.get_by_label("Courriel de DUPONT MARIE").first.fill(BUYER)  # type: ignore[attr-defined]
    page.locator("section[data-matter='2950-01'] tr[data-party='3120']").get_by_role("button", name="Enregistrer sur sa fiche").click()  # type: ignore[attr-defined]
    assert f"Courriel de DUPONT MARIE enregistré sur sa fiche : {BUYER}" in toast(page)
    page.get_by_role("button", name="Exporter l'affaire 2950-01").click()  # type: ignore[attr-defined]
    assert "Dossier 2950-01 exporté vers JurisZone avec" in toast(page)
    shot(page, "exported")

    # JZ-03: a document added from the browser.
    page.get_by_role("button", name="Ajouter au dossier").click()  # type: ignore[attr-defined]
    assert "Cochez au moins une pièce jointe" in toast(page, "error")
    draft = tmp_path / "Projet de compromis.pdf"  # accents and spaces survive the upload (JZ-03)
    draft.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title="Projet de compromis de vente", lines=("Vente MARTIN / DUPONT.",)))
    page.get_by_label("Fichiers à ajouter").set_input_files(str(draft))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Ajouter au dossier").click()  # type: ignore[attr-defined]
    assert "« Projet de compromis.pdf » ajoutés au dossier sur JurisZone" in toast(page)
    assert "Déposé" in page.locator("table.documents tr[data-document]").first.inner_text()  # type: ignore[attr-defined]

    # JZ-04: the share dialog; an expiry in the past is a sentence and the dialog keeps what was typed.
    page.get_by_role("link", name="Partager des documents").click()  # type: ignore[attr-defined]
    page.get_by_label("Titre du partage").fill("Pièces de la vente MARTIN/DUPONT")  # type: ignore[attr-defined]
    page.get_by_label("Date d'expiration").fill("01/01/2020")  # type: ignore[attr-defined]
    page.locator("tr[data-party='3120']").get_by_label("DUPONT MARIE", exact=True).check()  # type: ignore[attr-defined]
    page.locator("tr[data-party='3120']").get_by_label("Peut modifier").check()  # type: ignore[attr-defined]
    page.locator("tr[data-party='98012']").get_by_label("AGENCE FONCIA ORLEANS", exact=True).check()  # type: ignore[attr-defined]
    page.get_by_label("Commentaire (repris dans le courriel)").fill("Merci de nous retourner le compromis signé.")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Partager", exact=True).click()  # type: ignore[attr-defined]
    assert "doit être postérieure à aujourd'hui" in toast(page, "error")
    assert page.get_by_label("Titre du partage").input_value() == "Pièces de la vente MARTIN/DUPONT"  # type: ignore[attr-defined]
    assert page.locator("tr[data-party='3120']").get_by_label("Peut modifier").is_checked()  # type: ignore[attr-defined]
    expiry = (dt.date.today() + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    page.get_by_label("Date d'expiration").fill(expiry)  # type: ignore[attr-defined]
    shot(page, "share-dialog")
    page.get_by_role("button", name="Partager", exact=True).click()  # type: ignore[attr-defined]
    assert f"Partage « Pièces de la vente MARTIN/DUPONT » : Partagé jusqu'au {expiry}" in toast(page)
    row = page.locator("table.shares tr[data-share]", has_text="Pièces de la vente MARTIN/DUPONT")  # type: ignore[attr-defined]
    assert "DUPONT MARIE (peut modifier) : invité" in row.inner_text()
    shot(page, "shared")

    # JZ-05, JZ-06: the buyer on JurisZone's pages.
    page.goto(_link(page, base, BUYER, "Activez votre compte JurisZone"))  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Activer mon compte").click()  # type: ignore[attr-defined]
    assert "est activé" in page.content()  # type: ignore[attr-defined]
    access = _link(page, base, BUYER, "Documents partagés")
    page.goto(access)  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]
    shot(page, "recipient-zone")
    document = page.get_by_role("link", name="Projet de compromis.pdf")  # type: ignore[attr-defined]
    href = str(document.get_attribute("href"))
    downloaded = page.request.get(access.split("/zone/")[0] + href)  # type: ignore[attr-defined]
    assert downloaded.ok and downloaded.body().startswith(b"%PDF")
    signed = tmp_path / "Compromis signé.pdf"
    signed.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title="Compromis de vente signé", lines=("Signé par Marie DUPONT.",)))
    page.goto(access)  # type: ignore[attr-defined]
    page.locator("input[type=file][name=file]").set_input_files(str(signed))  # type: ignore[attr-defined]
    page.get_by_label("Remplace").fill(href.rsplit("/", 1)[-1])  # type: ignore[attr-defined]
    page.get_by_role("button", name="Déposer").click()  # type: ignore[attr-defined]
    assert "est déposé" in page.content()  # type: ignore[attr-defined]
    page.goto(access)  # type: ignore[attr-defined]
    page.get_by_role("button", name="J'ai terminé").click()  # type: ignore[attr-defined]
    assert "avertie que vous avez terminé" in page.content()  # type: ignore[attr-defined]
    shot(page, "recipient-done")

    # The office: the webhook brings the returned document and the buyer's progress, no click.
    deadline = time.monotonic() + 30
    while True:
        page.goto(f"{base}/z/juriszone/accounts/2950/shares")  # type: ignore[attr-defined]
        row = page.locator("table.shares tr[data-share]", has_text="Pièces de la vente MARTIN/DUPONT")  # type: ignore[attr-defined]
        if row.locator("[data-returned]").count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    text = row.inner_text()
    # JurisZone says a share is complete once every recipient is done; per recipient it reports activations and downloads.
    assert "DUPONT MARIE (peut modifier) : téléchargé le" in text
    assert "Compte activé" in text and "Document modifié et retourné" in text
    assert "Partagé" in row.locator("td.state").inner_text()  # the agency has not finished: still shared
    banner = page.locator(".banner .tracking-icon", has_text="JurisZone")  # type: ignore[attr-defined]
    assert banner.get_attribute("data-counter") == "1"
    shot(page, "shares-list-returned")

    # JZ-06: the returned document imported on the matter.
    row.get_by_role("button", name="Importer").click()
    assert "« Compromis signé.pdf » importé sur l'affaire" in toast(page)
    assert page.locator(".banner .tracking-icon", has_text="JurisZone").get_attribute("data-counter") == "0"  # type: ignore[attr-defined]
    shot(page, "imported")


def test_fw07_jz_sharing_screens_have_labels_on_every_field(served: str, page: object) -> None:
    for path in ("/z/juriszone/accounts/2950/export", "/z/juriszone/shares", "/z/juriszone/accounts/2950/shares"):
        page.goto(f"{served}{path}")  # type: ignore[attr-defined]
        assert unlabelled_fields(page) == [], path
    # The matter exported (again, when the story ran first): its file and its share dialog, the export sent with the keyboard.
    page.goto(f"{served}/z/juriszone/accounts/2950/export")  # type: ignore[attr-defined]
    missing = page.get_by_label("Courriel de DUPONT MARIE")  # type: ignore[attr-defined]
    if missing.count():
        missing.first.fill(BUYER)
        missing.first.press("Enter")
        assert "enregistré sur sa fiche" in toast(page)
    page.locator("section[data-matter='2950-01'] button.primary").focus()  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert "Dossier 2950-01 exporté" in toast(page)
    assert unlabelled_fields(page) == []
    page.get_by_role("link", name="Partager des documents").click()  # type: ignore[attr-defined]
    assert unlabelled_fields(page) == []
