"""The office's settings file, ``liasse.toml``.

::

    [host]
    factory = "liasse_hostapi.reference:ReferenceHost.open"
    path = "host.sqlite3"

    [store]
    url = "sqlite:////var/lib/liasse/liasse.sqlite3"   # LIASSE_DATABASE_URL wins

    [plugins]
    enabled = ["docsecure", "esign"]   # omit to enable every installed plugin
    disabled = []
    safe_mode = false

    [providers.esign]
    base_url = "https://api-sandbox.yousign.app/v3"
    api_key = "$env:YOUSIGN_API_KEY"

Secrets are references (``$env:NAME``, ``$file:path``), never clear text.
Every mistake is reported with the file, the table and the key to fix, and
unknown keys are refused (a typo would otherwise be silently ignored).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from liasse.errors import MissingSecret, SettingsError
from liasse.secrets import Secret, SecretRef

DEFAULT_HOST_FACTORY = "liasse_hostapi.reference:ReferenceHost.open"


def secret_field(help: str) -> Any:
    """Declare a settings field that holds a secret reference (resolved to a :class:`Secret`)."""
    return attrs.field(repr=False, metadata={"secret": True, "help": help})


def secret_list_field(help: str) -> Any:
    """Declare a settings field holding a list of secret references (several active webhook secrets, for rotation).

    It defaults to no secret; each entry resolves to a :class:`Secret`, in order.
    """
    return attrs.field(default=(), repr=False, metadata={"secret_list": True, "help": help})


def setting(default: Any, help: str) -> Any:
    """Declare an ordinary settings field with its default and a help sentence."""
    return attrs.field(default=default, metadata={"help": help})


@attrs.frozen(kw_only=True)
class ProviderSettings:
    """Keys every provider has; a plugin's settings class subclasses it."""

    base_url: str = attrs.field(metadata={"help": "The provider's API address (the sandbox's URL in a demo)."})
    timeout: float = setting(30.0, "Seconds to wait for the provider before giving up on one attempt.")


@attrs.frozen
class HostSettings:
    """Which host implementation to open, and with what."""

    factory: str = DEFAULT_HOST_FACTORY
    path: str = "host.sqlite3"


@attrs.frozen
class PluginSelection:
    """Which plugins the office runs."""

    enabled: tuple[str, ...] | None = None
    disabled: tuple[str, ...] = ()
    safe_mode: bool = False


@attrs.frozen
class IntakeSettings:
    """``[intake]``: how received files are proven (BY-03)."""

    #: The RFC 3161 time-stamping authority's URL; None: no token is asked.
    tsa_url: str | None = None
    #: The TSA's CA certificate (PEM), relative to liasse.toml, for ``liasse verify``.
    tsa_ca_file: str | None = None


@attrs.frozen
class Settings:
    """A parsed ``liasse.toml``; provider tables are checked once plugins are known."""

    path: Path | None
    host: HostSettings = attrs.field(factory=HostSettings)
    store_url: str | None = None
    key_file: str | None = None
    plugins: PluginSelection = attrs.field(factory=PluginSelection)
    providers: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    intake: IntakeSettings = attrs.field(factory=IntakeSettings)

    @property
    def base_dir(self) -> Path:
        """The directory relative paths in the file are taken from."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def label(self) -> str:
        """How messages name the file."""
        return str(self.path) if self.path else "liasse.toml"

    def provider_settings(self, provider: str, settings_class: type[Any]) -> Any:
        """Build ``settings_class`` from ``[providers.<provider>]``, resolving secret references."""
        table = dict(self.providers.get(provider, {}))
        where = f"[providers.{provider}]"
        fields = {f.name: f for f in attrs.fields(settings_class)}
        _refuse_unknown(self.label, where, table, fields)
        values: dict[str, Any] = {}
        for name, field in fields.items():
            if name not in table:
                if field.default is attrs.NOTHING:
                    raise SettingsError(
                        path=self.label,
                        problem_fr=f"{where} : la clé « {name} » est obligatoire ({_help(field)}).",
                        problem_en=f"{where}: key '{name}' is required ({_help(field)}).",
                    )
                continue
            value = table[name]
            if field.metadata.get("secret_list"):
                values[name] = self._secret_list(where, name, value)
            else:
                values[name] = self._secret(where, name, value) if field.metadata.get("secret") else value
        try:
            return settings_class(**values)
        except (TypeError, ValueError) as exc:
            raise SettingsError(
                path=self.label,
                problem_fr=f"{where} : valeur invalide ({exc}).",
                problem_en=f"{where}: invalid value ({exc}).",
            ) from exc

    def _secret_list(self, where: str, key: str, value: Any) -> tuple[Secret, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise SettingsError(
                path=self.label,
                problem_fr=f"{where} : « {key} » doit être une liste de références, par exemple [\"$env:NOM\"].",
                problem_en=f"{where}: '{key}' must be a list of references, for example [\"$env:NAME\"].",
            )
        return tuple(self._secret(where, key, item) for item in value)

    def _secret(self, where: str, key: str, value: Any) -> Secret:
        ref = SecretRef.parse(value) if isinstance(value, str) else None
        if ref is None:
            raise SettingsError(
                path=self.label,
                problem_fr=f"{where} : « {key} » doit être une référence ($env:NOM ou $file:chemin), jamais le secret en clair.",
                problem_en=f"{where}: '{key}' must be a reference ($env:NAME or $file:path), never the secret in clear.",
            )
        secret = ref.resolve(self.base_dir)
        if secret is None:
            what_fr = f"la variable d'environnement {ref.target}" if ref.scheme == "env" else f"le fichier {ref.target}"
            what_en = f"environment variable {ref.target}" if ref.scheme == "env" else f"file {ref.target}"
            raise MissingSecret(
                path=self.label,
                key=f"{where} {key}",
                ref=str(ref),
                fix_fr=f"Créez {what_fr} ou corrigez la référence.",
                fix_en=f"Create {what_en} or fix the reference.",
            )
        return secret


_TOP_KEYS: dict[str, tuple[str, ...]] = {
    "host": ("factory", "path"),
    "store": ("url",),
    "security": ("key_file",),
    "plugins": ("enabled", "disabled", "safe_mode"),
    "intake": ("tsa_url", "tsa_ca_file"),
    "providers": (),
}


def load_settings(path: Path | None) -> Settings:
    """Parse ``path`` (None: built-in defaults) and check every key except provider tables."""
    if path is None:
        return Settings(path=None)
    label = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(
            path=label,
            problem_fr="fichier introuvable. Créez-le ou indiquez le bon chemin (--config ou LIASSE_CONFIG).",
            problem_en="file not found. Create it or give the right path (--config or LIASSE_CONFIG).",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            path=label,
            problem_fr=f"erreur de syntaxe TOML ({exc}). Corrigez cette ligne.",
            problem_en=f"TOML syntax error ({exc}). Fix that line.",
        ) from None
    for section, value in data.items():
        if section not in _TOP_KEYS:
            _unknown(label, "", section, _TOP_KEYS)
        if not isinstance(value, dict):
            raise SettingsError(
                path=label,
                problem_fr=f"« {section} » doit être une table ([{section}]).",
                problem_en=f"'{section}' must be a table ([{section}]).",
            )
        if section != "providers":
            _refuse_unknown(label, f"[{section}]", value, dict.fromkeys(_TOP_KEYS[section]))
    host = data.get("host", {})
    plugins = data.get("plugins", {})
    providers = data.get("providers", {})
    for name, table in providers.items():
        if not isinstance(table, dict):
            raise SettingsError(
                path=label,
                problem_fr=f"« providers.{name} » doit être une table ([providers.{name}]).",
                problem_en=f"'providers.{name}' must be a table ([providers.{name}]).",
            )
    return Settings(
        path=path,
        host=HostSettings(
            factory=_str(label, "[host] factory", host.get("factory", DEFAULT_HOST_FACTORY)),
            path=_str(label, "[host] path", host.get("path", "host.sqlite3")),
        ),
        store_url=data.get("store", {}).get("url"),
        key_file=data.get("security", {}).get("key_file"),
        plugins=PluginSelection(
            enabled=_names(label, "enabled", plugins["enabled"]) if "enabled" in plugins else None,
            disabled=_names(label, "disabled", plugins.get("disabled", [])),
            safe_mode=bool(plugins.get("safe_mode", False)),
        ),
        providers=providers,
        intake=IntakeSettings(
            tsa_url=_optional_str(label, "[intake] tsa_url", data.get("intake", {}).get("tsa_url")),
            tsa_ca_file=_optional_str(label, "[intake] tsa_ca_file", data.get("intake", {}).get("tsa_ca_file")),
        ),
    )


def _optional_str(label: str, key: str, value: Any) -> str | None:
    return None if value is None else _str(label, key, value)


def settings_path_from_env() -> Path | None:
    """``LIASSE_CONFIG`` when set."""
    value = os.environ.get("LIASSE_CONFIG")
    return Path(value) if value else None


def _refuse_unknown(label: str, where: str, table: Mapping[str, Any], known: Mapping[str, Any]) -> None:
    for key in table:
        if key not in known:
            _unknown(label, where, key, known)


def _unknown(label: str, where: str, key: str, known: Mapping[str, Any]) -> None:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint_fr = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
    hint_en = f" Did you mean '{close[0]}'?" if close else ""
    prefix = f"{where} : " if where else ""
    prefix_en = f"{where}: " if where else ""
    valid = ", ".join(known) or "(aucune)"
    raise SettingsError(
        path=label,
        problem_fr=f"{prefix}clé inconnue « {key} ».{hint_fr} Clés possibles : {valid}.",
        problem_en=f"{prefix_en}unknown key '{key}'.{hint_en} Valid keys: {valid}.",
    )


def _names(label: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(
            path=label,
            problem_fr=f"[plugins] {key} doit être une liste de noms, par exemple [\"docsecure\"].",
            problem_en=f"[plugins] {key} must be a list of names, for example [\"docsecure\"].",
        )
    return tuple(value)


def _str(label: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SettingsError(
            path=label,
            problem_fr=f"{key} doit être une chaîne de caractères.",
            problem_en=f"{key} must be a string.",
        )
    return value


def _help(field: Any) -> str:
    return str(field.metadata.get("help", ""))
