"""DocSecure's hook implementations: what liasse calls for each step.

Each hook is one call of :class:`~liasse_docsecure.client.DocSecureClient`;
liasse does the rest (store, outbox, states, intake), the same for every
provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.records import (
    AccessReport,
    ContactList,
    CredentialField,
    ProviderContext,
    ProviderInfo,
    ProviderLimits,
)

from liasse_docsecure.settings import TITLE, DocSecureSettings

if TYPE_CHECKING:
    from liasse.records import (
        ContactDraft,
        DocumentRequestDraft,
        DocumentSendDraft,
        ReceivedFile,
        ReminderChannel,
        ReminderReceipt,
        RemoteContact,
        RemoteExchange,
        RemoteStatus,
        StatusPage,
        WebhookNotice,
    )
    from liasse_docsecure.client import DocSecureClient

Ctx = ProviderContext[DocSecureSettings]


def _client(ctx: Ctx) -> DocSecureClient:
    """The HTTP client for this call's account.

    Imported at the first call rather than with this module: discovery
    (`liasse plugins`, every start-up) loads each plugin module and should
    not pay for the HTTP stack (P5).
    """
    from liasse_docsecure.client import DocSecureClient

    return DocSecureClient(ctx)


#: DS-34: what DocSecure accepts unless the account says otherwise (PDF, images, office files; 20 MB).
LIMITS = ProviderLimits(
    max_file_size=20 * 1024 * 1024,
    media_types=frozenset(
        {
            "application/pdf",
            "image/jpeg",
            "image/png",
            "image/tiff",
            "application/zip",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "text/plain",
        }
    ),
)


@hookimpl
def liasse_provider_info() -> ProviderInfo:
    """DocSecure exchanges documents; each user connects with the account's e-mail and password."""
    return ProviderInfo(
        title=TITLE,
        capabilities=frozenset({Capability.EXCHANGE}),
        settings=DocSecureSettings,
        sandbox="liasse_docsecure.sandbox:create_sandbox",
        demo="liasse_docsecure.demo:story",
        logo="liasse_docsecure:logo.png",
        credential_fields=(
            CredentialField("login", "E-mail du compte DocSecure", "DocSecure account e-mail"),
            CredentialField("password", "Mot de passe", "Password", secret=True),
        ),
        limits=LIMITS,
        site_url="https://www.doc-secure.fr",
        presentation_url="https://www.doc-secure.fr/presentation",
    )


@hookimpl
def liasse_check_access(ctx: Ctx) -> AccessReport:
    """ "Tester l'accès au service": the account answers to these credentials."""
    account = _client(ctx).account()
    return AccessReport(ok=True, account=str(account["email"]), detail=str(account.get("company", "")))


@hookimpl
def liasse_provider_limits(ctx: Ctx) -> ProviderLimits:
    """DS-34: the account's current limits."""
    return _client(ctx).limits()


@hookimpl
def liasse_create_contact(ctx: Ctx, contact: ContactDraft, idempotency_key: str) -> RemoteContact:
    """DS-03, DS-04."""
    return _client(ctx).create_contact(contact, idempotency_key)


@hookimpl
def liasse_update_contact(ctx: Ctx, remote_id: str, contact: ContactDraft) -> RemoteContact:
    """DS-07, DS-31."""
    return _client(ctx).update_contact(remote_id, contact)


@hookimpl
def liasse_archive_contact(ctx: Ctx, remote_id: str, archived: bool) -> RemoteContact:
    """DS-09, DS-11."""
    return _client(ctx).archive_contact(remote_id, archived)


@hookimpl
def liasse_delete_contact(ctx: Ctx, remote_id: str) -> RemoteContact:
    """DS-08."""
    return _client(ctx).delete_contact(remote_id)


@hookimpl
def liasse_list_contacts(ctx: Ctx) -> ContactList:
    """DS-31: every contact, including those created on DocSecure's site."""
    return ContactList(contacts=_client(ctx).list_contacts())


@hookimpl
def liasse_request_document(ctx: Ctx, request: DocumentRequestDraft, idempotency_key: str) -> RemoteExchange:
    """DS-12, DS-13."""
    return _client(ctx).request_document(request, idempotency_key)


@hookimpl
def liasse_send_documents(ctx: Ctx, send: DocumentSendDraft, idempotency_key: str) -> RemoteExchange:
    """DS-15 … DS-18."""
    return _client(ctx).send_documents(send, idempotency_key)


@hookimpl
def liasse_find_sent(ctx: Ctx, operation: str, idempotency_key: str) -> RemoteExchange | None:
    """Reconciliation: the request or send an earlier attempt under this key created."""
    if operation not in ("liasse_request_document", "liasse_send_documents"):
        return None
    return _client(ctx).find_sent(idempotency_key)


@hookimpl
def liasse_remind(ctx: Ctx, remote_id: str, channel: ReminderChannel, idempotency_key: str) -> ReminderReceipt:
    """DS-24."""
    return _client(ctx).remind(remote_id, channel, idempotency_key)


@hookimpl
def liasse_sync_status(ctx: Ctx, cursor: str | None) -> StatusPage:
    """DS-20, DS-25."""
    return _client(ctx).changes(cursor)


@hookimpl
def liasse_fetch_document(ctx: Ctx, remote_id: str, dest_dir: Path) -> ReceivedFile:
    """DS-26, DS-27: the received file as it came."""
    return _client(ctx).fetch_document(remote_id, dest_dir)


@hookimpl
def liasse_fetch_attestation(ctx: Ctx, remote_id: str, dest_dir: Path) -> ReceivedFile:
    """DS-29."""
    return _client(ctx).fetch_attestation(remote_id, dest_dir)


@hookimpl
def liasse_read_webhook(ctx: Ctx, headers: Mapping[str, str], body: bytes) -> WebhookNotice:
    """DS-20, DS-25: an exchange changed at DocSecure (Standard Webhooks, README "Webhooks")."""
    from liasse_docsecure.client import read_webhook  # on first use, as in _client

    return read_webhook(headers, body, ctx.settings)


@hookimpl
def liasse_read_status(ctx: Ctx, remote_id: str) -> RemoteStatus:
    """The exchange as DocSecure has it now: what a webhook's notice makes liasse re-read."""
    return _client(ctx).status(remote_id)

