"""Electronic signature: signers, their fields and the request."""

from __future__ import annotations

import enum

import attrs

from liasse.records.remote import OutgoingDocument


class SignatureAuthentication(enum.Enum):
    """How a signer proves identity (Yousign ``signature_authentication_mode``)."""

    OTP_SMS = "otp_sms"
    OTP_EMAIL = "otp_email"
    NO_OTP = "no_otp"


@attrs.frozen
class SignatureField:
    """A visible signature position (ES-05); PDF points from the page's top-left."""

    page: int
    x: int
    y: int
    width: int = 150
    height: int = 60


@attrs.frozen
class SignerDraft:
    """A signer of a signature file (ES-07)."""

    first_name: str
    last_name: str
    email: str
    mobile: str | None
    authentication: SignatureAuthentication
    fields: tuple[SignatureField, ...] = ()
    role: str = ""


@attrs.frozen
class SignatureRequestDraft:
    """ES-06/ES-08: documents to sign, their signers, and liasse's own reference."""

    name: str
    documents: tuple[OutgoingDocument, ...]
    signers: tuple[SignerDraft, ...]
    #: liasse's id for the file; providers that keep an external id get it for reconciliation.
    external_id: str
