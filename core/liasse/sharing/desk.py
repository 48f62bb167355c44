"""The shared-zone desk: what a host's "JurisZone" menus call (JZ-01 … JZ-08).

::

    zone = ShareDesk(liasse, "juriszone", "FICH")
    file = zone.export_matter("2950", "2950-01")                       # JZ-02
    docs = zone.upload(file.id, attachments=(12,), files=(path,))      # JZ-03
    share = zone.share(file.id, ShareForm("Pièces de la vente", date, (RecipientChoice("3120", True),), ids))  # JZ-04
    zone.sync()                                                        # JZ-05 … JZ-08 (webhooks trigger it too)
    zone.import_returned(doc_id)                                       # JZ-06: an attachment of the matter

Every call is audited and re-checks the user's link; uploads and shares go
through the outbox (:mod:`liasse.sharing.delivery`); returned documents
through the intake pipeline, onto the matter.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
import sqlalchemy as sa
from liasse_hostapi.records import OwnerKind, OwnerRef

from liasse.audit import Action, audited
from liasse.capabilities import Capability
from liasse.errors import ActionNotPossible, CapabilityMissing, FieldMissing, LiasseError, NotFound, ProviderUnavailable
from liasse.files import check_outgoing
from liasse.intake.pipeline import Intake, run_intake
from liasse.records import (
    DocumentBatch,
    OutgoingDocument,
    PartyKind,
    ProviderLimits,
    RemoteExchange,
    RemoteState,
    ShareDraft,
    SharedFileDraft,
    SharedParty,
    ShareEvent,
    ShareEventKind,
    ShareRecipient,
)
from liasse.sharing import delivery
from liasse.sharing.errors import ExpiryInPast, FileNotExported, NotAParty, PartiesWithoutEmail, ShareKeysMissing
from liasse.sharing.records import (
    FileParty,
    ImportedDocument,
    SharedDocumentView,
    SharedFile,
    ShareDialog,
    ShareForm,
    ShareNotice,
    ShareRecipientView,
    ShareSyncReport,
    ShareView,
)
from liasse.states import ExchangeKind, ShareState
from liasse.store import record_transition
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import OutboxEntry
from liasse.store.models import Share as ShareRow
from liasse.store.models import SharedDocument as SharedDocumentRow
from liasse.store.models import SharedFile as SharedFileRow
from liasse.store.models import ShareNotification, ShareRecipientRow, SyncCursor, utcnow

if TYPE_CHECKING:
    from liasse_hostapi.protocols import Host
    from sqlalchemy.orm import Session

    from liasse.app import Liasse
    from liasse.records import ProviderContext, ProviderInfo

#: The provider account of a shared zone: the keys are the office's, not a user's (JZ-01).
OFFICE_ACCOUNT = "office"
#: Event kinds that move a share, and where to.
_MOVES = {
    ShareEventKind.COMPLETED: ShareState.COMPLETED,
    ShareEventKind.EXPIRED: ShareState.EXPIRED,
    ShareEventKind.CLOSED: ShareState.CLOSED,
}
_REMOTE_MOVES = {
    RemoteState.COMPLETED: ShareState.COMPLETED,
    RemoteState.EXPIRED: ShareState.EXPIRED,
    RemoteState.CANCELLED: ShareState.CLOSED,
}


class ShareDesk:
    """One user's shared zone on one provider (JurisZone is the built-in one)."""

    def __init__(self, liasse: Liasse, provider: str, user_login: str) -> None:
        self.liasse = liasse
        self.provider = provider
        self.user_login = user_login
        #: The audit log's "account owner": the keys are the office's, so the acting user.
        self.account_owner = user_login
        self.info: ProviderInfo = liasse.provider(provider)
        if Capability.SHARE not in self.info.capabilities:
            raise CapabilityMissing(
                title=self.info.title,
                step_fr="zone de partage",
                step_en="shared zone",
                candidates=", ".join(p.title for p in liasse.providers.values() if Capability.SHARE in p.capabilities)
                or "aucun / none",
            )
        liasse.authorize(provider, user_login)

    def __repr__(self) -> str:
        return f"ShareDesk({self.provider!r}, user={self.user_login!r})"

    @property
    def host(self) -> Host:
        """The host's records."""
        return self.liasse.host

    @functools.cached_property
    def ctx(self) -> ProviderContext[Any]:
        """The provider context (the office's keys)."""
        return self.liasse.context(self.provider, self.user_login)

    @functools.cached_property
    def limits(self) -> ProviderLimits:
        """What the provider accepts (size, types), checked before any upload."""
        return self.liasse.hooks.provider_limits(self.ctx)

    def today(self) -> dt.date:
        """Today in the office's time zone: expiry dates are the office's days."""
        return dt.datetime.now(ZoneInfo(self.ctx.timezone)).date()

    def work_dir(self, *parts: str) -> Path:
        """A directory of liasse's own files for this provider (spooled uploads, downloads)."""
        path = self.liasse.files_dir.joinpath(self.provider, *parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    # --- JZ-01, JZ-02: export a matter with its parties -----------------------------------

    def check_keys(self) -> None:
        """JZ-01: refuse before any call when a key of the provider's settings is empty (JurisZone: entity and API keys).

        The keys are the settings' secret fields, so a third-party share
        provider is checked on its own keys, not JurisZone's names.
        """
        settings = self.ctx.settings
        keys = [f.name for f in attrs.fields(type(settings)) if f.metadata.get("secret")]
        missing = [name for name in keys if not getattr(settings, name, None)]
        if missing:
            raise ShareKeysMissing(title=self.info.title, provider=self.provider, missing=", ".join(missing))

    @audited(Action.SHARE_EXPORT)
    def export_matter(self, account_number: str, matter_code: str) -> SharedFile:
        """JZ-02 "Exporter vers JurisZone": the matter as a file with its parties, all or nothing.

        Every party without an e-mail is named in one :class:`PartiesWithoutEmail`
        and nothing is sent; exporting again updates the file and its parties.
        """
        self.check_keys()
        matter = next((m for m in self.host.accounts.matters(account_number) if m.code == matter_code), None)
        if matter is None:
            raise NotFound(what_fr=f"Affaire du compte {account_number}", what_en=f"Matter of account {account_number}", key=matter_code)
        parties: list[FileParty] = []
        without: list[str] = []
        for party in self.host.accounts.matter_parties(account_number, matter_code):
            account = self.host.accounts.account(party.account_number)
            name = account.title
            if not (account.email or "").strip():
                without.append(f"{name} ({party.role}, compte {account.number})")
                continue
            kind = PartyKind.COMPANY if account.legal_entity else PartyKind.PERSON
            parties.append(FileParty(account.number, kind, name, str(account.email).strip(), party.role))
        if without:
            many = len(without) > 1
            raise PartiesWithoutEmail(
                matter=matter.title,
                title=self.info.title,
                count_fr=f"{len(without)} intervenants sont" if many else "un intervenant est",
                count_en=f"{len(without)} parties are" if many else "one party is",
                names=", ".join(without),
            )
        draft = SharedFileDraft(
            number=matter.code,
            description=matter.title,
            parties=tuple(SharedParty(p.ref, p.kind, p.name, p.email) for p in parties),
        )
        remote = self.liasse.hooks.export_file(self.ctx, draft, f"export:{matter.code}:{uuid.uuid4()}")
        stored = json.dumps([{**_party_json(p)} for p in parties], ensure_ascii=False)
        with self.liasse.store.session() as session:
            row = session.scalars(
                sa.select(SharedFileRow).where(
                    SharedFileRow.provider == self.provider,
                    SharedFileRow.provider_account == OFFICE_ACCOUNT,
                    SharedFileRow.number == remote.number,
                )
            ).first()
            if row is None:
                row = SharedFileRow(provider=self.provider, provider_account=OFFICE_ACCOUNT, number=remote.number)
                session.add(row)
            row.account_number, row.matter_code, row.description = account_number, matter.code, matter.title
            row.parties, row.exported_by, row.exported_at = stored, self.user_login, utcnow()
            session.flush()
            return _shared_file(row)

    def shared_file(self, shared_file_id: int) -> SharedFile:
        """One exported file."""
        with self.liasse.store.session() as session:
            return _shared_file(self._file_row(session, shared_file_id))

    def shared_file_of(self, account_number: str, matter_code: str) -> SharedFile:
        """The file a matter was exported as; :class:`FileNotExported` when it never was."""
        with self.liasse.store.session() as session:
            row = session.scalars(
                sa.select(SharedFileRow).where(
                    SharedFileRow.provider == self.provider,
                    SharedFileRow.account_number == account_number,
                    SharedFileRow.matter_code == matter_code,
                )
            ).first()
            if row is None:
                raise FileNotExported(matter=matter_code, title=self.info.title)
            return _shared_file(row)

    # --- JZ-03: upload documents --------------------------------------------------------

    @audited(Action.SHARE_UPLOAD)
    def upload(
        self,
        shared_file_id: int,
        *,
        attachments: Sequence[int] = (),
        files: Sequence[Path | str] = (),
        deliver: bool = True,
    ) -> tuple[SharedDocumentView, ...]:
        """JZ-03: upload host attachments and files to an exported file, in one call to the provider.

        Each file is checked against the provider's limits first (size, real
        type against its name): one refused file refuses the upload, and
        nothing is committed. The documents and their outbox row (its key)
        are committed before the call; a provider that is down leaves them
        waiting ("À envoyer") with the reason, and :meth:`retry_pending`
        sends them under the same key.
        """
        shared = self.shared_file(shared_file_id)
        if not attachments and not files:
            raise FieldMissing(what_fr="Ajout de documents", what_en="Document upload", field_fr="documents", field_en="documents")
        outgoing: list[tuple[OutgoingDocument, int | None]] = []
        spooled: list[Path] = []
        try:
            for attachment_id in attachments:
                attachment = self.host.attachments.get(attachment_id)
                spool = self.work_dir("outgoing", uuid.uuid4().hex) / "document"
                with self.host.attachments.open(attachment_id) as source, spool.open("wb") as out:
                    shutil.copyfileobj(source, out, 1024 * 1024)
                spooled.append(spool)
                outgoing.append((check_outgoing(spool, self.limits, self.info.title, attachment.file_name), attachment_id))
            for path in files:
                outgoing.append((check_outgoing(Path(path), self.limits, self.info.title), None))
        except BaseException:
            for spool in spooled:
                shutil.rmtree(spool.parent, ignore_errors=True)
            raise
        with self.liasse.store.session() as session:
            entry = OutboxEntry(provider=self.provider, operation=delivery.UPLOAD, payload=json.dumps({"shared_file_id": shared.id}))
            session.add(entry)
            session.flush()
            rows = [
                SharedDocumentRow(
                    shared_file_id=shared.id,
                    direction="sent",
                    file_name=document.file_name,
                    media_type=document.media_type,
                    size=document.size,
                    sha256=document.sha256,
                    source_path=str(document.path),
                    source_attachment_id=attachment_id,
                    outbox_id=entry.id,
                )
                for document, attachment_id in outgoing
            ]
            session.add_all(rows)
            session.flush()
            ids, entry_id = [row.id for row in rows], entry.id
        if deliver:
            self._deliver_upload(entry_id)
        return tuple(self.document(i) for i in ids)

    def _deliver_upload(self, entry_id: int) -> DocumentBatch:
        with self.liasse.store.session() as session:
            rows = session.scalars(
                sa.select(SharedDocumentRow).where(SharedDocumentRow.outbox_id == entry_id).order_by(SharedDocumentRow.id)
            ).all()
            number = self._file_row(session, rows[0].shared_file_id).number
            documents = [
                OutgoingDocument(Path(str(r.source_path)), r.file_name, r.media_type, r.size, r.sha256) for r in rows
            ]
            ids = [r.id for r in rows]
            spools = [Path(str(r.source_path)).parent for r in rows if r.source_attachment_id is not None]
        gone = [d.file_name for d in documents if not d.path.is_file()]
        if gone:
            raise ActionNotPossible(
                problem_fr=f"Les fichiers {', '.join(gone)} ont été déplacés ou supprimés depuis leur ajout : ajoutez-les de nouveau.",
                problem_en=f"The files {', '.join(gone)} were moved or deleted since they were added: add them again.",
            )

        def found(remote: RemoteExchange) -> DocumentBatch:
            wanted = remote.remote_id.split(",")
            listed = {d.remote_id: d for d in self.liasse.hooks.list_shared_documents(self.ctx, number).documents}
            return DocumentBatch(tuple(listed[w] for w in wanted if w in listed))

        def record(session: Session, batch: DocumentBatch) -> None:
            if len(batch.documents) != len(ids):
                raise ActionNotPossible(
                    problem_fr=f"{self.info.title} a gardé {len(batch.documents)} documents sur {len(ids)} envoyés : réessayez l'envoi.",
                    problem_en=f"{self.info.title} kept {len(batch.documents)} of the {len(ids)} documents sent: retry the upload.",
                )
            for local_id, remote in zip(ids, batch.documents, strict=True):
                row = session.get(SharedDocumentRow, local_id)
                assert row is not None
                row.remote_id, row.uploaded_at = remote.remote_id, remote.uploaded_at

        batch = delivery.deliver(
            self.liasse,
            self.ctx,
            entry_id,
            lambda key: self.liasse.hooks.upload_documents(self.ctx, number, documents, key),
            found,
            record,
            lambda session, error: None,
        )
        # At the provider now: the spooled copies of host attachments are no longer needed.
        for spool in spools:
            shutil.rmtree(spool, ignore_errors=True)
        return batch

    def documents(self, shared_file_id: int) -> tuple[SharedDocumentView, ...]:
        """The file's documents: uploaded, waiting, and returned by recipients."""
        with self.liasse.store.session() as session:
            self._file_row(session, shared_file_id)
            rows = session.scalars(
                sa.select(SharedDocumentRow).where(SharedDocumentRow.shared_file_id == shared_file_id).order_by(SharedDocumentRow.id)
            ).all()
            return tuple(_document(session, row) for row in rows)

    def document(self, document_id: int) -> SharedDocumentView:
        """One document of an exported file."""
        with self.liasse.store.session() as session:
            return _document(session, self._document_row(session, document_id))

    # --- JZ-04: share -----------------------------------------------------------------------

    def share_dialog(self, shared_file_id: int) -> ShareDialog:
        """JZ-04: what the share dialog offers: the file's parties, its uploaded documents, tomorrow as earliest expiry."""
        documents = tuple(d for d in self.documents(shared_file_id) if d.remote_id is not None)
        return ShareDialog(self.shared_file(shared_file_id), documents, self.today() + dt.timedelta(days=1))

    @audited(Action.SHARE_CREATE)
    def share(self, shared_file_id: int, form: ShareForm, *, deliver: bool = True) -> ShareView:
        """JZ-04 "Partager les documents sélectionnés": checked, committed with its key, then opened at the provider.

        Refused before anything is stored: an empty title, an expiry today
        or earlier, no recipient or one who is not a party of the file, no
        document or one not uploaded to this file.
        """
        shared = self.shared_file(shared_file_id)
        title = form.title.strip()
        if not title:
            raise FieldMissing(what_fr="Partage", what_en="Share", field_fr="titre", field_en="title")
        today = self.today()
        if form.expires_on <= today:
            raise ExpiryInPast(expires_on=f"{form.expires_on:%d/%m/%Y}", today=f"{today:%d/%m/%Y}")
        if not form.recipients:
            raise FieldMissing(what_fr="Partage", what_en="Share", field_fr="destinataires", field_en="recipients")
        parties = {p.ref: p for p in shared.parties}
        for choice in form.recipients:
            if choice.party_ref not in parties:
                raise NotAParty(
                    recipient=choice.party_ref,
                    number=shared.number,
                    parties=", ".join(f"{p.name} ({p.ref})" for p in shared.parties) or "aucun",
                )
        if not form.document_ids:
            raise FieldMissing(what_fr="Partage", what_en="Share", field_fr="documents", field_en="documents")
        documents = [self.document(i) for i in form.document_ids]
        for document in documents:
            if document.shared_file_id != shared.id or document.remote_id is None:
                raise ActionNotPossible(
                    problem_fr=f"Le document « {document.file_name} » n'est pas encore dans le dossier {shared.number} chez {self.info.title} : ajoutez-le (ou réessayez son envoi), puis partagez.",
                    problem_en=f"The document '{document.file_name}' is not in file {shared.number} at {self.info.title} yet: upload it (or retry its upload), then share.",
                )
        with self.liasse.store.session() as session:
            exchange = ExchangeRow(
                provider=self.provider,
                provider_account=OFFICE_ACCOUNT,
                kind=ExchangeKind.SHARE.value,
                label=title,
                account_number=shared.account_number,
                state=ShareState.PENDING.value,
                created_by=self.user_login,
            )
            session.add(exchange)
            session.flush()
            session.add(
                ShareRow(
                    exchange_id=exchange.id,
                    shared_file_id=shared.id,
                    expires_on=form.expires_on,
                    comment=form.comment,
                    notify_on_completion=form.notify_on_completion,
                    document_ids=json.dumps(list(form.document_ids)),
                )
            )
            for choice in form.recipients:
                party = parties[choice.party_ref]
                session.add(
                    ShareRecipientRow(
                        exchange_id=exchange.id,
                        party_ref=party.ref,
                        name=party.name,
                        email=party.email,
                        may_modify=choice.may_modify,
                        notify=choice.notify,
                    )
                )
            session.add(OutboxEntry(provider=self.provider, operation=delivery.SHARE, exchange_id=exchange.id))
            exchange_id = exchange.id
        if deliver:
            self._deliver_share(exchange_id)
        return self.share_view(exchange_id)

    def _deliver_share(self, exchange_id: int) -> RemoteExchange:
        view = self.share_view(exchange_id)
        shared = self.shared_file(view.shared_file_id)
        remote_ids = {d.id: d.remote_id for d in self.documents(shared.id)}
        draft = ShareDraft(
            file_number=shared.number,
            title=view.title,
            expires_on=view.expires_on,
            recipients=tuple(
                ShareRecipient(r.party_ref, r.name, r.email, may_modify=r.may_modify, notify=r.notify) for r in view.recipients
            ),
            document_ids=tuple(str(remote_ids[i]) for i in view.document_ids),
            comment=view.comment,
            notify_on_completion=view.notify_on_completion,
        )
        with self.liasse.store.session() as session:
            entry_id = _outbox_of(session, exchange_id)

        def record(session: Session, remote: RemoteExchange) -> None:
            row = self._exchange_row(session, exchange_id)
            row.remote_id = remote.remote_id
            record_transition(session, row, ShareState.ACTIVE, by=self.user_login)
            row.sent_at, row.last_error = remote.created_at, None

        def failed(session: Session, error: LiasseError) -> None:
            row = self._exchange_row(session, exchange_id)
            if isinstance(error, ProviderUnavailable):
                row.last_error = error.message()
            else:
                record_transition(session, row, ShareState.FAILED, by=self.user_login, error=error.message())

        return delivery.deliver(
            self.liasse,
            self.ctx,
            entry_id,
            lambda key: self.liasse.hooks.share_documents(self.ctx, draft, key),
            lambda remote: remote,
            record,
            failed,
        )

    def retry_pending(self) -> int:
        """Send every upload and share of this provider that is due ("Réessayer" / the relay's pass); how many went."""
        sent = 0
        with self.liasse.store.session() as session:
            for entry in session.scalars(
                sa.select(OutboxEntry).where(
                    OutboxEntry.provider == self.provider,
                    OutboxEntry.operation.in_((delivery.UPLOAD, delivery.SHARE)),
                    OutboxEntry.status == "failed",
                )
            ):
                # A failed share goes back to "to send" with its row, keeping its first key.
                if entry.exchange_id is not None:
                    exchange = session.get(ExchangeRow, entry.exchange_id)
                    if exchange is not None and exchange.state == ShareState.FAILED.value:
                        record_transition(session, exchange, ShareState.PENDING, by=self.user_login)
                delivery.reopen(session, entry.id)
        for entry_id, operation in delivery.due_rows(self.liasse, self.provider):
            try:
                if operation == delivery.UPLOAD:
                    self._deliver_upload(entry_id)
                else:
                    with self.liasse.store.session() as session:
                        entry = session.get(OutboxEntry, entry_id)
                        exchange_id = entry.exchange_id if entry else None
                    if exchange_id is None:
                        continue
                    self._deliver_share(exchange_id)
            except LiasseError:
                continue
            sent += 1
        return sent

    # --- JZ-05 … JZ-08: following ------------------------------------------------------------

    @audited(Action.SHARE_SYNC)
    def sync(self) -> ShareSyncReport:
        """Read the provider's event feed from the stored cursor; apply each event once; enforce expiry (JZ-08).

        Webhooks (:mod:`liasse.webhooks`) only make this run sooner; the feed
        is the truth and the polling fallback. A share past its expiry date is
        re-read even when no event said so.
        """
        changed: list[int] = []
        returned: list[int] = []
        notices = 0
        with self.liasse.store.session() as session:
            stored = session.get(SyncCursor, (self.provider, OFFICE_ACCOUNT))
            cursor = stored.cursor if stored else None
        while True:
            page = self.liasse.hooks.share_events(self.ctx, cursor)
            for event in page.events:
                moved, new_docs, recorded = self._apply(event)
                changed.extend(moved)
                returned.extend(new_docs)
                notices += recorded
            cursor = page.cursor
            with self.liasse.store.session() as session:
                row = session.get(SyncCursor, (self.provider, OFFICE_ACCOUNT))
                if row is None:
                    session.add(SyncCursor(provider=self.provider, provider_account=OFFICE_ACCOUNT, cursor=cursor))
                else:
                    row.cursor, row.synced_at = cursor, utcnow()
            if not page.has_more:
                break
        changed.extend(self._enforce_expiry())
        return ShareSyncReport(tuple(dict.fromkeys(changed)), tuple(returned), notices)

    def refresh(self, remote_ids: Iterable[str]) -> ShareSyncReport:
        """What a webhook's notice triggers: the feed is read (it says what happened, the notice only that something did)."""
        del remote_ids
        return self.sync()

    def _apply(self, event: ShareEvent) -> tuple[list[int], list[int], int]:
        """Record one event (once) and apply it: recipients' progress, returned documents, the share's state."""
        with self.liasse.store.session() as session:
            if session.scalars(
                sa.select(ShareNotification.id).where(
                    ShareNotification.provider == self.provider, ShareNotification.event_id == event.event_id
                )
            ).first() is not None:
                return [], [], 0
            exchange = session.scalars(
                sa.select(ExchangeRow).where(ExchangeRow.provider == self.provider, ExchangeRow.remote_id == event.share_id)
            ).first()
            session.add(
                ShareNotification(
                    provider=self.provider,
                    event_id=event.event_id,
                    exchange_id=exchange.id if exchange else None,
                    kind=event.kind.value,
                    party_ref=event.party_ref,
                    document_remote_id=event.document_id,
                    at=event.at,
                )
            )
            if exchange is None:
                # A share made on JurisZone's own site: recorded, nothing of liasse's to move.
                return [], [], 1
            recipient = None
            if event.party_ref:
                recipient = session.scalars(
                    sa.select(ShareRecipientRow).where(
                        ShareRecipientRow.exchange_id == exchange.id, ShareRecipientRow.party_ref == event.party_ref
                    )
                ).first()
            if recipient is not None:
                if event.kind is ShareEventKind.ACTIVATED:
                    recipient.activated_at = recipient.activated_at or event.at
                elif event.kind is ShareEventKind.DOWNLOADED:
                    recipient.downloaded_at = recipient.downloaded_at or event.at
            moved: list[int] = []
            target = _MOVES.get(event.kind)
            if target is not None and _can_move(exchange, target):
                record_transition(session, exchange, target, by="sync", at=event.at)
                if target is ShareState.COMPLETED:
                    exchange.done_at = event.at
                    for row in session.scalars(sa.select(ShareRecipientRow).where(ShareRecipientRow.exchange_id == exchange.id)):
                        row.completed_at = row.completed_at or event.at
                moved.append(exchange.id)
            new_docs: list[int] = []
            if event.kind in (ShareEventKind.ADDED, ShareEventKind.MODIFIED) and event.document_id:
                new_docs = self._record_returned(session, exchange, event)
            return moved, new_docs, 1

    def _record_returned(self, session: Session, exchange: ExchangeRow, event: ShareEvent) -> list[int]:
        """Store the documents a recipient returned or added (JZ-06), ready to import."""
        share = session.get(ShareRow, exchange.id)
        assert share is not None
        file_row = self._file_row(session, share.shared_file_id)
        known = set(
            session.scalars(sa.select(SharedDocumentRow.remote_id).where(SharedDocumentRow.shared_file_id == file_row.id))
        )
        added: list[int] = []
        for remote in self.liasse.hooks.list_shared_documents(self.ctx, file_row.number).documents:
            if remote.added_by is None or remote.remote_id in known or remote.share_id != exchange.remote_id:
                continue
            row = SharedDocumentRow(
                shared_file_id=file_row.id,
                direction="returned",
                remote_id=remote.remote_id,
                file_name=remote.file_name,
                media_type=remote.media_type,
                size=remote.size,
                sha256=remote.sha256,
                added_by=remote.added_by,
                replaces_remote_id=remote.replaces,
                share_exchange_id=exchange.id,
                uploaded_at=remote.uploaded_at,
            )
            session.add(row)
            session.flush()
            added.append(row.id)
        return added

    def _enforce_expiry(self) -> list[int]:
        """JZ-08: a share past its date is re-read; expired at the provider, it is expired here."""
        today = self.today()
        with self.liasse.store.session() as session:
            overdue = session.execute(
                sa.select(ExchangeRow.id, ExchangeRow.remote_id)
                .join(ShareRow, ShareRow.exchange_id == ExchangeRow.id)
                .where(
                    ExchangeRow.provider == self.provider,
                    ExchangeRow.state.in_((ShareState.ACTIVE.value, ShareState.COMPLETED.value)),
                    ShareRow.expires_on < today,
                )
            ).all()
        moved: list[int] = []
        for exchange_id, remote_id in overdue:
            status = self.liasse.hooks.read_status(self.ctx, str(remote_id))
            target = _REMOTE_MOVES.get(status.state)
            with self.liasse.store.session() as session:
                row = self._exchange_row(session, exchange_id)
                if target is not None and _can_move(row, target):
                    record_transition(session, row, target, by="sync", at=status.changed_at)
                    moved.append(exchange_id)
        return moved

    # --- JZ-06: import a returned document ----------------------------------------------------

    @audited(Action.SHARE_IMPORT)
    def import_returned(self, document_id: int) -> ImportedDocument:
        """JZ-06: a document a recipient returned or added, into the host as an attachment of the matter.

        Downloaded streamed and hashed, then through the intake pipeline
        (real type, screening, proof of receipt): the attachment's origin
        names the provider, its SHA-256 is the file as received.
        """
        document = self.document(document_id)
        if document.direction != "returned" or document.remote_id is None:
            raise ActionNotPossible(
                problem_fr=f"« {document.file_name} » a été envoyé par l'étude : il n'y a rien à importer.",
                problem_en=f"'{document.file_name}' was sent by the office: there is nothing to import.",
            )
        if document.attachment_id is not None:
            raise ActionNotPossible(
                problem_fr=f"« {document.file_name} » est déjà importé (pièce jointe n° {document.attachment_id}).",
                problem_en=f"'{document.file_name}' is already imported (attachment #{document.attachment_id}).",
            )
        shared = self.shared_file(document.shared_file_id)
        party = next((p for p in shared.parties if p.ref == document.added_by), None)
        by = party.name if party else str(document.added_by)
        downloads = self.work_dir("downloads", str(document_id))
        received = self.liasse.hooks.fetch_document(self.ctx, document.remote_id, downloads)
        verb_fr = "modifié" if document.replaces_remote_id else "ajouté"
        result = run_intake(
            self.host,
            self.liasse.hooks,
            Intake(
                received=received,
                account_number=shared.account_number,
                title=f"{received.file_name} ({verb_fr} par {by} - {shared.description})",
                provider_title=self.info.title,
                stamp_text=None,
                quarantine=self.liasse.files_dir / self.provider / "quarantine" / str(document_id),
                tsa_url=self.liasse.settings.intake.tsa_url,
                owner=OwnerRef(OwnerKind.MATTER, shared.matter_code),
            ),
        )
        with self.liasse.store.session() as session:
            row = self._document_row(session, document_id)
            row.attachment_id, row.imported_at = result.original.id, utcnow()
        shutil.rmtree(downloads, ignore_errors=True)
        return ImportedDocument(
            document=self.document(document_id),
            attachment_id=result.original.id,
            sha256=received.sha256,
            origin=result.original.origin,
            proof_id=result.proof.id if result.proof else None,
            proof_note=result.proof_note,
            active_content_note=result.active_content_note,
        )

    # --- reading -------------------------------------------------------------------------------

    def share_view(self, exchange_id: int) -> ShareView:
        """One share, its recipients and the notifications recorded."""
        with self.liasse.store.session() as session:
            return _share_view(session, self._exchange_row(session, exchange_id))

    def shares(self, *, account_number: str | None = None, matter_code: str | None = None) -> tuple[ShareView, ...]:
        """The provider's shares, newest first, for an account or a matter."""
        with self.liasse.store.session() as session:
            query = (
                sa.select(ExchangeRow)
                .join(ShareRow, ShareRow.exchange_id == ExchangeRow.id)
                .join(SharedFileRow, SharedFileRow.id == ShareRow.shared_file_id)
                .where(ExchangeRow.provider == self.provider, ExchangeRow.kind == ExchangeKind.SHARE.value)
                .order_by(ExchangeRow.id.desc())
            )
            if account_number is not None:
                query = query.where(ExchangeRow.account_number == account_number)
            if matter_code is not None:
                query = query.where(SharedFileRow.matter_code == matter_code)
            return tuple(_share_view(session, row) for row in session.scalars(query))

    # --- rows ------------------------------------------------------------------------------------

    def _file_row(self, session: Session, shared_file_id: int) -> SharedFileRow:
        row = session.get(SharedFileRow, shared_file_id)
        if row is None or row.provider != self.provider:
            raise NotFound(what_fr="Dossier exporté", what_en="Exported file", key=shared_file_id)
        return row

    def _document_row(self, session: Session, document_id: int) -> SharedDocumentRow:
        row = session.get(SharedDocumentRow, document_id)
        if row is None:
            raise NotFound(what_fr="Document du dossier", what_en="File document", key=document_id)
        self._file_row(session, row.shared_file_id)
        return row

    def _exchange_row(self, session: Session, exchange_id: int) -> ExchangeRow:
        row = session.get(ExchangeRow, exchange_id)
        if row is None or row.provider != self.provider or row.kind != ExchangeKind.SHARE.value:
            raise NotFound(what_fr="Partage", what_en="Share", key=exchange_id)
        return row


def _can_move(row: ExchangeRow, target: ShareState) -> bool:
    from liasse.states import SHARE_MACHINE

    return SHARE_MACHINE.is_allowed(ShareState(row.state), target)


def _party_json(party: FileParty) -> dict[str, str]:
    return {"ref": party.ref, "kind": party.kind.value, "name": party.name, "email": party.email, "role": party.role}


def _shared_file(row: SharedFileRow) -> SharedFile:
    parties = tuple(
        FileParty(p["ref"], PartyKind(p["kind"]), p["name"], p["email"], p.get("role", "")) for p in json.loads(row.parties)
    )
    return SharedFile(
        id=row.id,
        provider=row.provider,
        account_number=row.account_number,
        matter_code=row.matter_code,
        number=row.number,
        description=row.description,
        parties=parties,
        exported_at=row.exported_at,
        exported_by=row.exported_by,
    )


def _document(session: Session, row: SharedDocumentRow) -> SharedDocumentView:
    last_error = None
    if row.outbox_id is not None and row.remote_id is None:
        entry = session.get(OutboxEntry, row.outbox_id)
        last_error = entry.last_error if entry else None
    return SharedDocumentView(
        id=row.id,
        shared_file_id=row.shared_file_id,
        direction=row.direction,
        file_name=row.file_name,
        size=row.size,
        sha256=row.sha256,
        media_type=row.media_type,
        remote_id=row.remote_id,
        uploaded_at=row.uploaded_at,
        source_attachment_id=row.source_attachment_id,
        added_by=row.added_by,
        replaces_remote_id=row.replaces_remote_id,
        share_id=row.share_exchange_id,
        attachment_id=row.attachment_id,
        imported_at=row.imported_at,
        last_error=last_error,
    )


def _outbox_of(session: Session, exchange_id: int) -> int:
    entry_id = session.scalars(
        sa.select(OutboxEntry.id).where(OutboxEntry.exchange_id == exchange_id, OutboxEntry.operation == delivery.SHARE)
    ).first()
    if entry_id is None:
        raise NotFound(what_fr="Envoi en attente du partage", what_en="Pending send of share", key=exchange_id)
    return int(entry_id)


def _share_view(session: Session, row: ExchangeRow) -> ShareView:
    share = session.get(ShareRow, row.id)
    assert share is not None
    file_row = session.get(SharedFileRow, share.shared_file_id)
    assert file_row is not None
    recipients = session.scalars(
        sa.select(ShareRecipientRow).where(ShareRecipientRow.exchange_id == row.id).order_by(ShareRecipientRow.id)
    ).all()
    notices = session.scalars(
        sa.select(ShareNotification).where(ShareNotification.exchange_id == row.id).order_by(ShareNotification.at, ShareNotification.id)
    ).all()
    return ShareView(
        id=row.id,
        provider=row.provider,
        shared_file_id=share.shared_file_id,
        account_number=file_row.account_number,
        matter_code=file_row.matter_code,
        title=row.label,
        expires_on=share.expires_on,
        state=ShareState(row.state),
        remote_id=row.remote_id,
        recipients=tuple(
            ShareRecipientView(
                r.party_ref, r.name, r.email, r.may_modify, r.notify, r.activated_at, r.downloaded_at, r.completed_at
            )
            for r in recipients
        ),
        document_ids=tuple(json.loads(share.document_ids)),
        comment=share.comment,
        notify_on_completion=share.notify_on_completion,
        created_at=row.created_at,
        created_by=row.created_by,
        sent_at=row.sent_at,
        done_at=row.done_at,
        last_error=row.last_error,
        notices=tuple(ShareNotice(n.kind, n.at, n.party_ref, n.document_remote_id) for n in notices),
    )
