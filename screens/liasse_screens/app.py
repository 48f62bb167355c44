"""The Flask application of the reference host's screens: banner, home, settings, and each capability's blueprint.

Views call liasse's services and show what comes back; the business rules
live in liasse (``liasse.desk``, ``Liasse.connect`` …), never here. Errors
of liasse are sentences that say what to fix: they are shown as such,
top-right, and the screen the user was on comes back unchanged.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets as _secrets
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from liasse_hostapi.errors import HostLookupError
from werkzeug.exceptions import BadRequest
from liasse_hostapi.records import AccountKind

from liasse.app import Liasse
from liasse.capabilities import Capability
from liasse.demo import DEMO_USER
from liasse.errors import CredentialsMissing, LiasseError
from liasse.files import safe_file_name, shown_size
from liasse.sandbox import RunningSandbox
from liasse_screens import menus
from liasse_screens.menus import CapabilityScreens

#: Host lookups' subjects, in the user's words.
_HOST_WORDS: dict[str, str] = {
    "account": "Compte",
    "user": "Utilisateur",
    "attachment": "Pièce jointe",
    "event": "Événement",
    "participation": "Facture de participation",
    "IBAN record": "Fiche IBAN",
}


def office_liasse() -> Liasse:
    """The office the application serves."""
    liasse: Liasse = current_app.extensions["liasse"]
    return liasse


def provider_title(provider: str) -> str:
    """The provider's name as users read it ("DocSecure", "ESign")."""
    return office_liasse().provider(provider).title


def save_uploads(parent: Path, prefix: str) -> list[Path]:
    """The form's ``file`` uploads, each streamed to disk in a folder of its own under ``parent``, under a safe name."""
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    if not uploads:
        return []
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    paths: list[Path] = []
    for number, upload in enumerate(uploads, 1):
        # Names as the office wrote them, accents and spaces kept ("Projet de compromis.pdf"). Each upload has
        # a folder of its own: two "scan.pdf" from two folders of the office's are both kept, under their name.
        target = folder / str(number) / (safe_file_name(upload.filename or "") or "document")
        target.parent.mkdir()
        upload.save(target)
        paths.append(target)
    return paths


def acting_user() -> str:
    """The host user the screens act as (the banner's user selector; the demo user by default)."""
    login: str = session.get("user", DEMO_USER)
    return login


def screens_for(provider: str) -> list[CapabilityScreens]:
    """The registered screens of each capability ``provider`` declares."""
    screens: dict[Capability, CapabilityScreens] = current_app.extensions["liasse_screens"]
    info = office_liasse().provider(provider)
    return [screens[c] for c in sorted(info.capabilities, key=lambda c: c.value) if c in screens]


def format_datetime(value: dt.datetime | None) -> str:
    """DD/MM/YYYY HH:MM in the office's time zone; empty for no date."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    zone = ZoneInfo(office_liasse().host.office.office().timezone)
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def format_size(size: int | None) -> str:
    """A file size in the units a file manager shows (``12,5 Ko``), empty when unknown."""
    return "" if size is None else shown_size(size)


def back(default: str = "home.index", *, referrer: bool = True, **values: Any) -> ResponseReturnValue:
    """Back to the screen the form came from (its ``next`` field, else the referrer), else ``default`` with ``values``.

    ``referrer=False`` for an action whose natural next screen is ``default``
    (the file a form just made), whatever page the form was on.

    Only to this site's own pages: a ``next`` or a referrer naming another
    site is ignored, so a link crafted elsewhere cannot send a clerk there
    after an action (an open redirect).
    """
    for target in (request.form.get("next"), request.referrer if referrer else None):
        local = local_target(target)
        if local is not None:
            return redirect(local)
    return redirect(url_for(default, **values))


def local_target(target: str | None) -> str | None:
    """``target`` as a path on this site, or None when it is empty or points elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc) and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _banner() -> dict[str, Any]:
    """DS-02 provider buttons and DS-22 global tracking icons, for every page."""
    liasse = office_liasse()
    buttons = []
    icons = []
    user = acting_user()
    usable = set(liasse.providers_for(user))
    for name in sorted(liasse.providers):
        try:
            info = liasse.provider(name)
            buttons.append({"name": name, "title": info.title, "url": liasse.banner_url(name), "enabled": name in usable})
        except LiasseError:
            continue
        if name not in usable:
            continue
        for screens in screens_for(name):
            if screens.tracking_endpoint is None:
                continue
            count = _safe_count(screens, name, None)
            icons.append(
                {
                    "title": info.title,
                    "url": url_for(screens.tracking_endpoint, provider=name),
                    "count": count or 0,
                    "level": menus.counter_level(count),
                    "words": screens.counter_words,
                }
            )
    users = liasse.host.office.users()
    return {"banner_buttons": buttons, "tracking_icons": icons, "users": users, "acting_user": user}


def _safe_count(screens: CapabilityScreens, provider: str, number: str | None) -> int | None:
    """A counter that never breaks the page: a provider without credentials shows none."""
    if screens.counter is None:
        return None
    try:
        return screens.counter(provider, number)
    except LiasseError:
        return None


def create_app(liasse: Liasse, sandboxes: dict[str, RunningSandbox], workdir: Path) -> Flask:
    """The screens' application over ``liasse`` (an opened office) and the running ``sandboxes``."""
    from liasse_screens import exchange, home, recipient, registered, settings_views, sharing, signature

    app = Flask("liasse_screens", root_path=str(Path(__file__).parent))
    # A fresh key per run: the session holds only the acting user and flashed messages.
    app.secret_key = os.environ.get("LIASSE_SCREENS_SECRET") or _secrets.token_hex(32)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.extensions["liasse"] = liasse
    app.extensions["liasse_sandboxes"] = sandboxes
    app.extensions["liasse_workdir"] = workdir
    exchange.declare()
    registered.declare()
    signature.declare()
    sharing.declare()
    built: dict[Capability, CapabilityScreens] = {}
    for capability, factory in menus.registered().items():
        screens = factory()
        built[capability] = screens
        app.register_blueprint(screens.make_blueprint())
    app.extensions["liasse_screens"] = built
    app.register_blueprint(home.blueprint())
    app.register_blueprint(settings_views.blueprint())
    app.register_blueprint(recipient.blueprint())
    app.jinja_env.filters["when"] = format_datetime
    app.jinja_env.filters["size"] = format_size
    app.context_processor(_banner)

    @app.errorhandler(LiasseError)
    def _liasse_error(exc: LiasseError) -> ResponseReturnValue:
        flash(str(exc), "error")
        if isinstance(exc, CredentialsMissing) and exc.params.get("user") == acting_user():
            # DS-01: the user's own first use: the settings page is where "Connexion" is.
            return redirect(url_for("settings.index"))
        return back()

    @app.errorhandler(HostLookupError)
    def _host_error(exc: HostLookupError) -> ResponseReturnValue:
        what = _HOST_WORDS.get(exc.what, exc.what)
        flash(f"{what} « {exc.key} » introuvable dans le logiciel de l'étude.", "error")
        return redirect(url_for("home.index"))

    @app.errorhandler(BadRequest)
    def _bad_request(exc: BadRequest) -> ResponseReturnValue:
        # A form the screens did not make (tampered, or from an older page): say what to do, go back.
        flash(exc.description or "Formulaire invalide : rechargez la page.", "error")
        return back()

    @app.before_request
    def _user() -> None:
        g.user = acting_user()

    return app


def client_accounts(text: str = "") -> list[Any]:
    """The accounts the home page lists: client accounts first, by number."""
    found = office_liasse().host.accounts.search(text, limit=200)
    return sorted(found, key=lambda a: (a.kind is not AccountKind.CLIENT, a.number))
