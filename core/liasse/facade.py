"""A typed facade over ``pm.hook`` for hosts and for liasse itself.

``pm.hook.x`` is untyped and broadcasts to every plugin. :class:`Hooks`
gives one typed method per hook, routes provider steps to the provider named
by the context (the other providers are left out of the call), and tags
every result with the plugin that produced it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from liasse.errors import CapabilityMissing, UnknownProvider
from liasse.manager import LiassePluginManager
from liasse.records import (
    AccessReport,
    AccountLink,
    LetterQuery,
    OutgoingDocument,
    PaymentMean,
    ProofKind,
    RemoteConsent,
    RemoteLetter,
    BankDetails,
    BankWarning,
    ContactDraft,
    ContactList,
    DocumentBatch,
    DocumentRequestDraft,
    DocumentSendDraft,
    IncomingDocument,
    OutgoingDocument,
    ProviderContext,
    ProviderInfo,
    ProviderLimits,
    ReceivedFile,
    RegisteredLetterDraft,
    ReminderChannel,
    ReminderReceipt,
    RemoteContact,
    RemoteExchange,
    RemoteSharedFile,
    RemoteStatus,
    Screening,
    ShareDraft,
    SharedFileDraft,
    ShareEventPage,
    SignatureRequestDraft,
    StatusPage,
    WebhookNotice,
)
from liasse.secrets import Secret

if TYPE_CHECKING:
    from liasse_hostapi.records import Account, Attachment, IbanRecord

log = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")

#: How messages name each provider step, in French and English.
_STEP_WORDS: dict[str, tuple[str, str]] = {
    "liasse_check_access": ("test d'accès", "access test"),
    "liasse_provider_limits": ("limites de fichiers", "file limits"),
    "liasse_create_contact": ("création de contact", "contact creation"),
    "liasse_update_contact": ("modification de contact", "contact update"),
    "liasse_archive_contact": ("archivage de contact", "contact archiving"),
    "liasse_delete_contact": ("suppression de contact", "contact deletion"),
    "liasse_list_contacts": ("liste des contacts", "contact list"),
    "liasse_request_document": ("demande de document", "document request"),
    "liasse_send_documents": ("envoi de documents", "document send"),
    "liasse_remind": ("relance", "reminder"),
    "liasse_sync_status": ("suivi des statuts", "status sync"),
    "liasse_fetch_document": ("import de pièce jointe", "attachment import"),
    "liasse_fetch_attestation": ("attestation", "attestation"),
    "liasse_request_signature": ("signature électronique", "e-signature"),
    "liasse_cancel_signature": ("annulation de signature", "signature cancellation"),
    "liasse_send_registered_mail": ("lettre recommandée électronique", "registered e-mail"),
    "liasse_share_documents": ("zone de partage", "shared zone"),
    "liasse_export_file": ("export de dossier vers la zone de partage", "file export to the shared zone"),
    "liasse_upload_documents": ("ajout de documents à la zone de partage", "document upload to the shared zone"),
    "liasse_list_shared_documents": ("documents de la zone de partage", "shared zone documents"),
    "liasse_share_events": ("suivi des partages", "share tracking"),
    "liasse_read_webhook": ("réception des notifications (webhooks)", "webhook intake"),
    "liasse_read_status": ("lecture du statut d'un élément", "item status read"),
    "liasse_find_sent": ("recherche d'un envoi", "sent item lookup"),
    "liasse_link_account": ("rattachement du compte", "account link"),
    "liasse_list_consents": ("mise à jour des consentements", "consent update"),
    "liasse_request_consents": ("demande de consentement", "consent request"),
    "liasse_list_payment_means": ("moyens de paiement", "payment means"),
    "liasse_upload_letter_document": ("dépôt du document d'une lettre", "letter document upload"),
    "liasse_validate_letters": ("validation des lettres par code OTP", "OTP validation of letters"),
    "liasse_read_letter": ("statut d'une lettre recommandée", "registered letter status"),
    "liasse_list_letters": ("liste des lettres recommandées", "registered letter list"),
    "liasse_fetch_proof": ("preuve de dépôt ou de réception", "deposit or receipt proof"),
}


class Hooks:
    """Typed calls into the plugins loaded in ``pm``; ``providers`` are the loaded providers by name."""

    def __init__(self, pm: LiassePluginManager, providers: Mapping[str, ProviderInfo]) -> None:
        self._pm = pm
        self._providers = dict(providers)
        self._callers: dict[tuple[str, str], Any] = {}
        self._generation = pm.generation

    # --- provider steps ----------------------------------------------------------

    def check_access(self, ctx: ProviderContext[Any]) -> AccessReport:
        """Test access to ``ctx.provider`` (``liasse_check_access``)."""
        return self._route("liasse_check_access", ctx, AccessReport)

    def provider_limits(self, ctx: ProviderContext[Any]) -> ProviderLimits:
        """What the provider accepts now (``liasse_provider_limits``)."""
        return self._route("liasse_provider_limits", ctx, ProviderLimits)

    def create_contact(self, ctx: ProviderContext[Any], contact: ContactDraft, idempotency_key: str) -> RemoteContact:
        """Create a contact (``liasse_create_contact``)."""
        return self._route("liasse_create_contact", ctx, RemoteContact, contact=contact, idempotency_key=idempotency_key)

    def update_contact(self, ctx: ProviderContext[Any], remote_id: str, contact: ContactDraft) -> RemoteContact:
        """Replace a contact's details (``liasse_update_contact``)."""
        return self._route("liasse_update_contact", ctx, RemoteContact, remote_id=remote_id, contact=contact)

    def archive_contact(self, ctx: ProviderContext[Any], remote_id: str, archived: bool) -> RemoteContact:
        """Archive or reactivate a contact (``liasse_archive_contact``)."""
        return self._route("liasse_archive_contact", ctx, RemoteContact, remote_id=remote_id, archived=archived)

    def delete_contact(self, ctx: ProviderContext[Any], remote_id: str) -> RemoteContact:
        """Delete a contact (``liasse_delete_contact``)."""
        return self._route("liasse_delete_contact", ctx, RemoteContact, remote_id=remote_id)

    def list_contacts(self, ctx: ProviderContext[Any]) -> ContactList:
        """Every contact of the provider account (``liasse_list_contacts``)."""
        return self._route("liasse_list_contacts", ctx, ContactList)

    def request_document(
        self, ctx: ProviderContext[Any], request: DocumentRequestDraft, idempotency_key: str
    ) -> RemoteExchange:
        """Ask a contact for a document (``liasse_request_document``)."""
        return self._route(
            "liasse_request_document", ctx, RemoteExchange, request=request, idempotency_key=idempotency_key
        )

    def send_documents(self, ctx: ProviderContext[Any], send: DocumentSendDraft, idempotency_key: str) -> RemoteExchange:
        """Send documents (``liasse_send_documents``)."""
        return self._route("liasse_send_documents", ctx, RemoteExchange, send=send, idempotency_key=idempotency_key)

    def remind(
        self, ctx: ProviderContext[Any], remote_id: str, channel: ReminderChannel, idempotency_key: str
    ) -> ReminderReceipt:
        """Remind a contact or signer (``liasse_remind``)."""
        return self._route(
            "liasse_remind", ctx, ReminderReceipt, remote_id=remote_id, channel=channel, idempotency_key=idempotency_key
        )

    def sync_status(self, ctx: ProviderContext[Any], cursor: str | None) -> StatusPage:
        """One page of status changes (``liasse_sync_status``)."""
        return self._route("liasse_sync_status", ctx, StatusPage, cursor=cursor)

    def fetch_document(self, ctx: ProviderContext[Any], remote_id: str, dest_dir: Path) -> ReceivedFile:
        """Download what an item produced (``liasse_fetch_document``)."""
        return self._route("liasse_fetch_document", ctx, ReceivedFile, remote_id=remote_id, dest_dir=dest_dir)

    def fetch_attestation(self, ctx: ProviderContext[Any], remote_id: str, dest_dir: Path) -> ReceivedFile:
        """Download an exchange's attestation (``liasse_fetch_attestation``)."""
        return self._route("liasse_fetch_attestation", ctx, ReceivedFile, remote_id=remote_id, dest_dir=dest_dir)

    def request_signature(
        self, ctx: ProviderContext[Any], request: SignatureRequestDraft, idempotency_key: str
    ) -> RemoteExchange:
        """Create and activate a signature request (``liasse_request_signature``)."""
        return self._route(
            "liasse_request_signature", ctx, RemoteExchange, request=request, idempotency_key=idempotency_key
        )

    def cancel_signature(self, ctx: ProviderContext[Any], remote_id: str, reason: str) -> RemoteStatus:
        """Cancel a signature request awaiting signatures (``liasse_cancel_signature``)."""
        return self._route("liasse_cancel_signature", ctx, RemoteStatus, remote_id=remote_id, reason=reason)

    def send_registered_mail(
        self, ctx: ProviderContext[Any], letter: RegisteredLetterDraft, idempotency_key: str
    ) -> RemoteExchange:
        """Send a registered letter (``liasse_send_registered_mail``)."""
        return self._route(
            "liasse_send_registered_mail", ctx, RemoteExchange, letter=letter, idempotency_key=idempotency_key
        )

    # --- registered mail (AR-01 … AR-12) ----------------------------------------

    def link_account(self, ctx: ProviderContext[Any]) -> AccountLink:
        """Link the user's provider account to the office's API (``liasse_link_account``)."""
        return self._route_as("liasse_link_account", ctx, AccountLink)

    def list_consents(self, ctx: ProviderContext[Any]) -> tuple[RemoteConsent, ...]:
        """The user's consent requests (``liasse_list_consents``)."""
        return self._route_as("liasse_list_consents", ctx, tuple)

    def request_consents(
        self, ctx: ProviderContext[Any], emails: tuple[str, ...], delay_days: int
    ) -> tuple[RemoteConsent, ...]:
        """Send consent requests (``liasse_request_consents``)."""
        return self._route_as("liasse_request_consents", ctx, tuple, emails=emails, delay_days=delay_days)

    def list_payment_means(self, ctx: ProviderContext[Any]) -> tuple[PaymentMean, ...]:
        """The user's payment means (``liasse_list_payment_means``)."""
        return self._route_as("liasse_list_payment_means", ctx, tuple)

    def upload_letter_document(self, ctx: ProviderContext[Any], document: OutgoingDocument) -> str:
        """Upload one letter document; the provider's id (``liasse_upload_letter_document``)."""
        return self._route_as("liasse_upload_letter_document", ctx, str, document=document)

    def validate_letters(
        self, ctx: ProviderContext[Any], remote_ids: tuple[str, ...], otp: Secret
    ) -> tuple[RemoteLetter, ...]:
        """Validate letters with one OTP (``liasse_validate_letters``)."""
        return self._route_as("liasse_validate_letters", ctx, tuple, remote_ids=remote_ids, otp=otp)

    def read_letter(self, ctx: ProviderContext[Any], remote_id: str) -> RemoteLetter:
        """One letter now (``liasse_read_letter``)."""
        return self._route_as("liasse_read_letter", ctx, RemoteLetter, remote_id=remote_id)

    def list_letters(self, ctx: ProviderContext[Any], query: LetterQuery) -> tuple[RemoteLetter, ...]:
        """The user's letters matching ``query`` (``liasse_list_letters``)."""
        return self._route_as("liasse_list_letters", ctx, tuple, query=query)

    def fetch_proof(self, ctx: ProviderContext[Any], remote_id: str, proof: ProofKind, dest_dir: Path) -> ReceivedFile:
        """Download one proof of a letter (``liasse_fetch_proof``)."""
        return self._route_as("liasse_fetch_proof", ctx, ReceivedFile, remote_id=remote_id, proof=proof, dest_dir=dest_dir)

    def _route_as(self, hook: str, ctx: ProviderContext[Any], kind: type[Any], **kwargs: Any) -> Any:
        """:meth:`_route` for results that are tuples or strings: records in them are tagged with the provider."""
        if kind not in (tuple, str):
            return self._route(hook, ctx, kind, **kwargs)
        result = self._checked(hook, ctx, kind, kwargs)
        if isinstance(result, tuple):
            return tuple(
                _tagged(item, ctx.provider) if attrs.has(type(item)) and hasattr(item, "provider") else item
                for item in result
            )
        return result

    def share_documents(self, ctx: ProviderContext[Any], share: ShareDraft, idempotency_key: str) -> RemoteExchange:
        """Share documents in a shared zone (``liasse_share_documents``)."""
        return self._route("liasse_share_documents", ctx, RemoteExchange, share=share, idempotency_key=idempotency_key)

    def export_file(self, ctx: ProviderContext[Any], file: SharedFileDraft, idempotency_key: str) -> RemoteSharedFile:
        """Export a file with its parties to the shared zone (``liasse_export_file``)."""
        return self._route("liasse_export_file", ctx, RemoteSharedFile, file=file, idempotency_key=idempotency_key)

    def upload_documents(
        self, ctx: ProviderContext[Any], file_number: str, documents: Sequence[OutgoingDocument], idempotency_key: str
    ) -> DocumentBatch:
        """Upload documents to an exported file (``liasse_upload_documents``)."""
        return self._route(
            "liasse_upload_documents",
            ctx,
            DocumentBatch,
            file_number=file_number,
            documents=tuple(documents),
            idempotency_key=idempotency_key,
        )

    def list_shared_documents(self, ctx: ProviderContext[Any], file_number: str) -> DocumentBatch:
        """Every document of an exported file (``liasse_list_shared_documents``)."""
        return self._route("liasse_list_shared_documents", ctx, DocumentBatch, file_number=file_number)

    def share_events(self, ctx: ProviderContext[Any], cursor: str | None) -> ShareEventPage:
        """One page of the shared zones' events (``liasse_share_events``)."""
        return self._route("liasse_share_events", ctx, ShareEventPage, cursor=cursor)

    def read_webhook(self, ctx: ProviderContext[Any], headers: Mapping[str, str], body: bytes) -> WebhookNotice:
        """Verify and read a webhook delivery (``liasse_read_webhook``)."""
        return self._route("liasse_read_webhook", ctx, WebhookNotice, headers=headers, body=body)

    def read_status(self, ctx: ProviderContext[Any], remote_id: str) -> RemoteStatus:
        """One item's current status (``liasse_read_status``)."""
        return self._route("liasse_read_status", ctx, RemoteStatus, remote_id=remote_id)

    def find_sent(self, ctx: ProviderContext[Any], operation: str, idempotency_key: str) -> RemoteExchange | None:
        """What an earlier attempt under ``idempotency_key`` created, or None (``liasse_find_sent``).

        None as well when the provider does not implement the hook: check
        :meth:`can_find_sent` to tell the two apart.
        """
        if not self.can_find_sent(ctx.provider):
            return None
        caller = self._caller("liasse_find_sent", ctx.provider)
        result = caller(ctx=ctx, operation=operation, idempotency_key=idempotency_key)
        if result is None:
            return None
        if not isinstance(result, RemoteExchange):
            raise TypeError(f"{ctx.provider}: liasse_find_sent returned {type(result).__name__}, expected RemoteExchange")
        return _tagged(result, ctx.provider)

    def can_find_sent(self, provider: str) -> bool:
        """Whether ``provider`` can reconcile an uncertain send by its own reference (``liasse_find_sent``)."""
        return provider in self.providers_with("liasse_find_sent")

    # --- extension points --------------------------------------------------------

    def extract_bank_details(self, document: IncomingDocument) -> BankDetails | None:
        """The first reader's bank details, tagged with its plugin name in ``source``."""
        for name, call in self._implementations("liasse_extract_bank_details"):
            details: BankDetails | None = call(document=document)
            if details is not None:
                return attrs.evolve(details, source=name)
        return None

    def check_bank_details(
        self, details: BankDetails, account: Account, previous: Iterable[IbanRecord]
    ) -> list[BankWarning]:
        """Every checker's warnings in call order, each tagged with its plugin in ``source``."""
        previous = tuple(previous)
        warnings: list[BankWarning] = []
        for name, call in self._implementations("liasse_check_bank_details"):
            found: Iterable[BankWarning] = call(details=details, account=account, previous=previous)
            warnings.extend(attrs.evolve(w, source=name) for w in found)
        return warnings

    def stamp_document(self, document: IncomingDocument, text: str, dest: Path) -> Path | None:
        """The first stamper's marked copy, or None when no plugin handles the media type."""
        result: Path | None = self._pm.hook.liasse_stamp_document(document=document, text=text, dest=dest)
        return result

    def screen_document(self, document: IncomingDocument, dest: Path) -> Screening | None:
        """The first screener's verdict, tagged with its plugin name in ``source``; None when none screens the type."""
        for name, call in self._implementations("liasse_screen_document"):
            screening: Screening | None = call(document=document, dest=dest)
            if screening is not None:
                return attrs.evolve(screening, source=name)
        return None

    def prove_receipt(self, document: IncomingDocument, tsa_url: str | None, dest: Path) -> Path | None:
        """The first prover's proof of receipt, or None when no plugin proves it."""
        result: Path | None = self._pm.hook.liasse_prove_receipt(document=document, tsa_url=tsa_url, dest=dest)
        return result

    # --- host events (each implementation isolated) -------------------------------

    def contact_created(self, provider: str, contact_id: int, account_number: str | None) -> None:
        """Tell the host a contact was created."""
        self._notify("liasse_contact_created", provider=provider, contact_id=contact_id, account_number=account_number)

    def document_received(self, provider: str, exchange_id: int, account_number: str | None) -> None:
        """Tell the host a document waits to be imported."""
        self._notify("liasse_document_received", provider=provider, exchange_id=exchange_id, account_number=account_number)

    def attachment_imported(self, attachment: Attachment, exchange_id: int | None) -> None:
        """Tell the host an attachment was imported."""
        self._notify("liasse_attachment_imported", attachment=attachment, exchange_id=exchange_id)

    def iban_created(self, iban_record: IbanRecord, warnings: tuple[str, ...]) -> None:
        """Tell the host an IBAN record was created."""
        self._notify("liasse_iban_created", iban_record=iban_record, warnings=warnings)

    def status_changed(self, provider: str, exchange_id: int, old: str, new: str) -> None:
        """Tell the host an item changed state."""
        self._notify("liasse_status_changed", provider=provider, exchange_id=exchange_id, old=old, new=new)

    # --- machinery ---------------------------------------------------------------

    def providers_with(self, hook: str) -> list[str]:
        """Names of the loaded providers that implement ``hook``, sorted."""
        caller = getattr(self._pm.hook, hook)
        names = {impl.plugin_name for impl in caller.get_hookimpls()}
        return sorted(name for name in self._providers if name in names)

    def _route(self, hook: str, ctx: ProviderContext[Any], kind: type[ResultT], **kwargs: Any) -> ResultT:
        return _tagged(self._checked(hook, ctx, kind, kwargs), ctx.provider)

    def _checked(self, hook: str, ctx: ProviderContext[Any], kind: type[ResultT], kwargs: dict[str, Any]) -> ResultT:
        """The chosen provider's answer to ``hook``, refused with a sentence when it has none, checked to be a ``kind``."""
        info = self._providers.get(ctx.provider)
        if info is None:
            raise UnknownProvider(name=ctx.provider, known=", ".join(sorted(self._providers)) or "aucun / none")
        result = self._caller(hook, ctx.provider)(ctx=ctx, **kwargs)
        if result is None:
            step_fr, step_en = _STEP_WORDS.get(hook, (hook, hook))
            raise CapabilityMissing(
                title=info.title,
                step_fr=step_fr,
                step_en=step_en,
                candidates=", ".join(self._providers[n].title for n in self.providers_with(hook)) or "aucun / none",
            )
        if not isinstance(result, kind):
            raise TypeError(f"{ctx.provider}: {hook} returned {type(result).__name__}, expected {kind.__name__}")
        return result

    def _caller(self, hook: str, provider: str) -> Any:
        """``hook`` with every provider but ``provider`` left out, built once."""
        if self._generation != self._pm.generation:
            # A plugin came or went (a wrapper, a host's events): every prepared call is stale.
            self._callers.clear()
            self._generation = self._pm.generation
        caller = self._callers.get((hook, provider))
        if caller is None:
            others = [self._pm.get_plugin(name) for name in self._providers if name != provider]
            caller = self._pm.subset_hook_caller(hook, remove_plugins=others)
            impls = caller.get_hookimpls()
            if len(impls) == 1 and not (impls[0].wrapper or impls[0].hookwrapper):
                # The provider's implementation alone, as pluggy would call it (only the arguments it
                # names), without pluggy filtering the other providers out again at every call (P5).
                function, argnames = impls[0].function, impls[0].argnames

                def caller(**kwargs: Any) -> Any:
                    return function(*[kwargs[name] for name in argnames])

            self._callers[(hook, provider)] = caller
        return caller

    def _implementations(self, hook: str) -> list[tuple[str, Callable[..., Any]]]:
        """(plugin name, bound call) in pluggy's call order, for hooks whose results are tagged."""
        impls = getattr(self._pm.hook, hook).get_hookimpls()
        calls: list[tuple[str, Callable[..., Any]]] = []
        for impl in reversed(impls):
            if impl.wrapper or impl.hookwrapper:
                continue

            def call(_impl: Any = impl, **kwargs: Any) -> Any:
                return _impl.function(*[kwargs[name] for name in _impl.argnames])

            calls.append((impl.plugin_name, call))
        return calls

    def _notify(self, hook: str, **kwargs: Any) -> None:
        for name, call in self._implementations(hook):
            try:
                call(**kwargs)
            except Exception:  # noqa: BLE001 - one host listener must not undo liasse's work
                log.exception("host event hook %s of %s failed", hook, name)


#: Per result class, the attributes passed back to its ``__init__`` (all but ``provider``), and whether by position.
_UNTAGGED_FIELDS: dict[type, tuple[tuple[tuple[str, str], ...], bool]] = {}


def _tagged(result: ResultT, provider: str) -> ResultT:
    """A copy of the frozen ``result`` naming ``provider``: ``attrs.evolve`` without its per-call field walk (P5)."""
    cls = type(result)
    known = _UNTAGGED_FIELDS.get(cls)
    if known is None:
        fields = attrs.fields(cls)
        kept = tuple((f.name, f.alias) for f in fields if f.init and f.name != "provider")
        # By position when nothing is keyword-only and "provider" comes after every other init field.
        by_position = not any(f.kw_only for f in fields) and [f.name for f in fields if f.init][-1] == "provider"
        known = _UNTAGGED_FIELDS[cls] = (kept, by_position)
    kept, by_position = known
    if by_position:
        return cls(*[getattr(result, name) for name, _ in kept], provider=provider)
    return cls(**{alias: getattr(result, name) for name, alias in kept}, provider=provider)
