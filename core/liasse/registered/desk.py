"""One user's registered-mail desk (AR-01 … AR-12), in the manual's order.

Account link, consents, payment means, letters checked then sent through the
outbox, bulk OTP validation, statuses (webhook re-reads and polling), proofs
run through the intake pipeline and archived on the party's account.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from liasse.audit import Action, audited
from liasse.desk.base import DeskBase
from liasse.errors import LiasseError, NotFound, ProviderError, ProviderUnavailable, RightMissing
from liasse.intake.pipeline import Intake, run_intake
from liasse.records import (
    AccountLink,
    ConsentState,
    LetterKind,
    LetterQuery,
    LetterRecipient,
    OutgoingDocument,
    PaymentMean,
    ProofKind,
    RegisteredLetterDraft,
    RemoteExchange,
    RemoteLetter,
)
from liasse.registered import letters as build
from liasse.registered.errors import OtpRefused, PaymentMeanAlreadyLinked, UnknownLetter
from liasse.registered.records import (
    ConsentChange,
    Letter,
    LetterChoice,
    LetterFilter,
    LetterProblem,
    PartyConsent,
    RefreshReport,
    SendReport,
    ValidationReport,
)
from liasse.retries import outbox_delay
from liasse.secrets import Secret
from liasse.states import ExchangeKind, LetterState
from liasse.store import ExchangeMove, id_lists, record_moves, record_transition, record_transitions
from liasse.store.models import Exchange as ExchangeRow
from liasse.store.models import OutboxEntry, PaymentLink, RegisteredConsent, RegisteredLetter, new_idempotency_key, utcnow

OPERATION = "liasse_send_registered_mail"
#: Provider words that say the OTP itself was refused (AR-02), whatever the route.
OTP_SLUGS = frozenset({"missing_otp", "invalid_otp", "otp_expired", "otp_already_used", "invalid_auth_otp_hash"})
#: Which proof archives which outcome (AR-12).
OUTCOME_PROOFS = {
    LetterState.ACKNOWLEDGED: ProofKind.RECEIPT,
    LetterState.REFUSED: ProofKind.REFUSAL,
    LetterState.NEGLECTED: ProofKind.NEGLIGENCE,
    LetterState.BOUNCED: ProofKind.BOUNCE,
}
#: Chunks of a bulk send's calls queued ahead of the one being recorded (each twice the workers).
CHUNKS_AHEAD = 2
#: States past the deposit: the letter has left and its deposit proof exists.
DEPOSITED = frozenset({LetterState.SENT, *OUTCOME_PROOFS})

Progress = Callable[[int, Letter | LiasseError], None]


@attrs.frozen
class _LetterCall:
    """One provider call of a letter, read from the store before it is made."""

    exchange_id: int
    key: str
    draft: RegisteredLetterDraft
    #: The letter as committed: its result is this record moved by the call's outcome.
    letter: Letter
    attempts: int


@attrs.define
class _Kept:
    """What a send's check read and rendered, kept for its commit: each event, its parties by key, its letter's PDF."""

    events: dict[int, Any] = attrs.Factory(dict)
    parties: dict[int, dict[str, Any]] = attrs.Factory(dict)
    documents: dict[int, build.RenderedLetter] = attrs.Factory(dict)


@attrs.frozen
class _Document:
    """A letter's stored document, as its provider call names it."""

    path: Path
    file_name: str | None
    size: int | None
    sha256: str
    remote_id: str | None


@attrs.frozen
class _Outcome:
    """What one call's outcome writes: the letter's move (if any) and its outbox row's columns."""

    target: LetterState | None
    #: The letter's ``last_error`` afterwards (None clears it).
    error: str | None
    remote_id: str | None
    entry: dict[str, Any]


class RegisteredDesk(DeskBase):
    """Registered letters of one host user on one provider (AR24)."""

    # --- AR-01: the account ---------------------------------------------------------

    @audited(Action.CONNECT)
    def link_account(self) -> AccountLink:
        """"Autoriser le compte": the provider e-mails the user a confirmation link; attached once followed."""
        return self.liasse.hooks.link_account(self.ctx)

    # --- AR-03: consents -----------------------------------------------------------

    def consents(self, event_ids: Iterable[int]) -> list[PartyConsent]:
        """The consent of every recipient party of the events, as liasse holds it."""
        parties = self._parties(event_ids)
        with self.liasse.store.session() as session:
            rows = self._consent_rows(session)
            return [self._party_consent(key, party, rows.get(key)) for key, party in parties.items()]

    @audited(Action.CONSENT)
    def set_consent(self, event_id: int, party_key: str, ticked: bool) -> PartyConsent:
        """Tick or untick a party's consent by hand (AR-03)."""
        event = self.host.events.event(event_id)
        party = self._party(event, party_key)
        with self.liasse.store.session() as session:
            row = self._consent_rows(session).get(party_key) or self._new_consent(session, party_key, party)
            row.ticked = ticked
            row.email = row.email or self._email_of(party)
            return self._party_consent(party_key, party, row)

    @audited(Action.CONSENT)
    def request_consents(self, event_ids: Iterable[int], party_keys: Iterable[str], delay_days: int) -> list[PartyConsent]:
        """Send the provider's consent requests to the chosen parties, answered within ``delay_days`` (3 to 30)."""
        parties = self._parties(event_ids)
        chosen = {key: parties[key] for key in party_keys if key in parties}
        emails = {key: self._email_of(party) for key, party in chosen.items()}
        asked = tuple(dict.fromkeys(e for e in emails.values() if e))
        remote = self.liasse.hooks.request_consents(self.ctx, asked, delay_days) if asked else ()
        by_email = {c.email.lower(): c for c in remote}
        with self.liasse.store.session() as session:
            rows = self._consent_rows(session)
            out = []
            for key, party in chosen.items():
                row = rows.get(key) or self._new_consent(session, key, party)
                found = by_email.get((emails[key] or "").lower())
                if found is not None:
                    row.remote_id, row.remote_state, row.link, row.email = (
                        found.remote_id,
                        found.state.value,
                        found.link,
                        found.email,
                    )
                out.append(self._party_consent(key, party, row))
            return out

    @audited(Action.CONSENT)
    def update_consents(self, event_ids: Iterable[int]) -> list[ConsentChange]:
        """"Mettre à jour les consentements": pull them from the provider, tick on acceptance (with its
        e-mail), untick on refusal, and list the parties changed (AR-03)."""
        parties = self._parties(event_ids)
        remote = self.liasse.hooks.list_consents(self.ctx)
        by_id = {c.remote_id: c for c in remote}
        by_email: dict[str, Any] = {}
        for consent in sorted(remote, key=lambda c: c.answered_at or dt.datetime.min.replace(tzinfo=dt.UTC)):
            by_email[consent.email.lower()] = consent  # the latest answer for an address wins
        changes: list[ConsentChange] = []
        with self.liasse.store.session() as session:
            rows = self._consent_rows(session)
            for key, party in parties.items():
                row = rows.get(key)
                found = by_id.get(row.remote_id) if row is not None and row.remote_id else None
                if found is None:
                    email = (row.email if row is not None and row.email else self._email_of(party)) or ""
                    found = by_email.get(email.lower())
                if found is None:
                    continue
                row = row or self._new_consent(session, key, party)
                before = (row.ticked, row.email)
                row.remote_id, row.remote_state, row.link = found.remote_id, found.state.value, found.link
                if found.state is ConsentState.ACCEPTED:
                    row.ticked, row.email = True, found.email
                elif found.state is ConsentState.REFUSED:
                    row.ticked = False
                if (row.ticked, row.email) != before:
                    changes.append(ConsentChange(key, party.name, before[0], row.ticked, before[1], row.email))
        return changes

    def letter_variables(self, event_id: int, party_key: str) -> dict[str, str]:
        """Variables a letter template may use for the party: the consent link (AR-03)."""
        with self.liasse.store.session() as session:
            row = self._consent_rows(session).get(party_key)
            return {"lien_consentement": row.link or ""} if row is not None else {"lien_consentement": ""}

    # --- AR-04: payment means ---------------------------------------------------------

    def payment_means(self) -> tuple[PaymentMean, ...]:
        """The payment means the provider has for the user's account."""
        return self.liasse.hooks.list_payment_means(self.ctx)

    @audited(Action.PAYMENT_LINK)
    def link_payment_mean(self, entity: str, payment_mean_id: str) -> PaymentMean:
        """Link a host entity (an office bank account's code) to a payment means, once (AR-04)."""
        means = {m.remote_id: m for m in self.payment_means()}
        mean = means.get(payment_mean_id)
        if mean is None:
            raise NotFound(what_fr="Moyen de paiement", what_en="Payment means", key=payment_mean_id)
        with self.liasse.store.session() as session:
            existing = self._payment_link(session, entity)
            if existing is not None:
                raise PaymentMeanAlreadyLinked(entity=entity, label=existing.label)
            session.add(
                PaymentLink(
                    provider=self.provider,
                    provider_account=self.provider_account,
                    entity=entity,
                    payment_mean_id=mean.remote_id,
                    label=mean.label,
                    created_by=self.user_login,
                )
            )
        return mean

    def payment_links(self) -> dict[str, str]:
        """Entity → the linked payment means' label."""
        with self.liasse.store.session() as session:
            rows = session.scalars(
                sa.select(PaymentLink).where(
                    PaymentLink.provider == self.provider, PaymentLink.provider_account == self.provider_account
                )
            )
            return {row.entity: row.label for row in rows}

    # --- AR-05 … AR-07: checks ---------------------------------------------------------

    def check(self, choices: Iterable[LetterChoice]) -> ValidationReport:
        """Every check made before sending, per party and reason; call it again after fixes (AR-07)."""
        return self._check(choices, None)

    def _check(self, choices: Iterable[LetterChoice], keep: _Kept | None) -> ValidationReport:
        """:meth:`check`; with ``keep``, each event and its rendered PDF are kept there for the send."""
        ready: list[LetterChoice] = []
        problems: list[LetterProblem] = []
        events: dict[int, Any] = keep.events if keep is not None else {}
        index: dict[int, dict[str, Any]] = keep.parties if keep is not None else {}
        rendered: dict[int, LetterProblem | None] = {}
        with self.liasse.store.session() as session:
            consents = self._consent_rows(session)
        for choice in choices:
            event = events.get(choice.event_id)
            if event is None:
                event = events[choice.event_id] = self.host.events.event(choice.event_id)
                index[choice.event_id] = {build.party_key(p): p for p in build.recipients(event)}
            party = index[choice.event_id].get(choice.party_key)
            if party is None:
                problems.append(
                    build.problem(
                        event,
                        choice.party_key,
                        "unknown_party",
                        f"« {choice.party_key} » n'est pas une partie de l'événement.",
                        f"'{choice.party_key}' is not a party of the event.",
                    )
                )
                continue
            found: list[LetterProblem] = []
            if event.registered_at is None:
                found.append(
                    build.problem(
                        event,
                        party.name,
                        "not_timestamped",
                        f"L'événement « {event.title} » n'est pas chronoté : chronotez-le dans le registre, "
                        "puis relancez la vérification.",
                        f"Event '{event.title}' is not timestamped: timestamp it in the register, then check again.",
                    )
                )
            consent = consents.get(choice.party_key)
            email = (consent.email if consent is not None and consent.email else None) or self._email_of(party)
            professional = self._professional(party)
            consented = professional or (consent is not None and consent.ticked)
            found += build.check_kind(event, party, choice.kind, email, consented)
            if choice.event_id not in rendered:
                rendered[choice.event_id] = self._render_problem(event, party.name, keep.documents if keep else None)
            if rendered[choice.event_id] is not None:
                found.append(attrs.evolve(rendered[choice.event_id], party_name=party.name))  # type: ignore[arg-type]
            if found:
                problems += found
            else:
                ready.append(choice)
        return ValidationReport(tuple(ready), tuple(problems))

    # --- AR-08: send ---------------------------------------------------------------

    @audited(Action.LETTER_SEND)
    def send(
        self,
        choices: Iterable[LetterChoice],
        *,
        otp: Secret | None = None,
        workers: int = 16,
        progress: Progress | None = None,
        webhook_url: str | None = None,
    ) -> SendReport:
        """Send the letters that pass every check; the others are reported and nothing is made for them.

        Consents are refreshed from the provider first (AR-03 "checked and
        refreshed at send"). Letters, their outbox rows and keys are committed
        before any call; each distinct document is uploaded once (AR-08);
        then each letter is one provider call, ``workers`` at a time. Without
        ``otp`` the letters wait "to validate" (AR-09).
        """
        chosen = list(choices)
        event_ids = {c.event_id for c in chosen}
        if any(c.kind is LetterKind.EIDAS for c in chosen):
            self.update_consents(event_ids)
        kept = _Kept()
        report = self._check(chosen, kept)
        if not report.ready:
            return SendReport((), report.problems)
        calls = self._commit(report.ready, otp, webhook_url, kept)
        uploads = self._upload_shared(calls)
        calls = [self._with_document_id(call, uploads) for call in calls]
        results: list[Letter | LiasseError] = []
        # Calls run ``workers`` at a time, queued a chunk (twice the workers) at a time, CHUNKS_AHEAD chunks
        # ahead; each chunk's outcomes are recorded in one transaction while the next chunks' calls are in
        # flight. This thread wakes once a chunk, not once a letter: it shares the interpreter lock with the
        # calls. Queuing only a few chunks keeps a campaign's queue short, and its calls' bookkeeping dies
        # young instead of waking the garbage collector's full sweep (P2).
        chunk_size = max(1, workers) * 2
        chunks = iter([calls[start : start + chunk_size] for start in range(0, len(calls), chunk_size)])
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=f"liasse-{self.provider}") as pool:
            queued: deque[tuple[list[_LetterCall], list[Future[RemoteExchange | LiasseError]]]] = deque()

            def queue_next() -> None:
                chunk = next(chunks, None)
                if chunk is not None:
                    queued.append((chunk, [pool.submit(self._call, call) for call in chunk]))

            for _ in range(CHUNKS_AHEAD):
                queue_next()
            while queued:
                chunk, answers = queued.popleft()
                wait(answers)
                queue_next()
                outcomes = [answer.result() for answer in answers]
                for result in self._record_chunk(chunk, outcomes):
                    results.append(result)
                    if progress is not None:
                        progress(len(results) - 1, result)
        return SendReport(tuple(results), report.problems, uploads=len(set(uploads.values())))

    def _record_chunk(
        self, chunk: list[_LetterCall], outcomes: list[RemoteExchange | LiasseError]
    ) -> list[Letter | LiasseError]:
        """Record what came of each call of ``chunk`` in one transaction; each letter, or its error.

        The rows are written by id in batches, not loaded back: the commit
        a moment ago says what each one holds (AR-08, P2).
        """
        now = utcnow()
        moves: list[ExchangeMove] = []
        errors: list[dict[str, Any]] = []
        #: The outbox rows that end alike (every letter sent, mostly): one UPDATE over their keys.
        entries: dict[tuple[tuple[str, Any], ...], list[str]] = {}
        results: list[Letter | LiasseError] = []
        for call, answer in zip(chunk, outcomes):
            outcome = self._outcome(call, answer, now)
            if outcome.target is None:
                errors.append({"b_id": call.exchange_id, "last_error": outcome.error})
            else:
                moves.append(
                    ExchangeMove(
                        call.exchange_id,
                        ExchangeKind.LETTER.value,
                        call.letter.state.value,
                        outcome.target,
                        label=call.letter.label,
                        error=outcome.error,
                        remote_id=outcome.remote_id,
                    )
                )
            entries.setdefault(tuple(outcome.entry.items()), []).append(call.key)
            if isinstance(answer, LiasseError):
                results.append(answer)
            else:
                results.append(attrs.evolve(call.letter, state=outcome.target, remote_id=outcome.remote_id, last_error=None))
        exchanges, outbox = ExchangeRow.__table__, OutboxEntry.__table__
        with self.liasse.store.session() as session:
            record_moves(session, moves, by=self.user_login, at=now)
            if errors:
                session.execute(
                    exchanges.update().where(exchanges.c.id == sa.bindparam("b_id")).values(last_error=sa.bindparam("last_error")),
                    errors,
                )
            for values, keys in entries.items():
                for part in id_lists(keys):
                    session.execute(outbox.update().where(outbox.c.idempotency_key.in_(part)).values(dict(values)))
        return results

    def _commit(
        self,
        ready: tuple[LetterChoice, ...],
        otp: Secret | None,
        webhook_url: str | None,
        kept: _Kept,
    ) -> list[_LetterCall]:
        """Render each event once (unless the check did), then commit every letter with its outbox row, before any call."""
        events = {
            event_id: kept.events.get(event_id) or self.host.events.event(event_id)
            for event_id in dict.fromkeys(c.event_id for c in ready)
        }
        documents = kept.documents
        for event_id, event in events.items():
            if event_id in documents:
                continue  # rendered by the check a moment ago
            rendered_now = self.host.events.render_event(event_id)
            dest = self.work_dir("letters", f"event-{event_id}-{utcnow():%Y%m%d%H%M%S%f}.pdf", create=False)
            documents[event_id] = build.render(rendered_now.content, build.event_attachments(self.host, event), dest)
        with self.liasse.store.session() as session:
            consents = self._consent_rows(session)
            links = {
                row.entity: row
                for row in session.scalars(
                    sa.select(PaymentLink).where(
                        PaymentLink.provider == self.provider, PaymentLink.provider_account == self.provider_account
                    )
                )
            }
            lease_until = utcnow() + self.liasse.outbox.lease
            parties = {
                event_id: kept.parties.get(event_id) or {build.party_key(p): p for p in build.recipients(event)}
                for event_id, event in events.items()
            }
            planned: list[tuple[dict[str, Any], Any, LetterChoice, str | None]] = []
            for choice in ready:
                event = events[choice.event_id]
                party = parties[choice.event_id][choice.party_key]
                consent = consents.get(choice.party_key)
                email = (consent.email if consent is not None and consent.email else None) or self._email_of(party)
                document = documents[choice.event_id]
                values = {
                    "provider": self.provider,
                    "provider_account": self.provider_account,
                    "kind": ExchangeKind.LETTER.value,
                    "label": f"{event.title} — {party.name}"[:500],
                    "account_number": party.account_number or event.account_number,
                    "state": LetterState.PENDING.value,
                    "created_by": self.user_login,
                    "file_name": f"{event.title[:80]}.pdf",
                    "file_size": document.size,
                    "sha256": document.sha256,
                }
                planned.append((values, party, choice, email))
            # Core INSERTs, one batch a table: the ORM's per-object bookkeeping cost more than the provider's
            # calls (AR-08, P2). Only the exchanges' ids and creation times come back.
            exchanges = ExchangeRow.__table__
            inserted = session.execute(
                exchanges.insert().returning(exchanges.c.id, exchanges.c.created_at, sort_by_parameter_order=True),
                [{"created_at": utcnow(), **values} for values, _, _, _ in planned],
            ).all()
            letter_values: list[dict[str, Any]] = []
            entry_values: list[dict[str, Any]] = []
            calls: list[_LetterCall] = []
            for (exchange_id, created_at), (values, party, choice, email) in zip(inserted, planned):
                document = documents[choice.event_id]
                recipient_email = email if choice.kind is not LetterKind.PAPER else party.email
                letter_values.append(
                    {
                        "exchange_id": exchange_id,
                        "event_id": choice.event_id,
                        "party_key": choice.party_key,
                        "party_name": party.name,
                        "letter_kind": choice.kind.value,
                        "recipient_email": recipient_email,
                        "postal_address": party.postal_address,
                        "colour": choice.colour,
                        "double_sided": choice.double_sided,
                        "document_path": str(document.path),
                        "document_sha256": document.sha256,
                    }
                )
                link = links.get(choice.billing_entity or "")
                payload = {
                    "billing": f"{choice.billing_entity}:{link.payment_mean_id}" if link is not None else None,
                    "webhook_url": webhook_url,
                    "professional": self._professional(party),
                }
                key = new_idempotency_key()
                entry_values.append(
                    {
                        "idempotency_key": key,
                        "provider": self.provider,
                        "operation": OPERATION,
                        "exchange_id": exchange_id,
                        "status": "in_flight",
                        "attempts": 1,
                        "created_at": created_at,
                        "next_attempt_at": created_at,
                        "lease_until": lease_until,
                        "claimed_by": self.liasse.outbox.owner,
                        "payload": json.dumps(payload),
                    }
                )
                letter = Letter(
                    id=exchange_id,
                    event_id=choice.event_id,
                    party_name=party.name,
                    kind=choice.kind,
                    state=LetterState.PENDING,
                    label=values["label"],
                    account_number=values["account_number"],
                    remote_id=None,
                    recipient_email=recipient_email,
                    postal_address=party.postal_address,
                    created_by=self.user_login,
                    created_at=created_at,
                )
                stored = _Document(document.path, values["file_name"], document.size, document.sha256, None)
                draft = _draft_of(letter, party, stored, choice.colour, choice.double_sided, payload, otp)
                calls.append(_LetterCall(exchange_id, key, draft, letter, 1))
            session.execute(RegisteredLetter.__table__.insert(), letter_values)
            session.execute(OutboxEntry.__table__.insert(), entry_values)
            return calls

    def _upload_shared(self, calls: list[_LetterCall]) -> dict[str, str]:
        """Upload each distinct document once (AR-08); sha256 → the provider's id. A failure leaves it to each call."""
        uploaded: dict[str, str] = {}
        for call in calls:
            document = call.draft.documents[0]
            if document.sha256 in uploaded:
                continue
            try:
                uploaded[document.sha256] = self.liasse.hooks.upload_letter_document(self.ctx, document)
            except LiasseError:
                continue  # each letter's own call tries again and records the reason
        if uploaded:
            letters = RegisteredLetter.__table__
            with self.liasse.store.session() as session:
                for sha256, remote_id in uploaded.items():
                    ids = [call.exchange_id for call in calls if call.draft.documents[0].sha256 == sha256]
                    for part in id_lists(ids):
                        session.execute(letters.update().where(letters.c.exchange_id.in_(part)).values(document_remote_id=remote_id))
        return uploaded

    @staticmethod
    def _with_document_id(call: _LetterCall, uploads: dict[str, str]) -> _LetterCall:
        remote = uploads.get(call.draft.documents[0].sha256)
        if remote is None:
            return call
        return attrs.evolve(call, draft=attrs.evolve(call.draft, document_ids=(remote,)))

    def _draft(
        self, row: ExchangeRow, letter: RegisteredLetter, entry: OutboxEntry, otp: Secret | None, party: Any = None
    ) -> RegisteredLetterDraft:
        """The provider call of a stored letter (the relay's, and a resend's)."""
        return _draft_of(
            _to_letter(row, letter),
            party if party is not None else self._stored_party(letter),
            _Document(Path(letter.document_path), row.file_name, row.file_size, letter.document_sha256, letter.document_remote_id),
            letter.colour,
            letter.double_sided,
            json.loads(entry.payload or "{}"),
            otp,
        )

    # --- the outbox relay's three steps (liasse.outbox) ------------------------------

    def _prepare(self, session: sa.orm.Session, exchange_id: int, key: str) -> _LetterCall:
        """What the relay needs to send a letter again under its key (no OTP: it waits to be validated)."""
        row = self._exchange_row(session, exchange_id)
        letter = self._letter_row(session, exchange_id)
        entry = self._outbox_of(session, exchange_id)
        return _LetterCall(exchange_id, key, self._draft(row, letter, entry, None), _to_letter(row, letter), entry.attempts)

    def _call(self, call: _LetterCall) -> RemoteExchange | LiasseError:
        """The provider call; liasse's errors come back as values, for the record."""
        try:
            return self.liasse.hooks.send_registered_mail(self.ctx, call.draft, call.key)
        except LiasseError as exc:
            return exc

    def _apply_outcome(
        self,
        session: sa.orm.Session,
        row: ExchangeRow,
        entry: OutboxEntry,
        call: _LetterCall,
        outcome: RemoteExchange | LiasseError,
    ) -> None:
        """One letter's outcome, recorded in ``session`` on its loaded rows (the outbox relay's call)."""
        written = self._outcome(call, outcome, utcnow())
        for column, value in written.entry.items():
            setattr(entry, column, value)
        row.last_error = written.error
        if written.remote_id is not None:
            row.remote_id = written.remote_id
        if written.target is not None:
            record_transitions(session, ((row, written.target, written.error),), by=self.user_login)

    @staticmethod
    def _outcome(call: _LetterCall, outcome: RemoteExchange | LiasseError, now: dt.datetime) -> _Outcome:
        """Sent (to validate, or waiting with the OTP), still to send with the reason, or failed.

        One reading of an outcome for both writers: the bulk send's batches
        (:meth:`_record_chunk`) and the relay's loaded rows (:meth:`_apply_outcome`).
        """
        released = {"lease_until": None, "claimed_by": None}
        if isinstance(outcome, ProviderUnavailable):
            # Nothing is lost: the letter waits "to send" with the reason; the relay sends it again.
            message = outcome.message()
            retry_at = now + dt.timedelta(seconds=outbox_delay(call.attempts, outcome.retry_after))
            return _Outcome(None, message, None, {"status": "pending", "last_error": message, "next_attempt_at": retry_at, **released})
        if isinstance(outcome, LiasseError):
            message = outcome.message()
            return _Outcome(LetterState.FAILED, message, None, {"status": "failed", "last_error": message, **released})
        target = LetterState.WAITING if call.draft.otp is not None else LetterState.TO_VALID
        return _Outcome(target, None, outcome.remote_id, {"status": "done", "done_at": now, "last_error": None, **released})

    def exchange(self, exchange_id: int) -> Letter:
        """The letter (the relay's name for it)."""
        return self.letter(exchange_id)

    # --- AR-09: validation with one OTP ------------------------------------------------

    @audited(Action.LETTER_VALIDATE)
    def validate(self, letter_ids: Iterable[int], otp: Secret) -> list[Letter]:
        """Validate the chosen letters "to validate" with one OTP code; they become "waiting" (AR-09).

        The code is passed to the provider for this call and forgotten. A
        refused code leaves every letter as it was, with a sentence saying why.
        """
        ids = list(dict.fromkeys(letter_ids))
        with self.liasse.store.session() as session:
            rows = [self._exchange_row(session, i) for i in ids]
            waiting = [row for row in rows if row.state == LetterState.TO_VALID.value and row.remote_id]
            remote = {row.remote_id: row.id for row in waiting}
        if not remote:
            return [self.letter(i) for i in ids]
        try:
            validated = self.liasse.hooks.validate_letters(self.ctx, tuple(remote), otp)  # type: ignore[arg-type]
        except ProviderError as exc:
            slug = str(exc.params.get("slug") or "")
            if slug in OTP_SLUGS:
                raise OtpRefused(
                    title=self.info.title,
                    reason_fr=_OTP_REASONS.get(slug, ("code refusé", ""))[0],
                    reason_en=_OTP_REASONS.get(slug, ("", "code refused"))[1],
                ) from None
            raise
        self._apply_remote(validated, by=self.user_login)
        return [self.letter(i) for i in ids]

    # --- AR-10: statuses -----------------------------------------------------------------

    def letter(self, letter_id: int) -> Letter:
        """One letter of the provider account."""
        with self.liasse.store.session() as session:
            return _to_letter(self._exchange_row(session, letter_id), self._letter_row(session, letter_id))

    def letters(self, filters: LetterFilter | None = None) -> list[Letter]:
        """The letters, newest first, filtered by state, date range and event; ``all_users`` needs the right (AR-10)."""
        from liasse_hostapi.records import Right

        filters = filters or LetterFilter()
        if filters.all_users and not self.user.has(Right.SEE_OTHER_USERS_CONTACTS):
            raise RightMissing(
                user=self.user_login,
                action_fr=f"consulter les lettres {self.info.title} des autres utilisateurs",
                action_en=f"view other users' {self.info.title} letters",
            )
        query = (
            sa.select(ExchangeRow, RegisteredLetter)
            .join(RegisteredLetter, RegisteredLetter.exchange_id == ExchangeRow.id)
            .where(
                ExchangeRow.provider == self.provider,
                ExchangeRow.provider_account == self.provider_account,
                ExchangeRow.kind == ExchangeKind.LETTER.value,
            )
            .order_by(ExchangeRow.created_at.desc(), ExchangeRow.id.desc())
        )
        if not filters.all_users:
            query = query.where(ExchangeRow.created_by == self.user_login)
        if filters.states:
            query = query.where(ExchangeRow.state.in_([s.value for s in filters.states]))
        if filters.since is not None:
            query = query.where(ExchangeRow.created_at >= filters.since)
        if filters.until is not None:
            query = query.where(ExchangeRow.created_at <= filters.until)
        if filters.event_id is not None:
            query = query.where(RegisteredLetter.event_id == filters.event_id)
        with self.liasse.store.session() as session:
            return [_to_letter(row, letter) for row, letter in session.execute(query).all()]

    def refresh(self, remote_ids: Iterable[str]) -> RefreshReport:
        """Re-read the named letters from the provider and apply what changed (a webhook's re-read).

        An id liasse does not hold is not read at all: an unsigned notice
        cannot make liasse ask about other people's letters.
        """
        wanted = list(dict.fromkeys(str(r) for r in remote_ids))
        with self.liasse.store.session() as session:
            known = set(
                session.scalars(
                    sa.select(ExchangeRow.remote_id).where(
                        ExchangeRow.provider == self.provider,
                        ExchangeRow.kind == ExchangeKind.LETTER.value,
                        ExchangeRow.remote_id.in_(wanted),
                    )
                )
            )
        unknown = [r for r in wanted if r not in known]
        if unknown and not known:
            raise UnknownLetter(title=self.info.title, remote_id=", ".join(unknown))
        read = [self.liasse.hooks.read_letter(self.ctx, remote_id) for remote_id in wanted if remote_id in known]
        return RefreshReport(tuple(self._apply_remote(read, by="webhook")))

    def sync(self) -> RefreshReport:
        """Poll the provider for every letter not yet in a final state (the fallback when a webhook is lost)."""
        letters = self.liasse.hooks.list_letters(self.ctx, LetterQuery())
        return RefreshReport(tuple(self._apply_remote(letters, by="sync")))

    def _apply_remote(self, letters: Iterable[RemoteLetter], *, by: str) -> list[int]:
        """Move each held letter to the provider's state, stamping its dates; the ids that moved."""
        changed: list[int] = []
        for remote in letters:
            try:
                target = LetterState(remote.status)
            except ValueError:
                continue  # a word liasse does not know is kept for support, not guessed at
            with self.liasse.store.session() as session:
                row = session.scalars(
                    sa.select(ExchangeRow).where(
                        ExchangeRow.provider == self.provider,
                        ExchangeRow.kind == ExchangeKind.LETTER.value,
                        ExchangeRow.remote_id == remote.remote_id,
                    )
                ).one_or_none()
                if row is None:
                    continue
                letter = self._letter_row(session, row.id)
                letter.deposit_at = letter.deposit_at or remote.sent_at
                letter.acknowledged_at = letter.acknowledged_at or remote.acknowledged_at
                letter.refused_at = letter.refused_at or remote.refused_at
                letter.negligence_at = letter.negligence_at or remote.negligence_at
                letter.bounced_at = letter.bounced_at or remote.bounced_at
                current = LetterState(row.state)
                if current is target or not _machine().is_allowed(current, target):
                    continue
                at = _moment_of(remote, target) or utcnow()
                record_transition(session, row, target, by=by, at=at)
                if target is LetterState.SENT:
                    row.sent_at = at
                if target in OUTCOME_PROOFS:
                    row.done_at = at
                changed.append(row.id)
        return changed

    # --- AR-12: proofs -----------------------------------------------------------------

    @audited(Action.IMPORT)
    def archive_proofs(self, letter_id: int) -> Letter:
        """Fetch the letter's deposit proof and its outcome's proof, through the intake pipeline, onto the party's account."""
        letter = self.letter(letter_id)
        wanted: list[tuple[ProofKind, str]] = []
        if letter.state in DEPOSITED and letter.deposit_proof_id is None:
            wanted.append((ProofKind.DEPOSIT, "deposit_proof_id"))
        outcome = OUTCOME_PROOFS.get(letter.state)
        if outcome is not None and letter.outcome_proof_id is None:
            wanted.append((outcome, "outcome_proof_id"))
        if not wanted or letter.remote_id is None:
            return letter
        account = letter.account_number
        if account is None:
            raise NotFound(what_fr="Compte de la partie", what_en="Party's account", key=letter.party_name)
        downloads = self.work_dir("proofs", str(letter_id))
        for proof, column in wanted:
            received = self.liasse.hooks.fetch_proof(self.ctx, letter.remote_id, proof, downloads)
            result = run_intake(
                self.host,
                self.liasse.hooks,
                Intake(
                    received=received,
                    account_number=account,
                    title=f"{_PROOF_TITLES[proof]} — {letter.label}",
                    provider_title=self.info.title,
                    stamp_text=None,
                    quarantine=self.work_dir("quarantine", f"letter-{letter_id}", create=False),
                    tsa_url=self.liasse.settings.intake.tsa_url,
                ),
            )
            with self.liasse.store.session() as session:
                setattr(self._letter_row(session, letter_id), column, result.original.id)
        return self.letter(letter_id)

    # --- rows and helpers ---------------------------------------------------------

    def _letter_row(self, session: sa.orm.Session, exchange_id: int) -> RegisteredLetter:
        row = session.scalars(sa.select(RegisteredLetter).where(RegisteredLetter.exchange_id == exchange_id)).one_or_none()
        if row is None:
            raise NotFound(what_fr="Lettre recommandée", what_en="Registered letter", key=exchange_id)
        return row

    def _outbox_of(self, session: sa.orm.Session, exchange_id: int) -> OutboxEntry:
        entry = session.scalars(
            sa.select(OutboxEntry).where(OutboxEntry.exchange_id == exchange_id, OutboxEntry.operation == OPERATION)
        ).one_or_none()
        if entry is None:
            raise NotFound(what_fr="Envoi en attente", what_en="Pending send", key=exchange_id)
        return entry

    def _consent_rows(self, session: sa.orm.Session) -> dict[str, RegisteredConsent]:
        rows = session.scalars(
            sa.select(RegisteredConsent).where(
                RegisteredConsent.provider == self.provider, RegisteredConsent.provider_account == self.provider_account
            )
        )
        return {row.party_key: row for row in rows}

    def _new_consent(self, session: sa.orm.Session, key: str, party: Any) -> RegisteredConsent:
        row = RegisteredConsent(
            provider=self.provider,
            provider_account=self.provider_account,
            party_key=key,
            party_name=party.name,
            email=self._email_of(party),
            ticked=False,
        )
        session.add(row)
        return row

    def _payment_link(self, session: sa.orm.Session, entity: str) -> PaymentLink | None:
        return session.scalars(
            sa.select(PaymentLink).where(
                PaymentLink.provider == self.provider,
                PaymentLink.provider_account == self.provider_account,
                PaymentLink.entity == entity,
            )
        ).one_or_none()

    @staticmethod
    def _party_consent(key: str, party: Any, row: RegisteredConsent | None) -> PartyConsent:
        if row is None:
            return PartyConsent(key, party.name, party.email, False)
        state = ConsentState(row.remote_state) if row.remote_state else None
        return PartyConsent(key, party.name, row.email, row.ticked, state, row.link)

    def _parties(self, event_ids: Iterable[int]) -> dict[str, Any]:
        parties: dict[str, Any] = {}
        for event_id in dict.fromkeys(event_ids):
            for party in build.recipients(self.host.events.event(event_id)):
                parties.setdefault(build.party_key(party), party)
        return parties

    def _party(self, event: Any, key: str) -> Any:
        party = build.find_party(event, key)
        if party is None:
            raise NotFound(what_fr="Partie de l'événement", what_en="Event party", key=key)
        return party

    def _stored_party(self, letter: RegisteredLetter) -> Any:
        try:
            return build.find_party(self.host.events.event(letter.event_id), letter.party_key)
        except Exception:  # noqa: BLE001 - the event may be gone; the stored name is enough
            return None

    @functools.cache  # noqa: B019 - a desk lives for one action
    def _account(self, number: str) -> Any:
        try:
            return self.host.accounts.account(number)
        except Exception:  # noqa: BLE001 - an unknown account has no correspondent
            return None

    def _email_of(self, party: Any) -> str | None:
        """AR-06: the correspondent's e-mail (the party's account), else the party's own."""
        account = self._account(party.account_number) if party.account_number else None
        return (account.email if account is not None and account.email else None) or party.email

    def _professional(self, party: Any) -> bool:
        """A legal entity needs no prior consent to registered e-mail (§1.10)."""
        account = self._account(party.account_number) if party.account_number else None
        return bool(account is not None and account.legal_entity)

    def _render_problem(
        self, event: Any, party_name: str, keep: dict[int, build.RenderedLetter] | None = None
    ) -> LetterProblem | None:
        """AR-05: the event's letter and attachments must render to A4 pages only (kept in ``keep`` when given)."""
        rendered = self.host.events.render_event(event.id)
        folder = self.work_dir("letters" if keep is not None else "checks", create=True)
        dest = folder / f"event-{event.id}-{utcnow():%Y%m%d%H%M%S%f}.pdf"
        try:
            made = build.render(rendered.content, build.event_attachments(self.host, event), dest)
        except build.NotA4 as bad:
            dest.unlink(missing_ok=True)
            return build.problem(
                event,
                party_name,
                "page_not_a4",
                f"La page {bad.page} de « {bad.source} » n'est pas au format A4 ({bad.width_mm} × {bad.height_mm} mm) : "
                "AR24 n'accepte que l'A4. Remplacez ce document.",
                f"Page {bad.page} of '{bad.source}' is not A4 ({bad.width_mm} × {bad.height_mm} mm): "
                "AR24 accepts A4 only. Replace that document.",
            )
        if keep is not None:
            keep[event.id] = made
        else:
            dest.unlink(missing_ok=True)
        return None


_OTP_REASONS = {
    "missing_otp": ("aucun code", "no code"),
    "invalid_otp": ("code erroné", "wrong code"),
    "otp_expired": ("code expiré", "expired code"),
    "otp_already_used": ("code déjà utilisé", "code already used"),
    "invalid_auth_otp_hash": ("identification expirée", "identification expired"),
}
_PROOF_TITLES = {
    ProofKind.DEPOSIT: "Preuve de dépôt",
    ProofKind.SENDING: "Preuve d'envoi",
    ProofKind.RECEIPT: "Accusé de réception",
    ProofKind.REFUSAL: "Preuve de refus",
    ProofKind.NEGLIGENCE: "Preuve de négligence",
    ProofKind.BOUNCE: "Preuve de rebond",
}


def _machine() -> Any:
    from liasse.states import LETTER_MACHINE

    return LETTER_MACHINE


def _moment_of(remote: RemoteLetter, target: LetterState) -> dt.datetime | None:
    return {
        LetterState.SENT: remote.sent_at,
        LetterState.ACKNOWLEDGED: remote.acknowledged_at,
        LetterState.REFUSED: remote.refused_at,
        LetterState.NEGLECTED: remote.negligence_at,
        LetterState.BOUNCED: remote.bounced_at,
    }.get(target)


def _draft_of(
    letter: Letter,
    party: Any,
    document: _Document,
    colour: bool,
    double_sided: bool,
    payload: dict[str, Any],
    otp: Secret | None,
) -> RegisteredLetterDraft:
    """The provider call of ``letter``: one reading for the bulk send's commit and for a stored letter."""
    first, _, last = letter.party_name.partition(" ")
    return RegisteredLetterDraft(
        kind=letter.kind,
        recipient=LetterRecipient(
            first_name=(party.first_name if party else None) or first,
            last_name=(party.last_name if party else None) or last or letter.party_name,
            email=letter.recipient_email,
            postal_address=letter.postal_address,
            professional=bool(payload.get("professional")),
        ),
        documents=(
            OutgoingDocument(
                document.path, document.file_name or document.path.name, "application/pdf", document.size or 0, document.sha256
            ),
        ),
        reference=letter.label,
        otp=otp,
        document_ids=(document.remote_id,) if document.remote_id else (),
        colour=colour,
        double_sided=double_sided,
        file_reference=f"event-{letter.event_id}",
        billing_reference=payload.get("billing"),
        webhook_url=payload.get("webhook_url"),
    )


def _to_letter(row: ExchangeRow, letter: RegisteredLetter) -> Letter:
    return Letter(
        id=row.id,
        event_id=letter.event_id,
        party_name=letter.party_name,
        kind=LetterKind(letter.letter_kind),
        state=LetterState(row.state),
        label=row.label,
        account_number=row.account_number,
        remote_id=row.remote_id,
        recipient_email=letter.recipient_email,
        postal_address=letter.postal_address,
        created_by=row.created_by,
        created_at=row.created_at,
        deposit_at=letter.deposit_at,
        acknowledged_at=letter.acknowledged_at,
        refused_at=letter.refused_at,
        negligence_at=letter.negligence_at,
        bounced_at=letter.bounced_at,
        last_error=row.last_error,
        deposit_proof_id=letter.deposit_proof_id,
        outcome_proof_id=letter.outcome_proof_id,
    )
