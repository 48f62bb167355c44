"""An AR24 look-alike on loopback, following AR24's public API where it is known.

What it does like AR24 (``research/providers.md`` §1): routes under ``/api/``;
form-data or query parameters in; ``token``, ``date`` and the ``signature``
header checked on every call; successful answers encrypted with the request's
date and the private key; refusals as clear JSON ``{"status": "ERROR",
"message", "slug"}`` with HTTP 200; ``{"status": "maintenance"}`` while in
maintenance; messages in French, or English with ``Accept-Language: en``.
What AR24 does not document (the order of the checks, the accepted clock
skew, the slug for a wrong signature) is chosen here and listed in the README.

Extra, for tests and the demo (besides the kit's outbox and faults):

* ``GET /_sandbox/maintenance``: ``{"on": bool}``;
* ``POST /_sandbox/maintenance`` with JSON ``{"on": true|false}``: switch it.

State lives in :class:`AR24State` so later endpoints (users, OTP, mails,
consents, proofs) add to it; :func:`api_route` gives each new endpoint the
authentication and the envelope.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from liasse.sandbox import DemoAccount, Sandbox

from liasse_ar24.signing import encrypt_response, parse_paris_date, verify_signature

if TYPE_CHECKING:
    from flask import Flask

#: Where AR24's API lives under the server's root (``https://app.ar24.fr/api/``).
API_ROOT = "/api"
#: The office's API credentials in the demo (``[providers.ar24] token`` and ``private_key``).
DEMO_TOKEN = "ar24-demo-token-fichorga"
DEMO_PRIVATE_KEY = "ar24-demo-private-key-fichorga"
#: Jean FICHORGA's (user FICH) AR24 account in the demo (AR-01), attached to the demo token.
DEMO_USER_EMAIL = "jean.fichorga@fichorga.fr"
DEMO_USER_PASSWORD = "demo-ar24"

#: How old a request's date may be before ``expired_date`` (an assumption: AR24 does not say).
MAX_AGE = dt.timedelta(minutes=5)
#: How far ahead of the sandbox's clock a date may be before ``date_in_future`` (an assumption).
MAX_AHEAD = dt.timedelta(minutes=1)

#: Each refusal's slug and its message in French (AR24's default) and English.
MESSAGES: dict[str, tuple[str, str]] = {
    "token_missing": ("Le token est manquant.", "The token is missing."),
    "token_invalid": ("Le token est invalide.", "The token is invalid."),
    "empty_date": ("La date est manquante.", "The date is missing."),
    "invalid_date": (
        "La date est invalide (format attendu : AAAA-MM-JJ HH:MM:SS, heure de Paris).",
        "The date is invalid (expected format: YYYY-MM-DD HH:MM:SS, Paris time).",
    ),
    "expired_date": ("La date de la requête a expiré.", "The request's date has expired."),
    "date_in_future": ("La date de la requête est dans le futur.", "The request's date is in the future."),
    "empty_signature": ("La signature est manquante.", "The signature is missing."),
    "invalid_signature": ("La signature est invalide.", "The signature is invalid."),
    "user_not_exist": ("L'utilisateur n'existe pas.", "The user does not exist."),
}


class AR24Failure(Exception):
    """A refusal the sandbox answers with an ERROR envelope (HTTP 200, like AR24)."""

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug

    def envelope(self, lang: str) -> dict[str, str]:
        """The JSON AR24 sends for this refusal, in ``lang`` ("fr" or "en")."""
        fr, en = MESSAGES.get(self.slug, ("Erreur.", "Error."))
        return {"status": "ERROR", "message": en if lang == "en" else fr, "slug": self.slug}


@attrs.define
class ApiAccount:
    """An integrator's API access: the token and private key AR24 hands out."""

    token: str
    private_key: str = attrs.field(repr=False)
    name: str


@attrs.define
class AR24User:
    """A sender's AR24 account; ``tokens`` are the API accesses it is attached to."""

    id: int
    email: str
    password: str = attrs.field(repr=False)
    firstname: str
    lastname: str
    company: str = ""
    gender: str = "M"
    statut: str = "professionnel"
    address1: str = ""
    address2: str = ""
    zipcode: str = ""
    city: str = ""
    country: str = "FR"
    confirmed: bool = True
    is_identity_verified: bool = False
    tokens: set[str] = attrs.field(factory=set)

    def to_json(self) -> dict[str, Any]:
        """The user as ``GET user/`` returns it (never the password)."""
        return {
            "id": self.id,
            "email": self.email,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "company": self.company,
            "gender": self.gender,
            "statut": self.statut,
            "address1": self.address1,
            "address2": self.address2,
            "zipcode": self.zipcode,
            "city": self.city,
            "country": self.country,
            "confirmed": self.confirmed,
            "is_identity_verified": self.is_identity_verified,
        }


Clock = Callable[[], dt.datetime]


class AR24State:
    """Everything the fake AR24 holds: API accesses, users, the maintenance switch."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.accounts: dict[str, ApiAccount] = {}
        self.users: dict[int, AR24User] = {}
        self.maintenance = False
        self.max_age = MAX_AGE
        self.max_ahead = MAX_AHEAD
        #: How far AR24's own clock is from the real one, for skewed-clock tests (``/_sandbox/server_clock``).
        self.skew = dt.timedelta()
        self.lock = threading.RLock()
        self._next_user_id = 1001

    @classmethod
    def demo(cls) -> AR24State:
        """The state ``create_sandbox()`` starts from: the office's API access and one confirmed user."""
        state = cls()
        state.add_account(DEMO_TOKEN, DEMO_PRIVATE_KEY, "Groupe FICHORGA")
        state.add_user(
            DEMO_USER_EMAIL,
            DEMO_USER_PASSWORD,
            firstname="Jean",
            lastname="FICHORGA",
            company="Groupe FICHORGA",
            address1="12 rue Jeanne d'Arc",
            zipcode="45000",
            city="ORLÉANS",
            attached_to=DEMO_TOKEN,
        )
        return state

    def add_account(self, token: str, private_key: str, name: str) -> ApiAccount:
        """Create an API access (AR24 does this by hand when an integrator asks api@ar24.fr)."""
        with self.lock:
            account = ApiAccount(token, private_key, name)
            self.accounts[token] = account
            return account

    def add_user(self, email: str, password: str, *, attached_to: str | None = None, **fields: Any) -> AR24User:
        """Create an AR24 user, attached to an API access when ``attached_to`` names its token."""
        with self.lock:
            user = AR24User(self._next_user_id, email, password, **fields)
            self._next_user_id += 1
            if attached_to is not None:
                user.tokens.add(attached_to)
            self.users[user.id] = user
            return user

    # --- authentication ------------------------------------------------------

    def authenticate(self, token: str | None, date: str | None, signature: str | None) -> ApiAccount:
        """The API access a request speaks for, checked in this order: token, date, signature."""
        if not token:
            raise AR24Failure("token_missing")
        account = self.accounts.get(token)
        if account is None:
            raise AR24Failure("token_invalid")
        if not date:
            raise AR24Failure("empty_date")
        self.check_date(date)
        if not signature:
            raise AR24Failure("empty_signature")
        if not verify_signature(signature, date, account.private_key):
            raise AR24Failure("invalid_signature")
        return account

    def check_date(self, date: str) -> None:
        """Refuse a date that is malformed, older than :attr:`max_age` or ahead by more than :attr:`max_ahead`."""
        instants = parse_paris_date(date)
        if not instants:
            raise AR24Failure("invalid_date")
        now = self.clock() + self.skew
        if any(-self.max_ahead <= now - instant <= self.max_age for instant in instants):
            return
        if all(now - instant > self.max_age for instant in instants):
            raise AR24Failure("expired_date")
        raise AR24Failure("date_in_future")

    # --- users ---------------------------------------------------------------

    def users_of(self, account: ApiAccount) -> list[AR24User]:
        """The users attached to an API access, by id."""
        with self.lock:
            return [u for u in sorted(self.users.values(), key=lambda u: u.id) if account.token in u.tokens]

    def find_user(self, account: ApiAccount, *, email: str | None = None, id_user: str | None = None) -> AR24User:
        """A user attached to ``account``; one that exists but is not attached is not shown either."""
        for user in self.users_of(account):
            if (id_user and str(user.id) == id_user.strip()) or (
                email and user.email.lower() == email.strip().lower()
            ):
                return user
        raise AR24Failure("user_not_exist")


@attrs.frozen
class ApiCall:
    """An authenticated call as an endpoint sees it."""

    account: ApiAccount
    #: Query and form fields, without ``token`` and ``date``.
    params: Mapping[str, str]
    lang: str


Handler = Callable[[ApiCall], Any]


def api_route(app: Flask, state: AR24State, rule: str, methods: tuple[str, ...]) -> Callable[[Handler], Handler]:
    """Register an AR24 endpoint under ``/api/``: maintenance, authentication and the envelope around it.

    The handler returns the ``result`` (sent encrypted) or raises
    :class:`AR24Failure` (sent in clear, HTTP 200).
    """
    from flask import Response, jsonify, request

    def decorator(handler: Handler) -> Handler:
        def view() -> Any:
            lang = "en" if request.accept_languages.best_match(["fr", "en"]) == "en" else "fr"
            if state.maintenance:
                return jsonify({"status": "maintenance"})
            values = request.values
            try:
                account = state.authenticate(values.get("token"), values.get("date"), request.headers.get("signature"))
                params = {k: v for k, v in values.items() if k not in ("token", "date")}
                result = handler(ApiCall(account, params, lang))
            except AR24Failure as failure:
                return jsonify(failure.envelope(lang))
            body = encrypt_response({"status": "SUCCESS", "result": result}, values["date"], account.private_key)
            return Response(body, mimetype="text/plain")

        endpoint = f"ar24_{handler.__name__}"
        app.add_url_rule(f"{API_ROOT}/{rule}", endpoint, view, methods=list(methods), strict_slashes=False)
        return handler

    return decorator


def create_sandbox(state: AR24State | None = None) -> Sandbox:
    """A fresh AR24 sandbox, with the demo API access and demo user unless ``state`` is given."""
    from flask import jsonify, request

    state = state if state is not None else AR24State.demo()
    sandbox = Sandbox("ar24", "AR24")
    sandbox.api_root = API_ROOT
    # The first user's AR24 account is what the demo user connects with (AR-01); the others are printed.
    users = [
        DemoAccount(user.email, user.password, "compte AR24 d'un utilisateur (AR-01) / a user's AR24 account")
        for user in state.users.values()
    ]
    sandbox.user_account = users[0] if users else None
    sandbox.demo_accounts.extend(users[1:])
    for account in state.accounts.values():
        sandbox.demo_accounts.append(
            DemoAccount(
                account.token,
                account.private_key,
                "jeton et clé privée d'API de l'étude ([providers.ar24] token, private_key) "
                "/ the office's API token and private key",
            )
        )
    # The demo office's liasse.toml points its secret references at the first API access.
    office = next(iter(state.accounts.values()), None)
    if office is not None:
        sandbox.demo_secrets.update({"token": office.token, "private_key": office.private_key})
    app = sandbox.app
    # Reachable by tests and later routes without a module global.
    app.config["AR24_STATE"] = state

    @app.get("/_sandbox/maintenance")
    def maintenance_state() -> Any:
        return jsonify({"on": state.maintenance})

    @app.post("/_sandbox/maintenance")
    def maintenance_switch() -> Any:
        body = request.get_json(force=True, silent=True) or {}
        state.maintenance = bool(body.get("on", True))
        return jsonify({"on": state.maintenance})

    @app.post("/_sandbox/server_clock")
    def server_clock() -> Any:
        """Put AR24's clock ``seconds`` away from the real one: every client's date then looks skewed."""
        body = request.get_json(force=True, silent=True) or {}
        state.skew = dt.timedelta(seconds=float(body.get("seconds", 0)))
        return jsonify({"skew_seconds": state.skew.total_seconds()})

    @api_route(app, state, "user/", ("GET",))
    def user_get(call: ApiCall) -> Any:
        """``GET user/``: a user by ``id_user`` or ``email``."""
        user = state.find_user(call.account, email=call.params.get("email"), id_user=call.params.get("id_user"))
        return user.to_json()

    @api_route(app, state, "user/list", ("GET",))
    def user_list(call: ApiCall) -> Any:
        """``GET user/list``: the users attached to the token."""
        return {"users": [u.to_json() for u in state.users_of(call.account)]}

    # Accounts' links, OTP, payment means, consents, letters, proofs and the recipient's pages.
    from liasse_ar24.sandbox_letters import mount_letters

    mount_letters(sandbox, state)
    return sandbox
