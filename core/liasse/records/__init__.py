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
    # `X as X`: re-exported for type checkers, loaded lazily at run time by __getattr__.
    from liasse.records.provider import (
        CredentialField as CredentialField,
        ProviderLimits as ProviderLimits,
        ProviderInfo as ProviderInfo,
        Credentials as Credentials,
        ProviderContext as ProviderContext,
        AccessReport as AccessReport,
    )
    from liasse.records.remote import (
        OutgoingDocument as OutgoingDocument,
        RemoteExchange as RemoteExchange,
        ReminderReceipt as ReminderReceipt,
        RemoteState as RemoteState,
        RemoteStatus as RemoteStatus,
        StatusPage as StatusPage,
        ReceivedFile as ReceivedFile,
    )
    from liasse.records.exchange import (
        ContactKind as ContactKind,
        DocumentType as DocumentType,
        ReminderChannel as ReminderChannel,
        ContactDraft as ContactDraft,
        RemoteContact as RemoteContact,
        ContactList as ContactList,
        DocumentRequestDraft as DocumentRequestDraft,
        DocumentSendDraft as DocumentSendDraft,
        Sender as Sender,
    )
    from liasse.records.signature import (
        SignatureAuthentication as SignatureAuthentication,
        SignatureField as SignatureField,
        SignerDraft as SignerDraft,
        SignatureRequestDraft as SignatureRequestDraft,
    )
    from liasse.records.mail import (
        LetterKind as LetterKind,
        LetterRecipient as LetterRecipient,
        RegisteredLetterDraft as RegisteredLetterDraft,
        AccountLink as AccountLink,
        ConsentState as ConsentState,
        RemoteConsent as RemoteConsent,
        PaymentMean as PaymentMean,
        LetterQuery as LetterQuery,
        RemoteLetter as RemoteLetter,
        ProofKind as ProofKind,
    )
    from liasse.records.share import (
        ShareRecipient as ShareRecipient,
        ShareDraft as ShareDraft,
        PartyKind as PartyKind,
        SharedParty as SharedParty,
        SharedFileDraft as SharedFileDraft,
        RemoteSharedFile as RemoteSharedFile,
        RemoteDocument as RemoteDocument,
        DocumentBatch as DocumentBatch,
        ShareEventKind as ShareEventKind,
        ShareEvent as ShareEvent,
        ShareEventPage as ShareEventPage,
    )
    from liasse.records.intake import (
        BankDetails as BankDetails,
        BankWarning as BankWarning,
        Severity as Severity,
        IncomingDocument as IncomingDocument,
        Screening as Screening,
    )
    from liasse.records.webhook import WebhookNotice as WebhookNotice

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
    "AccountLink": "mail",
    "ConsentState": "mail",
    "RemoteConsent": "mail",
    "PaymentMean": "mail",
    "LetterQuery": "mail",
    "RemoteLetter": "mail",
    "ProofKind": "mail",
    "ShareRecipient": "share",
    "ShareDraft": "share",
    "PartyKind": "share",
    "SharedParty": "share",
    "SharedFileDraft": "share",
    "RemoteSharedFile": "share",
    "RemoteDocument": "share",
    "DocumentBatch": "share",
    "ShareEventKind": "share",
    "ShareEvent": "share",
    "ShareEventPage": "share",
    "BankDetails": "intake",
    "BankWarning": "intake",
    "Severity": "intake",
    "IncomingDocument": "intake",
    "Screening": "intake",
    "WebhookNotice": "webhook",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name)
    if module is None:
        raise AttributeError(f"module 'liasse.records' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"liasse.records.{module}"), name)
    globals()[name] = value
    return value
