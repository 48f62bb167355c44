"""Polling as the webhooks' fallback (BY-04): sync every connected provider account now and then.

A notification can be lost: the provider gave up retrying while the office
was down, or never sends one for some change. :func:`sync_connected` runs
the ordinary status sync (``liasse_sync_status`` from the stored cursor:
one request when nothing changed) for each exchange provider account some
user is connected to, so counters still move without anyone pressing
"refresh". :class:`~liasse.webhooks.processing.WebhookWorker` calls it every
``poll_every`` seconds.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa

from liasse.capabilities import Capability
from liasse.errors import LiasseError
from liasse.store.models import StoredCredentials

if TYPE_CHECKING:
    from liasse.app import Liasse
    from liasse.desk.records import SyncReport

log = logging.getLogger(__name__)


def sync_connected(liasse: Liasse) -> dict[tuple[str, str], SyncReport]:
    """Sync each (exchange provider, provider account) some user is connected to; the reports by key.

    An account that fails (provider down, credentials refused) is logged by
    the error's class and skipped: the next round tries again.
    """
    from liasse.desk import ExchangeDesk
    from liasse.registered import RegisteredDesk

    reports: dict[tuple[str, str], SyncReport] = {}
    providers = [
        name
        for name, info in sorted(liasse.providers.items())
        if info.capabilities & {Capability.EXCHANGE, Capability.REGISTERED_MAIL} and info.credential_fields
    ]
    if not providers:
        return reports
    with liasse.store.session() as session:
        rows = session.execute(
            sa.select(StoredCredentials.provider, StoredCredentials.user_login)
            .where(StoredCredentials.provider.in_(providers))
            .order_by(StoredCredentials.id)
        ).all()
    for provider, user_login in rows:
        try:
            credentials = liasse.vault.load(user_login, provider)
            if credentials is None or (provider, credentials.login) in reports:
                continue
            # Registered mail polls its letters with its own desk (AR-10's polling fallback).
            desk = RegisteredDesk if Capability.REGISTERED_MAIL in liasse.providers[provider].capabilities else ExchangeDesk
            reports[(provider, credentials.login)] = desk(liasse, provider, user_login).sync()  # type: ignore[assignment]
        except LiasseError as error:
            log.warning("fallback sync of %s for %s failed: %s", provider, user_login, type(error).__name__)
    return reports
