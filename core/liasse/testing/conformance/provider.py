"""What every provider plugin must do, whatever its capability (FW-05).

The capability suites (:mod:`liasse.testing.conformance`) subclass
:class:`ProviderConformance`; a plugin names its provider and inherits every
check. The sandbox is the one the plugin declares (``ProviderInfo.sandbox``),
started on loopback for each test.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from liasse.app import Liasse
from liasse.capabilities import Capability, required_hooks
from liasse.errors import AccessDenied, LiasseError, ProviderUnavailable
from liasse.records import Credentials, ProviderInfo
from liasse.sandbox import RunningSandbox
from liasse.secrets import Secret
from liasse.testing.conformance.kit import HookRecorder, SandboxControl, check_sentence
from liasse.testing.office import registered, running_office

DEMO_USER = "FICH"


class ProviderConformance:
    """What every provider plugin must do, whatever its capability."""

    #: The provider's entry-point name: the one thing a plugin's suite must set.
    provider: ClassVar[str] = ""
    #: The capability the suite checks (None: only what every provider must do).
    capability: ClassVar[Capability | None] = None
    #: The demo user the office connects to the provider.
    user: ClassVar[str] = DEMO_USER

    @pytest.fixture
    def running(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Liasse, RunningSandbox]]:
        """An office with only this provider, against its sandbox (found from the plugin's declaration)."""
        assert self.provider, f"{type(self).__name__}: set provider = \"<your entry-point name>\""
        monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
        monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
        with running_office(tmp_path / "office", (self.provider,)) as (liasse, servers):
            yield liasse, servers[self.provider]

    @pytest.fixture
    def office(self, running: tuple[Liasse, RunningSandbox]) -> Liasse:
        """The opened office."""
        return running[0]

    @pytest.fixture
    def sandbox(self, running: tuple[Liasse, RunningSandbox]) -> SandboxControl:
        """The sandbox's faults and request journal, over HTTP."""
        return SandboxControl(running[1].url)

    @pytest.fixture
    def recorder(self, office: Liasse) -> Iterator[HookRecorder]:
        """Every call of the provider's steps during the test, with what each returned or raised."""
        hooks = required_hooks(office.provider(self.provider).capabilities)
        recorder = HookRecorder([h for h in hooks if h != "liasse_provider_info"] + ["liasse_find_sent", "liasse_read_status"])
        with registered(office, recorder, "liasse-conformance-recorder"):
            yield recorder

    def test_declares_the_capability_and_implements_its_hooks(self, office: Liasse) -> None:
        """The plugin claims the suite's capability and implements every hook it requires (liasse.capabilities)."""
        info = office.provider(self.provider)
        if self.capability is not None:
            assert self.capability in info.capabilities, f"{self.provider} does not declare {self.capability.value}"
        record = office.plugin(self.provider)
        assert record.missing_hooks == (), f"{self.provider} lacks {', '.join(record.missing_hooks)}"

    def test_provider_down_is_a_sentence(self, office: Liasse, sandbox: SandboxControl) -> None:
        """A provider answering 503 (maintenance) through every attempt gives ProviderUnavailable in French and English."""
        sandbox.arm("status", status=503, retry_after=120, times=50)
        with pytest.raises(LiasseError) as caught:
            office.hooks.check_access(office.context(self.provider, self.user))
        check_sentence(caught.value, "check_access while the provider is down")
        assert isinstance(caught.value, ProviderUnavailable), type(caught.value).__name__

    def test_provider_unreachable_is_a_sentence(self, office: Liasse, sandbox: SandboxControl) -> None:
        """Connections dropped before any answer give ProviderUnavailable in French and English."""
        sandbox.arm("reset", times=50)
        with pytest.raises(LiasseError) as caught:
            office.hooks.check_access(office.context(self.provider, self.user))
        check_sentence(caught.value, "check_access while connections drop")
        assert isinstance(caught.value, ProviderUnavailable), type(caught.value).__name__

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
        check_sentence(caught.value, "check_access with wrong credentials")
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
