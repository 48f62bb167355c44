"""AR24's hook implementations: what liasse calls for each step.

This slice answers "Tester l'accès au service"; sending letters (AR-05 …
AR-09), users (AR-01), OTP (AR-02), consents (AR-03) and proofs come with the
AR24 issue and land here as further hook implementations.
"""

from __future__ import annotations

from typing import Any

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.records import AccessReport, CredentialField, ProviderContext, ProviderInfo, ProviderLimits

from liasse_ar24.client import TITLE, AR24Client
from liasse_ar24.settings import AR24Settings

#: AR24 publishes no size or count limit we could read (providers.md §1.14).
#: Letters are A4 PDFs (AR-05); 256 MB is the only cap found, Maileva's for one
#: send on the LREQ API that mirrors AR24. Both are assumptions (see the README).
LIMITS = ProviderLimits(
    max_file_size=256 * 1024 * 1024,
    media_types=frozenset({"application/pdf"}),
)


@hookimpl
def liasse_provider_info() -> ProviderInfo:
    """AR24 sends registered letters with the office's API keys, on behalf of each user's AR24 account."""
    return ProviderInfo(
        title=TITLE,
        capabilities=frozenset({Capability.REGISTERED_MAIL}),
        settings=AR24Settings,
        sandbox="liasse_ar24.sandbox:create_sandbox",
        credential_fields=(
            CredentialField("login", "E-mail du compte AR24", "AR24 account e-mail"),
            CredentialField("password", "Mot de passe AR24", "AR24 password", secret=True),
        ),
        limits=LIMITS,
        site_url="https://www.ar24.fr",
    )


@hookimpl
def liasse_check_access(ctx: ProviderContext[AR24Settings]) -> AccessReport:
    """"Tester l'accès au service": AR24 accepts the office's keys and knows the user's account.

    With the user's AR24 e-mail in the credentials, the account must be
    attached to the office's token (``GET user/``) and confirmed; without
    it, the keys alone are tested (``GET user/list``).
    """
    client = AR24Client(ctx)
    login = ctx.credentials.login.strip() if ctx.credentials else ""
    if not login:
        users = client.users()
        return AccessReport(
            ok=True,
            account=ctx.office_name,
            detail=f"Jeton et clé privée acceptés par AR24 ; {len(users)} compte(s) AR24 rattaché(s) à l'étude.",
        )
    user = client.user(email=login)
    confirmed = _flag(user.get("confirmed", True))
    return AccessReport(ok=confirmed, account=str(user.get("email") or login), detail=_describe(user, confirmed))


def _describe(user: dict[str, Any], confirmed: bool) -> str:
    """What the user reads under "Tester l'accès": who the account is and what is left to do."""
    name = " ".join(str(user.get(k) or "") for k in ("firstname", "lastname")).strip()
    company = str(user.get("company") or "").strip()
    who = f"{name} ({company})" if name and company else name or company or "Compte AR24"
    parts = [f"{who}, compte AR24 n° {user.get('id', '?')}"]
    if not confirmed:
        parts.append("compte non confirmé : cliquez sur le lien de confirmation envoyé par AR24, puis réessayez")
    elif _flag(user.get("is_identity_verified", False)):
        parts.append("identité eIDAS vérifiée")
    else:
        parts.append("identité eIDAS non vérifiée : commandez la clé OTP avant un envoi eIDAS")
    return " ; ".join(parts) + "."


def _flag(value: Any) -> bool:
    """AR24 flags may arrive as booleans, 0/1 or "0"/"1"."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "oui"}
