"""Events made from letter templates (ES-03, AR-05)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from liasse_hostapi.errors import UnknownEvent
from liasse_hostapi.reference import PartyRole, ReferenceHost


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as demo:
        yield demo


def test_events_newest_first_of_the_office_and_of_one_account(host: ReferenceHost) -> None:
    everything = host.events.events()
    created = [event.created_at for event in everything]
    assert created == sorted(created, reverse=True)
    assert len(everything) == 4
    assert [event.id for event in host.events.events("2950")] == [2, 1]
    assert all(event.created_at.tzinfo is not None for event in everything)


def test_ar05_one_event_registered_and_one_not(host: ReferenceHost) -> None:
    lease, letter = host.events.event(1), host.events.event(2)
    assert lease.registered_at is not None and lease.registered_at > lease.created_at
    assert letter.registered_at is None
    assert letter.matter_code == "2950-01"


def test_es03_parties_carry_roles_and_contact_details(host: ReferenceHost) -> None:
    lease = host.events.event(1)
    roles = [party.role for party in lease.parties]
    assert roles == [PartyRole.OWNER, PartyRole.TENANT, PartyRole.GUARANTOR, PartyRole.MANAGER]
    owner = lease.parties[0]
    assert (owner.account_number, owner.email, owner.mobile) == ("2950", "jacques.martin@free.fr", "06 54 55 99 87")
    guarantor = lease.parties[2]
    assert guarantor.email and guarantor.mobile is None
    council = host.events.event(3)
    assert {party.role for party in council.parties} >= {PartyRole.COUNCIL_PRESIDENT, PartyRole.COUNCIL_MEMBER}
    assert any(party.email is None for party in council.parties)
    assert any(party.postal_address is None and party.role != PartyRole.MANAGER for party in council.parties)


def test_ar05_event_letter_rendered_on_a4(host: ReferenceHost) -> None:
    document = host.events.render_event(1)
    reader = pypdf.PdfReader(io.BytesIO(document.content))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Bail d'habitation" in text
    assert "Locataire : Sophie DURAND" in text
    assert "780,00 EUR" in text
    assert "Chrono n° 1 du 10/09/2024 à 10:05" in text
    assert document.title == host.events.event(1).title
    assert document.file_name == "Courrier_1_BAIL_HABITATION.pdf"


def test_unknown_event_names_the_id(host: ReferenceHost) -> None:
    with pytest.raises(UnknownEvent) as raised:
        host.events.event(77)
    assert raised.value.key == 77
    with pytest.raises(UnknownEvent):
        host.events.render_event(77)
