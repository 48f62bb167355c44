"""Fixtures of the JurisZone tests: the demo office against a fresh sandbox, and the parties' side."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from liasse.app import Liasse
from liasse.sharing import ShareDesk
from liasse_hostapi.reference.demo_documents import simple_pdf
from liasse_juriszone.recipient import Recipient

#: The buyer's address, added to her record before the export (she has none in the demo data).
BUYER_EMAIL = "marie.dupont@orange.fr"


@pytest.fixture
def office(liasse_office: Callable[..., Liasse]) -> Liasse:
    """The demo office with JurisZone in its sandbox."""
    return liasse_office("juriszone")


@pytest.fixture
def zone(office: Liasse) -> ShareDesk:
    """FICH's shared zone."""
    return ShareDesk(office, "juriszone", "FICH")


@pytest.fixture
def sandbox_url(office: Liasse) -> str:
    """The sandbox's root URL (outbox, clock and the recipients' pages live there)."""
    return str(office.provider_settings("juriszone").base_url)


@pytest.fixture
def buyer_fixed(office: Liasse) -> str:
    """The buyer DUPONT MARIE (3120) with an e-mail: the fix the export's message asks for."""
    office.host.accounts.update_contact_details("3120", email=BUYER_EMAIL, mobile=None)
    return BUYER_EMAIL


@pytest.fixture
def buyer(sandbox_url: str, buyer_fixed: str) -> Recipient:
    """The buyer in her mailbox and browser."""
    return Recipient(sandbox_url, buyer_fixed)


@pytest.fixture
def agency(sandbox_url: str) -> Recipient:
    """AGENCE FONCIA ORLEANS (98012)."""
    return Recipient(sandbox_url, "orleans@foncia.fr")


@pytest.fixture
def pdf_file(tmp_path: Path) -> Callable[[str], Path]:
    """``pdf_file("Compromis.pdf")``: a one-page PDF on disk."""

    def make(name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title=Path(name).stem, lines=("Document de test.",)))
        return path

    return make
