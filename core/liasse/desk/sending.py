"""Requests, sends and reminders (DS-12 … DS-18, DS-24, DS-25).

Every call to the provider is preceded by an exchange row and an outbox row
holding its idempotency key, committed first; the call itself goes through
the outbox relay (:mod:`liasse.outbox`), the same code that drains the
outbox in the background. If the provider is down, the exchange stays "to
send" with the reason, its files are kept, the relay tries again later, and
:meth:`SendingMixin.retry` sends it again now under the same key: never
lost, never twice.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from liasse_hostapi.records import (
    AccountingDocumentKind,
    AccountKind,
    Attachment,
    BankAccount,
    MatterStatus,
    NewAttachment,
    OwnerKind,
    OwnerRef,
    Rib,
)

from liasse.audit import Action, audited
from liasse.desk.base import to_exchange
from liasse.desk.contacts import ContactsMixin
from liasse.desk.records import Contact, ContactForm, DocumentSelection, Exchange, OfficeRibChoice, SendChoices
from liasse.errors import ActionNotPossible, FileRefused, LiasseError, NotFound, ProviderUnavailable
from liasse.files import check_outgoing
from liasse.merging import merge_pdfs
from liasse.retries import outbox_delay
from liasse.records import (
    DocumentRequestDraft,
    DocumentSendDraft,
    DocumentType,
    OutgoingDocument,
    ReminderChannel,
    RemoteExchange,
    Sender,
)
from liasse.states import ExchangeKind, RequestState, SendState, machine_for
from liasse.store import record_transition
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import OutboxEntry, utcnow

#: DS-15: the office bank account proposed by default, by kind of account.
DEFAULT_BANK_ACCOUNT: dict[AccountKind, str] = {AccountKind.CLIENT: "5421 DCN", AccountKind.GENERAL: "512 CAV"}
#: DS-17: documents made once per account, and once per matter.
ACCOUNT_DOCUMENTS = (
    AccountingDocumentKind.ACCOUNT_EXTRACT,
    AccountingDocumentKind.FULL_STATEMENT,
    AccountingDocumentKind.LAST_TRADE_NOTICE,
)
MATTER_DOCUMENTS = (AccountingDocumentKind.FEE_STATEMENT, AccountingDocumentKind.DEED_INVOICE)


#: Outcomes of a campaign recorded per transaction.
_RECORD_BATCH = 100


@attrs.frozen
class _Call:
    """One provider call of an exchange, as read from the store before it is made."""

    exchange_id: int
    key: str
    kind: ExchangeKind
    contact_remote_id: str
    label: str
    document_type: DocumentType
    documents: tuple[OutgoingDocument, ...]


class SendingMixin(ContactsMixin):
    """Ask for documents, give documents, remind."""

    # --- requests (DS-12 … DS-14) --------------------------------------------------

    @audited(Action.DOCUMENT_REQUEST)
    def request_document(
        self,
        contact: int | ContactForm,
        document_type: DocumentType,
        label: str,
        *,
        account_number: str | None = None,
        deliver: bool = True,
    ) -> Exchange:
        """Ask a contact for a RIB or another document, with a label (DS-12, DS-13).

        ``contact`` is a contact id, or a form to create the account's first
        contact on the way (DS-12). With ``deliver=False`` the request is
        committed to the outbox and returned "to send": the relay sends it
        (``liasse outbox run``, or a host server's background job).
        """
        label = _required_label(label)
        contact_id = self._contact_id(contact, account_number)
        ready = self._ready_contact(contact_id)
        exchange_id, key = self._open(
            ExchangeKind.REQUEST, ready.id, ready.account_number, label, document_type, "liasse_request_document", None
        )
        if not deliver:
            return self.exchange(exchange_id)
        return self._deliver(exchange_id, key)

    @audited(Action.DOCUMENT_REQUEST)
    def request_documents(
        self, requests: Iterable[tuple[int, DocumentType, str]], *, workers: int = 16
    ) -> list[Exchange | LiasseError]:
        """Ask many contacts at once (a RIB campaign): ``(contact_id, document_type, label)`` each.

        Every exchange and its outbox row are committed together before the
        first call, so none can be lost; then only the provider calls run
        ``workers`` at a time (each mostly waits for the provider), and the
        outcomes are recorded in batches. Each result is the exchange (sent,
        or still to send with the reason), or the error that stopped one
        request before it was recorded; the others go on.
        """
        items = list(requests)
        results: list[Exchange | LiasseError | None] = [None] * len(items)
        contacts: dict[int, Contact | LiasseError] = {}
        for contact_id in dict.fromkeys(item[0] for item in items):
            try:
                contacts[contact_id] = self._ready_contact(contact_id)
            except LiasseError as exc:
                contacts[contact_id] = exc
        accepted: list[tuple[int, Contact, DocumentType, str]] = []
        for position, (contact_id, document_type, label) in enumerate(items):
            contact = contacts[contact_id]
            try:
                if isinstance(contact, LiasseError):
                    raise contact
                accepted.append((position, contact, document_type, _required_label(label)))
            except LiasseError as exc:
                results[position] = exc
        calls = self._open_many(accepted)
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=f"liasse-{self.provider}") as pool:
            outcomes = list(pool.map(lambda pair: self._call(pair[1]), calls))
        for start in range(0, len(calls), _RECORD_BATCH):
            chunk = list(zip(calls[start : start + _RECORD_BATCH], outcomes[start : start + _RECORD_BATCH]))
            with self.liasse.store.session() as session:
                ids = [call.exchange_id for (_, call), _ in chunk]
                rows = {
                    row.id: row
                    for row in session.scalars(
                        sa.select(ExchangeRow).options(selectinload(ExchangeRow.contact)).where(ExchangeRow.id.in_(ids))
                    )
                }
                entries = {
                    entry.exchange_id: entry
                    for entry in session.scalars(
                        sa.select(OutboxEntry).where(
                            OutboxEntry.exchange_id.in_(ids), OutboxEntry.operation == "liasse_request_document"
                        )
                    )
                }
                for (position, call), outcome in chunk:
                    results[position] = self._apply_outcome(
                        session, rows[call.exchange_id], entries[call.exchange_id], call, outcome
                    )
        return [r for r in results if r is not None]

    def _open_many(self, accepted: list[tuple[int, Contact, DocumentType, str]]) -> list[tuple[int, _Call]]:
        """Commit every exchange of a campaign with its outbox row, in one transaction, before any call."""
        with self.liasse.store.session() as session:
            rows = [
                ExchangeRow(
                    provider=self.provider,
                    provider_account=self.provider_account,
                    kind=ExchangeKind.REQUEST.value,
                    document_type=document_type.value,
                    label=label,
                    contact_id=contact.id,
                    account_number=contact.account_number,
                    state=RequestState.PENDING.value,
                    created_by=self.user_login,
                    account_owner=self.account_owner,
                )
                for _, contact, document_type, label in accepted
            ]
            session.add_all(rows)
            session.flush()
            # Claimed by this process from the start, under a lease: if it dies mid-campaign,
            # a relay takes the rows over once the lease has run out (reconciling first).
            relay = self.liasse.outbox
            lease_until = utcnow() + relay.lease
            entries = [
                OutboxEntry(
                    provider=self.provider,
                    operation="liasse_request_document",
                    exchange_id=row.id,
                    status="in_flight",
                    attempts=1,
                    lease_until=lease_until,
                    claimed_by=relay.owner,
                )
                for row in rows
            ]
            session.add_all(entries)
            session.flush()
            return [
                (
                    position,
                    _Call(
                        row.id,
                        entry.idempotency_key,
                        ExchangeKind.REQUEST,
                        str(contact.remote_id),
                        label,
                        document_type,
                        (),
                    ),
                )
                for (position, contact, document_type, label), row, entry in zip(accepted, rows, entries)
            ]

    # --- sends (DS-15 … DS-18) ------------------------------------------------------

    @audited(Action.DOCUMENT_SEND)
    def send_file(
        self,
        contact: int | ContactForm,
        path: Path,
        *,
        label: str | None = None,
        account_number: str | None = None,
        deliver: bool = True,
    ) -> Exchange:
        """Send one file from disk (DS-16); the label defaults to the file's name.

        The file goes straight to the contact, as the manual's "Envoyer un
        document" does: it is not added to the account's attachments (a
        multi-document send keeps its added files, DS-17).
        """
        return self.send_documents(
            contact,
            DocumentSelection(files=(path,)),
            name=label or path.stem,
            account_number=account_number,
            keep_files=False,
            deliver=deliver,
        )

    @audited(Action.DOCUMENT_SEND)
    def send_attachment(
        self,
        contact: int | ContactForm,
        attachment_id: int,
        *,
        label: str | None = None,
        account_number: str | None = None,
    ) -> Exchange:
        """Send an existing attachment (DS-16, DS-18); the label defaults to its title."""
        attachment = self.host.attachments.get(attachment_id)
        return self.send_documents(
            contact,
            DocumentSelection(attachments=(attachment_id,)),
            name=label or attachment.title,
            account_number=account_number,
        )

    def office_rib_choices(self, account_number: str | None) -> OfficeRibChoice:
        """DS-15: the office's bank accounts and the one proposed for this account."""
        banks = tuple(self.host.banking.bank_accounts())
        kind = self.host.accounts.account(account_number).kind if account_number else AccountKind.CLIENT
        default = DEFAULT_BANK_ACCOUNT.get(kind, DEFAULT_BANK_ACCOUNT[AccountKind.CLIENT])
        if banks and default not in {b.code for b in banks}:
            default = banks[0].code
        return OfficeRibChoice(bank_accounts=banks, default_code=default)

    @audited(Action.DOCUMENT_SEND)
    def send_office_rib(
        self,
        contact: int | ContactForm,
        *,
        account_number: str | None = None,
        bank_code: str | None = None,
        rib_label: str | None = None,
        file: Path | None = None,
        label: str | None = None,
    ) -> Exchange:
        """Send the office's RIB (DS-15).

        The bank account defaults by account kind (client: 5421 DCN; general:
        512 CAV), the RIB to that account's first; the RIB's file on its IBAN
        record is sent unless ``file`` is given, in which case the new file is
        first saved on the IBAN record. The label is prefixed with the office name.
        """
        account_number = account_number or self._account_of(contact)
        bank, rib = self._office_rib(account_number, bank_code, rib_label)
        if file is not None:
            if rib.iban_record_id is None:
                raise ActionNotPossible(
                    problem_fr=f"Le RIB « {rib.label} » n'a pas de fiche IBAN où enregistrer le nouveau fichier.",
                    problem_en=f"RIB '{rib.label}' has no IBAN record to save the new file on.",
                )
            checked = check_outgoing(file, self.limits, self.info.title)
            stored = self.host.attachments.add(
                NewAttachment(
                    owner=OwnerRef(OwnerKind.IBAN_RECORD, str(rib.iban_record_id)),
                    file_name=checked.file_name,
                    title=f"RIB {bank.code}",
                    media_type=checked.media_type,
                    origin="Ajouté",
                ),
                file,
            )
            attachment_id = stored.id
        elif rib.attachment_id is not None:
            attachment_id = rib.attachment_id
        else:
            raise ActionNotPossible(
                problem_fr=f"Le RIB « {rib.label} » n'a pas de fichier : joignez le RIB de l'étude (PDF ou image) pour l'envoyer.",
                problem_en=f"RIB '{rib.label}' has no file: attach the office's RIB (PDF or image) to send it.",
            )
        office = self.host.office.office().name
        name = f"{office} - {label or f'RIB {bank.code}'}"
        return self.send_documents(
            contact, DocumentSelection(attachments=(attachment_id,)), name=name, account_number=account_number
        )

    def send_choices(self, account_number: str) -> SendChoices:
        """DS-17: what a multi-document send may carry for this account."""
        matters = tuple(self.host.accounts.matters(account_number))
        participations = tuple(
            sorted(self.host.accounts.participations(account_number), key=lambda p: (p.entry_date, p.id), reverse=True)
        )
        attachments = tuple(self.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, account_number)))
        return SendChoices(
            account_number=account_number,
            account_documents=ACCOUNT_DOCUMENTS,
            matter_documents=MATTER_DOCUMENTS,
            matters=matters,
            default_matters=tuple(m.code for m in matters if m.status is MatterStatus.ACTIVE),
            participations=participations,
            attachments=attachments,
        )

    @audited(Action.DOCUMENT_SEND)
    def send_documents(
        self,
        contact: int | ContactForm,
        selection: DocumentSelection,
        *,
        name: str | None = None,
        account_number: str | None = None,
        keep_files: bool = True,
        deliver: bool = True,
    ) -> Exchange:
        """Send one or several documents under one name (DS-16 … DS-18).

        Every file is checked against the provider's limits before anything
        is sent (DS-34). After the send, with ``keep_files``, added files
        become attachments of the account and the generated accounting
        documents are kept as one attachment (DS-17). With ``deliver=False``
        the send is prepared (files spooled, checked) and committed to the
        outbox, "to send": the relay sends it.
        """
        contact_id = self._contact_id(contact, account_number)
        account_number = account_number or self.contact(contact_id).account_number
        office = self.host.office.office().name
        name = (name or "").strip() or f"Document(s) transmis par {office}"
        if selection.is_empty:
            raise ActionNotPossible(
                problem_fr="Aucun document à envoyer : cochez au moins un document ou ajoutez un fichier.",
                problem_en="Nothing to send: tick at least one document or add a file.",
            )
        # Files the user added are checked first: they are the ones a user can fix.
        added = [check_outgoing(path, self.limits, self.info.title) for path in selection.files]
        ready = self._ready_contact(contact_id)
        exchange_id, key = self._open(
            ExchangeKind.SEND, ready.id, account_number, name, None, "liasse_send_documents", None
        )
        spool = self.work_dir("spool", str(exchange_id))
        try:
            generated = self._generate(account_number, selection, spool) if account_number else []
            from_host = [self._spool_attachment(a, spool) for a in selection.attachments]
            documents = generated + from_host + added
        except LiasseError as exc:
            self._fail(exchange_id, exc)
            raise
        self._save_payload(exchange_id, documents, generated=len(generated))
        exchange = self._deliver(exchange_id, key) if deliver else self.exchange(exchange_id)
        if keep_files and account_number is not None:
            self._keep_sent_files(account_number, name, generated, added)
        return exchange

    # --- reminders (DS-24) --------------------------------------------------------------

    @audited(Action.REMIND)
    def remind(self, exchange_id: int, channel: ReminderChannel = ReminderChannel.MAIL) -> Exchange:
        """Remind the contact by mail or mail + SMS (DS-24); the provider allows one per 24 hours."""
        exchange = self.exchange(exchange_id)
        if exchange.state not in (RequestState.SENT, RequestState.REMINDED, SendState.SENT, SendState.REMINDED):
            raise ActionNotPossible(
                problem_fr=f"L'échange « {exchange.label} » est « {exchange.state.label('fr')} » : seuls les échanges envoyés ou relancés peuvent être relancés.",
                problem_en=f"Exchange '{exchange.label}' is '{exchange.state.label('en')}': only sent or reminded exchanges can be reminded.",
            )
        assert exchange.remote_id is not None  # a sent exchange has one
        with self.liasse.store.session() as session:
            entry = OutboxEntry(provider=self.provider, operation="liasse_remind", exchange_id=exchange_id)
            session.add(entry)
        try:
            receipt = self.liasse.hooks.remind(self.ctx, exchange.remote_id, channel, entry.idempotency_key)
        except LiasseError as exc:
            self._close_outbox(entry.id, "failed", str(exc))
            raise
        with self.liasse.store.session() as session:
            row = self._exchange_row(session, exchange_id)
            target = RequestState.REMINDED if row.kind == ExchangeKind.REQUEST.value else SendState.REMINDED
            record_transition(session, row, target, by=self.user_login, at=receipt.reminded_at)
        self._close_outbox(entry.id, "done", None)
        return self.exchange(exchange_id)

    # --- retries ----------------------------------------------------------------------

    @audited(Action.RETRY)
    def retry(self, exchange_id: int) -> Exchange:
        """Send again now a request or send that the provider did not take, under its first key.

        It goes through the outbox relay like every send: a failed or given-up
        exchange is made due again, and if its earlier attempt may have
        reached the provider, the provider is asked first.
        """
        with self.liasse.store.session() as session:
            self._exchange_row(session, exchange_id)  # this desk's exchange, or NotFound
        self.liasse.outbox.reopen(exchange_id, by=self.user_login)
        return self.liasse.outbox.deliver(self, exchange_id)

    def exchange(self, exchange_id: int) -> Exchange:
        """One exchange of the shown provider account."""
        with self.liasse.store.session() as session:
            return to_exchange(self._exchange_row(session, exchange_id))

    # --- machinery --------------------------------------------------------------------

    def _contact_id(self, contact: int | ContactForm, account_number: str | None) -> int:
        if isinstance(contact, ContactForm):
            return self.create_contact(contact, account_number).id
        return contact

    def _account_of(self, contact: int | ContactForm) -> str | None:
        return self.contact(contact).account_number if isinstance(contact, int) else None

    def _open(
        self,
        kind: ExchangeKind,
        contact_id: int,
        account_number: str | None,
        label: str,
        document_type: DocumentType | None,
        operation: str,
        payload: str | None,
    ) -> tuple[int, str]:
        """Commit the exchange and its outbox row (with the idempotency key) before any call."""
        with self.liasse.store.session() as session:
            return self._open_in(session, kind, contact_id, account_number, label, document_type, operation, payload)

    def _open_in(
        self,
        session: sa.orm.Session,
        kind: ExchangeKind,
        contact_id: int,
        account_number: str | None,
        label: str,
        document_type: DocumentType | None,
        operation: str,
        payload: str | None,
    ) -> tuple[int, str]:
        """:meth:`_open` in the caller's transaction."""
        row = ExchangeRow(
            provider=self.provider,
            provider_account=self.provider_account,
            kind=kind.value,
            document_type=document_type.value if document_type else None,
            label=label,
            contact_id=contact_id,
            account_number=account_number,
            state=machine_for(kind).initial.value,
            created_by=self.user_login,
            account_owner=self.account_owner,
        )
        session.add(row)
        session.flush()
        entry = OutboxEntry(provider=self.provider, operation=operation, exchange_id=row.id, payload=payload)
        session.add(entry)
        session.flush()
        return row.id, entry.idempotency_key

    def _deliver(self, exchange_id: int, key: str) -> Exchange:
        """Make the exchange's provider call through the outbox relay, and record what came of it."""
        del key  # the relay reads it from the row it claims
        return self.liasse.outbox.deliver(self, exchange_id)

    def _prepare(self, session: sa.orm.Session, exchange_id: int, key: str) -> _Call:
        """Read what the call needs (the relay has claimed the row), in the caller's transaction."""
        row = self._exchange_row(session, exchange_id)
        entry = self._outbox_of(session, exchange_id)
        contact = row.contact
        if contact is None or contact.remote_id is None:
            raise ActionNotPossible(
                problem_fr=f"Le contact de l'échange « {row.label} » a été supprimé : créez un nouvel échange.",
                problem_en=f"The contact of exchange '{row.label}' was deleted: create a new exchange.",
            )
        return _Call(
            exchange_id=exchange_id,
            key=key,
            kind=ExchangeKind(row.kind),
            contact_remote_id=contact.remote_id,
            label=row.label,
            document_type=DocumentType(row.document_type) if row.document_type else DocumentType.OTHER,
            documents=_documents_of(entry.payload) if row.kind == ExchangeKind.SEND.value else (),
        )

    def _call(self, call: _Call) -> RemoteExchange | LiasseError:
        """The provider call itself; liasse's errors come back as values, for the record."""
        sender = Sender(self.user.first_name, self.user.last_name, self.user.email)
        try:
            if call.kind is ExchangeKind.REQUEST:
                draft = DocumentRequestDraft(call.contact_remote_id, call.document_type, call.label, sender=sender)
                return self.liasse.hooks.request_document(self.ctx, draft, call.key)
            send = DocumentSendDraft(call.contact_remote_id, call.label, call.documents, sender=sender)
            return self.liasse.hooks.send_documents(self.ctx, send, call.key)
        except LiasseError as exc:
            return exc

    def _apply_outcome(
        self,
        session: sa.orm.Session,
        row: ExchangeRow,
        entry: OutboxEntry,
        call: _Call,
        outcome: RemoteExchange | LiasseError,
    ) -> Exchange:
        """What came of the call, on rows already loaded (a campaign loads them by the hundred): sent, still to send, or failed."""
        request = call.kind is ExchangeKind.REQUEST
        if isinstance(outcome, ProviderUnavailable):
            # Nothing is lost: the exchange waits, "to send", with the reason; the relay or retry() sends it again.
            row.last_error = entry.last_error = outcome.message()
            entry.status, entry.lease_until, entry.claimed_by = "pending", None, None
            entry.next_attempt_at = utcnow() + dt.timedelta(seconds=outbox_delay(entry.attempts, outcome.retry_after))
        elif isinstance(outcome, LiasseError):
            record_transition(
                session,
                row,
                RequestState.FAILED if request else SendState.FAILED,
                by=self.user_login,
                error=outcome.message(),
            )
            entry.status, entry.last_error = "failed", outcome.message()
        else:
            row.remote_id = outcome.remote_id
            record_transition(
                session,
                row,
                RequestState.SENT if request else SendState.SENT,
                by=self.user_login,
                at=outcome.created_at,
            )
            if call.documents:
                row.file_name = call.documents[0].file_name if len(call.documents) == 1 else call.label
                row.file_size = sum(d.size for d in call.documents)
            entry.status, entry.done_at, entry.last_error = "done", utcnow(), None
        if entry.status != "pending":
            entry.lease_until = entry.claimed_by = None
        session.flush()
        return to_exchange(row)

    def _fail(self, exchange_id: int, exc: LiasseError) -> None:
        """The provider refused: the exchange is "failed" with the sentence, and kept."""
        with self.liasse.store.session() as session:
            row = self._exchange_row(session, exchange_id)
            target = RequestState.FAILED if row.kind == ExchangeKind.REQUEST.value else SendState.FAILED
            record_transition(session, row, target, by=self.user_login, error=exc.message())
            entry = self._outbox_of(session, exchange_id)
            entry.status, entry.last_error = "failed", exc.message()

    def _outbox_of(self, session: sa.orm.Session, exchange_id: int) -> OutboxEntry:
        entry = session.scalars(
            sa.select(OutboxEntry)
            .where(
                OutboxEntry.exchange_id == exchange_id,
                OutboxEntry.operation.in_(("liasse_request_document", "liasse_send_documents")),
            )
            .order_by(OutboxEntry.id)
        ).first()
        if entry is None:
            raise NotFound(what_fr="Envoi en attente de l'échange", what_en="Pending send of exchange", key=exchange_id)
        return entry

    def _close_outbox(self, entry_id: int, status: str, error: str | None) -> None:
        with self.liasse.store.session() as session:
            entry = session.get(OutboxEntry, entry_id)
            if entry is not None:
                entry.status, entry.last_error, entry.attempts = status, error, entry.attempts + 1
                entry.done_at = utcnow() if status == "done" else None

    def _save_payload(self, exchange_id: int, documents: list[OutgoingDocument], generated: int) -> None:
        payload = json.dumps(
            {
                "generated": generated,
                "documents": [{**attrs.asdict(d, recurse=False), "path": str(d.path)} for d in documents],
            }
        )
        with self.liasse.store.session() as session:
            self._outbox_of(session, exchange_id).payload = payload

    def _office_rib(
        self, account_number: str | None, bank_code: str | None, rib_label: str | None
    ) -> tuple[BankAccount, Rib]:
        choices = self.office_rib_choices(account_number)
        code = bank_code or choices.default_code
        bank = next((b for b in choices.bank_accounts if b.code == code), None)
        if bank is None or not bank.ribs:
            known = ", ".join(b.code for b in choices.bank_accounts) or "aucun"
            raise ActionNotPossible(
                problem_fr=f"Compte bancaire de l'étude « {code} » introuvable ou sans RIB. Comptes disponibles : {known}.",
                problem_en=f"Office bank account '{code}' not found or without a RIB. Available: {known}.",
            )
        rib = bank.ribs[0] if rib_label is None else next((r for r in bank.ribs if r.label == rib_label), None)
        if rib is None:
            labels = ", ".join(r.label for r in bank.ribs)
            raise ActionNotPossible(
                problem_fr=f"Le compte {bank.code} n'a pas de RIB « {rib_label} ». RIB disponibles : {labels}.",
                problem_en=f"Bank account {bank.code} has no RIB '{rib_label}'. Available: {labels}.",
            )
        return bank, rib

    def _generate(self, account_number: str, selection: DocumentSelection, spool: Path) -> list[OutgoingDocument]:
        """DS-17: render the ticked accounting documents to PDFs in the spool."""
        wanted: list[tuple[AccountingDocumentKind, str | None, int | None]] = []
        for kind in ACCOUNT_DOCUMENTS:
            if kind in selection.kinds:
                wanted.append((kind, None, None))
        per_matter = [k for k in MATTER_DOCUMENTS if k in selection.kinds]
        if per_matter:
            matters = self.host.accounts.matters(account_number)
            ticked = set(selection.matters)
            # None ticked means every active matter; closed ones count only when ticked.
            codes = [m.code for m in matters if (m.code in ticked if ticked else m.status is MatterStatus.ACTIVE)]
            unknown = ticked - {m.code for m in matters}
            if unknown:
                raise NotFound(what_fr="Affaire", what_en="Matter", key=", ".join(sorted(unknown)))
            wanted += [(kind, code, None) for code in codes for kind in per_matter]
        for participation_id in selection.participations:
            participation = next(
                (p for p in self.host.accounts.participations(account_number) if p.id == participation_id), None
            )
            if participation is None:
                raise NotFound(
                    what_fr="Facture de participation", what_en="Participation invoice", key=participation_id
                )
            if participation.number is None:
                # DS-17: an unnumbered invoice gets its number when it is sent.
                self.host.accounts.number_participation(participation_id)
            wanted.append((AccountingDocumentKind.PARTICIPATION_INVOICE, None, participation_id))
        documents: list[OutgoingDocument] = []
        for position, (kind, matter, invoice) in enumerate(wanted, start=1):
            rendered = self.host.documents.render(kind, account_number, matter_code=matter, participation_id=invoice)
            path = spool / f"{position:02d}-{Path(rendered.file_name).name}"
            path.write_bytes(rendered.content)
            documents.append(check_outgoing(path, self.limits, self.info.title, file_name=rendered.file_name))
        if selection.office_rib:
            _, rib = self._office_rib(account_number, None, None)
            if rib.attachment_id is not None:
                documents.append(self._spool_attachment(rib.attachment_id, spool))
        return documents

    def _spool_attachment(self, attachment_id: int, spool: Path) -> OutgoingDocument:
        """A host attachment copied (streamed) to the spool, so a retry still has it."""
        attachment = self.host.attachments.get(attachment_id)
        path = spool / f"a{attachment.id}-{Path(attachment.file_name).name}"
        with self.host.attachments.open(attachment_id) as source, path.open("wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        return check_outgoing(path, self.limits, self.info.title, file_name=attachment.file_name)

    def _keep_sent_files(
        self, account_number: str, name: str, generated: list[OutgoingDocument], added: list[OutgoingDocument]
    ) -> list[Attachment]:
        """DS-17: added files become attachments of the account; generated PDFs one attachment."""
        kept: list[Attachment] = []
        owner = OwnerRef(OwnerKind.ACCOUNT, account_number)
        for document in added:
            kept.append(
                self.host.attachments.add(
                    NewAttachment(
                        owner,
                        document.file_name,
                        Path(document.file_name).stem,
                        document.media_type,
                        f"Envoyé via {self.info.title}",
                    ),
                    document.path,
                )
            )
        pdfs = [d for d in generated if d.media_type == "application/pdf"]
        if pdfs:
            merged = merge_pdfs([d.path for d in pdfs], pdfs[0].path.parent / "documents-generes.pdf")
            kept.append(
                self.host.attachments.add(
                    NewAttachment(
                        owner, f"{_slug(name)}.pdf", name, "application/pdf", f"Envoyé via {self.info.title}"
                    ),
                    merged,
                )
            )
        return kept


def _documents_of(payload: str | None) -> tuple[OutgoingDocument, ...]:
    """The send's files from its outbox row, each still the file that was checked."""
    if not payload:
        return ()
    documents = []
    for item in json.loads(payload)["documents"]:
        document = OutgoingDocument(
            path=Path(item["path"]),
            file_name=item["file_name"],
            media_type=item["media_type"],
            size=int(item["size"]),
            sha256=item["sha256"],
        )
        if not document.path.is_file() or document.path.stat().st_size != document.size:
            raise FileRefused(
                file_name=document.file_name,
                title="liasse",
                reason_fr="il a été déplacé ou modifié depuis la préparation de l'envoi",
                reason_en="it was moved or changed since the send was prepared",
                fix_fr="Créez un nouvel envoi avec le fichier actuel.",
                fix_en="Create a new send with the current file.",
            )
        documents.append(document)
    return tuple(documents)


def _required_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise ActionNotPossible(
            problem_fr="Le libellé est obligatoire : il apparaît dans l'e-mail reçu par le contact.",
            problem_en="The label is mandatory: it appears in the e-mail the contact receives.",
        )
    return label


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_ " else "_" for c in text)
    return "_".join(keep.split())[:80] or "documents"
