"""The AR24 sandbox's letters: accounts' links, OTP, payment means, consents, attachments, mails, proofs.

:mod:`liasse_ar24.sandbox` holds the authentication and the envelope; this
module adds what a sender does with AR24 and what a recipient sees, as
real routes on the same Flask app (``research/providers.md`` §1.6–§1.13,
and the assumptions listed in ``plugins/ar24/README.md`` where AR24's routes
are not public: consents, validation of queued letters, paper letters,
electronic notices).

Business time (deadlines, negligence, OTP hashes) runs on
:meth:`LetterBook.now`, the real time plus an offset tests and the demo move
forward with ``POST /_sandbox/clock`` (``{"days": 16}``); the request
``date`` check keeps the real clock, as AR24's servers would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from liasse_ar24.sandbox import AR24Failure, AR24State, ApiCall, api_route
from liasse_ar24.signing import DATE_FORMAT, PARIS

if TYPE_CHECKING:
    from liasse.sandbox import Sandbox
    from liasse.sandbox.webhooks import WebhookSender

#: The demo user's eIDAS OTP key (AR-02): AR24 posts it on paper; the sandbox prints it for the demo.
DEMO_OTP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
#: AR-11: the recipient has 15 days to accept an eIDAS letter, 21 days an electronic notice.
CLAIM_DAYS = {"lre": 15, "avis": 21, "paper": 15}
#: An ``auth_otp`` hash allows eIDAS sends for one hour (§1.7).
OTP_HASH_LIFETIME = dt.timedelta(hours=1)
#: A validated letter leaves AR24's queue this long after validation (business time).
DISPATCH_DELAY = dt.timedelta(seconds=30)
#: Consent requests: the sender picks a reply delay between these (§1.10).
CONSENT_DELAYS = range(3, 31)
#: File limit per attachment (assumption, see the README: AR24 publishes none).
MAX_FILE_SIZE = 256 * 1024 * 1024
#: A4 in PDF points, with 1 pt of tolerance either way (rounding in PDF producers).
A4 = (595.28, 841.89)
#: AR24 re-sends an unanswered webhook every 15 minutes, 48 times in all (§1.12).
WEBHOOK_RETRY_DELAYS: tuple[float, ...] = (15 * 60.0,) * 47

SLUG_MESSAGES: dict[str, tuple[str, str]] = {
    "user_already_attached": ("Ce compte est déjà rattaché à votre API.", "This account is already attached."),
    "user_already_exist": ("Un utilisateur avec la même adresse e-mail existe déjà.", "A user with the same email address already exists."),
    "missing_firstname": ("Le prénom est manquant.", "The first name is missing."),
    "missing_lastname": ("Le nom est manquant.", "The last name is missing."),
    "missing_email": ("L'adresse e-mail est manquante.", "The e-mail address is missing."),
    "email_wrong_format": ("L'adresse e-mail est mal formée.", "The e-mail address is malformed."),
    "missing_city": ("La ville est manquante.", "The city is missing."),
    "missing_zipcode": ("Le code postal est manquant.", "The postcode is missing."),
    "missing_country": ("Le pays est manquant.", "The country is missing."),
    "missing_company_siret": ("Le SIRET est manquant.", "The SIRET is missing."),
    "error_company_siret": ("Le SIRET est invalide.", "The SIRET is invalid."),
    "missing_otp": ("Le code OTP est manquant.", "The OTP code is missing."),
    "invalid_otp": ("Le code OTP est invalide.", "The OTP code is invalid."),
    "otp_expired": ("Le code OTP a expiré.", "The OTP code has expired."),
    "otp_already_used": ("Ce code OTP a déjà été utilisé.", "This OTP code was already used."),
    "invalid_auth_otp_hash": ("Le jeton d'identification eIDAS est invalide ou expiré.", "The eIDAS hash is invalid or expired."),
    "identity_not_verified": ("L'identité eIDAS de l'expéditeur n'est pas vérifiée.", "The sender's eIDAS identity is not verified."),
    "missing_file": ("Le fichier est manquant.", "The file is missing."),
    "file_too_large": ("Le fichier dépasse la taille autorisée.", "The file is too large."),
    "invalid_file": ("Le fichier n'est pas un PDF lisible.", "The file is not a readable PDF."),
    "page_not_a4": ("Une page n'est pas au format A4.", "A page is not A4."),
    "invalid_email": ("L'adresse e-mail du destinataire est invalide.", "The recipient's e-mail is invalid."),
    "invalid_recipient": ("Le destinataire est incomplet.", "The recipient is incomplete."),
    "missing_address": ("L'adresse postale est manquante.", "The postal address is missing."),
    "invalid_type": ("Type d'envoi inconnu.", "Unknown kind of send."),
    "attachment_not_exist": ("La pièce jointe n'existe pas.", "The attachment does not exist."),
    "mail_not_exist": ("Le courrier n'existe pas.", "The mail does not exist."),
    "mail_not_to_valid": ("Ce courrier n'est pas en attente de validation.", "This mail is not awaiting validation."),
    "no_payment_mean": ("Aucun moyen de paiement pour ce compte.", "No payment means for this account."),
    "invalid_delay": ("Le délai de réponse doit être compris entre 3 et 30 jours.", "The reply delay must be 3 to 30 days."),
    "consent_required": ("Le destinataire n'a pas donné son consentement.", "The recipient has not consented."),
}


@attrs.define
class PaymentMean:
    """A way a user pays AR24 (§1.11): a card, a mandate, the team's or the partner's billing."""

    id: int
    label: str
    kind: str


@attrs.define
class Attachment:
    """A file uploaded with ``attachment/``."""

    id: str
    user_id: int
    name: str
    content: bytes = attrs.field(repr=False)

    @property
    def sha1(self) -> str:
        """AR24 lists each attachment's SHA-1 in the mail details (§1.6)."""
        return hashlib.sha1(self.content, usedforsecurity=False).hexdigest()


@attrs.define
class Consent:
    """A consent request of the consent manager (§1.10)."""

    id: int
    user_id: int
    email: str
    token: str = attrs.field(repr=False)
    requested_at: dt.datetime
    deadline: dt.datetime
    status: str = "pending"
    answered_at: dt.datetime | None = None


@attrs.define
class Mail:
    """A registered letter (§1.6 field names)."""

    id: int
    user_id: int
    type: str
    fields: dict[str, str]
    attachments: list[str]
    token: str = attrs.field(repr=False)
    created_at: dt.datetime
    status: str = "to_valid"
    webhook: str | None = None
    validated_at: dt.datetime | None = None
    ts_ev_date: dt.datetime | None = None
    view_date: dt.datetime | None = None
    refused_date: dt.datetime | None = None
    negligence_date: dt.datetime | None = None
    bounced_date: dt.datetime | None = None
    identified: bool = False

    def deadline(self) -> dt.datetime | None:
        """When an unclaimed letter becomes negligence."""
        return None if self.ts_ev_date is None else self.ts_ev_date + dt.timedelta(days=CLAIM_DAYS[self.type])


def _fmt(moment: dt.datetime | None) -> str | None:
    """AR24 dates: Paris time, ``YYYY-MM-DD HH:MM:SS``."""
    return None if moment is None else moment.astimezone(PARIS).strftime(DATE_FORMAT)


class LetterBook:
    """The sandbox's letters, consents, OTP keys and payment means, added to an :class:`AR24State`."""

    def __init__(self, state: AR24State, sandbox: Sandbox, sender: WebhookSender) -> None:
        self.state = state
        self.sandbox = sandbox
        self.sender = sender
        self.offset = dt.timedelta()
        self.lock = threading.RLock()
        self.otp_keys: dict[int, str] = {}
        self.used_otps: set[tuple[int, str]] = set()
        self.otp_hashes: dict[str, tuple[int, dt.datetime]] = {}
        self.payment_means: dict[int, list[PaymentMean]] = {}
        self.attachments: dict[str, Attachment] = {}
        self.consents: dict[int, Consent] = {}
        self.mails: dict[int, Mail] = {}
        #: Ids of letters waiting or sent: the ones time can still move.
        self.active: set[int] = set()
        self.access_requests: dict[str, tuple[int, str]] = {}
        self._ids = 5000
        #: Every request to ``attachment/``, so a benchmark can count uploads.
        self.uploads = 0

    def now(self) -> dt.datetime:
        """Business time: the real clock moved forward by :attr:`offset`."""
        return self.state.clock() + self.offset

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    # --- time passing ----------------------------------------------------------------

    def tick(self) -> None:
        """Apply what time did: validated letters leave, unclaimed ones lapse, silent consents are refused."""
        now = self.now()
        with self.lock:
            # Only letters still moving are looked at: a tick stays cheap however many letters are done.
            for mail in [m for m in (self.mails.get(i) for i in list(self.active)) if m is not None]:
                if mail.status not in ("waiting", "sent"):
                    self.active.discard(mail.id)
                    continue
                if mail.status == "waiting" and mail.validated_at and now - mail.validated_at >= DISPATCH_DELAY:
                    self._dispatch(mail, now)
                deadline = mail.deadline()
                # A paper letter not claimed at the post office within 15 days lapses too.
                if mail.status == "sent" and deadline is not None and now >= deadline:
                    mail.negligence_date = deadline
                    self.change(mail, "negligence")
            for consent in [c for c in self.consents.values() if c.status == "pending"]:
                if now >= consent.deadline:
                    consent.status, consent.answered_at = "refused", consent.deadline

    def _dispatch(self, mail: Mail, now: dt.datetime) -> None:
        """The letter leaves: time-stamped, the recipient told (e-mail with the deadline), or posted."""
        mail.ts_ev_date = now
        email = mail.fields.get("to_email", "")
        if mail.type != "paper" and email.endswith(".invalid"):
            # A domain that cannot exist bounces, as a real mailbox provider would.
            mail.bounced_date = now
            self.change(mail, "sent")
            self.change(mail, "bounced")
            return
        self.change(mail, "sent")
        if mail.type == "paper":
            return
        link = self.sandbox.public_url(f"/r/{mail.id}/{mail.token}")
        deadline = _fmt(mail.deadline())
        sender = self.state.users[mail.user_id]
        if mail.type == "lre":
            body = (
                f"Bonjour,\n\nVous avez reçu une lettre recommandée électronique. Vous avez jusqu'au {deadline} "
                f"(15 jours) pour l'accepter ou la refuser, après vous être identifié.\n\n{link}\n\n"
                "Sans réponse de votre part, la lettre sera considérée comme négligée."
            )
        else:
            body = (
                f"Bonjour,\n\n{sender.firstname} {sender.lastname} ({sender.company}) vous adresse un avis "
                f"électronique. Accusez-en réception d'un clic avant le {deadline} (21 jours).\n\n{link}"
            )
        self.sandbox.outbox.email(email, "Lettre recommandée électronique AR24", body)

    def change(self, mail: Mail, status: str) -> None:
        """Set a status and tell the sender's webhook with §1.12's fields (form-encoded, unsigned)."""
        mail.status = status
        if status in ("waiting", "sent"):
            self.active.add(mail.id)
        if not mail.webhook:
            return
        proof_kind = {"sent": "ev", "AR": "ar", "refused": "rf", "negligence": "ng", "bounced": "bc"}.get(status)
        data = {
            "id_mail": str(mail.id),
            "new_state": status,
            "proof_url": self.proof_url(mail, proof_kind) if proof_kind else "",
            "view_date": _fmt(mail.view_date) or "",
            "refused_date": _fmt(mail.refused_date) or "",
            "negligence_date": _fmt(mail.negligence_date) or "",
            "ts_ev_date": _fmt(mail.ts_ev_date) or "",
        }
        owner = f"webhook:{mail.webhook}"
        if not self.sender.subscriptions(owner):
            # The URL comes with the request (``webhook`` field, as the legacy API had it): subscribed on first use.
            self.sender.subscribe(owner, mail.webhook, signed=False)
        self.sender.emit(owner, status, data)

    # --- OTP (AR-02) -----------------------------------------------------------------

    def check_otp(self, user_id: int, otp: str) -> None:
        """A 6-digit TOTP of the user's key, 30 s steps, used once."""
        import pyotp

        key = self.otp_keys.get(user_id)
        if key is None:
            raise AR24Failure("identity_not_verified")
        otp = otp.strip()
        if not otp:
            raise AR24Failure("missing_otp")
        totp = pyotp.TOTP(key, digits=6, interval=30)
        moment = self.state.clock()
        if not totp.verify(otp, for_time=moment, valid_window=1):
            # Known to the key but too old: tell it apart, the user needs a fresh code, not another key.
            if totp.verify(otp, for_time=moment - dt.timedelta(minutes=5), valid_window=10):
                raise AR24Failure("otp_expired")
            raise AR24Failure("invalid_otp")
        with self.lock:
            if (user_id, otp) in self.used_otps:
                raise AR24Failure("otp_already_used")
            self.used_otps.add((user_id, otp))

    def check_identification(self, user_id: int, params: dict[str, str]) -> None:
        """``otp`` or a still-valid ``auth_otp_hash`` of the same user."""
        hashed = params.get("auth_otp_hash", "").strip()
        if hashed:
            owner = self.otp_hashes.get(hashed)
            if owner is None or owner[0] != user_id or owner[1] <= self.now():
                raise AR24Failure("invalid_auth_otp_hash")
            return
        self.check_otp(user_id, params.get("otp", ""))

    # --- proofs (AR-12) --------------------------------------------------------------

    def proof_url(self, mail: Mail, kind: str) -> str:
        """§1.6's shape: ``/get/proof/<kind>-<id>?token=…``."""
        return self.sandbox.public_url(f"/get/proof/{kind}-{mail.id}?token={mail.token}")

    def proof_pdf(self, mail: Mail, kind: str) -> bytes:
        """A proof as a PDF: what, to whom, when, and the content's SHA-256."""
        from fpdf import FPDF

        titles = {
            "dp": "Preuve de dépôt",
            "ev": "Preuve d'envoi",
            "ar": "Accusé de réception",
            "rf": "Preuve de refus",
            "ng": "Preuve de négligence",
            "bc": "Preuve de rebond",
        }
        moments = {
            "dp": mail.ts_ev_date,
            "ev": mail.ts_ev_date,
            "ar": mail.view_date,
            "rf": mail.refused_date,
            "ng": mail.negligence_date,
            "bc": mail.bounced_date,
        }
        pdf = FPDF(format="A4")
        pdf.add_page()
        pdf.set_font("Helvetica", size=14)
        pdf.cell(0, 10, f"AR24 - {titles[kind]}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        digest = hashlib.sha256(b"".join(self.attachments[a].content for a in mail.attachments)).hexdigest()
        to = " ".join(mail.fields.get(k, "") for k in ("to_firstname", "to_lastname")).strip()
        for line in (
            f"Courrier n° {mail.id} ({mail.type})",
            f"Destinataire : {to} {mail.fields.get('to_email', '')}",
            f"Date : {_fmt(moments[kind]) or '-'} (heure de Paris)",
            f"Empreinte SHA-256 du contenu : {digest}",
            f"Référence client : {mail.fields.get('ref_client', '')}",
        ):
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())

    def to_json(self, mail: Mail) -> dict[str, Any]:
        """The mail object as ``mail/`` returns it (§1.6)."""
        proofs: dict[str, str | None] = {}
        for kind, status_ok in (
            ("dp", mail.ts_ev_date is not None),
            ("ev", mail.ts_ev_date is not None),
            ("ar", mail.view_date is not None),
            ("rf", mail.refused_date is not None),
            ("ng", mail.negligence_date is not None),
            ("bc", mail.bounced_date is not None),
        ):
            proofs[f"proof_{kind}_url"] = self.proof_url(mail, kind) if status_ok else None
        sender = self.state.users[mail.user_id]
        return {
            "id": mail.id,
            "type": mail.type,
            "status": mail.status,
            "id_sender": mail.user_id,
            "id_creator": mail.user_id,
            "from_name": f"{sender.firstname} {sender.lastname}",
            "from_email": sender.email,
            "is_eidas": mail.type == "lre",
            "date": _fmt(mail.created_at),
            "ts_ev_date": _fmt(mail.ts_ev_date),
            "view_date": _fmt(mail.view_date),
            "refused_date": _fmt(mail.refused_date),
            "negligence_date": _fmt(mail.negligence_date),
            "bounced_date": _fmt(mail.bounced_date),
            "attachments": list(mail.attachments),
            "attachments_details": [
                {"id": a.id, "name": a.name, "hash_sha1": a.sha1, "file_size": len(a.content)}
                for a in (self.attachments[i] for i in mail.attachments)
            ],
            **{k: v for k, v in mail.fields.items()},
            **proofs,
        }


def _check_pdf(content: bytes) -> None:
    """A readable PDF, every page A4 (portrait or landscape)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        pages = list(reader.pages)
    except (PyPdfError, ValueError, OSError):
        raise AR24Failure("invalid_file") from None
    if not pages:
        raise AR24Failure("invalid_file")
    for page in pages:
        size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        if abs(size[0] - A4[0]) > 1.5 or abs(size[1] - A4[1]) > 1.5:
            raise AR24Failure("page_not_a4")


def mount_letters(sandbox: Sandbox, state: AR24State, *, retry_delays: tuple[float, ...] | None = None) -> LetterBook:
    """Add AR24's sender and recipient routes to ``sandbox``; returns the book tests can read."""
    from flask import Response, abort, jsonify, request

    from liasse.sandbox.webhooks import WebhookSender, mount_webhook_sender

    sender = mount_webhook_sender(sandbox, WebhookSender(retry_delays or WEBHOOK_RETRY_DELAYS, scheme="form"))
    book = LetterBook(state, sandbox, sender)
    app = sandbox.app
    app.config["AR24_LETTERS"] = book
    from liasse_ar24 import sandbox as base

    base.MESSAGES.update(SLUG_MESSAGES)
    for user in state.users.values():
        book.otp_keys[user.id] = DEMO_OTP_KEY
        user.is_identity_verified = True
        book.payment_means[user.id] = [PaymentMean(1, "Carte bancaire **** 4242", "stripe")]
    if state.users:
        first = next(iter(state.users.values()))
        sandbox.demo_accounts.append(
            base.DemoAccount(first.email, DEMO_OTP_KEY, "clé OTP eIDAS (AR-02, TOTP 6 chiffres, 30 s) / eIDAS OTP key")
        )

    def route(rule: str, methods: tuple[str, ...]) -> Callable[[Callable[[ApiCall], Any]], Callable[[ApiCall], Any]]:
        def decorator(handler: Callable[[ApiCall], Any]) -> Callable[[ApiCall], Any]:
            def ticking(call: ApiCall) -> Any:
                book.tick()
                with book.lock:
                    return handler(call)

            ticking.__name__ = handler.__name__
            return api_route(app, state, rule, methods)(ticking)

        return decorator

    def user_of(call: ApiCall) -> Any:
        return state.find_user(call.account, id_user=call.params.get("id_user", ""))

    # --- users (AR-01, AR-04) -------------------------------------------------------

    @route("user/", ("POST",))
    def user_create(call: ApiCall) -> Any:
        """Create a sender account attached to the token (§1.6's fields and slugs); AR24 e-mails its confirmation."""
        params = call.params
        for field in ("firstname", "lastname", "email", "address1", "city", "zipcode", "country"):
            if not params.get(field, "").strip():
                raise AR24Failure(f"missing_{field if field != 'address1' else 'address'}")
        email = params["email"].strip()
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            raise AR24Failure("email_wrong_format")
        if params.get("statut", "particulier") in ("professionnel", "administration") and params.get("country") == "FR":
            siret = params.get("company_siret", "").replace(" ", "")
            if not siret:
                raise AR24Failure("missing_company_siret")
            if not (siret.isdigit() and len(siret) == 14):
                raise AR24Failure("error_company_siret")
        if any(u.email.lower() == email.lower() for u in state.users.values()):
            raise AR24Failure("user_already_exist")
        user = state.add_user(
            email,
            secrets.token_urlsafe(12),
            attached_to=call.account.token,
            firstname=params["firstname"],
            lastname=params["lastname"],
            company=params.get("company", ""),
            statut=params.get("statut", "particulier"),
            address1=params["address1"],
            zipcode=params["zipcode"],
            city=params["city"],
            country=params["country"],
            confirmed=params.get("confirmed") == "1",
        )
        if not user.confirmed:
            token = secrets.token_urlsafe(16)
            book.access_requests[token] = (user.id, call.account.token)
            link = sandbox.public_url(f"/confirm_access/{token}")
            sandbox.outbox.email(email, "AR24 : confirmez votre compte", f"Confirmez votre compte AR24 : {link}")
        return user.to_json()

    @route("user/request_access", ("POST",))
    def request_access(call: ApiCall) -> Any:
        """Ask an existing AR24 user to attach to the token: AR24 e-mails a confirmation link."""
        email = call.params.get("email", "").strip().lower()
        user = next((u for u in state.users.values() if u.email.lower() == email), None)
        if user is None:
            raise AR24Failure("user_not_exist")
        if call.account.token in user.tokens:
            return {"id_user": user.id, "status": "attached"}
        token = secrets.token_urlsafe(16)
        book.access_requests[token] = (user.id, call.account.token)
        link = sandbox.public_url(f"/confirm_access/{token}")
        sandbox.outbox.email(
            user.email,
            "AR24 : autorisez l'accès à votre compte",
            f"Bonjour,\n\n{call.account.name} demande l'accès à votre compte AR24. Pour l'autoriser, "
            f"cliquez sur ce lien :\n\n{link}\n",
        )
        return {"id_user": user.id, "status": "pending"}

    @app.route("/confirm_access/<token>", methods=["GET", "POST"])
    def confirm_access(token: str) -> Any:
        found = book.access_requests.get(token)
        if found is None:
            abort(404)
        if request.method == "GET":
            return _page("Autoriser l'accès", '<form method="post"><button>Autoriser</button></form>')
        user_id, api_token = book.access_requests.pop(token)
        state.users[user_id].tokens.add(api_token)
        state.users[user_id].confirmed = True
        return _page("Accès autorisé", "<p>Votre compte AR24 est rattaché.</p>")

    @route("user/info", ("GET",))
    def user_info(call: ApiCall) -> Any:
        """The user with its payment means (§1.11)."""
        user = user_of(call)
        means = book.payment_means.get(user.id, [])
        return {
            **user.to_json(),
            "has_payment_mean": bool(means),
            "payment_means": [{"id": m.id, "label": m.label, "type": m.kind} for m in means],
        }

    @route("user/payment_request", ("POST",))
    def payment_request(call: ApiCall) -> Any:
        """E-mail (or, with ``get_link``, return) the link where the user adds a payment means."""
        user = user_of(call)
        link = sandbox.public_url(f"/payment/{user.id}")
        if call.params.get("get_link") in ("1", "true"):
            return {"link": link}
        sandbox.outbox.email(user.email, "AR24 : ajoutez un moyen de paiement", f"Ajoutez-le ici : {link}")
        return {"sent": True}

    @route("user/auth_otp", ("POST",))
    def auth_otp(call: ApiCall) -> Any:
        """Trade one OTP for a hash that allows eIDAS sends for an hour."""
        user = user_of(call)
        book.check_otp(user.id, call.params.get("otp", ""))
        hashed = secrets.token_hex(20)
        expires = book.now() + OTP_HASH_LIFETIME
        book.otp_hashes[hashed] = (user.id, expires)
        return {"hash": hashed, "expiration_date": _fmt(expires)}

    # --- consents (AR-03; routes assumed, see the README) -------------------------

    @route("consent/", ("POST",))
    def consent_request(call: ApiCall) -> Any:
        """Send consent requests to ``email[0..n]`` with a reply delay of ``delay`` days (3 to 30)."""
        user = user_of(call)
        try:
            delay = int(call.params.get("delay", "15"))
        except ValueError:
            raise AR24Failure("invalid_delay") from None
        if delay not in CONSENT_DELAYS:
            raise AR24Failure("invalid_delay")
        emails = [v.strip() for k, v in sorted(call.params.items()) if k.startswith("email[") and v.strip()]
        if not emails or any("@" not in e for e in emails):
            raise AR24Failure("invalid_email")
        made = []
        for email in emails:
            now = book.now()
            consent = Consent(book.next_id(), user.id, email, secrets.token_urlsafe(16), now, now + dt.timedelta(days=delay))
            book.consents[consent.id] = consent
            link = sandbox.public_url(f"/consent/{consent.token}")
            sandbox.outbox.email(
                email,
                "Consentement à recevoir des lettres recommandées électroniques",
                f"{user.firstname} {user.lastname} ({user.company}) souhaite vous adresser des lettres recommandées "
                f"électroniques à cette adresse. Répondez avant le {_fmt(consent.deadline)} : sans réponse, "
                f"votre consentement sera considéré comme refusé.\n\n{link}",
            )
            made.append(_consent_json(consent, sandbox))
        return {"consents": made}

    @route("consent/list", ("GET",))
    def consent_list(call: ApiCall) -> Any:
        """Every consent request of the user, with its state."""
        user = user_of(call)
        return {"consents": [_consent_json(c, sandbox) for c in book.consents.values() if c.user_id == user.id]}

    @app.route("/consent/<token>", methods=["GET", "POST"])
    def consent_page(token: str) -> Any:
        book.tick()
        consent = next((c for c in book.consents.values() if c.token == token), None)
        if consent is None:
            abort(404)
        if request.method == "POST" and consent.status == "pending":
            consent.status = "accepted" if request.form.get("answer") == "accept" else "refused"
            consent.answered_at = book.now()
        if consent.status != "pending":
            return _page("Consentement", f'<p id="status">{consent.status}</p>')
        return _page(
            "Consentement",
            f"<p>Acceptez-vous de recevoir des lettres recommandées électroniques à {html.escape(consent.email)} ?</p>"
            '<form method="post"><button name="answer" value="accept">J\'accepte</button>'
            '<button name="answer" value="refuse">Je refuse</button></form>',
        )

    # --- attachments and mails (AR-05 … AR-10) --------------------------------------

    @app.before_request
    def _count_uploads() -> None:
        if request.path.rstrip("/").endswith("/api/attachment"):
            book.uploads += 1

    @route("attachment/", ("POST",))
    def attachment(call: ApiCall) -> Any:
        """Upload one PDF (multipart ``file``), A4 only."""
        user = user_of(call)
        upload = request.files.get("file")
        if upload is None:
            raise AR24Failure("missing_file")
        content = upload.read(MAX_FILE_SIZE + 1)
        if len(content) > MAX_FILE_SIZE:
            raise AR24Failure("file_too_large")
        _check_pdf(content)
        found = Attachment(secrets.token_hex(8), user.id, upload.filename or "document.pdf", content)
        book.attachments[found.id] = found
        return {"file_id": found.id}

    @route("mail/", ("POST",))
    def mail_send(call: ApiCall) -> Any:
        """Prepare a letter: ``type`` lre (eIDAS), avis (electronic notice) or paper; to_valid, or waiting with an OTP."""
        user = user_of(call)
        params = dict(call.params)
        kind = params.pop("type", "lre" if params.get("eidas") == "1" else "avis")
        if kind not in CLAIM_DAYS:
            raise AR24Failure("invalid_type")
        if not book.payment_means.get(user.id):
            raise AR24Failure("no_payment_mean")
        ids = [v for k, v in sorted(params.items()) if k.startswith("attachment[")]
        if not ids or any(i not in book.attachments or book.attachments[i].user_id != user.id for i in ids):
            raise AR24Failure("attachment_not_exist")
        if not params.get("to_lastname") and not params.get("to_company"):
            raise AR24Failure("invalid_recipient")
        if kind == "paper":
            if not (params.get("address1") and params.get("zipcode") and params.get("city")):
                raise AR24Failure("missing_address")
        elif "@" not in params.get("to_email", ""):
            raise AR24Failure("invalid_email")
        identify = bool(params.get("otp") or params.get("auth_otp_hash"))
        if identify:
            book.check_identification(user.id, params)
        fields = {
            k: v
            for k, v in params.items()
            if not k.startswith("attachment[") and k not in ("otp", "auth_otp_hash", "id_user", "webhook", "eidas")
        }
        mail = Mail(
            book.next_id(), user.id, kind, fields, ids, secrets.token_urlsafe(16), book.now(), webhook=params.get("webhook")
        )
        book.mails[mail.id] = mail
        if identify:
            # Identified at once: straight to AR24's queue; otherwise to_valid until mail/valid (assumption, README).
            mail.validated_at = book.now()
            book.change(mail, "waiting")
        return book.to_json(mail)

    @route("mail/valid", ("POST",))
    def mail_valid(call: ApiCall) -> Any:
        """Validate queued letters ``id[0..n]`` with one OTP (or hash): they go to ``waiting``."""
        user = user_of(call)
        ids = [v for k, v in sorted(call.params.items()) if k.startswith("id[")]
        mails = []
        for raw in ids:
            mail = book.mails.get(int(raw)) if raw.isdigit() else None
            if mail is None or mail.user_id != user.id:
                raise AR24Failure("mail_not_exist")
            if mail.status != "to_valid":
                raise AR24Failure("mail_not_to_valid")
            mails.append(mail)
        book.check_identification(user.id, dict(call.params))
        for mail in mails:
            mail.validated_at = book.now()
            book.change(mail, "waiting")
        return {"mails": [book.to_json(m) for m in mails]}

    @route("mail/", ("GET",))
    def mail_get(call: ApiCall) -> Any:
        """A mail's details by ``id``."""
        raw = call.params.get("id", "")
        mail = book.mails.get(int(raw)) if raw.isdigit() else None
        if mail is None or call.account.token not in state.users[mail.user_id].tokens:
            raise AR24Failure("mail_not_exist")
        return book.to_json(mail)

    @route("user/mail", ("GET",))
    def user_mails(call: ApiCall) -> Any:
        """The user's mails, filtered by ``ref_client``, ``status`` and ``start``/``end`` dates."""
        user = user_of(call)
        found = [m for m in book.mails.values() if m.user_id == user.id]
        if call.params.get("ref_client"):
            found = [m for m in found if m.fields.get("ref_client") == call.params["ref_client"]]
        if call.params.get("status"):
            found = [m for m in found if m.status == call.params["status"]]
        for bound, keep in (("start", lambda m, d: m.created_at >= d), ("end", lambda m, d: m.created_at <= d)):
            if call.params.get(bound):
                when = dt.datetime.strptime(call.params[bound], DATE_FORMAT).replace(tzinfo=PARIS)
                found = [m for m in found if keep(m, when)]
        return {"mails": [book.to_json(m) for m in found]}

    # --- proofs and the recipient's side (AR-11, AR-12) ------------------------------

    @app.get("/get/proof/<kind>-<int:mail_id>")
    def proof(kind: str, mail_id: int) -> Any:
        mail = book.mails.get(mail_id)
        if mail is None or request.args.get("token") != mail.token or kind not in ("dp", "ev", "ar", "rf", "ng", "bc"):
            abort(404)
        if book.to_json(mail).get(f"proof_{kind}_url") is None:
            abort(404)
        return Response(book.proof_pdf(mail, kind), mimetype="application/pdf")

    @app.route("/r/<int:mail_id>/<token>", methods=["GET", "POST"])
    def recipient(mail_id: int, token: str) -> Any:
        book.tick()
        mail = book.mails.get(mail_id)
        if mail is None or not secrets.compare_digest(token, mail.token):
            abort(404)
        action = request.form.get("action") if request.method == "POST" else None
        if mail.status == "sent" and action == "identify" and mail.type == "lre":
            typed = request.form.get("lastname", "").strip().upper()
            mail.identified = typed == mail.fields.get("to_lastname", "").strip().upper()
            if not mail.identified:
                return _page("Identification", '<p id="error">Identité non reconnue.</p>'), 403
        elif mail.status == "sent" and action in ("accept", "refuse"):
            if mail.type == "lre" and not mail.identified:
                return _page("Identification", '<p id="error">Identifiez-vous d\'abord.</p>'), 403
            if action == "accept":
                mail.view_date = book.now()
                book.change(mail, "AR")
                body = "Le contenu de la lettre est joint à ce message. Preuve : " + book.proof_url(mail, "ar")
                book.sandbox.outbox.email(mail.fields.get("to_email", ""), "Votre lettre recommandée", body)
            elif mail.type == "lre":
                mail.refused_date = book.now()
                book.change(mail, "refused")
        deadline = _fmt(mail.deadline())
        if mail.status != "sent":
            return _page("Lettre recommandée", f'<p id="status">{mail.status}</p>')
        if mail.type == "lre" and not mail.identified:
            form = (
                f"<p>À accepter ou refuser avant le {deadline}. Identifiez-vous :</p>"
                '<form method="post"><input name="lastname"><button name="action" value="identify">'
                "M'identifier</button></form>"
            )
        else:
            refuse = '<button name="action" value="refuse">Refuser</button>' if mail.type == "lre" else ""
            form = (
                f"<p>À accepter avant le {deadline}.</p><form method=\"post\">"
                f'<button name="action" value="accept">Accepter</button>{refuse}</form>'
            )
        return _page("Lettre recommandée", form)

    # --- test and demo controls -----------------------------------------------------

    @app.post("/_sandbox/clock")
    def clock_forward() -> Any:
        body = request.get_json(force=True, silent=True) or {}
        book.offset += dt.timedelta(days=float(body.get("days", 0)), seconds=float(body.get("seconds", 0)))
        book.tick()
        return jsonify({"now": _fmt(book.now())})

    @app.post("/_sandbox/payment_means/<int:user_id>")
    def set_payment_means(user_id: int) -> Any:
        body = request.get_json(force=True, silent=True) or {}
        book.payment_means[user_id] = [PaymentMean(i + 1, str(m), "stripe") for i, m in enumerate(body.get("means", []))]
        return jsonify({"count": len(book.payment_means[user_id])})

    @app.post("/_sandbox/users")
    def add_user() -> Any:
        """Create an AR24 account attached to no API (AR-01 tests): OTP key and a card, like the demo user's."""
        body = request.get_json(force=True, silent=True) or {}
        user = state.add_user(
            str(body["email"]),
            str(body.get("password", "secret")),
            firstname=str(body.get("firstname", "Marie")),
            lastname=str(body.get("lastname", "ASSISTANTE")),
            company=str(body.get("company", "Groupe FICHORGA")),
        )
        user.is_identity_verified = True
        book.otp_keys[user.id] = DEMO_OTP_KEY
        book.payment_means[user.id] = [PaymentMean(1, "Carte bancaire **** 4242", "stripe")]
        return jsonify({"id": user.id})

    @app.get("/_sandbox/uploads")
    def uploads() -> Any:
        return jsonify({"uploads": book.uploads})

    return book


def _consent_json(consent: Consent, sandbox: Sandbox) -> dict[str, Any]:
    return {
        "id": consent.id,
        "email": consent.email,
        "status": consent.status,
        "link": sandbox.public_url(f"/consent/{consent.token}"),
        "requested_at": _fmt(consent.requested_at),
        "deadline": _fmt(consent.deadline),
        "answered_at": _fmt(consent.answered_at),
    }


def _page(title: str, body: str) -> str:
    return f"<!doctype html><html lang=fr><head><meta charset=utf-8><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
