"""The host's own screens: the accounts list, the account page, attachments, IBAN records, the user selector."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask.typing import ResponseReturnValue
from liasse_hostapi.records import IbanRecord, OwnerKind, OwnerRef

from liasse.errors import LiasseError
from liasse_screens import menus
from liasse_screens.app import acting_user, back, client_accounts, office_liasse, screens_for


def blueprint() -> Blueprint:
    """The host's pages."""
    bp = Blueprint("home", __name__)

    @bp.get("/")
    def index() -> ResponseReturnValue:
        text = request.args.get("q", "")
        return render_template("index.html", accounts=client_accounts(text), q=text)

    @bp.post("/user")
    def switch_user() -> ResponseReturnValue:
        login = request.form.get("user", "")
        user = office_liasse().host.office.user(login)
        session["user"] = user.login
        flash(f"Vous travaillez maintenant en tant que {user.full_name} ({user.login}).", "success")
        return back("home.index", referrer=False)

    @bp.get("/accounts/<number>")
    def account(number: str) -> ResponseReturnValue:
        liasse = office_liasse()
        account = liasse.host.accounts.account(number)
        panels = []
        for provider in liasse.providers_for(acting_user()):
            info = liasse.provider(provider)
            for screens in screens_for(provider):
                count = None
                if screens.counter is not None:
                    try:
                        count = screens.counter(provider, number)
                    except LiasseError:
                        count = None
                extras = screens.account_extras(provider, number) if screens.account_extras else {}
                panels.append(
                    {
                        "provider": provider,
                        "title": info.title,
                        "screens": screens,
                        "count": count or 0,
                        "level": menus.counter_level(count),
                        **extras,
                    }
                )
        attachments = liasse.host.attachments.list(OwnerRef(OwnerKind.ACCOUNT, number))
        ibans = liasse.host.ibans.list(number)
        return render_template("account.html", account=account, panels=panels, attachments=attachments, ibans=ibans)

    @bp.get("/attachments/<int:attachment_id>")
    def attachment(attachment_id: int) -> ResponseReturnValue:
        host = office_liasse().host
        found = host.attachments.get(attachment_id)
        # The host opens the stored file; the browser shows PDFs and images inline.
        return send_file(host.attachments.open(attachment_id), mimetype=found.media_type, download_name=found.file_name)

    @bp.get("/accounts/<number>/ibans/<int:record_id>")
    def iban_record(number: str, record_id: int) -> ResponseReturnValue:
        record = _iban(number, record_id)
        host = office_liasse().host
        files = [host.attachments.get(a) for a in record.attachment_ids]
        return render_template("iban.html", account=host.accounts.account(number), record=record, files=files)

    @bp.post("/accounts/<number>/ibans/<int:record_id>/confirm")
    def iban_confirm(number: str, record_id: int) -> ResponseReturnValue:
        _iban(number, record_id)
        if request.form.get("read_warnings") != "yes":
            flash("Cochez « J'ai lu les alertes et vérifié ces coordonnées auprès du client » pour confirmer la fiche IBAN.", "error")
            return redirect(url_for("home.iban_record", number=number, record_id=record_id))
        office_liasse().host.ibans.confirm_for_payment(record_id, acting_user())
        flash("Fiche IBAN confirmée : elle peut être utilisée pour un paiement.", "success")
        return redirect(url_for("home.iban_record", number=number, record_id=record_id))

    return bp


def _iban(number: str, record_id: int) -> IbanRecord:
    """The account's IBAN record ``record_id``, or 404."""
    for record in office_liasse().host.ibans.list(number):
        if record.id == record_id:
            return record
    abort(404)
