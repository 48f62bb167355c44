"""AR-10: AR24's unsigned webhooks reach liasse's receiver; the worker re-reads the letter, never believes the payload.

The sandbox POSTs §1.12's form fields to liasse's receiver on loopback for
each status change; liasse records the untrusted notice, then re-reads the
letter through ``GET mail/`` and moves it. A forged notice for a letter
liasse holds changes nothing the API does not confirm; one for a letter it
does not hold causes no read at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from liasse.records import LetterKind
from liasse.registered import Letter, LetterChoice, RegisteredDesk
from liasse.secrets import Secret
from liasse.states import LetterState
from liasse.store.models import ExchangeTransition, WebhookEvent
from liasse.testing.webhooks import WebhookOffice, wait_for, webhook_office
from liasse_ar24.recipient import AR24Recipient, advance_clock, otp_code
from liasse_ar24.sandbox_letters import DEMO_OTP_KEY

NOTICE = LetterChoice(1, "email:marc.lefebvre@gmail.com", LetterKind.SIMPLE_NOTICE)


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookOffice]:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    with webhook_office(tmp_path / "office", "ar24") as office:
        yield office


def deliveries(office: WebhookOffice) -> list[dict[str, object]]:
    return list(requests.get(f"{office.sandbox.url}/_sandbox/webhook-deliveries", timeout=10).json())


def test_ar10_status_changes_arrive_by_unsigned_webhook_and_are_re_read(office: WebhookOffice) -> None:
    desk = office.liasse.desk("ar24", "FICH")
    assert isinstance(desk, RegisteredDesk)
    report = desk.send([NOTICE], otp=Secret(otp_code(DEMO_OTP_KEY)), webhook_url=office.receiver.endpoint("ar24"))
    letter = report.results[0]
    assert isinstance(letter, Letter) and letter.state is LetterState.WAITING
    # Moving the sandbox's clock dispatches the queued letter, which calls the webhook.
    advance_clock(office.sandbox.url, seconds=60)
    assert wait_for(lambda: desk.letter(letter.id).state is LetterState.SENT), deliveries(office)
    AR24Recipient(office.sandbox.url, "marc.lefebvre@gmail.com").accept()
    assert wait_for(lambda: desk.letter(letter.id).state is LetterState.ACKNOWLEDGED), deliveries(office)
    with office.liasse.store.session() as session:
        by = session.scalars(sa.select(ExchangeTransition.by).where(ExchangeTransition.exchange_id == letter.id)).all()
        assert by[-2:] == ["webhook", "webhook"]
        events = session.scalars(sa.select(WebhookEvent)).all()
        assert events and not any(e.trusted for e in events)
    assert all(d["state"] == "delivered" for d in deliveries(office))


def test_ar10_a_forged_notice_changes_nothing_the_api_does_not_say(office: WebhookOffice) -> None:
    desk = office.liasse.desk("ar24", "FICH")
    letter = desk.send([NOTICE]).results[0]
    assert isinstance(letter, Letter) and letter.state is LetterState.TO_VALID
    forged = requests.post(
        office.receiver.endpoint("ar24"),
        data={"id_mail": letter.remote_id, "new_state": "AR", "view_date": "2026-01-01 10:00:00"},
        timeout=10,
    )
    assert forged.status_code == 200
    unknown = requests.post(office.receiver.endpoint("ar24"), data={"id_mail": "999999", "new_state": "AR"}, timeout=10)
    assert unknown.status_code == 200
    malformed = requests.post(office.receiver.endpoint("ar24"), data={"new_state": "AR"}, timeout=10)
    assert malformed.status_code == 400
    assert wait_for(lambda: office.worker.reports and sum(r.claimed for r in office.worker.reports) >= 2)
    assert desk.letter(letter.id).state is LetterState.TO_VALID


def test_ar10_polling_fallback_catches_what_no_webhook_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    with webhook_office(tmp_path / "polling", "ar24", poll_every=0.5) as office:
        desk = office.liasse.desk("ar24", "FICH")
        letter = desk.send([NOTICE], otp=Secret(otp_code(DEMO_OTP_KEY))).results[0]  # no webhook URL given
        assert isinstance(letter, Letter)
        advance_clock(office.sandbox.url, seconds=60)
        assert wait_for(lambda: desk.letter(letter.id).state is LetterState.SENT, timeout=15)
        assert office.worker.polls >= 1 and deliveries(office) == []
