"""BY-01, first step: one list of what the office exchanged, whatever the provider: requests and sends, shares.

DocSecure's requests and sends and JurisZone's shares are all exchange rows;
this reads them together, by account or by matter, with each state in the
user's words and a share's expiry date (JZ-08).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from liasse.sharing.records import TrackedItem
from liasse.states import MACHINES, ExchangeKind
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import ProviderContact
from liasse.store.models import Share as ShareRow
from liasse.store.models import SharedFile as SharedFileRow
from liasse.store.models import ShareRecipientRow

if TYPE_CHECKING:
    from liasse.app import Liasse


def unified_tracking(
    liasse: Liasse, *, account_number: str | None = None, matter_code: str | None = None
) -> tuple[TrackedItem, ...]:
    """Every exchange of every provider for an account (or a matter: its shares), newest first."""
    with liasse.store.session() as session:
        query = (
            sa.select(ExchangeRow, ShareRow.expires_on, SharedFileRow.matter_code)
            .outerjoin(ShareRow, ShareRow.exchange_id == ExchangeRow.id)
            .outerjoin(SharedFileRow, SharedFileRow.id == ShareRow.shared_file_id)
            .order_by(ExchangeRow.created_at.desc(), ExchangeRow.id.desc())
        )
        if account_number is not None:
            query = query.where(ExchangeRow.account_number == account_number)
        if matter_code is not None:
            query = query.where(SharedFileRow.matter_code == matter_code)
        items: list[TrackedItem] = []
        for row, expires_on, matter in session.execute(query):
            machine = MACHINES.get(ExchangeKind(row.kind))
            state = machine.parse(row.state) if machine is not None else None
            if row.kind == ExchangeKind.SHARE.value:
                names = session.scalars(
                    sa.select(ShareRecipientRow.name).where(ShareRecipientRow.exchange_id == row.id).order_by(ShareRecipientRow.id)
                ).all()
                shared_with = ", ".join(names)
            else:
                contact = session.get(ProviderContact, row.contact_id) if row.contact_id else None
                shared_with = f"{contact.first_name} {contact.last_name}".strip() if contact else ""
            info = liasse.providers.get(row.provider)
            items.append(
                TrackedItem(
                    exchange_id=row.id,
                    provider=row.provider,
                    provider_title=info.title if info else row.provider,
                    kind=row.kind,
                    kind_label=ExchangeKind(row.kind).label(),
                    label=row.label,
                    state=state,
                    state_label=state.label() if state is not None else row.state,
                    account_number=row.account_number,
                    matter_code=matter,
                    shared_with=shared_with,
                    created_at=row.created_at,
                    sent_at=row.sent_at,
                    done_at=row.done_at,
                    expires_on=expires_on,
                )
            )
        return tuple(items)
