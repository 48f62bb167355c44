"""Following exchanges: status sync, lists, summaries, counters, alerts (DS-19 … DS-23, DS-25, DS-32).

The provider reports changes since a stored cursor, so an unchanged account
costs one request; every state change goes through the state machines and
leaves a history row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from liasse.audit import Action, audited
from liasse.desk.base import to_exchange
from liasse.desk.records import (
    AccountTracking,
    Alert,
    Contact,
    ContactProgress,
    ContactSummary,
    Counter,
    Exchange,
    ExchangeFilter,
    SyncReport,
)
from liasse.desk.sending import SendingMixin
from liasse.errors import NotFound
from liasse.records import RemoteState, RemoteStatus
from liasse.states import ExchangeKind, LabelledState, RequestState, SendState, machine_for
from liasse.store import record_transition
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import ProviderContact, SyncCursor, utcnow

#: What each provider word means for each kind of exchange.
_TARGETS: dict[tuple[ExchangeKind, RemoteState], LabelledState] = {
    (ExchangeKind.REQUEST, RemoteState.REMINDED): RequestState.REMINDED,
    (ExchangeKind.REQUEST, RemoteState.ANSWERED): RequestState.TO_IMPORT,
    (ExchangeKind.REQUEST, RemoteState.CANCELLED): RequestState.CANCELLED,
    (ExchangeKind.REQUEST, RemoteState.EXPIRED): RequestState.EXPIRED,
    (ExchangeKind.SEND, RemoteState.REMINDED): SendState.REMINDED,
    (ExchangeKind.SEND, RemoteState.DOWNLOADED): SendState.DONE,
    (ExchangeKind.SEND, RemoteState.COMPLETED): SendState.DONE,
    (ExchangeKind.SEND, RemoteState.CANCELLED): SendState.CANCELLED,
    (ExchangeKind.SEND, RemoteState.EXPIRED): SendState.EXPIRED,
}
_OPEN = frozenset({RequestState.SENT, RequestState.REMINDED, SendState.SENT, SendState.REMINDED})


class TrackingMixin(SendingMixin):
    """Sync statuses and show where exchanges stand."""

    @audited(Action.SYNC)
    def sync(self, max_pages: int = 1000) -> SyncReport:
        """Bring every exchange of the provider account up to date (DS-20, DS-25).

        Pages are fetched while the provider says there are more; the cursor
        is saved after each page, so an interrupted sync resumes where it stopped.
        """
        changed: list[int] = []
        received: list[int] = []
        pages = 0
        with self.liasse.store.session() as session:
            saved = session.get(SyncCursor, (self.provider, self.provider_account))
            cursor = saved.cursor if saved else None
        while pages < max_pages:
            page = self.liasse.hooks.sync_status(self.ctx, cursor)
            pages += 1
            for status in page.updates:
                moved = self._apply(status)
                if moved is not None:
                    changed.append(moved.id)
                    if moved.state is RequestState.TO_IMPORT:
                        received.append(moved.id)
            cursor = page.cursor
            with self.liasse.store.session() as session:
                row = session.get(SyncCursor, (self.provider, self.provider_account))
                if row is None:
                    session.add(
                        SyncCursor(provider=self.provider, provider_account=self.provider_account, cursor=cursor)
                    )
                else:
                    row.cursor, row.synced_at = cursor, utcnow()
            if not page.has_more:
                break
        return SyncReport(pages=pages, changed=tuple(dict.fromkeys(changed)), received=tuple(dict.fromkeys(received)))

    def refresh(self, remote_ids: Iterable[str], by: str = "webhook") -> SyncReport:
        """Re-read the named items from the provider and apply what changed (a webhook's targeted re-read).

        Each item is read with ``liasse_read_status`` when the provider has
        it; otherwise the whole account is synced from its cursor. What the
        provider answers now is what counts, never what a notification said.
        """
        if self.provider not in self.liasse.hooks.providers_with("liasse_read_status"):
            return self.sync()
        changed: list[int] = []
        received: list[int] = []
        for remote_id in dict.fromkeys(remote_ids):
            try:
                status = self.liasse.hooks.read_status(self.ctx, remote_id)
            except NotFound:
                # Gone at the provider: nothing to apply, and asking again would not bring it back.
                continue
            moved = self._apply(status, by=by)
            if moved is not None:
                changed.append(moved.id)
                if moved.state is RequestState.TO_IMPORT:
                    received.append(moved.id)
        return SyncReport(pages=0, changed=tuple(changed), received=tuple(received))

    def _apply(self, status: RemoteStatus, by: str = "sync") -> Exchange | None:
        """One provider status onto its exchange; None when nothing changed (or the item is not ours)."""
        with self.liasse.store.session() as session:
            row = session.scalars(
                sa.select(ExchangeRow).where(
                    ExchangeRow.provider == self.provider, ExchangeRow.remote_id == status.remote_id
                )
            ).first()
            if row is None:
                return None
            kind = ExchangeKind(row.kind)
            machine = machine_for(kind)
            source = machine.parse(row.state)
            target = _TARGETS.get((kind, status.state))
            if status.file_name:
                row.file_name, row.file_size = status.file_name, status.file_size
            if (
                target is None
                or not machine.is_allowed(source, target)
                or (source is target and target is not RequestState.REMINDED)
            ):
                return None
            if target in (RequestState.REMINDED, SendState.REMINDED) and row.reminded_at == status.reminded_at:
                return None
            at = status.done_at if target in (RequestState.TO_IMPORT, SendState.DONE) else status.reminded_at
            record_transition(session, row, target, by=by, at=at or status.changed_at)
            old, new, exchange_id, account = source.value, target.value, row.id, row.account_number
        self.liasse.hooks.status_changed(self.provider, exchange_id, old, new)
        if target is RequestState.TO_IMPORT:
            self.liasse.hooks.document_received(self.provider, exchange_id, account)
        return self.exchange(exchange_id)

    # --- lists -------------------------------------------------------------------------

    def exchanges(self, filters: ExchangeFilter | None = None) -> list[Exchange]:
        """The exchange list (DS-20, DS-32), newest first, filtered.

        The global view hides done items unless ``include_done``; pass
        ``ExchangeFilter(account_number=…, include_done=True)`` for an account's view (DS-21).
        """
        filters = filters or ExchangeFilter()
        query = (
            sa.select(ExchangeRow)
            .options(selectinload(ExchangeRow.contact))
            .where(
                ExchangeRow.provider == self.provider,
                ExchangeRow.provider_account == self.provider_account,
                ExchangeRow.kind.in_((ExchangeKind.REQUEST.value, ExchangeKind.SEND.value)),
            )
            .order_by(ExchangeRow.created_at.desc(), ExchangeRow.id.desc())
        )
        if filters.account_number is not None:
            query = query.where(ExchangeRow.account_number == filters.account_number)
        if filters.kind is not None:
            query = query.where(ExchangeRow.kind == filters.kind.value)
        if filters.document_type is not None:
            query = query.where(ExchangeRow.document_type == filters.document_type.value)
        if filters.name_contains:
            pattern = f"%{filters.name_contains.strip().lower()}%"
            query = query.join(ProviderContact, ExchangeRow.contact).where(
                sa.or_(
                    sa.func.lower(ProviderContact.last_name).like(pattern),
                    sa.func.lower(ProviderContact.first_name).like(pattern),
                    sa.func.lower(ExchangeRow.label).like(pattern),
                )
            )
        with self.liasse.store.session() as session:
            exchanges = [to_exchange(row) for row in session.scalars(query)]
        if filters.request_states or filters.send_states:
            exchanges = [
                e
                for e in exchanges
                if (e.kind is ExchangeKind.REQUEST and e.state in filters.request_states)
                or (e.kind is ExchangeKind.SEND and e.state in filters.send_states)
            ]
        elif not filters.include_done:
            exchanges = [e for e in exchanges if not e.done]
        if filters.contact_progress:
            progress = {s.contact.id: s.progress for s in self.contact_summaries()}
            exchanges = [
                e
                for e in exchanges
                if e.contact_id is not None and progress.get(e.contact_id) in filters.contact_progress
            ]
        return exchanges

    def account_tracking(self, account_number: str) -> AccountTracking:
        """DS-21: an account's exchanges, all states, with its counts."""
        exchanges = tuple(self.exchanges(ExchangeFilter(account_number=account_number, include_done=True)))
        return AccountTracking(
            account_number=account_number,
            exchanges=exchanges,
            requests=sum(1 for e in exchanges if e.kind is ExchangeKind.REQUEST),
            sends=sum(1 for e in exchanges if e.kind is ExchangeKind.SEND),
            to_import=sum(1 for e in exchanges if e.to_import),
        )

    def contact_summaries(
        self,
        *,
        name_contains: str | None = None,
        account_number: str | None = None,
        progress: Iterable[ContactProgress] = (),
    ) -> list[ContactSummary]:
        """DS-19: each contact of the provider account with where its exchanges stand."""
        wanted = frozenset(progress)
        contacts = self.contacts(account_number=account_number, name_contains=name_contains)
        all_exchanges = self.exchanges(ExchangeFilter(include_done=True, account_number=account_number))
        by_contact: dict[int, list[Exchange]] = {}
        for exchange in all_exchanges:
            if exchange.contact_id is not None:
                by_contact.setdefault(exchange.contact_id, []).append(exchange)
        summaries = [_summary(contact, by_contact.get(contact.id, [])) for contact in contacts]
        return [s for s in summaries if not wanted or s.progress in wanted]

    # --- counters and alerts -----------------------------------------------------------

    def counter(self, account_number: str | None = None) -> Counter:
        """DS-22: received documents left to import, for an account or the whole provider account."""
        query = sa.select(sa.func.count()).where(
            ExchangeRow.provider == self.provider,
            ExchangeRow.provider_account == self.provider_account,
            ExchangeRow.state == RequestState.TO_IMPORT.value,
            ExchangeRow.kind == ExchangeKind.REQUEST.value,
        )
        if account_number is not None:
            query = query.where(ExchangeRow.account_number == account_number)
        with self.liasse.store.session() as session:
            return Counter(int(session.scalar(query) or 0))

    def alerts(self, account_number: str) -> list[Alert]:
        """DS-23: what to tell the user when the account is opened."""
        account = self.host.accounts.account(account_number)
        exchanges = self.exchanges(ExchangeFilter(account_number=account_number, include_done=True))
        title = self.info.title
        alerts: list[Alert] = []
        unanswered = sum(1 for e in exchanges if e.kind is ExchangeKind.REQUEST and e.state in _OPEN)
        if unanswered:
            alerts.append(
                Alert(
                    f"Échange {title} pour le compte {account.number}-{account.title}. "
                    f"{unanswered} demande(s) ou relance(s) reste(nt) sans réponse.",
                    f"{title} exchange for account {account.number}-{account.title}. "
                    f"{unanswered} request(s) or reminder(s) still unanswered.",
                )
            )
        to_import = sum(1 for e in exchanges if e.to_import)
        if to_import and self.host.office.office().constants.alert_on_documents_to_import:
            alerts.append(
                Alert(
                    f"Échange {title} pour le compte {account.number}-{account.title}. "
                    f"Il reste {to_import} document(s) reçu(s) via {title} à récupérer en comptabilité.",
                    f"{title} exchange for account {account.number}-{account.title}. "
                    f"{to_import} document(s) received through {title} still to import.",
                )
            )
        return alerts


def _summary(contact: Contact, exchanges: Sequence[Exchange]) -> ContactSummary:
    """DS-19's five words for a contact's exchanges."""
    open_count = sum(1 for e in exchanges if e.state in _OPEN)
    to_import = sum(1 for e in exchanges if e.to_import)
    done = sum(1 for e in exchanges if e.done)
    if not exchanges:
        progress = ContactProgress.NONE
    elif to_import:
        progress = ContactProgress.TO_IMPORT
    elif open_count and done:
        progress = ContactProgress.PARTLY_DONE
    elif open_count:
        progress = ContactProgress.AWAITING
    else:
        progress = ContactProgress.DONE
    return ContactSummary(
        contact=contact, progress=progress, open_count=open_count, to_import_count=to_import, done_count=done
    )
