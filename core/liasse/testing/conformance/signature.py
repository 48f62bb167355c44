"""The signature suite: an e-signature provider (ESign's capability), driven through liasse's signing desk.

::

    from liasse.testing.conformance import SignatureConformance

    class TestMySignature(SignatureConformance):
        provider = "mysignature"

The host's calls (:class:`liasse.signing.SigningDesk`) drive the provider: a
signature file made from the reference host's lease event, sent, reminded,
polled, cancelled. The upload check calls ``liasse_request_signature``
itself with a big PDF (the desk reads a document's page sizes whole).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from liasse.app import Liasse
from liasse.capabilities import CAPABILITY_HOOKS, COMMON_HOOKS, Capability
from liasse.demo import open_demo_office
from liasse.errors import LiasseError
from liasse.files import sha256_of
from liasse.records import (
    OutgoingDocument,
    ReminderChannel,
    RemoteState,
    RemoteStatus,
    SignatureAuthentication,
    SignatureField,
    SignatureRequestDraft,
    SignerDraft,
)
from liasse.signing import SigningDesk
from liasse.signing.desk import _STATES, OPERATION, _payload
from liasse.states import SIGNATURE_MACHINE, SignatureState
from liasse.store.models import OutboxEntry
from liasse.testing.conformance.exchange import UNKNOWN_ID, UPLOAD_MEMORY_BOUND, UPLOAD_SIZE
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

#: Provider words that say a file still waits for signatures.
_WAITING = frozenset({RemoteState.OPEN, RemoteState.REMINDED})


def signature_state(reported: RemoteState) -> SignatureState | None:
    """The state of :data:`liasse.states.SIGNATURE_MACHINE` a provider's word means (None: liasse has none)."""
    if reported in _WAITING:
        return SignatureState.AWAITING
    return _STATES.get(reported)


def check_statuses(statuses: list[RemoteStatus], sent: set[str]) -> None:
    """Each status of a sent file maps to a signature state reached from "awaiting" by an allowed change."""
    current: dict[str, SignatureState] = dict.fromkeys(sent, SignatureState.AWAITING)
    for status in statuses:
        assert isinstance(status, RemoteStatus), f"a status is a {type(status).__name__}, not a RemoteStatus"
        if status.remote_id not in current:
            continue
        target = signature_state(status.state)
        assert target is not None, (
            f"{status.remote_id}: the provider reported {status.state.value!r} ({status.raw_state!r}) "
            "for a sent signature file, which has no state in liasse.states"
        )
        state = current[status.remote_id]
        assert target is state or SIGNATURE_MACHINE.is_allowed(state, target), (
            f"{status.remote_id}: {state.value} -> {target.value} is not a change {SIGNATURE_MACHINE.name_en} allows"
        )
        current[status.remote_id] = target


class SignatureConformance(ProviderConformance):
    """What a signature provider must do: request, remind, follow, cancel, fetch the signed PDF."""

    capability = Capability.SIGNATURE
    #: The reference host's event whose letter is signed (the colocation lease: two tenants and a guarantor).
    event_id: ClassVar[int] = 4

    @pytest.fixture
    def desk(self, office: Liasse) -> SigningDesk:
        """The demo user's signing desk on the provider."""
        return SigningDesk(office, self.provider, self.user)

    def test_every_hook_answers_with_its_record_or_a_sentence(
        self, office: Liasse, desk: SigningDesk, recorder: HookRecorder, tmp_path: Path
    ) -> None:
        """The host's story calls every hook of the capability; each returns its record or raises a LiasseError."""
        office.check_access(self.provider, self.user)
        made = desk.create_from_event(self.event_id)
        sent = desk.send(made.id)
        assert sent.state is SignatureState.AWAITING and sent.remote_id
        desk.remind(made.id)
        desk.poll()
        ctx = office.context(self.provider, self.user)
        answer_or_sentence(lambda: office.hooks.sync_status(ctx, None), "sync_status")
        answer_or_sentence(lambda: office.hooks.fetch_document(ctx, str(sent.remote_id), tmp_path), "fetch_document")
        cancelled = desk.cancel(made.id)
        assert cancelled.state is SignatureState.CANCELLED, cancelled.state
        check_every_hook_answered(recorder, (*COMMON_HOOKS, *CAPABILITY_HOOKS[Capability.SIGNATURE]))

    def test_statuses_follow_the_state_machine(self, office: Liasse, desk: SigningDesk, recorder: HookRecorder) -> None:
        """Every status the provider reports for a sent file is a signature state reached by an allowed change."""
        waiting = desk.send(desk.create_from_event(self.event_id).id)
        closed = desk.send(desk.create_from_event(self.event_id).id)
        desk.remind(waiting.id)
        desk.cancel(closed.id)
        desk.poll()
        ctx = office.context(self.provider, self.user)
        cursor: str | None = None
        for _ in range(100):
            page = office.hooks.sync_status(ctx, cursor)
            cursor = page.cursor
            if not page.has_more:
                break
        sent = {str(waiting.remote_id), str(closed.remote_id)}
        if self.provider in office.hooks.providers_with("liasse_read_status"):
            for remote_id in sorted(sent):
                office.hooks.read_status(ctx, remote_id)
        statuses = recorder.answers("liasse_sync_status", "liasse_read_status", "liasse_cancel_signature")
        assert any(s.remote_id == closed.remote_id for s in recorder.results("liasse_cancel_signature"))
        check_statuses(statuses, sent)
        assert desk.file(closed.id).state is SignatureState.CANCELLED
        assert desk.file(waiting.id).state is SignatureState.AWAITING

    def test_unknown_items_and_closed_files_are_refused_with_a_sentence(
        self, office: Liasse, desk: SigningDesk, tmp_path: Path
    ) -> None:
        """Bad input at the provider (an id it lacks, a file already cancelled) is one of liasse's errors, in both languages."""
        ctx = office.context(self.provider, self.user)
        cancelled = desk.send(desk.create_from_event(self.event_id).id)
        desk.cancel(cancelled.id)
        calls: dict[str, Any] = {
            "remind of an unknown id": lambda: office.hooks.remind(ctx, UNKNOWN_ID, ReminderChannel.MAIL, "conformance-unknown"),
            "cancel of an unknown id": lambda: office.hooks.cancel_signature(ctx, UNKNOWN_ID, "other"),
            "fetch_document of an unknown id": lambda: office.hooks.fetch_document(ctx, UNKNOWN_ID, tmp_path),
            "cancel of a cancelled file": lambda: office.hooks.cancel_signature(ctx, str(cancelled.remote_id), "other"),
        }
        for name, call in calls.items():
            with pytest.raises(LiasseError) as caught:
                call()
            check_sentence(caught.value, name)

    def test_provider_down_leaves_the_file_to_send_with_a_sentence(self, desk: SigningDesk, sandbox: SandboxControl) -> None:
        """A send while the provider is down raises a sentence and leaves the file "to send"; it goes once the provider is back."""
        made = desk.create_from_event(self.event_id)
        sandbox.arm("status", status=503, retry_after=120, times=50)
        with pytest.raises(LiasseError) as caught:
            desk.send(made.id)
        check_sentence(caught.value, "send while the provider is down")
        kept = desk.file(made.id)
        assert kept.state is SignatureState.TO_SEND and kept.last_error
        sandbox.disarm()
        assert desk.send(made.id).state is SignatureState.AWAITING

    def test_uploads_stream(self, office: Liasse, tmp_path: Path) -> None:
        """A big PDF is sent for signature while liasse's Python memory grows by less than a bound (sandbox in its own process)."""
        info = office.provider(self.provider)
        limit = info.limits.max_file_size if info.limits is not None else UPLOAD_SIZE
        size = min(UPLOAD_SIZE, limit - 64 * 1024)
        bound = min(UPLOAD_MEMORY_BOUND, size // 2)
        path = big_pdf(tmp_path / "Bail.pdf", size)
        with child_sandbox(info.sandbox) as child:
            measured = open_demo_office(tmp_path / "streaming", {self.provider: child})  # type: ignore[dict-item]
            try:
                ctx = measured.context(self.provider, self.user)
                measured.hooks.request_signature(ctx, _draft(big_pdf(tmp_path / "warm-up.pdf", 100_000)), "conformance-warm-up")
                control = SandboxControl(child.url)
                control.forget()
                draft = _draft(path)
                with peak_memory() as peak:
                    remote = measured.hooks.request_signature(ctx, draft, "conformance-stream")
                assert remote.remote_id
                assert peak[0].growth < bound, f"sending {size} bytes took {peak[0].growth} bytes of memory (bound {bound})"
                assert max(e.body_size for e in control.journal()) >= path.stat().st_size, "the provider did not receive the whole file"
            finally:
                measured.close()

    @pytest.mark.parametrize("which", DROPPED_STEPS)
    def test_retries_are_safe_when_an_answer_is_dropped(
        self, office: Liasse, desk: SigningDesk, sandbox: SandboxControl, which: str
    ) -> None:
        """A send's first, middle or last changing request done but its answer dropped: one request at the provider, found by its key.

        liasse sends again as a user (or the outbox) would, waiting out the
        provider's quota when it says to.
        """
        sandbox.forget()
        desk.send(desk.create_from_event(self.event_id).id)
        steps = sandbox.mutating()
        assert steps, "a send changes something at the provider"
        step = steps[pick_step(steps, which)]
        ctx = office.context(self.provider, self.user)
        made = desk.create_from_event(self.event_id)
        before = synced_ids(office, ctx)
        sandbox.drop_answer_of(steps, pick_step(steps, which))
        sent = desk.file(made.id)
        for _ in range(4):
            try:
                sent = patiently(lambda: desk.send(made.id))
            except LiasseError as exc:
                check_sentence(exc, f"send with the answer of {step.method} {step.path} dropped")
                sent = desk.file(made.id)
            if sent.state is SignatureState.AWAITING:
                break
        sandbox.disarm()
        where = f"answer of {step.method} {step.path} dropped"
        assert sent.state is SignatureState.AWAITING, f"{where}: {sent.state}, {sent.last_error}"
        new = synced_ids(office, ctx) - before
        assert new == {sent.remote_id}, f"{where}: the provider has {sorted(new)}"
        if office.hooks.can_find_sent(self.provider):
            found = patiently(lambda: office.hooks.find_sent(ctx, OPERATION, outbox_key(office, OutboxEntry.operation == OPERATION, OutboxEntry.payload == _payload(made.id))))
            assert found is not None and found.remote_id == sent.remote_id, f"{where}: liasse_find_sent does not find it"


def _draft(path: Path) -> SignatureRequestDraft:
    """One PDF, one signer with a box on page 1: the smallest request a provider takes."""
    sha256, size = sha256_of(path)
    document = OutgoingDocument(path, path.name, "application/pdf", size, sha256)
    signer = SignerDraft(
        "Jacques",
        "MARTIN",
        "jacques.martin@free.fr",
        "+33654559987",
        SignatureAuthentication.OTP_SMS,
        (SignatureField(page=1, x=100, y=600),),
    )
    return SignatureRequestDraft(name=path.stem, documents=(document,), signers=(signer,))
