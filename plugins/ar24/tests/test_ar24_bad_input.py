"""Every bad input of issue 7, each a test: a clear sentence, nothing lost, the letter in its last good state.

Wrong, expired or reused OTP; a party without consent; a letter not
timestamped; a page not A4; a paper letter without address; AR24 in
maintenance; a skewed clock; a webhook for an unknown letter; and a lost
answer at ``POST mail/`` (reconciled by ``ref_client``, never sent twice).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyotp
import pytest
import requests
from fpdf import FPDF
from liasse.app import Liasse
from liasse.errors import ProviderUnavailable
from liasse.records import LetterKind
from liasse.registered import Letter, LetterChoice, RegisteredDesk
from liasse.registered.errors import OtpRefused, UnknownLetter
from liasse.secrets import Secret
from liasse.states import LetterState
from liasse_ar24.client import RequestDateRefused
from liasse_ar24.recipient import otp_code
from liasse_ar24.sandbox_letters import DEMO_OTP_KEY
from liasse_hostapi.records import NewAttachment, OwnerKind, OwnerRef

LEFEBVRE = LetterChoice(1, "email:marc.lefebvre@gmail.com", LetterKind.SIMPLE_NOTICE)
PEETERS = LetterChoice(3, "account:3305", LetterKind.PAPER)
DURAND_LRE = LetterChoice(1, "email:sophie.durand@orange.fr", LetterKind.EIDAS)


def prepared(desk: RegisteredDesk) -> list[Letter]:
    """Two letters at AR24, waiting for the sender's OTP."""
    report = desk.send([LEFEBVRE, PEETERS])
    letters = [r for r in report.results if isinstance(r, Letter)]
    assert [letter.state for letter in letters] == [LetterState.TO_VALID] * 2, report.results
    return letters


def states(desk: RegisteredDesk, letters: list[Letter]) -> list[LetterState]:
    return [desk.letter(letter.id).state for letter in letters]


def test_ar09_wrong_otp_is_refused_and_letters_stay_to_validate(desk: RegisteredDesk) -> None:
    letters = prepared(desk)
    wrong = f"{(int(otp_code(DEMO_OTP_KEY)) + 1) % 1_000_000:06d}"
    with pytest.raises(OtpRefused) as caught:
        desk.validate([letter.id for letter in letters], Secret(wrong))
    assert "code erroné" in caught.value.message("fr") and "wrong code" in caught.value.message("en")
    assert "À valider" in caught.value.message("fr")
    assert wrong not in caught.value.message("fr")
    assert states(desk, letters) == [LetterState.TO_VALID] * 2


def test_ar09_expired_otp_is_refused(desk: RegisteredDesk) -> None:
    letters = prepared(desk)
    old = pyotp.TOTP(DEMO_OTP_KEY).at(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3))
    with pytest.raises(OtpRefused) as caught:
        desk.validate([letters[0].id], Secret(old))
    assert "expiré" in caught.value.message("fr")
    assert states(desk, letters) == [LetterState.TO_VALID] * 2


def test_ar09_reused_otp_is_refused(desk: RegisteredDesk) -> None:
    letters = prepared(desk)
    code = otp_code(DEMO_OTP_KEY)
    assert desk.validate([letters[0].id], Secret(code))[0].state is LetterState.WAITING
    with pytest.raises(OtpRefused) as caught:
        desk.validate([letters[1].id], Secret(code))
    assert "déjà utilisé" in caught.value.message("fr") and "already used" in caught.value.message("en")
    assert states(desk, letters) == [LetterState.WAITING, LetterState.TO_VALID]


def test_ar03_party_without_consent_gets_no_letter(desk: RegisteredDesk) -> None:
    report = desk.send([DURAND_LRE, LEFEBVRE])
    assert [(p.party_name, p.reason) for p in report.problems] == [("Sophie DURAND", "no_consent")]
    assert "consenti" in report.problems[0].text("fr") and "consented" in report.problems[0].text("en")
    assert [letter.party_name for letter in desk.letters()] == ["Marc LEFEBVRE"]


def test_ar05_event_not_timestamped_is_refused(desk: RegisteredDesk) -> None:
    report = desk.send([LetterChoice(2, "account:2950", LetterKind.PAPER)])
    assert report.results == ()
    assert [p.reason for p in report.problems] == ["not_timestamped"]
    assert "chronoté" in report.problems[0].text("fr")
    assert desk.letters() == []


def test_ar05_a_page_not_a4_is_refused_with_its_number(desk: RegisteredDesk, office: Liasse, tmp_path: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_page(format="Letter")  # page 2 is US Letter
    path = tmp_path / "annexe.pdf"
    pdf.output(str(path))
    office.host.attachments.add(
        NewAttachment(OwnerRef(OwnerKind.EVENT, "3"), "annexe.pdf", "Annexe", "application/pdf", "Ajouté"), path
    )
    report = desk.check([PEETERS])
    assert [p.reason for p in report.problems] == ["page_not_a4"]
    assert "La page 2 de « Annexe »" in report.problems[0].text("fr")
    assert "216 × 279 mm" in report.problems[0].text("fr")
    assert desk.send([PEETERS]).results == () and desk.letters() == []


def test_ar06_paper_letter_without_address_is_refused(desk: RegisteredDesk) -> None:
    report = desk.send([LetterChoice(3, "email:paul.girard@laposte.net", LetterKind.PAPER), PEETERS])
    assert [(p.party_name, p.reason) for p in report.problems] == [("Paul GIRARD", "no_address")]
    assert "adresse postale" in report.problems[0].text("fr")
    assert [letter.party_name for letter in desk.letters()] == ["Luc PEETERS"]


def test_ar08_maintenance_keeps_letters_to_send_then_the_relay_sends_them_once(
    desk: RegisteredDesk, office: Liasse, sandbox_url: str
) -> None:
    requests.post(f"{sandbox_url}/_sandbox/maintenance", json={"on": True}, timeout=10)
    report = desk.send([LEFEBVRE, PEETERS])
    assert all(isinstance(r, ProviderUnavailable) for r in report.results)
    assert "Rien n'est perdu" in report.results[0].message("fr")  # type: ignore[union-attr]
    letters = desk.letters()
    assert [letter.state for letter in letters] == [LetterState.PENDING] * 2
    assert all("maintenance" in (letter.last_error or "") for letter in letters)
    requests.post(f"{sandbox_url}/_sandbox/maintenance", json={"on": False}, timeout=10)
    relay = office.outbox.run_once(now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert sorted(o.status for o in relay.outcomes) == ["done", "done"]
    assert {letter.state for letter in desk.letters()} == {LetterState.TO_VALID}


def test_ar08_lost_answer_is_reconciled_by_ref_client_not_sent_twice(
    desk: RegisteredDesk, office: Liasse, sandbox_url: str
) -> None:
    requests.post(
        f"{sandbox_url}/_sandbox/faults", json={"kind": "truncate", "path": "/api/mail", "method": "POST"}, timeout=10
    )
    report = desk.send([PEETERS])
    assert isinstance(report.results[0], ProviderUnavailable)
    relay = office.outbox.run_once(now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert [o.status for o in relay.outcomes] == ["reconciled"]
    letter = desk.letters()[0]
    assert letter.state is LetterState.TO_VALID and letter.remote_id
    posts = requests.get(f"{sandbox_url}/_sandbox/requests", params={"path": "/api/mail", "method": "POST"}, timeout=10)
    assert len(posts.json()) == 1  # AR24 got the letter once


def test_ar10_skewed_clock_is_told_and_nothing_moves(desk: RegisteredDesk, sandbox_url: str) -> None:
    letters = prepared(desk)
    requests.post(f"{sandbox_url}/_sandbox/server_clock", json={"seconds": 900}, timeout=10)
    with pytest.raises(RequestDateRefused) as caught:
        desk.validate([letter.id for letter in letters], Secret(otp_code(DEMO_OTP_KEY)))
    assert "expired_date" in caught.value.message("fr") and "NTP" in caught.value.message("fr")
    assert states(desk, letters) == [LetterState.TO_VALID] * 2


def test_ar10_webhook_for_an_unknown_letter_is_refused_without_a_read(desk: RegisteredDesk, sandbox_url: str) -> None:
    before = len(requests.get(f"{sandbox_url}/_sandbox/requests", timeout=10).json())
    with pytest.raises(UnknownLetter) as caught:
        desk.refresh(["999999"])
    assert "999999" in caught.value.message("fr") and "ignored" in caught.value.message("en")
    assert len(requests.get(f"{sandbox_url}/_sandbox/requests", timeout=10).json()) == before


def test_ar02_the_otp_is_never_stored_nor_logged(
    desk: RegisteredDesk, office: Liasse, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    letters = prepared(desk)
    code = otp_code(DEMO_OTP_KEY)
    desk.validate([letter.id for letter in letters], Secret(code))
    with office.store.session() as session:
        import sqlalchemy as sa

        tables = ("exchanges", "exchange_transitions", "outbox", "registered_letters", "audit_log")
        dumped = " ".join(
            str(row) for table in tables for row in session.execute(sa.text(f"SELECT * FROM {table}")).all()  # noqa: S608
        )
    assert code not in dumped
    assert code not in caplog.text
    assert DEMO_OTP_KEY not in dumped and DEMO_OTP_KEY not in caplog.text
