"""ESign's hook implementations: what liasse calls for each step.

Kept light to import: discovery loads this module for every installed plugin,
so ``requests`` and ``flask`` are only imported once a call is made or a
sandbox started.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.messages import default_lang
from liasse.records import (
    AccessReport,
    ProviderContext,
    ProviderInfo,
    ProviderLimits,
)

from liasse_esign.settings import TITLE, ESignSettings

if TYPE_CHECKING:
    from liasse.records import (
        ReceivedFile,
        ReminderChannel,
        ReminderReceipt,
        RemoteExchange,
        RemoteStatus,
        SignatureRequestDraft,
        StatusPage,
        WebhookNotice,
    )
    from liasse_esign.client import ESignClient

Ctx = ProviderContext[ESignSettings]


def _client(ctx: Ctx) -> ESignClient:
    """The HTTP client for this call's account.

    Imported at the first call rather than with this module: discovery
    (`liasse plugins`, every start-up) loads each plugin module and should
    not pay for the HTTP stack (P5).
    """
    from liasse_esign.client import ESignClient

    return ESignClient(ctx)


#: What Yousign accepts for a document to sign (developers.yousign.com "Limits"):
#: 50 MB per document, 50 documents per signature request. Yousign also takes
#: DOCX and converts it, but liasse sends the PDFs the host generates, which
#: keeps the signed file identical to what the office produced.
LIMITS = ProviderLimits(
    max_file_size=50 * 1024 * 1024,
    media_types=frozenset({"application/pdf"}),
    max_documents=50,
)


@hookimpl
def liasse_provider_info() -> ProviderInfo:
    """ESign signs documents through Yousign; the office's API key is in the settings, so users type nothing."""
    return ProviderInfo(
        title=TITLE,
        capabilities=frozenset({Capability.SIGNATURE}),
        settings=ESignSettings,
        sandbox="liasse_esign.sandbox:create_sandbox",
        # ES-01: one API key for the office, read from liasse.toml; no per-user login.
        credential_fields=(),
        limits=LIMITS,
        site_url="https://yousign.app",
        demo="liasse_esign.demo:story",
        presentation_url="https://yousign.com/fr-fr",
    )


@hookimpl
def liasse_check_access(ctx: ProviderContext[ESignSettings]) -> AccessReport:
    """"Tester l'accès au service": the key opens the office's Yousign organisation.

    The default workspace names the account the user recognises; the detail
    says which Yousign environment answered, since sandbox signatures have no
    legal value.
    """
    client = _client(ctx)
    workspace = client.default_workspace()
    environment_fr, environment_en = client.environment()
    # AccessReport carries one sentence: written in the process's language.
    if default_lang() == "en":
        detail = f"default workspace {workspace['id']}, {environment_en}"
    else:
        detail = f"espace de travail par défaut {workspace['id']}, {environment_fr}"
    return AccessReport(ok=True, account=str(workspace["name"]), detail=detail)


@hookimpl
def liasse_request_signature(ctx: Ctx, request: SignatureRequestDraft, idempotency_key: str) -> RemoteExchange:
    """ES-08, ES-12: one Yousign request with every document and signer, activated (status 1 "awaiting signature")."""
    return _client(ctx).request_signature(request, idempotency_key)


@hookimpl
def liasse_find_sent(ctx: Ctx, operation: str, idempotency_key: str) -> RemoteExchange | None:
    """The request an interrupted send created, found by its ``external_id`` (Yousign has no idempotency key)."""
    if operation != "liasse_request_signature":
        return None
    return _client(ctx).find_sent(idempotency_key)


@hookimpl
def liasse_read_status(ctx: Ctx, remote_id: str) -> RemoteStatus:
    """ES-10: the request as Yousign has it now (a webhook's re-read, and the polling fallback)."""
    return _client(ctx).read_status(remote_id)


@hookimpl
def liasse_sync_status(ctx: Ctx, cursor: str | None) -> StatusPage:
    """The sent requests' statuses, a page at a time (the polling fallback of lost webhooks)."""
    return _client(ctx).sync_page(cursor)


@hookimpl
def liasse_fetch_document(ctx: Ctx, remote_id: str, dest_dir: Path) -> ReceivedFile:
    """ES-10: the signed PDF (``version=completed``), streamed into ``dest_dir``."""
    return _client(ctx).download_signed(remote_id, dest_dir)


@hookimpl
def liasse_fetch_attestation(ctx: Ctx, remote_id: str, dest_dir: Path) -> ReceivedFile:
    """Yousign's audit trail of a done request: the proof of who signed, when and how."""
    return _client(ctx).download_audit_trail(remote_id, dest_dir)


@hookimpl
def liasse_remind(ctx: Ctx, remote_id: str, channel: ReminderChannel, idempotency_key: str) -> ReminderReceipt:
    """``send_reminder`` to every signer still waiting; Yousign reminds by e-mail whatever the channel."""
    return _client(ctx).remind(remote_id)


@hookimpl
def liasse_cancel_signature(ctx: Ctx, remote_id: str, reason: str) -> RemoteStatus:
    """Cancel an ongoing request (Yousign ``cancel``, reason ``contractualization_aborted`` … ``other``)."""
    return _client(ctx).cancel(remote_id, reason)


@hookimpl
def liasse_read_webhook(ctx: Ctx, headers: Mapping[str, str], body: bytes) -> WebhookNotice:
    """A Yousign delivery: ``X-Yousign-Signature-256`` checked on the raw body against the office's secrets."""
    from liasse_esign.client import read_webhook  # on first use, as in _client

    return read_webhook(headers, body, ctx.settings.webhook_secrets)
