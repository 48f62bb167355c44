"""A DocSecure look-alike on loopback: the API of ``plugins/docsecure/README.md``, and the contact's pages.

Provider accounts are e-mail and password pairs; every API call authenticates
with HTTP Basic. Contacts, requests and sends belong to one account. The
contact's side is real web pages: the link of the e-mail asks for a six-digit
code sent by SMS (persons) or e-mail (organisations), then takes the upload or
gives the download. Messages go to the kit's outbox.

Control endpoints for tests and the demo (no authentication, as the kit's):

* ``POST /_sandbox/clock {"advance_seconds": N}``: move the sandbox's clock
  forward (the 24-hour reminder rule, code expiry);
* ``POST /_sandbox/limits {"max_file_size": N}``: change the accounts' limit;
* ``POST /_sandbox/site-contacts {…contact, "account": email}``: a contact
  created "on the DocSecure site" (DS-31);
* ``POST /_sandbox/accounts {"email", "password", "company"}``: another
  DocSecure customer account.

``create_sandbox()`` starts with the office's demo account and one contact
created on the site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import io
import itertools
import re
import secrets
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from liasse.sandbox import DemoAccount, Sandbox

if TYPE_CHECKING:
    from flask import Response

DEMO_LOGIN = "etude@fichorga.example"
DEMO_PASSWORD = "demo-docsecure"
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024
DEFAULT_MEDIA_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "application/zip",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/plain",
)
#: First bytes of the types whose content can be checked (DS-34: a disguised file is refused).
MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "application/zip": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/msword": (b"\xd0\xcf\x11\xe0",),
}
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")
CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_TRIES = 3
REMINDER_INTERVAL = dt.timedelta(hours=24)
PARIS = ZoneInfo("Europe/Paris")
CHUNK = 1024 * 1024


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _paris(value: dt.datetime) -> str:
    """``09/10/2023 à 16:29``: how DocSecure writes times to French users."""
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


class Refusal(Exception):
    """An API error: its status, slug, French sentence and extra fields."""

    def __init__(self, status: int, error: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra


# --- objects ---------------------------------------------------------------------


@attrs.define
class ProviderAccount:
    """A DocSecure customer account (an office), shared by its users."""

    email: str
    password: str
    company: str


@attrs.define
class Contact:
    """A person (SMS code) or an organisation (code by e-mail)."""

    id: str
    account: str
    type: str
    first_name: str
    last_name: str
    email: str
    mobile: str | None
    establishment: str | None
    external_ref: str | None
    created_at: dt.datetime
    archived: bool = False

    def to_json(self) -> dict[str, Any]:
        """The README's Contact record."""
        return {
            "id": self.id,
            "type": self.type,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "mobile": self.mobile,
            "establishment": self.establishment,
            "archived": self.archived,
            "external_ref": self.external_ref,
            "created_at": _iso(self.created_at),
        }


@attrs.define
class SendFile:
    """One declared file of a send, and where its bytes landed once uploaded."""

    file_name: str
    media_type: str
    size: int
    sha256: str
    path: Path | None = None


@attrs.define
class Exchange:
    """A request (the contact uploads) or a send (the contact downloads)."""

    id: str
    account: str
    kind: str
    label: str
    contact_id: str
    token: str
    created_at: dt.datetime
    document_type: str | None = None
    state: str = "sent"
    reminded_at: dt.datetime | None = None
    reminder_count: int = 0
    received_at: dt.datetime | None = None
    downloaded_at: dt.datetime | None = None
    file_name: str | None = None
    file_size: int | None = None
    received_path: Path | None = None
    files: list[SendFile] = attrs.field(factory=list)
    sender: dict[str, str] = attrs.field(factory=dict)
    updated_at: dt.datetime | None = None
    seq: int = 0
    timestamped_path: Path | None = None

    def to_json(self, base_url: str) -> dict[str, Any]:
        """The README's Exchange record."""
        return {
            "id": self.id,
            "kind": self.kind,
            "document_type": self.document_type,
            "label": self.label,
            "contact_id": self.contact_id,
            "state": self.state,
            "created_at": _iso(self.created_at),
            "reminded_at": _iso(self.reminded_at),
            "reminder_count": self.reminder_count,
            "received_at": _iso(self.received_at),
            "downloaded_at": _iso(self.downloaded_at),
            "file_name": self.file_name,
            "file_size": self.file_size,
            "files": [
                {
                    "file_name": f.file_name,
                    "media_type": f.media_type,
                    "size": f.size,
                    "sha256": f.sha256,
                    "uploaded": f.path is not None,
                    "upload_url": f"{base_url}/api/v1/sends/{self.id}/files/{n}",
                }
                for n, f in enumerate(self.files)
            ],
            "updated_at": _iso(self.updated_at),
            "seq": self.seq,
        }


@attrs.define
class CodeSession:
    """The code a contact must type on the link's page."""

    code: str
    sent_at: dt.datetime
    tries: int = 0
    verified: bool = False


@attrs.define
class Replay:
    """An ``Idempotency-Key`` already used: what it was used for and the answer given."""

    fingerprint: str
    status: int
    body: Any


# --- state -------------------------------------------------------------------------


class DocSecureState:
    """Everything the fake provider holds, behind one lock (the server is threaded)."""

    def __init__(self, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, ProviderAccount] = {}
        self.contacts: dict[str, Contact] = {}
        self.exchanges: dict[str, Exchange] = {}
        self.sessions: dict[str, CodeSession] = {}
        self.replays: dict[tuple[str, str], Replay] = {}
        self.max_file_size = max_file_size
        self.media_types = frozenset(DEFAULT_MEDIA_TYPES)
        self.clock_offset = dt.timedelta()
        self.files = Path(tempfile.mkdtemp(prefix="docsecure-sandbox-"))
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)

    def now(self) -> dt.datetime:
        """The sandbox's clock: real time plus what tests advanced it by."""
        return dt.datetime.now(dt.UTC) + self.clock_offset

    def new_id(self, prefix: str) -> str:
        """A readable unique id (``ct_12``, ``ex_13``)."""
        return f"{prefix}_{next(self._ids)}"

    def touch(self, exchange: Exchange) -> None:
        """Record a change: the feed returns it after every earlier change."""
        exchange.seq = next(self._seq)
        exchange.updated_at = self.now()

    def authenticate(self, email: str | None, password: str | None) -> ProviderAccount | None:
        """The account these credentials open, compared in constant time."""
        account = self.accounts.get(email or "")
        if account is None or not hmac.compare_digest(account.password.encode(), (password or "").encode()):
            return None
        return account

    def contact(self, account: ProviderAccount, contact_id: str) -> Contact:
        """One contact of the account, or 404."""
        found = self.contacts.get(contact_id)
        if found is None or found.account != account.email:
            raise Refusal(404, "not_found", f"Contact {contact_id} introuvable.")
        return found

    def exchange(self, account: ProviderAccount, exchange_id: str) -> Exchange:
        """One exchange of the account, or 404."""
        found = self.exchanges.get(exchange_id)
        if found is None or found.account != account.email:
            raise Refusal(404, "not_found", f"Échange {exchange_id} introuvable.")
        return found

    def check_declared(self, file_name: str, media_type: str, size: int) -> None:
        """DS-34: size and type, before a byte is sent."""
        if size > self.max_file_size:
            raise Refusal(
                413,
                "file_too_large",
                f"Le fichier « {file_name} » ({size} octets) dépasse la taille maximale de {self.max_file_size} octets.",
                file_name=file_name,
            )
        if media_type not in self.media_types:
            raise Refusal(
                415,
                "unsupported_media_type",
                f"Le type {media_type} du fichier « {file_name} » n'est pas accepté.",
                file_name=file_name,
            )

    def check_content(self, file_name: str, media_type: str, head: bytes) -> None:
        """DS-34: the first bytes must be what the type says; executables never pass."""
        signatures = MAGIC.get(media_type)
        disguised = head.startswith(EXECUTABLE_MAGIC) or (
            signatures is not None and not any(head.startswith(s) for s in signatures)
        )
        if disguised:
            raise Refusal(
                415,
                "unsupported_media_type",
                f"Le contenu du fichier « {file_name} » ne correspond pas à son type ({media_type}) : fichier refusé.",
                file_name=file_name,
            )

    def store_stream(self, chunks: Iterator[bytes], file_name: str, media_type: str) -> tuple[Path, int, str]:
        """Write an upload to disk chunk by chunk, refusing it as soon as it passes the limit."""
        target = self.files / secrets.token_hex(8)
        digest, size, head = hashlib.sha256(), 0, b""
        try:
            with target.open("wb") as out:
                for chunk in chunks:
                    if len(head) < 16:
                        head += chunk[: 16 - len(head)]
                    size += len(chunk)
                    if size > self.max_file_size:
                        raise Refusal(
                            413,
                            "file_too_large",
                            f"Le fichier « {file_name} » dépasse la taille maximale de {self.max_file_size} octets.",
                            file_name=file_name,
                        )
                    digest.update(chunk)
                    out.write(chunk)
            self.check_content(file_name, media_type, head)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target, size, digest.hexdigest()


# --- the application ------------------------------------------------------------------


def create_sandbox(max_file_size: int | None = None) -> Sandbox:
    """A fresh DocSecure sandbox with its demo account and one contact created on the site."""
    from flask import g, jsonify, request

    sandbox = Sandbox("docsecure", "DocSecure")
    state = DocSecureState(max_file_size or DEFAULT_MAX_FILE_SIZE)
    sandbox.app.config["docsecure_state"] = state
    state.accounts[DEMO_LOGIN] = ProviderAccount(DEMO_LOGIN, DEMO_PASSWORD, "Groupe FICHORGA")
    sandbox.user_account = DemoAccount(DEMO_LOGIN, DEMO_PASSWORD, "compte de l'étude / the office's account")
    _site_contact(state, DEMO_LOGIN, "Sophie", "LAURENT", "sophie.laurent@example.fr", "+33612345678")
    app = sandbox.app

    def answer(status: int, body: Any) -> Response:
        response = jsonify(body) if body is not None else app.response_class(status=status)
        response.status_code = status
        return response

    @app.errorhandler(Refusal)
    def _refused(exc: Refusal) -> Response:
        return answer(exc.status, {"error": exc.error, "message": exc.message, **exc.extra})

    @app.before_request
    def _authenticate() -> Response | None:
        if not request.path.startswith("/api/"):
            return None
        auth = request.authorization
        account = state.authenticate(auth.username, auth.password) if auth else None
        if account is None:
            response = answer(401, {"error": "unauthorized", "message": "Identifiants DocSecure invalides."})
            response.headers["WWW-Authenticate"] = 'Basic realm="DocSecure"'
            return response
        g.account = account
        return None

    def idempotent(handler: Callable[[], tuple[int, Any]], body_digest: str | None = None) -> Response:
        """Stripe's semantics: same key and same request → the first answer, without doing it again."""
        key = request.headers.get("Idempotency-Key")
        if not key:
            status, body = handler()
            return answer(status, body)
        digest = body_digest or hashlib.sha256(request.get_data()).hexdigest()
        fingerprint = f"{request.method} {request.path} {digest}"
        slot = (g.account.email, key)
        with state.lock:
            seen = state.replays.get(slot)
            if seen is not None:
                if seen.fingerprint != fingerprint:
                    raise Refusal(
                        422,
                        "idempotency_key_reused",
                        "Cette clé d'idempotence a déjà servi pour une autre requête.",
                    )
                response = answer(seen.status, seen.body)
                response.headers["Idempotent-Replayed"] = "true"
                return response
            status, body = handler()
            state.replays[slot] = Replay(fingerprint, status, body)
        return answer(status, body)

    # --- account ---------------------------------------------------------------

    @app.get("/api/v1/account")
    def account() -> Response:
        current: ProviderAccount = g.account
        limits = {"max_file_size": state.max_file_size, "media_types": sorted(state.media_types)}
        return answer(200, {"email": current.email, "company": current.company, "limits": limits})

    # --- contacts --------------------------------------------------------------

    @app.get("/api/v1/contacts")
    def contacts() -> Response:
        archived = request.args.get("archived", "false")
        linked = request.args.get("linked", "all")
        with state.lock:
            found = [c for c in state.contacts.values() if c.account == g.account.email]
        if archived in ("true", "false"):
            found = [c for c in found if c.archived == (archived == "true")]
        if linked in ("true", "false"):
            found = [c for c in found if (c.external_ref is not None) == (linked == "true")]
        return answer(200, {"contacts": [c.to_json() for c in found]})

    @app.post("/api/v1/contacts")
    def contact_create() -> Response:
        def create() -> tuple[int, Any]:
            fields = _contact_fields(request.get_json(silent=True) or {})
            contact = Contact(id=state.new_id("ct"), account=g.account.email, created_at=state.now(), **fields)
            state.contacts[contact.id] = contact
            return 201, contact.to_json()

        return idempotent(create)

    @app.get("/api/v1/contacts/<contact_id>")
    def contact_get(contact_id: str) -> Response:
        with state.lock:
            return answer(200, state.contact(g.account, contact_id).to_json())

    @app.patch("/api/v1/contacts/<contact_id>")
    def contact_patch(contact_id: str) -> Response:
        def patch() -> tuple[int, Any]:
            contact = state.contact(g.account, contact_id)
            merged = {**contact.to_json(), **(request.get_json(silent=True) or {})}
            for name, value in _contact_fields(merged).items():
                setattr(contact, name, value)
            return 200, contact.to_json()

        return idempotent(patch)

    @app.post("/api/v1/contacts/<contact_id>/<action>")
    def contact_archive(contact_id: str, action: str) -> Response:
        if action not in ("archive", "unarchive"):
            raise Refusal(404, "not_found", f"Action {action} inconnue.")

        def archive() -> tuple[int, Any]:
            contact = state.contact(g.account, contact_id)
            contact.archived = action == "archive"
            return 200, contact.to_json()

        return idempotent(archive)

    @app.delete("/api/v1/contacts/<contact_id>")
    def contact_delete(contact_id: str) -> Response:
        def delete() -> tuple[int, Any]:
            state.contact(g.account, contact_id)
            del state.contacts[contact_id]
            return 204, None

        return idempotent(delete)

    # --- requests and sends -------------------------------------------------------

    def open_exchange(kind: str, body: dict[str, Any], label: str) -> Exchange:
        contact = state.contact(g.account, str(body.get("contact_id", "")))
        # DS-09: an archived contact used again is active again.
        contact.archived = False
        exchange = Exchange(
            id=state.new_id("ex"),
            account=g.account.email,
            kind=kind,
            label=label,
            contact_id=contact.id,
            token=secrets.token_urlsafe(18),
            created_at=state.now(),
            sender={k: str(body[k]) for k in ("sender_first_name", "sender_last_name", "sender_email") if body.get(k)},
        )
        state.exchanges[exchange.id] = exchange
        return exchange

    @app.post("/api/v1/requests")
    def request_create() -> Response:
        def create() -> tuple[int, Any]:
            body = request.get_json(silent=True) or {}
            label = str(body.get("label") or "").strip()
            if not label:
                raise Refusal(422, "invalid", "Le libellé de la demande est obligatoire.", field="label")
            document_type = body.get("document_type")
            if document_type not in ("rib", "other"):
                raise Refusal(422, "invalid", "Le type de document doit être « rib » ou « other ».", field="document_type")
            exchange = open_exchange("request", body, label)
            exchange.document_type = document_type
            state.touch(exchange)
            _mail_link(sandbox, state, exchange, reminder=False)
            return 201, exchange.to_json(sandbox.base_url)

        return idempotent(create)

    @app.post("/api/v1/sends")
    def send_create() -> Response:
        def create() -> tuple[int, Any]:
            body = request.get_json(silent=True) or {}
            name = str(body.get("name") or "").strip()
            if not name:
                raise Refusal(422, "invalid", "Le nom de l'envoi est obligatoire.", field="name")
            declared = body.get("files") or []
            if not declared:
                raise Refusal(422, "invalid", "Un envoi contient au moins un fichier.", field="files")
            files = []
            for item in declared:
                file = SendFile(str(item["file_name"]), str(item["media_type"]), int(item["size"]), str(item["sha256"]))
                state.check_declared(file.file_name, file.media_type, file.size)
                files.append(file)
            exchange = open_exchange("send", body, name)
            exchange.files, exchange.state = files, "draft"
            state.touch(exchange)
            return 201, exchange.to_json(sandbox.base_url)

        return idempotent(create)

    @app.post("/api/v1/sends/<exchange_id>/files/<int:position>")
    def send_upload_form(exchange_id: str, position: int) -> Response:
        """The same upload as a browser form would send it (multipart field ``file``, as ``curl -F``)."""
        upload = request.files.get("file")
        if upload is None:
            raise Refusal(422, "invalid", "Champ « file » manquant.", field="file")
        return receive_file(exchange_id, position, upload.stream)

    @app.put("/api/v1/sends/<exchange_id>/files/<int:position>")
    def send_upload(exchange_id: str, position: int) -> Response:
        return receive_file(exchange_id, position, request.stream)

    def receive_file(exchange_id: str, position: int, stream: Any) -> Response:
        with state.lock:
            exchange = state.exchange(g.account, exchange_id)
            if exchange.kind != "send" or not 0 <= position < len(exchange.files):
                raise Refusal(404, "not_found", f"Fichier {position} introuvable dans l'envoi {exchange_id}.")
            declared = exchange.files[position]
        # Outside the lock: a 1 GB upload must not stop the rest of the sandbox.
        path, size, digest = state.store_stream(_chunks(stream), declared.file_name, declared.media_type)
        if size != declared.size or digest != declared.sha256:
            path.unlink(missing_ok=True)
            raise Refusal(
                422,
                "invalid",
                f"Le fichier « {declared.file_name} » reçu ({size} octets) ne correspond pas au fichier annoncé.",
                field="files",
            )

        def attach() -> tuple[int, Any]:
            if declared.path is not None:
                declared.path.unlink(missing_ok=True)
            declared.path = path
            return 204, None

        return idempotent(attach, body_digest=digest)

    @app.post("/api/v1/sends/<exchange_id>/submit")
    def send_submit(exchange_id: str) -> Response:
        def submit() -> tuple[int, Any]:
            exchange = state.exchange(g.account, exchange_id)
            missing = [f.file_name for f in exchange.files if f.path is None]
            if missing:
                raise Refusal(409, "incomplete_send", f"Fichiers non reçus : {', '.join(missing)}.")
            if exchange.state == "draft":
                exchange.state = "sent"
                exchange.file_name = exchange.files[0].file_name if len(exchange.files) == 1 else exchange.label
                exchange.file_size = sum(f.size for f in exchange.files)
                state.touch(exchange)
                _mail_link(sandbox, state, exchange, reminder=False)
            return 200, exchange.to_json(sandbox.base_url)

        return idempotent(submit)

    # --- following ---------------------------------------------------------------------

    @app.get("/api/v1/exchanges")
    def exchanges() -> Response:
        try:
            after = int(request.args.get("cursor") or 0)
            limit = min(max(int(request.args.get("limit") or 100), 1), 500)
        except ValueError:
            raise Refusal(422, "invalid", "cursor et limit sont des nombres entiers.", field="cursor") from None
        with state.lock:
            changed = sorted(
                (e for e in state.exchanges.values() if e.account == g.account.email and e.seq > after),
                key=lambda e: e.seq,
            )
            page = changed[:limit]
            body = {
                "exchanges": [e.to_json(sandbox.base_url) for e in page],
                "cursor": str(page[-1].seq) if page else (request.args.get("cursor") or None),
                "has_more": len(changed) > limit,
            }
        return answer(200, body)

    @app.get("/api/v1/exchanges/<exchange_id>")
    def exchange_get(exchange_id: str) -> Response:
        with state.lock:
            return answer(200, state.exchange(g.account, exchange_id).to_json(sandbox.base_url))

    @app.post("/api/v1/exchanges/<exchange_id>/reminders")
    def remind(exchange_id: str) -> Response:
        def send_reminder() -> tuple[int, Any]:
            exchange = state.exchange(g.account, exchange_id)
            channel = (request.get_json(silent=True) or {}).get("channel")
            if channel not in ("mail", "mail_sms"):
                raise Refusal(422, "invalid", "Le canal de relance doit être « mail » ou « mail_sms ».", field="channel")
            if exchange.state not in ("sent", "reminded"):
                raise Refusal(409, "invalid_state", f"L'échange est « {exchange.state} » : il ne peut plus être relancé.")
            contact = state.contacts.get(exchange.contact_id)
            if channel == "mail_sms" and (contact is None or not contact.mobile):
                raise Refusal(422, "invalid", "Ce contact n'a pas de portable : relance par e-mail seulement.", field="channel")
            now = state.now()
            if exchange.reminded_at is not None and now < exchange.reminded_at + REMINDER_INTERVAL:
                allowed = exchange.reminded_at + REMINDER_INTERVAL
                raise Refusal(
                    409,
                    "reminder_too_soon",
                    f"Une relance a déjà été envoyée le {_paris(exchange.reminded_at)} ; "
                    f"la prochaine est possible à partir du {_paris(allowed)}.",
                    last_reminded_at=_iso(exchange.reminded_at),
                    next_allowed_at=_iso(allowed),
                )
            exchange.state, exchange.reminded_at = "reminded", now
            exchange.reminder_count += 1
            state.touch(exchange)
            _mail_link(sandbox, state, exchange, reminder=True)
            if channel == "mail_sms" and contact is not None and contact.mobile:
                sandbox.outbox.sms(contact.mobile, f"DocSecure : {g.account.company} attend votre réponse. Consultez l'e-mail reçu.")
            return 201, {"exchange_id": exchange.id, "reminded_at": _iso(now)}

        return idempotent(send_reminder)

    @app.get("/api/v1/exchanges/<exchange_id>/document")
    def document(exchange_id: str) -> Response:
        from flask import send_file

        version = request.args.get("version", "original")
        with state.lock:
            exchange = state.exchange(g.account, exchange_id)
            if exchange.received_path is None or exchange.received_at is None or exchange.file_name is None:
                raise Refusal(404, "not_found", "Aucun document reçu pour cet échange.")
            path, name = exchange.received_path, exchange.file_name
            if version == "timestamped":
                path = _timestamped(state, exchange)
        response = send_file(path, as_attachment=True, download_name=name, mimetype=_media_type_of(name))
        response.headers["X-DocSecure-Received-At"] = _iso(exchange.received_at) or ""
        return response

    @app.get("/api/v1/exchanges/<exchange_id>/attestation")
    def attestation(exchange_id: str) -> Response:
        with state.lock:
            exchange = state.exchange(g.account, exchange_id)
            contact = state.contacts.get(exchange.contact_id)
            content = _attestation_pdf(exchange, contact, g.account, state.now())
        response = app.response_class(content, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="attestation_{exchange.id}.pdf"'
        return response

    # --- the contact's pages ----------------------------------------------------------------

    def recipient(token: str) -> tuple[Exchange, Contact]:
        with state.lock:
            for exchange in state.exchanges.values():
                if hmac.compare_digest(exchange.token, token) and exchange.state != "draft":
                    contact = state.contacts.get(exchange.contact_id)
                    if contact is not None:
                        return exchange, contact
        raise Refusal(404, "not_found", "Ce lien DocSecure n'existe pas ou n'est plus valable.")

    def page(title: str, body: str, status: int = 200) -> Response:
        markup = (
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
            f"<title>DocSecure - {html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>"
        )
        return app.response_class(markup, status=status, mimetype="text/html")

    def code_form(token: str, note: str = "") -> str:
        return (
            f"<p>{note}</p><form method='post' action='/r/{token}'>"
            "<label>Code reçu <input name='code' inputmode='numeric' autocomplete='one-time-code'></label>"
            "<button>Valider</button></form>"
        )

    def after_code(exchange: Exchange, token: str) -> Response:
        if exchange.kind == "request":
            return page(
                exchange.label,
                f"<form method='post' action='/r/{token}/upload' enctype='multipart/form-data'>"
                "<input type='file' name='document'><button>Déposer le document</button></form>",
            )
        return page(exchange.label, f"<p><a href='/r/{token}/download'>Télécharger les documents</a></p>")

    @app.get("/r/<token>")
    def link(token: str) -> Response:
        try:
            exchange, contact = recipient(token)
        except Refusal as exc:
            return page("Lien invalide", f"<p>{html.escape(exc.message)}</p>", 404)
        with state.lock:
            session = state.sessions.get(token)
            if session is not None and session.verified:
                return after_code(exchange, token)
            if session is None or state.now() > session.sent_at + CODE_LIFETIME or session.tries >= CODE_TRIES:
                if session is not None and session.tries >= CODE_TRIES:
                    return page("Accès bloqué", "<p>Trop d'essais. Demandez un nouveau lien à l'étude.</p>", 403)
                session = CodeSession(code=f"{secrets.randbelow(10**6):06d}", sent_at=state.now())
                state.sessions[token] = session
                _send_code(sandbox, contact, session.code)
        where = "par SMS" if contact.mobile else "par e-mail"
        return page(exchange.label, code_form(token, f"Saisissez le code à 6 chiffres reçu {where}."))

    @app.post("/r/<token>")
    def link_code(token: str) -> Response:
        try:
            exchange, _ = recipient(token)
        except Refusal as exc:
            return page("Lien invalide", f"<p>{html.escape(exc.message)}</p>", 404)
        typed = (request.form.get("code") or "").strip()
        with state.lock:
            session = state.sessions.get(token)
            if session is None:
                return page("Code", "<p>Ouvrez d'abord le lien reçu par e-mail.</p>", 400)
            if session.tries >= CODE_TRIES:
                return page("Accès bloqué", "<p>Trop d'essais. Demandez un nouveau lien à l'étude.</p>", 403)
            if state.now() > session.sent_at + CODE_LIFETIME:
                del state.sessions[token]
                return page("Code expiré", "<p>Ce code a expiré : rouvrez le lien pour en recevoir un nouveau.</p>", 410)
            if not hmac.compare_digest(session.code, typed):
                session.tries += 1
                left = CODE_TRIES - session.tries
                return page("Code incorrect", code_form(token, f"Code incorrect. Essais restants : {left}."), 401)
            session.verified = True
        return after_code(exchange, token)

    def verified(token: str) -> Exchange:
        exchange, _ = recipient(token)
        session = state.sessions.get(token)
        if session is None or not session.verified:
            raise Refusal(403, "code_required", "Saisissez d'abord le code reçu.")
        return exchange

    @app.post("/r/<token>/upload")
    def link_upload(token: str) -> Response:
        try:
            exchange = verified(token)
            if exchange.kind != "request":
                raise Refusal(404, "not_found", "Ce lien ne demande pas de document.")
            upload = request.files.get("document")
            if upload is None or not upload.filename:
                raise Refusal(422, "invalid", "Choisissez le document à déposer.", field="document")
            name = Path(upload.filename).name
            media_type = _media_type_of(name)
            state.check_declared(name, media_type, 0)
            path, size, _ = state.store_stream(_chunks(upload.stream), name, media_type)
        except Refusal as exc:
            return page("Dépôt refusé", f"<p>{html.escape(exc.message)}</p>", exc.status)
        with state.lock:
            if exchange.received_path is not None:
                exchange.received_path.unlink(missing_ok=True)
            exchange.received_path, exchange.file_name, exchange.file_size = path, name, size
            exchange.received_at, exchange.state, exchange.timestamped_path = state.now(), "received", None
            state.touch(exchange)
        return page("Document déposé", f"<p>Merci : « {html.escape(name)} » a été transmis à l'étude.</p>", 201)

    @app.get("/r/<token>/download")
    def link_download(token: str) -> Response:
        try:
            exchange = verified(token)
            if exchange.kind != "send":
                raise Refusal(404, "not_found", "Ce lien ne donne pas de document.")
        except Refusal as exc:
            return page("Téléchargement impossible", f"<p>{html.escape(exc.message)}</p>", exc.status)
        content, name, media_type = _bundle(exchange)
        with state.lock:
            if exchange.downloaded_at is None:
                exchange.downloaded_at, exchange.state = state.now(), "downloaded"
                state.touch(exchange)
        response = app.response_class(content, mimetype=media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    # --- control ------------------------------------------------------------------

    @app.post("/_sandbox/clock")
    def clock() -> Response:
        seconds = float((request.get_json(silent=True) or {}).get("advance_seconds", 0))
        with state.lock:
            state.clock_offset += dt.timedelta(seconds=seconds)
        return answer(200, {"now": _iso(state.now())})

    @app.post("/_sandbox/limits")
    def limits() -> Response:
        body = request.get_json(silent=True) or {}
        with state.lock:
            if "max_file_size" in body:
                state.max_file_size = int(body["max_file_size"])
            if "media_types" in body:
                state.media_types = frozenset(body["media_types"])
        return answer(200, {"max_file_size": state.max_file_size, "media_types": sorted(state.media_types)})

    @app.post("/_sandbox/accounts")
    def accounts() -> Response:
        body = request.get_json(silent=True) or {}
        created = ProviderAccount(str(body["email"]), str(body["password"]), str(body.get("company", body["email"])))
        with state.lock:
            state.accounts[created.email] = created
        return answer(201, {"email": created.email, "company": created.company})

    @app.post("/_sandbox/site-contacts")
    def site_contacts() -> Response:
        body = dict(request.get_json(silent=True) or {})
        owner = str(body.pop("account", DEMO_LOGIN))
        fields = _contact_fields({**body, "external_ref": None})
        with state.lock:
            contact = Contact(id=state.new_id("ct"), account=owner, created_at=state.now(), **fields)
            state.contacts[contact.id] = contact
        return answer(201, contact.to_json())

    return sandbox


# --- helpers -------------------------------------------------------------------------


def _chunks(stream: Any) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _contact_fields(body: dict[str, Any]) -> dict[str, Any]:
    """A contact's fields checked as DocSecure checks them (422 ``invalid`` naming the field)."""
    kind = body.get("type")
    if kind not in ("person", "organisation"):
        raise Refusal(422, "invalid", "Le type de contact doit être « person » ou « organisation ».", field="type")
    values = {name: (str(body.get(name) or "").strip() or None) for name in ("first_name", "last_name", "email", "mobile", "establishment")}
    required = ["first_name", "last_name", "email"] + (["mobile"] if kind == "person" else ["establishment"])
    for name in required:
        if not values[name]:
            raise Refusal(422, "invalid", f"Le champ {name} est obligatoire.", field=name)
    if "@" not in (values["email"] or ""):
        raise Refusal(422, "invalid", "L'adresse e-mail est invalide.", field="email")
    if kind == "person" and not re.fullmatch(r"\+[1-9]\d{7,14}", values["mobile"] or ""):
        raise Refusal(422, "invalid", "Le portable doit être au format international (+33612345678).", field="mobile")
    if kind == "organisation" and values["mobile"]:
        raise Refusal(422, "invalid", "Une organisation n'a pas de portable : le code part par e-mail.", field="mobile")
    external = body.get("external_ref")
    return {
        "type": kind,
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "email": values["email"],
        "mobile": values["mobile"] if kind == "person" else None,
        "establishment": values["establishment"] if kind == "organisation" else None,
        "external_ref": str(external) if external else None,
    }


def _site_contact(state: DocSecureState, account: str, first: str, last: str, email: str, mobile: str) -> None:
    contact = Contact(
        id=state.new_id("ct"),
        account=account,
        type="person",
        first_name=first,
        last_name=last,
        email=email,
        mobile=mobile,
        establishment=None,
        external_ref=None,
        created_at=state.now(),
    )
    state.contacts[contact.id] = contact


def _mail_link(sandbox: Sandbox, state: DocSecureState, exchange: Exchange, *, reminder: bool) -> None:
    """The e-mail with the link: what the contact receives for a request, a send or a reminder."""
    contact = state.contacts[exchange.contact_id]
    company = state.accounts[exchange.account].company
    what = "vous demande un document" if exchange.kind == "request" else "vous transmet des documents"
    subject = f"{'Relance : ' if reminder else ''}{company} {what} : {exchange.label}"
    body = (
        f"Bonjour {contact.first_name} {contact.last_name},\n\n"
        f"{company} {what} via DocSecure : « {exchange.label} ».\n"
        f"Ouvrez ce lien sécurisé : {sandbox.public_url(f'/r/{exchange.token}')}\n"
        f"Un code vous sera envoyé {'par SMS' if contact.mobile else 'par e-mail'} pour confirmer votre identité.\n"
    )
    sandbox.outbox.email(contact.email, subject, body)


def _send_code(sandbox: Sandbox, contact: Contact, code: str) -> None:
    text = f"Votre code DocSecure : {code}. Il est valable 10 minutes."
    if contact.mobile:
        sandbox.outbox.sms(contact.mobile, text)
    else:
        sandbox.outbox.email(contact.email, "Votre code DocSecure", text)


def _media_type_of(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


def _bundle(exchange: Exchange) -> tuple[bytes, str, str]:
    """DS-17: one PDF when every part is a PDF, else a zip, named after the send."""
    stem = re.sub(r"[^\w\- ]+", "_", exchange.label).strip() or "documents"
    parts = [(f.file_name, f.media_type, f.path) for f in exchange.files if f.path is not None]
    if len(parts) == 1:
        name, media_type, path = parts[0]
        return path.read_bytes(), name, media_type
    if all(media_type == "application/pdf" for _, media_type, _ in parts):
        from pypdf import PdfWriter

        writer = PdfWriter()
        for _, _, path in parts:
            writer.append(str(path))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue(), f"{stem}.pdf", "application/pdf"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, _, path in parts:
            archive.write(path, arcname=name)
    return out.getvalue(), f"{stem}.zip", "application/zip"


def _timestamped(state: DocSecureState, exchange: Exchange) -> Path:
    """The received file with DocSecure's mark, made with liasse's stamping (DS-28)."""
    from liasse.intake.stamp import mark_text, stamp_file

    assert exchange.received_path is not None and exchange.received_at is not None and exchange.file_name
    if exchange.timestamped_path is None:
        dest = state.files / f"{exchange.received_path.name}-horodate"
        text = mark_text("DocSecure", exchange.received_at, "Europe/Paris")
        try:
            stamp_file(exchange.received_path, dest, text, media_type=_media_type_of(exchange.file_name))
        except Exception as exc:  # noqa: BLE001 - a document that cannot carry the mark has no such version
            raise Refusal(404, "not_found", f"Version horodatée indisponible : {exc}") from None
        exchange.timestamped_path = dest
    return exchange.timestamped_path


def _attestation_pdf(exchange: Exchange, contact: Contact | None, account: ProviderAccount, now: dt.datetime) -> bytes:
    """DS-29: every field of DocSecure's attestation of a request or a send."""
    from fpdf import FPDF

    states = {"sent": "Envoyé", "reminded": "Relancé", "received": "Document reçu", "downloaded": "Téléchargé", "draft": "Brouillon"}
    available = exchange.received_at or exchange.downloaded_at
    kind = "demande de document" if exchange.kind == "request" else "envoi de document"
    lines = [
        ("Édité le", _paris(now)),
        ("Document", exchange.label),
        ("Statut", states.get(exchange.state, exchange.state)),
        ("Date de la demande" if exchange.kind == "request" else "Date de l'envoi", _paris(exchange.created_at)),
        ("Date de mise à disposition", _paris(available) if available else "-"),
        ("Destinataire - Nom", contact.last_name if contact else "-"),
        ("Destinataire - Prénom", contact.first_name if contact else "-"),
        ("Destinataire - E-mail", contact.email if contact else "-"),
        ("Destinataire - Téléphone", (contact.mobile or "-") if contact else "-"),
        ("Expéditeur - Nom", exchange.sender.get("sender_last_name", "-")),
        ("Expéditeur - Prénom", exchange.sender.get("sender_first_name", "-")),
        ("Expéditeur - E-mail", exchange.sender.get("sender_email", account.email)),
        ("Expéditeur - Société", account.company),
        ("Nom du fichier", exchange.file_name or "-"),
        ("Taille du fichier", f"{exchange.file_size} octets" if exchange.file_size is not None else "-"),
    ]
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, f"Attestation de {kind}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, f"DocSecure - référence {exchange.id}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for label, value in lines:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(60, 7, f"{label} :")
        pdf.set_font("Helvetica", size=10)
        pdf.cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def remove_files(sandbox: Sandbox) -> None:
    """Delete what the sandbox stored on disk (tests and benchmarks call it when done)."""
    state = sandbox.app.config.get("docsecure_state")
    if isinstance(state, DocSecureState):
        shutil.rmtree(state.files, ignore_errors=True)

