"""One test per hook (FW-01): routing, first result, provenance, isolation.

The meta-test in test_hookspecs.py requires a ``test_hook_<name>`` here for
every spec.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import attrs
import pytest
from liasse_hostapi.events import host_hookimpl
from liasse_hostapi.records import Account, AccountKind, Attachment, IbanRecord, OwnerKind, OwnerRef

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.errors import CapabilityMissing, UnknownProvider
from liasse.facade import Hooks
from liasse.http import HttpClient
from liasse.manager import LiassePluginManager
from liasse.records import (
    AccessReport,
    BankDetails,
    BankWarning,
    ContactDraft,
    ContactKind,
    ContactList,
    DocumentRequestDraft,
    DocumentSendDraft,
    DocumentType,
    IncomingDocument,
    LetterKind,
    LetterRecipient,
    ProviderContext,
    ProviderInfo,
    ProviderLimits,
    ReceivedFile,
    RegisteredLetterDraft,
    ReminderChannel,
    ReminderReceipt,
    Severity,
    RemoteContact,
    RemoteExchange,
    RemoteState,
    RemoteStatus,
    ShareDraft,
    SignatureRequestDraft,
    StatusPage,
)
from liasse.records import (
    AccountLink,
    ConsentState,
    LetterQuery,
    OutgoingDocument,
    PaymentMean,
    ProofKind,
    RemoteConsent,
    RemoteLetter,
)
from liasse.secrets import Secret
from liasse.settings import ProviderSettings

NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


class FakeProvider:
    """A provider that answers every step and records what it was asked.

    It stands for a plugin's hook layer only: these tests are about liasse's
    routing, not about any provider, so no HTTP is involved.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _seen(self, hook: str, **kwargs: Any) -> None:
        self.calls.append((hook, kwargs))

    @hookimpl
    def liasse_provider_info(self) -> ProviderInfo:
        return ProviderInfo(title=self.name.title(), capabilities=frozenset(Capability), settings=ProviderSettings, sandbox="x:y")

    @hookimpl
    def liasse_check_access(self, ctx: ProviderContext[Any]) -> AccessReport:
        self._seen("check_access")
        return AccessReport(ok=True, account=f"{self.name}-account")

    @hookimpl
    def liasse_create_contact(self, ctx: Any, contact: ContactDraft, idempotency_key: str) -> RemoteContact:
        self._seen("create_contact", key=idempotency_key)
        return RemoteContact(remote_id=f"{self.name}-c1")

    @hookimpl
    def liasse_provider_limits(self, ctx: Any) -> ProviderLimits:
        self._seen("provider_limits")
        return ProviderLimits(max_file_size=1024, media_types=frozenset({"application/pdf"}))

    @hookimpl
    def liasse_update_contact(self, ctx: Any, remote_id: str, contact: ContactDraft) -> RemoteContact:
        self._seen("update_contact", remote_id=remote_id, account=contact.account_number)
        return RemoteContact(remote_id=remote_id, details=contact)

    @hookimpl
    def liasse_archive_contact(self, ctx: Any, remote_id: str, archived: bool) -> RemoteContact:
        self._seen("archive_contact", archived=archived)
        return RemoteContact(remote_id=remote_id, archived=archived)

    @hookimpl
    def liasse_delete_contact(self, ctx: Any, remote_id: str) -> RemoteContact:
        self._seen("delete_contact", remote_id=remote_id)
        return RemoteContact(remote_id=remote_id)

    @hookimpl
    def liasse_list_contacts(self, ctx: Any) -> ContactList:
        self._seen("list_contacts")
        return ContactList(contacts=(RemoteContact(remote_id=f"{self.name}-site-1"),))

    @hookimpl
    def liasse_fetch_attestation(self, ctx: Any, remote_id: str, dest_dir: Path) -> ReceivedFile:
        self._seen("fetch_attestation", remote_id=remote_id)
        return ReceivedFile(remote_id, dest_dir / "attestation.pdf", "attestation.pdf", "application/pdf", 10, "0" * 64, NOW)

    # --- registered mail (AR-01 … AR-12) ---

    @hookimpl
    def liasse_link_account(self, ctx: Any) -> AccountLink:
        self._seen("link_account")
        return AccountLink("1001", "jean.fichorga@fichorga.fr", attached=False)

    @hookimpl
    def liasse_list_consents(self, ctx: Any) -> tuple[RemoteConsent, ...]:
        self._seen("list_consents")
        return (RemoteConsent("c1", "sophie.durand@orange.fr", ConsentState.ACCEPTED, "http://x/consent/1"),)

    @hookimpl
    def liasse_request_consents(self, ctx: Any, emails: tuple[str, ...], delay_days: int) -> tuple[RemoteConsent, ...]:
        self._seen("request_consents", emails=emails, delay_days=delay_days)
        return tuple(RemoteConsent(f"c{i}", e, ConsentState.PENDING, "http://x") for i, e in enumerate(emails))

    @hookimpl
    def liasse_list_payment_means(self, ctx: Any) -> tuple[PaymentMean, ...]:
        self._seen("list_payment_means")
        return (PaymentMean("1", "Carte bancaire **** 4242"),)

    @hookimpl
    def liasse_upload_letter_document(self, ctx: Any, document: OutgoingDocument) -> str:
        self._seen("upload_letter_document", sha256=document.sha256)
        return f"{self.name}-file-1"

    @hookimpl
    def liasse_validate_letters(self, ctx: Any, remote_ids: tuple[str, ...], otp: Secret) -> tuple[RemoteLetter, ...]:
        self._seen("validate_letters", remote_ids=remote_ids)
        return tuple(RemoteLetter(r, "waiting", "k", NOW) for r in remote_ids)

    @hookimpl
    def liasse_read_letter(self, ctx: Any, remote_id: str) -> RemoteLetter:
        self._seen("read_letter", remote_id=remote_id)
        return RemoteLetter(remote_id, "sent", "k", NOW, sent_at=NOW)

    @hookimpl
    def liasse_list_letters(self, ctx: Any, query: LetterQuery) -> tuple[RemoteLetter, ...]:
        self._seen("list_letters", status=query.status)
        return (RemoteLetter("m1", "AR", "k", NOW, acknowledged_at=NOW),)

    @hookimpl
    def liasse_fetch_proof(self, ctx: Any, remote_id: str, proof: ProofKind, dest_dir: Path) -> ReceivedFile:
        self._seen("fetch_proof", proof=proof)
        return ReceivedFile(remote_id, dest_dir / "proof.pdf", "proof.pdf", "application/pdf", 10, "0" * 64, NOW)

    @hookimpl
    def liasse_request_document(self, ctx: Any, request: DocumentRequestDraft, idempotency_key: str) -> RemoteExchange:
        self._seen("request_document", label=request.label)
        return RemoteExchange(remote_id=f"{self.name}-r1", created_at=NOW)

    @hookimpl
    def liasse_send_documents(self, ctx: Any, send: DocumentSendDraft) -> RemoteExchange:
        # Names fewer arguments than the spec: pluggy's opt-in arguments.
        self._seen("send_documents", name=send.name)
        return RemoteExchange(remote_id=f"{self.name}-s1", created_at=NOW)

    @hookimpl
    def liasse_remind(self, ctx: Any, remote_id: str, channel: ReminderChannel) -> ReminderReceipt:
        self._seen("remind", channel=channel)
        return ReminderReceipt(remote_id=remote_id, reminded_at=NOW)

    @hookimpl
    def liasse_sync_status(self, ctx: Any, cursor: str | None) -> StatusPage:
        self._seen("sync_status", cursor=cursor)
        return StatusPage(updates=(), cursor="c2")

    @hookimpl
    def liasse_fetch_document(self, ctx: Any, remote_id: str, dest_dir: Path) -> ReceivedFile:
        self._seen("fetch_document")
        return ReceivedFile(remote_id, dest_dir / "f", "rib.pdf", "application/pdf", 1, "0" * 64, NOW)

    @hookimpl
    def liasse_request_signature(self, ctx: Any, request: SignatureRequestDraft) -> RemoteExchange:
        self._seen("request_signature", name=request.name)
        return RemoteExchange(remote_id=f"{self.name}-sig", created_at=NOW)

    @hookimpl
    def liasse_cancel_signature(self, ctx: Any, remote_id: str, reason: str) -> RemoteStatus:
        self._seen("cancel_signature", reason=reason)
        return RemoteStatus(remote_id=remote_id, state=RemoteState.CANCELLED, changed_at=NOW)

    @hookimpl
    def liasse_send_registered_mail(self, ctx: Any, letter: RegisteredLetterDraft) -> RemoteExchange:
        self._seen("send_registered_mail", reference=letter.reference)
        return RemoteExchange(remote_id=f"{self.name}-lre", created_at=NOW)

    @hookimpl
    def liasse_share_documents(self, ctx: Any, share: ShareDraft) -> RemoteExchange:
        self._seen("share_documents", title=share.title)
        return RemoteExchange(remote_id=f"{self.name}-share", created_at=NOW)


@pytest.fixture
def two_providers() -> tuple[Hooks, FakeProvider, FakeProvider]:
    pm = LiassePluginManager()
    alpha, beta = FakeProvider("alpha"), FakeProvider("beta")
    pm.register_checked(alpha, "alpha")
    pm.register_checked(beta, "beta")
    infos = {"alpha": alpha.liasse_provider_info(), "beta": beta.liasse_provider_info()}
    return Hooks(pm, infos), alpha, beta


def ctx_for(provider: str) -> ProviderContext[Any]:
    return ProviderContext(
        provider=provider,
        settings=ProviderSettings(base_url="http://127.0.0.1:9"),
        http=HttpClient(provider, "http://127.0.0.1:9"),
        user_login="FICH",
        office_name="Groupe FICHORGA",
    )


def only_alpha_called(alpha: FakeProvider, beta: FakeProvider, step: str) -> None:
    assert [c[0] for c in alpha.calls] == [step]
    assert beta.calls == []


def test_hook_liasse_provider_info() -> None:
    pm = LiassePluginManager()
    pm.register_checked(FakeProvider("alpha"), "alpha")
    infos = pm.hook.liasse_provider_info()
    assert [i.title for i in infos] == ["Alpha"]


def test_hook_liasse_check_access(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    report = hooks.check_access(ctx_for("beta"))
    assert report.account == "beta-account"
    assert report.provider == "beta"
    assert alpha.calls == []


def test_hook_liasse_create_contact(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    contact = ContactDraft(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@example.fr", "+33612345678")
    remote = hooks.create_contact(ctx_for("alpha"), contact, idempotency_key="k-1")
    assert remote == RemoteContact(remote_id="alpha-c1", provider="alpha")
    assert alpha.calls == [("create_contact", {"key": "k-1"})]
    assert beta.calls == []


def test_hook_liasse_provider_limits(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    limits = hooks.provider_limits(ctx_for("alpha"))
    assert (limits.max_file_size, limits.provider) == (1024, "alpha")
    only_alpha_called(alpha, beta, "provider_limits")


def test_hook_liasse_update_contact(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    contact = ContactDraft(ContactKind.PERSON, "Jacques", "MARTIN", "j@example.fr", "+33612345678", account_number="2950")
    remote = hooks.update_contact(ctx_for("alpha"), "c1", contact)
    assert (remote.remote_id, remote.provider, remote.details) == ("c1", "alpha", contact)
    assert alpha.calls == [("update_contact", {"remote_id": "c1", "account": "2950"})]
    assert beta.calls == []


def test_hook_liasse_archive_contact(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    remote = hooks.archive_contact(ctx_for("alpha"), "c1", archived=True)
    assert remote.archived and remote.provider == "alpha"
    only_alpha_called(alpha, beta, "archive_contact")


def test_hook_liasse_delete_contact(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    assert hooks.delete_contact(ctx_for("alpha"), "c1").provider == "alpha"
    only_alpha_called(alpha, beta, "delete_contact")


def test_hook_liasse_list_contacts(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    listing = hooks.list_contacts(ctx_for("beta"))
    assert [c.remote_id for c in listing.contacts] == ["beta-site-1"]
    assert listing.provider == "beta"
    assert alpha.calls == []


def test_hook_liasse_fetch_attestation(two_providers: Any, tmp_path: Path) -> None:
    hooks, alpha, beta = two_providers
    received = hooks.fetch_attestation(ctx_for("alpha"), "r1", tmp_path)
    assert (received.file_name, received.provider) == ("attestation.pdf", "alpha")
    only_alpha_called(alpha, beta, "fetch_attestation")


def test_hook_liasse_request_document(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    result = hooks.request_document(ctx_for("alpha"), DocumentRequestDraft("c1", DocumentType.RIB, "RIB"), "k")
    assert (result.remote_id, result.provider) == ("alpha-r1", "alpha")
    only_alpha_called(alpha, beta, "request_document")


def test_hook_liasse_send_documents(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    result = hooks.send_documents(ctx_for("alpha"), DocumentSendDraft("c1", "Documents", ()), "k")
    assert result.provider == "alpha"
    only_alpha_called(alpha, beta, "send_documents")


def test_hook_liasse_remind(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    receipt = hooks.remind(ctx_for("alpha"), "r1", ReminderChannel.MAIL_AND_SMS, "k")
    assert receipt.provider == "alpha"
    assert alpha.calls == [("remind", {"channel": ReminderChannel.MAIL_AND_SMS})]
    assert beta.calls == []


def test_hook_liasse_sync_status(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    page = hooks.sync_status(ctx_for("alpha"), cursor="c1")
    assert (page.cursor, page.provider) == ("c2", "alpha")
    only_alpha_called(alpha, beta, "sync_status")


def test_hook_liasse_fetch_document(two_providers: Any, tmp_path: Path) -> None:
    hooks, alpha, beta = two_providers
    received = hooks.fetch_document(ctx_for("alpha"), "r1", tmp_path)
    assert received.provider == "alpha"
    assert received.path.parent == tmp_path
    only_alpha_called(alpha, beta, "fetch_document")


def test_hook_liasse_request_signature(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    result = hooks.request_signature(ctx_for("alpha"), SignatureRequestDraft("Bail", (), ()), "k")
    assert result.provider == "alpha"
    assert alpha.calls == [("request_signature", {"name": "Bail"})]
    assert beta.calls == []


def test_hook_liasse_cancel_signature(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    status = hooks.cancel_signature(ctx_for("alpha"), "r1", "other")
    assert (status.state, status.provider) == (RemoteState.CANCELLED, "alpha")
    assert alpha.calls == [("cancel_signature", {"reason": "other"})]
    assert beta.calls == []


def test_hook_liasse_send_registered_mail(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    letter = RegisteredLetterDraft(LetterKind.EIDAS, LetterRecipient("Jacques", "MARTIN", "j@example.fr"), (), "lre-1")
    result = hooks.send_registered_mail(ctx_for("alpha"), letter, "k")
    assert result.provider == "alpha"
    only_alpha_called(alpha, beta, "send_registered_mail")


def test_hook_liasse_link_account(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    link = hooks.link_account(ctx_for("alpha"))
    assert link.provider == "alpha" and link.attached is False
    only_alpha_called(alpha, beta, "link_account")


def test_hook_liasse_list_consents(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    consents = hooks.list_consents(ctx_for("alpha"))
    assert [c.provider for c in consents] == ["alpha"] and consents[0].state is ConsentState.ACCEPTED
    only_alpha_called(alpha, beta, "list_consents")


def test_hook_liasse_request_consents(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    consents = hooks.request_consents(ctx_for("alpha"), ("a@x.fr", "b@x.fr"), 10)
    assert [c.email for c in consents] == ["a@x.fr", "b@x.fr"]
    assert alpha.calls == [("request_consents", {"emails": ("a@x.fr", "b@x.fr"), "delay_days": 10})]
    assert beta.calls == []


def test_hook_liasse_list_payment_means(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    assert [m.provider for m in hooks.list_payment_means(ctx_for("alpha"))] == ["alpha"]
    only_alpha_called(alpha, beta, "list_payment_means")


def test_hook_liasse_upload_letter_document(two_providers: Any, tmp_path: Path) -> None:
    hooks, alpha, beta = two_providers
    document = OutgoingDocument(tmp_path / "l.pdf", "l.pdf", "application/pdf", 10, "a" * 64)
    assert hooks.upload_letter_document(ctx_for("alpha"), document) == "alpha-file-1"
    only_alpha_called(alpha, beta, "upload_letter_document")


def test_hook_liasse_validate_letters(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    letters = hooks.validate_letters(ctx_for("alpha"), ("m1", "m2"), Secret("123456"))
    assert [(letter.remote_id, letter.status, letter.provider) for letter in letters] == [
        ("m1", "waiting", "alpha"),
        ("m2", "waiting", "alpha"),
    ]
    only_alpha_called(alpha, beta, "validate_letters")


def test_hook_liasse_read_letter(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    letter = hooks.read_letter(ctx_for("alpha"), "m9")
    assert (letter.remote_id, letter.status, letter.provider) == ("m9", "sent", "alpha")
    only_alpha_called(alpha, beta, "read_letter")


def test_hook_liasse_list_letters(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    letters = hooks.list_letters(ctx_for("alpha"), LetterQuery(status="AR"))
    assert [(letter.status, letter.provider) for letter in letters] == [("AR", "alpha")]
    assert alpha.calls == [("list_letters", {"status": "AR"})]


def test_hook_liasse_fetch_proof(two_providers: Any, tmp_path: Path) -> None:
    hooks, alpha, beta = two_providers
    received = hooks.fetch_proof(ctx_for("alpha"), "m1", ProofKind.RECEIPT, tmp_path)
    assert received.provider == "alpha" and received.file_name == "proof.pdf"
    assert alpha.calls == [("fetch_proof", {"proof": ProofKind.RECEIPT})]


def test_hook_liasse_share_documents(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    share = ShareDraft("2023-001", "Pièces de la vente", dt.date(2026, 12, 31), (), ())
    result = hooks.share_documents(ctx_for("alpha"), share, "k")
    assert result.provider == "alpha"
    only_alpha_called(alpha, beta, "share_documents")


def test_fw01_routing_to_unknown_provider_names_the_installed_ones(two_providers: Any) -> None:
    hooks, _, _ = two_providers
    with pytest.raises(UnknownProvider) as caught:
        hooks.check_access(ctx_for("docsecur"))
    assert "docsecur" in str(caught.value)
    assert "alpha, beta" in str(caught.value)


def test_fw01_provider_without_the_step_is_told_which_providers_have_it() -> None:
    class AccessOnly:
        @hookimpl
        def liasse_provider_info(self) -> ProviderInfo:
            return ProviderInfo(title="Gamma", capabilities=frozenset({Capability.SHARE}), settings=ProviderSettings, sandbox="x:y")

    pm = LiassePluginManager()
    gamma, alpha = AccessOnly(), FakeProvider("alpha")
    pm.register_checked(gamma, "gamma")
    pm.register_checked(alpha, "alpha")
    hooks = Hooks(pm, {"gamma": gamma.liasse_provider_info(), "alpha": alpha.liasse_provider_info()})
    with pytest.raises(CapabilityMissing) as caught:
        hooks.remind(ctx_for("gamma"), "r1", ReminderChannel.MAIL, "k")
    assert "Gamma" in str(caught.value) and "Alpha" in str(caught.value)
    assert alpha.calls == []


class Reader:
    def __init__(self, iban: str | None) -> None:
        self.iban = iban

    @hookimpl
    def liasse_extract_bank_details(self, document: IncomingDocument) -> BankDetails | None:
        return BankDetails(iban=self.iban) if self.iban else None


def incoming(tmp_path: Path) -> IncomingDocument:
    return IncomingDocument(tmp_path / "rib.pdf", "rib.pdf", "application/pdf", "0" * 64, "alpha")


def test_hook_liasse_extract_bank_details(tmp_path: Path) -> None:
    pm = LiassePluginManager()
    pm.register_checked(Reader("FR7630006000011234567890189"), "text-reader")
    pm.register_checked(Reader(None), "ocr-reader")  # registered last, called first, passes
    details = Hooks(pm, {}).extract_bank_details(incoming(tmp_path))
    assert details == BankDetails(iban="FR7630006000011234567890189", source="text-reader")


def test_hook_liasse_check_bank_details() -> None:
    class Checker:
        def __init__(self, warning: str) -> None:
            self.warning = warning

        @hookimpl
        def liasse_check_bank_details(self, details: BankDetails, account: Account) -> list[BankWarning]:
            return [BankWarning(self.warning, Severity.WARNING, f"{self.warning} {account.number}", "")]

    pm = LiassePluginManager()
    pm.register_checked(Checker("holder"), "a")
    pm.register_checked(Checker("changed"), "b")
    account = Account("2950", "MARTIN JACQUES", AccountKind.CLIENT)
    warnings = Hooks(pm, {}).check_bank_details(BankDetails("FR76"), account, previous=[])
    assert sorted((w.message("fr"), w.source) for w in warnings) == [("changed 2950", "b"), ("holder 2950", "a")]


def test_hook_liasse_stamp_document(tmp_path: Path) -> None:
    class PdfOnly:
        @hookimpl
        def liasse_stamp_document(self, document: IncomingDocument, text: str, dest: Path) -> Path | None:
            if document.media_type != "application/pdf":
                return None
            dest.write_text(text)
            return dest

    pm = LiassePluginManager()
    pm.register_checked(PdfOnly(), "pdf")
    hooks = Hooks(pm, {})
    stamped = hooks.stamp_document(incoming(tmp_path), "Reçu via DocSecure le 09/10/2023 à 16:29", tmp_path / "out")
    assert stamped is not None and stamped.read_text().startswith("Reçu via DocSecure")
    image = attrs.evolve(incoming(tmp_path), media_type="image/png")
    assert hooks.stamp_document(image, "x", tmp_path / "png") is None


class HostListener:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    @host_hookimpl
    def liasse_contact_created(self, provider: str, contact_id: int, account_number: str | None) -> None:
        self.events.append(("contact_created", (provider, contact_id, account_number)))

    @host_hookimpl
    def liasse_document_received(self, exchange_id: int) -> None:
        self.events.append(("document_received", exchange_id))

    @host_hookimpl
    def liasse_attachment_imported(self, attachment: Attachment) -> None:
        self.events.append(("attachment_imported", attachment.id))

    @host_hookimpl
    def liasse_iban_created(self, iban_record: IbanRecord, warnings: tuple[str, ...]) -> None:
        self.events.append(("iban_created", warnings))

    @host_hookimpl
    def liasse_status_changed(self, exchange_id: int, old: str, new: str) -> None:
        self.events.append(("status_changed", (old, new)))


class BrokenListener:
    @host_hookimpl
    def liasse_contact_created(self) -> None:
        raise RuntimeError("host bug")

    @host_hookimpl
    def liasse_status_changed(self) -> None:
        raise RuntimeError("host bug")


@pytest.fixture
def listeners() -> tuple[Hooks, HostListener]:
    pm = LiassePluginManager()
    listener = HostListener()
    pm.register_checked(listener, "host")
    pm.register_checked(BrokenListener(), "broken")  # registered last: called first
    return Hooks(pm, {}), listener


def test_hook_liasse_contact_created(listeners: Any, caplog: pytest.LogCaptureFixture) -> None:
    hooks, listener = listeners
    with caplog.at_level(logging.ERROR):
        hooks.contact_created("docsecure", 7, "2950")
    assert listener.events == [("contact_created", ("docsecure", 7, "2950"))]
    assert "broken" in caplog.text


def test_hook_liasse_document_received(listeners: Any) -> None:
    hooks, listener = listeners
    hooks.document_received("docsecure", 12, "2950")
    assert listener.events == [("document_received", 12)]


def test_hook_liasse_attachment_imported(listeners: Any) -> None:
    hooks, listener = listeners
    attachment = Attachment(3, OwnerRef(OwnerKind.ACCOUNT, "2950"), "rib.pdf", "RIB", "application/pdf", "0" * 64, 10, "Reçu via DocSecure", NOW)
    hooks.attachment_imported(attachment, exchange_id=12)
    assert listener.events == [("attachment_imported", 3)]


def test_hook_liasse_iban_created(listeners: Any) -> None:
    hooks, listener = listeners
    record = IbanRecord(1, "2950", "FR7630006000011234567890189", None, "MARTIN JACQUES", None, "Reçu via DocSecure")
    hooks.iban_created(record, warnings=("IBAN changé",))
    assert listener.events == [("iban_created", ("IBAN changé",))]


def test_hook_liasse_status_changed(listeners: Any) -> None:
    hooks, listener = listeners
    hooks.status_changed("docsecure", 12, "sent", "reminded")
    assert listener.events == [("status_changed", ("sent", "reminded"))]


def test_hook_liasse_screen_document(tmp_path: Path) -> None:
    from liasse.records import Screening

    class PdfScreener:
        @hookimpl
        def liasse_screen_document(self, document: IncomingDocument, dest: Path) -> Screening | None:
            if document.media_type != "application/pdf":
                return None
            dest.write_text("cleaned")
            return Screening(dest, ("macro",), ("macro",))

    class Passer:
        @hookimpl
        def liasse_screen_document(self, document: IncomingDocument, dest: Path) -> Screening | None:
            return None

    pm = LiassePluginManager()
    pm.register_checked(PdfScreener(), "screener")
    pm.register_checked(Passer(), "passer")  # registered last, called first, passes
    hooks = Hooks(pm, {})
    screening = hooks.screen_document(incoming(tmp_path), tmp_path / "clean.pdf")
    assert screening is not None and screening.cleaned and screening.source == "screener"
    assert screening.path.read_text() == "cleaned"
    image = attrs.evolve(incoming(tmp_path), media_type="image/png")
    assert hooks.screen_document(image, tmp_path / "clean.png") is None


def test_hook_liasse_prove_receipt(tmp_path: Path) -> None:
    class Notary:
        @hookimpl
        def liasse_prove_receipt(self, document: IncomingDocument, tsa_url: str | None, dest: Path) -> Path | None:
            if tsa_url is None:
                return None
            dest.write_text(f"{document.sha256} @ {tsa_url}")
            return dest

    pm = LiassePluginManager()
    pm.register_checked(Notary(), "notary")
    hooks = Hooks(pm, {})
    proof = hooks.prove_receipt(incoming(tmp_path), "https://tsa.example", tmp_path / "rib.pdf.tsr")
    assert proof is not None and proof.read_text() == f"{'0' * 64} @ https://tsa.example"
    assert hooks.prove_receipt(incoming(tmp_path), None, tmp_path / "none.tsr") is None


def test_fw01_a_wrapper_registered_after_a_call_wraps_the_next_one(two_providers: Any) -> None:
    hooks, alpha, beta = two_providers
    assert hooks.check_access(ctx_for("beta")).account == "beta-account"

    class Watcher:
        """A non-provider plugin wrapping a provider step (allowed with wrapper=True)."""

        seen: list[str] = []

        @hookimpl(wrapper=True)
        def liasse_check_access(self, ctx: ProviderContext[Any]) -> Any:
            report = yield
            self.seen.append(report.account)
            return report

    hooks._pm.register_checked(Watcher(), "watcher")
    assert hooks.check_access(ctx_for("beta")).account == "beta-account"
    assert Watcher.seen == ["beta-account"] and alpha.calls == []
