"""DocSecure's hook implementations: what liasse calls for each step."""

from __future__ import annotations

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.records import AccessReport, CredentialField, ProviderContext, ProviderInfo, ProviderLimits

from liasse_docsecure.client import TITLE, DocSecureClient
from liasse_docsecure.settings import DocSecureSettings

#: DS-34: what DocSecure accepts (its manual: PDF and images, 20 MB).
LIMITS = ProviderLimits(
    max_file_size=20 * 1024 * 1024,
    media_types=frozenset({"application/pdf", "image/jpeg", "image/png", "image/tiff"}),
)


@hookimpl
def liasse_provider_info() -> ProviderInfo:
    """DocSecure exchanges documents; each user connects with the account's e-mail and password."""
    return ProviderInfo(
        title=TITLE,
        capabilities=frozenset({Capability.EXCHANGE}),
        settings=DocSecureSettings,
        sandbox="liasse_docsecure.sandbox:create_sandbox",
        credential_fields=(
            CredentialField("login", "E-mail du compte DocSecure", "DocSecure account e-mail"),
            CredentialField("password", "Mot de passe", "Password", secret=True),
        ),
        limits=LIMITS,
        site_url="https://www.doc-secure.fr",
        presentation_url="https://www.doc-secure.fr/presentation",
    )


@hookimpl
def liasse_check_access(ctx: ProviderContext[DocSecureSettings]) -> AccessReport:
    """"Tester l'accès au service": the account answers to these credentials."""
    account = DocSecureClient(ctx).account()
    return AccessReport(ok=True, account=str(account["email"]), detail=str(account.get("company", "")))
