"""FW-06: the liasse command, its exit codes and its one-line reasons."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from liasse.__about__ import __version__
from liasse.cli import cli


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    liasse = str(Path(sys.executable).parent / "liasse")
    return subprocess.run([liasse, *args], capture_output=True, text=True, timeout=300, env=env)


def test_fw06_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_fw06_plugins_lists_name_version_distribution_capabilities_status() -> None:
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert set(rows) >= {"docsecure", "esign", "ar24", "juriszone"}
    assert rows["docsecure"]["status"] == "ok"
    assert rows["docsecure"]["distribution"] == "liasse"
    assert rows["docsecure"]["version"] == __version__
    assert rows["docsecure"]["capabilities"] == ["exchange"]


def test_fw06_bad_settings_exit_non_zero_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "liasse.toml"
    config.write_text("[plugins]\nenabled = [\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "plugins"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("liasse: ")


def test_fw06_unknown_provider_in_doctor_exits_non_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No liasse.toml: the default store would be the user's own (~/.local/share/liasse); the audit row goes here instead.
    monkeypatch.setenv("LIASSE_DATABASE_URL", f"sqlite:///{(tmp_path / 'liasse.sqlite3').as_posix()}")
    result = CliRunner().invoke(cli, ["doctor", "--user", "FICH", "docsecur"])
    assert result.exit_code == 1
    assert "docsecur" in result.output


def test_fw06_english_messages_on_request(tmp_path: Path) -> None:
    config = tmp_path / "liasse.toml"
    config.write_text("[plugin]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--lang", "en", "--config", str(config), "plugins"])
    assert "unknown key 'plugin'" in result.output


@pytest.mark.slow
def test_fw06_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = run("demo", "--workdir", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stdout + result.stderr
    for title in ("DocSecure", "ESign", "AR24", "JurisZone"):
        assert title in result.stdout
    assert "chargé" in result.stdout
    assert "Étude ouverte" in result.stdout
    settings = (tmp_path / "demo" / "liasse.toml").read_text()
    assert "$file:secrets/" in settings


def test_fw06_sandbox_serves_until_ctrl_c() -> None:
    import re
    import signal

    import requests

    liasse = str(Path(sys.executable).parent / "liasse")
    process = subprocess.Popen([liasse, "sandbox", "docsecure"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.match(r"docsecure\s+(http://127\.0\.0\.1:\d+)$", first.strip())
        assert match, first
        account = process.stdout.readline()
        assert "etude@fichorga.example" in account
        answer = requests.get(f"{match.group(1)}/api/v1/account", auth=("etude@fichorga.example", "wrong"), timeout=5)
        assert answer.status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    assert process.returncode == 0


@pytest.mark.parametrize("args", [["connect", "docsecure", "--login", "a@b.fr", "--password", "x"], ["doctor", "docsecure"]])
def test_fw06_unknown_user_is_one_sentence_not_a_traceback(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store of the test's own: never the user's data directory, which another liasse may have migrated.
    monkeypatch.setenv("LIASSE_DATABASE_URL", f"sqlite:///{(tmp_path / 'liasse.sqlite3').as_posix()}")
    command, *rest = args
    result = CliRunner().invoke(cli, [command, "--user", "NOBODY", *rest])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "liasse: Utilisateur « NOBODY » introuvable dans le logiciel de l'étude. Vérifiez le numéro ou l'identifiant saisi."
    )
