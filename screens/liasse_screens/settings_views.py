"""User settings (DS-01, AR-01, ES-01): each provider's options, Connect / Reset credentials, test access."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from liasse_hostapi.records import ProviderOptions

from liasse.capabilities import Capability
from liasse.errors import LiasseError
from liasse.secrets import Secret
from liasse_screens.app import acting_user, office_liasse

#: The options of ``ProviderOptions`` in the manual's words, in its order.
OPTION_WORDS: tuple[tuple[str, str], ...] = (
    ("link_enabled", "Activer le lien"),
    ("auto_stamp_rib", "Horodater automatiquement les RIB reçus"),
    ("auto_stamp_other", "Horodater automatiquement les autres documents reçus"),
    ("see_other_users_contacts", "Voir les contacts des autres utilisateurs"),
)


def blueprint() -> Blueprint:
    """``/settings``: the acting user's options, one block per installed provider."""
    bp = Blueprint("settings", __name__, url_prefix="/settings")

    @bp.get("/")
    def index() -> ResponseReturnValue:
        liasse = office_liasse()
        user = liasse.host.office.user(acting_user())
        blocks = []
        for name in sorted(liasse.providers):
            try:
                info = liasse.provider(name)
            except LiasseError:
                continue
            connected = bool(info.credential_fields) and liasse.vault.has(user.login, name)
            blocks.append(
                {
                    "name": name,
                    "info": info,
                    "options": user.options_for(name),
                    "connected": connected,
                    # AR-01: a registered-mail account is also authorised ("Autoriser le compte", e-mailed link).
                    "registered": Capability.REGISTERED_MAIL in info.capabilities,
                }
            )
        return render_template("settings.html", user=user, blocks=blocks, option_words=OPTION_WORDS)

    @bp.post("/<provider>/options")
    def options(provider: str) -> ResponseReturnValue:
        liasse = office_liasse()
        liasse.provider(provider)
        chosen = {key: request.form.get(key) == "yes" for key, _ in OPTION_WORDS}
        liasse.host.office.set_provider_options(acting_user(), provider, ProviderOptions(**chosen))
        flash(f"Options {liasse.provider(provider).title} enregistrées.", "success")
        return redirect(url_for("settings.index"))

    @bp.post("/<provider>/connect")
    def connect(provider: str) -> ResponseReturnValue:
        liasse = office_liasse()
        title = liasse.provider(provider).title
        login = request.form.get("login", "").strip()
        password = request.form.get("password", "")
        if not login or not password:
            flash(f"Saisissez l'identifiant et le mot de passe de votre compte {title}.", "error")
            return redirect(url_for("settings.index"))
        liasse.connect(provider, acting_user(), login, Secret(password))
        try:
            if Capability.REGISTERED_MAIL in liasse.provider(provider).capabilities:
                # AR-01: the account is authorised, not only tested; the first time AR24 e-mails a confirmation link.
                from liasse_screens.registered import authorise

                return authorise(provider)
            report = liasse.check_access(provider, acting_user())
        except LiasseError:
            # Refused credentials are not kept: the next connection asks again.
            liasse.reset_credentials(provider, acting_user())
            raise
        flash(f"Connexion à {title} réussie : {report.account}.", "success")
        return redirect(url_for("settings.index"))

    @bp.post("/<provider>/reset")
    def reset(provider: str) -> ResponseReturnValue:
        liasse = office_liasse()
        liasse.reset_credentials(provider, acting_user())
        flash(f"Identifiants {liasse.provider(provider).title} réinitialisés.", "success")
        return redirect(url_for("settings.index"))

    @bp.post("/<provider>/test")
    def test(provider: str) -> ResponseReturnValue:
        liasse = office_liasse()
        report = liasse.check_access(provider, acting_user())
        if not report.ok:
            # The provider answered, but something is left to do (an AR24 account not confirmed yet): say what.
            flash(f"Accès à {liasse.provider(provider).title} incomplet : {report.detail}", "error")
            return redirect(url_for("settings.index"))
        flash(f"Accès à {liasse.provider(provider).title} vérifié : {report.account}.", "success")
        return redirect(url_for("settings.index"))

    return bp
