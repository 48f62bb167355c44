"""``liasse esign …``: every step of a signature file from a terminal, against the demo office's sandbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from liasse.cli import cli
from liasse.demo import DEMO_USER
from liasse.testing.office import running_office

from liasse_esign.signer import SandboxSigner


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    monkeypatch.delenv("LIASSE_LANG", raising=False)
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    with running_office(tmp_path / "office", ("esign",)) as (liasse, running):
        yield liasse.settings.path, running["esign"].url


def run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), "esign", "--user", DEMO_USER, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_es11_cli_the_story_create_edit_place_send_sign_refresh_list(office: tuple[Path, str], tmp_path: Path) -> None:
    config, url = office
    made = run(config, "create", "4")
    assert "0 - À envoyer" in made and "co_tenant" in made and "+33612345678" in made
    signer_id = re.search(r"^(\d+)\s+co_tenant\s+Léa", made, re.MULTILINE).group(1)  # type: ignore[union-attr]
    assert "+33601020304" in run(config, "edit-signer", "1", signer_id, "--mobile", "06 01 02 03 04")
    assert "p1:25,20 p2:25,20" in run(config, "place", "1", signer_id, "--box", "1,25,20", "--box", "2,25,20")
    assert "1 - En attente de signature" in run(config, "send", "1")
    for email, phone in (("lea.bernard@gmail.com", "+33601020304"), ("hugo.moreau@outlook.fr", "+33798765432"), ("claire.bernard@wanadoo.fr", "+33655443322")):
        assert SandboxSigner(url, email, phone).sign().status == 200
    assert "1 dossier(s) changé(s), 1 archivé(s)" in run(config, "refresh")
    listed = run(config, "files", "--state", "signed")
    assert "2 - Signé" in listed and "Bail de colocation" in listed
    target = tmp_path / "signed.pdf"
    run(config, "document", "1", "--to", str(target))
    assert target.read_bytes().startswith(b"%PDF")


def test_es07_cli_a_bad_phone_is_one_sentence_and_exit_1(office: tuple[Path, str]) -> None:
    config, _ = office
    run(config, "create", "4")
    result = CliRunner().invoke(cli, ["--config", str(config), "esign", "--user", DEMO_USER, "edit-signer", "1", "1", "--mobile", "12"])
    assert result.exit_code == 1
    assert "n'est pas un numéro de téléphone valide" in result.output and "Traceback" not in result.output


def test_es05_cli_a_malformed_box_is_a_usage_error(office: tuple[Path, str]) -> None:
    config, _ = office
    result = CliRunner().invoke(cli, ["--config", str(config), "esign", "--user", DEMO_USER, "place", "1", "1", "--box", "1,20"])
    assert result.exit_code == 2 and "page,x,y" in result.output


def test_fw_cli_exchange_providers_keep_their_group() -> None:
    result = CliRunner().invoke(cli, ["docsecure", "--help"])
    assert result.exit_code == 0 and "Secure document exchange" in result.output
    result = CliRunner().invoke(cli, ["esign", "--help"])
    assert result.exit_code == 0 and "E-signature" in result.output
