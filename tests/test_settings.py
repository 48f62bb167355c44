"""FW-02/FW-06: liasse.toml, secret references, and the sentences that say what to fix."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from liasse.app import Liasse
from liasse.errors import MissingSecret, SettingsError
from liasse.secrets import Secret
from liasse.settings import ProviderSettings, load_settings, secret_field


@attrs.frozen(kw_only=True)
class KeyedSettings(ProviderSettings):
    api_key: Secret = secret_field("The office's API key.")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "liasse.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_fw06_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[plugins]\nenabled = [docsecure\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(path) in str(caught.value)
    assert "line 2" in str(caught.value)
    assert "syntaxe" in caught.value.message("fr") and "syntax" in caught.value.message("en")


def test_fw06_unknown_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(write(tmp_path, "[plugins]\nenabeld = []\n"))
    assert "enabeld" in str(caught.value)
    assert "enabled" in caught.value.message("en")


def test_fw06_unknown_section_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(write(tmp_path, "[provider.docsecure]\nbase_url = 'x'\n"))
    assert "providers" in str(caught.value)


def test_fw06_unknown_provider_key_is_refused(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[providers.x]\nbase_url = 'http://h'\nbase_ur = 'y'\n"))
    with pytest.raises(SettingsError) as caught:
        settings.provider_settings("x", ProviderSettings)
    assert "[providers.x]" in str(caught.value) and "base_ur" in str(caught.value)


def test_fw06_required_provider_key_is_named(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[providers.x]\ntimeout = 5\n"))
    with pytest.raises(SettingsError) as caught:
        settings.provider_settings("x", ProviderSettings)
    assert "base_url" in str(caught.value)


def test_fw06_secret_reference_to_missing_variable_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIASSE_TEST_MISSING_KEY", raising=False)
    settings = load_settings(write(tmp_path, "[providers.x]\nbase_url='http://h'\napi_key='$env:LIASSE_TEST_MISSING_KEY'\n"))
    with pytest.raises(MissingSecret) as caught:
        settings.provider_settings("x", KeyedSettings)
    assert "LIASSE_TEST_MISSING_KEY" in str(caught.value)
    assert "api_key" in str(caught.value)


def test_fw06_secret_in_clear_is_refused(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[providers.x]\nbase_url='http://h'\napi_key='sk_live_123456'\n"))
    with pytest.raises(SettingsError) as caught:
        settings.provider_settings("x", KeyedSettings)
    assert "$env:" in str(caught.value)
    assert "sk_live_123456" not in str(caught.value)


def test_fw06_secret_references_resolve_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_TEST_KEY", "from-env-123456")
    (tmp_path / "key.txt").write_text("from-file-123456\n")
    env = load_settings(write(tmp_path, "[providers.x]\nbase_url='http://h'\napi_key='$env:LIASSE_TEST_KEY'\n"))
    assert env.provider_settings("x", KeyedSettings).api_key.reveal() == "from-env-123456"
    on_file = load_settings(write(tmp_path, "[providers.x]\nbase_url='http://h'\napi_key='$file:key.txt'\n"))
    resolved = on_file.provider_settings("x", KeyedSettings)
    assert resolved.api_key.reveal() == "from-file-123456"
    assert "from-file" not in repr(resolved)


def test_fw02_unknown_provider_name_in_settings_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        Liasse.open(write(tmp_path, "[plugins]\nenabled = ['docsecur']\n"))
    assert "docsecur" in str(caught.value)
    assert "docsecure" in str(caught.value)


def test_fw02_office_enable_list_is_applied(tmp_path: Path) -> None:
    liasse = Liasse.open(write(tmp_path, "[plugins]\nenabled = ['docsecure']\n"))
    assert sorted(liasse.providers) == ["docsecure"]


def test_s4_provider_text_holding_a_secret_is_withheld() -> None:
    from liasse.secrets import withhold

    key = Secret("k")
    assert withhold("missing_entity_key", [Secret("sk_live_123456")]) == "missing_entity_key"
    assert withhold("invalid key sk_live_123456", [Secret("sk_live_123456")]) == ""
    # A short key withholds the text rather than eating its letters.
    assert withhold("key refused", [key]) == ""
    assert withhold("anything", [Secret(""), None]) == "anything"


def test_office_keys_refused_points_at_the_settings_not_the_login() -> None:
    from liasse.errors import AccessDenied, OfficeKeysRefused

    error = OfficeKeysRefused(title="ESign", keys="api_key", provider="esign")
    assert isinstance(error, AccessDenied)
    assert "[providers.esign]" in error.message("fr") and "liasse.toml" in error.message("en")
    assert "mot de passe" not in error.message("fr")


def test_by03_intake_section_names_the_time_stamping_authority(tmp_path: Path) -> None:
    path = tmp_path / "liasse.toml"
    path.write_text('[intake]\ntsa_url = "https://tsa.example/tsr"\ntsa_ca_file = "secrets/tsa-ca.pem"\n', encoding="utf-8")
    intake = load_settings(path).intake
    assert (intake.tsa_url, intake.tsa_ca_file) == ("https://tsa.example/tsr", "secrets/tsa-ca.pem")
    path.write_text('[intake]\ntsa_ulr = "https://tsa.example/tsr"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="Vouliez-vous dire « tsa_url »"):
        load_settings(path)
