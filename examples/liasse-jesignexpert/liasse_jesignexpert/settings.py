"""Jesignexpert's keys in ``liasse.toml`` (``[providers.jesignexpert]``).

::

    [providers.jesignexpert]
    base_url = "https://api.jesignexpert.example/v1"   # the sandbox's URL in a demo
    signature_image = "/srv/office/signature.png"       # JS-06, optional
    logo = "/srv/office/logo.png"                       # JS-06, optional

Each user's Jesignexpert login and password are not here: they are asked at
first use and stored encrypted by liasse (JS-01).
"""

from __future__ import annotations

from pathlib import Path

import attrs

from liasse.settings import ProviderSettings, setting


@attrs.frozen(kw_only=True)
class JesignexpertSettings(ProviderSettings):
    """Office-level settings; the office's signature image and logo are drawn on every signed PDF (JS-06)."""

    signature_image: str = setting(
        "",
        "JS-06: the office's signature image (PNG or JPEG, under 1 MB), drawn in the boxes the office's users sign; empty for none.",
    )
    logo: str = setting("", "JS-06: the office's logo (PNG or JPEG, under 1 MB), drawn in every signature box; empty for none.")

    def signature_image_path(self) -> Path | None:
        """The signature image's file, or None when none is set."""
        return Path(self.signature_image).expanduser() if self.signature_image.strip() else None

    def logo_path(self) -> Path | None:
        """The logo's file, or None when none is set."""
        return Path(self.logo).expanduser() if self.logo.strip() else None
