"""Participation invoices of account 461 (DS-17)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from liasse_hostapi.errors import UnknownParticipation
from liasse_hostapi.records import ParticipationDirection, ParticipationState
from liasse_hostapi.reference import ReferenceHost


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as demo:
        yield demo


def test_ds17_participations_newest_first_with_ended_states(host: ReferenceHost) -> None:
    participations = host.accounts.participations("461")
    dates = [p.entry_date for p in participations]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == dt.date(2024, 9, 2)
    by_number = {p.number: p for p in participations if p.number is not None}
    assert by_number[178].state is ParticipationState.CANCELLED
    assert by_number[179].state is ParticipationState.CREDIT_NOTE
    assert by_number[179].amount == Decimal("-1250.00")
    assert by_number[180].state is ParticipationState.OPEN
    assert by_number[180].amount == Decimal("1180.00")
    assert ParticipationState.CLOSED in {p.state for p in participations}
    assert {p.direction for p in participations} == {ParticipationDirection.DUE, ParticipationDirection.TO_RECEIVE}
    assert sum(p.number is None for p in participations) == 2


def test_ds17_unnumbered_participation_gets_next_number(host: ReferenceHost, tmp_path: Path) -> None:
    unnumbered = [p for p in host.accounts.participations("461") if p.number is None]
    first = host.accounts.number_participation(unnumbered[0].id)
    second = host.accounts.number_participation(unnumbered[1].id)
    assert (first.number, second.number) == (181, 182)
    host.close()
    with ReferenceHost.open(tmp_path / "host.sqlite3") as reopened:
        numbers = {p.id: p.number for p in reopened.accounts.participations("461")}
    assert numbers[first.id] == 181 and numbers[second.id] == 182


def test_ds17_numbering_a_numbered_invoice_keeps_its_number(host: ReferenceHost) -> None:
    numbered = next(p for p in host.accounts.participations("461") if p.number == 180)
    assert host.accounts.number_participation(numbered.id).number == 180
    unnumbered = next(p for p in host.accounts.participations("461") if p.number is None)
    assert host.accounts.number_participation(unnumbered.id).number == 181


def test_numbering_an_unknown_participation_names_it(host: ReferenceHost) -> None:
    with pytest.raises(UnknownParticipation) as raised:
        host.accounts.number_participation(999)
    assert raised.value.key == 999
