"""The signing desk: signature files from events, their signers, send, follow-up, archiving (ES-02 … ES-12).

One desk per user and signature provider. Every step is a method; the
host's screens call them and show :mod:`liasse.signing.records`:

* :meth:`SigningDesk.create_from_event` (ES-06): the event's letter rendered
  to PDF and time-stamped, the template's roles filled from the event's
  parties (ES-03, exclusions refused), the placements resolved (ES-05),
  status 0 "à envoyer";
* :meth:`SigningDesk.create_from_attachment` (JS-02): a stored PDF of the
  host, checked against the provider's limits, signers added by hand; once
  sent and once signed, new versions of that stored file (JS-04);
* :meth:`~SigningDesk.edit_signer`, :meth:`~SigningDesk.add_signer`,
  :meth:`~SigningDesk.delete_signer`, :meth:`~SigningDesk.set_placements`
  (ES-05, ES-07, ES-11) while the file is to send;
* :meth:`~SigningDesk.send` (ES-08): an ``outbox`` row with the idempotency
  key is committed before the call; a row attempted before is reconciled
  through ``liasse_find_sent`` (Yousign: by ``external_id``) and never sent
  twice; status 1 "en attente de signature";
* :meth:`~SigningDesk.refresh` (ES-10, from a webhook's notice or by polling
  :meth:`~SigningDesk.poll`): signed files get their document fetched, run
  through the intake pipeline and archived on the event's owner account
  (ES-02), status 2 "signé" with the reception time; declined, expired and
  cancelled are recorded too;
* :meth:`~SigningDesk.remind`, :meth:`~SigningDesk.cancel`.

A refused step leaves the file in its last good state with the provider's
sentence in ``last_error``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from liasse_hostapi.records import EventParty, HostPlacement, NewAttachment, OwnerKind, PartyRole, SignatureTemplate

from liasse.audit import Action, audited
from liasse.desk.base import DeskBase
from liasse.errors import EmailInvalid, FieldMissing, FileRefused, LiasseError, NotFound, ProviderUnavailable
from liasse.intake.pipeline import Intake, run_intake
from liasse.phones import normalise_mobile
from liasse.records import (
    IncomingDocument,
    OutgoingDocument,
    ReminderChannel,
    RemoteState,
    RemoteStatus,
    SignatureAuthentication,
    SignatureRequestDraft,
    SignerDraft,
)
from liasse.signing import placement as placing
from liasse.signing import roles
from liasse.signing.errors import (
    LineNotDeletable,
    ManagerUnknown,
    NoSigner,
    NotEditable,
    NotForSignature,
    SignedDocumentMissing,
    SignerEmailMissing,
    TooManyDocuments,
)
from liasse.signing.records import Placement, RefreshReport, SignatureFile, Signer
from liasse.states import SIGNATURE_MACHINE, SignatureState
from liasse.store.models import OutboxEntry, SignatureFile as FileRow
from liasse.store.models import SignaturePlacement, SignatureSigner, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: The hook a signature file's outbox row replays.
OPERATION = "liasse_request_signature"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: What each provider answer means for the file.
_STATES = {
    RemoteState.COMPLETED: SignatureState.SIGNED,
    RemoteState.DECLINED: SignatureState.DECLINED,
    RemoteState.EXPIRED: SignatureState.EXPIRED,
    RemoteState.CANCELLED: SignatureState.CANCELLED,
}


class SigningDesk(DeskBase):
    """One user's signature files on one signature provider (ESign)."""

    # --- ES-06: a file from an event -----------------------------------------------------

    @audited(Action.SIGNATURE_CREATE)
    def create_from_event(self, event_id: int) -> SignatureFile:
        """The event's letter rendered to PDF, time-stamped, with the template's signers: status 0 "à envoyer"."""
        event = self.host.events.event(event_id)
        template = self.host.events.signature_template(event.template_code)
        if template is None or not template.slots:
            raise NotForSignature(template=event.template_code, event_id=event_id)
        wanted = {slot.role for slot in template.slots}
        parties = [p for p in event.parties if p.role in wanted]
        roles.check_exclusions(event.title, (p.role for p in parties))
        rendered = self.host.events.render_event(event_id)
        folder = self.work_dir("signature_files", str(event_id), utcnow().strftime("%Y%m%dT%H%M%S%f"))
        document = folder / rendered.file_name
        document.write_bytes(rendered.content)
        sha256 = hashlib.sha256(rendered.content).hexdigest()
        pages = placing.page_boxes(rendered.content)
        proof = self._timestamp(document, rendered.file_name, sha256, folder)
        lines = self._lines(event.title, template, parties, len(pages))
        with self.liasse.store.session() as session:
            row = FileRow(
                provider=self.provider,
                provider_account=self.provider_account,
                event_id=event_id,
                template_code=event.template_code,
                account_number=event.account_number,
                label=event.title,
                state=SIGNATURE_MACHINE.initial.value,
                document_path=str(document),
                file_name=rendered.file_name,
                file_size=len(rendered.content),
                sha256=sha256,
                proof_path=str(proof) if proof else None,
                no_sms=template.no_sms,
                created_by=self.user_login,
            )
            for position, (party, placements) in enumerate(lines):
                first, last = roles.party_names(party)
                signer = SignatureSigner(
                    position=position,
                    role=str(party.role),
                    first_name=first,
                    last_name=last,
                    email=party.email or "",
                    mobile=self._mobile(party.mobile, f"{first} {last}".strip()),
                    added=False,
                )
                signer.placements = [_placement_row(p) for p in placements]
                row.signers.append(signer)
            session.add(row)
            session.flush()
            file_id = row.id
        return self.file(file_id)

    # --- JS-02: a file from a stored file --------------------------------------------------

    @audited(Action.SIGNATURE_CREATE)
    def create_from_attachment(self, attachment_id: int, *, label: str | None = None) -> SignatureFile:
        """A stored PDF of the host (an attachment) to have signed: status 0 "à envoyer", no signer yet.

        Any signature provider: the file is checked against the provider's
        limits now (type, size), before a signer is typed or anything is
        uploaded; it is copied into liasse's work directory, so what is sent
        is what was chosen even if the host's file changes. Signers and their
        boxes are then added with :meth:`add_signer` (the user may be one).
        Once sent, a version "en attente de signature" is stored beside the
        file (JS-04), and once signed the signed PDF is stored as a new
        version of it: attachments whose ``original_id`` is this file's id.
        """
        source = self.host.attachments.get(attachment_id)
        self._check_storable(source.file_name, source.media_type, source.size)
        folder = self.work_dir("signature_files", f"attachment-{attachment_id}", utcnow().strftime("%Y%m%dT%H%M%S%f"))
        document = folder / source.file_name
        digest = hashlib.sha256()
        with self.host.attachments.open(attachment_id) as stream, document.open("wb") as out:
            for chunk in iter(lambda: stream.read(1 << 16), b""):
                digest.update(chunk)
                out.write(chunk)
        size = document.stat().st_size
        with document.open("rb") as head:
            magic = head.read(5)
        if magic != b"%PDF-":
            shutil.rmtree(folder, ignore_errors=True)
            self._refuse(source.file_name, "ce n'est pas un PDF", "it is not a PDF", "Enregistrez-le en PDF puis réessayez.", "Save it as a PDF and try again.")
        self._check_storable(source.file_name, "application/pdf", size)
        try:
            placing.page_boxes(document.read_bytes())
        except Exception:  # noqa: BLE001 - whatever pypdf raises, an unreadable PDF is refused now, not at the provider
            shutil.rmtree(folder, ignore_errors=True)
            self._refuse(source.file_name, "le PDF est illisible", "the PDF cannot be read", "Enregistrez-le à nouveau en PDF puis réessayez.", "Save it as a PDF again and try again.")
        account = source.owner.key if source.owner.kind is OwnerKind.ACCOUNT else ""
        with self.liasse.store.session() as session:
            row = FileRow(
                provider=self.provider,
                provider_account=self.provider_account,
                event_id=None,
                template_code="",
                account_number=account,
                label=(label or source.title or source.file_name).strip(),
                state=SIGNATURE_MACHINE.initial.value,
                document_path=str(document),
                file_name=source.file_name,
                file_size=size,
                sha256=digest.hexdigest(),
                proof_path=None,
                no_sms=False,
                created_by=self.user_login,
                source_attachment_id=attachment_id,
            )
            session.add(row)
            session.flush()
            file_id = row.id
        return self.file(file_id)

    def _check_storable(self, file_name: str, media_type: str, size: int) -> None:
        """The provider's limits (type, size) on a stored file, before anything is copied or uploaded."""
        limits = self.info.limits
        if limits is None:
            return
        if limits.media_types and media_type not in limits.media_types:
            self._refuse(
                file_name,
                f"{self.info.title} n'accepte que {', '.join(sorted(limits.media_types))}, pas {media_type}",
                f"{self.info.title} only takes {', '.join(sorted(limits.media_types))}, not {media_type}",
                "Enregistrez-le en PDF puis réessayez.",
                "Save it as a PDF and try again.",
            )
        if limits.max_file_size is not None and size > limits.max_file_size:
            ceiling = (limits.max_file_size + 1) / 1_048_576
            self._refuse(
                file_name,
                f"il pèse {size / 1_048_576:.1f} Mo ; {self.info.title} n'accepte que les documents de moins de {ceiling:g} Mo",
                f"it weighs {size / 1_048_576:.1f} MB; {self.info.title} only takes documents under {ceiling:g} MB",
                "Allégez le document (images) ou scindez-le.",
                "Make the document lighter (images) or split it.",
            )

    def _refuse(self, file_name: str, reason_fr: str, reason_en: str, fix_fr: str, fix_en: str) -> None:
        raise FileRefused(file_name=file_name, title=self.info.title, reason_fr=reason_fr, reason_en=reason_en, fix_fr=fix_fr, fix_en=fix_en)

    def _lines(
        self, label: str, template: SignatureTemplate, parties: Sequence[EventParty], page_count: int
    ) -> list[tuple[EventParty, list[Placement]]]:
        """Each signer with its boxes: the slot's, on every page when it says so, ``page=-1`` as the last page."""
        lines: list[tuple[EventParty, list[Placement]]] = []
        for slot in template.slots:
            holders = [p for p in parties if p.role == slot.role]
            if slot.role is PartyRole.MANAGER:
                holders = [self._manager(label, holders)]
            for party in holders:
                lines.append((party, _resolve(slot.placements, slot.every_page, page_count)))
        return lines

    def _manager(self, label: str, given: Sequence[EventParty]) -> EventParty:
        """ES-03: the manager from the entity's letter variables, else the administration's (the user), else an error."""
        for party in given:
            if party.email and (party.last_name or party.name):
                return party
        user = self.user
        if user.email and user.last_name:
            return EventParty(role=PartyRole.MANAGER, name=user.full_name, first_name=user.first_name, last_name=user.last_name, email=user.email)
        raise ManagerUnknown(label=label)

    def _timestamp(self, document: Path, file_name: str, sha256: str, folder: Path) -> Path | None:
        """ES-06 "horodaté": an RFC 3161 token over the rendered PDF when the office has an authority."""
        tsa = self.liasse.settings.intake.tsa_url
        if not tsa:
            return None
        incoming = IncomingDocument(path=document, file_name=file_name, media_type="application/pdf", sha256=sha256, provider=self.provider)
        try:
            return self.liasse.hooks.prove_receipt(incoming, tsa, folder / f"{file_name}.tsr")
        except LiasseError:
            # The file is made all the same; the token can be asked for again (BY-03's rule).
            return None

    @staticmethod
    def _mobile(text: str | None, name: str) -> str | None:
        """ES-07: a mobile as E.164 (``+33612345678``); None when there is none (the code goes by e-mail)."""
        if not text or not text.strip():
            return None
        return normalise_mobile(text)

    # --- ES-07, ES-05, ES-11: editing before sending -----------------------------------

    @audited(Action.SIGNATURE_EDIT)
    def edit_signer(
        self,
        file_id: int,
        signer_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        mobile: str | None = None,
    ) -> SignatureFile:
        """Change a signer's name, e-mail or mobile (normalised to E.164); refused once sent."""
        checked_mobile = self._mobile(mobile, f"{first_name or ''} {last_name or ''}".strip()) if mobile is not None else None
        if email is not None:
            _check_email(email)
        with self.liasse.store.session() as session:
            row = self._editable(session, file_id)
            signer = _signer_of(row, signer_id)
            if first_name is not None:
                signer.first_name = _required(first_name, "Prénom", "First name")
            if last_name is not None:
                signer.last_name = _required(last_name, "Nom", "Last name")
            if email is not None:
                signer.email = email.strip()
            if mobile is not None:
                signer.mobile = checked_mobile
        return self.file(file_id)

    @audited(Action.SIGNATURE_EDIT)
    def add_signer(
        self,
        file_id: int,
        *,
        role: PartyRole | str,
        first_name: str,
        last_name: str,
        email: str,
        mobile: str | None,
        placements: Iterable[Placement],
    ) -> SignatureFile:
        """ES-05 "free slots": one more signer on this file only; the exclusions still hold."""
        _check_email(email)
        checked = self._mobile(mobile, f"{first_name} {last_name}")
        boxes = list(placements)
        with self.liasse.store.session() as session:
            row = self._editable(session, file_id)
            roles.check_exclusions(row.label, [*(s.role for s in row.signers), str(role)])
            signer = SignatureSigner(
                position=max((s.position for s in row.signers), default=-1) + 1,
                role=str(role),
                first_name=_required(first_name, "Prénom", "First name"),
                last_name=_required(last_name, "Nom", "Last name"),
                email=email.strip(),
                mobile=checked,
                added=True,
            )
            signer.placements = [_placement_row(p) for p in boxes]
            row.signers.append(signer)
        return self.file(file_id)

    @audited(Action.SIGNATURE_EDIT)
    def delete_signer(self, file_id: int, signer_id: int) -> SignatureFile:
        """ES-05: remove a line added by hand; the template's lines stay."""
        with self.liasse.store.session() as session:
            row = self._editable(session, file_id)
            signer = _signer_of(row, signer_id)
            if not signer.added:
                role_fr, role_en = roles.words(signer.role)
                raise LineNotDeletable(name=f"{signer.first_name} {signer.last_name}".strip(), role_fr=role_fr, role_en=role_en)
            row.signers.remove(signer)
        return self.file(file_id)

    @audited(Action.SIGNATURE_EDIT)
    def set_placements(self, file_id: int, signer_id: int, placements: Iterable[Placement]) -> SignatureFile:
        """ES-11: move a signer's boxes; checked against the pages now, so a wrong one is told before sending."""
        boxes = list(placements)
        with self.liasse.store.session() as session:
            row = self._editable(session, file_id)
            signer = _signer_of(row, signer_id)
            pages = placing.page_boxes(Path(row.document_path).read_bytes())
            name = f"{signer.first_name} {signer.last_name}".strip()
            for box in boxes:
                placing.to_provider(name, box.page, box.x_mm, box.y_mm, box.width_mm, box.height_mm, pages)
            signer.placements = [_placement_row(p) for p in boxes]
        return self.file(file_id)

    # --- ES-08: sending ---------------------------------------------------------------

    @audited(Action.SIGNATURE_SEND)
    def send(self, file_id: int) -> SignatureFile:
        """Send the file for signature: status 1 "en attente de signature", or a sentence and the file unchanged."""
        with self.liasse.store.session() as session:
            row = self._row(session, file_id)
            if row.state == SignatureState.AWAITING.value:
                return self.file(file_id)
            SIGNATURE_MACHINE.check(SignatureState(row.state), SignatureState.AWAITING)
            draft = self._draft(row)
            entry = session.scalars(
                sa.select(OutboxEntry).where(OutboxEntry.operation == OPERATION, OutboxEntry.payload == _payload(file_id))
            ).first()
            if entry is None or entry.status == "done":
                entry = OutboxEntry(provider=self.provider, operation=OPERATION, payload=_payload(file_id), attempts=0)
                session.add(entry)
                session.flush()
            earlier = entry.attempts
            entry.attempts += 1
            entry.status = "in_flight"
            session.flush()
            entry_id, key = entry.id, entry.idempotency_key
        # Committed: the key exists before any call, so a crash here is reconciled by it, never sent twice.
        try:
            found = self.liasse.hooks.find_sent(self.ctx, OPERATION, key) if earlier else None
            remote = found or self.liasse.hooks.request_signature(self.ctx, draft, key)
        except LiasseError as exc:
            with self.liasse.store.session() as session:
                row, entry = self._row(session, file_id), session.get(OutboxEntry, entry_id)
                row.last_error = exc.message()
                if entry is not None:
                    entry.last_error = exc.message()
                    # Busy or unreachable: the call may have reached Yousign, so the next send reconciles first.
                    entry.status = "pending" if isinstance(exc, ProviderUnavailable) else "failed"
            raise
        with self.liasse.store.session() as session:
            row, entry = self._row(session, file_id), session.get(OutboxEntry, entry_id)
            row.remote_id, row.sent_at, row.last_error = remote.remote_id, utcnow(), None
            row.state = SignatureState.AWAITING.value
            if entry is not None:
                entry.status, entry.done_at, entry.last_error = "done", utcnow(), None
            source_id, document_path = row.source_attachment_id, row.document_path
        if source_id is not None:
            try:
                self._store_awaiting_version(file_id, source_id, Path(document_path))
            except Exception:  # noqa: BLE001 - the send happened and is recorded; a host refusing the copy must not hide it
                log.warning("signature file %s: the version awaiting signature could not be stored on the host", file_id, exc_info=True)
        return self.file(file_id)

    def _store_awaiting_version(self, file_id: int, source_id: int, document: Path) -> None:
        """JS-04: the file as sent, stored as a new version of the stored file, "en attente de signature"."""
        source = self.host.attachments.get(source_id)
        version = self.host.attachments.add(
            NewAttachment(
                owner=source.owner,
                file_name=source.file_name,
                title=f"{source.title} (en attente de signature)",
                media_type="application/pdf",
                origin=f"Envoyé à la signature via {self.info.title}",
                original_id=source_id,
            ),
            document,
        )
        with self.liasse.store.session() as session:
            self._row(session, file_id).awaiting_attachment_id = version.id

    def _draft(self, row: FileRow) -> SignatureRequestDraft:
        """The provider's draft: the PDF, each signer with its boxes converted to PDF points from the top-left."""
        if not row.signers:
            raise NoSigner(label=row.label)
        limits = self.info.limits
        if limits is not None and limits.max_documents is not None and limits.max_documents < 1:
            raise TooManyDocuments(title=self.info.title, limit=limits.max_documents, count=1)
        if limits is not None and limits.max_file_size is not None and row.file_size > limits.max_file_size:
            raise FileRefused(
                file_name=row.file_name,
                title=self.info.title,
                reason_fr=f"il pèse {row.file_size / 1_048_576:.1f} Mo, au-delà de {limits.max_file_size // 1_048_576} Mo",
                reason_en=f"it weighs {row.file_size / 1_048_576:.1f} MB, over {limits.max_file_size // 1_048_576} MB",
                fix_fr="Allégez le document (images) ou scindez-le.",
                fix_en="Make the document lighter (images) or split it.",
            )
        path = Path(row.document_path)
        pages = placing.page_boxes(path.read_bytes())
        signers: list[SignerDraft] = []
        for signer in row.signers:
            name = f"{signer.first_name} {signer.last_name}".strip()
            if not signer.email:
                role_fr, role_en = roles.words(signer.role)
                raise SignerEmailMissing(name=name, role_fr=role_fr, role_en=role_en)
            fields = tuple(
                placing.to_provider(name, p.page, p.x_mm, p.y_mm, p.width_mm, p.height_mm, pages) for p in signer.placements
            )
            # ES-04: no SMS for this template, or for a signer without a mobile: the code goes by e-mail.
            sms = signer.mobile is not None and not row.no_sms
            mode = SignatureAuthentication.OTP_SMS if sms else SignatureAuthentication.OTP_EMAIL
            signers.append(SignerDraft(signer.first_name, signer.last_name, signer.email, signer.mobile, mode, fields, role=signer.role))
        document = OutgoingDocument(path=path, file_name=row.file_name, media_type="application/pdf", size=row.file_size, sha256=row.sha256)
        return SignatureRequestDraft(name=row.label, documents=(document,), signers=tuple(signers))

    # --- ES-10: following and archiving -------------------------------------------------

    def refresh(self, file_id: int) -> RefreshReport:
        """Re-read one sent file at the provider and apply what changed (signed files are archived)."""
        with self.liasse.store.session() as session:
            row = self._row(session, file_id)
            state, remote_id = SignatureState(row.state), row.remote_id
        if state is not SignatureState.AWAITING or remote_id is None:
            return RefreshReport()
        status = self.liasse.hooks.read_status(self.ctx, remote_id)
        return self._apply(file_id, status)

    def refresh_remote(self, remote_ids: Iterable[str]) -> RefreshReport:
        """What a webhook's notice names: the desk's files with those remote ids, re-read."""
        with self.liasse.store.session() as session:
            ids = session.scalars(
                sa.select(FileRow.id).where(FileRow.provider == self.provider, FileRow.remote_id.in_(list(remote_ids)))
            ).all()
        return _merge(self.refresh(file_id) for file_id in ids)

    @audited(Action.SYNC)
    def poll(self) -> RefreshReport:
        """ES-10's fallback: every file awaiting signature re-read (run it from the host's scheduler)."""
        with self.liasse.store.session() as session:
            ids = session.scalars(
                sa.select(FileRow.id).where(
                    FileRow.provider == self.provider,
                    FileRow.provider_account == self.provider_account,
                    FileRow.state == SignatureState.AWAITING.value,
                )
            ).all()
        return _merge(self.refresh(file_id) for file_id in ids)

    def _apply(self, file_id: int, status: RemoteStatus) -> RefreshReport:
        target = _STATES.get(status.state)
        if target is None:
            return RefreshReport()
        attachment_id = self._archive(file_id, status) if target is SignatureState.SIGNED else None
        with self.liasse.store.session() as session:
            row = self._row(session, file_id)
            if row.state != SignatureState.AWAITING.value:
                return RefreshReport()  # a webhook and a poll raced: the first one's record stands
            SIGNATURE_MACHINE.check(SignatureState(row.state), target)
            row.state = target.value
            if attachment_id is not None:
                row.attachment_id, row.signed_at = attachment_id, utcnow()
        return RefreshReport(changed=(file_id,), archived=(file_id,) if attachment_id is not None else ())

    def _archive(self, file_id: int, status: RemoteStatus) -> int:
        """ES-02: the signed PDF through the intake pipeline onto the event's owner account."""
        with self.liasse.store.session() as session:
            row = self._row(session, file_id)
            label, account, template_code = row.label, row.account_number, row.template_code
            source_id = row.source_attachment_id
        source = self.host.attachments.get(source_id) if source_id is not None else None
        if source is not None:
            # JS-04: the signed PDF is a new version of the stored file, beside it.
            title = f"{source.title} (signé)"
        else:
            template = self.host.events.signature_template(template_code)
            title = f"{template.archive_title if template else 'Document signé'} - {label}"
        downloads = self.work_dir("downloads", "signature", str(file_id))
        try:
            received = self.liasse.hooks.fetch_document(self.ctx, status.remote_id, downloads)
        except NotFound:
            raise SignedDocumentMissing(title=self.info.title, label=label) from None
        try:
            result = run_intake(
                self.host,
                self.liasse.hooks,
                Intake(
                    received=received,
                    account_number=account,
                    title=title,
                    provider_title=self.info.title,
                    # No mark: a stamp drawn on the PDF would alter the signed document.
                    stamp_text=None,
                    quarantine=self.work_dir("quarantine", "signature", str(file_id), create=False),
                    tsa_url=self.liasse.settings.intake.tsa_url,
                    owner=source.owner if source is not None else None,
                    version_of=source.id if source is not None else None,
                ),
            )
        finally:
            shutil.rmtree(downloads, ignore_errors=True)
        return result.original.id

    @audited(Action.REMIND)
    def remind(self, file_id: int) -> SignatureFile:
        """Remind every signer who has not signed yet (Yousign ``send_reminder``)."""
        with self.liasse.store.session() as session:
            row = self._row(session, file_id)
            state, remote_id = SignatureState(row.state), row.remote_id
        if state is not SignatureState.AWAITING or remote_id is None:
            raise NotEditable(label=self.file(file_id).label, state_fr=state.label("fr"), state_en=state.label("en"))
        self.liasse.hooks.remind(self.ctx, remote_id, ReminderChannel.MAIL, f"{remote_id}/remind/{utcnow().isoformat()}")
        return self.file(file_id)

    @audited(Action.SIGNATURE_CANCEL)
    def cancel(self, file_id: int, reason: str = "other") -> SignatureFile:
        """Cancel a file awaiting signatures at the provider; recorded "annulé"."""
        with self.liasse.store.session() as session:
            row = self._row(session, file_id)
            SIGNATURE_MACHINE.check(SignatureState(row.state), SignatureState.CANCELLED)
            remote_id = row.remote_id
        assert remote_id is not None
        status = self.liasse.hooks.cancel_signature(self.ctx, remote_id, reason)
        self._apply(file_id, status)
        return self.file(file_id)

    # --- ES-11: the list ----------------------------------------------------------------

    def files(
        self, *, states: Iterable[SignatureState] = (), account_number: str | None = None, event_id: int | None = None
    ) -> list[SignatureFile]:
        """The signatures list, newest first, filtered by states, account and event."""
        with self.liasse.store.session() as session:
            query = sa.select(FileRow).where(FileRow.provider == self.provider, FileRow.provider_account == self.provider_account)
            wanted = [s.value for s in states]
            if wanted:
                query = query.where(FileRow.state.in_(wanted))
            if account_number is not None:
                query = query.where(FileRow.account_number == account_number)
            if event_id is not None:
                query = query.where(FileRow.event_id == event_id)
            rows = session.scalars(query.order_by(FileRow.created_at.desc(), FileRow.id.desc())).all()
            return [_view(row) for row in rows]

    def file(self, file_id: int) -> SignatureFile:
        """One signature file with its signers and boxes."""
        with self.liasse.store.session() as session:
            return _view(self._row(session, file_id))

    def document(self, file_id: int) -> Path:
        """The PDF to view: the archived signed one once signed (ES-10), else the rendered letter."""
        view = self.file(file_id)
        if view.attachment_id is not None:
            target = self.work_dir("view", str(file_id)) / view.file_name
            with self.host.attachments.open(view.attachment_id) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            return target
        return Path(self._path_of(file_id))

    # --- rows ---------------------------------------------------------------------------

    def _path_of(self, file_id: int) -> str:
        with self.liasse.store.session() as session:
            return self._row(session, file_id).document_path

    def _row(self, session: Session, file_id: int) -> FileRow:
        row = session.get(FileRow, file_id, populate_existing=True)
        if row is None or row.provider != self.provider or row.provider_account != self.provider_account:
            raise NotFound(what_fr="Dossier de signature", what_en="Signature file", key=file_id)
        return row

    def _editable(self, session: Session, file_id: int) -> FileRow:
        row = self._row(session, file_id)
        state = SignatureState(row.state)
        if state is not SignatureState.TO_SEND:
            raise NotEditable(label=row.label, state_fr=state.label("fr"), state_en=state.label("en"))
        return row


def _payload(file_id: int) -> str:
    return json.dumps({"signature_file_id": file_id})


def _resolve(placements: Sequence[HostPlacement], every_page: bool, page_count: int) -> list[Placement]:
    """Template boxes on real pages: ``-1`` is the last page; ``every_page`` repeats the first box on each page."""

    def box(source: HostPlacement, page: int) -> Placement:
        return Placement(page=page, x_mm=source.x_mm, y_mm=source.y_mm, width_mm=source.width_mm, height_mm=source.height_mm)

    if every_page and placements:
        return [box(placements[0], page) for page in range(1, page_count + 1)]
    return [box(p, page_count + 1 + p.page if p.page < 0 else p.page) for p in placements]


def _placement_row(box: Placement) -> SignaturePlacement:
    return SignaturePlacement(page=box.page, x_mm=box.x_mm, y_mm=box.y_mm, width_mm=box.width_mm, height_mm=box.height_mm)


def _signer_of(row: FileRow, signer_id: int) -> SignatureSigner:
    for signer in row.signers:
        if signer.id == signer_id:
            return signer
    raise NotFound(what_fr="Signataire", what_en="Signer", key=signer_id)


def _required(value: str, field_fr: str, field_en: str) -> str:
    if not value.strip():
        raise FieldMissing(what_fr="Signataire", what_en="Signer", field_fr=field_fr, field_en=field_en)
    return value.strip()


def _check_email(email: str) -> None:
    if not _EMAIL.match(email.strip()):
        raise EmailInvalid(email=email, reason="format")


def _merge(reports: Iterable[RefreshReport]) -> RefreshReport:
    changed: list[int] = []
    archived: list[int] = []
    for report in reports:
        changed.extend(report.changed)
        archived.extend(report.archived)
    return RefreshReport(tuple(changed), tuple(archived))


def _view(row: FileRow) -> SignatureFile:
    return SignatureFile(
        id=row.id,
        provider=row.provider,
        event_id=row.event_id,
        template_code=row.template_code,
        account_number=row.account_number,
        label=row.label,
        state=SignatureState(row.state),
        remote_id=row.remote_id,
        file_name=row.file_name,
        sha256=row.sha256,
        no_sms=row.no_sms,
        created_by=row.created_by,
        created_at=row.created_at,
        sent_at=row.sent_at,
        signed_at=row.signed_at,
        attachment_id=row.attachment_id,
        proof_path=row.proof_path,
        last_error=row.last_error,
        signers=tuple(
            Signer(
                id=s.id,
                role=s.role,
                first_name=s.first_name,
                last_name=s.last_name,
                email=s.email,
                mobile=s.mobile,
                added=s.added,
                placements=tuple(Placement(p.page, p.x_mm, p.y_mm, p.width_mm, p.height_mm) for p in s.placements),
            )
            for s in row.signers
        ),
        source_attachment_id=row.source_attachment_id,
        awaiting_attachment_id=row.awaiting_attachment_id,
    )


