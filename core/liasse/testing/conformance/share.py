"""The share suite: a shared-zone provider (JurisZone's capability), driven through liasse's sharing desk.

::

    from liasse.testing.conformance import ShareConformance

    class TestMyZone(ShareConformance):
        provider = "myzone"

The host's calls (:class:`liasse.sharing.ShareDesk`) drive the provider: the
reference host's matter 2950-01 exported with its parties (the buyer is
given an e-mail first), documents uploaded, listed and shared, the event
feed read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

import pytest

from liasse.app import Liasse
from liasse.capabilities import CAPABILITY_HOOKS, COMMON_HOOKS, Capability
from liasse.demo import open_demo_office
from liasse.errors import LiasseError
from liasse.records import RemoteState, RemoteStatus, ShareEvent
from liasse.sharing import RecipientChoice, ShareDesk, ShareForm
from liasse.sharing.desk import _MOVES, _REMOTE_MOVES
from liasse.states import SHARE_MACHINE, ShareState
from liasse.testing.conformance.exchange import UNKNOWN_ID, UPLOAD_MEMORY_BOUND, UPLOAD_SIZE
from liasse.testing.conformance.kit import (
    check_every_hook_answered,
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


def check_share_changes(statuses: list[RemoteStatus], events: list[ShareEvent], shares: set[str]) -> None:
    """Each status or event of a share moves it to a ShareState by a change SHARE_MACHINE allows (from "Partagé")."""
    current: dict[str, ShareState] = dict.fromkeys(shares, ShareState.ACTIVE)

    def move(remote_id: str, target: ShareState | None, what: str) -> None:
        if remote_id not in current or target is None:
            return
        state = current[remote_id]
        assert target is state or SHARE_MACHINE.is_allowed(state, target), (
            f"{remote_id}: {what} moves {state.value} -> {target.value}, which {SHARE_MACHINE.name_en} does not allow"
        )
        current[remote_id] = target

    for status in statuses:
        assert isinstance(status, RemoteStatus), f"a status is a {type(status).__name__}, not a RemoteStatus"
        if status.remote_id in current and status.state not in (RemoteState.OPEN, RemoteState.REMINDED):
            target = _REMOTE_MOVES.get(status.state)
            assert target is not None, f"{status.remote_id}: status {status.state.value!r} has no state in liasse.states"
            move(status.remote_id, target, f"status {status.state.value!r}")
    for event in events:
        assert isinstance(event, ShareEvent), f"an event is a {type(event).__name__}, not a ShareEvent"
        move(event.share_id, _MOVES.get(event.kind), f"event {event.kind.value!r}")


class ShareConformance(ProviderConformance):
    """What a shared-zone provider must do: export a file, upload, list, share, report events, give documents back."""

    capability = Capability.SHARE
    #: The reference host's matter exported (a sale: seller, buyer, agency).
    matter: ClassVar[tuple[str, str]] = ("2950", "2950-01")
    #: Parties the demo data leaves without an e-mail, given one before the export.
    emails: ClassVar[dict[str, str]] = {"3120": "marie.dupont@orange.fr"}
    #: Who the share goes to.
    recipients: ClassVar[tuple[RecipientChoice, ...]] = (RecipientChoice("3120", may_modify=True, notify=True),)

    @pytest.fixture
    def zone(self, office: Liasse) -> ShareDesk:
        """The demo user's shared zone on the provider, the matter's parties all with an e-mail."""
        _give_emails(office, self.emails)
        return ShareDesk(office, self.provider, self.user)

    @pytest.fixture
    def pdf(self, tmp_path: Path) -> Path:
        """A small PDF to upload."""
        return big_pdf(tmp_path / "Compromis.pdf", 40_000)

    def _share(self, zone: ShareDesk, file_id: int, document_ids: tuple[int, ...]) -> Any:
        form = ShareForm(
            title="Pièces de la vente",
            expires_on=zone.today() + dt.timedelta(days=10),
            recipients=self.recipients,
            document_ids=document_ids,
            comment="Merci de nous retourner le compromis signé.",
        )
        return zone.share(file_id, form)

    def test_every_hook_answers_with_its_record_or_a_sentence(
        self, office: Liasse, zone: ShareDesk, recorder: HookRecorder, pdf: Path, tmp_path: Path
    ) -> None:
        """The host's story calls every hook of the capability; each returns its record or raises a LiasseError."""
        office.check_access(self.provider, self.user)
        exported = zone.export_matter(*self.matter)
        documents = zone.upload(exported.id, files=(pdf,))
        assert all(d.remote_id for d in documents)
        share = self._share(zone, exported.id, tuple(d.id for d in documents))
        assert share.state is ShareState.ACTIVE and share.remote_id
        zone.sync()
        ctx = office.context(self.provider, self.user)
        answer_or_sentence(lambda: office.hooks.list_shared_documents(ctx, exported.number), "list_shared_documents")
        answer_or_sentence(lambda: office.hooks.sync_status(ctx, None), "sync_status")
        answer_or_sentence(lambda: office.hooks.fetch_document(ctx, str(documents[0].remote_id), tmp_path), "fetch_document")
        check_every_hook_answered(recorder, (*COMMON_HOOKS, *CAPABILITY_HOOKS[Capability.SHARE]))

    def test_statuses_follow_the_state_machine(self, office: Liasse, zone: ShareDesk, recorder: HookRecorder, pdf: Path) -> None:
        """Every share status and event the provider reports moves a share by a change SHARE_MACHINE allows."""
        exported = zone.export_matter(*self.matter)
        documents = zone.upload(exported.id, files=(pdf,))
        share = self._share(zone, exported.id, tuple(d.id for d in documents))
        zone.sync()
        ctx = office.context(self.provider, self.user)
        cursor: str | None = None
        for _ in range(100):
            page = office.hooks.sync_status(ctx, cursor)
            cursor = page.cursor
            if not page.has_more:
                break
        statuses = [u for page in recorder.results("liasse_sync_status") for u in page.updates]
        events = [e for page in recorder.results("liasse_share_events") for e in page.events]
        check_share_changes(statuses, events, {str(share.remote_id)})
        assert zone.share_view(share.id).state in set(ShareState)

    def test_unknown_items_are_refused_with_a_sentence(self, office: Liasse, tmp_path: Path) -> None:
        """Bad input at the provider (a file or document it does not have) is one of liasse's errors, in both languages."""
        ctx = office.context(self.provider, self.user)
        calls: dict[str, Any] = {
            "list_shared_documents": lambda: office.hooks.list_shared_documents(ctx, UNKNOWN_ID),
            "fetch_document": lambda: office.hooks.fetch_document(ctx, UNKNOWN_ID, tmp_path),
        }
        for name, call in calls.items():
            with pytest.raises(LiasseError) as caught:
                call()
            check_sentence(caught.value, f"{name} of an unknown id")

    def test_uploads_stream(self, office: Liasse, tmp_path: Path) -> None:
        """A big document is uploaded while liasse's Python memory grows by less than a bound (the sandbox in its own process)."""
        info = office.provider(self.provider)
        with child_sandbox(info.sandbox) as child:
            measured = open_demo_office(tmp_path / "streaming", {self.provider: child})  # type: ignore[dict-item]
            try:
                _give_emails(measured, self.emails)
                zone = ShareDesk(measured, self.provider, self.user)
                size = min(UPLOAD_SIZE, zone.limits.max_file_size - 64 * 1024)
                bound = min(UPLOAD_MEMORY_BOUND, size // 2)
                exported = zone.export_matter(*self.matter)
                zone.upload(exported.id, files=(big_pdf(tmp_path / "warm-up.pdf", 100_000),))
                path = big_pdf(tmp_path / "Acte.pdf", size)
                control = SandboxControl(child.url)
                control.forget()
                with peak_memory() as peak:
                    (document,) = zone.upload(exported.id, files=(path,))
                assert document.remote_id
                assert peak[0].growth < bound, f"uploading {size} bytes took {peak[0].growth} bytes of memory (bound {bound})"
                assert max(e.body_size for e in control.journal()) >= path.stat().st_size, "the provider did not receive the whole file"
            finally:
                measured.close()

    @pytest.mark.parametrize("which", DROPPED_STEPS)
    def test_retries_are_safe_when_an_answer_is_dropped(
        self, office: Liasse, zone: ShareDesk, sandbox: SandboxControl, pdf: Path, which: str
    ) -> None:
        """An upload's first, middle or last changing request done but its answer dropped: the document once at the provider."""
        exported = zone.export_matter(*self.matter)
        sandbox.forget()
        zone.upload(exported.id, files=(pdf,))
        steps = sandbox.mutating()
        assert steps, "an upload changes something at the provider"
        index = pick_step(steps, which)
        where = f"answer of {steps[index].method} {steps[index].path} dropped"
        ctx = office.context(self.provider, self.user)
        before = _document_ids(office, ctx, exported.number)
        sandbox.drop_answer_of(steps, index)
        try:
            (document,) = patiently(lambda: zone.upload(exported.id, files=(pdf,)))
        except LiasseError as exc:
            check_sentence(exc, f"upload with the {where}")
            document = max(zone.documents(exported.id), key=lambda d: d.id)
        for _ in range(3):
            if document.remote_id:
                break
            patiently(zone.retry_pending)
            document = zone.document(document.id)
        sandbox.disarm()
        assert document.remote_id, f"{where}: the document was not uploaded"
        new = _document_ids(office, ctx, exported.number) - before
        assert new == {document.remote_id}, f"{where}: the provider has {sorted(new)}"


def _give_emails(office: Liasse, emails: dict[str, str]) -> None:
    for account, email in emails.items():
        office.host.accounts.update_contact_details(account, email=email, mobile=None)


def _document_ids(office: Liasse, ctx: Any, number: str) -> set[str]:
    batch = patiently(lambda: office.hooks.list_shared_documents(ctx, number))
    return {d.remote_id for d in batch.documents}
