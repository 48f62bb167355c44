"""The object a host holds: settings, plugins, store and host, wired together.

::

    from liasse.app import Liasse
    liasse = Liasse.open(config_path, host=my_host)
    report = liasse.check_access("docsecure", user_login="FICH")

Plugins load once, at :meth:`Liasse.open`; a broken one is reported in
:attr:`Liasse.plugins` and the others work. The store and the credential
vault open on first use, so listing plugins touches no database.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liasse.discovery import PluginRecord, PluginStatus, load_plugins
from liasse.errors import (
    CapabilityMissing,
    CredentialsMissing,
    ProviderBroken,
    ProviderDisabled,
    RightMissing,
    SettingsError,
    UnknownProvider,
)
from liasse.manager import LiassePluginManager
from liasse.records import AccessReport, Credentials, ProviderContext, ProviderInfo
from liasse.secrets import Secret
from liasse.settings import Settings, load_settings

if TYPE_CHECKING:
    from liasse_hostapi.protocols import Host

    from liasse.http import HttpClient
    from liasse.retries import RetryBudget

    from liasse.audit import AuditEntry
    from liasse.facade import Hooks

    from liasse.credentials import CredentialVault
    from liasse.desk import ExchangeDesk
    from liasse.outbox import OutboxRelay
    from liasse.store.database import Store


class Liasse:
    """One office's liasse: use :meth:`open` to build it."""

    def __init__(self, settings: Settings, pm: LiassePluginManager, plugins: Sequence[PluginRecord], host: Host | None) -> None:
        self.settings = settings
        self.pm = pm
        #: Every discovered plugin with its status, sorted by name (``liasse plugins``).
        self.plugins = tuple(plugins)
        self._host = host
        providers = {r.name: r.info for r in self.plugins if r.status is PluginStatus.OK and r.info is not None}
        self.providers: dict[str, ProviderInfo] = providers
        self._http: dict[tuple[str, str], HttpClient] = {}
        #: One retry quota per provider, shared by its clients: an outage stops every user's retries (R2).
        self._budgets: dict[str, RetryBudget] = {}
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._store_lock = threading.Lock()

    @functools.cached_property
    def hooks(self) -> Hooks:
        """Typed calls into the plugins (built on first use: listing plugins calls none)."""
        from liasse.facade import Hooks

        return Hooks(self.pm, self.providers)

    @classmethod
    def open(cls, config: Path | Settings | None = None, *, host: Host | None = None, safe_mode: bool | None = None) -> Liasse:
        """Read the settings, load the selected plugins and check every unknown name."""
        settings = config if isinstance(config, Settings) else load_settings(config)
        pm = LiassePluginManager()
        selection = settings.plugins
        records = load_plugins(
            pm,
            enabled=selection.enabled,
            disabled=selection.disabled,
            safe_mode=selection.safe_mode if safe_mode is None else safe_mode,
        )
        from liasse.intake import builtin, checks

        pm.register_checked(builtin, builtin.PLUGIN_NAME)
        pm.register_checked(checks, "liasse.checks")
        known = {r.name for r in records}
        for listed in (selection.enabled or ()) + selection.disabled + tuple(settings.providers):
            if listed not in known:
                raise SettingsError(
                    path=settings.label,
                    problem_fr=f"prestataire inconnu « {listed} » ; installés : {', '.join(sorted(known)) or 'aucun'}.",
                    problem_en=f"unknown provider '{listed}'; installed: {', '.join(sorted(known)) or 'none'}.",
                )
        return cls(settings, pm, records, host)

    # --- the host ---------------------------------------------------------------

    @property
    def host(self) -> Host:
        """The host application's records; opened from ``[host]`` when none was given."""
        if self._host is None:
            self._host = open_host(self.settings.host.factory, self.settings.base_dir / self.settings.host.path)
        return self._host

    def register_host_events(self, listener: object, name: str | None = None) -> None:
        """Register the host's implementations of :mod:`liasse_hostapi.events` hooks."""
        self.pm.register_checked(listener, name or f"host-events-{id(listener)}")

    # --- providers ---------------------------------------------------------------

    def plugin(self, name: str) -> PluginRecord:
        """The record of one plugin; raises when no plugin has that name."""
        for record in self.plugins:
            if record.name == name:
                return record
        raise UnknownProvider(name=name, known=", ".join(r.name for r in self.plugins) or "aucun / none")

    def provider(self, name: str) -> ProviderInfo:
        """A usable provider's declaration, or the error that says why it is not usable."""
        record = self.plugin(name)
        if record.status is PluginStatus.DISABLED:
            raise ProviderDisabled(
                title=name,
                scope_fr="pour cette étude",
                scope_en="for this office",
                fix_fr=f"Activez-le dans {self.settings.label} ([plugins]).",
                fix_en=f"Enable it in {self.settings.label} ([plugins]).",
            )
        if record.status is PluginStatus.ERROR or record.info is None:
            raise ProviderBroken(name=name, error=record.error or "not a provider")
        return record.info

    def providers_for(self, user_login: str) -> list[str]:
        """The providers this user may use: loaded, with the user's link on (DS-01) and the right they need."""
        usable = []
        for name in sorted(self.providers):
            try:
                self.authorize(name, user_login)
            except (ProviderDisabled, RightMissing):
                continue
            usable.append(name)
        return usable

    def banner_url(self, provider: str) -> str | None:
        """DS-02: the banner button's link: the provider's site when some user has the link on, else its presentation page."""
        info = self.provider(provider)
        linked = any(user.options_for(provider).link_enabled for user in self.host.office.users())
        settings = self.provider_settings(provider)
        site = getattr(settings, "site_url", None) or info.site_url
        return site if linked else (info.presentation_url or site)

    def provider_settings(self, name: str) -> Any:
        """The provider's typed settings from ``[providers.<name>]``."""
        return self.settings.provider_settings(name, self.provider(name).settings)

    def context(self, provider: str, user_login: str) -> ProviderContext[Any]:
        """Everything one call to ``provider`` needs on behalf of ``user_login``.

        Every provider call goes through here, so here is where a user
        without the provider's link or right is stopped (:meth:`authorize`).
        """
        info = self.provider(provider)
        self.authorize(provider, user_login)
        settings = self.provider_settings(provider)
        credentials: Credentials | None = None
        if info.credential_fields:
            credentials = self.vault.load(user_login, provider)
            if credentials is None:
                raise CredentialsMissing(title=info.title, user=user_login, provider=provider)
        office = self.host.office.office()
        return ProviderContext(
            provider=provider,
            settings=settings,
            http=self._http_client(provider, info.title, settings, credentials),
            user_login=user_login,
            office_name=office.name,
            credentials=credentials,
            timezone=office.timezone,
        )

    def authorize(self, provider: str, user_login: str) -> None:
        """Refuse ``user_login`` acting through ``provider`` without its link on or the right its capability needs.

        The link is the user's per-provider switch (DS-01 "Activer le lien");
        registered mail also takes :attr:`Right.SEND_REGISTERED_MAIL`.
        """
        from liasse_hostapi.records import Right

        from liasse.capabilities import Capability

        info = self.provider(provider)
        user = self.host.office.user(user_login)
        if not user.options_for(provider).link_enabled:
            raise ProviderDisabled(
                title=info.title,
                scope_fr=f"pour {user.full_name} ({user.login})",
                scope_en=f"for {user.full_name} ({user.login})",
                fix_fr="Cochez « Activer le lien » dans les options de l'utilisateur.",
                fix_en="Tick 'Enable the link' in the user's options.",
            )
        if Capability.REGISTERED_MAIL in info.capabilities and not user.has(Right.SEND_REGISTERED_MAIL):
            raise RightMissing(
                user=user.login,
                action_fr=f"envoyer des lettres recommandées électroniques via {info.title}",
                action_en=f"send registered e-mail through {info.title}",
            )

    def office_context(self, provider: str) -> ProviderContext[Any]:
        """A context with the office's settings and no user's credentials, for what no user does (webhook intake)."""
        info = self.provider(provider)
        settings = self.provider_settings(provider)
        return ProviderContext(
            provider=provider,
            settings=settings,
            http=self._http_client(provider, info.title, settings, None),
            user_login="",
            office_name="",
            credentials=None,
        )

    def check_access(self, provider: str, user_login: str) -> AccessReport:
        """"Tester l'accès au service" for one user."""
        from liasse import audit

        with audit.action(self.store, audit.Action.CHECK_ACCESS, user=user_login, provider=provider, account_owner=user_login):
            return self.hooks.check_access(self.context(provider, user_login))

    def connect(self, provider: str, user_login: str, login: str, secret: Secret) -> None:
        """Store a user's credentials for a provider, encrypted (DS-01 "Connexion")."""
        from liasse import audit

        with audit.action(self.store, audit.Action.CONNECT, user=user_login, provider=provider, account_owner=user_login):
            self.provider(provider)
            self.authorize(provider, user_login)
            self.vault.save(user_login, provider, login, secret)

    def reset_credentials(self, provider: str, user_login: str) -> None:
        """Forget a user's credentials (DS-01 "Réinitialiser les identifiants")."""
        from liasse import audit

        with audit.action(
            self.store, audit.Action.RESET_CREDENTIALS, user=user_login, provider=provider, account_owner=user_login
        ):
            self.vault.delete(user_login, provider)

    def _http_client(self, provider: str, title: str, settings: Any, credentials: Credentials | None) -> HttpClient:
        # One pooled session per provider and credential: connections are reused, accounts never mixed.
        # The transport is imported here, at the first call, so that start-up does not pay for it (P5).
        from liasse.http import HttpClient
        from liasse.retries import RetryBudget

        key = (provider, credentials.login if credentials else "")
        with self._lock:
            client = self._http.get(key)
            if client is None:
                budget = self._budgets.setdefault(provider, RetryBudget())
                client = HttpClient(title, settings.base_url, timeout=settings.timeout, budget=budget)
                self._http[key] = client
            return client

    def desk(self, provider: str, user_login: str, *, account_owner: str | None = None) -> ExchangeDesk:
        """The exchange desk of ``user_login`` on ``provider`` (DS-01 … DS-34).

        ``account_owner`` shows another user's provider account, which takes
        the right to see other users' contacts (DS-19, DS-33).
        """
        from liasse.capabilities import Capability
        from liasse.desk import ExchangeDesk
        from liasse_hostapi.records import Right

        info = self.provider(provider)
        if Capability.REGISTERED_MAIL in info.capabilities:
            # Registered mail has its own desk (letters, consents, OTP); the outbox relay reaches it here too.
            from liasse.registered import RegisteredDesk

            self.authorize(provider, user_login)
            return RegisteredDesk(self, provider, user_login, account_owner)  # type: ignore[return-value]
        if Capability.EXCHANGE not in info.capabilities:
            raise CapabilityMissing(
                title=info.title,
                step_fr="échange de documents",
                step_en="document exchange",
                candidates=", ".join(
                    p.title for p in self.providers.values() if Capability.EXCHANGE in p.capabilities
                ) or "aucun / none",
            )
        self.authorize(provider, user_login)
        if account_owner not in (None, user_login):
            from liasse import audit

            # Seeing another user's provider account is audited, and refused without the right (DS-33).
            with audit.action(
                self.store, audit.Action.VIEW_OTHER_ACCOUNT, user=user_login, provider=provider, account_owner=account_owner
            ):
                user = self.host.office.user(user_login)
                if not (user.has(Right.SEE_OTHER_USERS_CONTACTS) or user.options_for(provider).see_other_users_contacts):
                    raise RightMissing(
                        user=user.login,
                        action_fr=f"consulter les échanges {info.title} d'un autre utilisateur",
                        action_en=f"view another user's {info.title} exchanges",
                    )
        return ExchangeDesk(self, provider, user_login, account_owner)

    def audit_entries(
        self,
        user_login: str,
        *,
        user: str | None = None,
        account: str | None = None,
        provider: str | None = None,
        since: dt.datetime | None = None,
    ) -> list[AuditEntry]:
        """The audit log as ``user_login`` may read it: their own actions, everyone's with the right.

        For a host's "Journal" screen; ``user`` None means every user (which
        takes :attr:`Right.VIEW_AUDIT_LOG`), as does naming another user.
        """
        from liasse_hostapi.records import Right

        from liasse import audit

        reader = self.host.office.user(user_login)
        if user != user_login and not reader.has(Right.VIEW_AUDIT_LOG):
            raise RightMissing(
                user=reader.login,
                action_fr="consulter le journal d'audit des autres utilisateurs",
                action_en="read other users' audit log",
            )
        return audit.entries(self.store, user=user, account=account, provider=provider, since=since)

    @property
    def files_dir(self) -> Path:
        """liasse's own files (downloads in progress, spooled sends), beside liasse.toml."""
        if self.settings.path is not None:
            return self.settings.base_dir / "liasse-files"
        import platformdirs

        return Path(platformdirs.user_data_dir("liasse", appauthor=False)) / "files"

    # --- store ---------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """liasse's own database, migrated to the current schema (opened once, on first use)."""
        # Not a cached_property: since Python 3.12 it takes no lock, and two request threads
        # of a host's web server touching it first would open (and migrate) two stores.
        with self._store_lock:
            if self._store is None:
                from liasse.store.database import DATABASE_URL_VARIABLE, default_store_url, open_store

                # LIASSE_DATABASE_URL wins over liasse.toml, as documented: several host servers share one PostgreSQL.
                url = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
                self._store = open_store(url or self.settings.store_url or default_store_url())
            return self._store

    @functools.cached_property
    def outbox(self) -> OutboxRelay:
        """The outbox relay: every request and send goes through it, exactly once (issue 5)."""
        from liasse.outbox import OutboxRelay

        return OutboxRelay(self)

    @functools.cached_property
    def vault(self) -> CredentialVault:
        """Encrypted per-user provider credentials."""
        from liasse.credentials import CredentialVault, KeyRing

        key_file = self.settings.key_file
        return CredentialVault(self.store, KeyRing.from_environment(self.settings.base_dir / key_file if key_file else None))

    def close(self) -> None:
        """Release connections and the store."""
        for client in self._http.values():
            client.close()
        if self._store is not None:
            self._store.close()
        close = getattr(self._host, "close", None)
        if callable(close):
            close()


def open_host(factory: str, path: Path) -> Host:
    """Build the host from ``"module:attribute.path"`` called with ``path``.

    The core never imports a host statically: the reference host is only the
    default value of ``[host] factory``.
    """
    from liasse_hostapi.protocols import Host

    module_name, _, attr_path = factory.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attr_path.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise SettingsError(
            path="[host] factory",
            problem_fr=f"« {factory} » introuvable ({exc}). Indiquez « module:fonction ».",
            problem_en=f"'{factory}' not found ({exc}). Give 'module:function'.",
        ) from None
    host = target(path)
    if not isinstance(host, Host):
        raise SettingsError(
            path="[host] factory",
            problem_fr=f"« {factory} » ne renvoie pas un hôte conforme à liasse_hostapi.Host.",
            problem_en=f"'{factory}' does not return a liasse_hostapi.Host.",
        )
    return host
