"""JurisZone's keys in ``liasse.toml`` (``[providers.juriszone]``).

::

    [providers.juriszone]
    base_url = "https://juriszone.example/api"     # the sandbox's URL in a demo
    entity_key = "$env:JURISZONE_ENTITY_KEY"
    api_key = "$env:JURISZONE_API_KEY"
    webhook_secrets = ["$env:JURISZONE_WEBHOOK_SECRET"]   # optional: webhooks (else the event feed is polled)
"""

from __future__ import annotations

import attrs

from liasse.secrets import Secret
from liasse.settings import ProviderSettings, secret_field, secret_list_field


#: The provider's name as users see it: menus, messages, errors.
TITLE = "JurisZone"


@attrs.frozen(kw_only=True)
class JurisZoneSettings(ProviderSettings):
    """Office-level settings (JZ-01): the office's entity at JurisZone, not each user's account.

    ProCardex asks for both keys once per entity ("Système > Entité"); every
    user of the office then shares through that entity, so there are no
    per-user credentials to store.
    """

    entity_key: Secret = secret_field("JZ-01: the entity key received at JurisZone registration.")
    api_key: Secret = secret_field("JZ-01: the API key received at JurisZone registration.")
    webhook_secrets: tuple[Secret, ...] = secret_list_field(
        "The webhook subscription's secrets (whsec_…), as references; two during a rotation."
    )
