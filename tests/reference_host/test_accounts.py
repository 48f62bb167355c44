"""Accounts, searches, contact write-back and matters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liasse_hostapi.errors import UnknownAccount
from liasse_hostapi.records import MatterStatus
from liasse_hostapi.reference import ReferenceHost


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as demo:
        yield demo


def test_unknown_account_names_the_number(host: ReferenceHost) -> None:
    with pytest.raises(UnknownAccount) as raised:
        host.accounts.account("9999")
    assert raised.value.key == "9999"
    assert "9999" in str(raised.value)


def test_lists_of_an_unknown_account_raise_instead_of_looking_empty(host: ReferenceHost) -> None:
    for lookup in (host.accounts.matters, host.accounts.participations, host.ibans.list, host.events.events):
        with pytest.raises(UnknownAccount):
            lookup("0000")


def test_ds05_search_finds_by_number_or_title_ignoring_case_and_accents(host: ReferenceHost) -> None:
    assert [account.number for account in host.accounts.search("fichorga")] == ["1173", "97974"]
    assert [account.number for account in host.accounts.search("2950")] == ["2950"]
    assert [account.number for account in host.accounts.search("caisse des depots")] == ["5421"]
    assert [account.number for account in host.accounts.search("Orléans")] == ["98012"]


def test_ds05_search_puts_the_exact_number_first_and_honours_the_limit(host: ReferenceHost) -> None:
    assert host.accounts.search("461")[0].number == "461"
    assert len(host.accounts.search("", limit=3)) == 3
    assert host.accounts.search("a", limit=0) == ()


def test_search_treats_like_wildcards_as_text(host: ReferenceHost) -> None:
    assert host.accounts.search("%") == ()
    assert host.accounts.search("_") == ()


def test_ds03_contact_details_written_back_persist(host: ReferenceHost, tmp_path: Path) -> None:
    updated = host.accounts.update_contact_details("3120", email="marie.dupont@orange.fr", mobile="+33 7 61 22 33 44")
    assert (updated.email, updated.mobile) == ("marie.dupont@orange.fr", "+33 7 61 22 33 44")
    host.close()
    with ReferenceHost.open(tmp_path / "host.sqlite3") as reopened:
        account = reopened.accounts.account("3120")
    assert (account.email, account.mobile) == ("marie.dupont@orange.fr", "+33 7 61 22 33 44")


def test_ds04_write_back_without_mobile_keeps_the_account_mobile(host: ReferenceHost) -> None:
    updated = host.accounts.update_contact_details("2950", email="j.martin@free.fr", mobile=None)
    assert updated.email == "j.martin@free.fr"
    assert updated.mobile == "06 54 55 99 87"


def test_write_back_with_empty_text_clears_the_detail(host: ReferenceHost) -> None:
    assert host.accounts.update_contact_details("2950", email=None, mobile="  ").mobile is None


def test_write_back_to_an_unknown_account_raises(host: ReferenceHost) -> None:
    with pytest.raises(UnknownAccount):
        host.accounts.update_contact_details("0000", email="x@example.org", mobile=None)


def test_ds17_matters_of_every_status_active_first(host: ReferenceHost) -> None:
    matters = host.accounts.matters("2950")
    assert [(matter.title, matter.status) for matter in matters] == [
        ("VENTE MARTIN/JACQUES", MatterStatus.ACTIVE),
        ("VENTE", MatterStatus.ACTIVE),
        ("VENTE 2", MatterStatus.PROJECT),
        ("VENTE 08/09", MatterStatus.CLOSED),
    ]
    assert all(matter.account_number == "2950" for matter in matters)
