"""Opening host databases and the demo office they start with."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from liasse_hostapi.records import AccountKind, Right
from liasse_hostapi.reference import ReferenceHost
from liasse_hostapi.reference.demo_seed import DemoSeedConflict
from liasse_hostapi.reference.office import OfficeNotConfigured


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_demo_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "host.sqlite3"
    ReferenceHost.create_demo(path).close()
    counts = {table: _count(path, table) for table in ("accounts", "participations", "attachments", "users")}
    files = sorted(p.name for p in (tmp_path / "host-files").iterdir())

    with ReferenceHost.create_demo(path) as again:
        assert len(again.accounts.participations("461")) == 6

    assert {table: _count(path, table) for table in counts} == counts
    assert sorted(p.name for p in (tmp_path / "host-files").iterdir()) == files
    assert counts["accounts"] == 9


def test_open_creates_tables_in_a_new_file_without_demo_data(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "empty.sqlite3"
    with ReferenceHost.open(path) as host:
        assert path.exists()
        assert host.accounts.search("") == ()
        with pytest.raises(OfficeNotConfigured):
            host.office.office()


def test_demo_refuses_a_database_holding_other_records(tmp_path: Path) -> None:
    path = tmp_path / "host.sqlite3"
    ReferenceHost.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO accounts (number, title, kind, legal_entity) VALUES ('1', 'CLIENT EXISTANT', 'client', 0)"
        )
    with pytest.raises(DemoSeedConflict):
        ReferenceHost.create_demo(path)
    assert _count(path, "accounts") == 1
    assert not (tmp_path / "host-files").exists() or not any((tmp_path / "host-files").iterdir())


def test_demo_office_is_groupe_fichorga_in_paris_time(tmp_path: Path) -> None:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as host:
        office = host.office.office()
    assert (office.code, office.name, office.timezone) == ("FICH", "Groupe FICHORGA", "Europe/Paris")
    assert office.email == "etude@fichorga.fr"
    assert office.constants.archive_after_months == 3


def test_ds01_demo_users_differ_in_rights_and_options(tmp_path: Path) -> None:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as host:
        users = {user.login: user for user in host.office.users()}
    assert sorted(users) == ["CLER", "COMP", "FICH"]
    fich = users["FICH"]
    assert fich.has(Right.SEE_OTHER_USERS_CONTACTS) and fich.has(Right.MANAGE_PROVIDER_SETTINGS)
    assert fich.options_for("docsecure").link_enabled is True
    assert users["CLER"].has(Right.SEE_OTHER_USERS_CONTACTS)
    assert not users["COMP"].has(Right.SEE_OTHER_USERS_CONTACTS)
    assert users["COMP"].options_for("docsecure").link_enabled is False


def test_demo_accounts_cover_the_manual_cases(tmp_path: Path) -> None:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as host:
        martin = host.accounts.account("2950")
        fichorga = host.accounts.account("1173")
        party = host.accounts.account("97974")
        general = host.accounts.account("461")
        foncia = host.accounts.account("98012")
        no_email = host.accounts.account("3120")
        foreign = host.accounts.account("3305")
    assert (martin.title, martin.kind, martin.first_name, martin.last_name) == (
        "MARTIN JACQUES",
        AccountKind.CLIENT,
        "JACQUES",
        "MARTIN",
    )
    assert martin.mobile == "06 54 55 99 87" and martin.email == "jacques.martin@free.fr"
    assert martin.associated == ("461", "97974", "98012")
    assert fichorga.kind is AccountKind.CLIENT and fichorga.legal_entity
    assert party.kind is AccountKind.PARTY and party.title == "FICHORGA"
    assert general.kind is AccountKind.GENERAL
    assert foncia.title == "AGENCE FONCIA ORLEANS" and foncia.email and foncia.mobile is None
    assert no_email.email is None
    assert foreign.mobile is not None and foreign.mobile.startswith("+32")
