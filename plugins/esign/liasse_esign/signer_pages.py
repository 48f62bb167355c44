"""The signer's side of the Yousign sandbox, as real web pages (ES-09).

What a signer does in a browser: open the link of the invitation e-mail,
read the whole document, ask for the code (by SMS for ``otp_sms``, by
e-mail for ``otp_email``, none for ``no_otp``), tick the consent, then
accept or decline. When the last signer has signed, the documents get the
visible signatures at their fields (:mod:`liasse_esign.signed_pdf`), the
request is ``done`` and every signer gets the final e-mail with a download
link. Tests and the demo drive these pages over HTTP
(:mod:`liasse_esign.signer`), never the state behind them.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from liasse_esign import signed_pdf

if TYPE_CHECKING:
    from flask import Response

    from liasse.sandbox import Sandbox
    from liasse_esign.sandbox import ESignState, Signer, SignatureRequest

Emit = Callable[..., None]


def invite(sandbox: Sandbox, request: SignatureRequest, signer: Signer, *, reminder: bool = False) -> None:
    """The invitation (or reminder) e-mail with the signer's link."""
    what = "Rappel : " if reminder else ""
    note = f"\n\n{request.email_custom_note}" if request.email_custom_note else ""
    sandbox.outbox.email(
        signer.email,
        f"{what}Document à signer : {request.name}",
        f"Bonjour {signer.full_name},\n\nVous êtes invité(e) à signer « {request.name} ».{note}\n\n"
        f"Pour lire et signer le document : {signer.link}\n",
    )


def audit_trail(request: SignatureRequest) -> bytes:
    """A one-page audit trail: the request, each signer, how and when they signed."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 20, "Dossier de preuve (bac à sable)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    lines = [f"Demande : {request.name} ({request.id})", f"Terminée le : {request.completed_at}"]
    for signer in request.signers:
        mode = signer.authentication_mode or "no_otp"
        lines.append(f"{signer.full_name} <{signer.email}> : {signer.status.value} le {signer.signed_at} ({mode})")
    for document in request.documents:
        lines.append(f"Document {document.filename} : SHA-256 {document.sha256}")
    for line in lines:
        pdf.multi_cell(0, 14, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _page(title: str, body: str, status: int = 200) -> Response:
    from flask import Response

    document = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(document, status=status, mimetype="text/html")


def mount(sandbox: Sandbox, state: ESignState, emit: Emit) -> None:
    """The signing pages under ``/sign/<token>``."""
    from flask import request as http

    from liasse_esign.sandbox import RequestStatus, SignerStatus, _now

    app = sandbox.app

    def opened(token: str) -> tuple[SignatureRequest, Signer] | Response:
        found = state.signer_by_token(token)
        if found is None:
            return _page("Lien inconnu", "<p>Ce lien de signature n'existe pas.</p>", 404)
        request, signer = found
        if signer.link_expires_at is None:
            return _page("Lien inactif", "<p>La demande n'a pas encore été envoyée.</p>", 404)
        if request.status is RequestStatus.DONE or signer.status is SignerStatus.SIGNED:
            return found
        if request.status is not RequestStatus.ONGOING:
            return _page("Demande close", f"<p>Cette demande est {request.status.value}.</p>", 410)
        if _now() > signer.link_expires_at:
            return _page("Lien expiré", "<p>Ce lien de signature a expiré.</p>", 410)
        return found

    @app.get("/sign/<token>")
    def sign_page(token: str) -> Response:
        found = opened(token)
        if not isinstance(found, tuple):
            return found
        request, signer = found
        if signer.status is SignerStatus.SIGNED:
            link = f"/sign/{token}/signed" if request.status is RequestStatus.DONE else ""
            more = f"<p><a href='{link}'>Télécharger le document signé</a></p>" if link else ""
            return _page("Document signé", f"<p>Vous avez signé « {html.escape(request.name)} ».</p>{more}")
        documents = "".join(
            f"<li><a class='document' href='/sign/{token}/documents/{d.id}'>{html.escape(d.filename)}</a> "
            f"({d.total_pages} page(s))</li>"
            for d in request.documents
        )
        code = ""
        if signer.authentication_mode in ("otp_sms", "otp_email"):
            channel = "SMS" if signer.authentication_mode == "otp_sms" else "e-mail"
            code = (
                f"<form method='post' action='/sign/{token}/code'><button>Recevoir le code par {channel}</button></form>"
                "<p><label>Code reçu <input name='code' form='sign' autocomplete='one-time-code'></label></p>"
            )
        decline = (
            "<p><label>Motif du refus <input name='reason' form='sign'></label>"
            " <button form='sign' name='action' value='decline'>Refuser de signer</button></p>"
            if request.signers_allowed_to_decline
            else ""
        )
        body = (
            f"<p>Bonjour {html.escape(signer.full_name)}, lisez le document en entier avant de signer.</p>"
            f"<ul>{documents}</ul>{code}"
            f"<form id='sign' method='post' action='/sign/{token}/sign'>"
            "<p><label><input type='checkbox' name='consent' value='yes'> J'ai lu le document et j'accepte de le "
            "signer électroniquement.</label></p>"
            "<button name='action' value='accept'>Signer</button></form>"
            f"{decline}"
        )
        return _page(f"Signature : {request.name}", body)

    @app.get("/sign/<token>/documents/<document_id>")
    def sign_document(token: str, document_id: str) -> Any:
        found = opened(token)
        if not isinstance(found, tuple):
            return found
        request, signer = found
        document = request.document(document_id)
        if document is None:
            return _page("Document inconnu", "<p>Ce document n'existe pas.</p>", 404)
        with state.lock:
            signer.viewed = True
        return app.response_class(document.signed_content or document.content, mimetype="application/pdf")

    @app.post("/sign/<token>/code")
    def sign_code(token: str) -> Response:
        found = opened(token)
        if not isinstance(found, tuple):
            return found
        request, signer = found
        with state.lock:
            signer.otp = f"{secrets.randbelow(10**6):06d}"
        text = f"Votre code de signature Yousign : {signer.otp}. Il est valable 10 minutes."
        if signer.authentication_mode == "otp_sms" and signer.phone_number:
            sandbox.outbox.sms(signer.phone_number, text)
        elif signer.authentication_mode == "otp_email":
            sandbox.outbox.email(signer.email, f"Code de signature : {request.name}", text)
        else:
            return _page("Pas de code", "<p>Cette signature ne demande pas de code.</p>", 400)
        return _page("Code envoyé", f"<p>Un code a été envoyé. <a href='/sign/{token}'>Retour au document</a></p>")

    @app.post("/sign/<token>/sign")
    def sign_submit(token: str) -> Response:
        found = opened(token)
        if not isinstance(found, tuple):
            return found
        request, signer = found
        action = http.form.get("action", "accept")
        if signer.status is SignerStatus.SIGNED:
            return _page("Déjà signé", "<p>Vous avez déjà signé ce document.</p>", 409)
        if action == "decline":
            if not request.signers_allowed_to_decline:
                return _page("Refus impossible", "<p>Cette demande ne permet pas de refuser.</p>", 400)
            with state.lock:
                signer.status = SignerStatus.DECLINED
                request.move(RequestStatus.DECLINED)
                request.declined_at = _now()
                request.declined_by = signer.id
                request.decline_reason = http.form.get("reason") or None
            emit(request, "signer.declined", signer)
            emit(request, "signature_request.declined")
            return _page("Refus enregistré", "<p>Votre refus de signer a été enregistré.</p>")
        if not signer.viewed:
            return _page("Document non lu", "<p>Ouvrez et lisez le document avant de signer.</p>", 400)
        if http.form.get("consent") != "yes":
            return _page("Consentement manquant", "<p>Cochez la case de consentement pour signer.</p>", 400)
        if signer.authentication_mode in ("otp_sms", "otp_email"):
            offered = (http.form.get("code") or "").strip()
            if signer.otp is None or not secrets.compare_digest(offered.encode(), signer.otp.encode()):
                return _page("Code incorrect", "<p>Le code saisi ne correspond pas au code envoyé.</p>", 400)
        finished = False
        with state.lock:
            signer.status = SignerStatus.SIGNED
            signer.signed_at = _now()
            signer.otp = None
            if all(s.status is SignerStatus.SIGNED for s in request.signers):
                _complete(request)
                finished = True
        emit(request, "signer.done", signer)
        if finished:
            for each in request.signers:
                sandbox.outbox.email(
                    each.email,
                    f"Document signé : {request.name}",
                    f"Bonjour {each.full_name},\n\nTous les signataires ont signé « {request.name} ».\n\n"
                    f"Téléchargez le document signé : {sandbox.base_url}/sign/{each.token}/signed\n",
                )
            emit(request, "signature_request.done")
        return _page("Merci", f"<p>Votre signature de « {html.escape(request.name)} » est enregistrée.</p>")

    @app.get("/sign/<token>/signed")
    def sign_download(token: str) -> Any:
        found = state.signer_by_token(token)
        if found is None or found[0].status is not RequestStatus.DONE:
            return _page("Pas encore signé", "<p>Le document signé n'est pas encore disponible.</p>", 404)
        document = next(d for d in found[0].documents if d.signed_content is not None)
        return app.response_class(document.signed_content, mimetype="application/pdf")


def _complete(request: SignatureRequest) -> None:
    """Every signer signed: draw their signatures and close the request."""
    from liasse_esign.sandbox import RequestStatus, _now

    request.move(RequestStatus.DONE)
    request.completed_at = _now()
    for document in request.documents:
        stamps = [
            signed_pdf.Stamp(
                page=field.page,
                x=field.x,
                y=field.y,
                width=field.width,
                height=field.height,
                signer_name=signer.full_name,
                signed_at=signer.signed_at or dt.datetime.now(dt.UTC),
            )
            for signer in request.signers
            for field in signer.fields
            if field.document_id == document.id
        ]
        if document.nature == "signable_document":
            document.signed_content = signed_pdf.stamp(document.content, stamps)
