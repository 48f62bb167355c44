"""What providers send back, whatever the capability: remote items, their statuses, fetched files."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path

import attrs


@attrs.frozen
class OutgoingDocument:
    """A file liasse sends, already on disk and checked against the provider's limits."""

    path: Path
    file_name: str
    media_type: str
    size: int
    sha256: str


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
    #: The file the contact uploaded, or the send's name, with its size in bytes.
    file_name: str | None = None
    file_size: int | None = None
    #: Filled by liasse when the status is a hook's result (``liasse_read_status``).
    provider: str = ""


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
