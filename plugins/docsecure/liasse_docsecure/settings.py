"""DocSecure's keys in ``liasse.toml`` (``[providers.docsecure]``)."""

from __future__ import annotations

import attrs

from liasse.settings import ProviderSettings, setting


@attrs.frozen(kw_only=True)
class DocSecureSettings(ProviderSettings):
    """Office-level settings; each user's e-mail and password are stored encrypted, not here."""

    site_url: str = setting("https://www.doc-secure.fr", "DS-02: the provider's site, for the banner button.")
