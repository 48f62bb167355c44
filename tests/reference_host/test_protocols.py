"""The reference host satisfies the whole contract and stays on its side of the layering."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from liasse_hostapi import protocols
from liasse_hostapi.reference import ReferenceHost


@pytest.fixture
def host(tmp_path: Path) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as demo:
        yield demo


def test_fw03_reference_host_satisfies_every_protocol(host: ReferenceHost) -> None:
    assert isinstance(host, protocols.Host)
    assert isinstance(host.office, protocols.OfficeDirectory)
    assert isinstance(host.accounts, protocols.Accounts)
    assert isinstance(host.attachments, protocols.Attachments)
    assert isinstance(host.ibans, protocols.IbanRecords)
    assert isinstance(host.banking, protocols.OfficeBanking)
    assert isinstance(host.events, protocols.Events)
    assert isinstance(host.documents, protocols.DocumentRenderer)
    assert isinstance(host.directory, protocols.ClientDirectory)


def test_reference_host_imports_nothing_of_liasse() -> None:
    code = (
        "import sys, liasse_hostapi.reference\n"
        "bad = sorted(m for m in sys.modules if m == 'liasse' or m.startswith(('liasse.', 'liasse_docsecure',"
        " 'liasse_esign', 'liasse_ar24', 'liasse_juriszone')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_close_releases_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "host.sqlite3"
    host = ReferenceHost.create_demo(path)
    host.accounts.account("2950")
    host.close()
    moved = path.rename(tmp_path / "moved.sqlite3")
    assert moved.exists()
