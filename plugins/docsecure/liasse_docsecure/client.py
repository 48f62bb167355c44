"""The DocSecure API client: the one module to replace when the real API is known.

It speaks the API of ``plugins/docsecure/README.md`` (liasse's assumption)
and answers in liasse's records, so :mod:`.plugin` never sees JSON.
Authentication is HTTP Basic with the provider account's e-mail and password
on every request (several host users may share one account, DS-01). Every
write carries an ``Idempotency-Key``: a retried call is the same call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from liasse.errors import AccessDenied, FileRefused, LiasseError, NotFound, ProviderError, ReminderTooSoon
from liasse.records import (
    ContactDraft,
    ContactKind,
    DocumentRequestDraft,
    DocumentSendDraft,
    ProviderContext,
    ProviderLimits,
    ReceivedFile,
    ReminderChannel,
    ReminderReceipt,
    RemoteContact,
    RemoteExchange,
    RemoteState,
    RemoteStatus,
    Sender,
    StatusPage,
    WebhookNotice,
)
from liasse.secrets import withhold
from liasse.webhooks.signatures import body_event_id, lower_headers, unreadable_payload, verify_standard

from liasse_docsecure.settings import TITLE, DocSecureSettings

if TYPE_CHECKING:
    import requests

API = "/api/v1"
#: Exchanges asked per page of the feed.
PAGE_SIZE = 200
#: DocSecure's words for an exchange's state, in liasse's.
_STATES: dict[str, RemoteState] = {
    "draft": RemoteState.OPEN,
    "sent": RemoteState.OPEN,
    "reminded": RemoteState.REMINDED,
    "received": RemoteState.ANSWERED,
    "downloaded": RemoteState.DOWNLOADED,
}
_CHANNELS: dict[ReminderChannel, str] = {ReminderChannel.MAIL: "mail", ReminderChannel.MAIL_AND_SMS: "mail_sms"}


class DocSecureClient:
    """Calls DocSecure for one user's provider account."""

    def __init__(self, ctx: ProviderContext[DocSecureSettings]) -> None:
        self._ctx = ctx
        self._http = ctx.http
        creds = ctx.credentials
        self._auth = (creds.login, creds.secret.reveal()) if creds else None
        self._secrets = [creds.secret] if creds else []

    def __repr__(self) -> str:
        return f"DocSecureClient(user={self._ctx.user_login!r})"

    # --- account -----------------------------------------------------------------

    def account(self) -> dict[str, Any]:
        """``GET /account``: who these credentials are, and the account's limits."""
        body: dict[str, Any] = self._call("GET", "/account").json()
        return body

    def limits(self) -> ProviderLimits:
        """DS-34: what the account accepts now."""
        limits = self.account()["limits"]
        return ProviderLimits(max_file_size=int(limits["max_file_size"]), media_types=frozenset(limits["media_types"]))

    # --- contacts ----------------------------------------------------------------

    def create_contact(self, contact: ContactDraft, key: str) -> RemoteContact:
        """``POST /contacts`` (DS-03, DS-04)."""
        body = self._call("POST", "/contacts", json=_contact_json(contact), key=key, expect=(201,)).json()
        return _remote_contact(body)

    def update_contact(self, remote_id: str, contact: ContactDraft) -> RemoteContact:
        """``PATCH /contacts/{id}`` (DS-07, DS-31)."""
        return _remote_contact(self._call("PATCH", f"/contacts/{remote_id}", json=_contact_json(contact)).json())

    def archive_contact(self, remote_id: str, archived: bool) -> RemoteContact:
        """``POST /contacts/{id}/archive`` or ``/unarchive`` (DS-09, DS-11)."""
        action = "archive" if archived else "unarchive"
        return _remote_contact(self._call("POST", f"/contacts/{remote_id}/{action}").json())

    def delete_contact(self, remote_id: str) -> RemoteContact:
        """``DELETE /contacts/{id}`` (DS-08); a contact already gone counts as deleted."""
        self._call("DELETE", f"/contacts/{remote_id}", expect=(204, 404))
        return RemoteContact(remote_id=remote_id)

    def list_contacts(self) -> tuple[RemoteContact, ...]:
        """``GET /contacts?archived=all`` (DS-31)."""
        body = self._call("GET", "/contacts", params={"archived": "all", "linked": "all"}).json()
        return tuple(_remote_contact(item) for item in body["contacts"])

    # --- requests and sends ----------------------------------------------------------

    def request_document(self, request: DocumentRequestDraft, key: str) -> RemoteExchange:
        """``POST /requests`` (DS-12, DS-13)."""
        payload = {
            "contact_id": request.contact_remote_id,
            "document_type": request.document_type.value,
            "label": request.label,
            **_sender_json(request.sender),
        }
        return _remote_exchange(self._call("POST", "/requests", json=payload, key=key, expect=(201,)).json())

    def send_documents(self, send: DocumentSendDraft, key: str) -> RemoteExchange:
        """Open the send, upload each file streamed from disk, then submit it (DS-15 … DS-18).

        Each step has its own key derived from the send's, so a retry after
        a crash replays the steps already done instead of doing them again.
        """
        payload = {
            "contact_id": send.contact_remote_id,
            "name": send.name,
            "files": [
                {"file_name": d.file_name, "media_type": d.media_type, "size": d.size, "sha256": d.sha256}
                for d in send.documents
            ],
            **_sender_json(send.sender),
        }
        opened = self._call("POST", "/sends", json=payload, key=key, expect=(201,)).json()
        send_id = str(opened["id"])
        for position, document in enumerate(send.documents):
            with document.path.open("rb") as stream:
                # A file object is streamed by requests, never read whole (a send may be 1 GB).
                self._call(
                    "PUT",
                    f"/sends/{send_id}/files/{position}",
                    data=stream,
                    headers={"Content-Type": document.media_type, "Content-Length": str(document.size)},
                    key=f"{key}/file/{position}",
                    expect=(204,),
                )
        return _remote_exchange(self._call("POST", f"/sends/{send_id}/submit", key=f"{key}/submit").json())

    def find_sent(self, key: str) -> RemoteExchange | None:
        """``GET /exchanges?idempotency_key=``: the request or send ``key`` created, if it went out.

        A send still in draft (opened, files or submission missing) is not
        sent: None, and the send is made again under its key, which replays
        the steps already done and finishes the others.
        """
        body = self._call("GET", "/exchanges", params={"idempotency_key": key}).json()
        for item in body["exchanges"]:
            if item.get("state") != "draft":
                return _remote_exchange(item)
        return None

    def remind(self, remote_id: str, channel: ReminderChannel, key: str) -> ReminderReceipt:
        """``POST /exchanges/{id}/reminders`` (DS-24)."""
        body = self._call(
            "POST", f"/exchanges/{remote_id}/reminders", json={"channel": _CHANNELS[channel]}, key=key, expect=(201,)
        ).json()
        return ReminderReceipt(remote_id=remote_id, reminded_at=_date(body["reminded_at"]))

    # --- following and fetching ------------------------------------------------------

    def changes(self, cursor: str | None) -> StatusPage:
        """``GET /exchanges?cursor=``: one page of what changed (DS-20, DS-25)."""
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if cursor is not None:
            params["cursor"] = cursor
        body = self._call("GET", "/exchanges", params=params).json()
        return StatusPage(
            updates=tuple(_status(item) for item in body["exchanges"]),
            cursor=body.get("cursor"),
            has_more=bool(body.get("has_more")),
        )

    def fetch_document(self, remote_id: str, dest_dir: Path) -> ReceivedFile:
        """The file a contact uploaded, as received, streamed to ``dest_dir`` (DS-26, DS-27)."""
        exchange = self._call("GET", f"/exchanges/{remote_id}").json()
        if not exchange.get("received_at"):
            raise ProviderError(
                title=TITLE,
                detail_fr=f"aucun document reçu pour l'échange {remote_id} pour le moment",
                detail_en=f"no document received for exchange {remote_id} yet",
            )
        download = self._http.download(
            f"{API}/exchanges/{remote_id}/document?version=original",
            dest_dir,
            max_bytes=self.limits().max_file_size,
            auth=self._auth,
        )
        return download.received(
            remote_id, download.file_name or str(exchange.get("file_name") or download.path.name), _date(exchange["received_at"])
        )

    def fetch_attestation(self, remote_id: str, dest_dir: Path) -> ReceivedFile:
        """``GET /exchanges/{id}/attestation`` streamed to ``dest_dir`` (DS-29)."""
        download = self._http.download(
            f"{API}/exchanges/{remote_id}/attestation", dest_dir, max_bytes=10 * 1024 * 1024, auth=self._auth
        )
        return download.received(remote_id, download.file_name or "attestation.pdf")

    def status(self, remote_id: str) -> RemoteStatus:
        """``GET /exchanges/{id}``: one exchange as DocSecure has it now (a webhook's re-read)."""
        return _status(self._call("GET", f"/exchanges/{remote_id}").json())

    # --- machinery -----------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        expect: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        if key is not None:
            all_headers["Idempotency-Key"] = key
        return self._http.request(
            method, f"{API}{path}", auth=self._auth, headers=all_headers, expect=expect, refuse=self._refusal, **kwargs
        )

    def _refusal(self, response: requests.Response) -> LiasseError:
        """DocSecure's error body, in liasse's errors (README: Errors)."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        slug = str(body.get("error", ""))
        message = withhold(str(body.get("message", f"HTTP {response.status_code}")), self._secrets)
        if response.status_code == 401:
            return AccessDenied(title=TITLE, user=self._ctx.user_login)
        if slug == "reminder_too_soon" and body.get("next_allowed_at"):
            allowed = _date(str(body["next_allowed_at"]))
            # One reminder per 24 hours: the last one was a day before the next allowed.
            last = (
                _date(str(body["last_reminded_at"]))
                if body.get("last_reminded_at")
                else allowed - dt.timedelta(hours=24)
            )
            zone = self._ctx.timezone
            return ReminderTooSoon(title=TITLE, last=_local(last, zone), next=_local(allowed, zone))
        if response.status_code in (413, 415):
            return FileRefused(
                file_name=str(body.get("file_name", "")),
                title=TITLE,
                reason_fr=message,
                reason_en=message,
                fix_fr="Vérifiez la taille et le type du fichier.",
                fix_en="Check the file's size and type.",
            )
        if response.status_code == 404:
            return NotFound(what_fr=f"Élément {TITLE}", what_en=f"{TITLE} item", key=response.url.rsplit("/", 1)[-1])
        return ProviderError(title=TITLE, detail_fr=message, detail_en=message)


def _contact_json(contact: ContactDraft) -> dict[str, Any]:
    return {
        "type": contact.kind.value,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "mobile": contact.mobile,
        "establishment": contact.establishment,
        "external_ref": contact.account_number,
    }


def _remote_contact(body: dict[str, Any]) -> RemoteContact:
    details = ContactDraft(
        kind=ContactKind(body["type"]),
        first_name=body.get("first_name") or "",
        last_name=body.get("last_name") or "",
        email=body.get("email") or "",
        mobile=body.get("mobile"),
        establishment=body.get("establishment"),
        account_number=body.get("external_ref"),
    )
    return RemoteContact(remote_id=str(body["id"]), details=details, archived=bool(body.get("archived")))


def _sender_json(sender: Sender | None) -> dict[str, str]:
    if sender is None:
        return {}
    return {"sender_first_name": sender.first_name, "sender_last_name": sender.last_name, "sender_email": sender.email}


def _remote_exchange(body: dict[str, Any]) -> RemoteExchange:
    return RemoteExchange(remote_id=str(body["id"]), created_at=_date(body["created_at"]))


def _status(item: dict[str, Any]) -> RemoteStatus:
    done = item.get("received_at") or item.get("downloaded_at")
    return RemoteStatus(
        remote_id=str(item["id"]),
        state=_STATES.get(str(item["state"]), RemoteState.OPEN),
        changed_at=_date(item["updated_at"]),
        reminded_at=_date(item["reminded_at"]) if item.get("reminded_at") else None,
        done_at=_date(done) if done else None,
        raw_state=str(item["state"]),
        file_name=item.get("file_name"),
        file_size=item.get("file_size"),
    )


def _date(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _local(moment: dt.datetime, timezone: str) -> str:
    """``09/10/2023 16:29`` in the office's zone, for sentences in either language."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d/%m/%Y %H:%M")


# --- webhooks (README: "Webhooks") ------------------------------------------------------------


def read_webhook(
    headers: Mapping[str, str], body: bytes, settings: DocSecureSettings, now: dt.datetime | None = None
) -> WebhookNotice:
    """A DocSecure delivery verified (Standard Webhooks) and read into a notice; the payload's state is ignored."""
    if settings.webhooks_signed:
        envelope = verify_standard(
            headers, body, settings.webhook_secrets, title=TITLE, provider="docsecure", now=now
        )
        event_id, occurred_at, trusted = envelope.message_id, envelope.timestamp, True
    else:
        given = lower_headers(headers)
        event_id = given.get("webhook-id") or body_event_id(body.decode("utf-8", "replace"))
        occurred_at, trusted = None, False
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise unreadable_payload(TITLE, "JSON invalide", "invalid JSON") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    kind = payload.get("type") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or not isinstance(kind, str) or not isinstance(data.get("id"), str):
        raise unreadable_payload(TITLE, "type ou data.id absent", "no type or data.id")
    account = data.get("account")
    return WebhookNotice(
        event_id=event_id,
        kind=kind,
        remote_ids=(data["id"],),
        occurred_at=occurred_at,
        trusted=trusted,
        account=account if isinstance(account, str) else None,
    )

