"""Events made from letter templates, and their letters as PDF (:class:`~liasse_hostapi.protocols.Events`)."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from liasse_hostapi.errors import UnknownEvent
from liasse_hostapi.records import Event, EventParty, RenderedDocument
from liasse_hostapi.reference import schema
from liasse_hostapi.reference.accounts import ensure_account
from liasse_hostapi.reference.office import load_office
from liasse_hostapi.reference.pdf import PdfWriter


class PartyRole(enum.StrEnum):
    """Roles a party plays on an event, as letter templates name them (ES-03).

    Stored and handed to liasse as their string value in
    :attr:`~liasse_hostapi.records.EventParty.role`.
    """

    OWNER = "owner"
    CO_OWNER = "co_owner"
    TENANT = "tenant"
    CO_TENANT = "co_tenant"
    GUARANTOR = "guarantor"
    LOT_SELLER = "lot_seller"
    SELLER_NOTARY = "seller_notary"
    LOT_BUYER = "lot_buyer"
    BUYER_NOTARY = "buyer_notary"
    COUNCIL_MEMBER = "council_member"
    COUNCIL_PRESIDENT = "council_president"
    EVENT_THIRD_PARTY = "event_third_party"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        """The role as the letter prints it."""
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    PartyRole.OWNER: "Propriétaire",
    PartyRole.CO_OWNER: "Indivisaire",
    PartyRole.TENANT: "Locataire",
    PartyRole.CO_TENANT: "Colocataire",
    PartyRole.GUARANTOR: "Garant",
    PartyRole.LOT_SELLER: "Vendeur du lot",
    PartyRole.SELLER_NOTARY: "Notaire du vendeur",
    PartyRole.LOT_BUYER: "Acquéreur du lot",
    PartyRole.BUYER_NOTARY: "Notaire de l'acquéreur",
    PartyRole.COUNCIL_MEMBER: "Membre du conseil syndical",
    PartyRole.COUNCIL_PRESIDENT: "Président du conseil syndical",
    PartyRole.EVENT_THIRD_PARTY: "Tiers de l'événement",
    PartyRole.MANAGER: "Gérant",
}


def role_label(role: str) -> str:
    """A party's role in French, or the raw role when a host template invented its own."""
    try:
        return PartyRole(role).label
    except ValueError:
        return role


def load_event(conn: Connection, event_id: int) -> Event:
    """One event with its parties; raises :class:`~liasse_hostapi.errors.UnknownEvent`."""
    row = conn.execute(sa.select(schema.events).where(schema.events.c.id == event_id)).one_or_none()
    if row is None:
        raise UnknownEvent(event_id)
    return _event(conn, row)


class SqlEvents:
    """Events and their letters; the letter text is kept on the event row."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def events(self, account_number: str | None = None) -> Sequence[Event]:
        """Events of one account, or of the whole office, newest first."""
        table = schema.events
        statement = sa.select(table).order_by(table.c.created_at.desc(), table.c.id.desc())
        with self._engine.connect() as conn:
            if account_number is not None:
                ensure_account(conn, account_number)
                statement = statement.where(table.c.account_number == account_number)
            return tuple(_event(conn, row) for row in conn.execute(statement).all())

    def event(self, event_id: int) -> Event:
        """One event; raises :class:`~liasse_hostapi.errors.UnknownEvent`."""
        with self._engine.connect() as conn:
            return load_event(conn, event_id)

    def render_event(self, event_id: int) -> RenderedDocument:
        """The event's letter on A4 pages (AR-05: AR24 accepts A4 only)."""
        with self._engine.connect() as conn:
            event = load_event(conn, event_id)
            body = conn.execute(sa.select(schema.events.c.body).where(schema.events.c.id == event_id)).scalar_one()
            office = load_office(conn)
        zone = ZoneInfo(office.timezone)
        writer = PdfWriter(office_name=office.name, office_address=office.address, title=event.title)
        created = event.created_at.astimezone(zone)
        writer.line(f"Le {created:%d/%m/%Y}")
        if event.registered_at is not None:
            registered = event.registered_at.astimezone(zone)
            writer.line(f"Chrono n° {event.id} du {registered:%d/%m/%Y} à {registered:%H:%M}")
        writer.space()
        recipients = [party for party in event.parties if party.role != PartyRole.MANAGER]
        if recipients:
            writer.subheading("Destinataires")
            for party in recipients:
                address = f", {party.postal_address}" if party.postal_address else ""
                writer.line(f"{role_label(party.role)} : {party.name}{address}")
            writer.space()
        writer.heading(event.title)
        for paragraph in re.split(r"\n\s*\n", body.strip()):
            writer.paragraph(" ".join(paragraph.split()))
        managers = [party for party in event.parties if party.role == PartyRole.MANAGER]
        writer.space(8)
        writer.line(managers[0].name if managers else office.name, bold=True)
        writer.line(office.name)
        return RenderedDocument(
            kind=None,
            file_name=f"Courrier_{event.id}_{_slug(event.template_code)}.pdf",
            title=event.title,
            content=writer.to_bytes(),
        )


def _slug(text: str) -> str:
    """``text`` reduced to characters safe in any file name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "courrier"


def _event(conn: Connection, row: sa.Row) -> Event:
    """Build an :class:`Event` from its row and its parties in template order."""
    parties = schema.event_parties
    party_rows = conn.execute(
        sa.select(parties).where(parties.c.event_id == row.id).order_by(parties.c.position, parties.c.id)
    ).all()
    return Event(
        id=row.id,
        template_code=row.template_code,
        title=row.title,
        account_number=row.account_number,
        created_at=row.created_at,
        parties=tuple(
            EventParty(
                role=party.role,
                name=party.name,
                account_number=party.account_number,
                first_name=party.first_name,
                last_name=party.last_name,
                email=party.email,
                mobile=party.mobile,
                postal_address=party.postal_address,
            )
            for party in party_rows
        ),
        matter_code=row.matter_code,
        registered_at=row.registered_at,
    )
