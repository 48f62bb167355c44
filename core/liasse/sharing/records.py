"""What the shared zone's screens show: attrs records, never database rows (JZ-01 … JZ-08, BY-01)."""

from __future__ import annotations

import datetime as dt

import attrs

from liasse.records import PartyKind
from liasse.states import LabelledState, ShareState


@attrs.frozen
class FileParty:
    """A party of an exported file, as the share dialog offers it (JZ-04)."""

    ref: str
    kind: PartyKind
    name: str
    email: str
    #: The role in the matter, in the host's words ("Acquéreur").
    role: str


@attrs.frozen
class SharedFile:
    """A matter exported as a file, with its parties (JZ-02)."""

    id: int
    provider: str
    account_number: str
    matter_code: str
    number: str
    description: str
    parties: tuple[FileParty, ...]
    exported_at: dt.datetime
    exported_by: str


@attrs.frozen
class SharedDocumentView:
    """A document of an exported file: uploaded by the office (JZ-03) or returned by a recipient (JZ-06)."""

    id: int
    shared_file_id: int
    direction: str
    file_name: str
    size: int
    sha256: str
    media_type: str
    #: None while its upload waits in the outbox.
    remote_id: str | None
    uploaded_at: dt.datetime | None
    source_attachment_id: int | None = None
    #: For a returned document: who returned it (party ref) and the document it replaces.
    added_by: str | None = None
    replaces_remote_id: str | None = None
    share_id: int | None = None
    #: The matter's attachment the import made.
    attachment_id: int | None = None
    imported_at: dt.datetime | None = None
    #: Why the upload waits, when it does (the provider's sentence).
    last_error: str | None = None


@attrs.frozen
class RecipientChoice:
    """JZ-04: one line of the share dialog: a party of the file and its two boxes."""

    party_ref: str
    may_modify: bool = False
    notify: bool = True


@attrs.frozen
class ShareForm:
    """JZ-04: what the share dialog collects."""

    title: str
    expires_on: dt.date
    recipients: tuple[RecipientChoice, ...]
    #: Local ids of the file's documents to share (:attr:`SharedDocumentView.id`).
    document_ids: tuple[int, ...]
    comment: str = ""
    #: JZ-07: e-mail the sender when every recipient is done.
    notify_on_completion: bool = False


@attrs.frozen
class ShareDialog:
    """JZ-04: the share dialog's data: the file's parties and uploaded documents, and the earliest expiry."""

    shared_file: SharedFile
    documents: tuple[SharedDocumentView, ...]
    earliest_expiry: dt.date


@attrs.frozen
class ShareRecipientView:
    """A recipient of a share and what they did so far (JZ-05 … JZ-07)."""

    party_ref: str
    name: str
    email: str
    may_modify: bool
    notify: bool
    activated_at: dt.datetime | None
    downloaded_at: dt.datetime | None
    completed_at: dt.datetime | None


@attrs.frozen
class ShareNotice:
    """One notification the sender received about a share (JZ-06, JZ-07), as recorded."""

    kind: str
    at: dt.datetime
    party_ref: str | None
    document_remote_id: str | None


@attrs.frozen
class ShareView:
    """A share and where it stands."""

    id: int
    provider: str
    shared_file_id: int
    account_number: str
    matter_code: str
    title: str
    expires_on: dt.date
    state: ShareState
    remote_id: str | None
    recipients: tuple[ShareRecipientView, ...]
    document_ids: tuple[int, ...]
    comment: str
    notify_on_completion: bool
    created_at: dt.datetime
    created_by: str
    sent_at: dt.datetime | None
    done_at: dt.datetime | None
    last_error: str | None
    notices: tuple[ShareNotice, ...] = ()


@attrs.frozen
class ShareSyncReport:
    """What one sync of the event feed changed."""

    #: Shares whose state moved.
    changed: tuple[int, ...]
    #: Documents recipients returned or added, new since the last sync (to import).
    returned: tuple[int, ...]
    #: Events recorded (the sender's notifications).
    notices: int


@attrs.frozen
class ImportedDocument:
    """JZ-06: a returned document now an attachment of the matter, with its hash and proof."""

    document: SharedDocumentView
    attachment_id: int
    sha256: str
    origin: str
    proof_id: int | None
    proof_note: str | None
    active_content_note: str | None


@attrs.frozen
class TrackedItem:
    """BY-01: one line of liasse's unified tracking: a DocSecure request or send, or a JurisZone share."""

    exchange_id: int
    provider: str
    provider_title: str
    kind: str
    #: The kind in the user's words ("Demande", "Partage" …).
    kind_label: str
    label: str
    state: LabelledState | None
    state_label: str
    account_number: str | None
    matter_code: str | None
    shared_with: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    done_at: dt.datetime | None
    #: A share's expiry date (JZ-08); None for other kinds.
    expires_on: dt.date | None = None
