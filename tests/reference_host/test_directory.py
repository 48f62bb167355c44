"""The external client directory offered as a prefill source (DS-05)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liasse_hostapi.reference import ReferenceHost


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as demo:
        yield demo


def test_ds05_directory_finds_by_name_and_first_name(host: ReferenceHost) -> None:
    assert [(e.name, e.first_name) for e in host.directory.search("durand")] == [
        ("DURAND", "Paul"),
        ("DURAND", "Sophie"),
    ]
    (sophie,) = host.directory.search("Sophie Durand")
    assert (sophie.email, sophie.mobile, sophie.source) == ("sophie.durand@orange.fr", "06 11 22 33 44", "Authen.tic")


def test_ds05_directory_ignores_case_and_accents(host: ReferenceHost) -> None:
    assert [e.last_name for e in host.directory.search("helene leger")] == ["LÉGER"]


def test_ds05_directory_skips_entries_without_email_or_mobile(host: ReferenceHost) -> None:
    assert list(host.directory.search("leroy")) == []


def test_ds05_directory_entry_may_point_at_a_host_account(host: ReferenceHost) -> None:
    (martin,) = host.directory.search("martin")
    assert martin.account_number == "2950"


def test_ds05_empty_directory_search_finds_nothing(host: ReferenceHost) -> None:
    assert list(host.directory.search("   ")) == []
    assert list(host.directory.search("durand", limit=1)) != []
    assert len(list(host.directory.search("durand", limit=1))) == 1
