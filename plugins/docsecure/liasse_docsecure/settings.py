"""DocSecure's keys in ``liasse.toml`` (``[providers.docsecure]``)."""

from __future__ import annotations

import attrs

from liasse.secrets import Secret
from liasse.settings import ProviderSettings, secret_list_field, setting


#: The provider's name as users see it: menus, messages, errors.
TITLE = "DocSecure"


@attrs.frozen(kw_only=True)
class DocSecureSettings(ProviderSettings):
    """Office-level settings; each user's e-mail and password are stored encrypted, not here."""

    site_url: str = setting("https://www.doc-secure.fr", "DS-02: the provider's site, for the banner button.")
    webhook_secrets: tuple[Secret, ...] = secret_list_field(
        "The webhook subscription's secrets (whsec_…), as references; two during a rotation."
    )
    webhooks_signed: bool = setting(
        True, "False only for a subscription made unsigned: its notices then just trigger a re-read."
    )
