"""Secure document exchange screens (DocSecure, DS-03 … DS-33): one blueprint for every exchange provider.

Each view turns a form into the desk's records, calls one method of
:class:`liasse.desk.ExchangeDesk` (``docs/desk.md`` maps each feature to it)
and shows what came back; a confirmation top-right says what happened.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from liasse_hostapi.records import Account, AccountingDocumentKind, MatterStatus, ParticipationState
from werkzeug.exceptions import BadRequest

from liasse.capabilities import Capability
from liasse.desk import ContactForm, ContactProgress, DocumentSelection, ExchangeDesk, ExchangeFilter
from liasse.errors import BankDetailsNeeded, LiasseError
from liasse.records import BankDetails, ContactKind, DocumentType, ReminderChannel
from liasse.states import RequestState, SendState
from liasse_screens import menus
from liasse_screens.app import acting_user, back, office_liasse, provider_title, save_uploads
from liasse_screens.menus import CapabilityScreens, MenuEntry

#: The accounting documents' words (the manual's), for the send screen (DS-17).
DOCUMENT_WORDS: dict[AccountingDocumentKind, str] = {
    AccountingDocumentKind.ACCOUNT_EXTRACT: "Extrait de compte",
    AccountingDocumentKind.FULL_STATEMENT: "Relevé de compte complet",
    AccountingDocumentKind.LAST_TRADE_NOTICE: "Dernier avis d'opéré",
    AccountingDocumentKind.FEE_STATEMENT: "État de frais",
    AccountingDocumentKind.DEED_INVOICE: "Facture d'acte",
    AccountingDocumentKind.PARTICIPATION_INVOICE: "Facture de participation",
}
MATTER_WORDS: dict[MatterStatus, str] = {
    MatterStatus.ACTIVE: "En cours",
    MatterStatus.PROJECT: "En projet",
    MatterStatus.CLOSED: "Clôturée",
}
PARTICIPATION_WORDS: dict[ParticipationState, str] = {
    ParticipationState.OPEN: "Ouverte",
    ParticipationState.CLOSED: "Soldée",
    ParticipationState.CANCELLED: "Annulée",
    ParticipationState.CREDIT_NOTE: "Avoir",
}
#: Closed items are shown in purple italics (DS-17).
CLOSED_MATTERS = frozenset({MatterStatus.CLOSED})
CLOSED_PARTICIPATIONS = frozenset({ParticipationState.CLOSED, ParticipationState.CANCELLED, ParticipationState.CREDIT_NOTE})


def declare() -> None:
    """Register the exchange screens for :attr:`Capability.EXCHANGE` (idempotent)."""
    menus.register(Capability.EXCHANGE, screens)


def screens() -> CapabilityScreens:
    """The account menu of the manual (DocSecure "menu du compte") and the tracking icons."""
    return CapabilityScreens(
        capability=Capability.EXCHANGE,
        make_blueprint=blueprint,
        account_menu=(
            MenuEntry("Demander un RIB", "exchange.request_document", (("kind", "rib"),)),
            MenuEntry("Demander un document", "exchange.request_document", (("kind", "other"),)),
            MenuEntry("Envoyer le RIB de l'étude", "exchange.office_rib"),
            MenuEntry("Envoyer un document", "exchange.send"),
            MenuEntry("Suivi des échanges", "exchange.account_tracking"),
        ),
        tracking_endpoint="exchange.tracking",
        account_tracking_endpoint="exchange.account_tracking",
        counter=lambda provider, number: office_liasse().desk(provider, acting_user()).counter(number).count,
        account_extras=_account_extras,
        account_template="_exchange_account.html",
    )


def _account_extras(provider: str, number: str) -> dict[str, object]:
    """DS-23 alerts when the account opens, and its contacts for the attachments' send buttons (DS-18)."""
    d = desk(provider)
    return {"alerts": [a.text() for a in d.alerts(number)], "contacts": d.contacts(number, archived=False)}


def desk(provider: str, owner: str | None = None) -> ExchangeDesk:
    """The acting user's desk on ``provider``; ``owner`` shows another user's account (DS-33)."""
    return office_liasse().desk(provider, acting_user(), account_owner=owner or None)


def _form_from_request() -> ContactForm:
    """The contact dialog's fields as the desk's record (liasse checks and cleans them)."""
    form = request.form
    kind = ContactKind.ORGANISATION if form.get("kind") == "organisation" else ContactKind.PERSON
    return ContactForm(
        kind=kind,
        first_name=form.get("first_name", "").strip(),
        last_name=form.get("last_name", "").strip(),
        email=form.get("email", "").strip(),
        mobile=form.get("mobile", "").strip() or None,
        establishment=form.get("establishment", "").strip() or None,
    )


def blueprint() -> Blueprint:
    """Every exchange screen, under ``/x/<provider>/``."""
    bp = Blueprint("exchange", __name__, url_prefix="/x/<provider>")

    # --- the contact dialog (DS-03 … DS-07) -------------------------------------------------

    @bp.route("/accounts/<number>/contacts/new", methods=["GET", "POST"])
    def contact_new(provider: str, number: str) -> ResponseReturnValue:
        d = desk(provider)
        account = d.host.accounts.account(number)
        next_url = request.values.get("next") or url_for("home.account", number=number)
        if request.method == "POST":
            form = _form_from_request()
            try:
                contact = d.create_contact(form, number, update_account=request.form.get("update_account") == "yes")
            except LiasseError as exc:
                flash(str(exc), "error")
                return _contact_dialog(d, account, form, "saisie", next_url)
            flash(f"Contact {contact.display_name()} créé sur {provider_title(provider)}.", "success")
            return redirect(_with_contact(next_url, contact.id))
        source = request.args.get("source", "account")
        if source == "other" and request.args.get("other"):
            prefill = d.prefill_from_account(number, request.args["other"])
        elif source == "directory" and request.args.get("entry") is not None:
            entries = d.search_directory(request.args.get("q", ""))
            index = int(request.args["entry"])
            if not 0 <= index < len(entries):
                abort(404)
            prefill = d.prefill_from_directory(entries[index])
        else:
            prefill = d.prefill(number)
        return _contact_dialog(d, account, prefill.form, prefill.source, next_url)

    @bp.route("/contacts/new", methods=["GET", "POST"])
    def contact_new_unlinked(provider: str) -> ResponseReturnValue:
        """DS-30: a contact with no account yet (a future client), from the global tracking."""
        d = desk(provider)
        next_url = url_for("exchange.tracking", provider=provider, tab="unlinked")
        form = ContactForm(ContactKind.PERSON, "")
        if request.method == "POST":
            form = _form_from_request()
            try:
                contact = d.create_contact(form, None)
            except LiasseError as exc:
                flash(str(exc), "error")
            else:
                flash(f"Contact {contact.display_name()} créé sans compte : associez-le à un compte plus tard.", "success")
                return redirect(next_url)
        return render_template(
            "contact_edit.html", provider=provider, contact=None, form=form, next=next_url, show_update_account=False
        )

    @bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
    def contact_edit(provider: str, contact_id: int) -> ResponseReturnValue:
        d = desk(provider)
        contact = d.contact(contact_id)
        next_url = request.values.get("next") or url_for("exchange.tracking", provider=provider)
        if request.method == "POST":
            form = _form_from_request()
            try:
                contact = d.update_contact(contact_id, form, update_account=request.form.get("update_account") == "yes")
            except LiasseError as exc:
                flash(str(exc), "error")
                return render_template("contact_edit.html", provider=provider, contact=contact, form=form, next=next_url)
            flash(f"Contact {contact.display_name()} modifié.", "success")
            return redirect(next_url)
        form = ContactForm(contact.kind, contact.first_name, contact.last_name, contact.email, contact.mobile, contact.establishment)
        return render_template("contact_edit.html", provider=provider, contact=contact, form=form, next=next_url)

    @bp.route("/contacts/<int:contact_id>/delete", methods=["GET", "POST"])
    def contact_delete(provider: str, contact_id: int) -> ResponseReturnValue:
        d = desk(provider)
        contact = d.contact(contact_id)
        next_url = request.values.get("next") or url_for("exchange.tracking", provider=provider)
        if request.method == "GET":
            return render_template("confirm_delete.html", provider=provider, contact=contact, next=next_url)
        d.delete_contact(contact_id)
        flash(f"Contact {contact.display_name()} supprimé.", "success")
        return redirect(next_url)

    @bp.post("/contacts/<int:contact_id>/archive")
    def contact_archive(provider: str, contact_id: int) -> ResponseReturnValue:
        contact = desk(provider).archive_contact(contact_id)
        flash(f"Contact {contact.display_name()} archivé.", "success")
        return _back(provider)

    @bp.post("/contacts/<int:contact_id>/unarchive")
    def contact_unarchive(provider: str, contact_id: int) -> ResponseReturnValue:
        contact = desk(provider).unarchive_contact(contact_id)
        flash(f"Contact {contact.display_name()} désarchivé.", "success")
        return _back(provider)

    @bp.post("/contacts/<int:contact_id>/associate")
    def contact_associate(provider: str, contact_id: int) -> ResponseReturnValue:
        number = request.form.get("account", "").strip()
        if not number:
            flash("Saisissez le numéro du compte à associer au contact.", "error")
            return _back(provider)
        contact = desk(provider).associate(contact_id, number)
        flash(f"Contact {contact.display_name()} associé au compte {number}.", "success")
        return _back(provider)

    @bp.post("/contacts/archive")
    def contacts_archive(provider: str) -> ResponseReturnValue:
        ids = list(_ids(request.form.getlist("contact"), "contact"))
        if not ids:
            flash("Cochez au moins un contact à archiver.", "error")
            return _back(provider)
        done = desk(provider).archive_contacts(ids)
        flash(f"{len(done)} contact(s) archivé(s).", "success")
        return _back(provider)

    # --- requests and sends (DS-12 … DS-18) -------------------------------------------------

    @bp.route("/accounts/<number>/request", methods=["GET", "POST"])
    def request_document(provider: str, number: str) -> ResponseReturnValue:
        d = desk(provider)
        account = d.host.accounts.account(number)
        kind = DocumentType.RIB if request.values.get("kind", "rib") == "rib" else DocumentType.OTHER
        contacts = d.contacts(number, archived=False)
        if not contacts and request.method == "GET":
            return _first_contact(provider, number)
        if request.method == "POST":
            contact_id = _contact_id()
            label = request.form.get("label", "").strip()
            if contact_id is None:
                flash("Choisissez le contact à qui demander le document, ou créez-en un.", "error")
            elif not label:
                flash("Saisissez le libellé de la demande : le client le lit dans l'e-mail.", "error")
            else:
                try:
                    made = d.request_document(contact_id, kind, label, account_number=number)
                except LiasseError as exc:
                    flash(str(exc), "error")
                else:
                    flash(f"Demande « {made.label} » envoyée à {made.shared_with} : {made.state.label()}.", "success")
                    return redirect(url_for("exchange.account_tracking", provider=provider, number=number))
        default_label = "RIB" if kind is DocumentType.RIB else ""
        return render_template(
            "request.html",
            provider=provider,
            title=provider_title(provider),
            account=account,
            kind=kind,
            contacts=contacts,
            selected=request.values.get("contact", type=int),
            label=request.form.get("label", default_label),
        )

    @bp.route("/accounts/<number>/office-rib", methods=["GET", "POST"])
    def office_rib(provider: str, number: str) -> ResponseReturnValue:
        d = desk(provider)
        account = d.host.accounts.account(number)
        choices = d.office_rib_choices(number)
        contacts = d.contacts(number, archived=False)
        if not contacts and request.method == "GET":
            return _first_contact(provider, number)
        if request.method == "POST":
            contact_id = _contact_id()
            bank_code, _, rib_label = request.form.get("rib", "").partition("||")
            files = _uploaded_files(d)
            if contact_id is None:
                flash("Choisissez le contact à qui envoyer le RIB de l'étude, ou créez-en un.", "error")
            else:
                try:
                    made = d.send_office_rib(
                        contact_id,
                        account_number=number,
                        bank_code=bank_code or None,
                        rib_label=rib_label or None,
                        file=files[0] if files else None,
                        label=request.form.get("label", "").strip() or None,
                    )
                except LiasseError as exc:
                    flash(str(exc), "error")
                else:
                    flash(f"RIB de l'étude envoyé à {made.shared_with} : {made.state.label()}.", "success")
                    return redirect(url_for("exchange.account_tracking", provider=provider, number=number))
        return render_template(
            "office_rib.html",
            provider=provider,
            title=provider_title(provider),
            account=account,
            choices=choices,
            contacts=contacts,
            selected=request.values.get("contact", type=int),
        )

    @bp.route("/accounts/<number>/send", methods=["GET", "POST"])
    def send(provider: str, number: str) -> ResponseReturnValue:
        d = desk(provider)
        account = d.host.accounts.account(number)
        choices = d.send_choices(number)
        contacts = d.contacts(number, archived=False)
        if not contacts and request.method == "GET":
            return _first_contact(provider, number)
        if request.method == "POST":
            contact_id = _contact_id()
            form = request.form
            files = _uploaded_files(d)
            selection = DocumentSelection(
                kinds=frozenset(_choices(AccountingDocumentKind, form.getlist("kind"), "document")),
                matters=tuple(form.getlist("matter")),
                participations=_ids(form.getlist("participation"), "facture de participation"),
                office_rib=form.get("office_rib") == "yes",
                attachments=_ids(form.getlist("attachment"), "pièce jointe"),
                files=tuple(files),
            )
            if contact_id is None:
                flash("Choisissez le contact à qui envoyer les documents, ou créez-en un.", "error")
            elif selection.is_empty:
                flash("Cochez au moins un document à envoyer, ou ajoutez un fichier.", "error")
            else:
                try:
                    made = d.send_documents(
                        contact_id, selection, account_number=number, name=form.get("label", "").strip() or None
                    )
                except LiasseError as exc:
                    flash(str(exc), "error")
                else:
                    flash(f"Envoi « {made.label} » transmis à {made.shared_with} : {made.state.label()}.", "success")
                    return redirect(url_for("exchange.account_tracking", provider=provider, number=number))
        return render_template(
            "send.html",
            provider=provider,
            title=provider_title(provider),
            account=account,
            choices=choices,
            contacts=contacts,
            selected=request.values.get("contact", type=int),
            document_words=DOCUMENT_WORDS,
            matter_words=MATTER_WORDS,
            participation_words=PARTICIPATION_WORDS,
            closed_matters=CLOSED_MATTERS,
            closed_participations=CLOSED_PARTICIPATIONS,
            ticked=request.form,
            default_name=f"Document(s) transmis par {d.host.office.office().name}",
        )

    @bp.post("/accounts/<number>/attachments/<int:attachment_id>/send")
    def send_attachment(provider: str, number: str, attachment_id: int) -> ResponseReturnValue:
        contact_id = _contact_id()
        if contact_id is None:
            flash("Choisissez le contact à qui envoyer cette pièce jointe.", "error")
            return redirect(url_for("home.account", number=number))
        made = desk(provider).send_attachment(contact_id, attachment_id, label=request.form.get("label") or None)
        flash(f"Pièce jointe envoyée à {made.shared_with} : « {made.label} », {made.state.label()}.", "success")
        return redirect(url_for("home.account", number=number))

    # --- tracking (DS-19 … DS-33) ------------------------------------------------------

    @bp.get("/tracking")
    def tracking(provider: str) -> ResponseReturnValue:
        owner = request.args.get("as") or None
        d = desk(provider, owner)
        args = request.args
        progress = frozenset(_choices(ContactProgress, args.getlist("progress"), "avancement"))
        include_done = args.get("done") == "yes"
        name = args.get("name", "").strip() or None
        request_states = frozenset(_choices(RequestState, args.getlist("request_state"), "état des demandes"))
        send_states = frozenset(_choices(SendState, args.getlist("send_state"), "état des envois"))
        document_type = _choices(DocumentType, [args["document_type"]], "type de document")[0] if args.get("document_type") else None
        filters = ExchangeFilter(
            name_contains=name,
            contact_progress=progress,
            request_states=request_states,
            send_states=send_states,
            document_type=document_type,
            include_done=include_done,
        )
        tab = args.get("tab", "contacts")
        months = args.get("months", type=int)
        return render_template(
            "tracking.html",
            provider=provider,
            title=provider_title(provider),
            owner=owner,
            tab=tab,
            summaries=d.contact_summaries(name_contains=name, progress=progress),
            exchanges=d.exchanges(filters),
            candidates=d.archive_candidates(months) if tab == "archive" else [],
            unlinked=d.contacts(unlinked=True) if tab == "unlinked" else [],
            args=args,
            progress_values=list(ContactProgress),
            request_state_values=[s for s in RequestState if s is not RequestState.PENDING],
            send_state_values=[s for s in SendState if s is not SendState.PENDING],
            account=None,
            tracking=None,
            can_see_others=_can_see_others(provider),
        )

    @bp.get("/accounts/<number>/tracking")
    def account_tracking(provider: str, number: str) -> ResponseReturnValue:
        d = desk(provider)
        account = d.host.accounts.account(number)
        tracking = d.account_tracking(number)
        return render_template(
            "tracking.html",
            provider=provider,
            title=provider_title(provider),
            owner=None,
            tab="account",
            summaries=d.contact_summaries(account_number=number),
            exchanges=list(tracking.exchanges),
            candidates=[],
            unlinked=[],
            args=request.args,
            progress_values=list(ContactProgress),
            request_state_values=[],
            send_state_values=[],
            account=account,
            tracking=tracking,
            can_see_others=False,
        )

    @bp.post("/exchanges/<int:exchange_id>/remind")
    def remind(provider: str, exchange_id: int) -> ResponseReturnValue:
        channel = ReminderChannel.MAIL_AND_SMS if request.form.get("channel") == "mail_and_sms" else ReminderChannel.MAIL
        made = desk(provider).remind(exchange_id, channel)
        how = "par e-mail et SMS" if channel is ReminderChannel.MAIL_AND_SMS else "par e-mail"
        flash(f"Relance de « {made.label} » envoyée {how} : {made.state.label()}.", "success")
        return _back(provider)

    @bp.post("/exchanges/<int:exchange_id>/retry")
    def retry(provider: str, exchange_id: int) -> ResponseReturnValue:
        made = desk(provider).retry(exchange_id)
        flash(f"« {made.label} » renvoyé : {made.state.label()}.", "success")
        return _back(provider)

    @bp.post("/sync")
    def sync(provider: str) -> ResponseReturnValue:
        report = desk(provider).sync()
        flash(f"Synchronisation : {len(report.changed)} échange(s) mis à jour, {len(report.received)} document(s) reçu(s).", "success")
        return _back(provider)

    @bp.route("/exchanges/<int:exchange_id>/import", methods=["GET", "POST"])
    def import_document(provider: str, exchange_id: int) -> ResponseReturnValue:
        d = desk(provider)
        exchange = d.exchange(exchange_id)
        if request.method == "GET":
            return render_template("import_details.html", provider=provider, exchange=exchange, form=request.args)
        stamp = True if request.form.get("stamp") == "yes" else None
        details = None
        if request.form.get("iban"):
            details = BankDetails(
                iban=request.form["iban"],
                bic=request.form.get("bic") or None,
                holder=request.form.get("holder") or None,
            )
        account = request.form.get("account") or None
        try:
            result = d.import_document(exchange_id, stamp=stamp, bank_details=details, account_number=account)
        except BankDetailsNeeded as exc:
            flash(str(exc), "error")
            return redirect(url_for("exchange.import_document", provider=provider, exchange_id=exchange_id))
        message = f"Document « {result.original.file_name} » importé sur le compte {result.exchange.account_number}"
        if result.stamped is not None:
            message += ", copie horodatée jointe"
        flash(message + ".", "success")
        for note in (result.stamp_note, result.active_content_note, result.proof_note):
            if note:
                flash(note, "warning")
        if result.iban_record is not None:
            return redirect(
                url_for("home.iban_record", number=result.iban_record.account_number, record_id=result.iban_record.id)
            )
        return _back(provider)

    @bp.post("/exchanges/<int:exchange_id>/attestation")
    def attestation(provider: str, exchange_id: int) -> ResponseReturnValue:
        made = desk(provider).attestation(exchange_id)
        flash(f"Attestation « {made.file_name} » rangée sur le compte.", "success")
        return redirect(url_for("home.attachment", attachment_id=made.id))

    return bp


def _can_see_others(provider: str) -> bool:
    """Whether the acting user has the right behind the user selector (DS-33)."""
    from liasse_hostapi.records import Right

    user = office_liasse().host.office.user(acting_user())
    return user.has(Right.SEE_OTHER_USERS_CONTACTS) or user.options_for(provider).see_other_users_contacts


E = TypeVar("E", bound=enum.Enum)


def _choices(kind: type[E], values: list[str], what: str) -> list[E]:
    """Form values as the enum's members; an unknown one is a 400 that names it (a tampered or stale form)."""
    members = []
    for value in values:
        try:
            members.append(kind(value))
        except ValueError:
            raise BadRequest(f"Choix inconnu pour « {what} » : « {value} ». Rechargez la page et choisissez dans la liste.") from None
    return members


def _ids(values: list[str], what: str) -> tuple[int, ...]:
    """Ticked record numbers; anything but digits is a 400 that names the list."""
    if any(not v.isdigit() for v in values):
        raise BadRequest(f"Numéro de {what} invalide dans le formulaire. Rechargez la page et cochez à nouveau.")
    return tuple(int(v) for v in values)


def _first_contact(provider: str, number: str) -> ResponseReturnValue:
    """No contact on the account yet: the first contact's creation window opens, then the screen asked for."""
    flash("Aucun contact sur ce compte : créez d'abord le contact qui recevra l'échange.", "warning")
    return redirect(url_for("exchange.contact_new", provider=provider, number=number, next=request.full_path))


def _contact_id() -> int | None:
    value = request.form.get("contact", "")
    return int(value) if value.isdigit() else None


def _with_contact(url: str, contact_id: int) -> str:
    """``url`` with the new contact selected: the form the dialog was opened from comes back ready."""
    return f"{url}{'&' if '?' in url else '?'}contact={contact_id}"


def _back(provider: str) -> ResponseReturnValue:
    return back("exchange.tracking", provider=provider)


def _uploaded_files(d: ExchangeDesk) -> list[Path]:
    """Files added on the send screen, written where the desk keeps outgoing files (streamed to disk)."""
    return save_uploads(d.work_dir("uploads"), "send-")


def _contact_dialog(d: ExchangeDesk, account: Account, form: ContactForm, source: str, next_url: str) -> str:
    """The contact creation dialog with every prefill source (DS-03 … DS-05)."""
    number = account.number
    q = request.args.get("q", "")
    return render_template(
        "contact_new.html",
        provider=d.provider,
        title=provider_title(d.provider),
        account=account,
        form=form,
        source=source,
        next=next_url,
        associated=d.associated_accounts(number),
        found_accounts=d.search_accounts(request.args.get("aq", "")) if request.args.get("aq") else [],
        directory=d.search_directory(q) if q else [],
        q=q,
        aq=request.args.get("aq", ""),
    )
