"""FW-07: the screens' server over HTTP: bad inputs, contact actions, the user selector's right, webhooks, dates.

``liasse_screens.serve.start`` runs what ``liasse serve`` runs (sandboxes,
office, worker, web server on loopback); these tests talk to it with
``requests`` as a browser without JavaScript would. The whole stories in a
real browser are in ``test_screens_browser.py``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import requests

from liasse_screens.serve import ServedOffice, start
from screens_http import browser, served, toasts  # noqa: F401  (fixtures)


def field(page: requests.Response, name: str) -> str:
    found = re.search(rf"<input id=\"{name}\"[^>]*value=\"([^\"]*)\"", page.text)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


def test_fw07_ds03_a_bad_email_is_a_sentence_and_the_dialog_keeps_what_was_typed(served: ServedOffice, browser: requests.Session) -> None:
    url = f"{served.url}/x/docsecure/accounts/1173/contacts/new"
    page = browser.post(url, data={"kind": "person", "first_name": "Anne", "last_name": "FICHORGA", "email": "anne@", "mobile": "06 12 34 56 78"}, timeout=30)
    assert page.status_code == 200
    errors = toasts(page, "error")
    assert errors and "e-mail" in errors[0].lower()
    assert (field(page, "last_name"), field(page, "first_name"), field(page, "email")) == ("FICHORGA", "Anne", "anne@")
    # A person with no mobile: the sentence names the field (DS-03: the SMS code goes there).
    page = browser.post(url, data={"kind": "person", "first_name": "Anne", "last_name": "FICHORGA", "email": "anne@fichorga.fr"}, timeout=30)
    assert "« Téléphone portable » est obligatoire" in toasts(page, "error")[0]
    # Nothing was created.
    assert served.liasse.desk("docsecure", "FICH").contacts("1173") == []


def test_fw07_ds05_the_dialog_prefills_from_the_client_directory(served: ServedOffice, browser: requests.Session) -> None:
    base = f"{served.url}/x/docsecure/accounts/1173/contacts/new"
    listed = browser.get(base, params={"q": "DURAND"}, timeout=30)
    assert "DURAND (Authen.tic)" in html.unescape(listed.text)
    chosen = browser.get(base, params={"q": "DURAND", "source": "directory", "entry": "0"}, timeout=30)
    assert 'class="prefill-source">Authen.tic<' in chosen.text
    first = served.liasse.desk("docsecure", "FICH").search_directory("DURAND")[0]
    assert (field(chosen, "last_name"), field(chosen, "first_name")) == (first.last_name, first.first_name)
    assert browser.get(base, params={"q": "DURAND", "source": "directory", "entry": "99"}, timeout=30).status_code == 404


def test_fw07_ds07_ds08_ds09_edit_archive_unarchive_and_delete_after_confirmation(served: ServedOffice, browser: requests.Session) -> None:
    created = browser.post(
        f"{served.url}/x/docsecure/accounts/97974/contacts/new",
        data={"kind": "person", "first_name": "Luc", "last_name": "ROBERT", "email": "luc.robert@example.fr", "mobile": "06 11 22 33 44"},
        timeout=30,
    )
    assert any("Contact ROBERT Luc créé" in t for t in toasts(created, "success")), created.text
    desk = served.liasse.desk("docsecure", "FICH")
    contact = desk.contacts("97974")[0]
    edited = browser.post(
        f"{served.url}/x/docsecure/contacts/{contact.id}/edit",
        data={"kind": "person", "first_name": "Luc", "last_name": "ROBERT", "email": "l.robert@example.fr", "mobile": "06 11 22 33 44"},
        timeout=30,
    )
    assert "Contact ROBERT Luc modifié." in toasts(edited, "success")
    assert desk.contact(contact.id).email == "l.robert@example.fr"
    archived = browser.post(f"{served.url}/x/docsecure/contacts/{contact.id}/archive", timeout=30)
    assert "Contact ROBERT Luc (archivé) archivé." in toasts(archived, "success")
    assert desk.contact(contact.id).archived
    browser.post(f"{served.url}/x/docsecure/contacts/{contact.id}/unarchive", timeout=30)
    assert not desk.contact(contact.id).archived
    asked = browser.get(f"{served.url}/x/docsecure/contacts/{contact.id}/delete", timeout=30)
    assert "Voulez-vous vraiment supprimer le contact" in html.unescape(asked.text)
    assert desk.contacts("97974") != []  # asking deletes nothing
    deleted = browser.post(f"{served.url}/x/docsecure/contacts/{contact.id}/delete", timeout=30)
    assert "Contact ROBERT Luc supprimé." in toasts(deleted, "success")
    assert desk.contacts("97974") == []


def test_fw07_ds30_ds31_a_contact_without_account_is_associated_from_its_tab(served: ServedOffice, browser: requests.Session) -> None:
    made = browser.post(
        f"{served.url}/x/docsecure/contacts/new",
        data={"kind": "person", "first_name": "Hélène", "last_name": "LÉGER", "email": "helene.leger@example.fr", "mobile": "06 55 44 33 22"},
        timeout=30,
    )
    assert any("créé sans compte" in t for t in toasts(made, "success"))
    assert "LÉGER Hélène" in html.unescape(made.text)  # the tab it lands on lists it
    desk = served.liasse.desk("docsecure", "FICH")
    contact = next(c for c in desk.contacts(unlinked=True) if c.last_name == "LÉGER")
    missing = browser.post(f"{served.url}/x/docsecure/contacts/{contact.id}/associate", data={"account": ""}, timeout=30)
    assert "Saisissez le numéro du compte à associer au contact." in toasts(missing, "error")
    unknown = browser.post(f"{served.url}/x/docsecure/contacts/{contact.id}/associate", data={"account": "0000"}, timeout=30)
    assert "Compte « 0000 » introuvable dans le logiciel de l'étude." in toasts(unknown, "error")
    done = browser.post(f"{served.url}/x/docsecure/contacts/{contact.id}/associate", data={"account": "3120"}, timeout=30)
    assert any("associé au compte 3120" in t for t in toasts(done, "success"))
    assert desk.contact(contact.id).account_number == "3120"


def test_fw07_ds33_the_user_selector_is_behind_the_right(served: ServedOffice, browser: requests.Session) -> None:
    tracking = f"{served.url}/x/docsecure/tracking"
    assert 'id="as"' in browser.get(tracking, timeout=30).text  # FICH has the right
    # CLER never connected DocSecure: the sentence names whose credentials are missing.
    other = browser.get(tracking, params={"as": "CLER"}, timeout=30, headers={"Referer": f"{served.url}/"})
    assert any("pour l'utilisateur CLER" in t for t in toasts(other, "error")), other.text
    browser.post(f"{served.url}/user", data={"user": "COMP"}, timeout=30)
    # COMP's DocSecure link is off: the screens say so and how to fix it (DS-01) ...
    off = browser.get(tracking, timeout=30, headers={"Referer": f"{served.url}/"})
    assert any("Activer le lien" in t for t in toasts(off, "error")), off.text
    # ... which COMP does in the user settings.
    saved = browser.post(f"{served.url}/settings/docsecure/options", data={"link_enabled": "yes", "auto_stamp_rib": "yes"}, timeout=30)
    assert "Options DocSecure enregistrées." in toasts(saved, "success")
    assert served.liasse.host.office.user("COMP").options_for("docsecure").link_enabled
    # DS-01 "Connexion": the credentials are tested before they are kept.
    account = served.sandboxes["docsecure"].sandbox.user_account
    assert account is not None
    wrong = browser.post(f"{served.url}/settings/docsecure/connect", data={"login": account.login, "password": "canary-Pa55-77"}, timeout=30)
    assert toasts(wrong, "error") and not served.liasse.vault.has("COMP", "docsecure")
    assert "canary-Pa55-77" not in wrong.text  # a secret is never shown back
    connected = browser.post(f"{served.url}/settings/docsecure/connect", data={"login": account.login, "password": account.secret}, timeout=30)
    assert any("Connexion à DocSecure réussie" in t for t in toasts(connected, "success")), connected.text
    tested = browser.post(f"{served.url}/settings/docsecure/test", timeout=30)
    assert any("Accès à DocSecure vérifié" in t for t in toasts(tested, "success"))
    page = browser.get(tracking, timeout=30)
    assert page.url.endswith("/x/docsecure/tracking") and "Suivi des échanges DocSecure" in page.text
    assert 'id="as"' not in page.text
    refused = browser.get(tracking, params={"as": "FICH"}, timeout=30, headers={"Referer": f"{served.url}/"})
    assert any("consulter les échanges DocSecure d'un autre utilisateur" in t for t in toasts(refused, "error")), refused.text
    # "Réinitialiser les identifiants": forgotten; the next use says how to connect again.
    reset = browser.post(f"{served.url}/settings/docsecure/reset", timeout=30)
    assert "Identifiants DocSecure réinitialisés." in toasts(reset, "success")
    assert not served.liasse.vault.has("COMP", "docsecure")
    again = browser.get(tracking, timeout=30)
    assert again.url.endswith("/settings/") and any("Aucun identifiant DocSecure" in t for t in toasts(again, "error"))


def test_fw07_ds02_banner_buttons_follow_the_url_rules(served: ServedOffice, browser: requests.Session) -> None:
    page = browser.get(f"{served.url}/", timeout=30)
    for name in served.sandboxes:
        found = re.search(rf'<a class="provider-button[^"]*" href="([^"]*)"[^>]*data-provider="{name}"', page.text)
        assert found, name
        assert html.unescape(found.group(1)) == served.liasse.banner_url(name)


def test_fw07_by04_the_webhook_endpoint_is_mounted_and_refuses_forgeries(served: ServedOffice) -> None:
    forged = requests.post(
        f"{served.url}/liasse/webhooks/docsecure",
        data=b'{"type": "exchange.updated"}',
        headers={"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
        timeout=30,
    )
    assert forged.status_code == 400


def test_fw07_dates_are_dd_mm_yyyy_hh_mm_and_the_iban_confirmation_needs_the_tick(served: ServedOffice, browser: requests.Session) -> None:
    page = browser.get(f"{served.url}/accounts/2950", timeout=30)
    assert re.search(r"<td>\d\d/\d\d/\d{4} \d\d:\d\d</td>", page.text)
    record = served.liasse.host.ibans.list("2950")[0]
    refused = browser.post(f"{served.url}/accounts/2950/ibans/{record.id}/confirm", data={}, timeout=30)
    assert any("Cochez" in t for t in toasts(refused, "error"))
    assert served.liasse.host.ibans.list("2950")[0].confirmed_by is None


def test_fw07_recipient_page_lists_the_sandboxes_messages(served: ServedOffice, browser: requests.Session, tmp_path: Path) -> None:
    desk = served.liasse.desk("docsecure", "FICH")
    contact = desk.contacts("1173")[0] if desk.contacts("1173") else None
    if contact is None:
        browser.post(
            f"{served.url}/x/docsecure/accounts/1173/contacts/new",
            data={"kind": "person", "first_name": "Anne", "last_name": "FICHORGA", "email": "anne@fichorga.fr", "mobile": "06 12 34 56 78"},
            timeout=30,
        )
        contact = desk.contacts("1173")[0]
    sent = browser.post(
        f"{served.url}/x/docsecure/accounts/1173/request", data={"kind": "other", "contact": str(contact.id), "label": "Statuts"}, timeout=30
    )
    assert any("Demande « Statuts » envoyée" in t for t in toasts(sent, "success")), sent.text
    page = browser.get(f"{served.url}/recipient/", timeout=30)
    assert 'data-to="anne@fichorga.fr"' in page.text and "Statuts" in html.unescape(page.text)
    assert re.search(r'class="message-link" href="http://127\.0\.0\.1:\d+/r/', page.text)


def _contact_on(served: ServedOffice, browser: requests.Session, number: str, email: str, mobile: str) -> int:
    desk = served.liasse.desk("docsecure", "FICH")
    existing = [c for c in desk.contacts(number) if c.email == email]
    if existing:
        return existing[0].id
    made = browser.post(
        f"{served.url}/x/docsecure/accounts/{number}/contacts/new",
        data={"kind": "person", "first_name": "Test", "last_name": "CLIENT", "email": email, "mobile": mobile},
        timeout=30,
    )
    assert toasts(made, "success"), made.text
    return next(c.id for c in desk.contacts(number) if c.email == email)


def test_fw07_ds26_an_unreadable_rib_opens_the_typed_details_form_then_the_iban_record(
    served: ServedOffice, browser: requests.Session, tmp_path: Path
) -> None:
    from fpdf import FPDF
    from liasse_docsecure.recipient import Recipient

    contact_id = _contact_on(served, browser, "3305", "rib.illisible@example.fr", "06 22 33 44 55")
    sent = browser.post(
        f"{served.url}/x/docsecure/accounts/3305/request", data={"kind": "rib", "contact": str(contact_id), "label": "RIB illisible"}, timeout=30
    )
    assert any("Demande « RIB illisible » envoyée" in t for t in toasts(sent, "success")), sent.text
    # The client uploads a PDF with no bank details on it.
    blank = FPDF()
    blank.add_page()
    blank.set_font("Helvetica", size=12)
    blank.cell(0, 10, "Bonjour, voici mon RIB.")
    scan = tmp_path / "scan.pdf"
    blank.output(str(scan))
    client = Recipient(served.sandboxes["docsecure"].url, "rib.illisible@example.fr", "+33622334455")
    client.answer_request(scan)
    desk = served.liasse.desk("docsecure", "FICH")
    browser.post(f"{served.url}/x/docsecure/sync", timeout=30)
    exchange = next(e for e in desk.exchanges() if e.label == "RIB illisible")
    assert exchange.to_import
    tracking = f"{served.url}/x/docsecure/accounts/3305/tracking"
    tried = browser.post(f"{served.url}/x/docsecure/exchanges/{exchange.id}/import", data={"next": tracking}, timeout=30)
    assert tried.url.endswith(f"/x/docsecure/exchanges/{exchange.id}/import")
    assert any("n'a pas pu être lu automatiquement" in t for t in toasts(tried, "error")), tried.text
    assert desk.exchange(exchange.id).to_import  # nothing lost: still waiting to be imported
    bad = browser.post(f"{served.url}/x/docsecure/exchanges/{exchange.id}/import", data={"iban": "FR76 0000"}, timeout=30)
    assert toasts(bad, "error") and desk.exchange(exchange.id).to_import
    typed = browser.post(
        f"{served.url}/x/docsecure/exchanges/{exchange.id}/import",
        data={"iban": "FR76 3000 4000 0312 3456 7890 143", "bic": "BNPAFRPPXXX", "holder": "M. TEST CLIENT"},
        timeout=30,
    )
    assert re.search(r"/accounts/3305/ibans/\d+$", typed.url), typed.url
    assert field(typed, "iban") == "FR7630004000031234567890143"
    assert not desk.exchange(exchange.id).to_import


def test_fw07_ds15_ds18_ds29_office_rib_attachment_row_and_attestation(served: ServedOffice, browser: requests.Session) -> None:
    contact_id = _contact_on(served, browser, "2950", "jacques.martin@free.fr", "06 54 55 99 87")
    rib = browser.post(f"{served.url}/x/docsecure/accounts/2950/office-rib", data={"contact": str(contact_id)}, timeout=30)
    assert any(t.startswith("RIB de l'étude envoyé à") for t in toasts(rib, "success")), rib.text
    from liasse_hostapi.records import OwnerKind, OwnerRef

    attachment = served.liasse.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950"))[0]
    row = browser.post(
        f"{served.url}/x/docsecure/accounts/2950/attachments/{attachment.id}/send", data={"contact": str(contact_id)}, timeout=30
    )
    assert row.url.endswith("/accounts/2950")
    assert any(t.startswith("Pièce jointe envoyée à") for t in toasts(row, "success")), row.text
    nobody = browser.post(f"{served.url}/x/docsecure/accounts/2950/attachments/{attachment.id}/send", data={}, timeout=30)
    assert "Choisissez le contact à qui envoyer cette pièce jointe." in toasts(nobody, "error")
    exchange = next(e for e in served.liasse.desk("docsecure", "FICH").exchanges() if e.remote_id)
    made = browser.post(f"{served.url}/x/docsecure/exchanges/{exchange.id}/attestation", timeout=30)
    assert made.status_code == 200 and made.headers["Content-Type"] == "application/pdf"
    assert made.content.startswith(b"%PDF")


def test_fw07_liasse_serve_is_a_command_with_its_options() -> None:
    from click.testing import CliRunner

    from liasse.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--workdir" in result.output and "--poll-every" in result.output
    assert CliRunner().invoke(cli, ["serve", "--port", "70000"]).exit_code == 2


def test_fw07_a_tampered_form_gets_a_sentence_not_a_crash(served: ServedOffice, browser: requests.Session) -> None:
    home = {"Referer": f"{served.url}/"}
    bogus = browser.get(f"{served.url}/x/docsecure/tracking", params={"progress": "bogus"}, headers=home, timeout=30)
    assert bogus.status_code == 200
    assert "Choix inconnu pour « avancement » : « bogus »." in toasts(bogus, "error")[0]
    sent = browser.post(
        f"{served.url}/x/docsecure/accounts/2950/send", data={"contact": "1", "participation": "x"}, headers=home, timeout=30
    )
    assert any("Numéro de facture de participation invalide" in t for t in toasts(sent, "error"))
    kinds = browser.post(f"{served.url}/x/docsecure/accounts/2950/send", data={"contact": "1", "kind": "poem"}, headers=home, timeout=30)
    assert any("Choix inconnu pour « document » : « poem »." in t for t in toasts(kinds, "error"))


def test_fw07_a_port_in_use_is_a_sentence_and_nothing_is_left_running(served: ServedOffice, tmp_path: Path) -> None:
    import threading

    from liasse_screens.serve import PortInUse

    port = int(served.url.rsplit(":", 1)[1])
    before = threading.active_count()
    with pytest.raises(PortInUse) as refused:
        start(port, tmp_path / "second", poll_every=0)
    assert f"Le port {port} de 127.0.0.1 est déjà utilisé" in str(refused.value)
    assert "--port" in refused.value.message("en")
    # The second office's sandboxes and worker were stopped on the way out.
    assert threading.active_count() <= before


def test_fw07_an_action_never_sends_the_clerk_to_another_site(served: ServedOffice, browser: requests.Session) -> None:
    """A ``next`` field or a referrer naming another site is ignored: back to the screen's own default (no open redirect)."""
    from urllib.parse import urlsplit

    browser.get(f"{served.url}/", timeout=30)
    for evil in ("https://evil.example/phish", "//evil.example/phish"):
        done = browser.post(
            f"{served.url}/user", data={"user": "FICH", "next": evil}, headers={"Referer": evil}, allow_redirects=False, timeout=30
        )
        assert done.status_code in (302, 303), done.status_code
        target = urlsplit(done.headers["Location"])
        assert target.netloc in ("", urlsplit(served.url).netloc), done.headers["Location"]


def test_fw07_two_uploads_of_the_same_name_are_both_kept(tmp_path: Path) -> None:
    """Two "scan.pdf" picked from two of the office's folders in one form: both saved, both under their name."""
    import io

    from flask import Flask

    from liasse_screens.app import save_uploads

    app = Flask(__name__)
    files = {"file": [(io.BytesIO(b"%PDF-1 first"), "scan.pdf"), (io.BytesIO(b"%PDF-1 second"), "scan.pdf")]}
    with app.test_request_context("/", method="POST", data=files, content_type="multipart/form-data"):
        saved = save_uploads(tmp_path, "send-")
    assert [path.name for path in saved] == ["scan.pdf", "scan.pdf"]
    assert [path.read_bytes() for path in saved] == [b"%PDF-1 first", b"%PDF-1 second"]
