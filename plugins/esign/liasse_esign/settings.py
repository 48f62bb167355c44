"""ESign's keys in ``liasse.toml`` (``[providers.esign]``).

::

    [providers.esign]
    base_url = "https://api-sandbox.yousign.app/v3"   # production: https://api.yousign.app/v3
    api_key = "$env:YOUSIGN_API_KEY"
    webhook_secrets = ["$env:YOUSIGN_WEBHOOK_SECRET"]   # ES-10: the subscription's secret_key
"""

from __future__ import annotations

import attrs

from liasse.secrets import Secret
from liasse.settings import ProviderSettings, secret_field, secret_list_field


#: The provider's name as users see it: menus, messages, errors.
TITLE = "ESign"


@attrs.frozen(kw_only=True)
class ESignSettings(ProviderSettings):
    """Office-level settings: Yousign keys belong to the office, not to each user (ES-01).

    ``base_url`` includes the ``/v3`` version prefix, as Yousign's own server
    list spells it, so a later API version is a settings change, not a code
    change.
    """

    api_key: Secret = secret_field(
        "ES-01: the office's Yousign API key (created per environment: sandbox or production), as a $env: or $file: reference."
    )
    webhook_secrets: tuple[Secret, ...] = secret_list_field(
        "ES-10: the webhook subscription's secret_key (32 hex digits), as references; two during a rotation."
    )
