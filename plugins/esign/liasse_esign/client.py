"""The Yousign API v3 client: every call ESign makes goes through here.

Authentication is ``Authorization: Bearer <api key>`` on every request, with
the office's key from the settings (ES-01). Yousign answers errors as
``{"type", "detail"}`` (400, 401, 403, 404, 415), ``{"message"}`` (405, 429)
and ``{"type": "about:blank", "detail": …}`` (500); this module turns them
into liasse errors so the hook implementations only see records and
sentences.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from liasse.errors import OfficeKeysRefused, ProviderError
from liasse.multipart import FilePart, MultipartBody
from liasse.records import (
    ProviderContext,
    ReceivedFile,
    ReminderReceipt,
    RemoteExchange,
    RemoteState,
    RemoteStatus,
    SignatureRequestDraft,
    SignerDraft,
    StatusPage,
    WebhookNotice,
)
from liasse.secrets import withhold
from liasse.webhooks.signatures import json_event_id, unreadable_payload, verify_yousign

from liasse_esign.settings import TITLE, ESignSettings

if TYPE_CHECKING:
    import requests

    from liasse.http import Download


#: Yousign's hosts, to tell the user which environment the key opens.
_SANDBOX_HOST = "api-sandbox.yousign.app"
_PRODUCTION_HOST = "api.yousign.app"

#: Yousign's request statuses in liasse's common words (``SignatureRequestStatus``).
_STATES: dict[str, RemoteState] = {
    "draft": RemoteState.OPEN,
    "approval": RemoteState.OPEN,
    "ongoing": RemoteState.OPEN,
    "paused": RemoteState.OPEN,
    "done": RemoteState.COMPLETED,
    "declined": RemoteState.DECLINED,
    "rejected": RemoteState.DECLINED,
    "canceled": RemoteState.CANCELLED,
    "deleted": RemoteState.CANCELLED,
    "expired": RemoteState.EXPIRED,
}
#: The signed PDF is capped like a document to sign, with room for the visible signatures.
MAX_SIGNED_BYTES = 60 * 1024 * 1024

#: Longest provider text quoted in an error: enough for Yousign's sentences,
#: short enough that a proxy's HTML page does not flood the user's screen.
_MAX_DETAIL = 300


class ESignClient:
    """Calls Yousign v3 with the office's API key."""

    def __init__(self, ctx: ProviderContext[ESignSettings]) -> None:
        self._ctx = ctx
        self._http = ctx.http
        # Kept as a Secret and revealed per request, so the clear key lives in
        # no attribute a debugger, a repr or a traceback's locals would show.
        self._api_key = ctx.settings.api_key

    def __repr__(self) -> str:
        return f"ESignClient(base_url={self._http.base_url!r}, user={self._ctx.user_login!r})"

    # --- endpoints ---------------------------------------------------------

    def default_workspace(self) -> dict[str, Any]:
        """``GET /workspaces/default``: the cheapest authenticated call, and it names the account.

        Returns Yousign's ``Workspace`` object (``id``, ``name``,
        ``external_name``, ``default``, ``created_at``, ``updated_at``,
        ``deleted_at``, ``users``).
        """
        body = self._json(self._call("GET", "/workspaces/default"), "GET /workspaces/default")
        if not isinstance(body.get("name"), str) or not isinstance(body.get("id"), str):
            raise _unexpected(
                "GET /workspaces/default", "l'espace de travail n'a ni « id » ni « name »", "the workspace has no 'id' or 'name'"
            )
        return body

    def environment(self) -> tuple[str, str]:
        """Which Yousign environment the base URL names, in French and English.

        Worth telling the user: in Yousign's sandbox signatures have no legal
        value, and keys of one environment do not open the other.
        """
        host = urlsplit(self._http.base_url).hostname or ""
        if host == _PRODUCTION_HOST:
            return "production Yousign", "Yousign production"
        if host == _SANDBOX_HOST:
            return (
                "bac à sable Yousign (signatures sans valeur juridique)",
                "Yousign sandbox (signatures not legally binding)",
            )
        return f"serveur {host}", f"server {host}"


    # --- signature requests (ES-06, ES-08, ES-12) ---------------------------

    def request_signature(self, draft: SignatureRequestDraft, key: str) -> RemoteExchange:
        """Create the request, upload each PDF streamed from disk, add the signers and their fields, activate.

        Yousign has no idempotency key: ``external_id`` carries liasse's key.
        A draft left by an interrupted earlier call is deleted and made again
        (its documents and signers may be half there); an activated one is
        the answer, never sent twice.
        """
        for earlier in self.list_requests(external_id=key):
            if earlier["status"] == "draft":
                self._call("DELETE", f"/signature_requests/{earlier['id']}", expect=(204,))
            else:
                return _remote_exchange(earlier)
        created = self._json(
            self._call(
                "POST",
                "/signature_requests",
                json={
                    "name": draft.name[:128],
                    "delivery_mode": "email",
                    "external_id": key,
                    "signers_allowed_to_decline": draft.allow_decline,
                    "timezone": "Europe/Paris",
                    "audit_trail_locale": "fr",
                    **({"email_custom_note": draft.note[:500]} if draft.note else {}),
                },
                expect=(201,),
            ),
            "POST /signature_requests",
        )
        request_id = str(created["id"])
        try:
            document_ids = [self._upload(request_id, document) for document in draft.documents]
            for signer in draft.signers:
                self._call(
                    "POST",
                    f"/signature_requests/{request_id}/signers",
                    json=_signer_json(signer, document_ids),
                    expect=(201,),
                )
        except ProviderError:
            # Refused (a field off the page, a protected PDF): the half-made draft would only clutter
            # the office's Yousign account. Removing it is best effort; the refusal is what the user sees.
            try:
                self._call("DELETE", f"/signature_requests/{request_id}", expect=(204,))
            except ProviderError:
                pass
            raise
        activated = self._json(
            self._call("POST", f"/signature_requests/{request_id}/activate", expect=(201,)),
            "POST /signature_requests/{id}/activate",
        )
        return _remote_exchange(activated)

    def _upload(self, request_id: str, document: Any) -> str:
        """``POST /signature_requests/{id}/documents``: multipart, streamed; the file is never read whole."""
        with document.path.open("rb") as stream:
            form = MultipartBody(
                [("nature", "signable_document")], [FilePart("file", document.file_name, stream, document.size, "application/pdf")]
            )
            body = self._json(
                self._call(
                    "POST",
                    f"/signature_requests/{request_id}/documents",
                    data=form,
                    headers={"Content-Type": form.content_type, "Content-Length": str(form.len)},
                    expect=(201,),
                ),
                "POST /signature_requests/{id}/documents",
            )
        return str(body["id"])

    def list_requests(self, *, external_id: str | None = None, statuses: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
        """``GET /signature_requests``, every page (cursor ``after``), filtered by ``external_id`` and statuses."""
        params: dict[str, str] = {"limit": "100"}
        if external_id is not None:
            params["external_id[eq]"] = external_id
        wanted = ",".join(statuses)
        if wanted:
            params["status[in]"] = wanted
        while True:
            page = self._json(self._call("GET", "/signature_requests", params=params), "GET /signature_requests")
            yield from page.get("data") or []
            cursor = (page.get("meta") or {}).get("next_cursor")
            if not cursor:
                return
            params["after"] = str(cursor)

    def sync_page(self, cursor: str | None) -> StatusPage:
        """One page of every sent request's status (``GET /signature_requests``, 100 a page, by cursor).

        Yousign lists no "changed since": a sync walks the sent requests page
        by page and starts over once the last page is read (cursor None).
        Webhooks say what changed; this is the fallback that catches a lost one.
        """
        params = {"limit": "100", "status[in]": "ongoing,done,declined,canceled,expired"}
        if cursor:
            params["after"] = cursor
        page = self._json(self._call("GET", "/signature_requests", params=params), "GET /signature_requests")
        following = (page.get("meta") or {}).get("next_cursor")
        return StatusPage(
            updates=tuple(_remote_status(item) for item in page.get("data") or []),
            cursor=str(following) if following else None,
            has_more=bool(following),
        )

    def read_request(self, remote_id: str) -> dict[str, Any]:
        """``GET /signature_requests/{id}``: Yousign's ``SignatureRequest``."""
        return self._json(self._call("GET", f"/signature_requests/{remote_id}"), "GET /signature_requests/{id}")

    def read_status(self, remote_id: str) -> RemoteStatus:
        """The request's status in liasse's words, with its completion time (ES-10)."""
        return _remote_status(self.read_request(remote_id))

    def find_sent(self, key: str) -> RemoteExchange | None:
        """The request created under ``key`` if it was activated; None for nothing or an unfinished draft."""
        for item in self.list_requests(external_id=key):
            if item["status"] not in ("draft", "deleted"):
                return _remote_exchange(item)
        return None

    def cancel(self, remote_id: str, reason: str, note: str | None = None) -> RemoteStatus:
        """``POST /signature_requests/{id}/cancel`` with one of Yousign's reasons."""
        payload: dict[str, Any] = {"reason": reason}
        if note:
            payload["custom_note"] = note[:500]
        body = self._json(
            self._call("POST", f"/signature_requests/{remote_id}/cancel", json=payload, expect=(201,)),
            "POST /signature_requests/{id}/cancel",
        )
        return _remote_status(body)

    def remind(self, remote_id: str) -> ReminderReceipt:
        """``POST …/signers/{id}/send_reminder`` for every signer still waiting (notified)."""
        request = self.read_request(remote_id)
        waiting = [s["id"] for s in request.get("signers") or [] if s.get("status") == "notified"]
        if not waiting:
            raise ProviderError(
                title=TITLE,
                detail_fr="aucun signataire n'attend : il n'y a personne à relancer.",
                detail_en="no signer is waiting: there is nobody to remind.",
            )
        for signer_id in waiting:
            self._call("POST", f"/signature_requests/{remote_id}/signers/{signer_id}/send_reminder", expect=(201,))
        return ReminderReceipt(remote_id=remote_id, reminded_at=dt.datetime.now(dt.UTC))

    def download_signed(self, remote_id: str, dest_dir: Path) -> ReceivedFile:
        """``GET …/documents/download?version=completed``: the signed PDF, streamed to disk and hashed (ES-10)."""
        got = self._download(f"/signature_requests/{remote_id}/documents/download?version=completed", dest_dir)
        return got.received(remote_id, got.file_name or f"{remote_id}.pdf")

    def download_audit_trail(self, remote_id: str, dest_dir: Path) -> ReceivedFile:
        """``GET …/audit_trails/download``: the proof file Yousign makes once the request is done."""
        got = self._download(f"/signature_requests/{remote_id}/audit_trails/download", dest_dir)
        return got.received(remote_id, f"preuve_{remote_id}.pdf")

    def _download(self, path: str, dest_dir: Path) -> Download:
        if not self._api_key:
            raise self._key_refused()
        headers = {"Authorization": f"Bearer {self._api_key.reveal()}", "Accept": "application/pdf, application/zip"}
        return self._http.download(path, dest_dir, max_bytes=MAX_SIGNED_BYTES, headers=headers)

    def subscribe_webhook(self, endpoint: str) -> tuple[str, str]:
        """``POST /webhooks``: the subscription's id and its secret (shown once; store it as a reference)."""
        body = self._json(
            self._call(
                "POST",
                "/webhooks",
                json={
                    "endpoint": endpoint,
                    "description": "liasse",
                    "sandbox": "sandbox" in self._http.base_url,
                    "subscribed_events": ["*"],
                    "scopes": ["*"],
                    "auto_retry": True,
                    "enabled": True,
                },
                expect=(201,),
            ),
            "POST /webhooks",
        )
        return str(body["id"]), str(body["secret_key"])

    # --- plumbing shared by every endpoint ----------------------------------

    def _call(self, method: str, path: str, *, expect: Iterable[int] = (200,), **kwargs: Any) -> requests.Response:
        """Send one authenticated request; Yousign's refusals become liasse errors (:meth:`_refusal`)."""
        if not self._api_key:
            # An empty variable behind the settings' reference: Yousign would refuse it anyway.
            raise self._key_refused()
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        headers.setdefault("Accept", "application/json")
        what = f"{method} {path}"
        return self._http.request(
            method, path, headers=headers, expect=expect, refuse=lambda response: self._refusal(response, what), **kwargs
        )

    def _key_refused(self) -> OfficeKeysRefused:
        return OfficeKeysRefused(title=TITLE, keys="api_key", provider=self._ctx.provider)

    def _refusal(self, response: requests.Response, what: str) -> ProviderError:
        """A sentence for a 4xx answer to ``what``, quoting Yousign's ``detail`` (or ``message``)."""
        status = response.status_code
        if status == 401:
            return self._key_refused()
        detail = withhold(_provider_detail(response), [self._api_key])
        quoted = f" : « {detail} »" if detail else ""
        quoted_en = f": '{detail}'" if detail else ""
        if status == 403:
            return ProviderError(
                title=TITLE,
                detail_fr=(
                    f"la clé d'API de l'étude n'a pas accès à {what}{quoted}. "
                    "Vérifiez ses droits dans l'espace Yousign de l'étude."
                ),
                detail_en=(
                    f"the office's API key has no access to {what}{quoted_en}. "
                    "Check its rights in the office's Yousign account."
                ),
            )
        if status == 404:
            return ProviderError(
                title=TITLE,
                detail_fr=f"élément introuvable ({what}){quoted}. Il a peut-être été supprimé dans Yousign.",
                detail_en=f"not found ({what}){quoted_en}. It may have been deleted in Yousign.",
            )
        return ProviderError(
            title=TITLE,
            detail_fr=f"réponse HTTP {status} pour {what}{quoted}",
            detail_en=f"HTTP {status} for {what}{quoted_en}",
        )

    def _json(self, response: requests.Response, what: str) -> dict[str, Any]:
        """The response's JSON object, or a sentence saying Yousign answered something else."""
        try:
            body = response.json()
        except ValueError:
            raise _unexpected(what, "la réponse n'est pas du JSON", "the answer is not JSON") from None
        if not isinstance(body, dict):
            raise _unexpected(what, "la réponse n'est pas un objet JSON", "the answer is not a JSON object")
        return body


def _provider_detail(response: requests.Response) -> str:
    """Yousign's explanation: ``detail`` of ``{type, detail}``, or ``message`` of ``{message}``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    text = body.get("detail") or body.get("message") or ""
    return " ".join(str(text).split())[:_MAX_DETAIL]


def _unexpected(what: str, why_fr: str, why_en: str) -> ProviderError:
    return ProviderError(
        title=TITLE,
        detail_fr=f"réponse inattendue pour {what} ({why_fr}). Vérifiez que base_url désigne bien l'API Yousign v3.",
        detail_en=f"unexpected answer for {what} ({why_en}). Check that base_url points at Yousign API v3.",
    )


def _signer_json(signer: SignerDraft, document_ids: list[str]) -> dict[str, Any]:
    """``New_Signer_From_Scratch``: info, level, authentication mode and the signature fields."""
    info: dict[str, Any] = {
        "first_name": signer.first_name,
        "last_name": signer.last_name,
        "email": signer.email,
        "locale": signer.locale,
    }
    if signer.mobile:
        info["phone_number"] = signer.mobile
    return {
        "info": info,
        "signature_level": "electronic_signature",
        "signature_authentication_mode": signer.authentication.value,
        "fields": [
            {
                "document_id": document_ids[field.document],
                "type": "signature",
                "page": field.page,
                "x": field.x,
                "y": field.y,
                "width": field.width,
                "height": field.height,
            }
            for field in signer.fields
        ],
    }


def _instant(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _remote_exchange(body: Mapping[str, Any]) -> RemoteExchange:
    return RemoteExchange(
        remote_id=str(body["id"]),
        created_at=_instant(body.get("created_at")) or dt.datetime.now(dt.UTC),
    )


def _remote_status(body: Mapping[str, Any]) -> RemoteStatus:
    """A ``SignatureRequest`` as liasse's status; its newest date is when it changed."""
    raw = str(body.get("status"))
    completed = _instant(body.get("completed_at"))
    decline = body.get("decline_information") or {}
    declined = _instant(decline.get("declined_at")) if isinstance(decline, dict) else None
    changed = completed or declined or _instant(body.get("activated_at")) or _instant(body.get("created_at"))
    return RemoteStatus(
        remote_id=str(body["id"]),
        state=_STATES.get(raw, RemoteState.OPEN),
        changed_at=changed or dt.datetime.now(dt.UTC),
        done_at=completed,
        raw_state=raw,
    )


def read_webhook(headers: Mapping[str, str], body: bytes, secrets: Iterable[Any]) -> WebhookNotice:
    """A Yousign delivery verified (``X-Yousign-Signature-256`` over the raw body) and read into a notice."""
    verify_yousign(headers, body, secrets, title=TITLE, provider="esign")
    event_id = json_event_id(body, TITLE)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise unreadable_payload(TITLE, "JSON invalide", "invalid JSON") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    request = data.get("signature_request") if isinstance(data, dict) else None
    name = payload.get("event_name")
    if not isinstance(request, dict) or not isinstance(request.get("id"), str) or not isinstance(name, str):
        raise unreadable_payload(TITLE, "event_name ou data.signature_request.id absent", "no event_name or data.signature_request.id")
    issued = payload.get("event_time")
    occurred = dt.datetime.fromtimestamp(int(issued), dt.UTC) if str(issued or "").isdigit() else None
    return WebhookNotice(event_id=event_id, kind=name, remote_ids=(request["id"],), occurred_at=occurred)
