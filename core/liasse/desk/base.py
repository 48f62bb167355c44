"""What every part of the desk shares: the provider context, the store, row conversions."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liasse.desk.records import Contact, Exchange
from liasse.errors import NotFound
from liasse.records import ContactKind, DocumentType, ProviderContext, ProviderInfo, ProviderLimits
from liasse.states import ExchangeKind, machine_for
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import ProviderContact

if TYPE_CHECKING:
    from liasse_hostapi.protocols import Host
    from liasse_hostapi.records import User
    from sqlalchemy.orm import Session

    from liasse.app import Liasse


class DeskBase:
    """One user's desk for one exchange provider, on one provider account."""

    def __init__(self, liasse: Liasse, provider: str, user_login: str, account_owner: str | None = None) -> None:
        self.liasse = liasse
        self.provider = provider
        #: The host user acting: recorded as ``created_by`` and in the history.
        self.user_login = user_login
        #: The user whose provider account the desk shows (DS-33); the acting user by default.
        self.account_owner = account_owner or user_login
        self.info: ProviderInfo = liasse.provider(provider)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.provider!r}, user={self.user_login!r}, account_owner={self.account_owner!r})"
        )

    @property
    def host(self) -> Host:
        """The host's records."""
        return self.liasse.host

    @functools.cached_property
    def user(self) -> User:
        """The acting user."""
        return self.host.office.user(self.user_login)

    @functools.cached_property
    def ctx(self) -> ProviderContext[Any]:
        """The provider context of the shown provider account (credentials asked at first use)."""
        return self.liasse.context(self.provider, self.account_owner)

    @property
    def provider_account(self) -> str:
        """The provider account's login: exchanges and contacts belong to it (DS-01)."""
        creds = self.ctx.credentials
        return creds.login if creds is not None else self.account_owner

    @functools.cached_property
    def limits(self) -> ProviderLimits:
        """What the provider accepts now (DS-34), asked once per desk."""
        return self.liasse.hooks.provider_limits(self.ctx)

    def logo(self) -> Path | None:
        """The provider's logo file (``ProviderInfo.logo``), when it declares one that exists."""
        if not self.info.logo:
            return None
        import importlib.resources

        package, _, name = self.info.logo.partition(":")
        try:
            path = Path(str(importlib.resources.files(package) / name))
        except (ModuleNotFoundError, TypeError):
            return None
        return path if path.is_file() else None

    def work_dir(self, *parts: str, create: bool = True) -> Path:
        """A directory of liasse's own files (downloads, spooled sends, quarantine), created unless told not to."""
        path = self.liasse.files_dir.joinpath(self.provider, *parts)
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return path

    # --- rows ------------------------------------------------------------------

    def _contact_row(self, session: Session, contact_id: int) -> ProviderContact:
        row = session.get(ProviderContact, contact_id)
        if row is None or row.provider != self.provider or row.provider_account != self.provider_account:
            raise NotFound(what_fr="Contact", what_en="Contact", key=contact_id)
        return row

    def _exchange_row(self, session: Session, exchange_id: int) -> ExchangeRow:
        row = session.get(ExchangeRow, exchange_id)
        if row is None or row.provider != self.provider or row.provider_account != self.provider_account:
            raise NotFound(what_fr="Échange", what_en="Exchange", key=exchange_id)
        return row


def to_contact(row: ProviderContact) -> Contact:
    """The screen's record of a stored contact."""
    return Contact(
        id=row.id,
        provider=row.provider,
        provider_account=row.provider_account,
        remote_id=row.remote_id,
        kind=ContactKind(row.kind),
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        mobile=row.mobile,
        establishment=row.establishment,
        archived=row.archived,
        account_number=row.account_number,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def to_exchange(row: ExchangeRow) -> Exchange:
    """The screen's record of a stored exchange."""
    kind = ExchangeKind(row.kind)
    contact = row.contact
    return Exchange(
        id=row.id,
        provider=row.provider,
        provider_account=row.provider_account,
        kind=kind,
        document_type=DocumentType(row.document_type) if row.document_type else None,
        label=row.label,
        account_number=row.account_number,
        contact_id=row.contact_id,
        shared_with=to_contact(contact).display_name() if contact is not None else "",
        state=machine_for(kind).parse(row.state),
        created_at=row.created_at,
        sent_at=row.sent_at,
        reminded_at=row.reminded_at,
        done_at=row.done_at,
        imported_at=row.imported_at,
        file_name=row.file_name,
        file_size=row.file_size,
        sha256=row.sha256,
        attachment_id=row.attachment_id,
        stamped_attachment_id=row.stamped_attachment_id,
        attestation_id=row.attestation_id,
        iban_record_id=row.iban_record_id,
        last_error=row.last_error,
        created_by=row.created_by,
        remote_id=row.remote_id,
        received_attachment_id=row.received_attachment_id,
    )
