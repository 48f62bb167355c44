"""A JurisZone look-alike on loopback: the API of ``plugins/juriszone/README.md``.

An office registers an *entity* and receives two keys; every API call
carries both (``X-JurisZone-Entity`` and ``Authorization: Bearer``).
``create_sandbox()`` starts with one demo entity, whose keys
``liasse sandbox juriszone`` prints.

All the fake provider holds lives in :class:`JurisZoneState`; routes only
translate HTTP to its methods, and its refusals (:class:`ApiError`) to
JurisZone's error body ``{"error": <code>, "message": <text>}``. It holds
files (dossiers) with their parties, documents (on disk, streamed in and
out), shares with their recipients, the recipients' accounts, and an event
feed that webhooks mirror. The recipients' side is real HTML pages under
``/zone/``, reached from the links of the e-mails in the kit's outbox.

Test hooks beside the kit's outbox and faults:

* ``GET /_sandbox/clock``, ``POST /_sandbox/clock {"advance_seconds": N}``:
  read or move the sandbox's clock (shares expire at the end of their day);
* ``GET /_sandbox/webhook-deliveries``: what the webhook sender sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import itertools
import os
import secrets
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import attrs

from liasse.files import claimed_type, name_problem, sniffed_type
from liasse.sandbox import DemoAccount, Sandbox
from liasse.sandbox.webhooks import mount_webhook_sender

#: The provider's side of the API defines its own header name: the sandbox never imports the client.
ENTITY_HEADER = "X-JurisZone-Entity"
DEMO_ENTITY_ID = "ent_fichorga"
DEMO_ENTITY_KEY = "jz-entity-fichorga-demo"
DEMO_API_KEY = "jz-api-demo-4f1c9e27b8"
#: What the sandbox accepts a document up to; ``create_sandbox(max_document_size=)`` changes it (benchmarks).
DEFAULT_MAX_DOCUMENT_SIZE = 100 * 1024 * 1024
#: The types a zone holds: a notarial file's (PDF, Office, OpenDocument, scans and photos).
MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "image/jpeg",
        "image/png",
        "image/tiff",
    }
)
#: Office formats that are zip (OOXML, ODF) or OLE containers: their first bytes show the container.
_CONTAINERS: dict[str, frozenset[str]] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": frozenset({"application/zip"}),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": frozenset({"application/zip"}),
    "application/vnd.oasis.opendocument.text": frozenset({"application/zip"}),
    "application/vnd.oasis.opendocument.spreadsheet": frozenset({"application/zip"}),
    "application/msword": frozenset({"application/x-ole-storage", "application/vnd.ms-excel"}),
    "application/vnd.ms-excel": frozenset({"application/x-ole-storage", "application/msword"}),
}
#: Events of the feed, as the README lists them.
EVENT_TYPES = (
    "share.created",
    "recipient.activated",
    "document.downloaded",
    "document.added",
    "document.modified",
    "share.completed",
    "share.expired",
    "share.closed",
)
PAGE_LIMIT = 100
CHUNK = 1024 * 1024


@attrs.define
class Entity:
    """An office registered at JurisZone, with the two keys it received."""

    id: str
    name: str
    email: str
    entity_key: str = attrs.field(repr=False)
    api_key: str = attrs.field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """The entity as ``GET /api/v1/entity`` shows it: never its keys."""
        return {"id": self.id, "name": self.name, "email": self.email}


class ApiError(Exception):
    """A refusal the way JurisZone words it: a status, a stable code, a French sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message


@attrs.define
class Party:
    """An *intervenant* of a file: a company or a person, always with an e-mail (JZ-02)."""

    ref: str
    kind: str
    name: str
    email: str

    def to_json(self) -> dict[str, Any]:
        """The party as the API shows it."""
        return {"ref": self.ref, "kind": self.kind, "name": self.name, "email": self.email}


@attrs.define
class ZoneFile:
    """A file (dossier) exported by an entity: its number, description and parties."""

    entity_id: str
    number: str
    description: str
    parties: dict[str, Party]
    created_at: dt.datetime
    updated_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        """The file as the API shows it."""
        return {
            "number": self.number,
            "description": self.description,
            "parties": [p.to_json() for p in self.parties.values()],
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }


@attrs.define
class Document:
    """A document of a file, on the sandbox's disk; ``added_by`` names the party who returned or added it."""

    id: str
    entity_id: str
    file_number: str
    name: str
    size: int
    sha256: str
    media_type: str
    path: Path = attrs.field(repr=False)
    uploaded_at: dt.datetime
    added_by: str | None = None
    #: The document this one replaces (a recipient with "may modify" returned it changed).
    replaces: str | None = None
    share_id: str | None = None
    idempotency_key: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The document as the API shows it (never its path)."""
        return {
            "id": self.id,
            "file_number": self.file_number,
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "uploaded_at": _iso(self.uploaded_at),
            "added_by": self.added_by,
            "replaces": self.replaces,
            "share_id": self.share_id,
        }


@attrs.define
class Recipient:
    """One party a share is for, with its flags and where its onboarding stands."""

    party: Party
    may_modify: bool
    notify: bool
    #: The link of the access e-mail and of the zone's pages: one per recipient and share.
    token: str = attrs.field(repr=False)
    opened_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None

    def to_json(self, account: RecipientAccount | None) -> dict[str, Any]:
        """The recipient as ``GET /shares/{id}`` shows it (never its token)."""
        return {
            "party": self.party.ref,
            "name": self.party.name,
            "email": self.party.email,
            "may_modify": self.may_modify,
            "notify": self.notify,
            "activated_at": _iso(account.activated_at) if account and account.activated_at else None,
            "opened_at": _iso(self.opened_at) if self.opened_at else None,
            "completed_at": _iso(self.completed_at) if self.completed_at else None,
        }


@attrs.define
class RecipientAccount:
    """A recipient's JurisZone account: created by a first share, activated by setting a password."""

    email: str
    activation_token: str = attrs.field(repr=False)
    password_hash: str | None = attrs.field(default=None, repr=False)
    activated_at: dt.datetime | None = None
    #: Shares whose access e-mail waits for the activation.
    waiting: list[str] = attrs.Factory(list)


@attrs.define
class Share:
    """Selected documents of a file shared with some of its parties until an expiry date (JZ-04)."""

    id: str
    entity_id: str
    file_number: str
    title: str
    expires_on: dt.date
    documents: list[str]
    recipients: dict[str, Recipient]
    comment: str
    notify_sender: bool
    created_at: dt.datetime
    state: str = "active"
    idempotency_key: str | None = None
    closed_at: dt.datetime | None = None

    def to_json(self, accounts: dict[str, RecipientAccount]) -> dict[str, Any]:
        """The share as the API shows it."""
        return {
            "id": self.id,
            "file_number": self.file_number,
            "title": self.title,
            "expires_on": self.expires_on.isoformat(),
            "documents": list(self.documents),
            "recipients": [r.to_json(accounts.get(r.party.email.lower())) for r in self.recipients.values()],
            "comment": self.comment,
            "notify_sender": self.notify_sender,
            "state": self.state,
            "created_at": _iso(self.created_at),
            "closed_at": _iso(self.closed_at) if self.closed_at else None,
        }


@attrs.frozen
class Event:
    """One change, in the feed and in a webhook."""

    seq: int
    entity_id: str
    type: str
    share_id: str | None
    at: dt.datetime
    document_id: str | None = None
    party: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The event as the feed and the webhooks carry it."""
        return {
            "id": f"evt_{self.seq}",
            "seq": self.seq,
            "type": self.type,
            "share_id": self.share_id,
            "document_id": self.document_id,
            "party": self.party,
            "at": _iso(self.at),
        }


class ZoneRefusal(Exception):
    """A recipient's page that says no (expired share, read-only share, bad password): HTML, not JSON."""

    def __init__(self, status: int, title: str, sentence: str) -> None:
        super().__init__(f"{status} {title}")
        self.status = status
        self.title = title
        self.sentence = sentence


class JurisZoneState:
    """Everything the fake provider holds, behind one lock."""

    def __init__(self, max_document_size: int = DEFAULT_MAX_DOCUMENT_SIZE) -> None:
        self.lock = threading.RLock()
        self.entities: dict[str, Entity] = {}
        self.files: dict[tuple[str, str], ZoneFile] = {}
        self.documents: dict[str, Document] = {}
        self.shares: dict[str, Share] = {}
        self.accounts: dict[str, RecipientAccount] = {}
        #: Browser sessions of recipients who logged in: session token -> e-mail.
        self.sessions: dict[str, str] = {}
        self.events: list[Event] = []
        self.max_document_size = max_document_size
        self.clock_offset = dt.timedelta()
        self.storage = Path(tempfile.mkdtemp(prefix="juriszone-sandbox-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.storage, True)
        self._ids = itertools.count(1)
        #: Called for every event, under the lock: the webhooks' trigger (queue only, no I/O).
        self.on_event: Callable[[Event], None] | None = None
        #: Called for every e-mail: the kit's outbox.
        self.send_email: Callable[[str, str, str], None] = lambda to, subject, body: None
        #: Builds an absolute link for e-mails.
        self.link: Callable[[str], str] = lambda path: path

    # --- entities and keys -------------------------------------------------------

    def add_entity(self, entity: Entity) -> Entity:
        """Register an office, as JurisZone does at sign-up."""
        self.entities[entity.id] = entity
        return entity

    def authenticate(self, entity_key: str, api_key: str) -> Entity:
        """The entity both keys open; an empty key and a wrong key are told apart.

        Every entity's keys are compared, both of them, in constant time, so
        neither the timing nor the answer tells which key was wrong.
        """
        if not entity_key:
            raise ApiError(401, "missing_entity_key", f"Clé d'entité absente : envoyez-la dans l'en-tête {ENTITY_HEADER}.")
        if not api_key:
            raise ApiError(401, "missing_api_key", "Clé d'API absente : envoyez-la dans l'en-tête Authorization: Bearer.")
        found: Entity | None = None
        for entity in self.entities.values():
            entity_ok = hmac.compare_digest(entity.entity_key.encode(), entity_key.encode())
            api_ok = hmac.compare_digest(entity.api_key.encode(), api_key.encode())
            if entity_ok & api_ok:
                found = entity
        if found is None:
            raise ApiError(401, "invalid_keys", "Clé d'entité ou clé d'API invalide.")
        return found

    # --- clock, ids, events --------------------------------------------------------

    def now(self) -> dt.datetime:
        """The sandbox's clock: real UTC time plus what tests advanced it by."""
        return dt.datetime.now(dt.UTC) + self.clock_offset

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock forward by ``seconds``; shares past their day expire now."""
        with self.lock:
            self.clock_offset += dt.timedelta(seconds=seconds)
            self.expire_due()
            return self.now()

    def new_id(self, prefix: str) -> str:
        """A readable unique id (``doc_12``, ``shr_13``)."""
        with self.lock:
            return f"{prefix}_{next(self._ids)}"

    def emit(self, entity_id: str, kind: str, share_id: str | None, *, document_id: str | None = None, party: str | None = None) -> Event:
        """Append an event to the feed and hand it to the webhooks."""
        with self.lock:
            event = Event(len(self.events) + 1, entity_id, kind, share_id, self.now(), document_id, party)
            self.events.append(event)
            if self.on_event is not None:
                self.on_event(event)
            return event

    def events_after(self, entity_id: str, after: int, limit: int) -> tuple[list[Event], bool]:
        """The entity's events after sequence ``after``, oldest first, at most ``limit``; and whether more wait."""
        with self.lock:
            self.expire_due()
            mine = [e for e in self.events if e.entity_id == entity_id and e.seq > after]
            return mine[:limit], len(mine) > limit

    def expire_due(self) -> None:
        """Close every active share whose expiry day is over (JZ-08): its links then show the expiry page."""
        with self.lock:
            today = self.now().date()
            for share in self.shares.values():
                # A completed share stays readable until its day is over, like an active one.
                if share.state in ("active", "completed") and share.expires_on < today:
                    share.state, share.closed_at = "expired", self.now()
                    self.emit(share.entity_id, "share.expired", share.id)

    # --- files and parties (JZ-02) ---------------------------------------------------

    def put_file(self, entity: Entity, number: str, body: dict[str, Any]) -> tuple[ZoneFile, bool]:
        """Create or update a file with its parties; every party needs an e-mail, else nothing is stored."""
        description = body.get("description")
        if not isinstance(description, str) or not description.strip():
            raise ApiError(422, "validation_failed", "La description du dossier est obligatoire.")
        raw_parties = body.get("parties")
        if not isinstance(raw_parties, list):
            raise ApiError(422, "validation_failed", "« parties » doit être une liste d'intervenants.")
        parties: dict[str, Party] = {}
        for raw in raw_parties:
            if not isinstance(raw, dict):
                raise ApiError(422, "validation_failed", "Chaque intervenant est un objet {ref, kind, name, email}.")
            ref, kind, name, email = (str(raw.get(k) or "").strip() for k in ("ref", "kind", "name", "email"))
            if not ref or not name or kind not in ("company", "person"):
                raise ApiError(422, "validation_failed", "Chaque intervenant a une référence, un nom et un genre (company ou person).")
            if "@" not in email:
                raise ApiError(422, "party_without_email", f"L'intervenant « {name} » n'a pas d'adresse courriel : il ne peut pas être transféré.")
            parties[ref] = Party(ref, kind, name, email)
        with self.lock:
            key = (entity.id, number)
            existing = self.files.get(key)
            now = self.now()
            if existing is None:
                self.files[key] = ZoneFile(entity.id, number, description.strip(), parties, now, now)
                return self.files[key], True
            existing.description, existing.parties, existing.updated_at = description.strip(), parties, now
            return existing, False

    def file(self, entity: Entity, number: str) -> ZoneFile:
        """One of the entity's files, or 404."""
        with self.lock:
            found = self.files.get((entity.id, number))
        if found is None:
            raise ApiError(404, "not_found", f"Aucun dossier n° {number} n'a été exporté vers JurisZone.")
        return found

    # --- documents (JZ-03, JZ-06) ------------------------------------------------------

    def store_document(
        self,
        entity_id: str,
        file_number: str,
        name: str,
        stream: IO[bytes],
        *,
        added_by: str | None = None,
        replaces: str | None = None,
        share_id: str | None = None,
        key: str | None = None,
    ) -> Document:
        """Copy an uploaded document to disk, hashing it on the way; refuse a too large or disguised one."""
        problem = name_problem(name)
        if problem is not None:
            raise ApiError(422, "invalid_name", f"Nom de document refusé : {problem[0]}.")
        claimed = claimed_type(name)
        if claimed not in MEDIA_TYPES:
            raise ApiError(415, "unsupported_media_type", f"Le type du document « {name} » ({claimed}) n'est pas accepté par JurisZone.")
        doc_id = self.new_id("doc")
        path = self.storage / doc_id
        digest = hashlib.sha256()
        size = 0
        spooled = getattr(stream, "name", None)
        if isinstance(spooled, str) and Path(spooled).parent == self.storage:
            # The form parser already wrote the upload into the storage (``ZoneRequest``): hash it, keep it.
            stream.close()
            os.replace(spooled, path)
            with path.open("rb") as written:
                while chunk := written.read(CHUNK):
                    size += len(chunk)
                    digest.update(chunk)
        else:
            with path.open("wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_document_size:
                        break
                    digest.update(chunk)
                    out.write(chunk)
        if size > self.max_document_size:
            path.unlink(missing_ok=True)
            raise ApiError(413, "file_too_large", f"Le document « {name} » dépasse {self.max_document_size // (1024 * 1024)} Mo.")
        actual = sniffed_type(path)
        if not (actual == claimed or actual in _CONTAINERS.get(claimed, frozenset())):
            path.unlink(missing_ok=True)
            shown = actual or "inconnu"
            raise ApiError(415, "disguised_type", f"Le contenu de « {name} » ({shown}) ne correspond pas à son extension ({claimed}).")
        document = Document(
            doc_id, entity_id, file_number, name, size, digest.hexdigest(), claimed, path, self.now(),
            added_by=added_by, replaces=replaces, share_id=share_id, idempotency_key=key,
        )
        with self.lock:
            self.documents[doc_id] = document
        return document

    def documents_of(self, entity: Entity, number: str, key: str | None = None) -> list[Document]:
        """A file's documents in upload order; with ``key``, those that upload made."""
        self.file(entity, number)
        with self.lock:
            return [
                d for d in self.documents.values()
                if d.entity_id == entity.id and d.file_number == number and (key is None or d.idempotency_key == key)
            ]

    def document(self, entity_id: str, doc_id: str) -> Document:
        """One of the entity's documents, or 404."""
        with self.lock:
            found = self.documents.get(doc_id)
        if found is None or found.entity_id != entity_id:
            raise ApiError(404, "not_found", f"Aucun document n° {doc_id}.")
        return found

    # --- shares (JZ-04 … JZ-08) ----------------------------------------------------------

    def create_share(self, entity: Entity, body: dict[str, Any], key: str | None) -> tuple[Share, bool]:
        """Open a share, or give back the one ``key`` opened; then e-mail the recipients."""
        with self.lock:
            if key:
                for share in self.shares.values():
                    if share.entity_id == entity.id and share.idempotency_key == key:
                        return share, False
            zone_file = self.file(entity, str(body.get("file_number") or ""))
            title = str(body.get("title") or "").strip()
            if not title:
                raise ApiError(422, "validation_failed", "Donnez un titre au partage.")
            try:
                expires_on = dt.date.fromisoformat(str(body.get("expires_on")))
            except ValueError:
                raise ApiError(422, "validation_failed", "La date d'expiration doit être une date AAAA-MM-JJ.") from None
            if expires_on <= self.now().date():
                raise ApiError(422, "expiry_in_past", f"La date d'expiration ({expires_on:%d/%m/%Y}) doit être postérieure à aujourd'hui.")
            documents = [str(d) for d in body.get("documents") or []]
            if not documents:
                raise ApiError(422, "validation_failed", "Sélectionnez au moins un document du dossier à partager.")
            for doc_id in documents:
                doc = self.documents.get(doc_id)
                if doc is None or doc.entity_id != entity.id or doc.file_number != zone_file.number:
                    raise ApiError(422, "unknown_document", f"Le document {doc_id} n'est pas dans le dossier {zone_file.number}.")
            recipients: dict[str, Recipient] = {}
            for raw in body.get("recipients") or []:
                ref = str((raw or {}).get("party") or "")
                party = zone_file.parties.get(ref)
                if party is None:
                    raise ApiError(422, "not_a_party", f"Le destinataire « {ref} » n'est pas un intervenant du dossier {zone_file.number}.")
                recipients[ref] = Recipient(party, bool(raw.get("may_modify")), bool(raw.get("notify", True)), secrets.token_urlsafe(24))
            if not recipients:
                raise ApiError(422, "validation_failed", "Ajoutez au moins un destinataire parmi les intervenants du dossier.")
            share = Share(
                self.new_id("shr"), entity.id, zone_file.number, title, expires_on, documents, recipients,
                str(body.get("comment") or ""), bool(body.get("notify_sender")), self.now(), idempotency_key=key,
            )
            self.shares[share.id] = share
            self.emit(entity.id, "share.created", share.id)
            for recipient in recipients.values():
                self._welcome(entity, share, recipient)
            return share, True

    def _welcome(self, entity: Entity, share: Share, recipient: Recipient) -> None:
        """A new recipient gets the activation e-mail; an activated one gets the access e-mail now."""
        email = recipient.party.email.lower()
        account = self.accounts.get(email)
        if account is None:
            account = RecipientAccount(email, secrets.token_urlsafe(24))
            self.accounts[email] = account
        if account.activated_at is None:
            account.waiting.append(share.id)
            self.send_email(
                recipient.party.email,
                f"Activez votre compte JurisZone - {entity.name}",
                f"Bonjour {recipient.party.name},\n\n{entity.name} partage des documents avec vous dans JurisZone.\n"
                f"Activez votre compte en choisissant un mot de passe :\n{self.link(f'/zone/activate/{account.activation_token}')}\n",
            )
        else:
            self._access_email(entity, share, recipient)

    def _access_email(self, entity: Entity, share: Share, recipient: Recipient) -> None:
        """The e-mail that leads to the documents; the office's comment merged into it when "notify" is ticked."""
        if not recipient.notify:
            return
        comment = f"\nMessage de l'étude :\n{share.comment}\n" if share.comment else ""
        self.send_email(
            recipient.party.email,
            f"Documents partagés : {share.title}",
            f"Bonjour {recipient.party.name},\n\n{entity.name} a partagé des documents avec vous : « {share.title} », "
            f"jusqu'au {share.expires_on:%d/%m/%Y}.\n{comment}\nAccédez à vos documents :\n{self.link(f'/zone/s/{recipient.token}')}\n",
        )

    def share(self, entity: Entity, share_id: str) -> Share:
        """One of the entity's shares, or 404."""
        with self.lock:
            self.expire_due()
            found = self.shares.get(share_id)
        if found is None or found.entity_id != entity.id:
            raise ApiError(404, "not_found", f"Aucun partage n° {share_id}.")
        return found

    def close_share(self, entity: Entity, share_id: str) -> None:
        """End a share before its expiry."""
        with self.lock:
            share = self.share(entity, share_id)
            if share.state == "active":
                share.state, share.closed_at = "closed", self.now()
                self.emit(entity.id, "share.closed", share.id)

    # --- the recipient's side (JZ-05 … JZ-07) ----------------------------------------------

    def activate(self, token: str, password: str) -> RecipientAccount:
        """Set the password of the account ``token`` activates, then send the waiting access e-mails."""
        with self.lock:
            account = next((a for a in self.accounts.values() if hmac.compare_digest(a.activation_token, token)), None)
            if account is None:
                raise ZoneRefusal(404, "Lien inconnu", "Ce lien d'activation n'existe pas. Utilisez le lien du dernier courriel de JurisZone.")
            if account.activated_at is not None:
                raise ZoneRefusal(409, "Compte déjà activé", "Votre compte est déjà activé : ouvrez le lien du courriel d'accès à vos documents.")
            if len(password) < 8:
                raise ZoneRefusal(422, "Mot de passe trop court", "Choisissez un mot de passe d'au moins 8 caractères.")
            from werkzeug.security import generate_password_hash

            account.password_hash = generate_password_hash(password)
            account.activated_at = self.now()
            for share_id in account.waiting:
                share = self.shares[share_id]
                for recipient in share.recipients.values():
                    if recipient.party.email.lower() == account.email:
                        self.emit(share.entity_id, "recipient.activated", share.id, party=recipient.party.ref)
                        self._access_email(self.entities[share.entity_id], share, recipient)
            account.waiting.clear()
            return account

    def recipient_by_token(self, token: str) -> tuple[Share, Recipient]:
        """The share and recipient a zone link opens; an expired or closed share answers its page."""
        with self.lock:
            self.expire_due()
            for share in self.shares.values():
                for recipient in share.recipients.values():
                    if hmac.compare_digest(recipient.token, token):
                        if share.state == "expired":
                            raise ZoneRefusal(
                                410, "Partage expiré",
                                f"Ce partage « {share.title} » a expiré le {share.expires_on:%d/%m/%Y} : ses documents ne sont plus accessibles. "
                                "Demandez à l'étude de vous les partager de nouveau.",
                            )
                        if share.state == "closed":
                            raise ZoneRefusal(410, "Partage clôturé", f"L'étude a clôturé le partage « {share.title} » : ses documents ne sont plus accessibles.")
                        return share, recipient
        raise ZoneRefusal(404, "Lien inconnu", "Ce lien JurisZone n'existe pas. Utilisez le lien du dernier courriel reçu.")

    def login(self, token: str, password: str) -> str:
        """Check the recipient's password; a new browser session token."""
        from werkzeug.security import check_password_hash

        _share, recipient = self.recipient_by_token(token)
        account = self.accounts.get(recipient.party.email.lower())
        if account is None or account.password_hash is None:
            raise ZoneRefusal(403, "Compte à activer", "Activez d'abord votre compte avec le lien du courriel d'activation.")
        if not check_password_hash(account.password_hash, password):
            raise ZoneRefusal(403, "Mot de passe incorrect", "Le mot de passe est incorrect. Réessayez.")
        session = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[session] = account.email
        return session

    def opened(self, token: str, session: str | None) -> tuple[Share, Recipient] | None:
        """The share and recipient if this browser logged in as the link's recipient; None to ask the password."""
        share, recipient = self.recipient_by_token(token)
        with self.lock:
            if session is None or self.sessions.get(session) != recipient.party.email.lower():
                return None
            if recipient.opened_at is None:
                recipient.opened_at = self.now()
        return share, recipient

    def visible_documents(self, share: Share) -> list[Document]:
        """What the zone shows: the shared documents and those its recipients returned or added."""
        with self.lock:
            return [d for d in self.documents.values() if d.id in share.documents or d.share_id == share.id]

    def downloaded(self, share: Share, recipient: Recipient, doc_id: str) -> Document:
        """A document of the zone the recipient downloads (an event for the office)."""
        doc = next((d for d in self.visible_documents(share) if d.id == doc_id), None)
        if doc is None:
            raise ZoneRefusal(404, "Document introuvable", "Ce document ne fait pas partie de ce partage.")
        self.emit(share.entity_id, "document.downloaded", share.id, document_id=doc.id, party=recipient.party.ref)
        return doc

    def returned(self, share: Share, recipient: Recipient, name: str, stream: IO[bytes], replaces: str | None) -> Document:
        """A document a recipient with "may modify" returns (``replaces``) or adds; the sender is told."""
        if not recipient.may_modify:
            raise ZoneRefusal(
                403, "Dépôt non autorisé",
                "Ce partage est en lecture seule pour vous : vous pouvez télécharger les documents, pas en déposer. "
                "Demandez à l'étude l'autorisation de modification.",
            )
        if replaces and replaces not in {d.id for d in self.visible_documents(share)}:
            raise ZoneRefusal(422, "Document introuvable", "Le document à remplacer ne fait pas partie de ce partage.")
        try:
            doc = self.store_document(
                share.entity_id, share.file_number, name, stream, added_by=recipient.party.ref, replaces=replaces or None, share_id=share.id
            )
        except ApiError as exc:
            raise ZoneRefusal(exc.status, "Document refusé", exc.message) from None
        kind = "document.modified" if replaces else "document.added"
        self.emit(share.entity_id, kind, share.id, document_id=doc.id, party=recipient.party.ref)
        entity = self.entities[share.entity_id]
        verb = "a modifié un document" if replaces else "a ajouté un document"
        self.send_email(
            entity.email,
            f"JurisZone : {recipient.party.name} {verb} - {share.title}",
            f"{recipient.party.name} {verb} dans le partage « {share.title} » du dossier {share.file_number} : {doc.name}.\n",
        )
        return doc

    def complete(self, share: Share, recipient: Recipient) -> None:
        """The recipient says they are done; the share completes when all are, and the sender is told if asked (JZ-07)."""
        with self.lock:
            if recipient.completed_at is None:
                recipient.completed_at = self.now()
            if share.state == "active" and all(r.completed_at for r in share.recipients.values()):
                share.state, share.closed_at = "completed", self.now()
                self.emit(share.entity_id, "share.completed", share.id)
                if share.notify_sender:
                    entity = self.entities[share.entity_id]
                    self.send_email(
                        entity.email,
                        f"JurisZone : partage terminé - {share.title}",
                        f"Tous les destinataires du partage « {share.title} » (dossier {share.file_number}) ont terminé.\n",
                    )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; empty when there is none."""
    scheme, _, token = (header or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


#: The recipient's browser session cookie.
SESSION_COOKIE = "jz_session"


def create_sandbox(max_document_size: int = DEFAULT_MAX_DOCUMENT_SIZE) -> Sandbox:
    """A fresh JurisZone sandbox with its demo entity."""
    from flask import Response, g, jsonify, request
    from werkzeug.exceptions import HTTPException

    sandbox = Sandbox("juriszone", "JurisZone")
    state = JurisZoneState(max_document_size)
    sandbox.state = state  # type: ignore[attr-defined]  # for benchmarks and white-box tests of the sandbox itself
    state.add_entity(
        Entity(
            id=DEMO_ENTITY_ID,
            name="Groupe FICHORGA",
            email="etude@fichorga.example",
            entity_key=DEMO_ENTITY_KEY,
            api_key=DEMO_API_KEY,
        )
    )
    sandbox.demo_accounts.append(
        DemoAccount(
            DEMO_ENTITY_KEY,
            DEMO_API_KEY,
            "clé d'entité et clé d'API du Groupe FICHORGA / the office's entity key and API key",
        )
    )
    # The demo office's liasse.toml points its secret references at these.
    sandbox.demo_secrets.update({"entity_key": DEMO_ENTITY_KEY, "api_key": DEMO_API_KEY})
    sandbox.cleanups.append(lambda: shutil.rmtree(state.storage, ignore_errors=True))
    state.send_email = lambda to, subject, body: sandbox.outbox.email(to, subject, body) and None
    state.link = sandbox.public_url
    webhooks = mount_webhook_sender(sandbox)
    # Webhooks mirror the feed: the same event, signed the Standard Webhooks way.
    state.on_event = lambda event: webhooks.emit(event.entity_id, event.type, event.to_json()) and None
    app = sandbox.app

    from flask import Request

    class ZoneRequest(Request):
        """Uploaded files are written once, straight into the sandbox's storage, not spooled to /tmp then copied."""

        def _get_file_stream(
            self, total_content_length: int | None, content_type: str | None, filename: str | None = None,
            content_length: int | None = None,
        ) -> IO[bytes]:
            spooled = tempfile.NamedTemporaryFile("w+b", dir=state.storage, prefix="upload-", delete=False)
            g.setdefault("spooled", []).append(Path(spooled.name))
            return spooled

    app.request_class = ZoneRequest

    @app.teardown_request
    def forget_spooled(_exc: BaseException | None) -> None:
        # An upload refused before it was kept (a wrong key, a disguised sibling) leaves no file behind;
        # a kept one was renamed to its document's id.
        for spooled in g.get("spooled", []):
            spooled.unlink(missing_ok=True)

    def error(status: int, code: str, message: str, **extra: Any) -> Response:
        response = jsonify({"error": code, "message": message, **extra})
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="JurisZone"'
        return response

    def page(title: str, body: str, status: int = 200) -> Response:
        markup = (
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
            f"<title>JurisZone - {html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>"
        )
        return app.response_class(markup, status=status, mimetype="text/html")

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return error(exc.status, exc.code, exc.message)

    @app.errorhandler(ZoneRefusal)
    def zone_refusal(exc: ZoneRefusal) -> Response:
        return page(exc.title, f"<p class='refusal'>{html.escape(exc.sentence)}</p>", exc.status)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        # Unknown paths and methods answer in JurisZone's error shape too.
        codes = {404: "not_found", 405: "method_not_allowed"}
        status = exc.code or 500
        return error(status, codes.get(status, "http_error"), exc.description or exc.name)

    @app.before_request
    def authenticate() -> None:
        """Every API call is made as an entity; later routes read it from ``g.entity``."""
        if request.path.startswith("/api/"):
            entity_key = (request.headers.get(ENTITY_HEADER) or "").strip()
            g.entity = state.authenticate(entity_key, bearer_token(request.headers.get("Authorization")))

    def body() -> dict[str, Any]:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_json", "Le corps de la requête doit être un objet JSON.")
        return data

    @app.get("/api/v1/entity")
    def entity() -> Any:
        current: Entity = g.entity
        return jsonify(current.to_json())

    # --- files (JZ-02) ------------------------------------------------------------

    @app.put("/api/v1/files/<number>")
    def put_file(number: str) -> Any:
        zone_file, created = state.put_file(g.entity, number, body())
        return jsonify(zone_file.to_json()), 201 if created else 200

    @app.get("/api/v1/files/<number>")
    def get_file(number: str) -> Any:
        return jsonify(state.file(g.entity, number).to_json())

    # --- documents (JZ-03) ------------------------------------------------------------

    @app.post("/api/v1/files/<number>/documents")
    def upload(number: str) -> Any:
        state.file(g.entity, number)
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        if key is not None:
            done = state.documents_of(g.entity, number, key)
            if done:
                # The same upload again (a retry after a lost answer): what it stored the first time.
                return jsonify({"documents": [d.to_json() for d in done]}), 201
        uploads = request.files.getlist("file")
        if not uploads:
            raise ApiError(422, "validation_failed", "Joignez au moins un document (champ « file » du formulaire multipart).")
        stored: list[Document] = []
        try:
            for upload_ in uploads:
                stored.append(state.store_document(g.entity.id, number, upload_.filename or "", upload_.stream, key=key))
        except ApiError:
            # One refused document refuses the upload: nothing is half-stored.
            with state.lock:
                for doc in stored:
                    state.documents.pop(doc.id, None)
                    doc.path.unlink(missing_ok=True)
            raise
        return jsonify({"documents": [d.to_json() for d in stored]}), 201

    @app.get("/api/v1/files/<number>/documents")
    def list_documents(number: str) -> Any:
        key = request.args.get("idempotency_key") or None
        return jsonify({"documents": [d.to_json() for d in state.documents_of(g.entity, number, key)]})

    @app.get("/api/v1/documents")
    def documents_by_key() -> Any:
        key = request.args.get("idempotency_key") or ""
        with state.lock:
            found = [d for d in state.documents.values() if d.entity_id == g.entity.id and key and d.idempotency_key == key]
        return jsonify({"documents": [d.to_json() for d in found]})

    @app.get("/api/v1/documents/<doc_id>")
    def get_document(doc_id: str) -> Any:
        return jsonify(state.document(g.entity.id, doc_id).to_json())

    @app.get("/api/v1/documents/<doc_id>/content")
    def document_content(doc_id: str) -> Response:
        return stream_file(state.document(g.entity.id, doc_id))

    def stream_file(doc: Document) -> Response:
        from flask import send_file

        # send_file streams from disk: a 500 MB document never sits in memory.
        return send_file(doc.path, mimetype=doc.media_type, as_attachment=True, download_name=doc.name)

    # --- shares (JZ-04, JZ-08) ------------------------------------------------------------

    @app.post("/api/v1/shares")
    def create_share() -> Any:
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        share, created = state.create_share(g.entity, body(), key)
        return jsonify(share.to_json(state.accounts)), 201 if created else 200

    @app.get("/api/v1/shares")
    def list_shares() -> Any:
        key = request.args.get("idempotency_key") or None
        with state.lock:
            state.expire_due()
            found = [
                s for s in state.shares.values()
                if s.entity_id == g.entity.id and (key is None or s.idempotency_key == key)
            ]
        return jsonify({"shares": [s.to_json(state.accounts) for s in found]})

    @app.get("/api/v1/shares/<share_id>")
    def get_share(share_id: str) -> Any:
        return jsonify(state.share(g.entity, share_id).to_json(state.accounts))

    @app.delete("/api/v1/shares/<share_id>")
    def close_share(share_id: str) -> Any:
        state.close_share(g.entity, share_id)
        return "", 204

    # --- events and webhooks -------------------------------------------------------------

    @app.get("/api/v1/events")
    def events() -> Any:
        try:
            after = int(request.args.get("after") or 0)
            limit = min(max(int(request.args.get("limit") or PAGE_LIMIT), 1), PAGE_LIMIT)
        except ValueError:
            raise ApiError(422, "validation_failed", "« after » et « limit » sont des nombres entiers.") from None
        page_, more = state.events_after(g.entity.id, after, limit)
        cursor = str(page_[-1].seq) if page_ else str(after)
        return jsonify({"events": [e.to_json() for e in page_], "cursor": cursor, "has_more": more})

    @app.post("/api/v1/webhooks")
    def webhook_subscribe() -> Any:
        url = str(body().get("url") or "")
        if not url.startswith(("http://", "https://")) or len(url) > 1024:
            raise ApiError(422, "validation_failed", "L'adresse du webhook doit être une URL http(s) de 1024 caractères au plus.")
        subscription, secret = webhooks.subscribe(g.entity.id, url)
        return jsonify({"id": subscription.id, "url": url, "secret": secret}), 201

    # --- the recipient's pages (JZ-05 … JZ-07) ------------------------------------------------

    @app.get("/zone/activate/<token>")
    def activation_form(token: str) -> Response:
        action = html.escape(f"/zone/activate/{token}")
        return page(
            "Activation de votre compte JurisZone",
            f"<form method='post' action='{action}'><label>Mot de passe <input type='password' name='password'></label>"
            "<button type='submit'>Activer mon compte</button></form>",
        )

    @app.post("/zone/activate/<token>")
    def activation(token: str) -> Response:
        state.activate(token, request.form.get("password", ""))
        return page(
            "Compte activé",
            "<p>Votre compte JurisZone est activé. Un courriel vous donne accès aux documents partagés.</p>",
        )

    def zone_page(token: str, share: Share, recipient: Recipient) -> Response:
        items = "".join(
            f"<li><a class='document' href='/zone/s/{html.escape(token)}/documents/{d.id}'>{html.escape(d.name)}</a> ({d.size} octets)</li>"
            for d in state.visible_documents(share)
        )
        upload = ""
        if recipient.may_modify:
            upload = (
                f"<form method='post' enctype='multipart/form-data' action='/zone/s/{html.escape(token)}/documents'>"
                "<input type='file' name='file'><label>Remplace <input name='replaces'></label>"
                "<button type='submit'>Déposer</button></form>"
            )
        done = f"<form method='post' action='/zone/s/{html.escape(token)}/complete'><button type='submit'>J'ai terminé</button></form>"
        return page(
            share.title,
            f"<p>Partage disponible jusqu'au {share.expires_on:%d/%m/%Y}.</p><ul>{items}</ul>{upload}{done}",
        )

    def login_page(token: str, status: int = 200) -> Response:
        return page(
            "Connexion à JurisZone",
            f"<form method='post' action='/zone/s/{html.escape(token)}/login'>"
            "<label>Mot de passe <input type='password' name='password'></label><button type='submit'>Se connecter</button></form>",
            status,
        )

    def opened_or_login(token: str) -> tuple[Share, Recipient]:
        found = state.opened(token, request.cookies.get(SESSION_COOKIE))
        if found is None:
            raise ZoneRefusal(401, "Connexion requise", "Connectez-vous avec le mot de passe de votre compte JurisZone.")
        return found

    @app.get("/zone/s/<token>")
    def zone(token: str) -> Response:
        found = state.opened(token, request.cookies.get(SESSION_COOKIE))
        if found is None:
            return login_page(token)
        return zone_page(token, *found)

    @app.post("/zone/s/<token>/login")
    def zone_login(token: str) -> Response:
        session = state.login(token, request.form.get("password", ""))
        share, recipient = state.recipient_by_token(token)
        response = zone_page(token, share, recipient)
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="Lax")
        with state.lock:
            recipient.opened_at = recipient.opened_at or state.now()
        return response

    @app.get("/zone/s/<token>/documents/<doc_id>")
    def zone_download(token: str, doc_id: str) -> Response:
        share, recipient = opened_or_login(token)
        return stream_file(state.downloaded(share, recipient, doc_id))

    @app.post("/zone/s/<token>/documents")
    def zone_upload(token: str) -> Response:
        share, recipient = opened_or_login(token)
        upload_ = request.files.get("file")
        if upload_ is None or not upload_.filename:
            raise ZoneRefusal(422, "Aucun document", "Choisissez un document à déposer.")
        doc = state.returned(share, recipient, upload_.filename, upload_.stream, request.form.get("replaces") or None)
        return page("Document déposé", f"<p>« {html.escape(doc.name)} » est déposé ; l'étude en est avertie.</p>", 201)

    @app.post("/zone/s/<token>/complete")
    def zone_complete(token: str) -> Response:
        share, recipient = opened_or_login(token)
        state.complete(share, recipient)
        return page("Merci", "<p>L'étude est avertie que vous avez terminé.</p>")

    # --- test hooks --------------------------------------------------------------------

    @app.get("/_sandbox/clock")
    def clock_get() -> Any:
        return jsonify({"now": _iso(state.now()), "offset_seconds": state.clock_offset.total_seconds()})

    @app.post("/_sandbox/clock")
    def clock() -> Any:
        seconds = (request.get_json(silent=True) or {}).get("advance_seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            return jsonify({"error": "invalid", "message": "advance_seconds doit être un nombre de secondes."}), 400
        now = state.advance(float(seconds))
        return jsonify({"now": _iso(now), "offset_seconds": state.clock_offset.total_seconds()})

    return sandbox


