"""The office's users and their per-provider options (DS-01)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liasse_hostapi.errors import UnknownUser
from liasse_hostapi.records import ProviderOptions
from liasse_hostapi.reference import ReferenceHost


def test_ds01_provider_options_saved_and_read_back_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "host.sqlite3"
    options = ProviderOptions(link_enabled=True, auto_stamp_rib=False, auto_stamp_other=True)
    with ReferenceHost.create_demo(path) as host:
        host.office.set_provider_options("COMP", "docsecure", options)
        host.office.set_provider_options("COMP", "ar24", ProviderOptions(link_enabled=False))
    with ReferenceHost.open(path) as host:
        comp = host.office.user("COMP")
    assert comp.options_for("docsecure") == options
    assert comp.options_for("ar24").link_enabled is False
    assert comp.options_for("esign") == ProviderOptions()


def test_unknown_user_names_the_login(tmp_path: Path) -> None:
    with ReferenceHost.create_demo(tmp_path / "host.sqlite3") as host:
        with pytest.raises(UnknownUser) as raised:
            host.office.user("NOBODY")
        assert raised.value.key == "NOBODY"
        with pytest.raises(UnknownUser):
            host.office.set_provider_options("NOBODY", "docsecure", ProviderOptions())
