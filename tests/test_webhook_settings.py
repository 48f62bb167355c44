"""BY-04, R5: webhook secrets in liasse.toml: a list of references (two while rotating), never clear text, never shown."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from liasse.errors import MissingSecret, SettingsError
from liasse.secrets import Secret
from liasse.settings import ProviderSettings, load_settings, secret_list_field


@attrs.frozen(kw_only=True)
class HookedSettings(ProviderSettings):
    webhook_secrets: tuple[Secret, ...] = secret_list_field("The subscription's secrets.")


def settings_for(tmp_path: Path, line: str) -> HookedSettings:
    path = tmp_path / "liasse.toml"
    path.write_text(f"[providers.x]\nbase_url = 'http://h'\n{line}\n", encoding="utf-8")
    resolved: HookedSettings = load_settings(path).provider_settings("x", HookedSettings)
    return resolved


def test_by04_several_webhook_secrets_resolve_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "old").write_text("whsec_old-secret-123456\n", encoding="utf-8")
    monkeypatch.setenv("LIASSE_TEST_WEBHOOK_NEW", "whsec_new-secret-123456")
    resolved = settings_for(tmp_path, "webhook_secrets = ['$env:LIASSE_TEST_WEBHOOK_NEW', '$file:old']")
    assert [s.reveal() for s in resolved.webhook_secrets] == ["whsec_new-secret-123456", "whsec_old-secret-123456"]
    assert "secret-123456" not in repr(resolved)


def test_by04_webhook_secrets_default_to_none_and_one_reference_is_a_list_of_one(tmp_path: Path) -> None:
    assert settings_for(tmp_path, "").webhook_secrets == ()
    (tmp_path / "only").write_text("whsec_only-one-123456", encoding="utf-8")
    assert [s.reveal() for s in settings_for(tmp_path, "webhook_secrets = '$file:only'").webhook_secrets] == ["whsec_only-one-123456"]


def test_by04_a_webhook_secret_in_clear_is_refused_without_repeating_it(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        settings_for(tmp_path, "webhook_secrets = ['whsec_in-clear-123456']")
    assert "whsec_in-clear-123456" not in refused.value.message("fr") + refused.value.message("en")
    assert "$env:" in refused.value.message("fr")


def test_by04_a_missing_or_malformed_webhook_secret_list_says_what_to_fix(tmp_path: Path) -> None:
    with pytest.raises(MissingSecret) as missing:
        settings_for(tmp_path, "webhook_secrets = ['$file:secrets/nowhere']")
    assert "secrets/nowhere" in str(missing.value) and "webhook_secrets" in str(missing.value)
    with pytest.raises(SettingsError) as malformed:
        settings_for(tmp_path, "webhook_secrets = 12")
    assert "liste de références" in malformed.value.message("fr")
    assert "list of references" in malformed.value.message("en")
