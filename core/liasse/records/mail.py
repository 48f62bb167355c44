"""Registered electronic mail: letters, their recipients, consents, payment means and proofs (AR-01 … AR-12)."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from liasse.records.remote import OutgoingDocument
from liasse.secrets import Secret


class LetterKind(enum.Enum):
    """AR-06: the three kinds of registered send."""

    #: Qualified eIDAS registered e-mail: the sender identified by OTP, the recipient identifies.
    EIDAS = "eidas"
    #: Simplified electronic notice: acknowledged in one click, no identification, 21 days.
    SIMPLE_NOTICE = "simple_notice"
    #: Paper registered letter: a postal address, colour or black and white, single or double sided.
    PAPER = "paper"


class ProofKind(enum.Enum):
    """AR-12: the proofs a registered letter earns, by the provider's short name."""

    DEPOSIT = "dp"
    SENDING = "ev"
    RECEIPT = "ar"
    REFUSAL = "rf"
    NEGLIGENCE = "ng"
    BOUNCE = "bc"


@attrs.frozen
class LetterRecipient:
    """The addressee of a registered letter."""

    first_name: str
    last_name: str
    email: str | None
    company: str | None = None
    #: "8 rue de la République, 45000 ORLÉANS": the host's one-line address (paper letters).
    postal_address: str | None = None
    #: Whether the recipient is a professional (no prior consent needed for an LRE, §1.10).
    professional: bool = False


@attrs.frozen
class RegisteredLetterDraft:
    """AR-05/AR-08: one registered letter."""

    kind: LetterKind
    recipient: LetterRecipient
    documents: tuple[OutgoingDocument, ...]
    #: liasse's reference, sent as the provider's client reference for reconciliation.
    reference: str
    #: AR-02: the 6-digit code the user typed; never stored. None: the letter waits for validation (AR-09).
    otp: Secret | None = None
    #: The provider's ids of ``documents`` already uploaded (AR-08: a shared document is uploaded once).
    document_ids: tuple[str, ...] = ()
    #: Paper letters: colour printing, and both sides of each sheet.
    colour: bool = False
    double_sided: bool = False
    #: The office's file reference (the event), and the billing reference (AR-04: the entity's bank data).
    file_reference: str | None = None
    billing_reference: str | None = None
    #: Where the provider should report status changes (AR-10), when liasse receives webhooks.
    webhook_url: str | None = None


@attrs.frozen
class AccountLink:
    """AR-01: where the link between the office's API and a user's provider account stands."""

    remote_user_id: str
    email: str
    #: True once the user confirmed by the e-mailed link (AR24: attached to the office's token).
    attached: bool
    provider: str = ""


class ConsentState(enum.Enum):
    """AR-03: a recipient's answer to a consent request (no answer by the deadline counts as refused)."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    PENDING = "pending"


@attrs.frozen
class RemoteConsent:
    """A consent request as the provider's consent manager knows it."""

    remote_id: str
    email: str
    state: ConsentState
    #: The page where the recipient answers, usable in letters (AR-03).
    link: str
    answered_at: dt.datetime | None = None
    provider: str = ""


@attrs.frozen
class PaymentMean:
    """AR-04: a way the provider bills the user's sends."""

    remote_id: str
    label: str
    provider: str = ""


@attrs.frozen
class LetterQuery:
    """AR-10: which letters to list at the provider."""

    status: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    reference: str | None = None


@attrs.frozen
class RemoteLetter:
    """A registered letter as the provider reports it now (AR-10)."""

    remote_id: str
    #: The provider's status word: to_valid, waiting, sent, AR, refused, negligence, bounced.
    status: str
    reference: str
    created_at: dt.datetime
    sent_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    refused_at: dt.datetime | None = None
    negligence_at: dt.datetime | None = None
    bounced_at: dt.datetime | None = None
    #: The proofs available for download now.
    proofs: tuple[ProofKind, ...] = ()
    recipient_email: str | None = None
    recipient_name: str = ""
    provider: str = ""
