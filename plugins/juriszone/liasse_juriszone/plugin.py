"""JurisZone's hook implementations: what liasse calls for each step."""

from __future__ import annotations

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.records import AccessReport, ProviderContext, ProviderInfo, ProviderLimits

from liasse_juriszone.client import TITLE, JurisZoneClient
from liasse_juriszone.settings import JurisZoneSettings

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
    )


@hookimpl
def liasse_check_access(ctx: ProviderContext[JurisZoneSettings]) -> AccessReport:
    """"Tester l'accès au service": the entity answers to the office's keys."""
    entity = JurisZoneClient(ctx).entity()
    return AccessReport(ok=True, account=str(entity["name"]), detail=str(entity.get("email", "")))
