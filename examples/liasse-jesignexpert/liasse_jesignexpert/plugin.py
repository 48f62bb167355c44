"""Jesignexpert's hook implementations: what liasse calls for each step (JS-01 … JS-06).

Each hook is one call of :class:`~liasse_jesignexpert.client.JesignexpertClient`;
liasse does the rest (the signing desk, the outbox, states, the intake of
the signed PDF, the host's file versions), the same for every signature
provider. Kept light to import: discovery loads this module for every
installed plugin, so ``requests`` and ``flask`` wait until a call is made.
"""

from __future__ import annotations

from pathlib import Path

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.records import (
    AccessReport,
    CredentialField,
    ProviderContext,
    ProviderInfo,
    ProviderLimits,
    ReceivedFile,
    ReminderChannel,
    ReminderReceipt,
    RemoteExchange,
    RemoteStatus,
    SignatureRequestDraft,
    StatusPage,
)

from liasse_jesignexpert.client import MAX_DOCUMENT_BYTES, TITLE, JesignexpertClient
from liasse_jesignexpert.settings import JesignexpertSettings

Ctx = ProviderContext[JesignexpertSettings]

#: JS-02: PDF only, "moins de 10Mo" (a file of 10 MB exactly is refused); one document per request
#: (the manual: "sélectionnez le nouveau document à signer et renseignez à nouveau les informations").
LIMITS = ProviderLimits(
    max_file_size=MAX_DOCUMENT_BYTES - 1,
    media_types=frozenset({"application/pdf"}),
    max_documents=1,
)


@hookimpl
def liasse_provider_info() -> ProviderInfo:
    """Jesignexpert signs stored PDFs; each user connects with their own Jesignexpert login at first use (JS-01)."""
    return ProviderInfo(
        title=TITLE,
        capabilities=frozenset({Capability.SIGNATURE}),
        settings=JesignexpertSettings,
        sandbox="liasse_jesignexpert.sandbox:create_sandbox",
        demo="liasse_jesignexpert.demo:story",
        credential_fields=(
            CredentialField("login", "Identifiant Jesignexpert", "Jesignexpert login"),
            CredentialField("password", "Mot de passe Jesignexpert", "Jesignexpert password", secret=True),
        ),
        limits=LIMITS,
        site_url="https://www.jesignexpert.com",
        presentation_url="https://www.jesignexpert.com",
        spec_version="1.2",
    )


@hookimpl
def liasse_check_access(ctx: Ctx) -> AccessReport:
    """"Tester l'accès au service": the login and password open the user's Jesignexpert account."""
    account = JesignexpertClient(ctx).account()
    return AccessReport(ok=True, account=str(account["login"]), detail=str(account.get("name") or ""))


@hookimpl
def liasse_request_signature(ctx: Ctx, request: SignatureRequestDraft, idempotency_key: str) -> RemoteExchange:
    """JS-02, JS-03, JS-06: checked (PDF under 10 MB, each signer's e-mail, names, phone), then one started transaction."""
    return JesignexpertClient(ctx).request_signature(request, idempotency_key)


@hookimpl
def liasse_find_sent(ctx: Ctx, operation: str, idempotency_key: str) -> RemoteExchange | None:
    """The transaction an interrupted send started, found by its ``external_id``."""
    if operation != "liasse_request_signature":
        return None
    return JesignexpertClient(ctx).find_sent(idempotency_key)


@hookimpl
def liasse_read_status(ctx: Ctx, remote_id: str) -> RemoteStatus:
    """The transaction as Jesignexpert has it now (15 days after the start, an unsigned one is expired)."""
    return JesignexpertClient(ctx).read_status(remote_id)


@hookimpl
def liasse_sync_status(ctx: Ctx, cursor: str | None) -> StatusPage:
    """The sent transactions' states, a page at a time (Jesignexpert sends liasse no webhook)."""
    return JesignexpertClient(ctx).sync_page(cursor)


@hookimpl
def liasse_fetch_document(ctx: Ctx, remote_id: str, dest_dir: Path) -> ReceivedFile:
    """JS-04: the signed PDF, streamed into ``dest_dir``; liasse stores it as a new version of the file."""
    return JesignexpertClient(ctx).download_signed(remote_id, dest_dir)


@hookimpl
def liasse_fetch_attestation(ctx: Ctx, remote_id: str, dest_dir: Path) -> ReceivedFile:
    """The proof file (*dossier de preuve*) of a completed transaction."""
    return JesignexpertClient(ctx).download_evidence(remote_id, dest_dir)


@hookimpl
def liasse_remind(ctx: Ctx, remote_id: str, channel: ReminderChannel, idempotency_key: str) -> ReminderReceipt:
    """The invitation e-mailed again to every signer who has not signed (whatever the channel)."""
    return JesignexpertClient(ctx).remind(remote_id)


@hookimpl
def liasse_cancel_signature(ctx: Ctx, remote_id: str, reason: str) -> RemoteStatus:
    """Cancel a transaction still collecting signatures (Jesignexpert takes no reason)."""
    return JesignexpertClient(ctx).cancel(remote_id)
