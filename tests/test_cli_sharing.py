"""``liasse juriszone …``: every step of the shared zone from a terminal (JZ-01 … JZ-08, BY-01)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from liasse_hostapi.reference.demo_documents import simple_pdf
from liasse_juriszone.recipient import Recipient

from liasse.app import Liasse
from liasse.cli import cli
from liasse.testing.office import running_office


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Liasse, Path, str]]:
    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    with running_office(tmp_path / "office", ("juriszone",)) as (liasse, running):
        yield liasse, tmp_path / "office" / "liasse.toml", running["juriszone"].url


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "juriszone", "--user", "FICH", *args], env={"LIASSE_LANG": None})


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + (repr(result.exception) if result.exception else "")
    return result.output


def test_jz_cli_whole_story(office: tuple[Liasse, Path, str], tmp_path: Path) -> None:
    liasse, config, sandbox_url = office
    refused = run(config, "export", "2950", "2950-01")
    assert refused.exit_code == 1 and "DUPONT MARIE (Acquéreur, compte 3120)" in refused.output
    assert "Traceback" not in refused.output
    liasse.host.accounts.update_contact_details("3120", email="marie.dupont@orange.fr", mobile=None)

    exported = ok(run(config, "export", "2950", "2950-01"))
    file_id = re.search(r"\(n° (\d+)\)", exported).group(1)  # type: ignore[union-attr]
    pdf = tmp_path / "Compromis.pdf"
    pdf.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title="Compromis", lines=("Test.",)))
    uploaded = ok(run(config, "upload", file_id, str(pdf)))
    doc_id = uploaded.splitlines()[1].split()[0]
    past = run(config, "share", file_id, "--title", "Compromis", "--expires", "01/01/2020", "--to", "3120:modify", "--document", doc_id)
    assert past.exit_code == 1 and "postérieure à aujourd'hui" in past.output
    expires = (dt.date.today() + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    shared = ok(run(config, "share", file_id, "--title", "Compromis", "--expires", expires, "--to", "3120:modify", "--to", "98012", "--document", doc_id, "--notify-me"))
    assert "Partagé" in shared and "DUPONT MARIE" in shared

    buyer = Recipient(sandbox_url, "marie.dupont@orange.fr")
    buyer.activate()
    assert buyer.upload(pdf, name="Compromis signé.pdf", replaces=buyer.document_id("Compromis.pdf")).status == 201
    synced = ok(run(config, "sync"))
    returned_id = re.search(r"import (\d+)", synced).group(1)  # type: ignore[union-attr]
    assert "Pièce jointe n°" in ok(run(config, "import", returned_id))
    tracked = ok(run(config, "track", "--account", "2950"))
    assert "JurisZone" in tracked and "Partagé" in tracked and expires in tracked


def test_jz_cli_other_providers_keep_their_exchange_commands() -> None:
    result = CliRunner().invoke(cli, ["docsecure", "--help"])
    assert result.exit_code == 0 and "contacts" in result.output
