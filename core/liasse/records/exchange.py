"""Secure document exchange (DocSecure): contacts, requests, sends, reminders."""

from __future__ import annotations

import enum

import attrs

from liasse.records.remote import OutgoingDocument


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
    #: The host account the contact belongs to, mirrored at the provider; None for a future client (DS-30).
    account_number: str | None = None


@attrs.frozen
class RemoteContact:
    """A contact as the provider knows it.

    Creation and changes need only ``remote_id``; listing (DS-31) fills the
    rest, so liasse can offer the contacts created on the provider's own site.
    """

    remote_id: str
    provider: str = ""
    details: ContactDraft | None = None
    archived: bool = False


@attrs.frozen
class ContactList:
    """Every contact of the provider account (``liasse_list_contacts``)."""

    contacts: tuple[RemoteContact, ...]
    provider: str = ""


@attrs.frozen
class DocumentRequestDraft:
    """DS-12/DS-13: ask a contact for a document."""

    contact_remote_id: str
    document_type: DocumentType
    label: str
    #: The host user who asks, as the attestation names the sender (DS-29).
    sender: Sender | None = None


@attrs.frozen
class DocumentSendDraft:
    """DS-15 … DS-18: give a contact one or more documents under one name."""

    contact_remote_id: str
    name: str
    documents: tuple[OutgoingDocument, ...]
    sender: Sender | None = None


@attrs.frozen
class Sender:
    """The office user behind a request or send, as the recipient and the attestation see them."""

    first_name: str
    last_name: str
    email: str
