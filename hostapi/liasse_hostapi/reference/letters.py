"""Events made from letter templates, and their letters as PDF (:class:`~liasse_hostapi.protocols.Events`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from liasse_hostapi.errors import UnknownEvent
from liasse_hostapi.records import (
    Event,
    EventParty,
    HostPlacement,
    PartyRole,
    RenderedDocument,
    SignatureTemplate,
    SignerSlot,
)
from liasse_hostapi.reference import schema
from liasse_hostapi.reference.accounts import ensure_account
from liasse_hostapi.reference.office import load_office
from liasse_hostapi.reference.pdf import PdfWriter


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


#: The demo's templates for e-signature (ES-03 … ES-05), as the ESign manual's examples set them:
#: a lease signed by the tenant or co-tenants on every page, by the guarantor on the last one.
SIGNATURE_TEMPLATES: dict[str, SignatureTemplate] = {
    "BAIL_HABITATION": SignatureTemplate(
        template_code="BAIL_HABITATION",
        slots=(
            SignerSlot(PartyRole.TENANT, (HostPlacement(page=1, x_mm=20, y_mm=15),), every_page=True),
            SignerSlot(PartyRole.CO_TENANT, (HostPlacement(page=1, x_mm=20, y_mm=15),), every_page=True),
            SignerSlot(PartyRole.GUARANTOR, (HostPlacement(page=-1, x_mm=120, y_mm=15),)),
        ),
        archive_title="Bail signé",
    ),
    "BAIL_COLOCATION": SignatureTemplate(
        template_code="BAIL_COLOCATION",
        slots=(
            SignerSlot(PartyRole.CO_TENANT, (HostPlacement(page=1, x_mm=20, y_mm=15),), every_page=True),
            SignerSlot(PartyRole.GUARANTOR, (HostPlacement(page=-1, x_mm=120, y_mm=45),)),
        ),
        archive_title="Bail de colocation signé",
    ),
    # ES-04: council members confirm by e-mail code; many have no French mobile.
    "CONVOCATION_CONSEIL": SignatureTemplate(
        template_code="CONVOCATION_CONSEIL",
        slots=(
            SignerSlot(PartyRole.COUNCIL_PRESIDENT, (HostPlacement(page=-1, x_mm=20, y_mm=15),)),
            SignerSlot(PartyRole.COUNCIL_MEMBER, (HostPlacement(page=-1, x_mm=120, y_mm=15),)),
        ),
        no_sms=True,
        archive_title="Convocation signée",
    ),
}


def role_label(role: str) -> str:
    """A party's role in French, or the raw role when a host template invented its own."""
    try:
        return _ROLE_LABELS[PartyRole(role)]
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

    def signature_template(self, template_code: str) -> SignatureTemplate | None:
        """The demo's e-signature settings of a letter template (``page=-1`` is the last page)."""
        return SIGNATURE_TEMPLATES.get(template_code)

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
