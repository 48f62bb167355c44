"""AR24's hook implementations: what liasse calls for each step.

In the manual's order: "Tester l'accès au service", the user's account
(AR-01), consents (AR-03), payment means (AR-04), letters (AR-05 … AR-09,
the OTP of AR-02 passed through, never kept), statuses and webhooks (AR-10),
proofs (AR-12).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.errors import ProviderError
from liasse.records import (
    AccessReport,
    AccountLink,
    ConsentState,
    CredentialField,
    LetterKind,
    PaymentMean,
    ProofKind,
    ProviderInfo,
    ProviderLimits,
    ReceivedFile,
    RemoteConsent,
    RemoteExchange,
    RemoteLetter,
    WebhookNotice,
)

from liasse_ar24.settings import TITLE, AR24Settings

if TYPE_CHECKING:
    from liasse.records import LetterQuery, ProviderContext, RegisteredLetterDraft
    from liasse.records.remote import OutgoingDocument
    from liasse.secrets import Secret

    from liasse_ar24.client import AR24Client

#: AR24 publishes no size or count limit we could read (providers.md §1.14).
#: Letters are A4 PDFs (AR-05); 256 MB is the only cap found, Maileva's for one
#: send on the LREQ API that mirrors AR24. Both are assumptions (see the README).
LIMITS = ProviderLimits(
    max_file_size=256 * 1024 * 1024,
    media_types=frozenset({"application/pdf"}),
)


def _client(ctx: ProviderContext[AR24Settings]) -> AR24Client:
    """The HTTP client for this call's account.

    Imported at the first call rather than with this module: discovery
    (`liasse plugins`, every start-up) loads each plugin module and should
    not pay for the HTTP stack (P5).
    """
    from liasse_ar24.client import AR24Client

    return AR24Client(ctx)


@hookimpl
def liasse_provider_info() -> ProviderInfo:
    """AR24 sends registered letters with the office's API keys, on behalf of each user's AR24 account."""
    return ProviderInfo(
        title=TITLE,
        spec_version="1.2",  # the hook specs it was written against (liasse plugins shows them)
        capabilities=frozenset({Capability.REGISTERED_MAIL}),
        settings=AR24Settings,
        sandbox="liasse_ar24.sandbox:create_sandbox",
        credential_fields=(
            CredentialField("login", "E-mail du compte AR24", "AR24 account e-mail"),
            CredentialField("password", "Mot de passe AR24", "AR24 password", secret=True),
        ),
        limits=LIMITS,
        site_url="https://www.ar24.fr",
        demo="liasse_ar24.demo:run_story",
    )


@hookimpl
def liasse_check_access(ctx: ProviderContext[AR24Settings]) -> AccessReport:
    """"Tester l'accès au service": AR24 accepts the office's keys and knows the user's account.

    With the user's AR24 e-mail in the credentials, the account must be
    attached to the office's token (``GET user/``) and confirmed; without
    it, the keys alone are tested (``GET user/list``).
    """
    client = _client(ctx)
    login = ctx.credentials.login.strip() if ctx.credentials else ""
    if not login:
        users = client.users()
        return AccessReport(
            ok=True,
            account=ctx.office_name,
            detail=f"Jeton et clé privée acceptés par AR24 ; {len(users)} compte(s) AR24 rattaché(s) à l'étude.",
        )
    user = client.user(email=login)
    confirmed = _flag(user.get("confirmed", True))
    return AccessReport(ok=confirmed, account=str(user.get("email") or login), detail=_describe(user, confirmed))


def _describe(user: dict[str, Any], confirmed: bool) -> str:
    """What the user reads under "Tester l'accès": who the account is and what is left to do."""
    name = " ".join(str(user.get(k) or "") for k in ("firstname", "lastname")).strip()
    company = str(user.get("company") or "").strip()
    who = f"{name} ({company})" if name and company else name or company or "Compte AR24"
    parts = [f"{who}, compte AR24 n° {user.get('id', '?')}"]
    if not confirmed:
        parts.append("compte non confirmé : cliquez sur le lien de confirmation envoyé par AR24, puis réessayez")
    elif _flag(user.get("is_identity_verified", False)):
        parts.append("identité eIDAS vérifiée")
    else:
        parts.append("identité eIDAS non vérifiée : commandez la clé OTP avant un envoi eIDAS")
    return " ; ".join(parts) + "."


def _flag(value: Any) -> bool:
    """AR24 flags may arrive as booleans, 0/1 or "0"/"1"."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "oui"}


# --- AR-01: the user's account --------------------------------------------------------


#: AR24 ids of users' accounts by (API address, token's fingerprint, e-mail): an id never changes, so a
#: bulk send asks it once, not once per letter (AR-08: at most 2 requests per letter).
_USER_IDS: dict[tuple[str, str, str], str] = {}
_USER_IDS_LOCK = threading.Lock()


def _user_id(client: AR24Client, ctx: ProviderContext[AR24Settings]) -> str:
    """The AR24 id of the user's account, found by the e-mail in the user's credentials (then remembered)."""
    login = ctx.credentials.login.strip() if ctx.credentials else ""
    token = hashlib.sha256(ctx.settings.token.reveal().encode()).hexdigest()[:16]
    key = (str(ctx.settings.base_url), token, login.lower())
    with _USER_IDS_LOCK:
        known = _USER_IDS.get(key)
    if known is not None:
        return known
    found = _lookup_user_id(client, ctx, login)
    with _USER_IDS_LOCK:
        _USER_IDS[key] = found
    return found


def _lookup_user_id(client: AR24Client, ctx: ProviderContext[AR24Settings], login: str) -> str:
    """``GET user/?email=``: the id of the account with that e-mail, among those attached to the token."""
    if not login:
        raise ProviderError(
            title=TITLE,
            detail_fr="aucun compte AR24 n'est connecté pour cet utilisateur : renseignez son e-mail et son mot de passe.",
            detail_en="no AR24 account is connected for this user: enter its e-mail and password.",
        )
    return str(client.user(email=login).get("id", ""))


@hookimpl
def liasse_link_account(ctx: ProviderContext[AR24Settings]) -> AccountLink:
    """"Autoriser le compte": ``user/request_access``; AR24 e-mails the confirmation link."""
    client = _client(ctx)
    login = ctx.credentials.login.strip() if ctx.credentials else ""
    result = client.request_access(login)
    return AccountLink(str(result.get("id_user", "")), login, result.get("status") == "attached")


# --- AR-03: consents ------------------------------------------------------------------


@hookimpl
def liasse_list_consents(ctx: ProviderContext[AR24Settings]) -> tuple[RemoteConsent, ...]:
    """``GET consent/list``."""
    client = _client(ctx)
    return tuple(_consent(c) for c in client.consents(_user_id(client, ctx)))


@hookimpl
def liasse_request_consents(
    ctx: ProviderContext[AR24Settings], emails: tuple[str, ...], delay_days: int
) -> tuple[RemoteConsent, ...]:
    """``POST consent/`` with ``email[i]`` and ``delay``."""
    client = _client(ctx)
    return tuple(_consent(c) for c in client.request_consents(_user_id(client, ctx), list(emails), delay_days))


def _consent(raw: dict[str, Any]) -> RemoteConsent:
    state = {"accepted": ConsentState.ACCEPTED, "refused": ConsentState.REFUSED}.get(
        str(raw.get("status", "")), ConsentState.PENDING
    )
    return RemoteConsent(
        str(raw.get("id", "")), str(raw.get("email", "")), state, str(raw.get("link", "")), _date(raw.get("answered_at"))
    )


# --- AR-04: payment means -------------------------------------------------------------


@hookimpl
def liasse_list_payment_means(ctx: ProviderContext[AR24Settings]) -> tuple[PaymentMean, ...]:
    """The ``payment_means`` of ``user/info``."""
    client = _client(ctx)
    info = client.user_info(_user_id(client, ctx))
    means = info.get("payment_means") or []
    return tuple(
        PaymentMean(str(m.get("id", "")), str(m.get("label", ""))) for m in means if isinstance(m, dict)
    )


# --- AR-05 … AR-09: letters -----------------------------------------------------------

#: liasse's kinds of send and AR24's ``type`` (assumed for the notice and paper; see the README).
KINDS = {LetterKind.EIDAS: "lre", LetterKind.SIMPLE_NOTICE: "avis", LetterKind.PAPER: "paper"}
_ZIP_CITY = re.compile(r"^\s*(?P<zip>\d{4,5})\s+(?P<city>.+?)\s*$")


@hookimpl
def liasse_upload_letter_document(ctx: ProviderContext[AR24Settings], document: OutgoingDocument) -> str:
    """``POST attachment/``, streamed; the ``file_id``."""
    client = _client(ctx)
    return client.upload(_user_id(client, ctx), document.path, document.file_name)


@hookimpl
def liasse_send_registered_mail(
    ctx: ProviderContext[AR24Settings], letter: RegisteredLetterDraft, idempotency_key: str
) -> RemoteExchange:
    """``POST mail/`` with ``ref_client`` = the idempotency key (found again by :func:`liasse_find_sent`)."""
    client = _client(ctx)
    id_user = _user_id(client, ctx)
    ids = list(letter.document_ids) or [client.upload(id_user, d.path, d.file_name) for d in letter.documents]
    recipient = letter.recipient
    fields: dict[str, str] = {
        "id_user": id_user,
        "type": KINDS[letter.kind],
        "to_firstname": recipient.first_name,
        "to_lastname": recipient.last_name,
        "to_company": recipient.company or "",
        "to_email": recipient.email or "",
        "dest_statut": "professionnel" if recipient.professional else "particulier",
        "ref_client": idempotency_key,
        "ref_dossier": letter.file_reference or letter.reference,
        "ref_facturation": letter.billing_reference or "",
    }
    if letter.kind is LetterKind.EIDAS:
        fields["eidas"] = "1"
    if letter.kind is LetterKind.PAPER:
        fields.update(_postal(recipient.postal_address or ""))
        fields["color"] = "1" if letter.colour else "0"
        fields["duplex"] = "1" if letter.double_sided else "0"
    if letter.otp is not None:
        fields["otp"] = letter.otp.reveal()
    if letter.webhook_url:
        fields["webhook"] = letter.webhook_url
    fields.update({f"attachment[{i}]": file_id for i, file_id in enumerate(ids)})
    mail = client.send_mail(fields)
    return RemoteExchange(str(mail.get("id", "")), _date(mail.get("date")) or dt.datetime.now(dt.UTC))


def _postal(address: str) -> dict[str, str]:
    """"8 rue de la République, 45000 ORLÉANS" as AR24's address1, zipcode and city."""
    street, _, rest = address.rpartition(",")
    match = _ZIP_CITY.match(rest)
    if not street.strip() or match is None:
        return {"address1": address.strip()}
    return {"address1": street.strip(), "zipcode": match["zip"], "city": match["city"], "country": "FR"}


@hookimpl
def liasse_validate_letters(
    ctx: ProviderContext[AR24Settings], remote_ids: tuple[str, ...], otp: Secret
) -> tuple[RemoteLetter, ...]:
    """``POST mail/valid`` with ``id[i]`` and the OTP (assumed route; see the README)."""
    client = _client(ctx)
    return tuple(_letter(m) for m in client.validate(_user_id(client, ctx), list(remote_ids), otp.reveal()))


@hookimpl
def liasse_find_sent(ctx: ProviderContext[AR24Settings], operation: str, idempotency_key: str) -> RemoteExchange | None:
    """The mail whose ``ref_client`` is the key, among the user's (``GET user/mail``)."""
    if operation != "liasse_send_registered_mail":
        return None
    client = _client(ctx)
    for mail in client.mails(_user_id(client, ctx), ref_client=idempotency_key):
        if str(mail.get("ref_client", "")) == idempotency_key:
            return RemoteExchange(str(mail.get("id", "")), _date(mail.get("date")) or dt.datetime.now(dt.UTC))
    return None


# --- AR-10: statuses ------------------------------------------------------------------


@hookimpl
def liasse_read_letter(ctx: ProviderContext[AR24Settings], remote_id: str) -> RemoteLetter:
    """``GET mail/?id=``."""
    return _letter(_client(ctx).mail(remote_id))


@hookimpl
def liasse_list_letters(ctx: ProviderContext[AR24Settings], query: LetterQuery) -> tuple[RemoteLetter, ...]:
    """``GET user/mail`` with ``status``, ``start``, ``end``, ``ref_client``."""
    client = _client(ctx)
    mails = client.mails(
        _user_id(client, ctx),
        status=query.status or "",
        start=_paris(query.since) if query.since else "",
        end=_paris(query.until) if query.until else "",
        ref_client=query.reference or "",
    )
    return tuple(_letter(m) for m in mails)


@hookimpl
def liasse_read_webhook(ctx: ProviderContext[AR24Settings], headers: Mapping[str, str], body: bytes) -> WebhookNotice:
    """§1.12's form fields, unsigned: a hint naming ``id_mail``, never believed beyond a re-read."""
    from urllib.parse import parse_qs

    from liasse.webhooks.errors import WebhookRejected

    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items() if v}
    id_mail = fields.get("id_mail", "").strip()
    state = fields.get("new_state", "").strip()
    if not id_mail.isdigit() or not state:
        raise WebhookRejected(
            title=TITLE,
            reason="malformed",
            reason_fr="champs id_mail ou new_state absents",
            reason_en="id_mail or new_state missing",
            fix_fr="Une notification AR24 porte toujours ces deux champs : vérifiez l'expéditeur.",
            fix_en="An AR24 notification always carries both fields: check who sent it.",
        )
    # AR24 gives no event id: a mail reaches each state once, so the pair names the event.
    return WebhookNotice(event_id=f"{id_mail}:{state}", kind=state, remote_ids=(id_mail,), trusted=False)


# --- AR-12: proofs --------------------------------------------------------------------


@hookimpl
def liasse_fetch_proof(
    ctx: ProviderContext[AR24Settings], remote_id: str, proof: ProofKind, dest_dir: Path
) -> ReceivedFile:
    """The proof's URL from the mail details, downloaded and hashed."""
    client = _client(ctx)
    url = client.mail(remote_id).get(f"proof_{proof.value}_url")
    if not url:
        raise ProviderError(
            title=TITLE,
            detail_fr=f"la preuve « {proof.value} » du courrier {remote_id} n'existe pas encore.",
            detail_en=f"proof '{proof.value}' of mail {remote_id} does not exist yet.",
        )
    dest = client.download(str(url), dest_dir / f"AR24-{proof.value}-{remote_id}.pdf")
    data = dest.read_bytes()
    return ReceivedFile(
        remote_id, dest, dest.name, "application/pdf", len(data), hashlib.sha256(data).hexdigest(), dt.datetime.now(dt.UTC)
    )


def _letter(raw: dict[str, Any]) -> RemoteLetter:
    proofs = tuple(kind for kind in ProofKind if raw.get(f"proof_{kind.value}_url"))
    name = " ".join(str(raw.get(k) or "") for k in ("to_firstname", "to_lastname")).strip()
    return RemoteLetter(
        remote_id=str(raw.get("id", "")),
        status=str(raw.get("status", "")),
        reference=str(raw.get("ref_client", "")),
        created_at=_date(raw.get("date")) or dt.datetime.now(dt.UTC),
        sent_at=_date(raw.get("ts_ev_date")),
        acknowledged_at=_date(raw.get("view_date")),
        refused_at=_date(raw.get("refused_date")),
        negligence_at=_date(raw.get("negligence_date")),
        bounced_at=_date(raw.get("bounced_date")),
        proofs=proofs,
        recipient_email=str(raw.get("to_email") or "") or None,
        recipient_name=name,
    )


def _date(value: Any) -> dt.datetime | None:
    """An AR24 date (Paris time) as an aware UTC datetime; None when absent or unreadable."""
    if not value:
        return None
    from liasse_ar24.signing import parse_paris_date  # with the client's modules, at first use (P5)

    found = parse_paris_date(str(value))
    return found[0] if found else None


def _paris(moment: dt.datetime) -> str:
    """A moment as AR24 writes dates (Europe/Paris); the signing module loads at first use, as the client does (P5)."""
    from liasse_ar24.signing import paris_now_string

    return paris_now_string(moment)
