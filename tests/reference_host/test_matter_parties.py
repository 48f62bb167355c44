"""JZ-02: the parties of a matter in the host contract, on the reference host."""

from __future__ import annotations

from pathlib import Path

import pytest
from liasse_hostapi.protocols import Accounts
from liasse_hostapi.records import MatterParty
from liasse_hostapi.reference import ReferenceHost
from liasse_hostapi.reference.accounts import UnknownMatter


@pytest.fixture
def host(tmp_path: Path) -> ReferenceHost:
    return ReferenceHost.create_demo(tmp_path / "host.sqlite3")


def test_jz02_sale_has_a_seller_a_buyer_without_email_and_an_agency(host: ReferenceHost) -> None:
    assert isinstance(host.accounts, Accounts)
    parties = host.accounts.matter_parties("2950", "2950-01")

    assert parties == (
        MatterParty("2950", "Vendeur"),
        MatterParty("3120", "Acquéreur"),
        MatterParty("98012", "Agence"),
    )
    assert host.accounts.account("3120").email is None


def test_jz02_matter_without_parties_and_unknown_matter(host: ReferenceHost) -> None:
    assert host.accounts.matter_parties("2950", "2950-02") == ()
    with pytest.raises(UnknownMatter):
        host.accounts.matter_parties("2950", "9999-99")
    with pytest.raises(UnknownMatter):
        host.accounts.matter_parties("1173", "2950-01")  # a matter of another account
