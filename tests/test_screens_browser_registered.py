"""FW-07: AR24's story of ``liasse demo`` through the screens, in a real browser, against the real ``liasse serve``.

Consents updated from AR24, letters from two events (three kinds of send),
the party in error fixed and the check recomputed, the bulk send with its
progress bar reaching the end, one OTP code for every letter, the
recipients on the AR24 sandbox's own pages (one accepts, one refuses), the
statuses in the list with its search, a proof archived and opened.
Screenshots of each step land in ``test-artifacts/screens/<test>/``.
"""

from __future__ import annotations

import re
import time

import pytest
from screens_support import CHROMIUM, browser, page, served, shot, toast, unlabelled_fields

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is needed: apt-get install chromium (.ci/run does)")
__all__ = ["browser", "page", "served"]  # fixtures, used by name

DURAND = "email:sophie.durand@orange.fr"
LEFEBVRE = "email:marc.lefebvre@gmail.com"
PEETERS = "account:3305"


def kind_select(page: object, event: int, party: str) -> object:
    """The "Type d'envoi" list of one party of one event on the letters screen."""
    return page.locator(f"table.parties[data-event='{event}'] tr[data-party='{party}'] select")  # type: ignore[attr-defined]


def recipient_link(page: object, base: str, to: str, subject: str) -> str:
    """The link of the newest e-mail to ``to`` about ``subject`` on "Côté client"."""
    page.goto(f"{base}/recipient/")  # type: ignore[attr-defined]
    mail = page.locator(f"tr.message.email[data-to='{to}']", has_text=subject).first  # type: ignore[attr-defined]
    href = mail.locator("a.message-link").first.get_attribute("href")
    assert href, mail.inner_text()
    return str(href)


def letter_row(page: object, party: str) -> object:
    return page.locator("table.letters tr[data-letter]", has_text=party)  # type: ignore[attr-defined]


def wait_for_states(page: object, url: str, expected: dict[str, str], seconds: float = 40) -> None:
    """Reload the status list until each party's letter shows its state (webhook, else the background sync)."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url)  # type: ignore[attr-defined]
        seen = {party: letter_row(page, party).get_attribute("data-state") for party in expected}
        if seen == expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert seen == expected


def test_fw07_ar03_ar05_ar12_registered_letters_story_through_the_screens(served: str, page: object) -> None:
    base = served
    # AR-01: the user's AR24 account is authorised from the user settings.
    page.goto(f"{base}/settings/")  # type: ignore[attr-defined]
    block = page.locator("section.provider-settings[data-provider=ar24]")  # type: ignore[attr-defined]
    block.get_by_role("button", name="Autoriser le compte").click()
    assert "Compte AR24 jean.fichorga@fichorga.fr autorisé" in toast(page)
    shot(page, "settings-account-authorised")

    # The account page shows AR24's menu; the events screen lists the office's events, chronoté or not.
    page.goto(f"{base}/accounts/2950")  # type: ignore[attr-defined]
    panel = page.locator("section.provider-panel[data-provider=ar24]")  # type: ignore[attr-defined]
    panel.get_by_role("menuitem", name="Lettres recommandées depuis les événements").click()
    assert page.locator("tr[data-event='2']", has_text="Non chronoté").count() == 1  # type: ignore[attr-defined]
    page.get_by_role("link", name="Événements").click()  # type: ignore[attr-defined]
    page.get_by_label("Bail d'habitation - 8 rue de la République, Orléans").check()  # type: ignore[attr-defined]
    page.get_by_label("Convocation du conseil syndical - Résidence Les Tilleuls").check()  # type: ignore[attr-defined]
    shot(page, "events-ticked")
    page.get_by_role("button", name="Préparer les lettres").click()  # type: ignore[attr-defined]

    # AR-05/AR-06: one letter of each kind, the paper one printed double sided.
    kind_select(page, 1, DURAND).select_option("eidas")  # type: ignore[attr-defined]
    kind_select(page, 1, LEFEBVRE).select_option("simple_notice")  # type: ignore[attr-defined]
    kind_select(page, 3, PEETERS).select_option("paper")  # type: ignore[attr-defined]
    page.get_by_label("Recto verso").check()  # type: ignore[attr-defined]
    shot(page, "letters-chosen")
    page.get_by_role("button", name="Vérifier").click()  # type: ignore[attr-defined]

    # AR-07: the summary names the party in error and why; the events in error are listed.
    report = page.locator("[data-testid=check-report]")  # type: ignore[attr-defined]
    assert (report.get_attribute("data-problems"), report.get_attribute("data-ready")) == ("1", "2")
    problem = report.locator("li[data-reason=no_consent]")
    assert "Sophie DURAND" in problem.inner_text() and "n'a pas consenti" in problem.inner_text()
    assert "Événements en erreur : 1 - Bail d'habitation" in report.inner_text()
    # The choices are kept on the page for the recompute.
    assert kind_select(page, 3, PEETERS).input_value() == "paper"  # type: ignore[attr-defined]
    shot(page, "error-summary")

    # AR-03: ask Sophie DURAND's consent through AR24.
    page.get_by_role("link", name="Corriger les consentements").click()  # type: ignore[attr-defined]
    consents_url = page.url  # type: ignore[attr-defined]
    page.get_by_label("Demander à Sophie DURAND").check()  # type: ignore[attr-defined]
    page.get_by_label("Délai de réponse (jours, 3 à 30)").fill("10")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Envoyer les demandes de consentement").click()  # type: ignore[attr-defined]
    assert "Demande de consentement envoyée par AR24 à : Sophie DURAND" in toast(page)
    shot(page, "consent-asked")

    # The recipient answers on AR24's consent page, reached from her e-mail.
    page.goto(recipient_link(page, base, "sophie.durand@orange.fr", "Consentement"))  # type: ignore[attr-defined]
    shot(page, "recipient-consent-page")
    page.get_by_role("button", name="J'accepte").click()  # type: ignore[attr-defined]
    assert page.locator("#status").inner_text() == "accepted"  # type: ignore[attr-defined]

    # "Mettre à jour les consentements" lists the parties changed.
    page.goto(consents_url)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Mettre à jour les consentements").click()  # type: ignore[attr-defined]
    updated = toast(page)
    assert "Consentements mis à jour depuis AR24 : Sophie DURAND (non → oui, sophie.durand@orange.fr)" in updated
    assert page.get_by_label("Consentement de Sophie DURAND").is_checked()  # type: ignore[attr-defined]
    assert page.locator(f"tr[data-party='{DURAND}'] .consent-state").inner_text() == "Accepté"  # type: ignore[attr-defined]
    shot(page, "consents-updated")

    # Back to the letters: "Recalculer" finds nothing in error any more.
    page.get_by_role("link", name="Retour aux lettres").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Recalculer").click()  # type: ignore[attr-defined]
    report = page.locator("[data-testid=check-report]")  # type: ignore[attr-defined]
    assert (report.get_attribute("data-problems"), report.get_attribute("data-ready")) == ("0", "3")
    assert "3 lettre(s) prête(s) à partir" in report.inner_text()
    shot(page, "recomputed")

    # AR-08: the bulk send runs in the background; the bar reaches its end; each letter's result.
    page.get_by_role("button", name="Envoyer les lettres").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"/r/ar24/jobs/"))  # type: ignore[attr-defined]
    bar = page.locator("progress#send-progress[data-finished=yes]")  # type: ignore[attr-defined]
    bar.wait_for()
    assert bar.get_attribute("max") == bar.get_attribute("value") == "3"
    rows = page.locator("table.results tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == 3
    assert all("À valider" in rows.nth(i).inner_text() for i in range(3))
    # The banner's AR24 icon counts the letters waiting for the OTP.
    assert page.locator(".banner .tracking-icon", has_text="AR24").get_attribute("data-counter") == "3"  # type: ignore[attr-defined]
    shot(page, "bulk-send-finished")

    # AR-09: one OTP code, read where the demo user's phone is played ("Côté client"), validates the three.
    page.get_by_role("link", name="Valider les lettres avec le code OTP").click()  # type: ignore[attr-defined]
    validate_url = page.url  # type: ignore[attr-defined]
    page.goto(f"{base}/recipient/")  # type: ignore[attr-defined]
    code = page.locator(".demo-otp .otp-code").inner_text()  # type: ignore[attr-defined]
    assert re.fullmatch(r"\d{6}", code)
    shot(page, "demo-otp-code")
    page.goto(validate_url)  # type: ignore[attr-defined]
    assert page.locator("#validate-form input[name=letter]:checked").count() == 3  # type: ignore[attr-defined]
    page.get_by_label("Code OTP (6 chiffres)").fill(code)  # type: ignore[attr-defined]
    shot(page, "otp-typed")
    page.get_by_role("button", name="Valider les lettres cochées").click()  # type: ignore[attr-defined]
    assert "3 lettre(s) validée(s) avec un seul code OTP : En cours d'envoi" in toast(page)
    tracking_url = page.url  # type: ignore[attr-defined]
    assert page.locator(".banner .tracking-icon", has_text="AR24").get_attribute("data-counter") == "0"  # type: ignore[attr-defined]
    shot(page, "validated")

    # AR24 sends validated letters 30 s later: the sandbox's clock moves on from "Côté client".
    page.goto(f"{base}/recipient/")  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("Avancer l'horloge AR24 d'une minute")).click()  # type: ignore[attr-defined]
    assert "Horloge du bac à sable AR24 avancée" in toast(page)

    # AR-11: the recipients on AR24's pages: Sophie identifies and refuses, Marc acknowledges the notice.
    page.goto(recipient_link(page, base, "sophie.durand@orange.fr", "Lettre recommandée électronique"))  # type: ignore[attr-defined]
    shot(page, "recipient-letter-page")
    page.locator("input[name=lastname]").fill("DURAND")  # type: ignore[attr-defined]
    page.get_by_role("button", name="M'identifier").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Refuser").click()  # type: ignore[attr-defined]
    assert page.locator("#status").inner_text() == "refused"  # type: ignore[attr-defined]
    page.goto(recipient_link(page, base, "marc.lefebvre@gmail.com", "Lettre recommandée électronique"))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Accepter").click()  # type: ignore[attr-defined]
    assert page.locator("#status").inner_text() == "AR"  # type: ignore[attr-defined]
    shot(page, "recipient-accepted")

    # AR-10: the statuses reach the list without a click in the office (webhook, else the background sync).
    wait_for_states(page, tracking_url, {"Sophie DURAND": "refused", "Marc LEFEBVRE": "AR", "Luc PEETERS": "sent"})
    assert "Refusée" in letter_row(page, "Sophie DURAND").inner_text()  # type: ignore[attr-defined]
    assert "Acceptée (AR)" in letter_row(page, "Marc LEFEBVRE").inner_text()  # type: ignore[attr-defined]
    shot(page, "statuses")
    # The search box and the state filter.
    page.get_by_label("Rechercher (partie, libellé, e-mail, n° AR24)").fill("lefebvre")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Filtrer").click()  # type: ignore[attr-defined]
    assert page.locator("table.letters tr[data-letter]").count() == 1  # type: ignore[attr-defined]
    page.get_by_label("Rechercher (partie, libellé, e-mail, n° AR24)").fill("")  # type: ignore[attr-defined]
    page.locator("#letter-filters").get_by_label("Refusée").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Filtrer").click()  # type: ignore[attr-defined]
    rows = page.locator("table.letters tr[data-letter]")  # type: ignore[attr-defined]
    assert rows.count() == 1 and "Sophie DURAND" in rows.first.inner_text()
    shot(page, "filtered")

    # Sixteen days later the paper letter was not claimed: "Négligée" (the clock moved from "Côté client").
    page.goto(f"{base}/recipient/")  # type: ignore[attr-defined]
    page.get_by_role("button", name=re.compile("Avancer de 16 jours")).click()  # type: ignore[attr-defined]
    assert "Horloge du bac à sable AR24 avancée" in toast(page)
    wait_for_states(page, tracking_url, {"Sophie DURAND": "refused", "Marc LEFEBVRE": "AR", "Luc PEETERS": "negligence"})
    assert "Négligée" in letter_row(page, "Luc PEETERS").inner_text()  # type: ignore[attr-defined]

    # AR-12: the proofs of deposit and of receipt are archived on the party's account, and open as PDFs.
    page.goto(tracking_url)  # type: ignore[attr-defined]
    letter_row(page, "Marc LEFEBVRE").get_by_role("button", name="Archiver les preuves").click()  # type: ignore[attr-defined]
    assert "Preuves de « Bail d'habitation - 8 rue de la République, Orléans — Marc LEFEBVRE » archivées" in toast(page)
    row = letter_row(page, "Marc LEFEBVRE")
    receipt = row.get_by_role("link", name="Accusé de réception")  # type: ignore[attr-defined]
    deposit = row.get_by_role("link", name="Preuve de dépôt")  # type: ignore[attr-defined]
    shot(page, "proofs-archived")
    for link in (receipt, deposit):
        answer = page.request.get(f"{base}{link.get_attribute('href')}")  # type: ignore[attr-defined]
        assert answer.ok and answer.headers["content-type"] == "application/pdf" and answer.body().startswith(b"%PDF")
    with page.expect_popup() as opened:  # type: ignore[attr-defined]
        receipt.click()
    assert opened.value.url.endswith(receipt.get_attribute("href"))
    # The proofs are on the party's account, among its attachments.
    page.goto(f"{base}/accounts/2950")  # type: ignore[attr-defined]
    attachments = page.locator("table.attachments").inner_text()  # type: ignore[attr-defined]
    assert "Accusé de réception" in attachments and "Preuve de dépôt" in attachments
    shot(page, "proofs-on-the-account")


#: Every visible field of the AR24 screens has a label (keyboard and screen-reader users reach them by name).
LABELLED_SCREENS = (
    "/r/ar24/events",
    "/r/ar24/accounts/2950/events",
    "/r/ar24/consents?event=1&event=3",
    "/r/ar24/letters?event=1&event=3",
    "/r/ar24/validate",
    "/r/ar24/tracking",
    "/r/ar24/payment-means",
    "/recipient/",
)


def test_fw07_ar_screens_fields_have_labels_and_the_letters_form_works_from_the_keyboard(served: str, page: object) -> None:
    for path in LABELLED_SCREENS:
        page.goto(f"{served}{path}")  # type: ignore[attr-defined]
        assert unlabelled_fields(page) == [], path
    # A party's kind of send chosen with the keyboard, then "Vérifier" with Enter.
    page.goto(f"{served}/r/ar24/letters?event=3")  # type: ignore[attr-defined]
    select = kind_select(page, 3, "email:paul.girard@laposte.net")
    select.focus()  # type: ignore[attr-defined]
    select.select_option("paper")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Vérifier").focus()  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    problem = page.locator("[data-testid=check-report] li[data-reason=no_address]")  # type: ignore[attr-defined]
    assert "Paul GIRARD n'a pas d'adresse postale complète" in problem.inner_text()
    shot(page, "paper-without-address")
