"""Hook specifications: every step a provider takes, and the extension points.

Three kinds of hooks, each documented in ``docs/hooks.md`` with its exact
signature:

* **Declaration** — ``liasse_provider_info``: each provider plugin says who it
  is. liasse calls each plugin's implementation separately.
* **Provider steps** — routed: liasse calls the *chosen* provider's
  implementation only (the other providers are left out of the call), so a
  plugin never checks whether a call is meant for it. They are
  ``firstresult`` and take a :class:`~liasse.records.ProviderContext` first.
  Side-effecting steps also take ``idempotency_key``: liasse persists it
  before the first attempt and passes the same key on every retry.
* **Extension points** — called on every plugin that implements them, for
  work several plugins may share: screening a received document, reading
  bank details, checking them, stamping it, proving its receipt. The host's own event hooks are in
  :mod:`liasse_hostapi.events`.

Arguments are passed by keyword; an implementation may accept fewer than the
spec names (pluggy's opt-in arguments), which is how specs grow without
breaking plugins. A hook that does not apply returns ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liasse.markers import hookspec

if TYPE_CHECKING:
    from liasse_hostapi.records import Account, IbanRecord

    from liasse.records import (
        AccessReport,
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
        AccountLink,
        LetterQuery,
        PaymentMean,
        ProofKind,
        RemoteConsent,
        RemoteLetter,
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
    from liasse.records.remote import OutgoingDocument
    from liasse.secrets import Secret

#: Version of these specs. A plugin's ``ProviderInfo.spec_version`` must share its major.
SPEC_VERSION = "1.2"

#: Hooks that liasse routes to one chosen provider.
ROUTED_HOOKS: tuple[str, ...] = (
    "liasse_check_access",
    "liasse_provider_limits",
    "liasse_create_contact",
    "liasse_update_contact",
    "liasse_archive_contact",
    "liasse_delete_contact",
    "liasse_list_contacts",
    "liasse_request_document",
    "liasse_send_documents",
    "liasse_remind",
    "liasse_sync_status",
    "liasse_fetch_document",
    "liasse_fetch_attestation",
    "liasse_request_signature",
    "liasse_cancel_signature",
    "liasse_send_registered_mail",
    "liasse_export_file",
    "liasse_upload_documents",
    "liasse_list_shared_documents",
    "liasse_share_documents",
    "liasse_share_events",
    "liasse_read_webhook",
    "liasse_read_status",
    "liasse_find_sent",
    "liasse_link_account",
    "liasse_list_consents",
    "liasse_request_consents",
    "liasse_list_payment_means",
    "liasse_upload_letter_document",
    "liasse_validate_letters",
    "liasse_read_letter",
    "liasse_list_letters",
    "liasse_fetch_proof",
)


# --- declaration -------------------------------------------------------------


@hookspec
def liasse_provider_info() -> ProviderInfo:
    """Declare the provider: title, capabilities, settings class, sandbox, limits.

    Every provider plugin implements it; a plugin without it is not a provider
    (it may still implement extension points). Called once per plugin at load.
    """


# --- provider steps (routed, first result) -----------------------------------


@hookspec(firstresult=True)
def liasse_check_access(ctx: ProviderContext[Any]) -> AccessReport:
    """Test access to the service with the context's credentials ("Tester l'accès au service").

    Raise :class:`~liasse.errors.AccessDenied` when the provider refuses the
    credentials and :class:`~liasse.errors.ProviderUnavailable` when it cannot
    be reached; return an :class:`~liasse.records.AccessReport` otherwise.
    """


@hookspec(firstresult=True)
def liasse_provider_limits(ctx: ProviderContext[Any]) -> ProviderLimits:
    """The file size and types the provider account accepts now (DS-34).

    liasse checks every file against them before any upload. A provider whose
    limits are fixed may return its declared ``ProviderInfo.limits``.
    """


@hookspec(firstresult=True)
def liasse_create_contact(ctx: ProviderContext[Any], contact: ContactDraft, idempotency_key: str) -> RemoteContact:
    """Create a contact at the provider (DS-03, DS-04) and return its remote id."""


@hookspec(firstresult=True)
def liasse_update_contact(ctx: ProviderContext[Any], remote_id: str, contact: ContactDraft) -> RemoteContact:
    """Replace a contact's details at the provider (DS-07) or link it to an account (DS-31)."""


@hookspec(firstresult=True)
def liasse_archive_contact(ctx: ProviderContext[Any], remote_id: str, archived: bool) -> RemoteContact:
    """Archive (``archived=True``) or reactivate a contact at the provider (DS-09 … DS-11)."""


@hookspec(firstresult=True)
def liasse_delete_contact(ctx: ProviderContext[Any], remote_id: str) -> RemoteContact:
    """Delete a contact at the provider (DS-08); a contact already gone counts as deleted."""


@hookspec(firstresult=True)
def liasse_list_contacts(ctx: ProviderContext[Any]) -> ContactList:
    """Every contact of the provider account, with details (DS-31: contacts created on the provider's site)."""


@hookspec(firstresult=True)
def liasse_request_document(
    ctx: ProviderContext[Any], request: DocumentRequestDraft, idempotency_key: str
) -> RemoteExchange:
    """Ask a contact for a document (DS-12, DS-13); the provider e-mails and texts the contact."""


@hookspec(firstresult=True)
def liasse_send_documents(ctx: ProviderContext[Any], send: DocumentSendDraft, idempotency_key: str) -> RemoteExchange:
    """Give a contact one or more documents under one name (DS-15 … DS-18).

    Upload each file streamed from ``OutgoingDocument.path``; never read a
    whole file into memory.
    """


@hookspec(firstresult=True)
def liasse_remind(
    ctx: ProviderContext[Any], remote_id: str, channel: ReminderChannel, idempotency_key: str
) -> ReminderReceipt:
    """Remind the contact or signer of an open item (DS-24, ES-09).

    Raise :class:`~liasse.errors.ProviderError` with the provider's reason when
    it refuses (DocSecure: a second reminder within 24 hours).
    """


@hookspec(firstresult=True)
def liasse_sync_status(ctx: ProviderContext[Any], cursor: str | None) -> StatusPage:
    """Report what changed since ``cursor`` (None: everything), one page at a time.

    liasse calls again with the returned cursor while ``has_more`` is true, and
    stores the last cursor for the next sync, so an unchanged account costs one
    request.
    """


@hookspec(firstresult=True)
def liasse_fetch_document(ctx: ProviderContext[Any], remote_id: str, dest_dir: Path) -> ReceivedFile:
    """Download what an item produced (an uploaded RIB, a signed PDF, a proof) into ``dest_dir``.

    Stream it to disk with ``ctx.http.download``, which caps the size and
    computes the SHA-256. The attachment import pipeline takes it from there.
    """


@hookspec(firstresult=True)
def liasse_fetch_attestation(ctx: ProviderContext[Any], remote_id: str, dest_dir: Path) -> ReceivedFile:
    """Download the provider's attestation of an exchange into ``dest_dir`` (DS-29)."""


@hookspec(firstresult=True)
def liasse_request_signature(
    ctx: ProviderContext[Any], request: SignatureRequestDraft, idempotency_key: str
) -> RemoteExchange:
    """Create and activate a signature request (ES-06, ES-08, ES-12)."""


@hookspec(firstresult=True)
def liasse_cancel_signature(ctx: ProviderContext[Any], remote_id: str, reason: str) -> RemoteStatus:
    """Cancel a signature request that is still awaiting signatures; return its status afterwards.

    ``reason`` is one of ``contractualization_aborted``, ``errors_in_document``
    or ``other`` (Yousign's words). Raise :class:`~liasse.errors.ProviderError`
    when the provider refuses (the request is already signed or closed).
    """


@hookspec(firstresult=True)
def liasse_send_registered_mail(
    ctx: ProviderContext[Any], letter: RegisteredLetterDraft, idempotency_key: str
) -> RemoteExchange:
    """Send one registered letter (AR-05 … AR-08)."""


@hookspec(firstresult=True)
def liasse_export_file(ctx: ProviderContext[Any], file: SharedFileDraft, idempotency_key: str) -> RemoteSharedFile:
    """Export a file (number, description) with its parties to the shared zone (JZ-02).

    Every party has an e-mail (liasse checks it first and exports nothing
    otherwise). Exporting the same number again updates the file and its
    parties.
    """


@hookspec(firstresult=True)
def liasse_upload_documents(
    ctx: ProviderContext[Any], file_number: str, documents: Sequence[OutgoingDocument], idempotency_key: str
) -> DocumentBatch:
    """Upload one or many documents to an exported file (JZ-03), each streamed from ``OutgoingDocument.path``.

    Never read a whole file into memory. The same key again returns what
    the first attempt stored instead of storing it twice.
    """


@hookspec(firstresult=True)
def liasse_list_shared_documents(ctx: ProviderContext[Any], file_number: str) -> DocumentBatch:
    """Every document of an exported file, those recipients returned or added included (JZ-06)."""


@hookspec(firstresult=True)
def liasse_share_documents(ctx: ProviderContext[Any], share: ShareDraft, idempotency_key: str) -> RemoteExchange:
    """Share documents already uploaded to an exported file with some of its parties until an expiry date (JZ-04).

    The provider e-mails each recipient (activation first, then access, the
    comment merged in). The same key again returns the share it opened.
    """


@hookspec(firstresult=True)
def liasse_share_events(ctx: ProviderContext[Any], cursor: str | None) -> ShareEventPage:
    """What happened in the shared zones since ``cursor`` (None: everything), one page at a time (JZ-05 … JZ-08).

    liasse calls again with the returned cursor while ``has_more`` is true
    and stores the last cursor; webhooks only say when to call.
    """


@hookspec(firstresult=True)
def liasse_read_webhook(ctx: ProviderContext[Any], headers: Mapping[str, str], body: bytes) -> WebhookNotice:
    """Verify a webhook delivery on its raw ``body`` and say which items it concerns.

    ``headers`` have lower-case names; ``body`` is the bytes as received,
    never re-serialised. Check the signature with :mod:`liasse.webhooks.signatures`
    against ``ctx.settings``' webhook secrets and raise its
    :class:`~liasse.webhooks.errors.WebhookRejected` when it fails (liasse
    answers 400). Return a :class:`~liasse.records.WebhookNotice` with the
    provider's event id; a provider whose webhooks are unsigned returns it
    with ``trusted=False``. ``ctx`` has the office's settings and no user's
    credentials: make no API call here, liasse re-reads the items later.
    """


@hookspec(firstresult=True)
def liasse_read_status(ctx: ProviderContext[Any], remote_id: str) -> RemoteStatus:
    """The current status of one item, read from the provider's API (a webhook's targeted re-read).

    Optional: for a provider without it, liasse runs ``liasse_sync_status``
    from the stored cursor instead.
    """


@hookspec(firstresult=True)
def liasse_find_sent(ctx: ProviderContext[Any], operation: str, idempotency_key: str) -> RemoteExchange | None:
    """Find what an earlier attempt of a side-effecting step created, by the provider's own reference.

    The outbox relay calls it before it sends a row again whose previous
    attempt may have reached the provider (its process died mid-call, or the
    answer was lost): ``operation`` is the step's hook name (e.g.
    ``"liasse_send_documents"``) and ``idempotency_key`` the key liasse passed
    to it. Look the item up by the reference you stored at the provider from
    that key (Yousign: ``external_id``; AR24: ``ref_client``; DocSecure: the
    ``Idempotency-Key`` it records) and return it as a
    :class:`~liasse.records.RemoteExchange` if it exists and went out; return
    None if the provider has nothing (or only an unfinished draft the step
    completes when called again), and liasse calls the step again under the
    same key. A provider without idempotency keys must implement it, or a
    crash at the wrong moment sends twice.
    """


# --- registered mail (AR-01 … AR-12) ---------------------------------------------


@hookspec(firstresult=True)
def liasse_link_account(ctx: ProviderContext[Any]) -> AccountLink:
    """Ask to link the user's provider account (``ctx.credentials.login``) to the office's API (AR-01).

    The provider e-mails the user a confirmation link; until it is followed
    the result has ``attached=False``. Calling it again once confirmed
    returns ``attached=True`` and sends nothing.
    """


@hookspec(firstresult=True)
def liasse_list_consents(ctx: ProviderContext[Any]) -> tuple[RemoteConsent, ...]:
    """Every consent request of the user at the provider, with its state and link (AR-03 "update consents")."""


@hookspec(firstresult=True)
def liasse_request_consents(
    ctx: ProviderContext[Any], emails: tuple[str, ...], delay_days: int
) -> tuple[RemoteConsent, ...]:
    """Send consent requests to ``emails``, answered within ``delay_days`` (3 to 30) or refused (AR-03)."""


@hookspec(firstresult=True)
def liasse_list_payment_means(ctx: ProviderContext[Any]) -> tuple[PaymentMean, ...]:
    """The payment means the provider has for the user (AR-04)."""


@hookspec(firstresult=True)
def liasse_upload_letter_document(ctx: ProviderContext[Any], document: OutgoingDocument) -> str:
    """Upload one letter document and return the provider's id for it (AR-08: shared documents once)."""


@hookspec(firstresult=True)
def liasse_validate_letters(
    ctx: ProviderContext[Any], remote_ids: tuple[str, ...], otp: Secret
) -> tuple[RemoteLetter, ...]:
    """Validate letters prepared without identification with one OTP the user typed (AR-02, AR-09).

    ``otp`` is used for this call only: never stored, logged or echoed.
    """


@hookspec(firstresult=True)
def liasse_read_letter(ctx: ProviderContext[Any], remote_id: str) -> RemoteLetter:
    """One letter as the provider reports it now (AR-10; a webhook's re-read)."""


@hookspec(firstresult=True)
def liasse_list_letters(ctx: ProviderContext[Any], query: LetterQuery) -> tuple[RemoteLetter, ...]:
    """The user's letters at the provider matching ``query`` (AR-10; the polling fallback)."""


@hookspec(firstresult=True)
def liasse_fetch_proof(ctx: ProviderContext[Any], remote_id: str, proof: ProofKind, dest_dir: Path) -> ReceivedFile:
    """Download one proof of a letter as a PDF into ``dest_dir`` (AR-12)."""


# --- extension points (every implementation takes part) ------------------------


@hookspec(firstresult=True)
def liasse_extract_bank_details(document: IncomingDocument) -> BankDetails | None:
    """Read bank details from a received document: IBAN creation, step one (DS-26, BY-06).

    First result wins: return None when the document is not one you can read.
    liasse tags the result with the plugin that read it. Use ``tryfirst`` for
    a better reader (an OCR engine) and ``trylast`` for a fallback.
    """


@hookspec
def liasse_check_bank_details(
    details: BankDetails, account: Account, previous: Iterable[IbanRecord]
) -> Iterable[BankWarning]:
    """Return findings about bank details before the IBAN record is created (BY-02).

    Every implementation is called; their warnings are shown together, each
    tagged with the plugin that found it. An empty iterable means nothing to
    say. ``previous`` are the account's IBAN records, oldest first.
    """


@hookspec(firstresult=True)
def liasse_stamp_document(document: IncomingDocument, text: str, dest: Path) -> Path | None:
    """Write a timestamp-marked copy of ``document`` to ``dest`` (DS-28) and return it.

    First result wins; return None for a media type you do not handle.
    The original is never modified.
    """


@hookspec(firstresult=True)
def liasse_screen_document(document: IncomingDocument, dest: Path) -> Screening | None:
    """Screen a received document for active content before the host gets it (untrusted documents).

    Called after liasse's own gate (size cap, first bytes against the name,
    programs refused), which no plugin replaces. First result wins: return
    None for a media type you do not screen. Return a
    :class:`~liasse.records.Screening` whose ``path`` is the document's own
    when nothing had to go, or a cleaned copy written to ``dest``; raise
    :class:`~liasse.errors.HostileDocument` to refuse the document. liasse
    then keeps the file as received beside the copy. The built-in
    (``trylast``) screens PDFs and zips.
    """


@hookspec(firstresult=True)
def liasse_prove_receipt(document: IncomingDocument, tsa_url: str | None, dest: Path) -> Path | None:
    """Write a proof that ``document`` was received now to ``dest`` and return it (BY-03).

    ``document`` is the file exactly as received (``sha256`` is its hash);
    ``tsa_url`` is the office's ``[intake] tsa_url``, None when unset. First
    result wins: return None to leave the proof to the next prover. Raise
    :class:`~liasse.errors.ProviderUnavailable` or
    :class:`~liasse.errors.TimestampRefused` when the authority cannot give
    one: the document is imported all the same and the user is told the
    proof can be asked for again. The built-in (``trylast``) asks the RFC
    3161 authority at ``tsa_url`` for a token over the SHA-256.
    """
