"""Accounting documents rendered to PDF (:class:`~liasse_hostapi.protocols.DocumentRenderer`, DS-17)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import attrs
from sqlalchemy.engine import Connection, Engine

from liasse_hostapi.errors import UnknownParticipation
from liasse_hostapi.records import (
    Account,
    AccountingDocumentKind,
    Matter,
    Office,
    Participation,
    ParticipationDirection,
    ParticipationState,
    RenderedDocument,
)
from liasse_hostapi.reference.accounts import load_account, load_matter, load_participation
from liasse_hostapi.reference.ledger import LedgerEntry, balance, entries
from liasse_hostapi.reference.office import load_office
from liasse_hostapi.reference.pdf import PdfWriter, format_amount, format_date
from liasse_hostapi.reference.schema import LedgerCategory

#: Entry table column widths in millimetres (date, label, debit, credit, balance): 174 mm of A4.
_ENTRY_WIDTHS = (22.0, 76.0, 25.0, 25.0, 26.0)
_ENTRY_HEADERS = ("Date", "Libellé", "Débit", "Crédit", "Solde")

_CATEGORY_TITLES = {
    LedgerCategory.FEES: "Émoluments",
    LedgerCategory.VAT: "TVA",
    LedgerCategory.TAXES: "Droits et taxes",
    LedgerCategory.DISBURSEMENTS: "Débours",
}

_T = TypeVar("_T")

_PER_MATTER = {AccountingDocumentKind.FEE_STATEMENT, AccountingDocumentKind.DEED_INVOICE}


@attrs.frozen
class _Request:
    """Everything one rendering needs, loaded in one read."""

    office: Office
    account: Account
    as_of: dt.date
    matter: Matter | None
    participation: Participation | None


class SqlDocumentRenderer:
    """Prints the account's entries, matters and participation invoices as French documents."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def render(
        self,
        kind: AccountingDocumentKind,
        account_number: str,
        *,
        matter_code: str | None = None,
        participation_id: int | None = None,
        as_of: dt.date | None = None,
    ) -> RenderedDocument:
        """Render one accounting document of ``account_number`` as of ``as_of`` (default: today at the office).

        Fee statements and deed invoices need ``matter_code``; a participation
        invoice needs ``participation_id``, which must be on that account.
        Other kinds cover the whole account and ignore both.
        """
        if kind in _PER_MATTER and matter_code is None:
            raise ValueError(f"{kind.value} is rendered per matter: matter_code is required")
        if kind is AccountingDocumentKind.PARTICIPATION_INVOICE and participation_id is None:
            raise ValueError("participation_invoice needs participation_id")
        with self._engine.connect() as conn:
            office = load_office(conn)
            account = load_account(conn, account_number)
            matter = load_matter(conn, account_number, matter_code) if kind in _PER_MATTER and matter_code else None
            participation = None
            if kind is AccountingDocumentKind.PARTICIPATION_INVOICE and participation_id is not None:
                participation = load_participation(conn, participation_id)
                if participation.account_number != account_number:
                    raise UnknownParticipation(participation_id)
            day = as_of or dt.datetime.now(ZoneInfo(office.timezone)).date()
            request = _Request(office=office, account=account, as_of=day, matter=matter, participation=participation)
            return _RENDERERS[kind](conn, request)


def _writer(request: _Request, title: str) -> PdfWriter:
    """A new document with the title and the account block every document starts with."""
    writer = PdfWriter(office_name=request.office.name, office_address=request.office.address, title=title)
    writer.heading(title)
    writer.line(f"Compte n° {request.account.number} - {request.account.title}", bold=True)
    if request.account.postal_address:
        writer.line(request.account.postal_address)
    writer.line(f"Arrêté au {format_date(request.as_of)}")
    writer.space()
    return writer


def _entry_table(writer: PdfWriter, lines: Sequence[LedgerEntry], opening: Decimal = Decimal("0.00")) -> Decimal:
    """Print entries with a running balance; returns the closing balance."""
    running = opening
    rows = []
    for line in lines:
        running += line.amount
        rows.append(
            (
                format_date(line.entry_date),
                line.label,
                format_amount(line.debit) if line.debit else "",
                format_amount(line.credit) if line.credit else "",
                format_amount(running),
            )
        )
    if rows:
        writer.table(_ENTRY_HEADERS, rows, _ENTRY_WIDTHS, right_aligned=(2, 3, 4))
    else:
        writer.line("Aucune écriture sur la période.")
    return running


def _balance_line(writer: PdfWriter, amount: Decimal, day: dt.date) -> None:
    """The closing balance in words a client reads: in their favour or due by them."""
    side = "créditeur" if amount >= 0 else "débiteur"
    writer.line(f"Solde {side} au {format_date(day)} : {format_amount(abs(amount))}", bold=True)


def _render_extract(conn: Connection, request: _Request) -> RenderedDocument:
    """Extract: this year's entries, the earlier ones carried forward as one opening balance."""
    title = "Extrait de compte"
    writer = _writer(request, title)
    start = request.as_of.replace(month=1, day=1)
    lines = entries(conn, request.account.number, until=request.as_of)
    earlier = [line for line in lines if line.entry_date < start]
    opening = balance(earlier)
    writer.line(f"Report au {format_date(start)} : {format_amount(opening)}")
    writer.space(2)
    closing = _entry_table(writer, [line for line in lines if line.entry_date >= start], opening)
    _balance_line(writer, closing, request.as_of)
    return _document(AccountingDocumentKind.ACCOUNT_EXTRACT, title, request, writer)


def _render_full_statement(conn: Connection, request: _Request) -> RenderedDocument:
    """Full statement: every entry since the account was opened."""
    title = "Relevé de compte complet"
    writer = _writer(request, title)
    closing = _entry_table(writer, entries(conn, request.account.number, until=request.as_of))
    _balance_line(writer, closing, request.as_of)
    return _document(AccountingDocumentKind.FULL_STATEMENT, title, request, writer)


def _render_last_trade_notice(conn: Connection, request: _Request) -> RenderedDocument:
    """Trade notice of the last day with entries: what moved, and the balance after it."""
    title = "Dernier avis d'opéré"
    writer = _writer(request, title)
    lines = entries(conn, request.account.number, until=request.as_of)
    if lines:
        last_day = lines[-1].entry_date
        before = [line for line in lines if line.entry_date < last_day]
        writer.line(f"Opération(s) du {format_date(last_day)}")
        writer.space(2)
        closing = _entry_table(writer, [line for line in lines if line.entry_date == last_day], balance(before))
        _balance_line(writer, closing, last_day)
    else:
        writer.line("Aucune opération enregistrée sur ce compte.")
    return _document(AccountingDocumentKind.LAST_TRADE_NOTICE, title, request, writer)


def _render_fee_statement(conn: Connection, request: _Request) -> RenderedDocument:
    """Fee statement of a matter: costs by nature, the provisions received, what remains."""
    matter = _required(request.matter)
    title = "État de frais"
    writer = _writer(request, title)
    writer.line(f"Affaire : {matter.title} ({matter.code})", bold=True)
    writer.space(2)
    lines = entries(conn, request.account.number, matter_code=matter.code, until=request.as_of)
    rows = []
    total_costs = Decimal("0.00")
    for category, heading in _CATEGORY_TITLES.items():
        for line in lines:
            if line.category is category:
                cost = line.debit - line.credit
                total_costs += cost
                rows.append((heading, line.label, format_amount(cost)))
    if rows:
        writer.table(("Nature", "Libellé", "Montant"), rows, (36.0, 106.0, 32.0), right_aligned=(2,))
    else:
        writer.line("Aucun frais enregistré sur cette affaire.")
    received = sum((line.amount for line in lines if line.category is LedgerCategory.FUNDS), Decimal("0.00"))
    writer.line(f"Total des frais : {format_amount(total_costs)}", bold=True)
    writer.line(f"Provisions et règlements : {format_amount(received)}")
    remaining = total_costs - received
    if remaining > 0:
        writer.line(f"Reste dû : {format_amount(remaining)}", bold=True)
    else:
        writer.line(f"Solde en votre faveur : {format_amount(-remaining)}", bold=True)
    return _document(AccountingDocumentKind.FEE_STATEMENT, title, request, writer, suffix=matter.code)


def _render_deed_invoice(conn: Connection, request: _Request) -> RenderedDocument:
    """Deed invoice of a matter: the fees before tax, the VAT, the total."""
    matter = _required(request.matter)
    title = "Facture d'acte"
    writer = _writer(request, title)
    writer.line(f"Facture n° {matter.code} - {matter.title}", bold=True)
    writer.space(2)
    lines = entries(conn, request.account.number, matter_code=matter.code, until=request.as_of)
    fees = [line for line in lines if line.category is LedgerCategory.FEES]
    vat = [line for line in lines if line.category is LedgerCategory.VAT]
    rows = [(format_date(line.entry_date), line.label, format_amount(line.debit - line.credit)) for line in fees + vat]
    if rows:
        writer.table(("Date", "Désignation", "Montant"), rows, (24.0, 118.0, 32.0), right_aligned=(2,))
    else:
        writer.line("Aucun émolument facturé sur cette affaire.")
    net = -balance(fees)
    tax = -balance(vat)
    writer.line(f"Total HT : {format_amount(net)}")
    writer.line(f"TVA : {format_amount(tax)}")
    writer.line(f"Total TTC : {format_amount(net + tax)}", bold=True)
    return _document(AccountingDocumentKind.DEED_INVOICE, title, request, writer, suffix=matter.code)


def _render_participation_invoice(conn: Connection, request: _Request) -> RenderedDocument:
    """A participation invoice (H2), credit note or proposal, with its state written on it."""
    participation = _required(request.participation)
    if participation.state is ParticipationState.CREDIT_NOTE:
        title = "Avoir sur participation"
    elif participation.number is None:
        title = "Proposition de facture de participation"
    else:
        title = "Facture de participation"
    writer = _writer(request, title)
    number = f"n° {participation.number}" if participation.number is not None else "(non numérotée)"
    writer.line(f"{title} {number} du {format_date(participation.entry_date)}", bold=True)
    direction = {
        ParticipationDirection.DUE: "Participation due par l'office",
        ParticipationDirection.TO_RECEIVE: "Participation à recevoir par l'office",
    }[participation.direction]
    writer.line(direction)
    state = {
        ParticipationState.OPEN: None,
        ParticipationState.CLOSED: "Participation clôturée (réglée ou encaissée)",
        ParticipationState.CANCELLED: "Facture annulée",
        ParticipationState.CREDIT_NOTE: "Avoir",
    }[participation.state]
    if state:
        writer.line(state, bold=True)
    writer.space(2)
    writer.table(
        ("Date", "Désignation", "Montant"),
        [(format_date(participation.entry_date), participation.label, format_amount(participation.amount))],
        (24.0, 118.0, 32.0),
        right_aligned=(2,),
    )
    writer.line(f"Net à payer : {format_amount(participation.amount)}", bold=True)
    suffix = str(participation.number) if participation.number is not None else f"id{participation.id}"
    return _document(AccountingDocumentKind.PARTICIPATION_INVOICE, title, request, writer, suffix=suffix)


_RENDERERS: dict[AccountingDocumentKind, Callable[[Connection, _Request], RenderedDocument]] = {
    AccountingDocumentKind.ACCOUNT_EXTRACT: _render_extract,
    AccountingDocumentKind.FULL_STATEMENT: _render_full_statement,
    AccountingDocumentKind.LAST_TRADE_NOTICE: _render_last_trade_notice,
    AccountingDocumentKind.FEE_STATEMENT: _render_fee_statement,
    AccountingDocumentKind.DEED_INVOICE: _render_deed_invoice,
    AccountingDocumentKind.PARTICIPATION_INVOICE: _render_participation_invoice,
}


def _required(value: _T | None) -> _T:
    """The value :meth:`SqlDocumentRenderer.render` already checked is there."""
    if value is None:
        raise ValueError("missing matter or participation")
    return value


def _document(
    kind: AccountingDocumentKind, title: str, request: _Request, writer: PdfWriter, *, suffix: str | None = None
) -> RenderedDocument:
    """Wrap the finished PDF with a title and a file name safe on every disk."""
    parts = [title, request.account.number] + ([suffix] if suffix else []) + [request.as_of.strftime("%Y%m%d")]
    full_title = f"{title} - {request.account.number} {request.account.title}"
    if request.matter is not None:
        full_title += f" - {request.matter.title}"
    return RenderedDocument(
        kind=kind,
        file_name="_".join(_ascii_slug(part) for part in parts) + ".pdf",
        title=full_title,
        content=writer.to_bytes(),
    )


def _ascii_slug(text: str) -> str:
    """``"État de frais"`` as ``"Etat_de_frais"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9-]+", "_", ascii_text).strip("_")
