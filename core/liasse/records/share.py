"""Shared zone: a share of documents and its recipients."""

from __future__ import annotations

import datetime as dt

import attrs

from liasse.records.remote import OutgoingDocument


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
