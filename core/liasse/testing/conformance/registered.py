"""The registered-mail suite: a provider of registered e-mail (AR24's capability), driven through liasse's registered desk.

::

    from liasse.testing.conformance import RegisteredMailConformance

    class TestMyRegistered(RegisteredMailConformance):
        provider = "myregistered"

        def otp(self, sandbox_url: str) -> Secret:  # optional: a valid sender's code from your sandbox
            ...

The host's calls (:class:`liasse.registered.RegisteredDesk`) drive the
provider: a simple electronic notice to a party of the reference host's
event 1 (no consent needed), validated with the sender's code when the
suite can get one, synced, re-read, its proofs asked for.
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
from liasse.records import LetterKind, LetterQuery, OutgoingDocument, ProofKind, RemoteLetter
from liasse.registered import LetterChoice, RegisteredDesk
from liasse.registered.records import Letter
from liasse.secrets import Secret
from liasse.states import LETTER_MACHINE, LetterState
from liasse.store.models import OutboxEntry
from liasse.testing.conformance.exchange import UNKNOWN_ID, UPLOAD_MEMORY_BOUND, UPLOAD_SIZE
from liasse.testing.conformance.kit import (
    check_every_hook_answered,
    outbox_key,
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

OPERATION = "liasse_send_registered_mail"


def check_letters(letters: list[RemoteLetter], known: dict[str, LetterState]) -> None:
    """Each letter's status word is a :class:`LetterState` reached from its last state by a change LETTER_MACHINE allows."""
    current = dict(known)
    for letter in letters:
        assert isinstance(letter, RemoteLetter), f"a letter is a {type(letter).__name__}, not a RemoteLetter"
        if letter.remote_id not in current:
            continue
        try:
            target = LetterState(letter.status)
        except ValueError:
            raise AssertionError(f"{letter.remote_id}: status {letter.status!r} is not a LetterState value") from None
        state = current[letter.remote_id]
        assert target is state or LETTER_MACHINE.is_allowed(state, target), (
            f"{letter.remote_id}: {state.value} -> {target.value} is not a change {LETTER_MACHINE.name_en} allows"
        )
        current[letter.remote_id] = target


class RegisteredMailConformance(ProviderConformance):
    """What a registered-mail provider must do: upload, send, validate, list, read, fetch proofs, find what was sent."""

    capability = Capability.REGISTERED_MAIL
    #: A letter the reference host can send without consent: event 1's simple electronic notice to Marc LEFEBVRE.
    choice: ClassVar[LetterChoice] = LetterChoice(1, "email:marc.lefebvre@gmail.com", LetterKind.SIMPLE_NOTICE)

    def otp(self, sandbox_url: str) -> Secret | None:
        """A valid sender's code from the sandbox at ``sandbox_url``, or None (validation is then only refused)."""
        return None

    @pytest.fixture
    def desk(self, office: Liasse) -> RegisteredDesk:
        """The demo user's registered-mail desk on the provider."""
        desk = office.desk(self.provider, self.user)
        assert isinstance(desk, RegisteredDesk)
        return desk

    def _send(self, desk: RegisteredDesk) -> Letter:
        report = desk.send([self.choice])
        assert not report.problems, [p.text("en") for p in report.problems]
        (result,) = report.results
        if isinstance(result, LiasseError):
            raise result
        return result

    def test_every_hook_answers_with_its_record_or_a_sentence(
        self, office: Liasse, desk: RegisteredDesk, sandbox: SandboxControl, recorder: HookRecorder, tmp_path: Path
    ) -> None:
        """The host's story calls every hook of the capability; each returns its record or raises a LiasseError."""
        office.check_access(self.provider, self.user)
        letter = self._send(desk)
        assert letter.state in (LetterState.TO_VALID, LetterState.WAITING) and letter.remote_id
        ctx = office.context(self.provider, self.user)
        code = self.otp(sandbox.url)
        if code is not None:
            desk.validate([letter.id], code)
        else:
            answer_or_sentence(lambda: office.hooks.validate_letters(ctx, (str(letter.remote_id),), Secret("000000")), "validate_letters")
        desk.sync()
        desk.refresh([str(letter.remote_id)])
        answer_or_sentence(lambda: office.hooks.read_letter(ctx, str(letter.remote_id)), "read_letter")
        answer_or_sentence(lambda: office.hooks.fetch_proof(ctx, str(letter.remote_id), ProofKind.DEPOSIT, tmp_path), "fetch_proof")
        found = office.hooks.find_sent(ctx, OPERATION, outbox_key(office, OutboxEntry.operation == OPERATION, OutboxEntry.exchange_id == letter.id))
        assert found is not None and found.remote_id == letter.remote_id, "liasse_find_sent does not find the letter by its key"
        check_every_hook_answered(recorder, (*COMMON_HOOKS, *CAPABILITY_HOOKS[Capability.REGISTERED_MAIL]))

    def test_statuses_follow_the_state_machine(
        self, office: Liasse, desk: RegisteredDesk, sandbox: SandboxControl, recorder: HookRecorder
    ) -> None:
        """Every status the provider reports for a letter is a LetterState reached by an allowed change."""
        letter = self._send(desk)
        code = self.otp(sandbox.url)
        if code is not None:
            desk.validate([letter.id], code)
        desk.sync()
        ctx = office.context(self.provider, self.user)
        office.hooks.read_letter(ctx, str(letter.remote_id))
        # In the order the provider said them: each answer is a later look at the letter.
        seen = recorder.answers("liasse_list_letters", "liasse_read_letter", "liasse_validate_letters")
        check_letters(seen, {str(letter.remote_id): letter.state})
        assert desk.letter(letter.id).state in set(LetterState)

    def test_unknown_letters_are_refused_with_a_sentence(self, office: Liasse, tmp_path: Path) -> None:
        """Bad input at the provider (a letter it does not have) is one of liasse's errors, in French and English."""
        ctx = office.context(self.provider, self.user)
        calls: dict[str, Any] = {
            "read_letter": lambda: office.hooks.read_letter(ctx, UNKNOWN_ID),
            "fetch_proof": lambda: office.hooks.fetch_proof(ctx, UNKNOWN_ID, ProofKind.DEPOSIT, tmp_path),
            "validate_letters": lambda: office.hooks.validate_letters(ctx, (UNKNOWN_ID,), Secret("000000")),
        }
        for name, call in calls.items():
            with pytest.raises(LiasseError) as caught:
                call()
            check_sentence(caught.value, f"{name} of an unknown letter")

    def test_uploads_stream(self, office: Liasse, tmp_path: Path) -> None:
        """A big letter document is uploaded while liasse's Python memory grows by less than a bound (sandbox in its own process)."""
        info = office.provider(self.provider)
        limit = info.limits.max_file_size if info.limits is not None else UPLOAD_SIZE
        size = min(UPLOAD_SIZE, limit - 64 * 1024)
        bound = min(UPLOAD_MEMORY_BOUND, size // 2)
        path = big_pdf(tmp_path / "Lettre.pdf", size)
        with child_sandbox(info.sandbox) as child:
            measured = open_demo_office(tmp_path / "streaming", {self.provider: child})  # type: ignore[dict-item]
            try:
                ctx = measured.context(self.provider, self.user)
                measured.hooks.upload_letter_document(ctx, _document(big_pdf(tmp_path / "warm-up.pdf", 100_000)))
                control = SandboxControl(child.url)
                control.forget()
                document = _document(path)
                with peak_memory() as peak:
                    remote_id = measured.hooks.upload_letter_document(ctx, document)
                assert remote_id
                assert peak[0].growth < bound, f"uploading {size} bytes took {peak[0].growth} bytes of memory (bound {bound})"
                assert max(e.body_size for e in control.journal()) >= path.stat().st_size, "the provider did not receive the whole file"
            finally:
                measured.close()

    @pytest.mark.parametrize("which", DROPPED_STEPS)
    def test_retries_are_safe_when_an_answer_is_dropped(
        self, office: Liasse, desk: RegisteredDesk, sandbox: SandboxControl, which: str
    ) -> None:
        """A send's first, middle or last changing request done but its answer dropped: one letter at the provider, found by its key."""
        sandbox.forget()
        self._send(desk)
        steps = sandbox.mutating()
        assert steps, "a send changes something at the provider"
        index = pick_step(steps, which)
        where = f"answer of {steps[index].method} {steps[index].path} dropped"
        ctx = office.context(self.provider, self.user)
        before = _letter_ids(office, ctx)
        sandbox.drop_answer_of(steps, index)
        report = patiently(lambda: desk.send([self.choice]))
        (result,) = report.results
        letter = result if isinstance(result, Letter) else max(desk.letters(), key=lambda item: item.id)
        if isinstance(result, LiasseError):
            check_sentence(result, f"send with the {where}")
        for _ in range(3):
            if letter.remote_id and letter.state not in (LetterState.PENDING, LetterState.FAILED):
                break
            try:
                office.outbox.reopen(letter.id, by=self.user)
                patiently(lambda: office.outbox.deliver(desk, letter.id))  # type: ignore[arg-type]
            except LiasseError as exc:
                check_sentence(exc, "retry")
            letter = desk.letter(letter.id)
        sandbox.disarm()
        assert letter.remote_id and letter.state not in (LetterState.PENDING, LetterState.FAILED), (
            f"{where}: {letter.state}, {letter.last_error}"
        )
        new = _letter_ids(office, ctx) - before
        assert new == {letter.remote_id}, f"{where}: the provider has {sorted(new)}"
        found = office.hooks.find_sent(ctx, OPERATION, outbox_key(office, OutboxEntry.operation == OPERATION, OutboxEntry.exchange_id == letter.id))
        assert found is not None and found.remote_id == letter.remote_id, f"{where}: liasse_find_sent does not find it"


def _document(path: Path) -> OutgoingDocument:
    sha256, size = sha256_of(path)
    return OutgoingDocument(path, path.name, "application/pdf", size, sha256)


def _letter_ids(office: Liasse, ctx: Any) -> set[str]:
    """Every letter the provider lists for the user."""
    return {letter.remote_id for letter in patiently(lambda: office.hooks.list_letters(ctx, LetterQuery()))}
