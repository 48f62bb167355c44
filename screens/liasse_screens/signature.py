"""E-signature screens (ESign, ES-02 … ES-12): one blueprint for every signature provider, under ``/s/<provider>/``.

The manual's path (seed 002, parts IV … VI): from the account's events,
"Expédier vers la signature électronique" makes a signature file; the
signatures list shows it "0 - À envoyer"; its signers are edited, added or
deleted, their boxes placed (numeric page/x/y beside a preview of the page
with the boxes drawn), then it is sent ("1 - Attente signature"), followed
("Récupérer les signatures du nuage", webhooks), reminded or cancelled, and
the signed document viewed once "2 - Signé". Every view calls one method of
:class:`liasse.signing.SigningDesk`; no business rule lives here.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from liasse_hostapi.records import Event, PartyRole, SignatureTemplate

from liasse.capabilities import Capability
from liasse.errors import LiasseError
from liasse.signing import Placement, SignatureFile, SigningDesk
from liasse.signing.roles import ROLE_WORDS, words
from liasse.states import SignatureState
from liasse_screens import menus, page_preview
from liasse_screens.app import acting_user, back, office_liasse, provider_title
from liasse_screens.menus import CapabilityScreens, MenuEntry

#: Yousign's cancellation reasons, in the user's words.
CANCEL_REASONS: dict[str, str] = {
    "contractualization_aborted": "La signature n'a plus lieu d'être",
    "errors_in_document": "Le document comporte des erreurs",
    "other": "Autre raison",
}


def declare() -> None:
    """Register the signature screens for :attr:`Capability.SIGNATURE` (idempotent)."""
    menus.register(Capability.SIGNATURE, screens)


def screens() -> CapabilityScreens:
    """The account menu (the manual's "Expédier vers la signature électronique", "Liste des signatures") and the icon."""
    return CapabilityScreens(
        capability=Capability.SIGNATURE,
        make_blueprint=blueprint,
        account_menu=(
            MenuEntry("Expédier vers la signature électronique", "signature.new"),
            MenuEntry("Liste des signatures", "signature.account"),
        ),
        tracking_endpoint="signature.tracking",
        account_tracking_endpoint="signature.account",
        counter=_awaiting,
        counter_words="dossier(s) en attente de signature",
    )


def desk(provider: str) -> SigningDesk:
    """The acting user's signing desk on ``provider``."""
    return SigningDesk(office_liasse(), provider, acting_user())


def _awaiting(provider: str, number: str | None) -> int:
    """The icon's number: files sent and not signed yet (the office waits on someone)."""
    return len(desk(provider).files(states=(SignatureState.AWAITING,), account_number=number))


def role_label(role: str) -> str:
    """A signer role in French, capitalised ("Colocataire")."""
    return words(role)[0].capitalize()


def _template_of(event: Event) -> SignatureTemplate | None:
    return office_liasse().host.events.signature_template(event.template_code)


class BadNumber(LiasseError):
    """A placement field that is not a number."""

    fr = "Position n° {row} : « {value} » n'est pas un nombre. Saisissez la page (entière) et x, y, largeur, hauteur en millimètres (par ex. 120 ou 12,5)."
    en = "Position #{row}: '{value}' is not a number. Type the page (whole) and x, y, width, height in millimetres (e.g. 120 or 12.5)."


class BadRole(LiasseError):
    """A role the signer form did not offer."""

    fr = "Le rôle « {role} » n'existe pas : choisissez le rôle du signataire dans la liste."
    en = "The role '{role}' does not exist: choose the signer's role from the list."


def _number(text: str, row: int, *, whole: bool = False) -> float:
    cleaned = text.strip().replace(",", ".").replace("\u00a0", "")
    try:
        value = float(cleaned)
        if whole and value != int(value):
            raise ValueError(text)
    except ValueError:
        raise BadNumber(row=row, value=text) from None
    return int(value) if whole else value


def placements_from_form() -> list[Placement]:
    """The placement table's rows (``page``, ``x``, ``y``, ``width``, ``height`` lists); blank and dropped rows left out."""
    form = request.form
    pages, xs, ys = form.getlist("page"), form.getlist("x"), form.getlist("y")
    widths, heights = form.getlist("width"), form.getlist("height")
    dropped = set(form.getlist("drop"))
    boxes: list[Placement] = []
    for index, page in enumerate(pages):
        row = index + 1
        cells = [page, *(column[index] if index < len(column) else "" for column in (xs, ys, widths, heights))]
        if str(index) in dropped or not any(c.strip() for c in cells):
            continue
        boxes.append(
            Placement(
                page=int(_number(page, row, whole=True)),
                x_mm=_number(cells[1], row),
                y_mm=_number(cells[2], row),
                width_mm=_number(cells[3], row) if cells[3].strip() else 60.0,
                height_mm=_number(cells[4], row) if cells[4].strip() else 25.0,
            )
        )
    return boxes


def _boxes(made: SignatureFile) -> list[page_preview.Box]:
    """Every signer's boxes, one colour per signer, for the page previews."""
    found = []
    for index, signer in enumerate(made.signers):
        colour = page_preview.COLOURS[index % len(page_preview.COLOURS)]
        for box in signer.placements:
            found.append(page_preview.Box(signer.full_name, box.page, box.x_mm, box.y_mm, box.width_mm, box.height_mm, colour))
    return found


def _no_such_signer(provider: str, file_id: int, signer_id: int) -> ResponseReturnValue:
    """Back to the file, saying the signer asked for is not on it (a stale page or a hand-typed address)."""
    flash(f"Le signataire n° {signer_id} n'est pas sur ce dossier : choisissez-le dans la liste.", "error")
    return redirect(url_for("signature.file", provider=provider, file_id=file_id))


def _file_page(provider: str, file_id: int, **typed: object) -> ResponseReturnValue:
    """The signature file's screen: signers, their boxes, the page previews, the actions its state allows."""
    d = desk(provider)
    made = d.file(file_id)
    pages = page_preview.page_count(Path(d.document(file_id)).read_bytes())
    return render_template(
        "signature_file.html",
        provider=provider,
        title=provider_title(provider),
        file=made,
        pages=range(1, pages + 1),
        colours=page_preview.COLOURS,
        roles=[(role.value, fr.capitalize()) for role, (fr, _en) in ROLE_WORDS.items()],
        role_label=role_label,
        cancel_reasons=CANCEL_REASONS,
        editable=made.state is SignatureState.TO_SEND,
        typed=typed,
    )


def blueprint() -> Blueprint:
    """Every signature screen, under ``/s/<provider>/``."""
    bp = Blueprint("signature", __name__, url_prefix="/s/<provider>")

    # --- ES-06: a file from an event, with the template's roles and placements (ES-03 … ES-05) ------

    @bp.route("/accounts/<number>/new", methods=["GET", "POST"])
    def new(provider: str, number: str) -> ResponseReturnValue:
        host = office_liasse().host
        account = host.accounts.account(number)
        if request.method == "POST":
            event_id = request.form.get("event", type=int)
            if event_id is None:
                flash("Choisissez l'événement à expédier vers la signature électronique.", "error")
            else:
                try:
                    made = desk(provider).create_from_event(event_id)
                except LiasseError as exc:
                    flash(str(exc), "error")
                else:
                    stamped = "horodaté" if made.proof_path else "non horodaté (l'autorité d'horodatage n'a pas répondu)"
                    flash(f"Dossier de signature n° {made.id} « {made.label} » créé, {stamped} : {made.state.label()}.", "success")
                    return redirect(url_for("signature.file", provider=provider, file_id=made.id))
        events = [(event, _template_of(event)) for event in host.events.events(number)]
        return render_template(
            "signature_new.html",
            provider=provider,
            title=provider_title(provider),
            account=account,
            events=events,
            role_label=role_label,
            selected=request.values.get("event", type=int),
        )

    # --- ES-11: the signatures list, with every status -------------------------------------------

    @bp.get("/tracking")
    def tracking(provider: str) -> ResponseReturnValue:
        return _list(provider, None)

    @bp.get("/accounts/<number>/signatures")
    def account(provider: str, number: str) -> ResponseReturnValue:
        office_liasse().host.accounts.account(number)  # an unknown account is said so
        return _list(provider, number)

    def _list(provider: str, number: str | None) -> ResponseReturnValue:
        wanted = request.args.getlist("state")
        states = [s for s in SignatureState if s.value in wanted]
        if wanted and len(states) != len(set(wanted)):
            flash("Un des statuts demandés n'existe pas : cochez les statuts dans la liste.", "error")
        account_filter = number or (request.args.get("account", "").strip() or None)
        files = desk(provider).files(states=states, account_number=account_filter)
        return render_template(
            "signature_list.html",
            provider=provider,
            title=provider_title(provider),
            files=files,
            number=number,
            account_filter=account_filter or "",
            states=list(SignatureState),
            wanted=set(wanted),
            here=request.full_path,
        )

    @bp.post("/attachments/<int:attachment_id>/sign")
    def from_attachment(provider: str, attachment_id: int) -> ResponseReturnValue:
        """JS-02: "Signer" on a stored PDF of the account: a signature file made from it, to add signers to."""
        made = desk(provider).create_from_attachment(attachment_id)
        flash(
            f"Fichier de signature créé depuis « {made.label} » : ajoutez les signataires et placez leurs signatures, puis envoyez.",
            "success",
        )
        return redirect(url_for("signature.file", provider=provider, file_id=made.id))

    @bp.post("/poll")
    def poll(provider: str) -> ResponseReturnValue:
        """ES-10: "Récupérer les signatures du nuage": every file awaiting signature re-read."""
        report = desk(provider).poll()
        if report.changed:
            flash(
                f"Signatures récupérées : {len(report.changed)} dossier(s) mis à jour, {len(report.archived)} document(s) signé(s) archivé(s).",
                "success",
            )
        else:
            flash("Signatures récupérées : aucun changement depuis la dernière fois.", "success")
        return _back(provider)

    # --- one file ------------------------------------------------------------------------------------

    @bp.get("/files/<int:file_id>")
    def file(provider: str, file_id: int) -> ResponseReturnValue:
        return _file_page(provider, file_id)

    @bp.get("/files/<int:file_id>/pages/<int:page>.png")
    def page_image(provider: str, file_id: int, page: int) -> ResponseReturnValue:
        d = desk(provider)
        made = d.file(file_id)
        content = Path(d.document(file_id)).read_bytes()
        if not 1 <= page <= page_preview.page_count(content):
            return ("Cette page n'existe pas dans le document.", 404)
        image = page_preview.render(content, page, _boxes(made))
        return send_file(io.BytesIO(image), mimetype="image/png", max_age=0)

    @bp.get("/files/<int:file_id>/document")
    def document(provider: str, file_id: int) -> ResponseReturnValue:
        """The document to view: the signed one once signed (ES-10), else the letter as it will be sent."""
        d = desk(provider)
        made = d.file(file_id)
        path = Path(d.document(file_id))
        name = f"signe_{made.file_name}" if made.attachment_id is not None else made.file_name
        return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf", download_name=name)

    # --- ES-07, ES-05: signers ---------------------------------------------------------------------

    @bp.route("/files/<int:file_id>/signers/<int:signer_id>/edit", methods=["GET", "POST"])
    def signer_edit(provider: str, file_id: int, signer_id: int) -> ResponseReturnValue:
        d = desk(provider)
        made = d.file(file_id)
        signer = next((s for s in made.signers if s.id == signer_id), None)
        if signer is None:
            return _no_such_signer(provider, file_id, signer_id)
        typed = {
            "first_name": signer.first_name,
            "last_name": signer.last_name,
            "email": signer.email,
            "mobile": signer.mobile or "",
        }
        if request.method == "POST":
            typed = {key: request.form.get(key, "").strip() for key in typed}
            try:
                d.edit_signer(
                    file_id,
                    signer_id,
                    first_name=typed["first_name"],
                    last_name=typed["last_name"],
                    email=typed["email"],
                    mobile=typed["mobile"],
                )
            except LiasseError as exc:
                flash(str(exc), "error")
            else:
                changed = d.file(file_id)
                after = next(s for s in changed.signers if s.id == signer_id)
                phone = f", portable {after.mobile}" if after.mobile else ", sans portable : le code ira par e-mail"
                flash(f"Signataire {after.full_name} modifié{phone}.", "success")
                return redirect(url_for("signature.file", provider=provider, file_id=file_id))
        return render_template(
            "signature_signer.html",
            provider=provider,
            title=provider_title(provider),
            file=made,
            signer=signer,
            typed=typed,
            role_label=role_label,
        )

    @bp.post("/files/<int:file_id>/signers")
    def signer_add(provider: str, file_id: int) -> ResponseReturnValue:
        """ES-05 "emplacement libre": one more signer on this file, with its first box."""
        form = request.form
        typed = {key: form.get(key, "").strip() for key in ("role", "first_name", "last_name", "email", "mobile")}
        try:
            if typed["role"] not in {r.value for r in PartyRole}:
                raise BadRole(role=typed["role"])
            made = desk(provider).add_signer(
                file_id,
                role=PartyRole(typed["role"]),
                first_name=typed["first_name"],
                last_name=typed["last_name"],
                email=typed["email"],
                mobile=typed["mobile"] or None,
                placements=placements_from_form(),
            )
        except LiasseError as exc:
            flash(str(exc), "error")
            return _file_page(provider, file_id, **typed)
        added = made.signers[-1]
        flash(f"Signataire {added.full_name} ({role_label(added.role).lower()}) ajouté au dossier.", "success")
        return redirect(url_for("signature.file", provider=provider, file_id=file_id))

    @bp.route("/files/<int:file_id>/signers/<int:signer_id>/delete", methods=["GET", "POST"])
    def signer_delete(provider: str, file_id: int, signer_id: int) -> ResponseReturnValue:
        d = desk(provider)
        made = d.file(file_id)
        signer = next((s for s in made.signers if s.id == signer_id), None)
        if signer is None:
            return _no_such_signer(provider, file_id, signer_id)
        if request.method == "GET":
            return render_template("signature_confirm.html", provider=provider, file=made, signer=signer, action="delete")
        d.delete_signer(file_id, signer_id)
        flash(f"Signataire {signer.full_name} supprimé du dossier.", "success")
        return redirect(url_for("signature.file", provider=provider, file_id=file_id))

    @bp.post("/files/<int:file_id>/signers/<int:signer_id>/placements")
    def placements(provider: str, file_id: int, signer_id: int) -> ResponseReturnValue:
        """ES-11 "voir les emplacements des signatures": the signer's boxes, checked against the pages now."""
        d = desk(provider)
        try:
            boxes = placements_from_form()
            made = d.set_placements(file_id, signer_id, boxes)
        except LiasseError as exc:
            flash(str(exc), "error")
            return redirect(url_for("signature.file", provider=provider, file_id=file_id, _anchor=f"signer-{signer_id}"))
        signer = next(s for s in made.signers if s.id == signer_id)
        where = ", ".join(f"page {b.page}" for b in signer.placements) or "aucun cadre (signature invisible)"
        flash(f"Emplacements de {signer.full_name} enregistrés : {where}.", "success")
        return redirect(url_for("signature.file", provider=provider, file_id=file_id, _anchor=f"signer-{signer_id}"))

    # --- ES-08, ES-10: send, retrieve, remind, cancel -----------------------------------------------

    @bp.post("/files/<int:file_id>/send")
    def send(provider: str, file_id: int) -> ResponseReturnValue:
        made = desk(provider).send(file_id)
        flash(
            f"Dossier « {made.label} » envoyé à {provider_title(provider)} : {made.state.label()}. "
            "Chaque signataire reçoit son invitation par e-mail ; vous recevez la confirmation de l'envoi.",
            "success",
        )
        return redirect(url_for("signature.file", provider=provider, file_id=file_id))

    @bp.post("/files/<int:file_id>/refresh")
    def refresh(provider: str, file_id: int) -> ResponseReturnValue:
        d = desk(provider)
        report = d.refresh(file_id)
        made = d.file(file_id)
        if report.changed:
            flash(f"Dossier « {made.label} » récupéré : {made.state.label()}.", "success")
        else:
            flash(f"Dossier « {made.label} » : toujours {made.state.label()}.", "success")
        return _back(provider, file_id)

    @bp.post("/files/<int:file_id>/remind")
    def remind(provider: str, file_id: int) -> ResponseReturnValue:
        made = desk(provider).remind(file_id)
        flash(f"Relance de « {made.label} » envoyée par e-mail aux signataires qui n'ont pas encore signé.", "success")
        return _back(provider, file_id)

    @bp.route("/files/<int:file_id>/cancel", methods=["GET", "POST"])
    def cancel(provider: str, file_id: int) -> ResponseReturnValue:
        d = desk(provider)
        made = d.file(file_id)
        if request.method == "GET":
            return render_template("signature_confirm.html", provider=provider, file=made, action="cancel", cancel_reasons=CANCEL_REASONS)
        reason = request.form.get("reason", "other")
        if reason not in CANCEL_REASONS:
            flash("Choisissez le motif de l'annulation dans la liste.", "error")
            return redirect(url_for("signature.cancel", provider=provider, file_id=file_id))
        made = d.cancel(file_id, reason)
        flash(f"Dossier « {made.label} » annulé : les signataires ne peuvent plus signer.", "success")
        return redirect(url_for("signature.file", provider=provider, file_id=file_id))

    return bp


def _back(provider: str, file_id: int | None = None) -> ResponseReturnValue:
    """To the screen the form names (``next``), else the file, else the list."""
    if file_id is not None:
        return back("signature.file", referrer=False, provider=provider, file_id=file_id)
    return back("signature.tracking", referrer=False, provider=provider)
