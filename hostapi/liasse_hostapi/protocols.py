"""The contract a host application implements for liasse.

A host implements each protocol on its own database and hands liasse one
object satisfying :class:`Host`. Protocols are structural: nothing to
inherit, a class with the right methods is enough. The reference host in
:mod:`liasse_hostapi.reference` implements all of them on SQLite.

Lookups that find nothing raise :class:`LookupError` subclasses from
:mod:`liasse_hostapi.errors`, so liasse can tell the user which record is
missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from liasse_hostapi.records import (
    Account,
    AccountingDocumentKind,
    Attachment,
    BankAccount,
    DirectoryEntry,
    Event,
    IbanRecord,
    Matter,
    MatterParty,
    NewAttachment,
    NewIbanRecord,
    Office,
    OwnerRef,
    Participation,
    ProviderOptions,
    RenderedDocument,
    SignatureTemplate,
    User,
)


@runtime_checkable
class OfficeDirectory(Protocol):
    """The office itself and its staff."""

    def office(self) -> Office:
        """The office liasse works for."""
        ...

    def users(self) -> Sequence[User]:
        """Every user of the office, including those without provider access."""
        ...

    def user(self, login: str) -> User:
        """One user by login; raises :class:`~liasse_hostapi.errors.UnknownUser`."""
        ...

    def set_provider_options(self, login: str, provider: str, options: ProviderOptions) -> None:
        """Save one user's options for one provider (DS-01)."""
        ...


@runtime_checkable
class Accounts(Protocol):
    """The chart of accounts, matters and participations."""

    def account(self, number: str) -> Account:
        """One account; raises :class:`~liasse_hostapi.errors.UnknownAccount`."""
        ...

    def search(self, text: str, limit: int = 20) -> Sequence[Account]:
        """Accounts whose number or title contains ``text`` (DS-05 "another account")."""
        ...

    def update_contact_details(self, number: str, *, email: str | None, mobile: str | None) -> Account:
        """Write a contact's email and mobile back to the account (DS-03, DS-07)."""
        ...

    def matters(self, account_number: str) -> Sequence[Matter]:
        """The account's matters, every status."""
        ...

    def matter_parties(self, account_number: str, matter_code: str) -> Sequence[MatterParty]:
        """The parties of one matter of the account, in the host's order (JZ-02); an unknown matter raises a lookup error."""
        ...

    def participations(self, account_number: str) -> Sequence[Participation]:
        """The account's participation invoices, newest entry first (DS-17)."""
        ...

    def number_participation(self, participation_id: int) -> Participation:
        """Give an unnumbered participation invoice its number (DS-17: numbered at send)."""
        ...


@runtime_checkable
class Attachments(Protocol):
    """Stored files (*pièces jointes*)."""

    def list(self, owner: OwnerRef) -> Sequence[Attachment]:
        """Attachments of one owner, oldest first."""
        ...

    def get(self, attachment_id: int) -> Attachment:
        """One attachment's metadata; raises :class:`~liasse_hostapi.errors.UnknownAttachment`."""
        ...

    def open(self, attachment_id: int) -> BinaryIO:
        """The attachment's content, for reading in chunks."""
        ...

    def add(self, new: NewAttachment, source: Path) -> Attachment:
        """Store the file at ``source`` (the host copies it) and return the record."""
        ...


@runtime_checkable
class IbanRecords(Protocol):
    """The host's IBAN records (*fiches IBAN*)."""

    def list(self, account_number: str) -> Sequence[IbanRecord]:
        """The account's IBAN records, oldest first (BY-02 compares with the newest)."""
        ...

    def create(self, new: NewIbanRecord) -> IbanRecord:
        """Create an IBAN record (DS-26)."""
        ...

    def attach(self, iban_record_id: int, attachment_id: int) -> IbanRecord:
        """Add an attachment to an existing IBAN record (DS-15: a new RIB file is saved there)."""
        ...

    def confirm_for_payment(self, iban_record_id: int, user_login: str) -> IbanRecord:
        """BY-02: a user read the record's warnings and confirms it may pay (``danger`` ones need it)."""
        ...


@runtime_checkable
class OfficeBanking(Protocol):
    """The office's own bank accounts (DS-15)."""

    def bank_accounts(self) -> Sequence[BankAccount]:
        """Every office bank account with its RIBs (``512 CAV``, ``5421 DCN`` …)."""
        ...


@runtime_checkable
class Events(Protocol):
    """Events made from letter templates (ES-06, AR-05)."""

    def events(self, account_number: str | None = None) -> Sequence[Event]:
        """Events, of one account or of the whole office, newest first."""
        ...

    def event(self, event_id: int) -> Event:
        """One event; raises :class:`~liasse_hostapi.errors.UnknownEvent`."""
        ...

    def render_event(self, event_id: int) -> RenderedDocument:
        """The event's letter rendered to PDF."""
        ...

    def signature_template(self, template_code: str) -> SignatureTemplate | None:
        """The template's signer roles, placements and options (ES-03 … ES-05); None when it is not for signing."""
        ...


@runtime_checkable
class DocumentRenderer(Protocol):
    """Accounting documents rendered to PDF (DS-17)."""

    def render(
        self,
        kind: AccountingDocumentKind,
        account_number: str,
        *,
        matter_code: str | None = None,
        participation_id: int | None = None,
        as_of: dt.date | None = None,
    ) -> RenderedDocument:
        """Render one accounting document of ``account_number``."""
        ...


@runtime_checkable
class ClientDirectory(Protocol):
    """An external client directory a host may offer as a prefill source (DS-05)."""

    def search(self, text: str, limit: int = 20) -> Iterable[DirectoryEntry]:
        """Entries matching ``text``; an empty iterable when the host has no directory."""
        ...


@runtime_checkable
class Host(Protocol):
    """Everything liasse needs from a host, grouped by concern."""

    @property
    def office(self) -> OfficeDirectory:
        """The office and its users."""
        ...

    @property
    def accounts(self) -> Accounts:
        """Accounts, matters, participations."""
        ...

    @property
    def attachments(self) -> Attachments:
        """Stored files."""
        ...

    @property
    def ibans(self) -> IbanRecords:
        """IBAN records."""
        ...

    @property
    def banking(self) -> OfficeBanking:
        """The office's bank accounts."""
        ...

    @property
    def events(self) -> Events:
        """Letters made from templates."""
        ...

    @property
    def documents(self) -> DocumentRenderer:
        """Accounting documents as PDF."""
        ...

    @property
    def directory(self) -> ClientDirectory:
        """The external client directory (may find nothing)."""
        ...
