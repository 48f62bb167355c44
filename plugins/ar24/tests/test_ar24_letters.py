"""AR24 registered letters end to end through liasse's Python API (AR-01 … AR-12).

The office runs against a real AR24 sandbox on loopback; the recipients'
side (consent page, letter page, identification, accept or refuse) is
driven over HTTP with :class:`liasse_ar24.recipient.AR24Recipient`, and the
sender's OTP key gives its codes through pyotp as a phone app would.
"""

from __future__ import annotations

import requests
from liasse.app import Liasse
from liasse.records import ConsentState, LetterKind
from liasse.registered import LetterChoice, LetterFilter, RegisteredDesk
from liasse.secrets import Secret
from liasse.states import LetterState
from liasse_ar24.recipient import AR24Recipient, advance_clock, otp_code
from liasse_ar24.sandbox_letters import DEMO_OTP_KEY
from liasse_hostapi.records import OwnerKind, OwnerRef

DURAND = "email:sophie.durand@orange.fr"
LEFEBVRE = "email:marc.lefebvre@gmail.com"
PEETERS = "account:3305"
GIRARD = "email:paul.girard@laposte.net"

THREE = (
    LetterChoice(1, DURAND, LetterKind.EIDAS),
    LetterChoice(1, LEFEBVRE, LetterKind.SIMPLE_NOTICE),
    LetterChoice(3, PEETERS, LetterKind.PAPER, colour=True, double_sided=True),
)


def uploads(sandbox_url: str) -> int:
    return int(requests.get(f"{sandbox_url}/_sandbox/uploads", timeout=10).json()["uploads"])


def consent_of(desk: RegisteredDesk, party_key: str, event_id: int = 1) -> object:
    return next(c for c in desk.consents([event_id]) if c.party_key == party_key)


def test_ar01_account_link_confirmed_by_the_emailed_link(office: Liasse, sandbox_url: str) -> None:
    requests.post(f"{sandbox_url}/_sandbox/users", json={"email": "helene.clement@fichorga.fr"}, timeout=10)
    office.connect("ar24", "CLER", "helene.clement@fichorga.fr", Secret("secret"))
    desk = office.desk("ar24", "CLER")
    assert isinstance(desk, RegisteredDesk)
    first = desk.link_account()
    assert first.attached is False
    mailbox = AR24Recipient(sandbox_url, "helene.clement@fichorga.fr")
    assert "autorisez" in mailbox.mails()[-1]["subject"]
    assert "rattaché" in mailbox.confirm_access()
    assert desk.link_account().attached is True
    assert office.check_access("ar24", "CLER").ok


def test_ar03_update_consents_ticks_accepted_and_lists_the_parties_changed(desk: RegisteredDesk, sandbox_url: str) -> None:
    asked = desk.request_consents([1], [DURAND, LEFEBVRE], delay_days=10)
    assert {c.remote_state for c in asked} == {ConsentState.PENDING}
    assert all(c.link and "/consent/" in c.link for c in asked)
    assert AR24Recipient(sandbox_url, "sophie.durand@orange.fr").answer_consent(accept=True) == "accepted"
    assert AR24Recipient(sandbox_url, "marc.lefebvre@gmail.com").answer_consent(accept=False) == "refused"
    desk.set_consent(1, LEFEBVRE, True)
    changes = desk.update_consents([1])
    assert {(c.party_name, c.ticked_before, c.ticked_after) for c in changes} == {
        ("Sophie DURAND", False, True),
        ("Marc LEFEBVRE", True, False),
    }
    assert desk.update_consents([1]) == []
    assert desk.letter_variables(1, DURAND)["lien_consentement"].startswith(sandbox_url + "/consent/")


def test_ar03_unanswered_consent_counts_as_refused_after_its_delay(desk: RegisteredDesk, sandbox_url: str) -> None:
    desk.request_consents([1], [DURAND], delay_days=3)
    desk.set_consent(1, DURAND, True)
    advance_clock(sandbox_url, days=4)
    changes = desk.update_consents([1])
    assert [(c.party_name, c.ticked_after) for c in changes] == [("Sophie DURAND", False)]
    assert consent_of(desk, DURAND).remote_state is ConsentState.REFUSED  # type: ignore[attr-defined]


def test_ar04_payment_means_listed_and_linked_once(desk: RegisteredDesk) -> None:
    from liasse.registered.errors import PaymentMeanAlreadyLinked

    means = desk.payment_means()
    assert [m.label for m in means] == ["Carte bancaire **** 4242"]
    desk.link_payment_mean("512 CAV", means[0].remote_id)
    assert desk.payment_links() == {"512 CAV": "Carte bancaire **** 4242"}
    try:
        desk.link_payment_mean("512 CAV", means[0].remote_id)
    except PaymentMeanAlreadyLinked as exc:
        assert "une fois" in exc.message("fr") and "once" in exc.message("en")
    else:
        raise AssertionError("a second link was accepted")


def test_ar07_error_summary_per_party_and_reason_then_recompute(desk: RegisteredDesk, sandbox_url: str) -> None:
    choices = [
        *THREE,
        LetterChoice(2, "account:2950", LetterKind.EIDAS),
        LetterChoice(3, GIRARD, LetterKind.PAPER),
        LetterChoice(3, "account:3120", LetterKind.SIMPLE_NOTICE),
    ]
    report = desk.check(choices)
    reasons = {(p.party_name, p.reason) for p in report.problems}
    assert reasons == {
        ("Sophie DURAND", "no_consent"),
        ("Jacques MARTIN", "not_timestamped"),
        ("Jacques MARTIN", "no_consent"),
        ("Paul GIRARD", "no_address"),
        ("Marie DUPONT", "no_email"),
    }
    assert report.events_in_error == (1, 2, 3)
    assert set(report.by_reason()) == {"no_consent", "not_timestamped", "no_address", "no_email"}
    assert all(p.text("fr") and p.text("en") for p in report.problems)
    # The fix: Sophie DURAND consents; the check is run again.
    desk.request_consents([1], [DURAND], delay_days=10)
    AR24Recipient(sandbox_url, "sophie.durand@orange.fr").answer_consent(accept=True)
    desk.update_consents([1])
    again = desk.check(THREE)
    assert again.ok and again.ready == THREE


def test_ar08_to_ar12_the_three_kinds_end_to_end(desk: RegisteredDesk, office: Liasse, sandbox_url: str) -> None:
    desk.request_consents([1], [DURAND], delay_days=10)
    AR24Recipient(sandbox_url, "sophie.durand@orange.fr").answer_consent(accept=True)
    seen: list[int] = []
    report = desk.send(THREE, progress=lambda position, _: seen.append(position))
    assert sorted(seen) == [0, 1, 2]
    letters = list(report.results)
    assert all(getattr(letter, "state", None) is LetterState.TO_VALID for letter in letters), letters
    # AR-08: event 1's letter goes to two recipients and is uploaded once; event 3's once.
    assert report.uploads == 2 and uploads(sandbox_url) == 2

    # AR-09: one OTP validates them all.
    validated = desk.validate([letter.id for letter in letters], Secret(otp_code(DEMO_OTP_KEY)))  # type: ignore[union-attr]
    assert {letter.state for letter in validated} == {LetterState.WAITING}

    advance_clock(sandbox_url, seconds=60)
    desk.sync()
    durand, lefebvre, peeters = (desk.letter(letter.id) for letter in letters)  # type: ignore[union-attr]
    assert {durand.state, lefebvre.state, peeters.state} == {LetterState.SENT}
    assert durand.deposit_at is not None

    # AR-11: the eIDAS recipient identifies then refuses; the notice is acknowledged in one click.
    sophie = AR24Recipient(sandbox_url, "sophie.durand@orange.fr")
    page = sophie.open_letter().text
    assert "15 jours" in sophie.mails()[-1]["body"] and "Identifiez-vous" in page
    assert sophie.refuse() != "refused"  # not identified yet: refused by the page
    assert sophie.identify("Durand").ok
    assert sophie.refuse() == "refused"
    marc = AR24Recipient(sandbox_url, "marc.lefebvre@gmail.com")
    assert "21 jours" in marc.mails()[-1]["body"]
    assert marc.accept() == "AR"
    # The paper letter is not claimed: 16 days later it is negligence.
    advance_clock(sandbox_url, days=16)
    desk.sync()
    durand, lefebvre, peeters = (desk.letter(letter.id) for letter in letters)  # type: ignore[union-attr]
    assert (durand.state, lefebvre.state, peeters.state) == (
        LetterState.REFUSED,
        LetterState.ACKNOWLEDGED,
        LetterState.NEGLECTED,
    )
    assert lefebvre.acknowledged_at is not None and durand.refused_at is not None

    # AR-10: filters.
    assert [letter.id for letter in desk.letters(LetterFilter(states=(LetterState.REFUSED,)))] == [durand.id]
    assert len(desk.letters(LetterFilter(all_users=True, event_id=1))) == 2

    # AR-12: deposit and outcome proofs through the intake pipeline, onto the party's account.
    for letter in (durand, lefebvre, peeters):
        archived = desk.archive_proofs(letter.id)
        assert archived.deposit_proof_id is not None and archived.outcome_proof_id is not None
    on_peeters = office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "3305"))
    titles = {a.title for a in on_peeters}
    assert any(t.startswith("Preuve de dépôt") for t in titles)
    assert any(t.startswith("Preuve de négligence") for t in titles)
    pdfs = [a for a in on_peeters if a.file_name.endswith(".pdf") and a.title.startswith("Preuve")]
    assert len(pdfs) == 2 and all(a.media_type == "application/pdf" for a in pdfs), [(a.file_name, a.media_type) for a in on_peeters]
