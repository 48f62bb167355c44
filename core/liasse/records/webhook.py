"""What a provider makes of a webhook it received: a hint that some items changed."""

from __future__ import annotations

import datetime as dt

import attrs


@attrs.frozen
class WebhookNotice:
    """A provider's webhook, verified and parsed by its plugin (``liasse_read_webhook``).

    It is a hint, never a state: liasse re-reads each named item through the
    provider's API before changing anything. ``trusted`` is False for a
    provider whose webhooks carry no signature (AR24): its payload is not
    even believed for the ids it names beyond a lookup among liasse's own
    exchanges.
    """

    #: The provider's id of the event, the same on every redelivery: liasse processes it once.
    event_id: str
    #: The provider's name for the event ("exchange.updated", "signature_request.done", "AR" …).
    kind: str
    #: The provider's ids of the items the event concerns (exchanges, signature requests, letters).
    remote_ids: tuple[str, ...] = ()
    #: When the event happened at the provider, when it says (None: unknown).
    occurred_at: dt.datetime | None = None
    #: False when nothing proves the provider sent it (an unsigned scheme).
    trusted: bool = True
    #: The provider account the event belongs to, when the payload names it (a login, an id).
    account: str | None = None
    provider: str = ""
