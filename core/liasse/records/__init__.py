"""Records that cross the boundary between liasse and provider plugins.

Hook arguments and hook results are these frozen attrs classes, never
dicts. Result records carry ``provider``: liasse fills it with the name of
the plugin that produced the result, so a plugin leaves it empty.

New optional fields may be added in a minor spec version; a plugin that
builds a record with keywords keeps working.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liasse.records.provider import CredentialField, ProviderLimits, ProviderInfo, Credentials, ProviderContext, AccessReport
    from liasse.records.remote import OutgoingDocument, RemoteExchange, ReminderReceipt, RemoteState, RemoteStatus, StatusPage, ReceivedFile
    from liasse.records.exchange import ContactKind, DocumentType, ReminderChannel, ContactDraft, RemoteContact, ContactList, DocumentRequestDraft, DocumentSendDraft, Sender
    from liasse.records.signature import SignatureAuthentication, SignatureField, SignerDraft, SignatureRequestDraft
    from liasse.records.mail import LetterKind, LetterRecipient, RegisteredLetterDraft
    from liasse.records.share import ShareRecipient, ShareDraft
    from liasse.records.intake import BankDetails, IncomingDocument

#: Where each record lives. Modules load on first use, so listing plugins
#: builds only the declaration records (an attrs class costs about a millisecond).
_HOMES: dict[str, str] = {
    "CredentialField": "provider",
    "ProviderLimits": "provider",
    "ProviderInfo": "provider",
    "Credentials": "provider",
    "ProviderContext": "provider",
    "AccessReport": "provider",
    "OutgoingDocument": "remote",
    "RemoteExchange": "remote",
    "ReminderReceipt": "remote",
    "RemoteState": "remote",
    "RemoteStatus": "remote",
    "StatusPage": "remote",
    "ReceivedFile": "remote",
    "ContactKind": "exchange",
    "DocumentType": "exchange",
    "ReminderChannel": "exchange",
    "ContactDraft": "exchange",
    "RemoteContact": "exchange",
    "ContactList": "exchange",
    "Sender": "exchange",
    "DocumentRequestDraft": "exchange",
    "DocumentSendDraft": "exchange",
    "SignatureAuthentication": "signature",
    "SignatureField": "signature",
    "SignerDraft": "signature",
    "SignatureRequestDraft": "signature",
    "LetterKind": "mail",
    "LetterRecipient": "mail",
    "RegisteredLetterDraft": "mail",
    "ShareRecipient": "share",
    "ShareDraft": "share",
    "BankDetails": "intake",
    "IncomingDocument": "intake",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module 'liasse.records' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"liasse.records.{module}"), name)
    globals()[name] = value
    return value
