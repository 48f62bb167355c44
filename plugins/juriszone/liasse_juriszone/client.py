"""The JurisZone API client: the one module to replace when the real API is known.

Every request carries the office's two keys (JZ-01): the entity key in
``X-JurisZone-Entity`` and the API key as ``Authorization: Bearer <api key>``.
Errors come back as JSON ``{"error": <code>, "message": <text>}``; the client
turns them into liasse's bilingual errors here, so the hook implementations
never see a status code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liasse.errors import AccessDenied, ProviderError
from liasse.multipart import FilePart, MultipartBody
from liasse.records import (
    DocumentBatch,
    OutgoingDocument,
    ProviderContext,
    ReceivedFile,
    RemoteDocument,
    RemoteExchange,
    RemoteSharedFile,
    RemoteState,
    RemoteStatus,
    ShareDraft,
    SharedFileDraft,
    ShareEvent,
    ShareEventKind,
    ShareEventPage,
    StatusPage,
    WebhookNotice,
)
from liasse.secrets import REDACTED, Secret, withhold
from liasse.webhooks.signatures import unreadable_payload, verify_standard

from liasse_juriszone.settings import TITLE, JurisZoneSettings

if TYPE_CHECKING:
    import requests

API = "/api/v1"
#: The header that names the office's entity; the API key travels as a bearer token.
ENTITY_HEADER = "X-JurisZone-Entity"

#: How much of the provider's own message a user may see.
_MESSAGE_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_CODE = re.compile(r"[^a-z0-9_.-]+")

#: Why JurisZone refused the entity (401/403), by error code: (French, English), each saying what to fix.
_REFUSALS: dict[str, tuple[str, str]] = {
    "missing_entity_key": (
        "la clé d'entité est vide. Renseignez « entity_key » dans [providers.juriszone] de liasse.toml avec la clé reçue à l'inscription",
        "the entity key is empty. Set 'entity_key' in [providers.juriszone] of liasse.toml to the key received at registration",
    ),
    "missing_api_key": (
        "la clé d'API est vide. Renseignez « api_key » dans [providers.juriszone] de liasse.toml avec la clé reçue à l'inscription",
        "the API key is empty. Set 'api_key' in [providers.juriszone] of liasse.toml to the key received at registration",
    ),
    "invalid_keys": (
        "la clé d'entité ou la clé d'API est incorrecte. Vérifiez « entity_key » et « api_key » dans [providers.juriszone] de liasse.toml",
        "the entity key or the API key is wrong. Check 'entity_key' and 'api_key' in [providers.juriszone] of liasse.toml",
    ),
    "entity_disabled": (
        "l'entité de l'étude est désactivée chez JurisZone. Contactez le support de JurisZone pour la réactiver",
        "the office's entity is disabled at JurisZone. Ask JurisZone's support to enable it again",
    ),
}
_DEFAULT_REFUSAL = (
    "les clés de l'entité sont refusées. Vérifiez « entity_key » et « api_key » dans [providers.juriszone] de liasse.toml",
    "the entity's keys are refused. Check 'entity_key' and 'api_key' in [providers.juriszone] of liasse.toml",
)

#: Other refusals liasse words itself, by error code; ``{message}`` is JurisZone's own text.
_DETAILS: dict[str, tuple[str, str]] = {
    "not_found": ("l'élément demandé n'existe pas (ou plus) chez JurisZone", "the requested item does not exist (any more) at JurisZone"),
    "validation_failed": ("données refusées : {message}", "data refused: {message}"),
    "party_without_email": ("{message} Ajoutez son adresse courriel dans sa fiche, puis exportez de nouveau", "a party has no e-mail address ({message}). Add it to the party's record, then export again"),
    "expiry_in_past": ("{message}", "the expiry date must be after today ({message})"),
    "not_a_party": ("{message} Choisissez les destinataires parmi les intervenants du dossier", "a recipient is not a party of the file ({message}). Pick recipients among the file's parties"),
    "unknown_document": ("{message} Ajoutez-le d'abord au dossier", "a document is not in the file ({message}). Upload it to the file first"),
    "file_too_large": ("{message}", "the document is too large ({message})"),
    "unsupported_media_type": ("{message}", "the document's type is not accepted ({message})"),
    "disguised_type": ("{message}", "the document's content does not match its extension ({message})"),
}
#: Events of the feed, by JurisZone's name.
_EVENT_KINDS = {kind.value: kind for kind in ShareEventKind}
#: A share's state at JurisZone, in liasse's common words.
_SHARE_STATES = {
    "active": RemoteState.OPEN,
    "completed": RemoteState.COMPLETED,
    "expired": RemoteState.EXPIRED,
    "closed": RemoteState.CANCELLED,
}
#: Events asked per page of the feed.
PAGE_SIZE = 100


class KeysRefused(AccessDenied):
    """JurisZone refused the office's entity key or API key.

    The keys belong to the office, not to the user, so the sentence points at
    ``liasse.toml`` rather than at the user's "Connexion" screen. It is an
    :class:`~liasse.errors.AccessDenied`, so callers that handle that keep working.
    """

    fr = "{title} refuse l'accès de l'entité de l'étude : {reason_fr}."
    en = "{title} refuses access to the office's entity: {reason_en}."


class _EntityAuth:
    """Puts both keys on each outgoing request, revealing them only there.

    A ``requests`` auth callable rather than a headers dict, so the clear
    keys never sit in an argument that a traceback or a debugger would show.
    """

    def __init__(self, entity_key: Secret, api_key: Secret) -> None:
        self._entity_key = entity_key
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # An empty key is left out, so JurisZone answers "missing", not "invalid".
        if self._entity_key:
            request.headers[ENTITY_HEADER] = self._entity_key.reveal()
        if self._api_key:
            request.headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        return request

    def __repr__(self) -> str:
        return f"_EntityAuth({REDACTED!r})"


class JurisZoneClient:
    """Calls JurisZone as the office's entity."""

    def __init__(self, ctx: ProviderContext[JurisZoneSettings]) -> None:
        self._ctx = ctx
        self._http = ctx.http
        self._auth = _EntityAuth(ctx.settings.entity_key, ctx.settings.api_key)
        self._secrets = (ctx.settings.entity_key, ctx.settings.api_key)

    def __repr__(self) -> str:
        return f"JurisZoneClient(user={self._ctx.user_login!r}, base_url={self._http.base_url!r})"

    def entity(self) -> dict[str, Any]:
        """``GET /api/v1/entity``: which entity these keys open ("Tester l'accès au service")."""
        return self._json(self._call("GET", f"{API}/entity"), required=("id", "name"))

    # --- files and documents (JZ-02, JZ-03) ----------------------------------

    def export_file(self, file: SharedFileDraft, key: str) -> RemoteSharedFile:
        """``PUT /api/v1/files/{number}``: the file and its parties, created or updated (idempotent on the number)."""
        payload = {
            "number": file.number,
            "description": file.description,
            "parties": [{"ref": p.ref, "kind": p.kind.value, "name": p.name, "email": p.email} for p in file.parties],
        }
        response = self._call(
            "PUT", f"{API}/files/{_segment(file.number)}", json=payload, headers={"Idempotency-Key": key}, ok=(200, 201)
        )
        body = self._json(response, required=("number",))
        return RemoteSharedFile(
            number=str(body["number"]), created=response.status_code == 201, exported_at=_date(body.get("updated_at"))
        )

    def upload_documents(self, file_number: str, documents: Sequence[OutgoingDocument], key: str) -> DocumentBatch:
        """``POST /api/v1/files/{number}/documents``: every document in one multipart body, streamed from disk.

        liasse's multipart body reads each file as the socket asks for it,
        so a 500 MB document never sits in memory (``files=`` would hold it
        whole), and it is rewound to its start when the transport retries an
        attempt: the whole body again, under the same key, which JurisZone
        answers with what it already stored.
        """
        with contextlib.ExitStack() as stack:
            parts = [
                FilePart("file", d.file_name, stack.enter_context(d.path.open("rb")), d.size, d.media_type)
                for d in documents
            ]
            body = MultipartBody([], parts)
            response = self._call(
                "POST",
                f"{API}/files/{_segment(file_number)}/documents",
                data=body,
                headers={"Content-Type": body.content_type, "Idempotency-Key": key},
                ok=(201,),
            )
        return _batch(self._json(response, required=("documents",)))

    def documents(self, file_number: str) -> DocumentBatch:
        """``GET /api/v1/files/{number}/documents``: the file's documents, those recipients returned included."""
        return _batch(self._json(self._call("GET", f"{API}/files/{_segment(file_number)}/documents"), required=("documents",)))

    def uploaded_with(self, key: str) -> DocumentBatch:
        """``GET /api/v1/documents?idempotency_key=``: what an upload under ``key`` stored (reconciliation)."""
        body = self._json(self._call("GET", f"{API}/documents", params={"idempotency_key": key}), required=("documents",))
        return _batch(body)

    def download(self, document_id: str, dest_dir: Path, max_bytes: int) -> ReceivedFile:
        """``GET /api/v1/documents/{id}/content`` streamed to ``dest_dir``, capped and hashed."""
        meta = self._json(self._call("GET", f"{API}/documents/{_segment(document_id)}"), required=("id", "name"))
        download = self._http.download(
            f"{API}/documents/{_segment(document_id)}/content", dest_dir, max_bytes=max_bytes, auth=self._auth
        )
        return download.received(document_id, str(meta["name"]), _date(meta.get("uploaded_at")))

    # --- shares (JZ-04 … JZ-08) ---------------------------------------------------

    def share(self, share: ShareDraft, key: str) -> RemoteExchange:
        """``POST /api/v1/shares``: open the share; JurisZone e-mails the recipients."""
        payload = {
            "file_number": share.file_number,
            "title": share.title,
            "expires_on": share.expires_on.isoformat(),
            "documents": list(share.document_ids),
            "recipients": [
                {"party": r.party_ref, "may_modify": r.may_modify, "notify": r.notify} for r in share.recipients
            ],
            "comment": share.comment,
            "notify_sender": share.notify_on_completion,
        }
        body = self._json(
            self._call("POST", f"{API}/shares", json=payload, headers={"Idempotency-Key": key}, ok=(200, 201)),
            required=("id", "created_at"),
        )
        return RemoteExchange(remote_id=str(body["id"]), created_at=_date(body["created_at"]))

    def shared_with(self, key: str) -> RemoteExchange | None:
        """``GET /api/v1/shares?idempotency_key=``: the share ``key`` opened, if any (reconciliation)."""
        body = self._json(self._call("GET", f"{API}/shares", params={"idempotency_key": key}), required=("shares",))
        for item in body["shares"]:
            return RemoteExchange(remote_id=str(item["id"]), created_at=_date(item.get("created_at")))
        return None

    def share_status(self, share_id: str) -> RemoteStatus:
        """``GET /api/v1/shares/{id}``: where the share stands."""
        body = self._json(self._call("GET", f"{API}/shares/{_segment(share_id)}"), required=("id", "state"))
        return _share_status(body)

    def events(self, cursor: str | None) -> ShareEventPage:
        """``GET /api/v1/events?after=``: one page of what changed."""
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if cursor:
            params["after"] = cursor
        body = self._json(self._call("GET", f"{API}/events", params=params), required=("events",))
        events = tuple(
            ShareEvent(
                event_id=str(item.get("id")),
                kind=_EVENT_KINDS[item["type"]],
                share_id=str(item.get("share_id") or ""),
                at=_date(item.get("at")),
                document_id=item.get("document_id"),
                party_ref=item.get("party"),
            )
            for item in body["events"]
            if item.get("type") in _EVENT_KINDS
        )
        return ShareEventPage(events=events, cursor=body.get("cursor") or cursor, has_more=bool(body.get("has_more")))

    def statuses(self, cursor: str | None) -> StatusPage:
        """The shares the next page of events concerns, each re-read: ``liasse_sync_status`` for shares."""
        page = self.events(cursor)
        ids = list(dict.fromkeys(e.share_id for e in page.events if e.share_id))
        return StatusPage(updates=tuple(self.share_status(i) for i in ids), cursor=page.cursor, has_more=page.has_more)

    def subscribe(self, url: str) -> tuple[str, Secret]:
        """``POST /api/v1/webhooks``: JurisZone posts every event to ``url``; the subscription id and its secret."""
        body = self._json(self._call("POST", f"{API}/webhooks", json={"url": url}, ok=(201,)), required=("id", "secret"))
        return str(body["id"]), Secret(str(body["secret"]))

    # --- plumbing shared by every endpoint -----------------------------------

    def _call(self, method: str, path: str, *, ok: Iterable[int] = (200,), **kwargs: Any) -> requests.Response:
        """Send one authenticated request; JurisZone's refusals become liasse errors.

        liasse's transport follows no redirect, which matters here: ``requests``
        would carry the entity header to another host.
        """
        return self._http.request(method, path, auth=self._auth, expect=ok, refuse=self._error, **kwargs)

    def _error(self, response: requests.Response) -> ProviderError:
        """The liasse error for a 4xx answer and its ``{"error", "message"}`` body."""
        code, message = self._error_body(response)
        status = response.status_code
        if status in (401, 403):
            reason_fr, reason_en = _REFUSALS.get(code, _DEFAULT_REFUSAL)
            return KeysRefused(title=TITLE, user=self._ctx.user_login, reason_fr=reason_fr, reason_en=reason_en, code=code)
        if code in _DETAILS:
            template_fr, template_en = _DETAILS[code]
            return ProviderError(
                title=TITLE,
                detail_fr=template_fr.format(message=message or code),
                detail_en=template_en.format(message=message or code),
                code=code,
            )
        said = f"{message} " if message else ""
        return ProviderError(
            title=TITLE,
            detail_fr=f"{said}(code « {code or '?'} », HTTP {status})",
            detail_en=f"{said}(code '{code or '?'}', HTTP {status})",
            code=code,
        )

    def _error_body(self, response: requests.Response) -> tuple[str, str]:
        """JurisZone's error code and message, fit for a user's eyes; empty when unreadable."""
        try:
            body = response.json()
        except ValueError:
            return "", ""
        if not isinstance(body, dict):
            return "", ""
        code = body.get("error")
        message = body.get("message")
        code = _CODE.sub("", code.lower())[:64] if isinstance(code, str) else ""
        message = _CONTROL.sub(" ", message).strip()[:_MESSAGE_LIMIT] if isinstance(message, str) else ""
        known = code in _REFUSALS or code in _DETAILS
        return code if known else withhold(code, self._secrets), withhold(message, self._secrets)

    def _json(self, response: requests.Response, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """A JSON object body with ``required`` keys, or a ProviderError saying JurisZone's answer was unreadable."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or any(key not in body for key in required):
            raise ProviderError(
                title=TITLE,
                detail_fr=f"réponse illisible (HTTP {response.status_code}, JSON attendu)",
                detail_en=f"unreadable answer (HTTP {response.status_code}, JSON expected)",
            )
        return body


def read_webhook(headers: Mapping[str, str], body: bytes, settings: Any, now: dt.datetime | None = None) -> WebhookNotice:
    """A JurisZone delivery verified (Standard Webhooks) and read into a notice naming the share it concerns."""
    import json

    envelope = verify_standard(headers, body, settings.webhook_secrets, title=TITLE, provider="juriszone", now=now)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise unreadable_payload(TITLE, "JSON invalide", "invalid JSON") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    kind = payload.get("type") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or not isinstance(kind, str) or not isinstance(data.get("share_id"), str):
        raise unreadable_payload(TITLE, "type ou data.share_id absent", "no type or data.share_id")
    return WebhookNotice(
        event_id=envelope.message_id, kind=kind, remote_ids=(data["share_id"],), occurred_at=envelope.timestamp
    )


def _segment(value: str) -> str:
    """A path segment, quoted: a file number like ``2950-01`` or ``A/12`` stays one segment."""
    from urllib.parse import quote

    return quote(value, safe="")


def _date(value: Any) -> dt.datetime:
    """An ISO 8601 date of JurisZone's answers, aware in UTC; now when absent."""
    if not isinstance(value, str) or not value:
        return dt.datetime.now(dt.UTC)
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _batch(body: dict[str, Any]) -> DocumentBatch:
    return DocumentBatch(
        documents=tuple(
            RemoteDocument(
                remote_id=str(d["id"]),
                file_number=str(d.get("file_number") or ""),
                file_name=str(d.get("name") or ""),
                size=int(d.get("size") or 0),
                sha256=str(d.get("sha256") or ""),
                media_type=str(d.get("media_type") or "application/octet-stream"),
                uploaded_at=_date(d.get("uploaded_at")),
                added_by=d.get("added_by"),
                replaces=d.get("replaces"),
                share_id=d.get("share_id"),
            )
            for d in body["documents"]
        )
    )


def _share_status(body: dict[str, Any]) -> RemoteStatus:
    state = _SHARE_STATES.get(str(body["state"]), RemoteState.OPEN)
    closed = body.get("closed_at")
    return RemoteStatus(
        remote_id=str(body["id"]),
        state=state,
        changed_at=_date(closed or body.get("created_at")),
        done_at=_date(closed) if closed else None,
        raw_state=str(body["state"]),
    )
