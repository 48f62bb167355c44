"""JZ-01: the office's entity key and API key, tested plugin ↔ sandbox over loopback HTTP.

No mocks: the hook functions are called directly with a context whose
transport points at a running JurisZone sandbox.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from liasse.capabilities import Capability
from liasse.errors import AccessDenied, ProviderError, ProviderUnavailable, SettingsError
from liasse.http import HttpClient
from liasse.records import ProviderContext
from liasse.sandbox import RunningSandbox, serve
from liasse.secrets import Secret
from liasse.settings import load_settings
from liasse_juriszone.client import JurisZoneClient
from liasse_juriszone.plugin import liasse_check_access, liasse_provider_info
from liasse_juriszone.sandbox import DEMO_API_KEY, DEMO_ENTITY_KEY, create_sandbox
from liasse_juriszone.settings import JurisZoneSettings

WRONG_API_KEY = "jz-api-wrong-0123456789abcdef"

MakeContext = Callable[..., ProviderContext[JurisZoneSettings]]


@pytest.fixture
def running() -> Iterator[RunningSandbox]:
    """A fresh JurisZone sandbox on 127.0.0.1."""
    sandbox = serve(create_sandbox())
    yield sandbox
    sandbox.stop()


@pytest.fixture
def make_ctx(running: RunningSandbox) -> Iterator[MakeContext]:
    """Builds the context liasse would hand the plugin, with the keys a test chooses."""
    clients: list[HttpClient] = []

    def make(entity_key: str = DEMO_ENTITY_KEY, api_key: str = DEMO_API_KEY) -> ProviderContext[JurisZoneSettings]:
        http = HttpClient("JurisZone", running.url)
        clients.append(http)
        return ProviderContext(
            provider="juriszone",
            settings=JurisZoneSettings(base_url=running.url, entity_key=Secret(entity_key), api_key=Secret(api_key)),
            http=http,
            user_login="FICH",
            office_name="Groupe FICHORGA",
        )

    yield make
    for http in clients:
        http.close()


def test_jz01_check_access_with_valid_keys(make_ctx: MakeContext) -> None:
    report = liasse_check_access(make_ctx())

    assert report.ok
    assert report.account == "Groupe FICHORGA"
    assert report.detail == "etude@fichorga.example"


def test_jz01_wrong_api_key_refused_clearly(make_ctx: MakeContext) -> None:
    with pytest.raises(AccessDenied) as caught:
        liasse_check_access(make_ctx(api_key=WRONG_API_KEY))

    error = caught.value
    assert error.params["code"] == "invalid_keys"
    assert "JurisZone" in error.message("fr")
    assert "« api_key »" in error.message("fr") and "[providers.juriszone]" in error.message("fr")
    assert "'api_key'" in error.message("en") and "liasse.toml" in error.message("en")


def test_jz01_wrong_entity_key_refused_like_a_wrong_api_key(make_ctx: MakeContext) -> None:
    """Which of the two keys is wrong is not told: that would help someone guessing them."""
    with pytest.raises(AccessDenied) as caught:
        liasse_check_access(make_ctx(entity_key="jz-entity-someone-else"))

    assert caught.value.params["code"] == "invalid_keys"


def test_jz01_missing_entity_key_refused(make_ctx: MakeContext) -> None:
    with pytest.raises(AccessDenied) as caught:
        liasse_check_access(make_ctx(entity_key=""))

    error = caught.value
    assert error.params["code"] == "missing_entity_key"
    assert "clé d'entité est vide" in error.message("fr")
    assert "« entity_key »" in error.message("fr")
    assert "'entity_key'" in error.message("en")


def test_jz01_short_key_does_not_garble_the_refusal(make_ctx: MakeContext) -> None:
    """Keeping keys out of messages must not eat letters of the provider's error code."""
    with pytest.raises(AccessDenied) as caught:
        liasse_check_access(make_ctx(entity_key="", api_key="k"))

    assert caught.value.params["code"] == "missing_entity_key"


def test_jz01_missing_api_key_refused(make_ctx: MakeContext) -> None:
    with pytest.raises(AccessDenied) as caught:
        liasse_check_access(make_ctx(api_key=""))

    assert caught.value.params["code"] == "missing_api_key"
    assert "clé d'API est vide" in caught.value.message("fr")


def test_jz01_settings_without_keys_name_the_missing_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JURISZONE_ENTITY_KEY", DEMO_ENTITY_KEY)
    config = tmp_path / "liasse.toml"
    config.write_text(
        '[providers.juriszone]\nbase_url = "http://127.0.0.1:9"\nentity_key = "$env:JURISZONE_ENTITY_KEY"\n',
        encoding="utf-8",
    )
    settings = load_settings(config)

    with pytest.raises(SettingsError) as caught:
        settings.provider_settings("juriszone", JurisZoneSettings)

    assert "« api_key »" in caught.value.message("fr")
    assert "[providers.juriszone]" in caught.value.message("fr")
    assert "'api_key'" in caught.value.message("en")


def test_jz01_settings_with_both_keys_resolve_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JURISZONE_ENTITY_KEY", DEMO_ENTITY_KEY)
    (tmp_path / "api.key").write_text(DEMO_API_KEY + "\n", encoding="utf-8")
    config = tmp_path / "liasse.toml"
    config.write_text(
        "[providers.juriszone]\n"
        'base_url = "http://127.0.0.1:9"\n'
        'entity_key = "$env:JURISZONE_ENTITY_KEY"\n'
        'api_key = "$file:api.key"\n',
        encoding="utf-8",
    )

    settings = load_settings(config).provider_settings("juriszone", JurisZoneSettings)

    assert settings.entity_key.reveal() == DEMO_ENTITY_KEY
    assert settings.api_key.reveal() == DEMO_API_KEY


def test_keys_never_in_repr_or_error(make_ctx: MakeContext, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good = make_ctx()
    liasse_check_access(good)
    bad = make_ctx(api_key=WRONG_API_KEY)
    with pytest.raises(AccessDenied) as caught:
        liasse_check_access(bad)

    error = caught.value
    shown = [
        repr(good),
        repr(good.settings),
        repr(JurisZoneClient(good)),
        repr(bad),
        str(error),
        repr(error),
        error.message("fr"),
        error.message("en"),
        repr(error.params),
        "".join(traceback.format_exception(error)),
        caplog.text,
    ]
    for text in shown:
        for key in (DEMO_ENTITY_KEY, DEMO_API_KEY, WRONG_API_KEY):
            assert key not in text


def test_provider_down_gives_provider_unavailable(running: RunningSandbox, make_ctx: MakeContext) -> None:
    # Down through the three attempts of a call (liasse retries a 503).
    fault = {"kind": "status", "status": 503, "path": "/api", "times": 3}
    armed = requests.post(f"{running.url}/_sandbox/faults", json=fault, timeout=5)
    assert armed.status_code == 204

    with pytest.raises(ProviderUnavailable) as caught:
        liasse_check_access(make_ctx())

    assert "JurisZone" in caught.value.message("fr")
    # The fault fired three times; the next call goes through.
    assert liasse_check_access(make_ctx()).ok


def test_other_refusals_become_provider_errors_from_the_error_body(make_ctx: MakeContext) -> None:
    """A 4xx that is not about the keys keeps JurisZone's code, worded by liasse."""
    client = JurisZoneClient(make_ctx())

    with pytest.raises(ProviderError) as caught:
        client._call("GET", "/api/v1/no-such-thing")

    error = caught.value
    assert not isinstance(error, AccessDenied)
    assert error.params["code"] == "not_found"
    assert "n'existe pas" in error.message("fr")
    assert "does not exist" in error.message("en")


def test_provider_info_declares_a_share_provider_with_office_keys() -> None:
    info = liasse_provider_info()

    assert info.title == "JurisZone"
    assert info.capabilities == frozenset({Capability.SHARE})
    assert info.settings is JurisZoneSettings
    assert info.credential_fields == ()
    assert info.limits is not None and info.limits.max_file_size == 100 * 1024 * 1024
    assert "application/pdf" in info.limits.media_types


def test_plugin_module_imports_no_requests() -> None:
    code = (
        "import sys, liasse_juriszone.plugin\n"
        "heavy = [m for m in ('requests', 'flask', 'werkzeug') if m in sys.modules]\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr
