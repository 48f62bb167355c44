"""A Jesignexpert sandbox: Universign-like REST API and the signer's pages, on loopback (JS-01 … JS-06).

Built on :mod:`liasse.sandbox` (server, outbox of e-mails and SMS, faults).
What it does, as ``README.md`` details:

* **auth**: HTTP Basic with the user's Jesignexpert login and password
  (401 ``authentication_error`` otherwise);
* **transactions** (``/v1/transactions``, form-encoded): draft → started →
  completed, or cancelled, or expired 15 days after the start (JS-02's
  "collecte"); the clock is the sandbox's, moved by tests
  (``POST /_sandbox/jesignexpert/clock`` ``{"days": 16}``);
* **files** (``POST /v1/files``, multipart ``file``): PDF only, under 10 MB;
  read as it arrives and refused as soon as it is too large;
* **participants, fields, signatures**: e-mail, first name, last name and a
  phone in E.164 are all required; a field must lie inside its page;
* **the signer's side** as web pages: the invitation e-mail's link, "J'ai lu
  et j'accepte le document ci-dessus", a 4-digit code by SMS, the terms and
  data-protection boxes, "Signer"; once everyone signed, the signed PDF
  (visible signatures at the fields, with the office's logo and signature
  image, JS-06) is sent to every signer by e-mail as a link;
* **errors** as ``{"object": "error", "type", "message"}`` with 400, 401, 403,
  404, 409, 413, 415.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import secrets
import threading
from typing import Any

import attrs

from liasse.sandbox import DemoAccount, Sandbox

API_ROOT = "/v1"
#: JS-02: "Seuls les documents de moins de 10Mo peuvent être signés".
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: The office's images (JS-06).
MAX_IMAGE_BYTES = 1024 * 1024
#: Jesignexpert: a collection expires after 15 days (Universign's ``duration``, in minutes).
COLLECTION_MINUTES = 15 * 24 * 60
DEMO_LOGIN = "jean.fichorga@fichorga.fr"
DEMO_PASSWORD = "jse-demo-mot-de-passe-2026"
DEMO_NAME = "Cabinet FICHORGA"
CODE_ATTEMPTS = 3
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


@attrs.define
class Account:
    """A Jesignexpert user: the login the office's user types, and the office's appearance (JS-06)."""

    login: str
    password: str
    name: str
    signature_image: bytes | None = None
    logo: bytes | None = None


@attrs.define
class StoredFile:
    """An uploaded PDF (``POST /v1/files``), kept until a document uses it."""

    id: str
    owner: str
    name: str
    content: bytes


@attrs.define
class Field:
    """A signature field: page, top-left corner and size in PDF points from the page's top-left corner."""

    id: str
    page: int
    x: float
    y: float
    width: float
    height: float
    signer: str | None = None


@attrs.define
class Document:
    """A document of a transaction, with its fields."""

    id: str
    name: str
    content: bytes
    page_sizes: list[tuple[float, float]]
    fields: list[Field] = attrs.Factory(list)


@attrs.define
class Participant:
    """A signer: who, where they are in the ceremony, their code."""

    id: str
    email: str
    first_name: str
    last_name: str
    phone: str
    token: str
    state: str = "waiting"  # waiting → accepted → signed
    code: str | None = None
    attempts: int = 0
    signed_at: dt.datetime | None = None


@attrs.define
class Transaction:
    """A signature collection (*collecte*)."""

    id: str
    owner: str
    name: str
    external_id: str | None
    created_at: dt.datetime
    state: str = "draft"  # draft, started, completed, cancelled, expired
    started_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    documents: list[Document] = attrs.Factory(list)
    participants: list[Participant] = attrs.Factory(list)
    signed: dict[str, bytes] = attrs.Factory(dict)


class ApiRefusal(Exception):
    """An error answer: status, Universign-like type and message."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


class JesignexpertState:
    """Everything the sandbox holds, behind one lock; the clock is moved by tests."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {DEMO_LOGIN: Account(DEMO_LOGIN, DEMO_PASSWORD, DEMO_NAME)}
        self.files: dict[str, StoredFile] = {}
        self.transactions: dict[str, Transaction] = {}
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        """The sandbox's time: real time plus what tests advanced."""
        return dt.datetime.now(dt.UTC) + self.offset

    def refresh(self, tx: Transaction) -> Transaction:
        """A started collection past its 15 days is expired (checked whenever it is read)."""
        if tx.state == "started" and tx.expires_at is not None and self.now() >= tx.expires_at:
            tx.state = "expired"
        return tx


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def transaction_json(tx: Transaction) -> dict[str, Any]:
    """A transaction as the API answers it (Universign's ``transaction`` object, trimmed)."""
    return {
        "object": "transaction",
        "id": tx.id,
        "name": tx.name,
        "external_id": tx.external_id,
        "state": tx.state,
        "duration": COLLECTION_MINUTES,
        "language": "fr",
        "created_at": _iso(tx.created_at),
        "started_at": _iso(tx.started_at),
        "expires_at": _iso(tx.expires_at),
        "completed_at": _iso(tx.completed_at),
        "cancelled_at": _iso(tx.cancelled_at),
        "documents": [{"object": "document", "id": d.id, "name": d.name, "pages": len(d.page_sizes)} for d in tx.documents],
        "participants": [
            {
                "object": "participant",
                "id": p.id,
                "email": p.email,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "state": p.state,
                "signed_at": _iso(p.signed_at),
            }
            for p in tx.participants
        ],
    }


def create_sandbox() -> Sandbox:
    """The sandbox ``ProviderInfo.sandbox`` names: API under ``/v1``, signer pages under ``/sign``."""
    from flask import Response, jsonify, request

    sandbox = Sandbox("jesignexpert", "Jesignexpert")
    sandbox.api_root = API_ROOT
    sandbox.user_account = DemoAccount(DEMO_LOGIN, DEMO_PASSWORD, "Jean FICHORGA's Jesignexpert login")
    state = JesignexpertState()
    sandbox.app.config["JESIGNEXPERT"] = state
    app = sandbox.app

    @app.errorhandler(ApiRefusal)
    def _refused(exc: ApiRefusal) -> Any:
        return jsonify({"object": "error", "type": exc.kind, "message": exc.message}), exc.status

    def account() -> Account:
        auth = request.authorization
        found = state.accounts.get(auth.username or "") if auth is not None and auth.type == "basic" else None
        if found is None or not secrets.compare_digest(found.password, auth.password or ""):  # type: ignore[union-attr]
            raise ApiRefusal(401, "authentication_error", "Identifiant ou mot de passe Jesignexpert invalide.")
        return found

    def transaction(tx_id: str, owner: Account) -> Transaction:
        tx = state.transactions.get(tx_id)
        if tx is None or tx.owner != owner.login:
            raise ApiRefusal(404, "not_found", f"No such transaction: {tx_id}")
        return state.refresh(tx)

    def draft(tx_id: str, owner: Account) -> Transaction:
        tx = transaction(tx_id, owner)
        if tx.state != "draft":
            raise ApiRefusal(409, "invalid_state", f"The transaction is {tx.state}: only a draft can be changed.")
        return tx

    def form(name: str, *, required: bool = True) -> str:
        value = (request.form.get(name) or "").strip()
        if required and not value:
            raise ApiRefusal(400, "invalid_request_error", f"Missing parameter: {name}.")
        return value

    def number(name: str) -> float:
        try:
            return float(form(name))
        except ValueError:
            raise ApiRefusal(400, "invalid_request_error", f"{name} must be a number.") from None

    # --- account ---------------------------------------------------------------------

    @app.get(f"{API_ROOT}/me")
    def _me() -> Any:
        with state.lock:
            me = account()
            return jsonify({"object": "user", "login": me.login, "name": me.name, "email": me.login})

    @app.put(f"{API_ROOT}/me/appearance")
    def _appearance() -> Any:
        """JS-06: the office's signature image and logo ("Modifier l'image associée à votre cabinet")."""
        with state.lock:
            me = account()
        if (request.content_length or 0) > 2 * MAX_IMAGE_BYTES + 4096:
            raise ApiRefusal(413, "file_too_large", "Images must be under 1 MB each.")
        images: dict[str, bytes | None] = {}
        for name in ("signature_image", "logo"):
            upload = request.files.get(name)
            if upload is None:
                continue
            content = upload.read(MAX_IMAGE_BYTES + 1)
            if len(content) > MAX_IMAGE_BYTES:
                raise ApiRefusal(413, "file_too_large", f"{name}: images must be under 1 MB.")
            if not content.startswith(_IMAGE_MAGIC):
                raise ApiRefusal(415, "unsupported_media_type", f"{name}: only PNG and JPEG images are accepted.")
            images[name] = content
        with state.lock:
            if "signature_image" in images:
                me.signature_image = images["signature_image"]
            if "logo" in images:
                me.logo = images["logo"]
            return jsonify({"object": "appearance", "signature_image": me.signature_image is not None, "logo": me.logo is not None})

    # --- files and transactions ------------------------------------------------------------

    @app.post(f"{API_ROOT}/files")
    def _files() -> Any:
        """A PDF under 10 MB, multipart ``file``; refused by its announced length before it is read."""
        with state.lock:
            me = account()
        if (request.content_length or 0) >= MAX_DOCUMENT_BYTES + 64 * 1024:
            raise ApiRefusal(413, "file_too_large", "Documents must be smaller than 10 MB.")
        upload = request.files.get("file")
        if upload is None:
            raise ApiRefusal(400, "invalid_request_error", "Missing file: send it as multipart field 'file'.")
        content = upload.read(MAX_DOCUMENT_BYTES + 1)
        if len(content) >= MAX_DOCUMENT_BYTES:
            raise ApiRefusal(413, "file_too_large", "Documents must be smaller than 10 MB.")
        if not content.startswith(b"%PDF-"):
            raise ApiRefusal(415, "unsupported_media_type", "Only PDF documents can be signed.")
        try:
            _page_sizes(content)
        except Exception:  # noqa: BLE001 - any parse failure is the same answer to the client
            raise ApiRefusal(400, "invalid_request_error", "The PDF cannot be read.") from None
        stored = StoredFile(_id("file"), me.login, upload.filename or "document.pdf", content)
        with state.lock:
            state.files[stored.id] = stored
        return jsonify({"object": "file", "id": stored.id, "name": stored.name, "size": len(content)})

    @app.post(f"{API_ROOT}/transactions")
    def _create() -> Any:
        with state.lock:
            me = account()
            duration = form("duration", required=False)
            if duration and (not duration.isdigit() or int(duration) > COLLECTION_MINUTES):
                raise ApiRefusal(400, "invalid_request_error", f"duration is at most {COLLECTION_MINUTES} minutes (15 days).")
            tx = Transaction(_id("tx"), me.login, form("name")[:255], form("external_id", required=False) or None, state.now())
            state.transactions[tx.id] = tx
            return jsonify(transaction_json(tx))

    @app.get(f"{API_ROOT}/transactions")
    def _list() -> Any:
        """Newest first, ``per_page`` (≤ 100) a page from ``page`` 1, filtered by ``external_id`` and ``state``."""
        with state.lock:
            me = account()
            wanted = {s for s in (request.args.get("state") or "").split(",") if s}
            external = request.args.get("external_id")
            rows = [
                state.refresh(tx)
                for tx in sorted(state.transactions.values(), key=lambda t: t.created_at, reverse=True)
                if tx.owner == me.login
            ]
            rows = [tx for tx in rows if (not wanted or tx.state in wanted) and (external is None or tx.external_id == external)]
            try:
                per_page = max(1, min(100, int(request.args.get("per_page", "20"))))
                page = max(1, int(request.args.get("page", "1")))
            except ValueError:
                raise ApiRefusal(400, "invalid_request_error", "page and per_page must be numbers.") from None
            chunk = rows[(page - 1) * per_page : page * per_page]
            return jsonify(
                {"object": "list", "data": [transaction_json(tx) for tx in chunk], "page": page, "has_more": page * per_page < len(rows)}
            )

    @app.get(f"{API_ROOT}/transactions/<tx_id>")
    def _read(tx_id: str) -> Any:
        with state.lock:
            return jsonify(transaction_json(transaction(tx_id, account())))

    @app.delete(f"{API_ROOT}/transactions/<tx_id>")
    def _delete(tx_id: str) -> Any:
        with state.lock:
            tx = draft(tx_id, account())
            del state.transactions[tx.id]
            return "", 204

    @app.post(f"{API_ROOT}/transactions/<tx_id>/documents")
    def _add_document(tx_id: str) -> Any:
        with state.lock:
            me = account()
            tx = draft(tx_id, me)
            stored = state.files.get(form("document"))
            if stored is None or stored.owner != me.login:
                raise ApiRefusal(404, "not_found", "No such file: upload it with POST /v1/files first.")
            if len(tx.documents) >= 20:
                raise ApiRefusal(400, "invalid_request_error", "A transaction has at most 20 documents.")
            document = Document(_id("doc"), form("name", required=False) or stored.name, stored.content, _page_sizes(stored.content))
            tx.documents.append(document)
            return jsonify({"object": "document", "id": document.id, "name": document.name, "pages": len(document.page_sizes)})

    @app.post(f"{API_ROOT}/transactions/<tx_id>/participants")
    def _add_participant(tx_id: str) -> Any:
        """JS-03: e-mail, first name, last name and phone, all required; the phone carries the SMS code."""
        with state.lock:
            tx = draft(tx_id, account())
            email, first, last, phone = form("email"), form("first_name"), form("last_name"), form("phone_number")
            if "@" not in email:
                raise ApiRefusal(400, "invalid_request_error", f"email is not an e-mail address: {email}.")
            if not _E164.match(phone):
                raise ApiRefusal(400, "invalid_request_error", "phone_number must be in E.164 format, such as +33612345678.")
            if any(p.email == email for p in tx.participants):
                raise ApiRefusal(409, "duplicate", f"{email} is already a participant.")
            person = Participant(_id("ptc"), email, first, last, phone, secrets.token_urlsafe(18))
            tx.participants.append(person)
            return jsonify({"object": "participant", "id": person.id, "email": email})

    @app.post(f"{API_ROOT}/transactions/<tx_id>/documents/<doc_id>/fields")
    def _add_field(tx_id: str, doc_id: str) -> Any:
        with state.lock:
            tx = draft(tx_id, account())
            document = next((d for d in tx.documents if d.id == doc_id), None)
            if document is None:
                raise ApiRefusal(404, "not_found", f"No such document: {doc_id}")
            if form("type") != "signature":
                raise ApiRefusal(400, "invalid_request_error", "type must be 'signature'.")
            page = int(number("page"))
            x, y, width, height = number("x"), number("y"), number("width"), number("height")
            if not 1 <= page <= len(document.page_sizes):
                raise ApiRefusal(400, "invalid_request_error", f"page must be 1 to {len(document.page_sizes)}.")
            page_w, page_h = document.page_sizes[page - 1]
            if width < 85 or height < 37 or x < 0 or y < 0 or x + width > page_w or y + height > page_h:
                raise ApiRefusal(
                    400,
                    "invalid_request_error",
                    f"The field must lie inside the {page_w:g}×{page_h:g} page, at least 85×37 points.",
                )
            field = Field(_id("fld"), page, x, y, width, height)
            document.fields.append(field)
            return jsonify({"object": "field", "id": field.id})

    @app.post(f"{API_ROOT}/transactions/<tx_id>/signatures")
    def _add_signature(tx_id: str) -> Any:
        with state.lock:
            tx = draft(tx_id, account())
            signer, field_id = form("signer"), form("field")
            if not any(p.email == signer for p in tx.participants):
                raise ApiRefusal(400, "invalid_request_error", f"{signer} is not a participant: add them first.")
            field = next((f for d in tx.documents for f in d.fields if f.id == field_id), None)
            if field is None:
                raise ApiRefusal(404, "not_found", f"No such field: {field_id}")
            if field.signer is not None:
                raise ApiRefusal(409, "duplicate", "The field already has its signer.")
            field.signer = signer
            return jsonify({"object": "signature", "signer": signer, "field": field_id})

    @app.post(f"{API_ROOT}/transactions/<tx_id>/start")
    def _start(tx_id: str) -> Any:
        with state.lock:
            me = account()
            tx = draft(tx_id, me)
            if not tx.documents or not tx.participants:
                raise ApiRefusal(400, "invalid_request_error", "A transaction needs a document and a participant to start.")
            for document in tx.documents:
                if not any(f.signer for f in document.fields):
                    raise ApiRefusal(400, "invalid_request_error", f"{document.name} has no signature field.")
            for person in tx.participants:
                if not any(f.signer == person.email for d in tx.documents for f in d.fields):
                    raise ApiRefusal(400, "invalid_request_error", f"{person.email} has no signature field.")
            tx.state, tx.started_at = "started", state.now()
            tx.expires_at = tx.started_at + dt.timedelta(minutes=COLLECTION_MINUTES)
            for person in tx.participants:
                _invite(sandbox, me, tx, person)
            sandbox.outbox.email(me.login, f"Demande de signature envoyée : {tx.name}", f"{len(tx.participants)} signataire(s) invité(s).")
            return jsonify(transaction_json(tx))

    @app.post(f"{API_ROOT}/transactions/<tx_id>/cancel")
    def _cancel(tx_id: str) -> Any:
        with state.lock:
            tx = transaction(tx_id, account())
            if tx.state not in ("draft", "started"):
                raise ApiRefusal(409, "invalid_state", f"The transaction is {tx.state}: it cannot be cancelled.")
            tx.state, tx.cancelled_at = "cancelled", state.now()
            return jsonify(transaction_json(tx))

    @app.post(f"{API_ROOT}/transactions/<tx_id>/relaunch")
    def _relaunch(tx_id: str) -> Any:
        with state.lock:
            me = account()
            tx = transaction(tx_id, me)
            waiting = [p for p in tx.participants if p.state != "signed"]
            if tx.state != "started" or not waiting:
                raise ApiRefusal(409, "invalid_state", "Nobody is waiting to sign this transaction.")
            for person in waiting:
                _invite(sandbox, me, tx, person, reminder=True)
            return jsonify(transaction_json(tx))

    @app.get(f"{API_ROOT}/transactions/<tx_id>/documents/<doc_id>/download")
    def _download(tx_id: str, doc_id: str) -> Any:
        with state.lock:
            tx = transaction(tx_id, account())
            document = next((d for d in tx.documents if d.id == doc_id), None)
            if document is None:
                raise ApiRefusal(404, "not_found", f"No such document: {doc_id}")
            content = tx.signed.get(doc_id, document.content) if tx.state == "completed" else document.content
        return Response(content, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{document.name}"'})

    @app.get(f"{API_ROOT}/transactions/<tx_id>/evidence")
    def _evidence(tx_id: str) -> Any:
        """The proof file (*dossier de preuve*) of a completed transaction: who signed what, when."""
        with state.lock:
            tx = transaction(tx_id, account())
            if tx.state != "completed":
                raise ApiRefusal(409, "invalid_state", "The evidence exists once every participant has signed.")
            lines = [f"Dossier de preuve - {tx.name}", f"Transaction {tx.id}"] + [
                f"{p.first_name} {p.last_name} <{p.email}> a signé le {p.signed_at:%d/%m/%Y %H:%M} UTC (code SMS au {_masked(p.phone)})"
                for p in tx.participants
                if p.signed_at is not None
            ]
        return Response(_text_pdf(lines), mimetype="application/pdf")

    # --- the signer's side (JS-05) ----------------------------------------------------------

    def signer(token: str) -> tuple[Transaction, Participant]:
        for tx in state.transactions.values():
            for person in tx.participants:
                if secrets.compare_digest(person.token, token):
                    state.refresh(tx)
                    if tx.state in ("expired", "cancelled"):
                        word = "a expiré (15 jours)" if tx.state == "expired" else "a été annulée par le cabinet"
                        raise PageRefusal(410, f"Cette demande de signature {word}. Contactez votre cabinet.")
                    return tx, person
        raise PageRefusal(404, "Ce lien de signature n'existe pas.")

    @app.errorhandler(PageRefusal)
    def _page_refused(exc: PageRefusal) -> Any:
        return _page("Signature impossible", f'<p class="error">{html.escape(exc.message, quote=False)}</p>'), exc.status

    @app.get("/sign/<token>")
    def _sign_page(token: str) -> Any:
        with state.lock:
            tx, person = signer(token)
            if person.state == "signed":
                return _page(tx.name, "<p>Vous avez déjà signé ce document. Merci.</p>")
            links = "".join(f'<li><a href="/sign/{token}/documents/{d.id}">{html.escape(d.name)}</a></li>' for d in tx.documents)
        body = (
            f"<p>Bonjour {html.escape(person.first_name)}, votre cabinet vous demande de signer :</p><ul>{links}</ul>"
            f'<form method="post" action="/sign/{token}/accept">'
            '<label><input type="checkbox" name="read_and_accept" value="yes"> J\'ai lu et j\'accepte le document ci-dessus</label>'
            '<button type="submit">Continuer</button></form>'
        )
        return _page(tx.name, body)

    @app.get("/sign/<token>/documents/<doc_id>")
    def _sign_document(token: str, doc_id: str) -> Any:
        with state.lock:
            tx, _person = signer(token)
            document = next((d for d in tx.documents if d.id == doc_id), None)
            if document is None:
                raise PageRefusal(404, "Ce document n'existe pas.")
            content = document.content
        return Response(content, mimetype="application/pdf")

    @app.post("/sign/<token>/accept")
    def _accept(token: str) -> Any:
        """"J'ai lu et j'accepte": a 4-digit code by SMS to the signer's phone."""
        with state.lock:
            tx, person = signer(token)
            if person.state == "signed":
                raise PageRefusal(409, "Vous avez déjà signé ce document.")
            if request.form.get("read_and_accept") != "yes":
                raise PageRefusal(400, "Cochez « J'ai lu et j'accepte le document ci-dessus » pour continuer.")
            person.state, person.attempts = "accepted", 0
            person.code = f"{secrets.randbelow(10_000):04d}"
            sandbox.outbox.sms(person.phone, f"Jesignexpert : votre code de signature est {person.code}. Ne le communiquez à personne.")
        body = (
            f"<p>Un code à 4 chiffres vient d'être envoyé par SMS au {html.escape(_masked(person.phone))}.</p>"
            f'<form method="post" action="/sign/{token}/sign">'
            '<label>Code reçu par SMS <input name="code" inputmode="numeric" maxlength="4"></label>'
            '<label><input type="checkbox" name="terms" value="yes"> J\'accepte les conditions d\'utilisation</label>'
            '<label><input type="checkbox" name="privacy" value="yes"> J\'accepte la politique de protection des données</label>'
            '<button type="submit">Signer</button></form>'
        )
        return _page(tx.name, body)

    @app.post("/sign/<token>/sign")
    def _sign(token: str) -> Any:
        with state.lock:
            tx, person = signer(token)
            if person.state != "accepted" or person.code is None:
                raise PageRefusal(400, "Lisez et acceptez d'abord le document : un code vous sera alors envoyé par SMS.")
            if request.form.get("terms") != "yes" or request.form.get("privacy") != "yes":
                raise PageRefusal(400, "Cochez les conditions d'utilisation et la protection des données pour signer.")
            if not secrets.compare_digest(person.code, (request.form.get("code") or "").strip()):
                person.attempts += 1
                if person.attempts >= CODE_ATTEMPTS:
                    person.state, person.code = "waiting", None
                    raise PageRefusal(400, "Code incorrect, trop d'essais : acceptez à nouveau le document pour recevoir un nouveau code.")
                raise PageRefusal(400, f"Code incorrect. Il vous reste {CODE_ATTEMPTS - person.attempts} essai(s).")
            person.state, person.code, person.signed_at = "signed", None, state.now()
            if all(p.state == "signed" for p in tx.participants):
                _complete(sandbox, state, tx)
        return _page(tx.name, "<p>Merci, votre signature est enregistrée. Vous recevrez par e-mail une copie du document signé.</p>")

    @app.get("/signed/<token>/<doc_id>")
    def _signed_copy(token: str, doc_id: str) -> Any:
        """The secure link of the signed-copy e-mail (Jesignexpert sends links, not attachments)."""
        with state.lock:
            tx, _person = signer(token)
            content = tx.signed.get(doc_id) if tx.state == "completed" else None
        if content is None:
            raise PageRefusal(404, "Le document signé n'est pas encore disponible.")
        return Response(content, mimetype="application/pdf")

    # --- the sandbox's own controls -----------------------------------------------------

    @app.post("/_sandbox/jesignexpert/clock")
    def _clock() -> Any:
        """Move the sandbox's clock forward (``{"days": 16}``): collections past 15 days expire."""
        body = request.get_json(force=True, silent=True) or {}
        with state.lock:
            state.offset += dt.timedelta(days=float(body.get("days", 0)), hours=float(body.get("hours", 0)))
            return jsonify({"now": _iso(state.now())})

    return sandbox


class PageRefusal(Exception):
    """A signer page's refusal: an HTML page with the sentence, and its status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _invite(sandbox: Sandbox, sender: Account, tx: Transaction, person: Participant, *, reminder: bool = False) -> None:
    subject = ("Rappel : " if reminder else "") + f"{sender.name} vous invite à signer : {tx.name}"
    sandbox.outbox.email(
        person.email,
        subject,
        f"Bonjour {person.first_name} {person.last_name},\n\n{sender.name} vous demande de signer « {tx.name} ».\n"
        f"Consulter les documents et signer : {sandbox.public_url(f'/sign/{person.token}')}\n\n"
        "Un code vous sera envoyé par SMS pour confirmer votre identité. Cette demande expire au bout de 15 jours.",
    )


def _complete(sandbox: Sandbox, state: JesignexpertState, tx: Transaction) -> None:
    """Everyone signed: stamp each document, then mail every signer and the sender the signed copy's link."""
    owner = state.accounts[tx.owner]
    for document in tx.documents:
        stamps = []
        for field in document.fields:
            person = next(p for p in tx.participants if p.email == field.signer)
            # JS-06: the office's signature image goes in the boxes its own users sign.
            image = owner.signature_image if person.email == owner.login else None
            stamps.append(Stamp(field, f"{person.first_name} {person.last_name}", person.signed_at or state.now(), image))
        tx.signed[document.id] = stamp_pdf(document.content, stamps, owner.logo)
    tx.state, tx.completed_at = "completed", state.now()
    for person in tx.participants:
        links = "\n".join(f"{d.name} : {sandbox.public_url(f'/signed/{person.token}/{d.id}')}" for d in tx.documents)
        sandbox.outbox.email(person.email, f"Document signé : {tx.name}", f"Voici votre copie du document signé :\n{links}\n")
    sandbox.outbox.email(owner.login, f"Signature terminée : {tx.name}", "Tous les signataires ont signé.")


def _masked(phone: str) -> str:
    """``+33******78``: the page says where the code went without showing the whole number."""
    return phone[:3] + "*" * max(0, len(phone) - 5) + phone[-2:]


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Jesignexpert - {html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _page_sizes(content: bytes) -> list[tuple[float, float]]:
    """Each page's visible size in points, read by liasse's own helper (the one its signing desk uses)."""
    from liasse.signing.placement import page_boxes

    return [(box.width, box.height) for box in page_boxes(content)]


# --- the signed PDF (visible signatures, JS-03, JS-06) ---------------------------------------


@attrs.frozen
class Stamp:
    """One visible signature: the field, who signed and when, and the office's signature image if theirs."""

    field: Field
    signer_name: str
    signed_at: dt.datetime
    image: bytes | None = None


def stamp_pdf(content: bytes, stamps: list[Stamp], logo: bytes | None) -> bytes:
    """``content`` with each stamp drawn in its field (fpdf2 overlay merged with pypdf); other pages copied."""
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    for number, page in enumerate(writer.pages, start=1):
        mine = [s for s in stamps if s.field.page == number]
        if not mine:
            continue
        box = page.cropbox
        overlay = FPDF(unit="pt", format=(float(box.width), float(box.height)))
        overlay.set_auto_page_break(False)
        overlay.add_page()
        for item in mine:
            _draw(overlay, item, logo)
        drawn = PdfReader(io.BytesIO(bytes(overlay.output()))).pages[0]
        page.merge_transformed_page(drawn, Transformation().translate(float(box.left), float(box.bottom)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _draw(pdf: Any, item: Stamp, logo: bytes | None) -> None:
    """A framed box: the logo on the left, "Signé électroniquement par", the name, the date, the image."""
    f = item.field
    pdf.set_draw_color(0, 84, 147)
    pdf.set_line_width(1.0)
    pdf.rect(f.x, f.y, f.width, f.height)
    left = f.x + 3
    if logo is not None:
        side = min(f.height - 6, 40)
        pdf.image(io.BytesIO(logo), x=left, y=f.y + 3, h=side)
        left += side + 4
    size = max(5.0, min(9.0, f.height / 5))
    pdf.set_text_color(0, 84, 147)
    pdf.set_font("helvetica", size=size)
    lines = ("Signé électroniquement par", item.signer_name, f"le {item.signed_at:%d/%m/%Y %H:%M} UTC")
    for index, line in enumerate(lines):
        pdf.set_xy(left, f.y + 3 + index * (size + 2))
        pdf.cell(max(10.0, f.x + f.width - left - 3), size + 1, line[:60])
    if item.image is not None:
        top = f.y + 3 + 3 * (size + 2)
        room = f.y + f.height - top - 2
        if room > 6:
            pdf.image(io.BytesIO(item.image), x=left, y=top, h=room)


def _text_pdf(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    for line in lines:
        pdf.cell(0, 16, line[:110], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

