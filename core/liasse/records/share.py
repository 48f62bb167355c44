"""Shared zone (JZ-01 … JZ-08): exported files and their parties, documents, shares, and what changed."""

from __future__ import annotations

import datetime as dt
import enum

import attrs


class PartyKind(enum.Enum):
    """What a party of a file is, in the manual's words: a company or a person (*compagnie*, *personne physique*)."""

    COMPANY = "company"
    PERSON = "person"


@attrs.frozen
class SharedParty:
    """JZ-02: a party of a file as it is exported, always with an e-mail address.

    ``ref`` is the host's reference of the party (its account number), the
    same at every export, so a re-export updates the party instead of adding one.
    """

    ref: str
    kind: PartyKind
    name: str
    email: str


@attrs.frozen
class SharedFileDraft:
    """JZ-02: a file (*dossier*) exported to the shared zone: number, description, parties."""

    number: str
    description: str
    parties: tuple[SharedParty, ...]


@attrs.frozen
class RemoteSharedFile:
    """A file as the provider holds it after an export."""

    number: str
    #: False when the export updated a file exported before.
    created: bool
    exported_at: dt.datetime
    provider: str = ""


@attrs.frozen
class RemoteDocument:
    """A document of an exported file at the provider.

    ``added_by`` is the party (its ``ref``) who returned or added it from the
    shared zone (JZ-06), None for what the office uploaded; ``replaces`` is
    the document a returned one replaces.
    """

    remote_id: str
    file_number: str
    file_name: str
    size: int
    sha256: str
    media_type: str
    uploaded_at: dt.datetime
    added_by: str | None = None
    replaces: str | None = None
    share_id: str | None = None
    provider: str = ""


@attrs.frozen
class DocumentBatch:
    """Documents of a file: one upload's (JZ-03), or every one of the file."""

    documents: tuple[RemoteDocument, ...]
    provider: str = ""


@attrs.frozen
class ShareRecipient:
    """JZ-04: one recipient of a share, a party of the file, and what they may do.

    ``may_modify`` ("Modification") lets them return the documents or add
    others; ``notify`` ("Notification") e-mails them that documents await.
    """

    party_ref: str
    name: str
    email: str
    may_modify: bool = False
    notify: bool = True


@attrs.frozen
class ShareDraft:
    """JZ-04: documents already uploaded to an exported file, shared with some of its parties until an expiry date.

    ``comment`` is merged into the recipients' notification e-mail;
    ``notify_on_completion`` asks for the sender's e-mail when the share
    completes (JZ-07).
    """

    file_number: str
    title: str
    expires_on: dt.date
    recipients: tuple[ShareRecipient, ...]
    #: The provider's ids of the documents shared (:attr:`RemoteDocument.remote_id`).
    document_ids: tuple[str, ...]
    comment: str = ""
    notify_on_completion: bool = False


class ShareEventKind(enum.Enum):
    """What happened in a shared zone, as liasse names it."""

    CREATED = "share.created"
    ACTIVATED = "recipient.activated"
    DOWNLOADED = "document.downloaded"
    ADDED = "document.added"
    MODIFIED = "document.modified"
    COMPLETED = "share.completed"
    EXPIRED = "share.expired"
    CLOSED = "share.closed"


@attrs.frozen
class ShareEvent:
    """One change of a share at the provider: a recipient activated, downloaded, returned, finished; the share expired."""

    event_id: str
    kind: ShareEventKind
    share_id: str
    at: dt.datetime
    document_id: str | None = None
    #: The party (``ref``) who acted, when a recipient did.
    party_ref: str | None = None


@attrs.frozen
class ShareEventPage:
    """One page of the provider's event feed (``liasse_share_events``)."""

    events: tuple[ShareEvent, ...]
    #: Pass back as ``cursor`` to get what happened since.
    cursor: str | None
    has_more: bool = False
    provider: str = ""
