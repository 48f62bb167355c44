"""What a provider declares, and what liasse hands every provider step."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from liasse.capabilities import Capability
from liasse.secrets import Secret

if TYPE_CHECKING:
    from liasse.http import HttpClient

SettingsT = TypeVar("SettingsT")


@attrs.frozen
class CredentialField:
    """One field of a user's credentials for a provider (DS-01 "Connexion")."""

    name: str
    label_fr: str
    label_en: str
    secret: bool = False


@attrs.frozen
class ProviderLimits:
    """What the provider accepts, checked before any upload (DS-34)."""

    max_file_size: int
    media_types: frozenset[str]
    max_documents: int | None = None
    provider: str = ""


@attrs.frozen
class ProviderInfo:
    """A provider plugin's declaration, returned by ``liasse_provider_info``.

    ``settings`` is an attrs class whose fields are the provider's keys in
    ``liasse.toml``; declare secret fields with :func:`liasse.settings.secret_field`.
    ``sandbox`` names the factory of the provider's sandbox as
    ``"module:function"``, imported only when a sandbox is started.
    """

    title: str
    capabilities: frozenset[Capability]
    settings: type[Any]
    sandbox: str
    #: What each user types to connect; empty when the office's settings hold the keys.
    credential_fields: tuple[CredentialField, ...] = ()
    limits: ProviderLimits | None = None
    #: DS-02: where the banner button leads when some user has the link on, and otherwise.
    site_url: str | None = None
    presentation_url: str | None = None
    #: The hook spec version the plugin was written against (see :data:`liasse.hookspecs.SPEC_VERSION`).
    spec_version: str = "1.0"
    #: ``"package:file"`` of the provider's small logo (PNG), shown beside the timestamp mark on images (DS-28).
    logo: str | None = None
    #: ``"module:function"`` of the provider's story in ``liasse demo``, imported only by the demo:
    #: ``function(liasse, sandbox_url, user_login, workdir, echo) -> bool``.
    demo: str | None = None
    #: How long the outbox keeps trying a send the provider does not take before it gives up
    #: (None: :data:`liasse.retries.DEFAULT_HORIZON`, about 4 days); keep it within the provider's
    #: idempotency-key window, or implement ``liasse_find_sent``.
    retry_horizon: dt.timedelta | None = None


@attrs.frozen
class Credentials:
    """A user's credentials for one provider, decrypted for the duration of a call."""

    login: str
    secret: Secret
    extra: tuple[tuple[str, Secret], ...] = ()


@attrs.frozen
class ProviderContext(Generic[SettingsT]):
    """Everything a provider step needs, built by liasse for each call.

    ``http`` is liasse's transport bound to the provider's base URL: use it
    for every request so timeouts, retries and redaction apply.
    """

    provider: str
    settings: SettingsT
    http: HttpClient
    user_login: str
    office_name: str
    credentials: Credentials | None = None
    #: The office's time zone, for dates the user reads.
    timezone: str = "Europe/Paris"


@attrs.frozen
class AccessReport:
    """The answer of "Tester l'accès au service" (``liasse doctor``)."""

    ok: bool
    #: Who the provider says we are: an account name or e-mail, never a secret.
    account: str
    detail: str = ""
    provider: str = ""
