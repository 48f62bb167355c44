"""``liasse outbox``: list what waits and why, ``retry ID``, ``run`` (issue 5), against DocSecure's sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result
from liasse.app import Liasse
from liasse.cli import cli
from liasse.desk import ContactForm
from liasse.records import ContactKind, DocumentType
from liasse.states import RequestState

PERSON = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")


@pytest.fixture
def office(liasse_office: Callable[..., Liasse], monkeypatch: pytest.MonkeyPatch) -> Liasse:
    for name in ("LIASSE_LANG", "LIASSE_CONFIG", "LIASSE_SAFE_MODE"):
        monkeypatch.delenv(name, raising=False)
    return liasse_office("docsecure")


def run(office: Liasse, *args: str) -> Result:
    assert office.settings.path is not None
    return CliRunner().invoke(cli, ["--config", str(office.settings.path), *args], catch_exceptions=False)


def config(office: Liasse) -> Path:
    assert office.settings.path is not None
    return office.settings.path


def test_outbox_lists_what_waits_with_its_reason_then_run_sends_it_once(office: Liasse) -> None:
    desk = office.desk("docsecure", "FICH")
    contact = desk.create_contact(PERSON, "2950")
    assert run(office, "outbox").output.strip() == "Rien en attente : tout est parti."
    queued = desk.request_document(contact.id, DocumentType.RIB, "RIB pour la vente", deliver=False)
    listed = run(office, "outbox", "list")
    assert listed.exit_code == 0
    assert "docsecure" in listed.output and "« RIB pour la vente » : à envoyer, prochain essai" in listed.output
    drained = run(office, "outbox", "run")
    assert (drained.exit_code, drained.output.strip()) == (0, "1 envoi(s) traité(s) : 1 envoyé.")
    assert desk.exchange(queued.id).state is RequestState.SENT
    assert run(office, "outbox", "run").output.strip() == "0 envoi(s) traité(s)."
    assert "RIB pour la vente" in run(office, "outbox", "list", "--all").output


def test_outbox_run_reports_a_provider_down_and_retry_sends_the_row(office: Liasse) -> None:
    desk = office.desk("docsecure", "FICH")
    contact = desk.create_contact(PERSON, "2950")
    desk.request_document(contact.id, DocumentType.RIB, "RIB", deliver=False)
    base = office.provider_settings("docsecure").base_url
    fault = {"kind": "status", "status": 503, "path": "/api/v1/requests", "times": 3}
    requests.post(f"{base}/_sandbox/faults", json=fault, timeout=10).raise_for_status()
    drained = run(office, "--lang", "en", "outbox", "run")
    assert drained.exit_code == 0, "a provider down is not a failure of the row: it waits"
    assert "1 row(s) handled: 1 to send." in drained.output
    assert "DocSecure is not answering (HTTP 503" in drained.output
    [row] = office.outbox.rows()
    listed = run(office, "--lang", "en", "outbox")
    assert f"{row.id:>6}  docsecure" in listed.output and "HTTP 503" in listed.output
    retried = run(office, "outbox", "retry", str(row.id))
    assert (retried.exit_code, retried.output.strip()) == (0, "« RIB » : Envoyé.")


def test_outbox_retry_of_an_unknown_row_is_one_line(office: Liasse) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config(office)), "outbox", "retry", "999"])
    assert result.exit_code == 1
    assert "Envoi en attente n° 999 introuvable" in result.output
