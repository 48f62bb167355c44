"""Electronic signature: signers, their visible fields and the request (ES-05 … ES-12)."""

from __future__ import annotations

import enum

import attrs

from liasse.records.remote import OutgoingDocument


class SignatureAuthentication(enum.Enum):
    """How a signer proves identity (Yousign ``signature_authentication_mode``); ES-04 turns SMS off per template."""

    OTP_SMS = "otp_sms"
    OTP_EMAIL = "otp_email"
    NO_OTP = "no_otp"


@attrs.frozen
class SignatureField:
    """A visible signature position (ES-05) in the provider's convention: PDF points from the page's top-left.

    ``page`` counts from 1; ``document`` is the index of the document in the
    request's ``documents``. liasse converts the host's positions to this
    before a plugin sees them (:mod:`liasse.signing.placement`).
    """

    page: int
    x: int
    y: int
    width: int = 150
    height: int = 60
    document: int = 0


@attrs.frozen
class SignerDraft:
    """A signer of a signature file (ES-07); ``mobile`` is already E.164 (``+33612345678``)."""

    first_name: str
    last_name: str
    email: str
    mobile: str | None
    authentication: SignatureAuthentication
    fields: tuple[SignatureField, ...] = ()
    role: str = ""
    locale: str = "fr"


@attrs.frozen
class SignatureRequestDraft:
    """ES-06/ES-08: documents to sign and their signers.

    The plugin stores the call's idempotency key at the provider (Yousign:
    ``external_id``) so ``liasse_find_sent`` finds what an interrupted call
    created.
    """

    name: str
    documents: tuple[OutgoingDocument, ...]
    signers: tuple[SignerDraft, ...]
    #: Signers may decline (ES-09 "accept or decline").
    allow_decline: bool = True
    #: A note added to the invitation e-mail.
    note: str | None = None
