"""AR24's keys in ``liasse.toml`` (``[providers.ar24]``)."""

from __future__ import annotations

import attrs

from liasse.secrets import Secret
from liasse.settings import ProviderSettings, secret_field, setting


#: The provider's name as users see it: menus, messages, errors.
TITLE = "AR24"


@attrs.frozen(kw_only=True)
class AR24Settings(ProviderSettings):
    """Office-level API keys AR24 gives an integrator (by e-mail to api@ar24.fr).

    Each user's own AR24 account (AR-01) is not here: it is the user's
    credentials, stored encrypted by liasse.
    """

    token: Secret = secret_field("The API token AR24 gave the office, sent with every request.")
    private_key: Secret = secret_field(
        "The private key paired with the token: it signs each request's date and decrypts AR24's answers."
    )
    timeout: float = setting(
        300.0, "Seconds to wait for AR24 on one attempt; AR24 may itself work up to 300 s before answering."
    )
