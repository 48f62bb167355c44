"""DocSecure end to end (DS-01 … DS-34): liasse's desk, the plugin, and its sandbox over loopback HTTP.

The contact's side is played through the sandbox's real pages
(:class:`~liasse_docsecure.recipient.Recipient`): link from the e-mail, code
from the SMS, upload or download. Assertions look at the host's records,
liasse's store and the sandbox's API, never at the plugin's internals.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from liasse.app import Liasse
from liasse.desk import ContactForm, ContactProgress, DocumentSelection, ExchangeDesk, ExchangeFilter
from liasse.errors import (
    AccessDenied,
    ActionNotPossible,
    EmailInvalid,
    FieldMissing,
    FileRefused,
    NotAMobile,
    ProviderDisabled,
    ProviderUnavailable,
    ReminderTooSoon,
    RightMissing,
)
from liasse.records import BankDetails, ContactKind, DocumentType, ReminderChannel
from liasse.secrets import Secret
from liasse.states import RequestState, SendState
from liasse.store.models import Exchange as ExchangeRow
from liasse_docsecure.demo import CLIENT_BIC as MARTIN_BIC
from liasse_docsecure.demo import CLIENT_IBAN as MARTIN_IBAN
from liasse_docsecure.recipient import Recipient
from liasse_hostapi.records import AccountingDocumentKind, OwnerKind, OwnerRef, ProviderOptions, Right
from pypdf import PdfReader


PERSON = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")


def api(office: Liasse, method: str, path: str, **kwargs: object) -> requests.Response:
    """The sandbox's API as the office's account sees it (for checking the provider's side)."""
    base = office.provider_settings("docsecure").base_url
    return requests.request(
        method, f"{base}/api/v1{path}", auth=("etude@fichorga.example", "demo-docsecure"), timeout=10, **kwargs
    )  # type: ignore[arg-type]


def advance_clock(sandbox_url: str, seconds: float) -> None:
    requests.post(f"{sandbox_url}/_sandbox/clock", json={"advance_seconds": seconds}, timeout=10).raise_for_status()


def rib_received(desk: ExchangeDesk, martin: Recipient, rib_file: Path) -> int:
    """DS-12 up to "done, attachment to import": request, the client's upload, sync."""
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
    martin.answer_request(rib_file)
    desk.sync()
    return request.id


# --- DS-01 credentials -----------------------------------------------------------------


def test_ds01_wrong_credentials_refused_with_a_sentence(office: Liasse) -> None:
    office.connect("docsecure", "CLER", "etude@fichorga.example", Secret("not-the-password"))
    with pytest.raises(AccessDenied) as refused:
        office.check_access("docsecure", "CLER")
    assert "not-the-password" not in str(refused.value)
    assert "Vérifiez l'e-mail et le mot de passe" in str(refused.value)


def test_ds01_one_provider_account_serves_several_users(office: Liasse) -> None:
    office.connect("docsecure", "CLER", "etude@fichorga.example", Secret("demo-docsecure"))
    fich, cler = office.desk("docsecure", "FICH"), office.desk("docsecure", "CLER")
    contact = fich.create_contact(PERSON, "2950")
    assert [c.id for c in cler.contacts("2950")] == [contact.id]


def test_ds01_user_with_link_off_is_told_how_to_turn_it_on(office: Liasse) -> None:
    with pytest.raises(ProviderDisabled, match="Activer le lien"):
        office.desk("docsecure", "COMP")


# --- DS-03 … DS-11 contacts -----------------------------------------------------------------


def test_ds03_person_prefilled_from_the_account_then_mobile_normalised_and_written_back(
    office: Liasse, desk: ExchangeDesk
) -> None:
    prefill = desk.prefill("2950")
    assert (prefill.form.kind, prefill.form.first_name, prefill.form.last_name) == (
        ContactKind.PERSON,
        "Jacques",
        "MARTIN",
    )
    assert (prefill.form.email, prefill.form.mobile) == ("jacques.martin@free.fr", "06 54 55 99 87")
    form = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "+33 06.54.55.99.88")
    contact = desk.create_contact(form, "2950", update_account=True)
    assert contact.mobile == "+33654559988"
    assert office.host.accounts.account("2950").mobile == "+33654559988"
    remote = api(office, "GET", f"/contacts/{contact.remote_id}").json()
    assert (remote["mobile"], remote["external_ref"], remote["type"]) == ("+33654559988", "2950", "person")


def test_ds03_prefill_of_email_and_mobile_is_for_the_first_contact_only(desk: ExchangeDesk) -> None:
    desk.create_contact(PERSON, "2950")
    second = desk.prefill("2950").form
    assert (second.email, second.mobile) == ("", None)


def test_ds03_landline_given_as_mobile_is_refused_with_what_to_do(desk: ExchangeDesk) -> None:
    form = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "02 38 53 00 00")
    with pytest.raises(NotAMobile) as refused:
        desk.create_contact(form, "2950")
    assert "ligne fixe" in str(refused.value) and "Organisation" in str(refused.value)
    assert desk.contacts("2950") == []


def test_ds03_missing_first_name_is_named(desk: ExchangeDesk) -> None:
    with pytest.raises(FieldMissing, match="« Prénom » est obligatoire"):
        desk.create_contact(
            ContactForm(ContactKind.PERSON, " ", "MARTIN", "jacques.martin@free.fr", "0654559987"), "2950"
        )


def test_ds03_foreign_mobile_keeps_its_country(desk: ExchangeDesk) -> None:
    form = ContactForm(ContactKind.PERSON, "Luc", "PEETERS", "luc.peeters@telenet.be", "+32 470 12 34 56")
    assert desk.create_contact(form, "3305").mobile == "+32470123456"


def test_ds04_organisation_is_the_default_for_a_legal_entity_and_has_no_mobile(
    office: Liasse, desk: ExchangeDesk
) -> None:
    prefill = desk.prefill("98012").form
    assert (prefill.kind, prefill.establishment, prefill.mobile) == (
        ContactKind.ORGANISATION,
        "AGENCE FONCIA ORLEANS",
        None,
    )
    form = ContactForm(
        ContactKind.ORGANISATION, "Claire", "NOEL", "orleans@foncia.fr", "06 11 22 33 44", "AGENCE FONCIA ORLEANS"
    )
    contact = desk.create_contact(form, "98012")
    assert contact.mobile is None
    assert api(office, "GET", f"/contacts/{contact.remote_id}").json()["type"] == "organisation"


def test_ds04_organisation_without_email_is_refused(desk: ExchangeDesk) -> None:
    form = ContactForm(ContactKind.ORGANISATION, "Claire", "NOEL", "", None, "AGENCE FONCIA ORLEANS")
    with pytest.raises(FieldMissing, match="E-mail"):
        desk.create_contact(form, "98012")


def test_ds04_malformed_email_says_why(desk: ExchangeDesk) -> None:
    with pytest.raises(EmailInvalid, match="jacques.martin@"):
        desk.create_contact(
            ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@", "0654559987"), "2950"
        )


def test_ds05_prefill_from_another_account_an_associated_one_and_the_directory(desk: ExchangeDesk) -> None:
    assert [a.number for a in desk.associated_accounts("2950")] == ["461", "97974", "98012"]
    other = desk.prefill_from_account("2950", "3305")
    assert (other.form.last_name, other.form.mobile) == ("PEETERS", "+32 470 12 34 56")
    hits = desk.search_directory("MARTIN")
    assert hits, "the reference host's directory knows MARTIN"
    from_directory = desk.prefill_from_directory(hits[0])
    assert from_directory.form.last_name and from_directory.source


def test_ds06_any_number_of_contacts_per_account(desk: ExchangeDesk) -> None:
    desk.create_contact(PERSON, "2950")
    desk.create_contact(
        ContactForm(ContactKind.PERSON, "Sophie", "MARTIN", "sophie.martin@free.fr", "0611223344"), "2950"
    )
    assert [c.first_name for c in desk.contacts("2950")] == ["Jacques", "Sophie"]


def test_ds07_modify_a_contact_with_write_back(office: Liasse, desk: ExchangeDesk) -> None:
    contact = desk.create_contact(PERSON, "2950")
    changed = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "j.martin@orange.fr", "0654559987")
    desk.update_contact(contact.id, changed, update_account=True)
    assert office.host.accounts.account("2950").email == "j.martin@orange.fr"
    assert api(office, "GET", f"/contacts/{contact.remote_id}").json()["email"] == "j.martin@orange.fr"


def test_ds08_delete_a_contact_here_and_at_the_provider(office: Liasse, desk: ExchangeDesk) -> None:
    contact = desk.create_contact(PERSON, "2950")
    desk.delete_contact(contact.id)
    assert desk.contacts("2950") == []
    assert api(office, "GET", f"/contacts/{contact.remote_id}").status_code == 404


def test_ds09_archived_contact_stays_selectable_and_is_reactivated_when_used(
    office: Liasse, desk: ExchangeDesk
) -> None:
    contact = desk.archive_contact(desk.create_contact(PERSON, "2950").id)
    assert contact.display_name().endswith("(archivé)")
    assert api(office, "GET", f"/contacts/{contact.remote_id}").json()["archived"] is True
    desk.request_document(contact.id, DocumentType.OTHER, "Pièce d'identité")
    assert desk.contact(contact.id).archived is False
    assert api(office, "GET", f"/contacts/{contact.remote_id}").json()["archived"] is False


def test_ds10_batch_archive_proposes_contacts_whose_exchanges_ended_3_months_ago(
    office: Liasse, desk: ExchangeDesk
) -> None:
    old = desk.create_contact(PERSON, "2950")
    recent = desk.create_contact(
        ContactForm(ContactKind.PERSON, "Luc", "PEETERS", "luc.peeters@telenet.be", "+32470123456"), "3305"
    )
    desk.request_document(old.id, DocumentType.OTHER, "Ancienne pièce")
    desk.request_document(recent.id, DocumentType.OTHER, "Pièce en cours")
    four_months = dt.datetime.now(dt.UTC) + dt.timedelta(days=122)
    # The old contact's request ended (cancelled) long ago; the recent one is still open.
    with office.store.session() as session:
        row = session.query(ExchangeRow).filter_by(contact_id=old.id).one()
        from liasse.store import record_transition

        record_transition(session, row, RequestState.CANCELLED, by="FICH", at=dt.datetime.now(dt.UTC))
    assert [c.id for c in desk.archive_candidates(now=four_months)] == [old.id]
    assert desk.archive_candidates(now=dt.datetime.now(dt.UTC)) == []
    assert [c.archived for c in desk.archive_contacts([old.id])] == [True]


def test_ds11_filter_archived_and_unarchive(desk: ExchangeDesk) -> None:
    contact = desk.archive_contact(desk.create_contact(PERSON, "2950").id)
    assert [c.id for c in desk.contacts(archived=True)] == [contact.id]
    desk.unarchive_contact(contact.id)
    assert desk.contacts(archived=True) == []


# --- DS-12 … DS-14 requests -------------------------------------------------------------------


def test_ds12_rib_request_creates_the_first_contact_and_reaches_the_client(
    office: Liasse, desk: ExchangeDesk, martin: Recipient
) -> None:
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
    assert (request.state, request.account_number, request.shared_with) == (RequestState.SENT, "2950", "MARTIN Jacques")
    assert request.sent_at is not None
    link = martin.open()
    assert martin.latest_code().isdigit()
    assert martin.enter_code(link).status_code == 200


def test_ds12_client_uploads_and_sync_shows_done_with_attachment_to_import(
    desk: ExchangeDesk, martin: Recipient, rib_file: Path
) -> None:
    request_id = rib_received(desk, martin, rib_file)
    exchange = desk.exchange(request_id)
    assert exchange.state is RequestState.TO_IMPORT
    assert exchange.done_at is not None and exchange.file_name == "RIB_MARTIN.pdf"
    assert desk.counter("2950").count == 1


def test_ds13_request_any_other_document_with_a_label(desk: ExchangeDesk) -> None:
    exchange = desk.request_document(PERSON, DocumentType.OTHER, "Justificatif de domicile", account_number="2950")
    assert (exchange.document_type, exchange.label) == (DocumentType.OTHER, "Justificatif de domicile")


def test_ds14_the_account_shows_its_tracking_after_the_request(desk: ExchangeDesk) -> None:
    desk.request_document(PERSON, DocumentType.RIB, "RIB", account_number="2950")
    tracking = desk.account_tracking("2950")
    assert (tracking.requests, tracking.sends, tracking.to_import) == (1, 0, 0)


def test_ds12_label_is_mandatory(desk: ExchangeDesk) -> None:
    with pytest.raises(ActionNotPossible, match="libellé est obligatoire"):
        desk.request_document(PERSON, DocumentType.RIB, "  ", account_number="2950")


# --- DS-15 … DS-18 sends ---------------------------------------------------------------------


def test_ds15_office_rib_defaults_by_account_kind_and_label_is_prefixed(office: Liasse, desk: ExchangeDesk) -> None:
    assert desk.office_rib_choices("2950").default_code == "5421 DCN"
    assert desk.office_rib_choices("461").default_code == "512 CAV"
    send = desk.send_office_rib(PERSON, account_number="2950")
    assert send.state is SendState.SENT
    assert send.label == "Groupe FICHORGA - RIB 5421 DCN"


def test_ds15_a_new_rib_file_is_saved_on_the_iban_record(
    office: Liasse, desk: ExchangeDesk, pdf_file: Callable[[str], Path]
) -> None:
    rib = next(b for b in desk.office_rib_choices("2950").bank_accounts if b.code == "5421 DCN").ribs[0]
    assert rib.iban_record_id is not None
    new_file = pdf_file("RIB_DCN_2026.pdf")
    desk.send_office_rib(PERSON, account_number="2950", file=new_file)
    names = [
        a.file_name for a in office.host.attachments.list(OwnerRef(OwnerKind.IBAN_RECORD, str(rib.iban_record_id)))
    ]
    assert "RIB_DCN_2026.pdf" in names
    refreshed = next(b for b in desk.office_rib_choices("2950").bank_accounts if b.code == "5421 DCN").ribs[0]
    assert refreshed.attachment_id != rib.attachment_id  # the new file is preselected next time


def test_ds16_send_an_attachment_label_defaults_to_its_title(office: Liasse, desk: ExchangeDesk) -> None:
    attachment = office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950"))[0]
    send = desk.send_attachment(PERSON, attachment.id, account_number="2950")
    assert send.label == attachment.title
    assert send.file_name == attachment.file_name


def test_ds17_multi_document_send_numbers_invoices_and_keeps_what_was_sent(
    office: Liasse, desk: ExchangeDesk, pdf_file: Callable[[str], Path], sandbox_url: str
) -> None:
    choices = desk.send_choices("461")
    assert [p.entry_date for p in choices.participations] == sorted(
        (p.entry_date for p in choices.participations), reverse=True
    )
    unnumbered = [p.id for p in choices.participations if p.number is None]
    assert unnumbered
    organisation = ContactForm(
        ContactKind.ORGANISATION, "Paul", "NOTAIRE", "participations@notaires-concours.fr", None, "Notaires en concours"
    )
    added = pdf_file("Note d'honoraires.pdf")
    before = len(office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "461")))
    send = desk.send_documents(
        organisation,
        DocumentSelection(participations=tuple(p.id for p in choices.participations[:3]), files=(added,)),
        account_number="461",
    )
    assert send.label == "Document(s) transmis par Groupe FICHORGA"
    numbered = {p.id: p.number for p in office.host.accounts.participations("461")}
    assert all(numbered[pid] is not None for pid in unnumbered if pid in [p.id for p in choices.participations[:3]])
    after = office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "461"))
    assert len(after) == before + 2  # the added file, and the generated PDFs as one
    # The recipient gets one PDF: every part is a PDF.
    downloaded = Recipient(sandbox_url, "participations@notaires-concours.fr").fetch_send(
        Path(office.settings.base_dir) / "got.pdf"
    )
    assert len(PdfReader(downloaded).pages) == 4


def test_ds17_no_matter_ticked_means_every_active_matter(office: Liasse, desk: ExchangeDesk) -> None:
    send = desk.send_documents(
        PERSON, DocumentSelection(kinds=frozenset({AccountingDocumentKind.FEE_STATEMENT})), account_number="2950"
    )
    # 2950 has two active matters (01, 03); the project and the closed one are left out.
    assert send.state is SendState.SENT
    files = api(office, "GET", f"/exchanges/{send.remote_id}").json()["files"]
    assert len(files) == 2


def test_ds17_a_closed_matter_can_be_ticked(office: Liasse, desk: ExchangeDesk) -> None:
    send = desk.send_documents(
        PERSON,
        DocumentSelection(kinds=frozenset({AccountingDocumentKind.DEED_INVOICE}), matters=("2950-04",)),
        account_number="2950",
    )
    assert len(api(office, "GET", f"/exchanges/{send.remote_id}").json()["files"]) == 1


def test_ds17_a_send_mixing_pdf_and_text_downloads_as_a_zip(
    office: Liasse, desk: ExchangeDesk, pdf_file: Callable[[str], Path], sandbox_url: str, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Pièces à fournir : RIB, pièce d'identité.\n", encoding="utf-8")
    desk.send_documents(PERSON, DocumentSelection(files=(pdf_file("Compromis.pdf"), note)), account_number="2950")
    got = Recipient(sandbox_url, "jacques.martin@free.fr", "+33654559987").fetch_send(tmp_path / "got.zip")
    assert sorted(zipfile.ZipFile(io.BytesIO(got.read_bytes())).namelist()) == ["Compromis.pdf", "note.txt"]


def test_ds18_send_straight_from_an_attachment_row(office: Liasse, desk: ExchangeDesk) -> None:
    attachment = office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "97974"))[0]
    contact = desk.create_contact(
        ContactForm(ContactKind.ORGANISATION, "Anne", "FICHORGA", "client@fichorga.fr", None, "FICHORGA"), "97974"
    )
    assert desk.send_attachment(contact.id, attachment.id).account_number == "97974"


# --- DS-19 … DS-23 tracking -----------------------------------------------------------------


def test_ds19_contact_summaries_and_ds20_global_view_hides_done(
    desk: ExchangeDesk, martin: Recipient, rib_file: Path
) -> None:
    request_id = rib_received(desk, martin, rib_file)
    luc = desk.create_contact(
        ContactForm(ContactKind.PERSON, "Luc", "PEETERS", "luc.peeters@telenet.be", "+32470123456"), "3305"
    )
    desk.request_document(luc.id, DocumentType.OTHER, "Pièce d'identité")
    summaries = {s.contact.last_name: s.progress for s in desk.contact_summaries()}
    assert summaries == {"MARTIN": ContactProgress.TO_IMPORT, "PEETERS": ContactProgress.AWAITING}
    desk.import_document(request_id)
    assert request_id not in [e.id for e in desk.exchanges()]
    assert request_id in [e.id for e in desk.exchanges(ExchangeFilter(account_number="2950", include_done=True))]
    assert {s.contact.last_name: s.progress for s in desk.contact_summaries()}["MARTIN"] is ContactProgress.DONE


def test_ds20_filters_by_state_document_type_and_name(desk: ExchangeDesk) -> None:
    desk.request_document(PERSON, DocumentType.RIB, "RIB", account_number="2950")
    luc = ContactForm(ContactKind.PERSON, "Luc", "PEETERS", "luc.peeters@telenet.be", "+32470123456")
    desk.request_document(luc, DocumentType.OTHER, "CNI", account_number="3305")
    assert [e.label for e in desk.exchanges(ExchangeFilter(document_type=DocumentType.RIB))] == ["RIB"]
    assert [e.label for e in desk.exchanges(ExchangeFilter(name_contains="peet"))] == ["CNI"]
    assert len(desk.exchanges(ExchangeFilter(request_states=frozenset({RequestState.SENT})))) == 2
    assert desk.exchanges(ExchangeFilter(request_states=frozenset({RequestState.TO_IMPORT}))) == []


def test_ds22_counter_levels() -> None:
    from liasse.desk import Counter

    assert [Counter(n).level for n in (0, 1, 2, 3, 4, 12)] == ["", "1", "2", "3", "3+", "3+"]


def test_ds23_alerts_when_the_account_opens(desk: ExchangeDesk, martin: Recipient, rib_file: Path) -> None:
    desk.request_document(PERSON, DocumentType.OTHER, "Pièce d'identité", account_number="2950")
    rib_received(desk, martin, rib_file)
    texts = [a.text("fr") for a in desk.alerts("2950")]
    assert (
        "Échange DocSecure pour le compte 2950-MARTIN JACQUES. 1 demande(s) ou relance(s) reste(nt) sans réponse."
        in texts
    )
    assert any("Il reste 1 document(s) reçu(s) via DocSecure à récupérer en comptabilité" in t for t in texts)


def test_ds32_global_tracking_shows_each_exchange_account(desk: ExchangeDesk) -> None:
    desk.request_document(PERSON, DocumentType.RIB, "RIB", account_number="2950")
    assert [e.account_number for e in desk.exchanges()] == ["2950"]


def test_ds33_another_users_account_needs_the_right(office: Liasse) -> None:
    office.connect("docsecure", "CLER", "etude@fichorga.example", Secret("demo-docsecure"))
    assert office.desk("docsecure", "FICH", account_owner="CLER").provider_account == "etude@fichorga.example"
    office.host.office.set_provider_options("COMP", "docsecure", ProviderOptions(link_enabled=True))
    assert Right.SEE_OTHER_USERS_CONTACTS not in office.host.office.user("COMP").rights
    with pytest.raises(RightMissing):
        office.desk("docsecure", "COMP", account_owner="FICH")


# --- DS-24, DS-25 reminders and send states ---------------------------------------------------------------


def test_ds24_reminder_by_mail_and_sms_then_refused_within_24h(
    desk: ExchangeDesk, martin: Recipient, sandbox_url: str
) -> None:
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB", account_number="2950")
    reminded = desk.remind(request.id, ReminderChannel.MAIL_AND_SMS)
    assert reminded.state is RequestState.REMINDED and reminded.reminded_at is not None
    with pytest.raises(ReminderTooSoon) as refused:
        desk.remind(request.id, ReminderChannel.MAIL)
    assert "La prochaine est possible à partir du" in str(refused.value)
    assert desk.exchange(request.id).state is RequestState.REMINDED
    advance_clock(sandbox_url, 24 * 3600 + 60)
    assert desk.remind(request.id).reminded_at != reminded.reminded_at


def test_ds25_send_done_when_the_contact_downloads(
    desk: ExchangeDesk, pdf_file: Callable[[str], Path], martin: Recipient, tmp_path: Path
) -> None:
    send = desk.send_file(PERSON, pdf_file("Compromis.pdf"), account_number="2950")
    desk.sync()
    assert desk.exchange(send.id).state is SendState.SENT
    martin.fetch_send(tmp_path / "got.pdf")
    desk.sync()
    done = desk.exchange(send.id)
    assert done.state is SendState.DONE and done.done_at is not None


# --- DS-26 … DS-29 import and attestation ----------------------------------------------------------


def test_ds26_import_rib_makes_original_stamped_copy_and_iban_record(
    office: Liasse, desk: ExchangeDesk, martin: Recipient, rib_file: Path
) -> None:
    request_id = rib_received(desk, martin, rib_file)
    result = desk.import_document(request_id)
    assert result.exchange.state is RequestState.IMPORTED
    assert result.original.origin == "Reçu via DocSecure" and result.original.sha256 == result.exchange.sha256
    assert result.stamped is not None and result.stamped.original_id == result.original.id
    assert "Reçu via DocSecure le" in (
        PdfReader(office.host.attachments.open(result.stamped.id)).pages[0].extract_text() or ""
    )
    assert result.iban_record is not None
    assert result.iban_record.iban == MARTIN_IBAN.replace(" ", "") and result.iban_record.bic == MARTIN_BIC
    assert result.iban_record.attachment_ids == (result.stamped.id,)
    assert result.iban_record.origin == "IBAN transmis via DocSecure"
    assert desk.counter("2950").count == 0


def test_ds26_unreadable_rib_asks_for_the_iban_and_keeps_the_exchange(
    desk: ExchangeDesk, martin: Recipient, pdf_file: Callable[[str], Path]
) -> None:
    request_id = rib_received(desk, martin, pdf_file("scan_sans_texte.pdf"))
    from liasse.errors import BankDetailsInvalid, BankDetailsNeeded

    with pytest.raises(BankDetailsNeeded) as needed:
        desk.import_document(request_id)
    assert "n'a pas pu être lu automatiquement (" in str(needed.value)
    assert desk.exchange(request_id).state is RequestState.TO_IMPORT
    with pytest.raises(BankDetailsInvalid, match="IBAN"):
        desk.import_document(request_id, bank_details=BankDetails(iban="FR19 3000 4000 0312 3456 7890 199"))
    result = desk.import_document(request_id, bank_details=BankDetails(iban=MARTIN_IBAN, holder="M. JACQUES MARTIN"))
    assert result.iban_record is not None and result.iban_record.holder == "M. JACQUES MARTIN"


def test_ds27_other_document_imported_without_mark_by_default(
    desk: ExchangeDesk, martin: Recipient, pdf_file: Callable[[str], Path]
) -> None:
    request = desk.request_document(PERSON, DocumentType.OTHER, "Justificatif de domicile", account_number="2950")
    martin.answer_request(pdf_file("facture_edf.pdf"))
    desk.sync()
    result = desk.import_document(request.id)
    assert result.stamped is None and result.iban_record is None
    assert result.original.title == "Justificatif de domicile" and result.original.origin == "Reçu via DocSecure"


def test_ds28_manual_timestamp_on_another_document(
    desk: ExchangeDesk, martin: Recipient, pdf_file: Callable[[str], Path]
) -> None:
    request = desk.request_document(PERSON, DocumentType.OTHER, "Attestation employeur", account_number="2950")
    martin.answer_request(pdf_file("attestation.pdf"))
    desk.sync()
    assert desk.import_document(request.id, stamp=True).stamped is not None


def test_ds29_attestation_stored_as_an_attachment(
    office: Liasse, desk: ExchangeDesk, martin: Recipient, rib_file: Path
) -> None:
    request_id = rib_received(desk, martin, rib_file)
    attachment = desk.attestation(request_id)
    text = PdfReader(office.host.attachments.open(attachment.id)).pages[0].extract_text() or ""
    assert "RIB pour la vente" in text and "MARTIN" in text
    assert desk.exchange(request_id).attestation_id == attachment.id


# --- DS-30, DS-31 contacts without an account ------------------------------------------------------


def test_ds30_future_client_then_associated_and_imported(
    desk: ExchangeDesk, pdf_file: Callable[[str], Path], sandbox_url: str
) -> None:
    future = desk.create_contact(
        ContactForm(ContactKind.PERSON, "Marie", "DUPONT", "marie.dupont@gmail.com", "07 61 22 33 44")
    )
    request = desk.request_document(future.id, DocumentType.OTHER, "Compromis signé")
    Recipient(sandbox_url, "marie.dupont@gmail.com", "+33761223344").answer_request(pdf_file("compromis.pdf"))
    desk.sync()
    with pytest.raises(ActionNotPossible, match="associez-le"):
        desk.import_document(request.id)
    desk.associate(future.id, "3120")
    assert desk.import_document(request.id).original.owner == OwnerRef(OwnerKind.ACCOUNT, "3120")


def test_ds31_contact_created_on_the_provider_site_is_associated(office: Liasse, desk: ExchangeDesk) -> None:
    unlinked = desk.provider_site_contacts()
    assert [c.last_name for c in unlinked] == ["LAURENT"]
    linked = desk.associate(unlinked[0].id, "2950")
    assert linked.account_number == "2950"
    assert api(office, "GET", f"/contacts/{linked.remote_id}").json()["external_ref"] == "2950"


# --- DS-34 limits, and the provider down ---------------------------------------------------------


def test_ds34_file_over_the_limit_refused_before_upload(desk: ExchangeDesk, tmp_path: Path, sandbox_url: str) -> None:
    requests.post(f"{sandbox_url}/_sandbox/limits", json={"max_file_size": 1024}, timeout=10).raise_for_status()
    big = tmp_path / "gros.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * 4096)
    with pytest.raises(FileRefused, match="au-delà de la limite"):
        desk.send_file(PERSON, big, account_number="2950")
    assert desk.exchanges() == []


def test_ds34_executable_named_pdf_refused(desk: ExchangeDesk, tmp_path: Path) -> None:
    disguised = tmp_path / "facture.pdf"
    disguised.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500)
    with pytest.raises(FileRefused, match="ne correspond pas à son nom"):
        desk.send_file(PERSON, disguised, account_number="2950")


def test_provider_503_keeps_the_request_and_retry_sends_it_once(
    office: Liasse, desk: ExchangeDesk, sandbox_url: str
) -> None:
    contact = desk.create_contact(PERSON, "2950")
    requests.post(
        f"{sandbox_url}/_sandbox/faults",
        json={"kind": "status", "status": 503, "path": "/api/v1/requests", "times": 1},
        timeout=10,
    )
    with pytest.raises(ProviderUnavailable, match="Rien n'est perdu"):
        desk.request_document(contact.id, DocumentType.RIB, "RIB")
    kept = desk.exchanges()
    assert [(e.state, e.label) for e in kept] == [(RequestState.PENDING, "RIB")]
    assert kept[0].last_error and "503" in kept[0].last_error
    assert desk.retry(kept[0].id).state is RequestState.SENT
    remote = [e for e in api(office, "GET", "/exchanges").json()["exchanges"] if e["kind"] == "request"]
    assert len(remote) == 1


# --- DS-02 banner ----------------------------------------------------------------------------


def test_ds02_banner_leads_to_the_site_when_a_user_has_the_link_else_to_the_presentation(office: Liasse) -> None:
    assert office.banner_url("docsecure") == "https://www.doc-secure.fr"
    for user in office.host.office.users():
        office.host.office.set_provider_options(user.login, "docsecure", ProviderOptions(link_enabled=False))
    assert office.banner_url("docsecure") == "https://www.doc-secure.fr/presentation"


def test_provider_503_during_a_send_keeps_its_files_and_retry_sends_the_whole_send(
    office: Liasse, desk: ExchangeDesk, pdf_file: Callable[[str], Path], sandbox_url: str, martin: Recipient, tmp_path: Path
) -> None:
    contact = desk.create_contact(PERSON, "2950")
    attachment = office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950"))[0]
    fault = {"kind": "status", "status": 503, "path": "/api/v1/sends", "method": "PUT", "times": 1}
    requests.post(f"{sandbox_url}/_sandbox/faults", json=fault, timeout=10).raise_for_status()
    selection = DocumentSelection(attachments=(attachment.id,), files=(pdf_file("Compromis.pdf"),))
    with pytest.raises(ProviderUnavailable):
        desk.send_documents(contact.id, selection, name="Pièces de la vente")
    kept = desk.exchanges()
    assert [(e.state, e.label) for e in kept] == [(SendState.PENDING, "Pièces de la vente")]
    sent = desk.retry(kept[0].id)
    assert sent.state is SendState.SENT and sent.file_size is not None
    remote = api(office, "GET", f"/exchanges/{sent.remote_id}").json()
    assert [f["file_name"] for f in remote["files"]] == [attachment.file_name, "Compromis.pdf"]
    assert all(f["uploaded"] for f in remote["files"])
    assert len(PdfReader(martin.fetch_send(tmp_path / "got.pdf")).pages) == 2


def test_ds08_a_contact_created_after_a_deletion_gets_its_own_creation_key(office: Liasse, desk: ExchangeDesk) -> None:
    first = desk.create_contact(PERSON, "2950")
    desk.delete_contact(first.id)
    # SQLite may give the new row the deleted one's id: the provider must still see a new creation.
    second = desk.create_contact(ContactForm(ContactKind.PERSON, "Sophie", "MARTIN", "sophie.martin@free.fr", "0611223344"), "2950")
    assert second.remote_id is not None and second.remote_id != first.remote_id
    assert api(office, "GET", f"/contacts/{second.remote_id}").json()["first_name"] == "Sophie"


def test_ds16_a_file_from_disk_goes_straight_to_the_contact(
    office: Liasse, desk: ExchangeDesk, pdf_file: Callable[[str], Path]
) -> None:
    before = len(office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950")))
    send = desk.send_file(PERSON, pdf_file("Compromis.pdf"), account_number="2950")
    assert (send.state, send.label, send.file_name) == (SendState.SENT, "Compromis", "Compromis.pdf")
    assert len(office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950"))) == before


def test_ds12_campaign_of_requests_each_sent_once_and_a_refusal_kept_apart(office: Liasse, desk: ExchangeDesk) -> None:
    martin = desk.create_contact(PERSON, "2950")
    luc = desk.create_contact(ContactForm(ContactKind.PERSON, "Luc", "PEETERS", "luc.peeters@telenet.be", "+32470123456"), "3305")
    results = desk.request_documents(
        [(martin.id, DocumentType.RIB, f"RIB {n}") for n in range(12)] + [(luc.id, DocumentType.RIB, " "), (9999, DocumentType.RIB, "x")],
        workers=4,
    )
    sent = [r for r in results if not isinstance(r, Exception)]
    assert [r.state for r in sent] == [RequestState.SENT] * 12
    assert [type(r).__name__ for r in results if isinstance(r, Exception)] == ["ActionNotPossible", "NotFound"]
    remote = [e for e in api(office, "GET", "/exchanges", params={"limit": 500}).json()["exchanges"] if e["kind"] == "request"]
    assert sorted(e["label"] for e in remote) == sorted(f"RIB {n}" for n in range(12))


def test_ds28_image_marked_with_the_provider_logo_and_the_original_kept(
    office: Liasse, desk: ExchangeDesk, martin: Recipient, tmp_path: Path
) -> None:
    from PIL import Image, ImageChops

    photo = tmp_path / "photo_cni.png"
    Image.new("RGB", (1200, 800), (240, 240, 240)).save(photo)
    request = desk.request_document(PERSON, DocumentType.OTHER, "Pièce d'identité", account_number="2950")
    martin.answer_request(photo, "image/png")
    desk.sync()
    result = desk.import_document(request.id, stamp=True)
    assert result.stamped is not None and result.stamped.media_type == "image/png"
    with Image.open(office.host.attachments.open(result.stamped.id)) as marked:
        assert marked.size[1] > 800
        band = marked.convert("RGB").crop((0, 0, marked.size[0], marked.size[1] - 800))
        red, _, blue = band.split()
        # Only the logo is blue-dominant: the band is white and the text dark grey.
        assert ImageChops.subtract(blue, red).getextrema()[1] > 100
    with Image.open(office.host.attachments.open(result.original.id)) as original:
        assert original.size == (1200, 800)


def test_by02_a_rib_changing_the_accounts_iban_is_a_danger_kept_with_the_record(
    desk: ExchangeDesk, martin: Recipient, rib_file: Path
) -> None:
    from liasse.records import Severity

    result = desk.import_document(rib_received(desk, martin, rib_file))
    changed = [w for w in result.warnings if w.code == "iban_changed"]
    assert changed and changed[0].severity is Severity.DANGER and changed[0].source == "liasse.checks"
    assert "avant tout paiement" in changed[0].message("fr")
    assert result.iban_record is not None
    assert ("iban_changed", "danger") in {(w.code, w.severity) for w in result.iban_record.warnings}


def test_hostile_received_pdf_with_javascript_reaches_the_host_cleaned_and_the_original_is_kept(
    office: Liasse, desk: ExchangeDesk, martin: Recipient, pdf_file: Callable[[str], Path], tmp_path: Path
) -> None:
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter(clone_from=PdfReader(pdf_file("attestation.pdf")))
    writer.add_open_action(JavaScript("app.alert('hello');"))
    scripted = tmp_path / "attestation_script.pdf"
    writer.write(scripted)
    request = desk.request_document(PERSON, DocumentType.OTHER, "Attestation employeur", account_number="2950")
    martin.answer_request(scripted)
    desk.sync()
    result = desk.import_document(request.id)
    assert result.active_content_note is not None and "JavaScript" in result.active_content_note
    stored = PdfReader(office.host.attachments.open(result.original.id))
    assert "/JavaScript" not in str(stored.trailer["/Root"].get("/Names", {}))
    # The file as received is an attachment too, beside the cleaned one, which points back to it.
    assert result.received is not None and result.original.original_id == result.received.id
    assert office.host.attachments.open(result.received.id).read() == scripted.read_bytes()
    assert f"pièce jointe n° {result.received.id}" in result.active_content_note
    assert result.exchange.received_attachment_id == result.received.id
    assert result.exchange.attachment_id == result.original.id
    owner = OwnerRef(OwnerKind.ACCOUNT, "2950")
    assert {a.id for a in office.host.attachments.list(owner)} >= {result.original.id, result.received.id}


def test_hostile_received_flate_bomb_is_refused_over_http_and_kept_in_quarantine(
    office: Liasse, desk: ExchangeDesk, martin: Recipient, tmp_path: Path
) -> None:
    import zlib

    from liasse.errors import HostileDocument

    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(bytes(1024 * 1024)) for _ in range(128)) + packer.flush()  # 128 MiB of zeros
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    bomb = tmp_path / "releve.pdf"
    bomb.write_bytes(bytes(out))
    request = desk.request_document(PERSON, DocumentType.OTHER, "Relevé de compte", account_number="2950")
    martin.answer_request(bomb)
    desk.sync()
    with pytest.raises(HostileDocument, match="bombe de décompression"):
        desk.import_document(request.id)
    kept = list((office.files_dir / "docsecure" / "quarantine" / str(request.id)).iterdir())
    assert [path.read_bytes() == bomb.read_bytes() for path in kept] == [True]
    assert desk.exchange(request.id).state is RequestState.TO_IMPORT  # nothing imported, ready to retry
    assert all(a.title != "Relevé de compte" for a in office.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, "2950")))


def test_by03_each_import_is_proven_by_a_time_stamp_token_liasse_verify_accepts(
    office: Liasse, desk: ExchangeDesk, martin: Recipient, rib_file: Path, tmp_path: Path
) -> None:
    from liasse.intake.proof import verify

    result = desk.import_document(rib_received(desk, martin, rib_file))
    assert result.proof is not None and result.proof_note is None
    assert (result.proof.file_name, result.proof.original_id) == ("RIB_MARTIN.pdf.tsr", result.original.id)
    stored, token = tmp_path / "RIB_MARTIN.pdf", tmp_path / "RIB_MARTIN.pdf.tsr"
    stored.write_bytes(office.host.attachments.open(result.original.id).read())
    token.write_bytes(office.host.attachments.open(result.proof.id).read())
    ca = (office.settings.base_dir / str(office.settings.intake.tsa_ca_file)).read_bytes()
    verdict = verify(stored, token.read_bytes(), trust=ca)
    assert verdict.ok, verdict.message("fr")
    stored.write_bytes(stored.read_bytes() + b"%")
    assert not verify(stored, token.read_bytes(), trust=ca).ok
