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


@attrs.frozen
class RemoteContact:
    """A contact as the provider knows it."""

    remote_id: str
    provider: str = ""


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
