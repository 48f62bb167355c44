"""Fixtures of Jesignexpert's tests: an office whose Jesignexpert runs in its sandbox on loopback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from liasse.app import Liasse
from liasse.sandbox import RunningSandbox
from liasse.signing import SigningDesk
from liasse.testing.office import running_office

sys.path.insert(0, str(Path(__file__).parent))

USER = "FICH"


@attrs.frozen
class Office:
    """The opened office, its Jesignexpert sandbox, and the user's signing desk."""

    liasse: Liasse
    server: RunningSandbox
    folder: Path

    @property
    def url(self) -> str:
        return self.server.url

    def desk(self) -> SigningDesk:
        return SigningDesk(self.liasse, "jesignexpert", USER)


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    """The demo office with only Jesignexpert, its user connected to the sandbox's demo account."""
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    with running_office(tmp_path / "office", ("jesignexpert",)) as (liasse, running):
        folder = tmp_path / "files"
        folder.mkdir()
        yield Office(liasse, running["jesignexpert"], folder)
