"""JurisZone's hook implementations: what liasse calls for each step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.records import (
    AccessReport,
    ProviderContext,
    ProviderInfo,
    ProviderLimits,
    RemoteExchange,
)

from liasse_juriszone.settings import TITLE, JurisZoneSettings

if TYPE_CHECKING:
    from liasse.records import (
        DocumentBatch,
        OutgoingDocument,
        ReceivedFile,
        RemoteSharedFile,
        RemoteStatus,
        ShareDraft,
        SharedFileDraft,
        ShareEventPage,
        StatusPage,
        WebhookNotice,
    )
    from liasse_juriszone.client import JurisZoneClient

Ctx = ProviderContext[JurisZoneSettings]


def _client(ctx: Ctx) -> JurisZoneClient:
    """The HTTP client for this call's account.

    Imported at the first call rather than with this module: discovery
    (`liasse plugins`, every start-up) loads each plugin module and should
    not pay for the HTTP stack (P5).
    """
    from liasse_juriszone.client import JurisZoneClient

    return JurisZoneClient(ctx)


#: What liasse assumes JurisZone accepts (no published limits): what a notarial
#: file holds (PDF, Office and OpenDocument, scans and photos of identity papers),
#: 100 MB a document since the zone is meant for large files too.
LIMITS = ProviderLimits(
    max_file_size=100 * 1024 * 1024,
    media_types=frozenset(
        {
            "application/pdf",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.oasis.opendocument.text",
            "application/vnd.oasis.opendocument.spreadsheet",
            "image/jpeg",
            "image/png",
            "image/tiff",
        }
    ),
)


@hookimpl
def liasse_provider_info() -> ProviderInfo:
    """JurisZone shares a file's documents with its parties; the office's keys live in liasse.toml."""
    return ProviderInfo(
        title=TITLE,
        capabilities=frozenset({Capability.SHARE}),
        settings=JurisZoneSettings,
        sandbox="liasse_juriszone.sandbox:create_sandbox",
        # JZ-01: the entity key and API key are the office's, set once; users type nothing.
        credential_fields=(),
        limits=LIMITS,
        site_url="https://www.3emanagement.ca",
        demo="liasse_juriszone.demo:story",
    )


@hookimpl
def liasse_check_access(ctx: Ctx) -> AccessReport:
    """"Tester l'accès au service": the entity answers to the office's keys."""
    entity = _client(ctx).entity()
    return AccessReport(ok=True, account=str(entity["name"]), detail=str(entity.get("email", "")))


@hookimpl
def liasse_provider_limits(ctx: Ctx) -> ProviderLimits:
    """JurisZone publishes no limits: the assumed ones (README "Limits")."""
    return LIMITS


@hookimpl
def liasse_export_file(ctx: Ctx, file: SharedFileDraft, idempotency_key: str) -> RemoteSharedFile:
    """JZ-02: "Exporter vers JurisZone", the file with its parties."""
    return _client(ctx).export_file(file, idempotency_key)


@hookimpl
def liasse_upload_documents(
    ctx: Ctx, file_number: str, documents: Sequence[OutgoingDocument], idempotency_key: str
) -> DocumentBatch:
    """JZ-03: documents dropped into the file's "Documents" section, streamed."""
    return _client(ctx).upload_documents(file_number, documents, idempotency_key)


@hookimpl
def liasse_list_shared_documents(ctx: Ctx, file_number: str) -> DocumentBatch:
    """JZ-06: the file's documents, those recipients returned or added included."""
    return _client(ctx).documents(file_number)


@hookimpl
def liasse_share_documents(ctx: Ctx, share: ShareDraft, idempotency_key: str) -> RemoteExchange:
    """JZ-04: "Partager les documents sélectionnés", then "Terminer et accepter"."""
    return _client(ctx).share(share, idempotency_key)


@hookimpl
def liasse_share_events(ctx: Ctx, cursor: str | None) -> ShareEventPage:
    """JZ-05 … JZ-08: the event feed, one page."""
    return _client(ctx).events(cursor)


@hookimpl
def liasse_sync_status(ctx: Ctx, cursor: str | None) -> StatusPage:
    """The shares the next page of events concerns, re-read."""
    return _client(ctx).statuses(cursor)


@hookimpl
def liasse_read_status(ctx: Ctx, remote_id: str) -> RemoteStatus:
    """One share as JurisZone has it now."""
    return _client(ctx).share_status(remote_id)


@hookimpl
def liasse_fetch_document(ctx: Ctx, remote_id: str, dest_dir: Path) -> ReceivedFile:
    """JZ-06: a document of a file (one a recipient returned), streamed to ``dest_dir``."""
    return _client(ctx).download(remote_id, dest_dir, LIMITS.max_file_size)


@hookimpl
def liasse_find_sent(ctx: Ctx, operation: str, idempotency_key: str) -> RemoteExchange | None:
    """Reconciliation: the share or upload an earlier attempt under this key made (README "Idempotency")."""
    client = _client(ctx)
    if operation == "liasse_share_documents":
        return client.shared_with(idempotency_key)
    if operation == "liasse_upload_documents":
        batch = client.uploaded_with(idempotency_key)
        if not batch.documents:
            return None
        # The upload's documents, by id: liasse lists the file's documents to record them.
        return RemoteExchange(
            remote_id=",".join(d.remote_id for d in batch.documents), created_at=batch.documents[0].uploaded_at
        )
    return None


@hookimpl
def liasse_read_webhook(ctx: Ctx, headers: Mapping[str, str], body: bytes) -> WebhookNotice:
    """A share changed at JurisZone (Standard Webhooks); liasse then reads the event feed."""
    from liasse_juriszone.client import read_webhook  # on first use, as in _client

    return read_webhook(headers, body, ctx.settings)
