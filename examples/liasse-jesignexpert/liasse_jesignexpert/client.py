"""The Jesignexpert client: every call the plugin makes goes through here.

Jesignexpert publishes no API; its trust provider Universign does, and this
client follows Universign's REST API where it is known (``README.md`` lists
the assumptions): form-encoded input, multipart for the file upload, JSON
output, HTTP Basic authentication. Each user authenticates with their own
Jesignexpert login and password (JS-01), asked at first use by liasse and
stored encrypted. Refusals come back as ``{"object": "error", "type",
"message"}``; this module turns them into liasse errors, so the hook
implementations only see records and sentences.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liasse.errors import AccessDenied, FieldMissing, FileRefused, NotFound, ProviderError
from liasse.multipart import FilePart, MultipartBody
from liasse.records import (
    OutgoingDocument,
    ProviderContext,
    ReceivedFile,
    ReminderReceipt,
    RemoteExchange,
    RemoteState,
    RemoteStatus,
    SignatureRequestDraft,
    SignerDraft,
    StatusPage,
)
from liasse.secrets import withhold

from liasse_jesignexpert.settings import JesignexpertSettings

if TYPE_CHECKING:
    import requests

    from liasse.http import Download

TITLE = "Jesignexpert"

#: JS-02: "Seuls les documents de moins de 10Mo peuvent être signés sur Jesignexpert."
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: JS-06: the office's images, as the sandbox takes them.
MAX_IMAGE_BYTES = 1024 * 1024
#: The signed PDF: the document plus its visible signatures.
MAX_SIGNED_BYTES = 20 * 1024 * 1024
_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}

#: Universign's transaction states in liasse's common words.
STATES: dict[str, RemoteState] = {
    "draft": RemoteState.OPEN,
    "started": RemoteState.OPEN,
    "paused": RemoteState.OPEN,
    "completed": RemoteState.COMPLETED,
    "cancelled": RemoteState.CANCELLED,
    "expired": RemoteState.EXPIRED,
}
_MAX_DETAIL = 300


class PhoneMandatory(FieldMissing):
    """JS-03: Jesignexpert confirms each signer's identity by an SMS code, so the phone is required."""

    fr = (
        "{what_fr} : le champ « {field_fr} » est obligatoire pour Jesignexpert, qui envoie au signataire "
        "un code par SMS pour confirmer son identité. Renseignez son portable puis validez à nouveau."
    )
    en = (
        "{what_en}: the field '{field_en}' is mandatory for Jesignexpert, which texts the signer a code "
        "to confirm their identity. Fill in their mobile number and submit again."
    )


class JesignexpertClient:
    """Calls Jesignexpert with one user's login and password."""

    def __init__(self, ctx: ProviderContext[JesignexpertSettings]) -> None:
        self._ctx = ctx
        self._http = ctx.http
        # The credentials stay a Secret, revealed per request: no attribute, repr or traceback holds the password.
        self._credentials = ctx.credentials

    def __repr__(self) -> str:
        return f"JesignexpertClient(base_url={self._http.base_url!r}, user={self._ctx.user_login!r})"

    # --- account (JS-01, JS-06) ----------------------------------------------------------

    def account(self) -> dict[str, Any]:
        """``GET /me``: the cheapest authenticated call, and it names the account."""
        body = self._json(self._call("GET", "/me"), "GET /me")
        if not isinstance(body.get("login"), str):
            raise _unexpected("GET /me", "le compte n'a pas de « login »", "the account has no 'login'")
        return body

    def checked_images(self) -> list[tuple[str, Path, str]]:
        """JS-06: the settings' signature image and logo as ``(field, file, media type)``, each checked.

        A missing file, or one that is not a PNG or JPEG under 1 MB, is told
        in words before any call, naming the setting to fix.
        """
        settings = self._ctx.settings
        named = (("signature_image", settings.signature_image_path()), ("logo", settings.logo_path()))
        return [(name, path, _image_type(name, path)) for name, path in named if path is not None]

    def upload_appearance(self, images: list[tuple[str, Path, str]]) -> None:
        """JS-06: the office's images sent to the user's account (``PUT /me/appearance``), streamed from disk."""
        if not images:
            return
        with contextlib.ExitStack() as stack:
            parts = [
                FilePart(name, path.name, stack.enter_context(path.open("rb")), path.stat().st_size, media_type)
                for name, path, media_type in images
            ]
            form = MultipartBody([], parts)
            self._call("PUT", "/me/appearance", data=form, headers={"Content-Type": form.content_type, "Content-Length": str(form.len)})

    # --- transactions (JS-02, JS-03) -------------------------------------------------------

    def request_signature(self, draft: SignatureRequestDraft, key: str) -> RemoteExchange:
        """Check everything, then create the transaction, upload each PDF streamed, add signers and fields, start.

        Jesignexpert takes no idempotency key: the transaction's
        ``external_id`` carries liasse's key. A draft an interrupted call left
        is deleted and made again; a started one is the answer, never sent twice.
        """
        check_draft(draft)
        images = self.checked_images()
        for earlier in self.list_transactions(external_id=key):
            if earlier["state"] == "draft":
                self._call("DELETE", f"/transactions/{earlier['id']}", expect=(204,))
            else:
                return _remote_exchange(earlier)
        self.upload_appearance(images)
        created = self._json(
            self._call("POST", "/transactions", data={"name": draft.name[:255], "language": "fr", "external_id": key}),
            "POST /transactions",
        )
        tx_id = str(created["id"])
        try:
            documents = [self._add_document(tx_id, document) for document in draft.documents]
            for signer in draft.signers:
                self._call(
                    "POST",
                    f"/transactions/{tx_id}/participants",
                    data={
                        "email": signer.email,
                        "first_name": signer.first_name,
                        "last_name": signer.last_name,
                        "phone_number": signer.mobile or "",
                    },
                )
            for signer in draft.signers:
                for field in signer.fields:
                    made = self._json(
                        self._call(
                            "POST",
                            f"/transactions/{tx_id}/documents/{documents[field.document]}/fields",
                            data={
                                "type": "signature",
                                "page": str(field.page),
                                "x": str(field.x),
                                "y": str(field.y),
                                "width": str(field.width),
                                "height": str(field.height),
                            },
                        ),
                        "POST /transactions/{id}/documents/{id}/fields",
                    )
                    self._call("POST", f"/transactions/{tx_id}/signatures", data={"signer": signer.email, "field": str(made["id"])})
        except ProviderError:
            # The half-made draft would only clutter the user's account; removing it is best effort.
            try:
                self._call("DELETE", f"/transactions/{tx_id}", expect=(204,))
            except ProviderError:
                pass
            raise
        started = self._json(self._call("POST", f"/transactions/{tx_id}/start"), "POST /transactions/{id}/start")
        return _remote_exchange(started)

    def _add_document(self, tx_id: str, document: OutgoingDocument) -> str:
        """``POST /files`` (multipart, streamed from disk), then ``POST /transactions/{id}/documents``."""
        with document.path.open("rb") as stream:
            form = MultipartBody([], [FilePart("file", document.file_name, stream, document.size, "application/pdf")])
            uploaded = self._json(
                self._call("POST", "/files", data=form, headers={"Content-Type": form.content_type, "Content-Length": str(form.len)}),
                "POST /files",
            )
        added = self._json(
            self._call("POST", f"/transactions/{tx_id}/documents", data={"document": str(uploaded["id"]), "name": document.file_name}),
            "POST /transactions/{id}/documents",
        )
        return str(added["id"])

    def list_transactions(self, *, external_id: str | None = None, states: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
        """``GET /transactions``, every page, filtered by ``external_id`` and states."""
        params: dict[str, str] = {"per_page": "100", "page": "1"}
        if external_id is not None:
            params["external_id"] = external_id
        wanted = ",".join(states)
        if wanted:
            params["state"] = wanted
        while True:
            page = self._json(self._call("GET", "/transactions", params=params), "GET /transactions")
            yield from page.get("data") or []
            if not page.get("has_more"):
                return
            params["page"] = str(int(params["page"]) + 1)

    def sync_page(self, cursor: str | None) -> StatusPage:
        """One page of the sent transactions' states; the cursor is the next page's number."""
        number = int(cursor) if cursor and cursor.isdigit() else 1
        params = {"per_page": "100", "page": str(number), "state": "started,completed,cancelled,expired"}
        page = self._json(self._call("GET", "/transactions", params=params), "GET /transactions")
        more = bool(page.get("has_more"))
        return StatusPage(
            updates=tuple(_remote_status(item) for item in page.get("data") or []),
            cursor=str(number + 1) if more else None,
            has_more=more,
        )

    def read_transaction(self, remote_id: str) -> dict[str, Any]:
        """``GET /transactions/{id}``."""
        return self._json(self._call("GET", f"/transactions/{remote_id}"), "GET /transactions/{id}")

    def read_status(self, remote_id: str) -> RemoteStatus:
        """The transaction's state in liasse's words (a collection past 15 days reads ``expired``)."""
        return _remote_status(self.read_transaction(remote_id))

    def find_sent(self, key: str) -> RemoteExchange | None:
        """The transaction started under ``key``; None for nothing or a draft an interrupted call left."""
        for item in self.list_transactions(external_id=key):
            if item["state"] != "draft":
                return _remote_exchange(item)
        return None

    def cancel(self, remote_id: str) -> RemoteStatus:
        """``POST /transactions/{id}/cancel``."""
        return _remote_status(self._json(self._call("POST", f"/transactions/{remote_id}/cancel"), "POST /transactions/{id}/cancel"))

    def remind(self, remote_id: str) -> ReminderReceipt:
        """``POST /transactions/{id}/relaunch``: the invitation again to every signer who has not signed."""
        self._call("POST", f"/transactions/{remote_id}/relaunch")
        return ReminderReceipt(remote_id=remote_id, reminded_at=dt.datetime.now(dt.UTC))

    def download_signed(self, remote_id: str, dest_dir: Path) -> ReceivedFile:
        """The signed PDF of the transaction's (first) document, streamed to disk and hashed (JS-04)."""
        tx = self.read_transaction(remote_id)
        documents = tx.get("documents") or []
        if tx.get("state") != "completed" or not documents:
            raise NotFound(what_fr="Document signé", what_en="Signed document", key=remote_id)
        document = documents[0]
        got = self._download(f"/transactions/{remote_id}/documents/{document['id']}/download", dest_dir)
        return got.received(remote_id, str(document.get("name") or f"{remote_id}.pdf"))

    def download_evidence(self, remote_id: str, dest_dir: Path) -> ReceivedFile:
        """The proof file (*dossier de preuve*) of a completed transaction."""
        got = self._download(f"/transactions/{remote_id}/evidence", dest_dir)
        return got.received(remote_id, f"preuve_{remote_id}.pdf")

    # --- plumbing shared by every endpoint ----------------------------------------------------

    def _auth(self) -> tuple[str, str]:
        if self._credentials is None or not self._credentials.secret:
            raise self._refused_login()
        return (self._credentials.login, self._credentials.secret.reveal())

    def _download(self, path: str, dest_dir: Path) -> Download:
        return self._http.download(path, dest_dir, max_bytes=MAX_SIGNED_BYTES, headers={"Accept": "application/pdf"}, auth=self._auth())

    def _call(self, method: str, path: str, *, expect: Iterable[int] = (200,), **kwargs: Any) -> requests.Response:
        """One authenticated request; Jesignexpert's refusals become liasse errors (:meth:`_refusal`)."""
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Accept", "application/json")
        what = f"{method} {path}"
        return self._http.request(
            method, path, headers=headers, auth=self._auth(), expect=expect, refuse=lambda r: self._refusal(r, what), **kwargs
        )

    def _refused_login(self) -> AccessDenied:
        return AccessDenied(title=TITLE, user=self._ctx.user_login)

    def _refusal(self, response: requests.Response, what: str) -> ProviderError:
        """A sentence for a 4xx answer, quoting Jesignexpert's ``message``."""
        status = response.status_code
        if status == 401:
            return self._refused_login()
        secrets = [self._credentials.secret] if self._credentials is not None else []
        detail = withhold(_provider_detail(response), secrets)
        quoted = f" : « {detail} »" if detail else ""
        quoted_en = f": '{detail}'" if detail else ""
        if status == 403:
            return ProviderError(
                title=TITLE,
                detail_fr=f"votre compte n'a pas le droit de faire {what}{quoted}. Vérifiez vos délégations dans Jesignexpert.",
                detail_en=f"your account may not do {what}{quoted_en}. Check your delegations in Jesignexpert.",
            )
        if status == 404:
            return NotFound(what_fr=f"Élément Jesignexpert ({what})", what_en=f"Jesignexpert item ({what})", key="?")
        if status == 413:
            return ProviderError(
                title=TITLE,
                detail_fr=f"le document est trop lourd{quoted} : seuls les documents de moins de 10 Mo peuvent être signés.",
                detail_en=f"the document is too large{quoted_en}: only documents under 10 MB can be signed.",
            )
        if status == 415:
            return ProviderError(
                title=TITLE,
                detail_fr=f"format refusé{quoted} : seuls les PDF peuvent être signés.",
                detail_en=f"format refused{quoted_en}: only PDFs can be signed.",
            )
        return ProviderError(title=TITLE, detail_fr=f"réponse HTTP {status} pour {what}{quoted}", detail_en=f"HTTP {status} for {what}{quoted_en}")

    def _json(self, response: requests.Response, what: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise _unexpected(what, "la réponse n'est pas du JSON", "the answer is not JSON") from None
        if not isinstance(body, dict):
            raise _unexpected(what, "la réponse n'est pas un objet JSON", "the answer is not a JSON object")
        return body


def check_draft(draft: SignatureRequestDraft) -> None:
    """JS-02, JS-03 before any call: PDFs under 10 MB, and every signer's e-mail, names and phone."""
    for document in draft.documents:
        with document.path.open("rb") as head:
            magic = head.read(5)
        if document.media_type != "application/pdf" or magic != b"%PDF-":
            raise FileRefused(
                file_name=document.file_name,
                title=TITLE,
                reason_fr="seuls les documents PDF peuvent être signés",
                reason_en="only PDF documents can be signed",
                fix_fr="Enregistrez-le en PDF puis réessayez.",
                fix_en="Save it as a PDF and try again.",
            )
        if document.size >= MAX_DOCUMENT_BYTES:
            raise FileRefused(
                file_name=document.file_name,
                title=TITLE,
                reason_fr=f"il pèse {document.size / 1_048_576:.1f} Mo ; seuls les documents de moins de 10 Mo peuvent être signés",
                reason_en=f"it weighs {document.size / 1_048_576:.1f} MB; only documents under 10 MB can be signed",
                fix_fr="Allégez le document (images) ou scindez-le.",
                fix_en="Make the document lighter (images) or split it.",
            )
    for signer in draft.signers:
        _check_signer(signer)


def _check_signer(signer: SignerDraft) -> None:
    name = f"{signer.first_name} {signer.last_name}".strip() or signer.email or "?"
    what_fr, what_en = f"Signataire {name}", f"Signer {name}"
    for value, field_fr, field_en in (
        (signer.email, "E-mail", "E-mail"),
        (signer.first_name, "Prénom", "First name"),
        (signer.last_name, "Nom", "Last name"),
    ):
        if not (value or "").strip():
            raise FieldMissing(what_fr=what_fr, what_en=what_en, field_fr=field_fr, field_en=field_en)
    if not (signer.mobile or "").strip():
        raise PhoneMandatory(what_fr=what_fr, what_en=what_en, field_fr="Téléphone portable", field_en="Mobile phone")
    if not signer.fields:
        raise FieldMissing(what_fr=what_fr, what_en=what_en, field_fr="Emplacement de la signature", field_en="Signature position")


def _image_type(name: str, path: Path) -> str:
    """JS-06: the setting names a PNG or JPEG under 1 MB, or a sentence says what to fix."""
    words = {"signature_image": ("l'image de signature", "the signature image"), "logo": ("le logo", "the logo")}[name]
    fix_fr = f"Corrigez « {name} » dans [providers.jesignexpert] de liasse.toml."
    fix_en = f"Fix '{name}' in [providers.jesignexpert] of liasse.toml."
    if not path.is_file():
        raise FileRefused(file_name=str(path), title=TITLE, reason_fr=f"{words[0]} du cabinet est introuvable", reason_en=f"{words[1]} of the office is missing", fix_fr=fix_fr, fix_en=fix_en)
    with path.open("rb") as head:
        magic = head.read(8)
    media_type = next((kind for prefix, kind in _IMAGE_TYPES.items() if magic.startswith(prefix)), None)
    if media_type is None or path.stat().st_size > MAX_IMAGE_BYTES:
        raise FileRefused(
            file_name=path.name,
            title=TITLE,
            reason_fr=f"{words[0]} du cabinet doit être un PNG ou un JPEG de moins de 1 Mo",
            reason_en=f"{words[1]} of the office must be a PNG or JPEG under 1 MB",
            fix_fr=fix_fr,
            fix_en=fix_en,
        )
    return media_type


def _provider_detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    text = body.get("message") if isinstance(body, dict) else ""
    return " ".join(str(text or "").split())[:_MAX_DETAIL]


def _unexpected(what: str, why_fr: str, why_en: str) -> ProviderError:
    return ProviderError(
        title=TITLE,
        detail_fr=f"réponse inattendue pour {what} ({why_fr}). Vérifiez que base_url désigne bien l'API Jesignexpert.",
        detail_en=f"unexpected answer for {what} ({why_en}). Check that base_url points at the Jesignexpert API.",
    )


def _instant(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _remote_exchange(body: Mapping[str, Any]) -> RemoteExchange:
    return RemoteExchange(remote_id=str(body["id"]), created_at=_instant(body.get("created_at")) or dt.datetime.now(dt.UTC))


def _remote_status(body: Mapping[str, Any]) -> RemoteStatus:
    """A transaction as liasse's status; its newest date is when it changed."""
    raw = str(body.get("state"))
    completed = _instant(body.get("completed_at"))
    changed = (
        completed
        or _instant(body.get("cancelled_at"))
        or (_instant(body.get("expires_at")) if raw == "expired" else None)
        or _instant(body.get("started_at"))
        or _instant(body.get("created_at"))
    )
    return RemoteStatus(
        remote_id=str(body["id"]),
        state=STATES.get(raw, RemoteState.OPEN),
        changed_at=changed or dt.datetime.now(dt.UTC),
        done_at=completed,
        raw_state=raw,
    )
