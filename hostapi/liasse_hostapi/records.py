"""Record types the host hands to liasse and receives back from it.

Every record is a frozen attrs class: values, not live database rows. A host
builds them from its own tables; liasse never mutates them, it asks the host
through the protocols in :mod:`liasse_hostapi.protocols` to change anything.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import attrs


class AccountKind(enum.Enum):
    """What an account is in notarial accounting (see GLOSSARY: compte client, compte général)."""

    CLIENT = "client"
    GENERAL = "general"
    PARTY = "party"
    THIRD_PARTY = "third_party"


class MatterStatus(enum.Enum):
    """The state of an *affaire*."""

    ACTIVE = "active"
    PROJECT = "project"
    CLOSED = "closed"


class ParticipationDirection(enum.Enum):
    """A participation invoice is either due by the office or to be received by it."""

    DUE = "due"
    TO_RECEIVE = "to_receive"


class ParticipationState(enum.Enum):
    """Open, or one of the ended states DS-17 asks to show marked."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    CREDIT_NOTE = "credit_note"


class OwnerKind(enum.Enum):
    """What an attachment hangs on."""

    ACCOUNT = "account"
    IBAN_RECORD = "iban_record"
    EVENT = "event"
    MATTER = "matter"



def _masked_iban(value: str) -> str:
    """An IBAN as a repr shows it, ``'FR76 **** … 1234'``: reprs end up in logs and tracebacks."""
    compact = "".join(value.split()).upper()
    return repr(f"{compact[:4]} **** … {compact[-4:]}" if len(compact) >= 12 else "****")


class Right(enum.Enum):
    """Permissions a host grants its users that liasse checks."""

    SEE_OTHER_USERS_CONTACTS = "see_other_users_contacts"  # DS-01, DS-19, DS-33
    MANAGE_PROVIDER_SETTINGS = "manage_provider_settings"
    SEND_REGISTERED_MAIL = "send_registered_mail"
    #: Read every user's entries of liasse's audit log; without it, a user reads their own only.
    VIEW_AUDIT_LOG = "view_audit_log"


class AccountingDocumentKind(enum.Enum):
    """Accounting documents a host renders to PDF (DS-17)."""

    ACCOUNT_EXTRACT = "account_extract"
    FULL_STATEMENT = "full_statement"
    LAST_TRADE_NOTICE = "last_trade_notice"
    FEE_STATEMENT = "fee_statement"
    DEED_INVOICE = "deed_invoice"
    PARTICIPATION_INVOICE = "participation_invoice"


@attrs.frozen
class OfficeConstants:
    """Office-wide switches a host administrator sets once."""

    #: DS-23: alert about received documents still to import when an account opens.
    alert_on_documents_to_import: bool = True
    #: DS-10: contacts whose exchanges all ended this many months ago are proposed for archiving.
    archive_after_months: int = 3


@attrs.frozen
class Office:
    """The notary's office: the host's tenant."""

    code: str
    name: str
    email: str
    timezone: str = "Europe/Paris"
    address: str = ""
    constants: OfficeConstants = attrs.field(factory=OfficeConstants)


@attrs.frozen
class ProviderOptions:
    """DS-01: one user's options for one provider."""

    link_enabled: bool = True
    auto_stamp_rib: bool = True
    auto_stamp_other: bool = False
    see_other_users_contacts: bool = False


@attrs.frozen
class User:
    """A member of the office's staff."""

    login: str
    first_name: str
    last_name: str
    email: str
    rights: frozenset[Right] = frozenset()
    #: Per-provider options keyed by provider name (``"docsecure"``); a missing key means defaults.
    options: dict[str, ProviderOptions] = attrs.field(factory=dict)

    @property
    def full_name(self) -> str:
        """``"First LAST"`` as shown in French screens."""
        return f"{self.first_name} {self.last_name}".strip()

    def options_for(self, provider: str) -> ProviderOptions:
        """This user's options for ``provider``, defaults when never set."""
        return self.options.get(provider, ProviderOptions())

    def has(self, right: Right) -> bool:
        """Whether the user holds ``right``."""
        return right in self.rights


@attrs.frozen
class Account:
    """An account of the chart: client account, general account, party or other third party."""

    number: str
    title: str
    kind: AccountKind
    legal_entity: bool = False
    email: str | None = None
    #: As typed in the host; liasse normalises it to E.164 when it needs it.
    mobile: str | None = None
    #: Numbers of accounts associated with this one (DS-05 prefill source).
    associated: tuple[str, ...] = ()
    first_name: str | None = None
    last_name: str | None = None
    postal_address: str | None = None


@attrs.frozen
class Matter:
    """An *affaire* within a client account."""

    code: str
    account_number: str
    title: str
    status: MatterStatus


@attrs.frozen
class MatterParty:
    """A party (*intervenant*) of a matter: an account of the chart, person or company, in a role.

    JZ-02 exports a matter with its parties; each one's name, kind and
    e-mail come from its :class:`Account`. ``role`` is in the host's own
    words ("Acquéreur", "Vendeur", "Agence").
    """

    account_number: str
    role: str


@attrs.frozen
class Participation:
    """A participation invoice (H2) between notaries."""

    id: int
    account_number: str
    direction: ParticipationDirection
    entry_date: dt.date
    amount: Decimal
    label: str
    #: None until the invoice is numbered (DS-17 numbers it at send).
    number: int | None = None
    state: ParticipationState = ParticipationState.OPEN


@attrs.frozen
class OwnerRef:
    """Points at the record an attachment hangs on."""

    kind: OwnerKind
    key: str


@attrs.frozen
class Attachment:
    """A stored file (*pièce jointe*) on an account, IBAN record, event or matter."""

    id: int
    owner: OwnerRef
    file_name: str
    title: str
    media_type: str
    sha256: str
    size: int
    #: Where it came from, in the user's words: "Reçu via DocSecure", "Généré", "Ajouté".
    origin: str
    created_at: dt.datetime
    #: For a timestamped copy, the attachment it was made from (DS-28: both stay viewable).
    original_id: int | None = None


@attrs.frozen
class NewAttachment:
    """What liasse asks the host to store; the host returns the stored :class:`Attachment`."""

    owner: OwnerRef
    file_name: str
    title: str
    media_type: str
    origin: str
    original_id: int | None = None


@attrs.frozen
class IbanWarning:
    """A finding about received bank details, kept with the IBAN record (BY-02).

    ``severity`` is ``info``, ``warning`` or ``danger``; a host shows the
    ``danger`` ones, and has them confirmed, before the record pays anyone.
    """

    code: str
    severity: str
    text: str


@attrs.frozen
class IbanRecord:
    """The host's *fiche IBAN* on an account."""

    id: int
    account_number: str
    iban: str = attrs.field(repr=_masked_iban)
    bic: str | None
    holder: str
    bank: str | None
    origin: str
    attachment_ids: tuple[int, ...] = ()
    created_at: dt.datetime | None = None
    #: What liasse found about the details when the record was made from a received RIB.
    warnings: tuple[IbanWarning, ...] = ()
    #: BY-02: who confirmed, having read the warnings, that the record may be used for a payment, and when.
    confirmed_by: str | None = None
    confirmed_at: dt.datetime | None = None

    @property
    def needs_confirmation(self) -> bool:
        """A ``danger`` warning stands and nobody confirmed the record yet: it must not pay anyone."""
        return self.confirmed_by is None and any(w.severity == "danger" for w in self.warnings)


@attrs.frozen
class NewIbanRecord:
    """An IBAN record liasse asks the host to create (DS-26)."""

    account_number: str
    iban: str = attrs.field(repr=_masked_iban)
    bic: str | None
    holder: str
    bank: str | None
    origin: str
    attachment_ids: tuple[int, ...] = ()
    #: BY-02 findings to keep with the record.
    warnings: tuple[IbanWarning, ...] = ()


@attrs.frozen
class Rib:
    """One set of bank details of an office bank account."""

    label: str
    iban: str = attrs.field(repr=_masked_iban)
    bic: str
    holder: str
    bank: str
    #: The RIB document on file, when there is one (DS-15 preselects it).
    attachment_id: int | None = None
    #: The IBAN record the RIB is kept as; a new RIB file is saved there (DS-15).
    iban_record_id: int | None = None


@attrs.frozen
class BankAccount:
    """An office bank account: ``512 CAV`` (own current account) or ``5421 DCN`` (client funds)."""

    code: str
    label: str
    ribs: tuple[Rib, ...]


class PartyRole(enum.StrEnum):
    """Roles a party plays on an event, as letter templates name them (ES-03).

    A ``StrEnum``: ``PartyRole.TENANT == "tenant"``, so hosts that store the
    role as text compare and persist it unchanged.
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


def _role(value: PartyRole | str) -> PartyRole | str:
    """A known role as its enum member; a role a host template invented (or none yet) stays text."""
    try:
        return PartyRole(value)
    except ValueError:
        return value


@attrs.frozen
class EventParty:
    """A party of an event in a role (ES-03, AR-05)."""

    role: PartyRole | str = attrs.field(converter=_role)
    name: str
    account_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    mobile: str | None = None
    postal_address: str | None = None


@attrs.frozen
class Event:
    """A letter, lease or mandate created from a letter template (*modèle de courrier*)."""

    id: int
    template_code: str
    title: str
    account_number: str
    created_at: dt.datetime
    parties: tuple[EventParty, ...] = ()
    matter_code: str | None = None
    #: Set when the host's register gave it a number and date (*chronoté*, AR-05).
    registered_at: dt.datetime | None = None


@attrs.frozen
class HostPlacement:
    """Where a signature goes, in the host's convention: millimetres from the page's bottom-left corner.

    ``page`` counts from 1, and negative values from the end (-1: the last
    page, whatever the letter's length). ``x_mm``/``y_mm`` place the box's
    bottom-left corner, as a letter layout measures it; liasse converts to the provider's convention (PDF points
    from the top-left) with the rendered page's real size (ES-05).
    """

    page: int
    x_mm: float
    y_mm: float
    width_mm: float = 60.0
    height_mm: float = 25.0


@attrs.frozen
class SignerSlot:
    """A signer role of a letter template and where each of its signers signs (ES-03, ES-05)."""

    role: PartyRole
    placements: tuple[HostPlacement, ...]
    #: Place the signature on every page of the letter, at ``placements[0]``'s position (ES-05 "one per page").
    every_page: bool = False


@attrs.frozen
class SignatureTemplate:
    """What a letter template says about e-signature (ES-02 … ES-05)."""

    template_code: str
    slots: tuple[SignerSlot, ...]
    #: ES-04: signers confirm by a code sent by e-mail, never by SMS.
    no_sms: bool = False
    #: ES-02: the title the signed document is archived under, on the event's owner account.
    archive_title: str = "Document signé"


@attrs.frozen
class DirectoryEntry:
    """A hit from a client directory search (DS-05)."""

    source: str
    name: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    mobile: str | None = None
    account_number: str | None = None


@attrs.frozen
class RenderedDocument:
    """A PDF the host rendered, with the name it should carry."""

    #: None for a document that is not an accounting one: an event's letter (``Events.render_event``).
    kind: AccountingDocumentKind | None
    file_name: str
    title: str
    content: bytes
