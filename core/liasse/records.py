"""Records that cross the boundary between liasse and provider plugins.

Hook arguments and hook results are these frozen attrs classes, never
dicts. Result records carry ``provider``: liasse fills it with the name of
the plugin that produced the result, so a plugin leaves it empty.

New optional fields may be added in a minor spec version; a plugin that
builds a record with keywords keeps working.
"""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from liasse.capabilities import Capability
from liasse.secrets import Secret

if TYPE_CHECKING:
    from liasse.http import HttpClient


# --- what a provider declares -------------------------------------------------


@attrs.frozen
class CredentialField:
    """One field of a user's credentials for a provider (DS-01 "Connexion")."""

    name: str
    label_fr: str
    label_en: str
    secret: bool = False


@attrs.frozen
class ProviderLimits:
    """What the provider accepts, checked before any upload (DS-34)."""

    max_file_size: int
    media_types: frozenset[str]
    max_documents: int | None = None


@attrs.frozen
class ProviderInfo:
    """A provider plugin's declaration, returned by ``liasse_provider_info``.

    ``settings`` is an attrs class whose fields are the provider's keys in
    ``liasse.toml``; declare secret fields with :func:`liasse.settings.secret_field`.
    ``sandbox`` names the factory of the provider's sandbox as
    ``"module:function"``, imported only when a sandbox is started.
    """

    title: str
    capabilities: frozenset[Capability]
    settings: type[Any]
    sandbox: str
    #: What each user types to connect; empty when the office's settings hold the keys.
    credential_fields: tuple[CredentialField, ...] = ()
    limits: ProviderLimits | None = None
    #: DS-02: where the banner button leads when some user has the link on, and otherwise.
    site_url: str | None = None
    presentation_url: str | None = None
    #: The hook spec version the plugin was written against (see :data:`liasse.hookspecs.SPEC_VERSION`).
    spec_version: str = "1.0"


# --- what liasse hands every provider step ------------------------------------

SettingsT = TypeVar("SettingsT")


@attrs.frozen
class Credentials:
    """A user's credentials for one provider, decrypted for the duration of a call."""

    login: str
    secret: Secret
    extra: tuple[tuple[str, Secret], ...] = ()


@attrs.frozen
class ProviderContext(Generic[SettingsT]):
    """Everything a provider step needs, built by liasse for each call.

    ``http`` is liasse's transport bound to the provider's base URL: use it
    for every request so timeouts, retries and redaction apply.
    """

    provider: str
    settings: SettingsT
    http: HttpClient
    user_login: str
    office_name: str
    credentials: Credentials | None = None
    #: The office's time zone, for dates the user reads.
    timezone: str = "Europe/Paris"


# --- document exchange (DocSecure) --------------------------------------------


class ContactKind(enum.Enum):
    """DS-03 person (SMS second factor) or DS-04 organisation (e-mail second factor)."""

    PERSON = "person"
    ORGANISATION = "organisation"


class DocumentType(enum.Enum):
    """What a request asks for."""

    RIB = "rib"
    OTHER = "other"


class ReminderChannel(enum.Enum):
    """DS-24: how a contact is reminded."""

    MAIL = "mail"
    MAIL_AND_SMS = "mail_and_sms"


@attrs.frozen
class ContactDraft:
    """A contact to create at the provider; ``mobile`` is E.164 already."""

    kind: ContactKind
    first_name: str
    last_name: str
    email: str
    mobile: str | None = None
    establishment: str | None = None


@attrs.frozen
class RemoteContact:
    """A contact as the provider knows it."""

    remote_id: str
    provider: str = ""


@attrs.frozen
class OutgoingDocument:
    """A file liasse sends, already on disk and checked against the provider's limits."""

    path: Path
    file_name: str
    media_type: str
    size: int
    sha256: str


@attrs.frozen
class DocumentRequestDraft:
    """DS-12/DS-13: ask a contact for a document."""

    contact_remote_id: str
    document_type: DocumentType
    label: str


@attrs.frozen
class DocumentSendDraft:
    """DS-15 … DS-18: give a contact one or more documents under one name."""

    contact_remote_id: str
    name: str
    documents: tuple[OutgoingDocument, ...]


@attrs.frozen
class RemoteExchange:
    """A request, send, signature file, letter or share as the provider knows it."""

    remote_id: str
    created_at: dt.datetime
    provider: str = ""


@attrs.frozen
class ReminderReceipt:
    """The provider accepted a reminder."""

    remote_id: str
    reminded_at: dt.datetime
    provider: str = ""


class RemoteState(enum.Enum):
    """Where an item stands at the provider, in liasse's common words.

    liasse maps these onto its own state machines (:mod:`liasse.states`).
    """

    OPEN = "open"
    REMINDED = "reminded"
    #: A request was answered: a document waits to be fetched.
    ANSWERED = "answered"
    #: A send was downloaded by its recipient.
    DOWNLOADED = "downloaded"
    #: A signature file was signed by everyone; a letter was acknowledged.
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"


@attrs.frozen
class RemoteStatus:
    """One item's status as the provider reports it."""

    remote_id: str
    state: RemoteState
    changed_at: dt.datetime
    reminded_at: dt.datetime | None = None
    #: When the contact answered (request) or downloaded (send).
    done_at: dt.datetime | None = None
    #: The provider's own status word, kept for support ("ongoing", "AR" …).
    raw_state: str = ""


@attrs.frozen
class StatusPage:
    """One page of incremental status changes (``liasse_sync_status``)."""

    updates: tuple[RemoteStatus, ...]
    #: Pass back as ``cursor`` to get what changed since; None when the provider has none.
    cursor: str | None
    has_more: bool = False
    provider: str = ""


@attrs.frozen
class ReceivedFile:
    """A document fetched from the provider, streamed to disk and hashed."""

    remote_id: str
    path: Path
    file_name: str
    media_type: str
    size: int
    sha256: str
    received_at: dt.datetime
    provider: str = ""


# --- signature, registered mail, share ----------------------------------------


class SignatureAuthentication(enum.Enum):
    """How a signer proves identity (Yousign ``signature_authentication_mode``)."""

    OTP_SMS = "otp_sms"
    OTP_EMAIL = "otp_email"
    NO_OTP = "no_otp"


@attrs.frozen
class SignatureField:
    """A visible signature position (ES-05); PDF points from the page's top-left."""

    page: int
    x: int
    y: int
    width: int = 150
    height: int = 60


@attrs.frozen
class SignerDraft:
    """A signer of a signature file (ES-07)."""

    first_name: str
    last_name: str
    email: str
    mobile: str | None
    authentication: SignatureAuthentication
    fields: tuple[SignatureField, ...] = ()
    role: str = ""


@attrs.frozen
class SignatureRequestDraft:
    """ES-06/ES-08: documents to sign, their signers, and liasse's own reference."""

    name: str
    documents: tuple[OutgoingDocument, ...]
    signers: tuple[SignerDraft, ...]
    #: liasse's id for the file; providers that keep an external id get it for reconciliation.
    external_id: str


class LetterKind(enum.Enum):
    """AR-06: the three kinds of registered send."""

    EIDAS = "eidas"
    SIMPLE_NOTICE = "simple_notice"
    PAPER = "paper"


@attrs.frozen
class LetterRecipient:
    """The addressee of a registered letter."""

    first_name: str
    last_name: str
    email: str | None
    company: str | None = None
    postal_address: str | None = None


@attrs.frozen
class RegisteredLetterDraft:
    """AR-05/AR-08: one registered letter."""

    kind: LetterKind
    recipient: LetterRecipient
    documents: tuple[OutgoingDocument, ...]
    #: liasse's reference, sent as the provider's client reference for reconciliation.
    reference: str
    #: AR-02: the 6-digit code the user typed; never stored.
    otp: Secret | None = None


@attrs.frozen
class ShareRecipient:
    """JZ-04: one recipient of a share and what they may do."""

    email: str
    name: str
    may_modify: bool = False
    notify: bool = True


@attrs.frozen
class ShareDraft:
    """JZ-04: selected documents of an exported file, shared until an expiry date."""

    file_number: str
    title: str
    expires_on: dt.date
    recipients: tuple[ShareRecipient, ...]
    documents: tuple[OutgoingDocument, ...]
    comment: str = ""
    notify_on_completion: bool = False


# --- results that are not a remote item ----------------------------------------


@attrs.frozen
class AccessReport:
    """The answer of "Tester l'accès au service" (``liasse doctor``)."""

    ok: bool
    #: Who the provider says we are: an account name or e-mail, never a secret.
    account: str
    detail: str = ""
    provider: str = ""


@attrs.frozen
class BankDetails:
    """Bank details read from a received document (DS-26, BY-06).

    ``source`` names the extractor that read them; liasse fills it.
    """

    iban: str
    bic: str | None = None
    holder: str | None = None
    bank: str | None = None
    source: str = ""


@attrs.frozen
class IncomingDocument:
    """A received file on disk, as the intake hooks see it."""

    path: Path
    file_name: str
    media_type: str
    sha256: str
    provider: str
