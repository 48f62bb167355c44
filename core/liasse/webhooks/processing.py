"""Applying received webhook events: claim, re-read through the provider, update exchanges, retry failures.

A notice is a hint. For each item it names that liasse knows, the provider
is asked for the item's status now (``liasse_read_status``, or a sync
from the cursor), and that answer goes through the state machines exactly
as a sync's does: a history row by "webhook", the host's events
(``liasse_status_changed``, ``liasse_document_received``). A change is
recorded only if the exchange is still in the state read (the row's
version), so an event processed twice, or a webhook racing a sync, moves an
exchange once and tells the host once.

:func:`process_pending` is what ``liasse webhooks process`` and a host's
serve loop call; :class:`WebhookWorker` runs it in a thread, woken by the
receiver on each new event.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from liasse.errors import LiasseError
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import StoredCredentials
from liasse.webhooks import queue
from liasse.webhooks.errors import WebhookAccountUnknown
from liasse.webhooks.fallback import sync_connected

if TYPE_CHECKING:
    from liasse.app import Liasse
    from liasse.desk import ExchangeDesk

log = logging.getLogger(__name__)

#: An untrusted notice naming more items than this is answered with one sync of the account instead.
MAX_UNTRUSTED_READS = 5


@attrs.frozen
class ProcessReport:
    """What one :func:`process_pending` run did."""

    claimed: int = 0
    done: int = 0
    failed: int = 0
    #: Exchanges whose state changed, in order.
    changed: tuple[int, ...] = ()


def process_pending(
    liasse: Liasse, *, batch: int = 50, max_events: int = 10_000, now: dt.datetime | None = None
) -> ProcessReport:
    """Process every event due at ``now`` (default: now), in batches claimed from the queue, until none is left."""
    claimed = done = failed = 0
    changed: list[int] = []
    while claimed < max_events:
        events = queue.claim(liasse.store, min(batch, max_events - claimed), now=now)
        if not events:
            break
        claimed += len(events)
        for event in events:
            try:
                changed.extend(apply_event(liasse, event))
            except Exception as error:  # noqa: BLE001 - one event's failure is recorded, the others go on
                sentence = str(error) if isinstance(error, LiasseError) else f"{type(error).__name__}"
                status = queue.fail(liasse.store, event, sentence, now=now)
                failed += 1
                # The event id and the error's class only: never the payload, never the provider's words.
                log.warning("webhook event %s of %s %s (%s)", event.notice.event_id, event.provider, status, type(error).__name__)
            else:
                queue.finish(liasse.store, event, now=now)
                done += 1
    return ProcessReport(claimed=claimed, done=done, failed=failed, changed=tuple(dict.fromkeys(changed)))


def apply_event(liasse: Liasse, event: queue.ClaimedEvent) -> list[int]:
    """Re-read what ``event`` names and apply it; the ids of the exchanges that moved."""
    provider, notice = event.provider, event.notice
    with liasse.store.session() as session:
        rows = session.execute(
            sa.select(ExchangeRow.remote_id, ExchangeRow.provider_account, ExchangeRow.created_by).where(
                ExchangeRow.provider == provider, ExchangeRow.remote_id.in_(notice.remote_ids)
            )
        ).all()
    by_account: dict[str, tuple[list[str], list[str]]] = {}
    for remote_id, account, created_by in rows:
        ids, users = by_account.setdefault(account, ([], []))
        ids.append(str(remote_id))
        users.append(created_by)
    if not notice.remote_ids and notice.account:
        # An event about the account as a whole: sync it.
        by_account[notice.account] = ([], [])
    from liasse.capabilities import Capability

    if Capability.SHARE in liasse.provider(provider).capabilities:
        # A shared zone's notice says only that a share moved: its event feed says what happened.
        from liasse.sharing.desk import ShareDesk

        users = [user for _ids, named in by_account.values() for user in named]
        return list(ShareDesk(liasse, provider, users[0]).sync().changed) if users else []
    changed: list[int] = []
    for account, (remote_ids, users) in by_account.items():
        desk = account_desk(liasse, provider, account, users)
        # Anyone may post an unsigned notice: one naming many items costs one sync, not one read each.
        targeted = remote_ids and (notice.trusted or len(remote_ids) <= MAX_UNTRUSTED_READS)
        report = desk.refresh(remote_ids) if targeted else desk.sync()
        changed.extend(report.changed)
    # ES-10: signature files live in their own table; the signing desk re-reads those the notice names.
    from liasse.signing.notices import apply_notice

    apply_notice(liasse, provider, notice.remote_ids)
    return changed


def account_desk(liasse: Liasse, provider: str, provider_account: str, hints: Iterable[str] = ()) -> ExchangeDesk:
    """The desk of ``provider_account`` as liasse itself, with the credentials of a user connected to it.

    The users who made the exchanges are tried first, then every user with
    credentials for the provider; none: :class:`WebhookAccountUnknown`
    (the event is retried, in case someone connects meanwhile).
    """
    from liasse.capabilities import Capability
    from liasse.desk import ExchangeDesk
    from liasse.registered import RegisteredDesk

    info = liasse.provider(provider)
    # Registered letters have their own desk, with the same refresh() and sync().
    desk_class: Any = RegisteredDesk if Capability.REGISTERED_MAIL in info.capabilities else ExchangeDesk
    candidates = list(dict.fromkeys(hints))
    if not info.credential_fields:
        # Office-level keys (ESign): every user reaches the same account.
        if candidates:
            return desk_class(liasse, provider, candidates[0])  # type: ignore[no-any-return]
    else:
        with liasse.store.session() as session:
            stored = session.scalars(
                sa.select(StoredCredentials.user_login).where(StoredCredentials.provider == provider).order_by(StoredCredentials.id)
            ).all()
        for user_login in dict.fromkeys([*candidates, *stored]):
            try:
                credentials = liasse.vault.load(user_login, provider)
            except LiasseError:
                continue
            if credentials is not None and credentials.login == provider_account:
                return desk_class(liasse, provider, user_login)  # type: ignore[no-any-return]
    raise WebhookAccountUnknown(title=info.title, account=provider_account, provider=provider)


class WebhookWorker:
    """Processes events in a thread: when woken (a new event) and every ``interval`` seconds (retries).

    With ``poll_every`` (seconds), it also syncs every connected account that
    often (:func:`liasse.webhooks.fallback.sync_connected`): the polling that
    catches what a lost notification would have said.
    """

    def __init__(self, liasse: Liasse, interval: float = 30.0, *, poll_every: float | None = None) -> None:
        self.liasse = liasse
        self.interval = interval if poll_every is None else min(interval, poll_every)
        self.poll_every = poll_every
        self._last_poll = time.monotonic()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="liasse-webhooks", daemon=True)
        #: Every report of a run that claimed something, for tests and a host's screen.
        self.reports: list[ProcessReport] = []
        #: Fallback syncs run so far.
        self.polls = 0

    def start(self) -> WebhookWorker:
        """Begin processing in the background."""
        self._thread.start()
        return self

    def wake(self) -> None:
        """Process now (the receiver calls it after recording a new event)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current run and stop."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                report = process_pending(self.liasse)
                if self.poll_every is not None and time.monotonic() - self._last_poll >= self.poll_every:
                    self._last_poll = time.monotonic()
                    self.polls += 1
                    sync_connected(self.liasse)
            except Exception:  # noqa: BLE001 - the store may be down for a while: try again later
                log.exception("webhook processing run failed")
                continue
            if report.claimed:
                self.reports.append(report)

    def __enter__(self) -> WebhookWorker:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
