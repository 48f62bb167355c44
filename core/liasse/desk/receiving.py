"""Importing received documents and attestations (DS-26 … DS-29).

The provider plugin downloads the file (streamed to disk, capped, hashed);
the core's intake pipeline makes the attachments and the IBAN record.
"""

from __future__ import annotations

import datetime as dt
import shutil

from liasse_hostapi.records import Attachment, NewAttachment, OwnerKind, OwnerRef

from liasse.audit import Action, audited
from liasse.desk.records import ImportResult
from liasse.desk.tracking import TrackingMixin
from liasse.errors import ActionNotPossible
from liasse.intake.pipeline import Intake, run_intake
from liasse.intake.stamp import mark_text
from liasse.messages import default_lang
from liasse.records import BankDetails, DocumentType
from liasse.states import RequestState
from liasse.store import record_transition
from liasse.store.models import utcnow


class ReceivingMixin(TrackingMixin):
    """Bring what contacts sent into the host."""

    @audited(Action.IMPORT)
    def import_document(
        self,
        exchange_id: int,
        *,
        stamp: bool | None = None,
        bank_details: BankDetails | None = None,
        account_number: str | None = None,
    ) -> ImportResult:
        """Import a received document onto its account (DS-26, DS-27).

        ``stamp`` None follows the user's options (DS-01: on for RIBs, off
        for other documents by default); True is the manual "horodater"
        action. ``bank_details`` are the RIB's details typed by the user when
        they could not be read. ``account_number`` associates an exchange of
        a contact with no account yet (DS-30) on the way.
        """
        exchange = self.exchange(exchange_id)
        if exchange.state is not RequestState.TO_IMPORT:
            raise ActionNotPossible(
                problem_fr=f"L'échange « {exchange.label} » est « {exchange.state.label('fr')} » : il n'y a pas de document reçu à importer.",
                problem_en=f"Exchange '{exchange.label}' is '{exchange.state.label('en')}': there is no received document to import.",
            )
        account = account_number or exchange.account_number
        if account is None:
            raise ActionNotPossible(
                problem_fr=f"Le contact de « {exchange.label} » n'est associé à aucun compte : associez-le à un compte, puis importez.",
                problem_en=f"The contact of '{exchange.label}' has no account: associate it with an account, then import.",
            )
        if exchange.contact_id is not None and account_number is not None and exchange.account_number is None:
            self.associate(exchange.contact_id, account_number)
        assert exchange.remote_id is not None
        is_rib = exchange.document_type is DocumentType.RIB
        options = self.user.options_for(self.provider)
        wanted = stamp if stamp is not None else (options.auto_stamp_rib if is_rib else options.auto_stamp_other)
        downloads = self.work_dir("downloads", str(exchange_id))
        received = self.liasse.hooks.fetch_document(self.ctx, exchange.remote_id, downloads)
        text = mark_text(self.info.title, received.received_at, self.ctx.timezone, default_lang()) if wanted else None
        result = run_intake(
            self.host,
            self.liasse.hooks,
            Intake(
                received=received,
                account_number=account,
                title=exchange.label,
                provider_title=self.info.title,
                stamp_text=text,
                bank_details_wanted=is_rib,
                typed_details=bank_details,
                logo=self.logo(),
                # Created by the pipeline only when a file is refused: kept there as it came.
                quarantine=self.work_dir("quarantine", str(exchange_id), create=False),
                tsa_url=self.liasse.settings.intake.tsa_url,
            ),
        )
        with self.liasse.store.session() as session:
            row = self._exchange_row(session, exchange_id)
            row.account_number = account
            row.attachment_id = result.original.id
            row.stamped_attachment_id = result.stamped.id if result.stamped else None
            row.received_attachment_id = result.received.id if result.received else None
            row.iban_record_id = result.iban_record.id if result.iban_record else None
            row.sha256, row.file_name, row.file_size = received.sha256, received.file_name, received.size
            row.imported_at = utcnow()
            record_transition(session, row, RequestState.IMPORTED, by=self.user_login)
        # The host copied the file; liasse's download is no longer needed.
        shutil.rmtree(downloads, ignore_errors=True)
        return ImportResult(
            exchange=self.exchange(exchange_id),
            original=result.original,
            stamped=result.stamped,
            iban_record=result.iban_record,
            warnings=result.warnings,
            stamp_note=result.stamp_note,
            active_content_note=result.active_content_note,
            proof=result.proof,
            proof_note=result.proof_note,
            received=result.received,
        )

    @audited(Action.ATTESTATION)
    def attestation(self, exchange_id: int) -> Attachment:
        """Get the provider's attestation of an exchange and store it on the account (DS-29)."""
        exchange = self.exchange(exchange_id)
        if exchange.remote_id is None:
            raise ActionNotPossible(
                problem_fr=f"L'échange « {exchange.label} » n'est pas encore parti : il n'a pas d'attestation.",
                problem_en=f"Exchange '{exchange.label}' has not been sent yet: it has no attestation.",
            )
        if exchange.account_number is None:
            raise ActionNotPossible(
                problem_fr=f"Le contact de « {exchange.label} » n'est associé à aucun compte : associez-le pour y ranger l'attestation.",
                problem_en=f"The contact of '{exchange.label}' has no account: associate it to file the attestation there.",
            )
        directory = self.work_dir("attestations", str(exchange_id))
        received = self.liasse.hooks.fetch_attestation(self.ctx, exchange.remote_id, directory)
        today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
        attachment = self.host.attachments.add(
            NewAttachment(
                owner=OwnerRef(OwnerKind.ACCOUNT, exchange.account_number),
                file_name=f"Attestation_{self.info.title}_{exchange_id}_{today}.pdf",
                title=f"Attestation {self.info.title} - {exchange.label}",
                media_type="application/pdf",
                origin=f"Attestation {self.info.title}",
            ),
            received.path,
        )
        with self.liasse.store.session() as session:
            self._exchange_row(session, exchange_id).attestation_id = attachment.id
        shutil.rmtree(directory, ignore_errors=True)
        return attachment
