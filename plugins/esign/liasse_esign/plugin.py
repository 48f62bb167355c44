"""ESign's hook implementations: what liasse calls for each step.

Kept light to import: discovery loads this module for every installed plugin,
so ``requests`` and ``flask`` are only imported once a call is made or a
sandbox started.
"""

from __future__ import annotations

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.messages import default_lang
from liasse.records import AccessReport, ProviderContext, ProviderInfo, ProviderLimits

from liasse_esign.client import TITLE, ESignClient
from liasse_esign.settings import ESignSettings

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
        presentation_url="https://yousign.com/fr-fr",
    )


@hookimpl
def liasse_check_access(ctx: ProviderContext[ESignSettings]) -> AccessReport:
    """"Tester l'accès au service": the key opens the office's Yousign organisation.

    The default workspace names the account the user recognises; the detail
    says which Yousign environment answered, since sandbox signatures have no
    legal value.
    """
    client = ESignClient(ctx)
    workspace = client.default_workspace()
    environment_fr, environment_en = client.environment()
    # AccessReport carries one sentence: written in the process's language.
    if default_lang() == "en":
        detail = f"default workspace {workspace['id']}, {environment_en}"
    else:
        detail = f"espace de travail par défaut {workspace['id']}, {environment_fr}"
    return AccessReport(ok=True, account=str(workspace["name"]), detail=detail)
