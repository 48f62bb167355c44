"""FW-07: the AR24 screens over HTTP: bad inputs say what to fix and leave everything as it was.

``liasse_screens.serve.start`` runs what ``liasse serve`` runs; these tests
post the screens' forms with ``requests`` as a browser without JavaScript
would (the whole story in Chromium is ``test_screens_browser_registered.py``).
"""

from __future__ import annotations

import html
import re
import time

import pyotp
import requests
from liasse_ar24.sandbox_letters import DEMO_OTP_KEY

from liasse.registered import RegisteredDesk
from liasse.states import LetterState
from liasse_screens.serve import ServedOffice
from screens_http import browser, served, toasts  # noqa: F401  (fixtures)

DURAND = "email:sophie.durand@orange.fr"
LEFEBVRE = "email:marc.lefebvre@gmail.com"


def desk(served: ServedOffice) -> RegisteredDesk:
    found = served.liasse.desk("ar24", "FICH")
    assert isinstance(found, RegisteredDesk)
    return found


def send(served: ServedOffice, browser: requests.Session, letters: dict[str, str], events: tuple[int, ...] = (1,)) -> dict[str, object]:
    """Post the letters screen's "Envoyer les lettres" and wait for the background send; its last JSON state."""
    page = browser.post(f"{served.url}/r/ar24/send", data={"event": [str(e) for e in events], **letters}, timeout=30)
    assert "/r/ar24/jobs/" in page.url, page.text
    deadline = time.monotonic() + 60
    while True:
        state = browser.get(f"{page.url}.json", timeout=30).json()
        if state["finished"] or time.monotonic() > deadline:
            return {**state, "page": browser.get(page.url, timeout=30)}
        time.sleep(0.2)


_USED: set[str] = set()


def fresh_code() -> str:
    """A code the demo OTP key accepts now and that no test used yet (AR24 takes each code once, ±1 step of 30 s)."""
    totp = pyotp.TOTP(DEMO_OTP_KEY)
    now = time.time()
    code = next(c for c in (totp.at(now), totp.at(now + 30), totp.at(now - 30)) if c not in _USED)
    _USED.add(code)
    return code


def wrong_code() -> str:
    """A 6-digit code the demo OTP key does not show around now (AR24 accepts the neighbouring steps)."""
    totp = pyotp.TOTP(DEMO_OTP_KEY)
    now = time.time()
    valid = {totp.at(now + step * 30) for step in range(-2, 3)}
    return next(code for code in ("123456", "654321", "111111") if code not in valid)


def test_fw07_ar07_paper_without_address_no_email_and_untimestamped_event_are_summarised(
    served: ServedOffice, browser: requests.Session
) -> None:
    page = browser.get(
        f"{served.url}/r/ar24/letters",
        params={
            "event": ["2", "3"],
            "kind:3:email:paul.girard@laposte.net": "paper",
            "kind:3:account:3120": "eidas",
            "kind:2:account:2950": "simple_notice",
            "check": "1",
        },
        timeout=30,
    )
    text = html.unescape(page.text)
    assert re.search(r'data-problems="3" data-ready="0"', page.text)
    assert "Paul GIRARD n'a pas d'adresse postale complète (rue, code postal et ville)" in text
    assert "Marie DUPONT n'a pas d'adresse e-mail" in text
    assert "n'est pas chronoté : chronotez-le dans le registre" in text
    # The summary's sections, one per reason, and the events in error.
    for section in ("Adresse postale incomplète", "Pas d'adresse e-mail", "Événement non chronoté"):
        assert f"<h3>{section}</h3>" in text
    assert "Événements en erreur : <strong>2 - " in text and "<strong>3 - " in text
    # The choices stay chosen for the recompute.
    assert re.search(r'<option value="paper" selected>', page.text)


def test_fw07_ar03_an_eidas_letter_to_a_party_without_consent_is_not_sent(served: ServedOffice, browser: requests.Session) -> None:
    before = len(desk(served).letters())
    state = send(served, browser, {f"kind:1:{DURAND}": "eidas"})
    page = state["page"]
    assert isinstance(page, requests.Response)
    text = html.unescape(page.text)
    assert state["results"] == [] and state["done"] == state["total"] == 1
    assert "Lettres refusées avant l'envoi : 1" in text
    assert "Sophie DURAND n'a pas consenti à recevoir des lettres recommandées électroniques" in text
    assert "Aucune lettre envoyée." in text
    # Nothing was made for her.
    assert len(desk(served).letters()) == before


def test_fw07_ar09_a_wrong_otp_code_validates_nothing_and_says_what_to_do(served: ServedOffice, browser: requests.Session) -> None:
    state = send(served, browser, {f"kind:1:{LEFEBVRE}": "simple_notice"})
    results = state["results"]
    assert isinstance(results, list) and [r["state"] for r in results] == ["À valider"]
    letter_id = results[0]["letter_id"]
    url = f"{served.url}/r/ar24/validate"
    # Not six digits: refused before AR24 is asked.
    page = browser.post(url, data={"letter": str(letter_id), "otp": "12a4"}, timeout=30)
    assert "Tapez les 6 chiffres du code que votre clé OTP affiche maintenant" in toasts(page, "error")[0]
    # No letter ticked.
    page = browser.post(url, data={"otp": "123456"}, timeout=30)
    assert "Cochez au moins une lettre à valider." in toasts(page, "error")
    # Six digits, but not the key's: AR24 refuses, the letter waits as it was, the code is not echoed.
    code = wrong_code()
    page = browser.post(url, data={"letter": str(letter_id), "otp": code}, headers={"Referer": url}, timeout=30)
    refused = toasts(page, "error")[0]
    assert "Le code OTP n'a pas été accepté par AR24 (code erroné)" in refused and "restent « À valider »" in refused
    assert code not in page.text
    assert desk(served).letter(letter_id).state is LetterState.TO_VALID
    # The right code, then, validates it.
    page = browser.post(url, data={"letter": str(letter_id), "otp": fresh_code()}, timeout=30)
    assert "1 lettre(s) validée(s) avec un seul code OTP : En cours d'envoi." in toasts(page, "success")
    assert desk(served).letter(letter_id).state is LetterState.WAITING


def test_fw07_ar08_nothing_chosen_or_a_tampered_kind_is_a_sentence(served: ServedOffice, browser: requests.Session) -> None:
    before = len(desk(served).letters())
    page = browser.post(f"{served.url}/r/ar24/send", data={"event": "1"}, timeout=30)
    assert "Choisissez le type d'envoi d'au moins une partie : aucune lettre n'est partie." in toasts(page, "error")
    page = browser.post(f"{served.url}/r/ar24/send", data={"event": "1", f"kind:1:{DURAND}": "fax"}, timeout=30)
    assert "Type d'envoi inconnu pour Sophie DURAND : « fax »" in toasts(page, "error")[0]
    page = browser.get(f"{served.url}/r/ar24/letters", params={"event": "x"}, timeout=30)
    assert "Numéro d'événement invalide" in toasts(page, "error")[0]
    page = browser.get(f"{served.url}/r/ar24/letters", timeout=30)
    assert "Cochez au moins un événement" in toasts(page, "error")[0]
    assert len(desk(served).letters()) == before


def test_fw07_ar03_consent_requests_need_a_party_and_a_delay_of_3_to_30_days(served: ServedOffice, browser: requests.Session) -> None:
    url = f"{served.url}/r/ar24/consents"
    page = browser.post(url, data={"event": "3", "action": "ask", "delay": "15"}, timeout=30)
    assert "Cochez « Demander » pour au moins une partie" in toasts(page, "error")[0]
    page = browser.post(url, data={"event": "3", "action": "ask", "ask": "account:3305", "delay": "40"}, timeout=30)
    assert "Le délai de réponse est un nombre de jours entre 3 et 30." in toasts(page, "error")
    # Ticked by hand, then unticked: each change is said, and kept.
    page = browser.post(url, data={"event": "3", "action": "save", "ticked": "email:paul.girard@laposte.net"}, timeout=30)
    assert "Consentements enregistrés : Paul GIRARD." in toasts(page, "success")
    assert {c.party_key: c.ticked for c in desk(served).consents([3])}["email:paul.girard@laposte.net"]
    page = browser.post(url, data={"event": "3", "action": "save"}, timeout=30)
    assert "Consentements enregistrés : Paul GIRARD." in toasts(page, "success")
    assert not {c.party_key: c.ticked for c in desk(served).consents([3])}["email:paul.girard@laposte.net"]
    page = browser.post(url, data={"action": "update"}, timeout=30)
    assert "Cochez au moins un événement" in toasts(page, "error")[0]


def test_fw07_ar04_a_payment_means_is_linked_once_per_entity(served: ServedOffice, browser: requests.Session) -> None:
    url = f"{served.url}/r/ar24/payment-means/link"
    listed = browser.get(f"{served.url}/r/ar24/payment-means", timeout=30)
    assert "Carte bancaire **** 4242" in listed.text
    page = browser.post(url, data={"entity": "5421", "mean": "1"}, timeout=30)
    assert "Entité 5421 liée au moyen de paiement « Carte bancaire **** 4242 »." in toasts(page, "success")
    page = browser.post(url, data={"entity": "5421", "mean": "1"}, timeout=30)
    assert "L'entité « 5421 » est déjà liée au moyen de paiement « Carte bancaire **** 4242 »" in toasts(page, "error")[0]
    page = browser.post(url, data={"entity": "512", "mean": "99"}, timeout=30)
    assert "99" in toasts(page, "error")[0]
    page = browser.post(url, data={"entity": "512"}, timeout=30)
    assert "Choisissez l'entité de l'étude et le moyen de paiement" in toasts(page, "error")[0]
    assert desk(served).payment_links() == {"5421": "Carte bancaire **** 4242"}


def test_fw07_ar10_bad_filters_rights_and_other_users_jobs(served: ServedOffice, browser: requests.Session) -> None:
    url = f"{served.url}/r/ar24/tracking"
    page = browser.get(url, params={"since": "2024-13-45"}, timeout=30)
    assert "La date « Du » doit être une date (JJ/MM/AAAA)" in toasts(page, "error")[0]
    page = browser.get(url, params={"state": "lost"}, timeout=30)
    assert "État inconnu : « lost »" in toasts(page, "error")[0]
    # A date range that holds nothing lists nothing; one that holds today lists the letters.
    empty = browser.get(url, params={"since": "2020-01-01", "until": "2020-01-31"}, timeout=30)
    assert "Aucune lettre recommandée." in empty.text
    # The accountant has no right to send registered mail: the sentence says so.
    browser.post(f"{served.url}/user", data={"user": "COMP"}, timeout=30)
    page = browser.get(url, headers={"Referer": f"{served.url}/"}, timeout=30)
    assert any("COMP" in t and "lettres recommandées" in t for t in toasts(page, "error")), page.text
    # Another user's send progress is not shown.
    with requests.Session() as fich:
        page = fich.post(f"{served.url}/r/ar24/send", data={"event": "1", f"kind:1:{LEFEBVRE}": "simple_notice"}, timeout=30)
        assert "/r/ar24/jobs/" in page.url
    browser.post(f"{served.url}/user", data={"user": "CLER"}, timeout=30)
    assert browser.get(page.url, timeout=30).status_code == 404
    assert browser.get(f"{page.url}.json", timeout=30).status_code == 404


def test_fw07_ar12_proofs_of_a_letter_not_sent_yet_say_so(served: ServedOffice, browser: requests.Session) -> None:
    state = send(served, browser, {f"kind:1:{LEFEBVRE}": "simple_notice"})
    results = state["results"]
    assert isinstance(results, list) and results[0]["letter_id"]
    page = browser.post(f"{served.url}/r/ar24/letters/{results[0]['letter_id']}/proofs", timeout=30)
    assert "n'a pas encore de preuve : elle en aura une une fois envoyée." in toasts(page, "warning")[0]


def test_fw07_ar01_connexion_authorises_the_account_after_the_emailed_link(served: ServedOffice, browser: requests.Session) -> None:
    root = served.sandboxes["ar24"].url.removesuffix("/api")
    # Hélène CLÉMENT has an AR24 account of her own, not yet attached to the office's API.
    requests.post(f"{root}/_sandbox/users", json={"email": "helene.clement@fichorga.fr", "lastname": "CLÉMENT"}, timeout=10).raise_for_status()
    browser.post(f"{served.url}/user", data={"user": "CLER"}, timeout=30)
    page = browser.post(
        f"{served.url}/settings/ar24/connect", data={"login": "helene.clement@fichorga.fr", "password": "secret"}, timeout=30
    )
    assert "AR24 a envoyé un lien de confirmation à helene.clement@fichorga.fr" in toasts(page, "warning")[0]
    assert served.liasse.vault.has("CLER", "ar24")  # kept: the link is what is left to do
    # Before the link is followed, "Autoriser le compte" says the same; "Tester l'accès" says what is missing.
    page = browser.post(f"{served.url}/r/ar24/link-account", timeout=30)
    assert "cliquez-le, puis « Autoriser le compte » à nouveau" in toasts(page, "warning")[0]
    # The e-mail is on "Côté client"; its link opens AR24's page, where she authorises the office.
    outbox = browser.get(f"{served.url}/recipient/", timeout=30)
    links = re.findall(r'href="([^"]+/confirm_access/[^"]+)"', outbox.text)
    assert links, outbox.text
    assert requests.post(html.unescape(links[0]), timeout=10).ok
    page = browser.post(f"{served.url}/r/ar24/link-account", timeout=30)
    assert "Compte AR24 helene.clement@fichorga.fr autorisé" in toasts(page, "success")[0]
    page = browser.post(f"{served.url}/settings/ar24/test", timeout=30)
    assert "Accès à AR24 vérifié : helene.clement@fichorga.fr." in toasts(page, "success")


def test_fw07_ar01_an_unknown_ar24_account_is_refused_and_not_kept(served: ServedOffice, browser: requests.Session) -> None:
    browser.post(f"{served.url}/user", data={"user": "CLER"}, timeout=30)
    page = browser.post(f"{served.url}/settings/ar24/connect", data={"login": "personne@fichorga.fr", "password": "x"}, timeout=30)
    refused = toasts(page, "error")
    assert refused and "L'utilisateur n'existe pas" in refused[0], page.text
    # Refused credentials are not kept: the next connection asks again.
    assert not served.liasse.vault.has("CLER", "ar24")
    page = browser.post(f"{served.url}/settings/ar24/connect", data={"login": "personne@fichorga.fr"}, timeout=30)
    assert "Saisissez l'identifiant et le mot de passe de votre compte AR24." in toasts(page, "error")


def test_fw07_ar08_a_letter_the_provider_refuses_is_named_in_the_per_letter_result(served: ServedOffice, browser: requests.Session) -> None:
    root = served.sandboxes["ar24"].url.removesuffix("/api")
    # The demo user's AR24 account loses its card: AR24 refuses every letter (no_payment_mean).
    requests.post(f"{root}/_sandbox/payment_means/1001", json={"means": []}, timeout=10).raise_for_status()
    try:
        state = send(served, browser, {f"kind:1:{LEFEBVRE}": "simple_notice"})
    finally:
        requests.post(f"{root}/_sandbox/payment_means/1001", json={"means": ["Carte bancaire **** 4242"]}, timeout=10)
    results = state["results"]
    assert isinstance(results, list) and len(results) == 1
    assert results[0]["party_name"] == "Marc LEFEBVRE" and results[0]["state"] == "Échec d'envoi"
    assert "AR24" in results[0]["error"]
    page = state["page"]
    assert isinstance(page, requests.Response)
    assert "Marc LEFEBVRE" in html.unescape(page.text)
    assert desk(served).letter(results[0]["letter_id"]).state is LetterState.FAILED


def test_fw07_ar10_statuses_arrive_by_the_webhook_the_send_gave_to_ar24(served: ServedOffice, browser: requests.Session) -> None:
    # The served office polls nothing here (poll_every=0): only AR24's webhook to liasse's endpoint moves the letter.
    state = send(served, browser, {f"kind:1:{LEFEBVRE}": "simple_notice"})
    results = state["results"]
    assert isinstance(results, list)
    letter_id = results[0]["letter_id"]
    page = browser.post(f"{served.url}/r/ar24/validate", data={"letter": str(letter_id), "otp": fresh_code()}, timeout=30)
    assert toasts(page, "success"), page.text
    page = browser.post(f"{served.url}/recipient/ar24/clock", data={"by": "minute"}, timeout=30)
    assert "Horloge du bac à sable AR24 avancée" in toasts(page, "success")[0]
    deadline = time.monotonic() + 20
    while desk(served).letter(letter_id).state is not LetterState.SENT and time.monotonic() < deadline:
        time.sleep(0.2)
    assert desk(served).letter(letter_id).state is LetterState.SENT
    listed = browser.get(f"{served.url}/r/ar24/tracking", params={"state": "sent"}, timeout=30)
    assert f'data-letter="{letter_id}" data-state="sent"' in listed.text
