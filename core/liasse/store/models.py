"""liasse's own tables, as typed SQLAlchemy ORM models.

These are liasse's records, not the host's: the links between provider
contacts and the host's accounts, the exchanges and their history, the
outbox that makes sends exactly-once, users' encrypted credentials, the
webhook events already seen, and the sync cursors. The schema is created and
changed by the Alembic migrations in ``migrations/``; a test checks that
those migrations and these models agree.

Every date is a timezone-aware UTC :class:`datetime.datetime`
(:class:`UtcDateTime` refuses naive ones), so a date read back compares and
converts to the office's time zone without guessing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

#: Constraint names the same on every database, so later migrations can name them.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CONTACT_KINDS: tuple[str, ...] = ("person", "organisation")
DOCUMENT_TYPES: tuple[str, ...] = ("rib", "other")
#: An outbox row waits ("pending"), is being sent under a lease ("in_flight"), went through
#: ("done"), was refused by the provider ("failed"), or was given up after the provider's horizon ("dead").
OUTBOX_STATUSES: tuple[str, ...] = ("pending", "in_flight", "done", "failed", "dead")
WEBHOOK_STATUSES: tuple[str, ...] = ("pending", "processing", "done", "failed", "dead")
AUDIT_OUTCOMES: tuple[str, ...] = ("incomplete", "ok", "partial", "refused", "failed")


def utcnow() -> dt.datetime:
    """Now, timezone-aware in UTC: the only kind of date the store accepts."""
    return dt.datetime.now(dt.UTC)


def new_idempotency_key() -> str:
    """A fresh idempotency key (a random UUID), persisted before the first attempt."""
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A date stored in UTC and read back timezone-aware, on every database.

    SQLite keeps no offset: without this type a date would come back naive
    and compare wrongly with an aware one. A naive date is refused on the way
    in, since liasse cannot know which zone it meant.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"liasse stores timezone-aware datetimes only, got {value!r}")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Base(DeclarativeBase):
    """The declarative base of liasse's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {dt.datetime: UtcDateTime()}


class ProviderContact(Base):
    """A contact at a provider, linked (or not yet, DS-30) to an account of the host."""

    __tablename__ = "provider_contacts"
    __table_args__ = (
        UniqueConstraint("provider", "provider_account", "remote_id"),
        CheckConstraint(_in("kind", CONTACT_KINDS), name="kind"),
        Index(None, "provider", "provider_account", "account_number"),
        Index(None, "provider", "provider_account", "email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    #: The login of the office's account at the provider (one may serve several users, DS-01).
    provider_account: Mapped[str] = mapped_column(String(255))
    #: The provider's id; None until the provider has created the contact.
    remote_id: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))
    mobile: Mapped[str | None] = mapped_column(String(32))
    establishment: Mapped[str | None] = mapped_column(String(255))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The host user who created the contact.
    created_by: Mapped[str] = mapped_column(String(255))
    #: The host account; None for a contact with no account yet (DS-30) until associated (DS-31).
    account_number: Mapped[str | None] = mapped_column(String(64))
    #: The idempotency key of the contact's creation at the provider: a retried creation is the same
    #: creation, and a new contact never reuses a deleted one's key (SQLite reuses row ids).
    creation_key: Mapped[str | None] = mapped_column(String(36), default=new_idempotency_key)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    exchanges: Mapped[list[Exchange]] = relationship(back_populates="contact")


class Exchange(Base):
    """A request, send, signature file, registered letter or share, and where it stands.

    ``state`` is the value of a :mod:`liasse.states` enum. It doubles as the
    row's version: an UPDATE only applies when the state is still the one
    this session read, so two workers (a webhook and a sync) cannot both
    move the same exchange from the same state.
    """

    __tablename__ = "exchanges"
    __table_args__ = (
        UniqueConstraint("provider", "remote_id"),
        CheckConstraint(f"document_type IS NULL OR {_in('document_type', DOCUMENT_TYPES)}", name="document_type"),
        Index(None, "provider", "provider_account", "state"),
        Index(None, "account_number"),
        Index(None, "contact_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    provider_account: Mapped[str] = mapped_column(String(255))
    #: A :class:`liasse.states.ExchangeKind` value.
    kind: Mapped[str] = mapped_column(String(16))
    #: A :class:`liasse.records.DocumentType` value, for requests and sends.
    document_type: Mapped[str | None] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(500))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("provider_contacts.id", ondelete="SET NULL"))
    account_number: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    remote_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    reminded_at: Mapped[dt.datetime | None]
    #: When the contact answered (request) or downloaded (send).
    done_at: Mapped[dt.datetime | None]
    imported_at: Mapped[dt.datetime | None]
    #: A sentence for the user about the last failure; never a secret.
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(255))
    #: The host user whose provider account the exchange went through (DS-33): the creator's own
    #: unless the creator acted on a colleague's; the outbox relay re-sends with that account.
    account_owner: Mapped[str | None] = mapped_column(String(255))
    #: The file received (request) or the send's name with its total size (send).
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    #: SHA-256 of the file as the provider delivered it (DS-26: proof of what was imported).
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: The host attachments the import made: the original and its timestamped copy (DS-28).
    attachment_id: Mapped[int | None] = mapped_column(Integer)
    stamped_attachment_id: Mapped[int | None] = mapped_column(Integer)
    #: The file as received, stored beside a cleaned original (active content removed).
    received_attachment_id: Mapped[int | None] = mapped_column(Integer)
    #: The attestation stored on the account (DS-29).
    attestation_id: Mapped[int | None] = mapped_column(Integer)
    #: The IBAN record a RIB import created (DS-26).
    iban_record_id: Mapped[int | None] = mapped_column(Integer)

    contact: Mapped[ProviderContact | None] = relationship(back_populates="exchanges")
    transitions: Mapped[list[ExchangeTransition]] = relationship(
        back_populates="exchange",
        order_by="ExchangeTransition.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": state, "version_id_generator": False}


class ExchangeTransition(Base):
    """One state change of an exchange: the history the tracking screens show."""

    __tablename__ = "exchange_transitions"
    __table_args__ = (Index(None, "exchange_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The host user's login, or "sync" / "webhook".
    by: Mapped[str] = mapped_column(String(255))

    exchange: Mapped[Exchange] = relationship(back_populates="transitions")


class OutboxEntry(Base):
    """A provider call to make exactly once, persisted with its key before the first attempt."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "exchange_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True, default=new_idempotency_key)
    provider: Mapped[str] = mapped_column(String(64))
    #: The hook to call, e.g. "liasse_send_documents".
    operation: Mapped[str] = mapped_column(String(64))
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchanges.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]
    #: What the call needs to be made again, as JSON (a send's files: paths and SHA-256).
    payload: Mapped[str | None] = mapped_column(Text)
    #: While "in_flight": until when the relay that claimed the row owns it; past it, another relay
    #: reconciles the row with the provider and sends it again under the same key.
    lease_until: Mapped[dt.datetime | None]
    #: Which relay holds the lease (host name, process id and a random part), for ``liasse outbox``.
    claimed_by: Mapped[str | None] = mapped_column(String(128))


class StoredCredentials(Base):
    """A user's credentials for one provider, AES-GCM encrypted (see :mod:`liasse.credentials`)."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("user_login", "provider"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_login: Mapped[str] = mapped_column(String(255))
    provider: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    #: Which key encrypted the row (first 8 hex digits of its SHA-256), to tell a key change apart.
    key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"StoredCredentials(user_login={self.user_login!r}, provider={self.provider!r}, key_id={self.key_id!r})"


class WebhookEvent(Base):
    """A provider event already received, so a redelivery is not processed twice.

    The receiver inserts it verified and parsed (never the raw body); the
    processing step claims it (``status`` "processing" under a lease), re-reads
    the items it names through the provider and marks it done, or failed
    with the sentence and the time of the next attempt.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_id"),
        CheckConstraint(_in("status", WEBHOOK_STATUSES), name="status"),
        Index(None, "processed_at"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    body_sha256: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: The provider's name for the event.
    kind: Mapped[str | None] = mapped_column(String(128))
    #: The remote ids the event names, as a JSON list.
    remote_ids: Mapped[str | None] = mapped_column(Text)
    #: The provider account the payload names, if any.
    account: Mapped[str | None] = mapped_column(String(255))
    occurred_at: Mapped[dt.datetime | None]
    #: False for an unsigned provider's event (AR24).
    trusted: Mapped[bool] = mapped_column(Boolean, default=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: A claim holds until then; past it, a crashed worker's event may be claimed again.
    lease_until: Mapped[dt.datetime | None]
    #: The token of the claim that holds the event.
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    #: A sentence about the last failure; never a secret nor the body.
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncCursor(Base):
    """Where the last status sync of one provider account stopped."""

    __tablename__ = "sync_cursors"

    provider: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_account: Mapped[str] = mapped_column(String(255), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    synced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditRecord(Base):
    """One action of a user, for the audit log (see :mod:`liasse.audit`): names and ids, never a secret or an IBAN."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_in("outcome", AUDIT_OUTCOMES), name="outcome"),
        Index(None, "at"),
        Index(None, "user_login", "at"),
        Index(None, "account_number", "at"),
        Index(None, "provider", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The host user who acted ("operator" for commands with no user, like a key rotation).
    user_login: Mapped[str] = mapped_column(String(255))
    #: A :class:`liasse.audit.Action` value, e.g. "document.request".
    action: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str | None] = mapped_column(String(64))
    #: The host user whose provider account was used (DS-33: another user's, with the right).
    account_owner: Mapped[str | None] = mapped_column(String(255))
    account_number: Mapped[str | None] = mapped_column(String(64))
    matter_code: Mapped[str | None] = mapped_column(String(64))
    #: What was touched: "contact 12", "exchange 40", "3/3 exchanges".
    target: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))
    #: The error's class name when it failed; never its sentence.
    error: Mapped[str | None] = mapped_column(String(64))


# --- shared zone (JZ-01 … JZ-08) -------------------------------------------------------------

SHARED_DOCUMENT_DIRECTIONS: tuple[str, ...] = ("sent", "returned")


class SharedFile(Base):
    """A host matter exported to a shared-zone provider as a file (*dossier*), with its parties (JZ-02)."""

    __tablename__ = "shared_files"
    __table_args__ = (
        UniqueConstraint("provider", "provider_account", "number"),
        Index(None, "account_number", "matter_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    provider_account: Mapped[str] = mapped_column(String(255))
    account_number: Mapped[str] = mapped_column(String(64))
    matter_code: Mapped[str] = mapped_column(String(64))
    #: The file's number at the provider: the matter's code.
    number: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500))
    #: The parties exported, as JSON (ref, kind, name, email, role): what the share dialog offers.
    parties: Mapped[str] = mapped_column(Text)
    exported_by: Mapped[str] = mapped_column(String(255))
    exported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SharedDocument(Base):
    """A document of an exported file: one the office uploads (``sent``) or one a recipient returned (``returned``)."""

    __tablename__ = "shared_documents"
    __table_args__ = (
        UniqueConstraint("shared_file_id", "remote_id"),
        CheckConstraint(_in("direction", SHARED_DOCUMENT_DIRECTIONS), name="direction"),
        Index(None, "outbox_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shared_file_id: Mapped[int] = mapped_column(ForeignKey("shared_files.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(16))
    #: The provider's id; None until the upload went through.
    remote_id: Mapped[str | None] = mapped_column(String(255))
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Where liasse reads a document to upload (a spooled copy of an attachment, or the user's file).
    source_path: Mapped[str | None] = mapped_column(Text)
    #: The host attachment uploaded, when it came from one.
    source_attachment_id: Mapped[int | None] = mapped_column(Integer)
    #: The outbox row of its upload: the key it travels under.
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    #: For a returned document: the party who returned it, the document it replaces, the share it came through.
    added_by: Mapped[str | None] = mapped_column(String(255))
    replaces_remote_id: Mapped[str | None] = mapped_column(String(255))
    share_exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchanges.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime | None]
    #: The matter's attachment the import made (JZ-06), with the file's hash as received.
    attachment_id: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Share(Base):
    """What a share adds to its exchange row (kind ``share``): its file, expiry, comment and flags (JZ-04)."""

    __tablename__ = "shares"

    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), primary_key=True)
    shared_file_id: Mapped[int] = mapped_column(ForeignKey("shared_files.id", ondelete="CASCADE"))
    expires_on: Mapped[dt.date] = mapped_column(Date)
    comment: Mapped[str] = mapped_column(Text, default="")
    notify_on_completion: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The local ids of the documents shared, as a JSON list.
    document_ids: Mapped[str] = mapped_column(Text)


class ShareRecipientRow(Base):
    """One recipient of a share, a party of the file, and what the provider said they did."""

    __tablename__ = "share_recipients"
    __table_args__ = (UniqueConstraint("exchange_id", "party_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"))
    party_ref: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))
    may_modify: Mapped[bool] = mapped_column(Boolean)
    notify: Mapped[bool] = mapped_column(Boolean)
    activated_at: Mapped[dt.datetime | None]
    downloaded_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]


class ShareNotification(Base):
    """An event of a share at the provider, recorded once: the sender's notifications (JZ-05 … JZ-08)."""

    __tablename__ = "share_notifications"
    __table_args__ = (UniqueConstraint("provider", "event_id"), Index(None, "exchange_id", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(255))
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    party_ref: Mapped[str | None] = mapped_column(String(64))
    document_remote_id: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[dt.datetime]


# --- registered mail (AR-01 … AR-12) --------------------------------------------------------


class RegisteredLetter(Base):
    """A registered letter's own data beside its exchange row (kind "letter", AR-05 … AR-12).

    The exchange row carries the state (:class:`liasse.states.LetterState`),
    the provider's id and the outbox link; this row says which event and
    party it comes from, how it goes, and where its proofs were archived.
    """

    __tablename__ = "registered_letters"
    __table_args__ = (Index(None, "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int] = mapped_column(Integer)
    #: The party within the event (see :func:`liasse.registered.letters.party_key`).
    party_key: Mapped[str] = mapped_column(String(255))
    party_name: Mapped[str] = mapped_column(String(255))
    #: A :class:`liasse.records.LetterKind` value.
    letter_kind: Mapped[str] = mapped_column(String(16))
    recipient_email: Mapped[str | None] = mapped_column(String(320))
    postal_address: Mapped[str | None] = mapped_column(String(500))
    colour: Mapped[bool] = mapped_column(Boolean, default=False)
    double_sided: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The rendered PDF (letter and attachments), kept until the letter has left.
    document_path: Mapped[str] = mapped_column(Text)
    document_sha256: Mapped[str] = mapped_column(String(64))
    #: The provider's id of the uploaded document, shared by letters with the same content.
    document_remote_id: Mapped[str | None] = mapped_column(String(255))
    deposit_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    refused_at: Mapped[dt.datetime | None]
    negligence_at: Mapped[dt.datetime | None]
    bounced_at: Mapped[dt.datetime | None]
    #: Host attachments holding the proofs of deposit and of the outcome (AR-12).
    deposit_proof_id: Mapped[int | None] = mapped_column(Integer)
    outcome_proof_id: Mapped[int | None] = mapped_column(Integer)


class RegisteredConsent(Base):
    """AR-03: a party's consent to registered e-mail, ticked by hand or pulled from the provider."""

    __tablename__ = "registered_consents"
    __table_args__ = (UniqueConstraint("provider", "provider_account", "party_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    provider_account: Mapped[str] = mapped_column(String(255))
    party_key: Mapped[str] = mapped_column(String(255))
    party_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    ticked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The provider's state of the request (accepted, refused, pending), None if never asked.
    remote_state: Mapped[str | None] = mapped_column(String(16))
    remote_id: Mapped[str | None] = mapped_column(String(255))
    #: The page where the party answers: usable as a letter variable.
    link: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PaymentLink(Base):
    """AR-04: which of the provider's payment means pays for a host entity's letters (linked once)."""

    __tablename__ = "registered_payment_links"
    __table_args__ = (UniqueConstraint("provider", "provider_account", "entity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    provider_account: Mapped[str] = mapped_column(String(255))
    #: The host entity (an office bank account's label, or an account number).
    entity: Mapped[str] = mapped_column(String(255))
    payment_mean_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- e-signature (ES-01 … ES-12) ------------------------------------------------------------


class SignatureFile(Base):
    """A signature file (*dossier de signature*, ES-06 … ES-11): one event's letter, its signers, its state.

    ``state`` is a :class:`liasse.states.SignatureState` value and, as for
    exchanges, the row's version: a webhook and a poll cannot both move the
    file from the same state.
    """

    __tablename__ = "signature_files"
    __table_args__ = (
        UniqueConstraint("provider", "remote_id"),
        Index(None, "provider", "provider_account", "state"),
        Index(None, "account_number"),
        Index(None, "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    provider_account: Mapped[str] = mapped_column(String(255))
    #: The event the letter was rendered from; None for a stored file sent for signature (JS-02).
    event_id: Mapped[int | None] = mapped_column(Integer)
    template_code: Mapped[str] = mapped_column(String(64))
    #: The event's owner account: the signed document is archived there (ES-02).
    account_number: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(32))
    remote_id: Mapped[str | None] = mapped_column(String(255))
    #: The letter rendered to PDF when the file was made, kept in liasse's work directory.
    document_path: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(255))
    file_size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    #: The RFC 3161 token over the rendered PDF (ES-06 "timestamped"), beside it; None when the TSA was unreachable.
    proof_path: Mapped[str | None] = mapped_column(Text)
    #: ES-04: codes by e-mail only.
    no_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    #: ES-10: when liasse received the signed document.
    signed_at: Mapped[dt.datetime | None]
    #: The signed PDF archived on the account (ES-02).
    attachment_id: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: JS-02: the host's stored file this signature file was made from (its versions point at it).
    source_attachment_id: Mapped[int | None] = mapped_column(Integer)
    #: JS-04: the version of that file stored "en attente de signature" when it was sent.
    awaiting_attachment_id: Mapped[int | None] = mapped_column(Integer)

    signers: Mapped[list[SignatureSigner]] = relationship(
        back_populates="file", order_by="SignatureSigner.position", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": state, "version_id_generator": False}


class SignatureSigner(Base):
    """A signer line of a signature file (ES-07); ``added`` lines were typed by the user and may be deleted (ES-05)."""

    __tablename__ = "signature_signers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("signature_files.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))
    #: E.164 (``+33612345678``), or None when the signer has no mobile (code by e-mail then).
    mobile: Mapped[str | None] = mapped_column(String(32))
    added: Mapped[bool] = mapped_column(Boolean, default=False)

    file: Mapped[SignatureFile] = relationship(back_populates="signers")
    placements: Mapped[list[SignaturePlacement]] = relationship(
        back_populates="signer", order_by="SignaturePlacement.id", cascade="all, delete-orphan", passive_deletes=True
    )


class SignaturePlacement(Base):
    """Where one signer signs (ES-05), in the host's convention: page, millimetres from the bottom-left."""

    __tablename__ = "signature_placements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("signature_signers.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    x_mm: Mapped[float] = mapped_column(Float)
    y_mm: Mapped[float] = mapped_column(Float)
    width_mm: Mapped[float] = mapped_column(Float)
    height_mm: Mapped[float] = mapped_column(Float)

    signer: Mapped[SignatureSigner] = relationship(back_populates="placements")
