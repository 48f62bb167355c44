"""What the exchange desk hands the host's screens: contacts, exchanges, summaries, counters.

Values, not database rows: a screen may keep them as long as it likes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
from liasse_hostapi.records import AccountingDocumentKind, Attachment, BankAccount, IbanRecord, Matter, Participation

from liasse.messages import Lang, default_lang
from liasse.records import BankWarning, ContactKind, DocumentType
from liasse.states import ExchangeKind, LabelledState, RequestState, SendState


@attrs.frozen
class ContactForm:
    """A contact as the user typed it (DS-03, DS-04); liasse cleans and checks it."""

    kind: ContactKind
    first_name: str
    last_name: str = ""
    email: str = ""
    #: As typed: ``06 54 55 99 87``, ``+32 470 …``; liasse normalises it to E.164.
    mobile: str | None = None
    #: The organisation's name (DS-04); the account title by default.
    establishment: str | None = None


@attrs.frozen
class Contact:
    """A contact of a provider account, as liasse keeps it."""

    id: int
    provider: str
    provider_account: str
    remote_id: str | None
    kind: ContactKind
    first_name: str
    last_name: str
    email: str
    mobile: str | None
    establishment: str | None
    archived: bool
    #: None for a contact with no account yet (DS-30) until it is associated (DS-31).
    account_number: str | None
    created_by: str
    created_at: dt.datetime

    def display_name(self, lang: Lang | None = None) -> str:
        """``MARTIN Jacques``, the organisation's name first, ``(archivé)`` when archived (DS-09)."""
        person = f"{self.last_name.upper()} {self.first_name}".strip()
        name = (
            f"{self.establishment} ({person})"
            if self.kind is ContactKind.ORGANISATION and self.establishment
            else person
        )
        if self.archived:
            name += " (archived)" if (lang or default_lang()) == "en" else " (archivé)"
        return name


@attrs.frozen
class Prefill:
    """What a new contact form starts with (DS-03, DS-05), and where it came from."""

    form: ContactForm
    source: str


@attrs.frozen
class DocumentSelection:
    """What one send carries (DS-16, DS-17).

    ``kinds`` are the accounting documents to generate; per-matter kinds
    (fee statement, deed invoice) are made for each ticked matter, or for
    every active matter when none is ticked.
    """

    kinds: frozenset[AccountingDocumentKind] = frozenset()
    matters: tuple[str, ...] = ()
    participations: tuple[int, ...] = ()
    #: DS-17 "RIB de l'étude": the office's RIB for the account's kind.
    office_rib: bool = False
    attachments: tuple[int, ...] = ()
    #: Files from disk, added to the send and kept as attachments of the account.
    files: tuple[Path, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing ticked and nothing added."""
        return not (self.kinds or self.participations or self.office_rib or self.attachments or self.files)


@attrs.frozen
class SendChoices:
    """DS-17: what the multi-document send offers for one account."""

    account_number: str
    account_documents: tuple[AccountingDocumentKind, ...]
    matter_documents: tuple[AccountingDocumentKind, ...]
    #: Every matter; closed ones can be ticked.
    matters: tuple[Matter, ...]
    #: What "none ticked" means: the active matters.
    default_matters: tuple[str, ...]
    #: Participation invoices newest first, closed, cancelled and credit notes included.
    participations: tuple[Participation, ...]
    attachments: tuple[Attachment, ...]


@attrs.frozen
class OfficeRibChoice:
    """DS-15: the office's bank accounts and the one proposed."""

    bank_accounts: tuple[BankAccount, ...]
    default_code: str


@attrs.frozen
class Exchange:
    """One request or send, as the tracking list shows it (DS-20)."""

    id: int
    provider: str
    provider_account: str
    kind: ExchangeKind
    document_type: DocumentType | None
    label: str
    account_number: str | None
    contact_id: int | None
    #: "MARTIN Jacques": the contact the exchange is shared with.
    shared_with: str
    state: LabelledState
    created_at: dt.datetime
    sent_at: dt.datetime | None
    reminded_at: dt.datetime | None
    #: When the contact answered (request) or downloaded (send).
    done_at: dt.datetime | None
    imported_at: dt.datetime | None
    file_name: str | None
    file_size: int | None
    sha256: str | None
    attachment_id: int | None
    stamped_attachment_id: int | None
    attestation_id: int | None
    iban_record_id: int | None
    last_error: str | None
    created_by: str
    remote_id: str | None
    #: The file exactly as received, stored beside ``attachment_id`` when that one is its cleaned copy.
    received_attachment_id: int | None = None

    @property
    def to_import(self) -> bool:
        """A received document waits to be imported (DS-22)."""
        return self.state is RequestState.TO_IMPORT

    @property
    def done(self) -> bool:
        """Nothing is left to do: imported, downloaded, cancelled or expired."""
        return self.state in ENDED_STATES

    @property
    def stamped(self) -> bool:
        """The import made a timestamped copy (DS-20 "horodatage")."""
        return self.stamped_attachment_id is not None


#: States with nothing left to do, for requests and sends.
ENDED_STATES: frozenset[LabelledState] = frozenset(
    {
        RequestState.IMPORTED,
        RequestState.CANCELLED,
        RequestState.EXPIRED,
        SendState.DONE,
        SendState.CANCELLED,
        SendState.EXPIRED,
    }
)


class ContactProgress(LabelledState):
    """DS-19: where a contact's exchanges stand, as the global tracking sums them up."""

    AWAITING = ("awaiting", "En attente de réponse", "Awaiting replies")
    NONE = ("none", "Aucun échange", "No exchange")
    PARTLY_DONE = ("partly_done", "Partiellement terminé", "Partly done")
    TO_IMPORT = ("to_import", "Terminé avec PJ à récupérer", "Done, attachment to import")
    DONE = ("done", "Terminé", "Done")


@attrs.frozen
class ContactSummary:
    """One line of the global tracking (DS-19): a contact and where its exchanges stand."""

    contact: Contact
    progress: ContactProgress
    open_count: int
    to_import_count: int
    done_count: int


@attrs.frozen
class ExchangeFilter:
    """The tracking filters (DS-19, DS-20); an empty field filters nothing.

    ``include_done`` defaults to False, as the global view hides done items;
    the account view passes True (it shows everything).
    """

    account_number: str | None = None
    name_contains: str | None = None
    contact_progress: frozenset[ContactProgress] = frozenset()
    request_states: frozenset[RequestState] = frozenset()
    send_states: frozenset[SendState] = frozenset()
    document_type: DocumentType | None = None
    kind: ExchangeKind | None = None
    include_done: bool = False


@attrs.frozen
class Counter:
    """DS-22: received documents left to import, with the level the screens colour by."""

    count: int

    @property
    def level(self) -> str:
        """``""`` (nothing), ``"1"``, ``"2"``, ``"3"`` or ``"3+"``: the four levels of the counter icon."""
        return "" if self.count <= 0 else ("3+" if self.count > 3 else str(self.count))


@attrs.frozen
class AccountTracking:
    """DS-21: an account's exchanges with its counts."""

    account_number: str
    exchanges: tuple[Exchange, ...]
    requests: int
    sends: int
    to_import: int


@attrs.frozen
class Alert:
    """DS-23: a message shown when an account is opened."""

    text_fr: str
    text_en: str

    def text(self, lang: Lang | None = None) -> str:
        """The message in ``lang``."""
        return self.text_en if (lang or default_lang()) == "en" else self.text_fr


@attrs.frozen
class SyncReport:
    """What one status sync changed."""

    pages: int
    changed: tuple[int, ...]
    #: Exchanges that now have a document to import.
    received: tuple[int, ...]


@attrs.frozen
class ImportResult:
    """DS-26, DS-27: what importing a received document made in the host."""

    exchange: Exchange
    #: The original the host's users open: the file as received, or, when screening removed
    #: active content, its cleaned copy (``received`` then holds the file as it came).
    original: Attachment
    #: The timestamped copy (DS-28), when one was made.
    stamped: Attachment | None
    #: The IBAN record a RIB import created (DS-26).
    iban_record: IbanRecord | None = None
    #: BY-02 findings about the bank details, to show the user (``danger`` ones before any payment).
    warnings: tuple[BankWarning, ...] = ()
    #: Why no mark was made although one was asked, in the user's words.
    stamp_note: str | None = None
    #: Active content removed from a received PDF before the host got it, and where the original is kept.
    active_content_note: str | None = None
    #: BY-03: the time-stamp token over the original, an attachment ``<file>.tsr`` beside it.
    proof: Attachment | None = None
    #: Why no token was obtained although a TSA is set.
    proof_note: str | None = None
    #: The file exactly as received, when ``original`` is its copy without active content
    #: (``original.original_id`` points to it). Viewable like any attachment; open it knowingly.
    received: Attachment | None = None
