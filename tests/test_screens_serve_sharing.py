"""FW-07, JZ-02 … JZ-06: the shared-zone screens over HTTP: bad inputs as sentences, nothing half-made.

``liasse_screens.serve.start`` runs what ``liasse serve`` runs; the forms
are posted with ``requests`` and the outcome checked through the share
desk (a refused share leaves no share behind, a refused export no file).
"""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from liasse_hostapi.reference.demo_documents import simple_pdf

from liasse.multipart import post_file
from liasse.sharing import ShareDesk
from liasse_screens.serve import ServedOffice
from screens_http import browser, served, toasts  # noqa: F401  (fixtures)


def zone(served: ServedOffice) -> ShareDesk:
    return ShareDesk(served.liasse, "juriszone", "FICH")


@pytest.fixture(scope="module")
def exported(served: ServedOffice) -> int:
    """Matter 2950-01 exported once its buyer has an e-mail, with one document uploaded."""
    with requests.Session() as browser:
        browser.post(f"{served.url}/z/juriszone/accounts/2950/parties/3120/email", data={"email": "marie.dupont@orange.fr"}, timeout=30)
        page = browser.post(f"{served.url}/z/juriszone/accounts/2950/export", data={"matter": "2950-01"}, timeout=30)
        file_id = int(page.url.rsplit("/", 1)[-1])
        pdf = simple_pdf(office_name="Groupe FICHORGA", title="Projet", lines=("Vente.",))
        post_file(browser, f"{served.url}/z/juriszone/files/{file_id}/upload", "file", pdf, "application/pdf", file_name="Projet.pdf", timeout=30)
    return file_id


def test_fw07_jz02_export_refusals_are_sentences(served: ServedOffice, browser: requests.Session) -> None:
    page = browser.post(f"{served.url}/z/juriszone/accounts/2950/export", data={}, timeout=30)
    assert toasts(page, "error") == ["Choisissez l'affaire à exporter."]
    page = browser.post(f"{served.url}/z/juriszone/accounts/2950/export", data={"matter": "9999-99"}, timeout=30)
    assert "9999-99 introuvable" in toasts(page, "error")[0]
    page = browser.post(f"{served.url}/z/juriszone/accounts/2950/parties/3120/email", data={"email": "marie@"}, timeout=30)
    assert toasts(page, "error") == ["Saisissez l'adresse courriel de DUPONT MARIE (par ex. nom@exemple.fr)."]
    assert served.liasse.host.accounts.account("3120").email != "marie@"


def test_fw07_jz03_an_upload_with_nothing_or_a_disguised_file_is_refused(served: ServedOffice, browser: requests.Session, exported: int) -> None:
    before = zone(served).documents(exported)
    page = browser.post(f"{served.url}/z/juriszone/files/{exported}/upload", data={}, timeout=30)
    assert "Cochez au moins une pièce jointe ou choisissez un fichier" in toasts(page, "error")[0]
    page = post_file(
        browser, f"{served.url}/z/juriszone/files/{exported}/upload", "file", b"MZ\x90\x00 not a pdf", "application/pdf",
        file_name="facture.pdf", timeout=30,
    )
    assert "Un fichier déguisé n'est jamais envoyé" in toasts(page, "error")[0]
    page = browser.post(f"{served.url}/z/juriszone/files/{exported}/upload", data={"attachment": "abc"}, timeout=30)
    assert "rechargez la page" in toasts(page, "error")[0]
    assert zone(served).documents(exported) == before


def test_fw07_jz04_share_dialog_refusals_keep_what_was_typed_and_make_no_share(served: ServedOffice, browser: requests.Session, exported: int) -> None:
    url = f"{served.url}/z/juriszone/files/{exported}/share"
    document = str(zone(served).share_dialog(exported).documents[0].id)
    tomorrow = (dt.date.today() + dt.timedelta(days=5)).strftime("%d/%m/%Y")
    form = {"title": "Pièces", "expires_on": tomorrow, "recipient": ["3120"], "notify": ["3120"], "document": [document], "comment": "Merci"}
    page = browser.post(url, data={**form, "expires_on": "32/13/2026"}, timeout=30)
    assert toasts(page, "error") == ["La date d'expiration « 32/13/2026 » n'est pas une date : saisissez-la au format JJ/MM/AAAA."]
    assert 'value="32/13/2026"' in page.text and ">Merci</textarea>" in page.text
    page = browser.post(url, data={**form, "title": "  "}, timeout=30)
    assert "titre" in toasts(page, "error")[0]
    page = browser.post(url, data={**form, "recipient": ["00000"]}, timeout=30)
    assert "n'est pas un intervenant du dossier" in toasts(page, "error")[0]
    page = browser.post(url, data={**form, "recipient": []}, timeout=30)
    assert "« destinataires » est obligatoire" in toasts(page, "error")[0]
    page = browser.post(url, data={**form, "document": []}, timeout=30)
    assert "« documents » est obligatoire" in toasts(page, "error")[0]
    assert zone(served).shares(account_number="2950") == ()
    # The same form, right: one share, "Partagé", with the typed date (JJ/MM/AAAA or a date field's AAAA-MM-JJ).
    iso = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    page = browser.post(url, data={**form, "expires_on": iso}, timeout=30)
    assert f"Partage « Pièces » : Partagé jusqu'au {tomorrow}, avec DUPONT MARIE." in toasts(page, "success")
    assert len(zone(served).shares(account_number="2950")) == 1


def test_fw07_jz06_shares_list_and_sync(served: ServedOffice, browser: requests.Session) -> None:
    page = browser.get(f"{served.url}/z/juriszone/shares", timeout=30)
    assert page.status_code == 200 and "Suivi des partages" in page.text
    page = browser.post(f"{served.url}/z/juriszone/sync", data={"next": "//evil.example/"}, timeout=30)
    assert page.url.startswith(served.url) and "Suivi actualisé" in toasts(page, "success")[0]
    page = browser.post(f"{served.url}/z/juriszone/documents/424242/import", timeout=30)
    assert "introuvable" in toasts(page, "error")[0]


def test_fw07_jz05_cote_client_moves_juriszone_eleven_days_on_so_a_share_expires(served: ServedOffice, browser: requests.Session) -> None:
    """The demo's "eleven days later the share has expired" is one click on "Côté client" (the sandbox's own clock)."""
    clock = f"{served.sandboxes['juriszone'].url}/_sandbox/clock"
    before = requests.get(clock, timeout=10).json()["offset_seconds"]
    page = browser.post(f"{served.url}/recipient/juriszone/clock", timeout=30)
    assert page.status_code == 200
    assert any("avancée de 11 jours" in t for t in toasts(page, "success")), page.text
    assert requests.get(clock, timeout=10).json()["offset_seconds"] - before == 11 * 86400
    requests.post(clock, json={"advance_seconds": -11 * 86400}, timeout=10)  # the module's other tests keep today's date
