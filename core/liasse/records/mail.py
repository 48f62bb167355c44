"""Registered electronic mail: the letter and its recipient."""

from __future__ import annotations

import enum

import attrs

from liasse.records.remote import OutgoingDocument
from liasse.secrets import Secret


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
