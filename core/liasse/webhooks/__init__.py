"""Webhooks from providers: verified on the raw body, recorded once, applied after a re-read (BY-04, R5).

One module per concern:

* :mod:`.signatures`: HMAC-SHA256 schemes (Standard Webhooks, Yousign's
  hex header), constant-time, several active secrets, ±5 minute tolerance;
* :mod:`.errors`: the refusals, in French and English, never naming a secret;
* :mod:`.queue`: the ``webhook_events`` table as a queue: record once per
  (provider, event id), claim under a lease (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL), finish or retry;
* :mod:`.receiver`: the WSGI endpoint ``POST /liasse/webhooks/<provider>``
  a host mounts (Flask blueprint or plain WSGI app);
* :mod:`.processing`: re-reading what an event names through the provider
  and applying it as a sync would, once; a worker thread for the host.

A provider plugin takes part with two hooks: ``liasse_read_webhook``
(verify and parse into a :class:`~liasse.records.WebhookNotice`) and,
optionally, ``liasse_read_status`` (one item's status, for a targeted re-read).
"""
