"""Accounting documents rendered to PDF (DS-17)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pypdf
import pytest

from liasse_hostapi.errors import UnknownAccount, UnknownParticipation
from liasse_hostapi.records import AccountingDocumentKind, RenderedDocument
from liasse_hostapi.reference import ReferenceHost, UnknownMatter

AS_OF = dt.date(2024, 9, 30)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferenceHost]:
    with ReferenceHost.create_demo(tmp_path_factory.mktemp("documents") / "host.sqlite3") as demo:
        yield demo


def _text(document: RenderedDocument) -> str:
    reader = pypdf.PdfReader(io.BytesIO(document.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _participation_id(host: ReferenceHost, number: int | None) -> int:
    return next(p.id for p in host.accounts.participations("461") if p.number == number)


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        (AccountingDocumentKind.ACCOUNT_EXTRACT, "Extrait de compte"),
        (AccountingDocumentKind.FULL_STATEMENT, "Relevé de compte complet"),
        (AccountingDocumentKind.LAST_TRADE_NOTICE, "Dernier avis d'opéré"),
        (AccountingDocumentKind.FEE_STATEMENT, "État de frais"),
        (AccountingDocumentKind.DEED_INVOICE, "Facture d'acte"),
    ],
)
def test_ds17_account_documents_are_pdfs_naming_the_account(
    host: ReferenceHost, kind: AccountingDocumentKind, title: str
) -> None:
    document = host.documents.render(kind, "2950", matter_code="2950-01", as_of=AS_OF)
    assert document.kind is kind
    assert document.content.startswith(b"%PDF-")
    assert document.file_name.endswith(".pdf") and document.file_name.isascii() and "/" not in document.file_name
    text = _text(document)
    assert title in text
    assert "MARTIN JACQUES" in text
    assert "Groupe FICHORGA" in text
    assert "30/09/2024" in text


def test_ds17_full_statement_prints_every_entry_and_the_balance(host: ReferenceHost) -> None:
    text = _text(host.documents.render(AccountingDocumentKind.FULL_STATEMENT, "2950", as_of=AS_OF))
    assert "12/09/2008" in text and "16/09/2024" in text
    assert "Solde créditeur au 30/09/2024 : 335,00 EUR" in text


def test_ds17_extract_carries_earlier_years_forward(host: ReferenceHost) -> None:
    text = _text(host.documents.render(AccountingDocumentKind.ACCOUNT_EXTRACT, "2950", as_of=AS_OF))
    assert "12/09/2008" not in text
    assert "Report au 01/01/2024 : 0,00 EUR" in text
    assert "15/03/2024" in text


def test_ds17_documents_stop_at_the_as_of_date(host: ReferenceHost) -> None:
    text = _text(host.documents.render(AccountingDocumentKind.LAST_TRADE_NOTICE, "2950", as_of=dt.date(2024, 5, 1)))
    assert "Opération(s) du 03/04/2024" in text
    assert "16/09/2024" not in text


def test_ds17_fee_statement_and_deed_invoice_totals(host: ReferenceHost) -> None:
    fees = _text(host.documents.render(AccountingDocumentKind.FEE_STATEMENT, "2950", matter_code="2950-01", as_of=AS_OF))
    assert "VENTE MARTIN/JACQUES" in fees
    assert "Total des frais : 10 665,00 EUR" in fees
    invoice = _text(
        host.documents.render(AccountingDocumentKind.DEED_INVOICE, "2950", matter_code="2950-01", as_of=AS_OF)
    )
    assert "Total TTC : 3 420,00 EUR" in invoice


def test_ds17_closed_matter_can_be_rendered(host: ReferenceHost) -> None:
    text = _text(host.documents.render(AccountingDocumentKind.FEE_STATEMENT, "2950", matter_code="2950-04", as_of=AS_OF))
    assert "VENTE 08/09" in text and "TVA 19,6 % sur émoluments" in text


def test_ds17_per_matter_documents_need_a_matter_of_that_account(host: ReferenceHost) -> None:
    with pytest.raises(ValueError, match="matter_code"):
        host.documents.render(AccountingDocumentKind.FEE_STATEMENT, "2950")
    with pytest.raises(UnknownMatter) as raised:
        host.documents.render(AccountingDocumentKind.DEED_INVOICE, "2950", matter_code="1173-01")
    assert raised.value.key == "1173-01"


def test_ds17_participation_invoice_numbered_credit_note_and_proposal(host: ReferenceHost) -> None:
    invoice = host.documents.render(
        AccountingDocumentKind.PARTICIPATION_INVOICE, "461", participation_id=_participation_id(host, 180), as_of=AS_OF
    )
    text = _text(invoice)
    assert "Facture de participation n° 180" in text
    assert "Notaires en concours et en participation" in text
    assert "1 180,00 EUR" in text
    assert "180" in invoice.file_name

    credit = _text(
        host.documents.render(
            AccountingDocumentKind.PARTICIPATION_INVOICE, "461", participation_id=_participation_id(host, 179)
        )
    )
    assert "Avoir sur participation n° 179" in credit and "-1 250,00 EUR" in credit

    cancelled = _text(
        host.documents.render(
            AccountingDocumentKind.PARTICIPATION_INVOICE, "461", participation_id=_participation_id(host, 178)
        )
    )
    assert "Facture annulée" in cancelled

    proposal = _text(
        host.documents.render(
            AccountingDocumentKind.PARTICIPATION_INVOICE, "461", participation_id=_participation_id(host, None)
        )
    )
    assert "Proposition de facture de participation" in proposal


def test_ds17_participation_invoice_must_belong_to_the_account(host: ReferenceHost) -> None:
    with pytest.raises(ValueError, match="participation_id"):
        host.documents.render(AccountingDocumentKind.PARTICIPATION_INVOICE, "461")
    with pytest.raises(UnknownParticipation):
        host.documents.render(
            AccountingDocumentKind.PARTICIPATION_INVOICE, "2950", participation_id=_participation_id(host, 180)
        )


def test_rendering_for_an_unknown_account_names_it(host: ReferenceHost) -> None:
    with pytest.raises(UnknownAccount) as raised:
        host.documents.render(AccountingDocumentKind.ACCOUNT_EXTRACT, "0000")
    assert raised.value.key == "0000"


def test_account_without_entries_still_gets_a_document(host: ReferenceHost) -> None:
    text = _text(host.documents.render(AccountingDocumentKind.LAST_TRADE_NOTICE, "3120", as_of=AS_OF))
    assert "Aucune opération enregistrée sur ce compte." in text
    assert "DUPONT MARIE" in text
