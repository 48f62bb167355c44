"""Fixtures of the DocSecure tests: an office against a fresh sandbox, and the contact's side."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from liasse.app import Liasse
from liasse.desk import ExchangeDesk
from liasse_docsecure.demo import CLIENT_BIC, CLIENT_IBAN
from liasse_docsecure.recipient import Recipient
from liasse_hostapi.reference.demo_documents import rib_pdf, simple_pdf

#: A valid French IBAN (RIB key included) for the contact's RIB: the demo's.
MARTIN_IBAN, MARTIN_BIC = CLIENT_IBAN, CLIENT_BIC


@pytest.fixture
def office(liasse_office: Callable[..., Liasse]) -> Liasse:
    """The demo office with DocSecure in its sandbox, FICH connected."""
    return liasse_office("docsecure")


@pytest.fixture
def desk(office: Liasse) -> ExchangeDesk:
    """FICH's DocSecure desk."""
    return office.desk("docsecure", "FICH")


@pytest.fixture
def sandbox_url(office: Liasse) -> str:
    """The sandbox's root URL (its outbox and recipient pages live there)."""
    return str(office.provider_settings("docsecure").base_url)


@pytest.fixture
def martin(sandbox_url: str) -> Recipient:
    """Jacques MARTIN, client 2950, on his phone and in his mailbox."""
    return Recipient(sandbox_url, "jacques.martin@free.fr", "+33654559987")


@pytest.fixture
def rib_file(tmp_path: Path) -> Path:
    """The RIB Jacques MARTIN uploads."""
    path = tmp_path / "RIB_MARTIN.pdf"
    path.write_bytes(
        rib_pdf(
            office_name="LA BANQUE",
            holder="M. JACQUES MARTIN",
            holder_address="8 rue de la République, 45000 ORLÉANS",
            iban=MARTIN_IBAN,
            bic=MARTIN_BIC,
            bank="BNP PARIBAS",
        )
    )
    return path


@pytest.fixture
def pdf_file(tmp_path: Path) -> Callable[[str], Path]:
    """``pdf_file("Compromis.pdf")``: a one-page PDF on disk."""

    def make(name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title=Path(name).stem, lines=("Document de test.",)))
        return path

    return make
