"""The exchange suite: a provider of secure document exchange (DocSecure's capability), driven through liasse's desk.

::

    from liasse.testing.conformance import ExchangeConformance

    class TestMyExchange(ExchangeConformance):
        provider = "myexchange"

The host's calls (:class:`liasse.desk.ExchangeDesk`) drive the provider:
contacts, a request, a send, a reminder, a sync. The suite checks what the
provider answers, not how it talks to its service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from liasse.app import Liasse
from liasse.capabilities import CAPABILITY_HOOKS, COMMON_HOOKS, Capability
from liasse.demo import open_demo_office
from liasse.desk import ContactForm, ExchangeDesk
from liasse.desk.tracking import _TARGETS
from liasse.errors import LiasseError
from liasse.records import ContactDraft, ContactKind, DocumentType, ReminderChannel, RemoteState, RemoteStatus
from liasse.states import ExchangeKind, LabelledState, RequestState, SendState, machine_for
from liasse.store.models import OutboxEntry
from liasse.testing.conformance.kit import (
    check_every_hook_answered,
    outbox_key,
    synced_ids,
    DROPPED_STEPS,
    HookRecorder,
    SandboxControl,
    answer_or_sentence,
    big_pdf,
    check_sentence,
    child_sandbox,
    patiently,
    peak_memory,
    pick_step,
)
from liasse.testing.conformance.provider import ProviderConformance

#: The biggest file the upload check sends (less when the provider accepts less).
UPLOAD_SIZE = 64 * 1024 * 1024
#: The most Python memory a streamed upload may take at its peak, over what it held before.
UPLOAD_MEMORY_BOUND = 8 * 1024 * 1024
#: An id no provider has: bad input every step that takes one must refuse with a sentence.
UNKNOWN_ID = "liasse-conformance-unknown-0000"


def exchange_state(kind: ExchangeKind, reported: RemoteState, current: LabelledState) -> LabelledState | None:
    """The state of ``kind``'s machine a provider's word means for an item now ``current`` (None: liasse has none).

    "open" says the item still waits: it keeps whichever open state it is in.
    """
    if reported is RemoteState.OPEN:
        return current if current in (RequestState.SENT, RequestState.REMINDED, SendState.SENT, SendState.REMINDED) else None
    return _TARGETS.get((kind, reported))


def check_statuses(statuses: list[RemoteStatus], known: dict[str, tuple[ExchangeKind, LabelledState]]) -> None:
    """Each status maps to a state of its item's machine, and each change it makes is allowed from the item's state."""
    current = dict(known)
    for status in statuses:
        assert isinstance(status, RemoteStatus), f"a status is a {type(status).__name__}, not a RemoteStatus"
        if status.remote_id not in current:
            continue  # an item made on the provider's site, outside the test
        kind, state = current[status.remote_id]
        machine = machine_for(kind)
        target = exchange_state(kind, status.state, state)
        assert target is not None, (
            f"{status.remote_id}: the provider reported {status.state.value!r} ({status.raw_state!r}) "
            f"for {kind.label('en')}, which has no state in liasse.states"
        )
        assert target is state or machine.is_allowed(state, target), (
            f"{status.remote_id}: {state.value} -> {target.value} is not a change {machine.name_en} allows"
        )
        current[status.remote_id] = (kind, target)


class ExchangeConformance(ProviderConformance):
    """What an exchange provider must do: contacts, requests, sends, reminders, sync, fetches."""

    capability = Capability.EXCHANGE
    #: The reference host's account the exchanges are filed on, and its contact.
    account_number: ClassVar[str] = "2950"
    contact_form: ClassVar[ContactForm] = ContactForm(
        ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87"
    )
    other_contact_form: ClassVar[ContactForm] = ContactForm(
        ContactKind.PERSON, "Marie", "MARTIN", "marie.martin@free.fr", "06 12 34 56 78"
    )

    @pytest.fixture
    def desk(self, office: Liasse) -> ExchangeDesk:
        """The demo user's desk on the provider."""
        return office.desk(self.provider, self.user)

    @pytest.fixture
    def pdf(self, tmp_path: Path) -> Path:
        """A small PDF to send."""
        return big_pdf(tmp_path / "Compromis de vente.pdf", 40_000)

    def test_every_hook_answers_with_its_record_or_a_sentence(
        self, office: Liasse, desk: ExchangeDesk, recorder: HookRecorder, pdf: Path, tmp_path: Path
    ) -> None:
        """The host's story calls every hook of the capability; each returns its record or raises a LiasseError."""
        office.check_access(self.provider, self.user)
        contact = desk.create_contact(self.contact_form, self.account_number)
        desk.update_contact(contact.id, attrs.evolve(self.contact_form, mobile="06 54 55 99 88"))
        desk.archive_contact(contact.id)
        desk.unarchive_contact(contact.id)
        desk.provider_site_contacts()
        other = desk.create_contact(self.other_contact_form, self.account_number)
        desk.delete_contact(other.id)
        request = desk.request_document(contact.id, DocumentType.RIB, "RIB pour la vente", account_number=self.account_number)
        send = desk.send_file(contact.id, pdf, account_number=self.account_number)
        desk.remind(send.id, ReminderChannel.MAIL)
        desk.sync()
        ctx = office.context(self.provider, self.user)
        answer_or_sentence(lambda: office.hooks.provider_limits(ctx), "provider_limits")
        for remote_id in (request.remote_id, send.remote_id):
            assert remote_id, "a sent exchange has the provider's id"
            (tmp_path / remote_id).mkdir()
            answer_or_sentence(lambda: office.hooks.fetch_document(ctx, remote_id, tmp_path / remote_id), "fetch_document")
            answer_or_sentence(lambda: office.hooks.fetch_attestation(ctx, remote_id, tmp_path / remote_id), "fetch_attestation")
        check_every_hook_answered(recorder, (*COMMON_HOOKS, *CAPABILITY_HOOKS[Capability.EXCHANGE]))

    def test_statuses_follow_the_state_machines(self, office: Liasse, desk: ExchangeDesk, recorder: HookRecorder, pdf: Path) -> None:
        """Every status the provider reports is a state of the request's or send's machine, reached by an allowed change."""
        contact = desk.create_contact(self.contact_form, self.account_number)
        request = desk.request_document(contact.id, DocumentType.OTHER, "Pièce d'identité", account_number=self.account_number)
        send = desk.send_file(contact.id, pdf, account_number=self.account_number)
        desk.remind(request.id, ReminderChannel.MAIL)
        assert request.state is RequestState.SENT and send.state is SendState.SENT
        known = {
            str(request.remote_id): (ExchangeKind.REQUEST, RequestState.REMINDED),
            str(send.remote_id): (ExchangeKind.SEND, SendState.SENT),
        }
        desk.sync()
        ctx = office.context(self.provider, self.user)
        cursor: str | None = None
        for _ in range(100):
            page = office.hooks.sync_status(ctx, cursor)
            cursor = page.cursor
            if not page.has_more:
                break
        if self.provider in office.hooks.providers_with("liasse_read_status"):
            for remote_id in known:
                office.hooks.read_status(ctx, remote_id)
        statuses = recorder.answers("liasse_sync_status", "liasse_read_status")
        check_statuses(statuses, known)
        for exchange in desk.exchanges():
            assert exchange.state in set(machine_for(exchange.kind).states)

    def test_unknown_items_are_refused_with_a_sentence(self, office: Liasse, desk: ExchangeDesk, tmp_path: Path) -> None:
        """Bad input at the provider (an id it does not have) is one of liasse's errors, in French and English."""
        ctx = office.context(self.provider, self.user)
        calls: dict[str, Any] = {
            "remind": lambda: office.hooks.remind(ctx, UNKNOWN_ID, ReminderChannel.MAIL, "conformance-remind-unknown"),
            "fetch_document": lambda: office.hooks.fetch_document(ctx, UNKNOWN_ID, tmp_path),
            "fetch_attestation": lambda: office.hooks.fetch_attestation(ctx, UNKNOWN_ID, tmp_path),
            "update_contact": lambda: office.hooks.update_contact(ctx, UNKNOWN_ID, _draft(self.contact_form)),
        }
        for name, call in calls.items():
            with pytest.raises(LiasseError) as caught:
                call()
            check_sentence(caught.value, f"{name} of an unknown id")

    def test_provider_down_keeps_the_send_with_a_sentence(self, desk: ExchangeDesk, sandbox: SandboxControl, pdf: Path) -> None:
        """A send while the provider is down stays "À envoyer" with the sentence, its file kept; it leaves once back."""
        contact = desk.create_contact(self.contact_form, self.account_number)
        assert desk.limits.max_file_size > 0  # asked once per desk, before the provider goes down
        sandbox.arm("status", status=503, retry_after=120, times=50)
        try:
            kept = desk.send_file(contact.id, pdf, account_number=self.account_number)
        except LiasseError as exc:
            check_sentence(exc, "send_file while the provider is down")
            kept = max(desk.exchanges(), key=lambda e: e.id)
        assert kept.state is SendState.PENDING and kept.last_error, (kept.state, kept.last_error)
        sandbox.disarm()
        assert desk.retry(kept.id).state is SendState.SENT

    def test_uploads_stream(self, office: Liasse, tmp_path: Path) -> None:
        """A big file is sent while liasse's Python memory grows by less than a bound (the sandbox in its own process)."""
        info = office.provider(self.provider)
        with child_sandbox(info.sandbox) as child:
            measured = open_demo_office(tmp_path / "streaming", {self.provider: child})  # type: ignore[dict-item]
            try:
                desk = measured.desk(self.provider, self.user)
                size = min(UPLOAD_SIZE, desk.limits.max_file_size - 64 * 1024)
                bound = min(UPLOAD_MEMORY_BOUND, size // 2)
                contact = desk.create_contact(self.contact_form, self.account_number)
                desk.send_file(contact.id, big_pdf(tmp_path / "warm-up.pdf", 100_000), account_number=self.account_number)
                path = big_pdf(tmp_path / "Grand livre.pdf", size)
                control = SandboxControl(child.url)
                control.forget()
                with peak_memory() as peak:
                    sent = desk.send_file(contact.id, path, account_number=self.account_number)
                assert sent.state is SendState.SENT
                assert peak[0].growth < bound, f"sending {size} bytes took {peak[0].growth} bytes of memory (bound {bound})"
                assert max(e.body_size for e in control.journal()) >= path.stat().st_size, "the provider did not receive the whole file"
            finally:
                measured.close()

    @pytest.mark.parametrize("which", DROPPED_STEPS)
    def test_retries_are_safe_when_an_answer_is_dropped(
        self, office: Liasse, desk: ExchangeDesk, sandbox: SandboxControl, pdf: Path, which: str
    ) -> None:
        """A send's first, middle or last changing request done but its answer dropped: one send at the provider, found by its key."""
        contact = desk.create_contact(self.contact_form, self.account_number)
        sandbox.forget()
        desk.send_file(contact.id, pdf, account_number=self.account_number)
        steps = sandbox.mutating()
        assert steps, "a send changes something at the provider"
        index = pick_step(steps, which)
        where = f"answer of {steps[index].method} {steps[index].path} dropped"
        ctx = office.context(self.provider, self.user)
        before = synced_ids(office, ctx)
        sandbox.drop_answer_of(steps, index)
        try:
            sent = patiently(lambda: desk.send_file(contact.id, pdf, account_number=self.account_number))
        except LiasseError as exc:
            check_sentence(exc, f"send_file with the {where}")
            sent = max(desk.exchanges(), key=lambda e: e.id)
        for _ in range(3):
            if sent.state is SendState.SENT:
                break
            try:
                sent = patiently(lambda: desk.retry(sent.id))
            except LiasseError as exc:
                check_sentence(exc, "retry")
                sent = desk.exchange(sent.id)
        sandbox.disarm()
        assert sent.state is SendState.SENT, f"{where}: {sent.state}, {sent.last_error}"
        new = synced_ids(office, ctx) - before
        assert new == {sent.remote_id}, f"{where}: the provider has {sorted(new)}"
        if office.hooks.can_find_sent(self.provider):
            found = office.hooks.find_sent(ctx, "liasse_send_documents", outbox_key(office, OutboxEntry.exchange_id == sent.id))
            assert found is not None and found.remote_id == sent.remote_id, f"{where}: liasse_find_sent does not find the send"


def _draft(form: ContactForm) -> ContactDraft:
    return ContactDraft(form.kind, form.first_name, form.last_name, form.email, "+33654559987")
