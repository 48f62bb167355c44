"""Shared-zone screens (JurisZone, JZ-01 … JZ-08): one blueprint for every share provider, under ``/z/<provider>/``.

The manual's path (seed 001): from the account, "Exporter vers JurisZone"
a matter with its parties (a party without e-mail is named, and its e-mail
can be written to its account record right there); add documents to the
exported file; "Partager les documents sélectionnés" with a title, an
expiry, the recipients among the parties with their "may modify" and
"notify" boxes, and a comment; follow the shares (activations, downloads,
returned documents, completion, expiry) and import what the recipients
returned. Every view calls one method of :class:`liasse.sharing.ShareDesk`.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from liasse_hostapi.records import OwnerKind, OwnerRef

from liasse.capabilities import Capability
from liasse.errors import LiasseError
from liasse.sharing import RecipientChoice, ShareDesk, ShareForm
from liasse.sharing.errors import FileNotExported
from liasse_screens import menus
from liasse_screens.app import acting_user, local_target, office_liasse, provider_title, save_uploads
from liasse_screens.menus import CapabilityScreens, MenuEntry

#: What the provider's notifications say, in the user's words (JZ-05 … JZ-08).
NOTICE_WORDS: dict[str, str] = {
    "share.created": "Partage ouvert",
    "recipient.activated": "Compte activé",
    "document.downloaded": "Document téléchargé",
    "document.modified": "Document modifié et retourné",
    "document.added": "Document ajouté",
    "share.completed": "Partage terminé",
    "share.expired": "Partage expiré",
}


class BadDate(LiasseError):
    """The share dialog's expiry that is not a date."""

    fr = "La date d'expiration « {value} » n'est pas une date : saisissez-la au format JJ/MM/AAAA."
    en = "The expiry date '{value}' is not a date: type it as DD/MM/YYYY."


def declare() -> None:
    """Register the shared-zone screens for :attr:`Capability.SHARE` (idempotent)."""
    menus.register(Capability.SHARE, screens)


def screens() -> CapabilityScreens:
    """The account menu ("Exporter vers JurisZone", "Suivi des partages") and the banner's shares list."""
    return CapabilityScreens(
        capability=Capability.SHARE,
        make_blueprint=blueprint,
        account_menu=(
            MenuEntry("Exporter vers JurisZone", "sharing.export"),
            MenuEntry("Suivi des partages", "sharing.account_shares"),
        ),
        tracking_endpoint="sharing.shares",
        account_tracking_endpoint="sharing.account_shares",
        counter=_to_import,
        counter_words="document(s) retourné(s) à importer",
    )


def desk(provider: str) -> ShareDesk:
    """The acting user's shared zone on ``provider``."""
    return ShareDesk(office_liasse(), provider, acting_user())


def _to_import(provider: str, number: str | None) -> int:
    """The icon's number: documents recipients returned or added that are not imported yet (JZ-06)."""
    d = desk(provider)
    files = {s.shared_file_id for s in d.shares(account_number=number)}
    return sum(1 for f in files for doc in d.documents(f) if doc.direction == "returned" and doc.imported_at is None)


def parse_date(text: str) -> dt.date:
    """A date typed as JJ/MM/AAAA, or as a date field sends it (AAAA-MM-JJ)."""
    cleaned = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise BadDate(value=text)


def blueprint() -> Blueprint:
    """Every shared-zone screen, under ``/z/<provider>/``."""
    bp = Blueprint("sharing", __name__, url_prefix="/z/<provider>")

    # --- JZ-01, JZ-02: export a matter with its parties ---------------------------------------------

    @bp.get("/accounts/<number>/export")
    def export(provider: str, number: str) -> ResponseReturnValue:
        host = office_liasse().host
        account = host.accounts.account(number)
        d = desk(provider)
        matters = []
        for matter in host.accounts.matters(number):
            parties = [(p, host.accounts.account(p.account_number)) for p in host.accounts.matter_parties(number, matter.code)]
            try:
                exported = d.shared_file_of(number, matter.code)
            except FileNotExported:
                exported = None
            matters.append((matter, parties, exported))
        return render_template("sharing_export.html", provider=provider, title=provider_title(provider), account=account, matters=matters)

    @bp.post("/accounts/<number>/export")
    def export_matter(provider: str, number: str) -> ResponseReturnValue:
        code = request.form.get("matter", "").strip()
        if not code:
            flash("Choisissez l'affaire à exporter.", "error")
            return redirect(url_for("sharing.export", provider=provider, number=number))
        exported = desk(provider).export_matter(number, code)
        names = ", ".join(f"{p.name} ({p.role})" for p in exported.parties)
        flash(f"Dossier {exported.number} exporté vers {provider_title(provider)} avec {names}.", "success")
        return redirect(url_for("sharing.file", provider=provider, file_id=exported.id))

    @bp.post("/accounts/<number>/parties/<party>/email")
    def party_email(provider: str, number: str, party: str) -> ResponseReturnValue:
        """What the refusal asks: the party's e-mail written to its account record (the host's, as DS-07 does)."""
        email = request.form.get("email", "").strip()
        accounts = office_liasse().host.accounts
        record = accounts.account(party)
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            flash(f"Saisissez l'adresse courriel de {record.title} (par ex. nom@exemple.fr).", "error")
        else:
            accounts.update_contact_details(party, email=email, mobile=record.mobile)
            flash(f"Courriel de {record.title} enregistré sur sa fiche : {email}.", "success")
        return redirect(url_for("sharing.export", provider=provider, number=number))

    # --- JZ-03: an exported file and its documents ----------------------------------------------------

    @bp.get("/files/<int:file_id>")
    def file(provider: str, file_id: int) -> ResponseReturnValue:
        d = desk(provider)
        shared = d.shared_file(file_id)
        host = office_liasse().host
        attachments = [
            *host.attachments.list(OwnerRef(OwnerKind.MATTER, shared.matter_code)),
            *host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, shared.account_number)),
        ]
        return render_template(
            "sharing_file.html",
            provider=provider,
            title=provider_title(provider),
            file=shared,
            documents=d.documents(file_id),
            attachments=attachments,
            shares=[s for s in d.shares(account_number=shared.account_number) if s.shared_file_id == file_id],
        )

    @bp.post("/files/<int:file_id>/upload")
    def upload(provider: str, file_id: int) -> ResponseReturnValue:
        d = desk(provider)
        attachment_ids = []
        for value in request.form.getlist("attachment"):
            if not value.isdigit():
                flash("Une des pièces jointes cochées n'existe pas : rechargez la page et cochez de nouveau.", "error")
                return redirect(url_for("sharing.file", provider=provider, file_id=file_id))
            attachment_ids.append(int(value))
        files = save_uploads(d.work_dir("uploads"), "zone-")
        if not attachment_ids and not files:
            flash("Cochez au moins une pièce jointe ou choisissez un fichier à ajouter au dossier.", "error")
            return redirect(url_for("sharing.file", provider=provider, file_id=file_id))
        added = d.upload(file_id, attachments=attachment_ids, files=files)
        waiting = [doc for doc in added if doc.remote_id is None]
        names = ", ".join(f"« {doc.file_name} »" for doc in added)
        if waiting:
            flash(f"Documents {names} enregistrés, en attente d'envoi : {waiting[0].last_error or 'le service ne répond pas'}.", "warning")
        else:
            flash(f"Documents {names} ajoutés au dossier sur {provider_title(provider)}.", "success")
        return redirect(url_for("sharing.file", provider=provider, file_id=file_id))

    @bp.post("/documents/<int:document_id>/import")
    def import_document(provider: str, document_id: int) -> ResponseReturnValue:
        """JZ-06: a returned document through the intake pipeline onto the matter."""
        d = desk(provider)
        imported = d.import_returned(document_id)
        flash(
            f"« {imported.document.file_name} » importé sur l'affaire (pièce jointe n° {imported.attachment_id}, {imported.origin}).",
            "success",
        )
        return redirect(_next() or url_for("sharing.file", provider=provider, file_id=imported.document.shared_file_id))

    # --- JZ-04: the share dialog ---------------------------------------------------------------------

    @bp.route("/files/<int:file_id>/share", methods=["GET", "POST"])
    def share(provider: str, file_id: int) -> ResponseReturnValue:
        d = desk(provider)
        dialog = d.share_dialog(file_id)
        form = request.form
        if request.method == "POST":
            refs = form.getlist("recipient")
            try:
                expires_on = parse_date(form.get("expires_on", ""))
                made = d.share(
                    file_id,
                    ShareForm(
                        title=form.get("title", ""),
                        expires_on=expires_on,
                        recipients=tuple(
                            RecipientChoice(ref, may_modify=ref in form.getlist("may_modify"), notify=ref in form.getlist("notify"))
                            for ref in refs
                        ),
                        document_ids=tuple(int(v) for v in form.getlist("document") if v.isdigit()),
                        comment=form.get("comment", ""),
                        notify_on_completion=form.get("notify_me") == "yes",
                    ),
                )
            except LiasseError as exc:
                flash(str(exc), "error")
            else:
                flash(
                    f"Partage « {made.title} » : {made.state.label()} jusqu'au {made.expires_on:%d/%m/%Y}, "
                    f"avec {', '.join(r.name for r in made.recipients)}.",
                    "success",
                )
                return redirect(url_for("sharing.account_shares", provider=provider, number=made.account_number))
        default_expiry = dialog.earliest_expiry + dt.timedelta(days=13)
        return render_template(
            "sharing_share.html",
            provider=provider,
            title=provider_title(provider),
            dialog=dialog,
            form=form,
            posted=request.method == "POST",
            default_expiry=default_expiry,
        )

    # --- JZ-05 … JZ-08: the shares list ---------------------------------------------------------------

    @bp.get("/shares")
    def shares(provider: str) -> ResponseReturnValue:
        return _list(provider, None)

    @bp.get("/accounts/<number>/shares")
    def account_shares(provider: str, number: str) -> ResponseReturnValue:
        office_liasse().host.accounts.account(number)
        return _list(provider, number)

    def _list(provider: str, number: str | None) -> ResponseReturnValue:
        d = desk(provider)
        found = d.shares(account_number=number)
        returned = {}
        for file_id in {s.shared_file_id for s in found}:
            returned[file_id] = [doc for doc in d.documents(file_id) if doc.direction == "returned"]
        return render_template(
            "sharing_list.html",
            provider=provider,
            title=provider_title(provider),
            shares=found,
            returned=returned,
            number=number,
            notice_words=NOTICE_WORDS,
            here=request.full_path,
        )

    @bp.post("/sync")
    def sync(provider: str) -> ResponseReturnValue:
        report = desk(provider).sync()
        flash(
            f"Suivi actualisé : {len(report.changed)} partage(s) changé(s), {len(report.returned)} document(s) retourné(s), "
            f"{report.notices} notification(s).",
            "success",
        )
        return redirect(_next() or url_for("sharing.shares", provider=provider))

    return bp


def _next() -> str | None:
    """The form's ``next``: a path of these screens only, never another site."""
    return local_target(request.form.get("next"))
