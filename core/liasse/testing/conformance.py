"""Conformance suites a provider plugin runs against its own sandbox (FW-05).

Subclass the suite and name your provider; the fixtures come from liasse's
pytest plugin::

    from liasse.testing.conformance import ProviderConformance

    class TestMyProvider(ProviderConformance):
        provider = "myprovider"

Every provider must pass :class:`ProviderConformance`. The capability suites
(exchange, signature, registered mail, share) grow with the provider issues.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from liasse.app import Liasse
from liasse.errors import AccessDenied, LiasseError
from liasse.records import Credentials, ProviderInfo
from liasse.secrets import Secret
from liasse.testing.office import running_office

DEMO_USER = "FICH"


class ProviderConformance:
    """What every provider plugin must do, whatever its capability."""

    #: The provider's entry-point name.
    provider: ClassVar[str] = ""

    @pytest.fixture
    def office(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Liasse]:
        """An office with only this provider, against its sandbox."""
        monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
        with running_office(tmp_path / "office", (self.provider,)) as (liasse, _running):
            yield liasse

    def test_declares_a_valid_provider(self, office: Liasse) -> None:
        """The plugin loaded, declared itself, and names a sandbox and settings."""
        info = office.provider(self.provider)
        assert isinstance(info, ProviderInfo)
        assert info.title and info.capabilities
        assert office.plugin(self.provider).error is None

    def test_check_access_with_demo_credentials(self, office: Liasse) -> None:
        """"Tester l'accès au service" succeeds and names the account, tagged with the provider."""
        report = office.check_access(self.provider, DEMO_USER)
        assert report.ok
        assert report.account
        assert report.provider == self.provider

    def test_wrong_credentials_are_refused_with_a_sentence(self, office: Liasse) -> None:
        """Wrong secrets give AccessDenied, in French and English, naming the provider."""
        ctx = _with_wrong_secrets(office.context(self.provider, DEMO_USER))
        with pytest.raises(AccessDenied) as caught:
            office.hooks.check_access(ctx)
        title = office.provider(self.provider).title
        assert title in caught.value.message("fr")
        assert title in caught.value.message("en")

    def test_secrets_stay_out_of_reprs_errors_and_logs(self, office: Liasse, caplog: pytest.LogCaptureFixture) -> None:
        """No secret value appears in the context's repr, an error, or DEBUG logs (S4)."""
        caplog.set_level(logging.DEBUG)
        ctx = office.context(self.provider, DEMO_USER)
        secrets = _secret_values(ctx)
        assert secrets, "the provider has no secret to protect: declare them with secret_field or credential_fields"
        office.check_access(self.provider, DEMO_USER)
        texts = [repr(ctx), repr(ctx.settings), repr(ctx.credentials), caplog.text]
        try:
            office.hooks.check_access(_with_wrong_secrets(ctx))
        except LiasseError as exc:
            texts += [str(exc), exc.message("en"), repr(exc)]
        for secret in secrets:
            for text in texts:
                assert secret not in text


def _secret_fields(settings: Any) -> list[str]:
    return [f.name for f in attrs.fields(type(settings)) if f.metadata.get("secret")]


def _secret_values(ctx: Any) -> list[str]:
    values = [getattr(ctx.settings, name).reveal() for name in _secret_fields(ctx.settings)]
    if ctx.credentials is not None:
        values.append(ctx.credentials.secret.reveal())
    return [v for v in values if len(v) >= 6]


def _with_wrong_secrets(ctx: Any) -> Any:
    wrong = Secret("wrong-" + "x" * 24)
    settings = attrs.evolve(ctx.settings, **dict.fromkeys(_secret_fields(ctx.settings), wrong))
    credentials = ctx.credentials
    if credentials is not None:
        credentials = Credentials(login=credentials.login, secret=wrong)
    return attrs.evolve(ctx, settings=settings, credentials=credentials)
