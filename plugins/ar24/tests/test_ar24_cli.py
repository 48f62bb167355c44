"""``liasse ar24 …``: every registered-mail step from the command line, against the AR24 sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from liasse.cli import cli
from liasse.testing.office import running_office

from liasse_ar24.recipient import AR24Recipient, advance_clock, otp_code
from liasse_ar24.sandbox_letters import DEMO_OTP_KEY

ENV = ("LIASSE_SECRET_KEY", "LIASSE_DATABASE_URL", "LIASSE_LANG", "LIASSE_CONFIG", "LIASSE_USER", "LIASSE_SAFE_MODE")


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    with running_office(tmp_path / "office", ("ar24",)) as (_liasse, running):
        yield tmp_path / "office" / "liasse.toml", running["ar24"].url


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "ar24", "--user", "FICH", *args], catch_exceptions=False)


def test_ar24_cli_group_is_the_registered_mail_one(office: tuple[Path, str]) -> None:
    config, _ = office
    result = CliRunner().invoke(cli, ["--config", str(config), "ar24", "--help"])
    assert result.exit_code == 0
    for command in ("link", "update-consents", "check", "send", "validate", "letters", "proofs"):
        assert command in result.output


def test_ar24_cli_story_from_consent_to_proofs(office: tuple[Path, str]) -> None:
    config, url = office
    assert "rattaché" in run(config, "link").output
    assert "email:sophie.durand@orange.fr" in run(config, "consents", "1").output
    run(config, "ask-consent", "1", "email:sophie.durand@orange.fr", "--days", "10")
    AR24Recipient(url, "sophie.durand@orange.fr").answer_consent(accept=True)
    assert "Sophie DURAND: non → oui" in run(config, "update-consents", "1").output
    bad = run(config, "check", "3/email:paul.girard@laposte.net/paper")
    assert bad.exit_code == 1 and "[no_address]" in bad.output and "Paul GIRARD" in bad.output
    means = run(config, "payment-means")
    assert "Carte bancaire" in means.output
    assert "512 CAV → Carte bancaire" in run(config, "link-payment", "512 CAV", "1").output
    sent = run(
        config,
        "send",
        "1/email:sophie.durand@orange.fr/eidas",
        "1/email:marc.lefebvre@gmail.com/simple_notice",
        "--entity",
        "512 CAV",
    )
    assert sent.exit_code == 0, sent.output
    assert sent.output.count("À valider") == 2 and "Documents déposés : 1." in sent.output
    wrong = run(config, "validate", "--otp", "000000")
    assert wrong.exit_code == 1 and "OTP" in wrong.output
    ok = run(config, "validate", "--otp", otp_code(DEMO_OTP_KEY))
    assert ok.output.count("En cours d'envoi") == 2, ok.output
    advance_clock(url, seconds=60)
    assert "2 lettre(s) mise(s) à jour." in run(config, "sync").output
    AR24Recipient(url, "marc.lefebvre@gmail.com").accept()
    run(config, "sync")
    listed = run(config, "letters", "--state", "AR")
    assert "Marc LEFEBVRE" in listed.output and "Sophie" not in listed.output
    proofs = run(config, "proofs", listed.output.splitlines()[1].split()[0])
    assert "Marc LEFEBVRE: dépôt " in proofs.output
    assert "dépôt -" not in proofs.output and "issue -" not in proofs.output
