"""S4: no secret, code, IBAN or document content in anything liasse prints or logs (canary test).

Canaries are seeded — the office's provider keys, a user's DocSecure
password, the SMS code the contact types, a full IBAN on the RIB the contact
uploads, a line of a document sent — then the whole DocSecure flow runs
(connect, access test, contact, RIB request, the contact's side on the
sandbox's pages, sync, import, send, remind, tracking), through the CLI and
the desk, at DEBUG level on every logger *and* with ``http.client``'s debug
output on (``HTTPConnection.debuglevel = 1``, which prints raw headers with
``print()``, past every logging filter). Everything the process wrote to its
file descriptors (capfd), every log record, and every CLI output is searched
for each canary in each of the forms it could take (as typed, base64 in a
Basic ``Authorization`` header, an IBAN grouped, compact or lower-case).

The contact's own steps (open the link, type the code, upload the RIB) are
the contact's browser on the contact's phone: they run with http.client's
debug output off, since what they send is the contact's business, not the
office's process's output.

A second flow receives DocSecure's webhooks (the sandbox POSTs signed
Standard Webhooks events to liasse's receiver on loopback; the worker
applies them) with the subscription's ``whsec_`` secret as a canary too.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import logging
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result
from liasse_hostapi.reference.demo_documents import rib_pdf, simple_pdf
from schwifty import IBAN

from liasse.app import Liasse
from liasse.cli import cli
from liasse.testing.office import running_office

from liasse_docsecure.recipient import Recipient

#: The DocSecure account's password, set on the sandbox for this test only.
PASSWORD = "Canari-Mdp-7Q2x9Lw!"
LOGIN = "etude@fichorga.example"
#: A line of the document sent: its content must never be printed.
CONTENT = "CANARI-CONTENU-4f1b9e2a"
#: A full IBAN (valid, with its RIB key) on the RIB the contact uploads.
CANARY_IBAN = IBAN.generate("FR", bank_code="20041", branch_code="01005", account_code="0500013M026")
CANARY_BIC = "PSSTFRPPXXX"


def _forms(secret: str) -> set[str]:
    """Every spelling of ``secret`` a leak could take."""
    forms = {secret, urllib.parse.quote(secret, safe="")}
    return {f for f in forms if len(f) >= 6}


def _iban_forms(iban: IBAN) -> set[str]:
    compact = iban.compact
    grouped = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    # The BBAN alone, and its account part, identify the account just as well.
    return {compact, grouped, compact.lower(), iban.bban, str(iban.bban)[10:21]}


def _basic(login: str, password: str) -> str:
    return base64.b64encode(f"{login}:{password}".encode()).decode()


@contextlib.contextmanager
def _contact_device() -> Iterator[None]:
    """The contact's phone: not the office's process, so not under http.client's debug output."""
    level = http.client.HTTPConnection.debuglevel
    http.client.HTTPConnection.debuglevel = 0
    try:
        yield
    finally:
        http.client.HTTPConnection.debuglevel = level


class Flow:
    """The office, its CLI and the sandbox, with everything printed collected for the search."""

    def __init__(self, liasse: Liasse, config: Path, sandbox_url: str, files: Path) -> None:
        self.liasse = liasse
        self.config = config
        self.sandbox_url = sandbox_url
        self.files = files
        self.outputs: list[str] = []

    def cli(self, *args: str, input: str | None = None) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(self.config), *args], input=input, env={"LIASSE_LANG": None})
        self.outputs.append(result.output)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            self.outputs.append(repr(result.exception))
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result

    def docsecure(self, *args: str) -> str:
        return self.cli("docsecure", "--user", "FICH", *args).output


@pytest.fixture
def flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    for name in ("LIASSE_SECRET_KEY", "LIASSE_DATABASE_URL", "LIASSE_LANG", "LIASSE_CONFIG", "LIASSE_USER"):
        monkeypatch.delenv(name, raising=False)
    with running_office(tmp_path / "office", ()) as (liasse, running):
        files = tmp_path / "files"
        files.mkdir()
        url = running["docsecure"].url
        requests.post(f"{url}/_sandbox/accounts", json={"email": LOGIN, "password": PASSWORD}, timeout=10).raise_for_status()
        yield Flow(liasse, tmp_path / "office" / "liasse.toml", url, files)


def _office_keys(config: Path) -> dict[str, str]:
    """The office's provider keys the demo office wrote beside its liasse.toml (``$file:`` secrets)."""
    return {path.name: path.read_text(encoding="utf-8").strip() for path in (config.parent / "secrets").iterdir() if "_" in path.name}


def _run_the_flow(flow: Flow) -> list[str]:
    """The whole DocSecure flow; returns the SMS codes the contact received."""
    flow.cli("connect", "docsecure", "--user", "FICH", "--login", LOGIN, "--password", PASSWORD)
    flow.cli("doctor", "--user", "FICH")
    flow.cli("plugins")
    martin = Recipient(flow.sandbox_url, "jacques.martin@free.fr", "+33654559987")
    requested = flow.docsecure(
        "request", "2950", "--new-contact", "--first", "Jacques", "--last", "MARTIN",
        "--email", "jacques.martin@free.fr", "--mobile", "06 54 55 99 87", "--rib", "--label", "RIB pour la vente",
    )  # fmt: skip
    request_id = re.search(r"Demande n° (\d+)", requested)
    assert request_id, requested
    flow.docsecure("remind", request_id.group(1), "--sms")
    rib = flow.files / "RIB_MARTIN.pdf"
    rib.write_bytes(
        rib_pdf(
            office_name="LA BANQUE POSTALE",
            holder="M. JACQUES MARTIN",
            holder_address="8 rue de la République, 45000 ORLÉANS",
            iban=CANARY_IBAN.formatted,
            bic=CANARY_BIC,
            bank="LA BANQUE POSTALE",
        )
    )
    with _contact_device():
        martin.answer_request(rib)
        codes = [martin.latest_code()]
    flow.docsecure("sync")
    flow.docsecure("track", "--account", "2950")
    flow.docsecure("track", "--account", "2950", "--no-sync", "--json")
    flow.docsecure("counter", "2950")
    flow.docsecure("alerts", "2950")
    imported = flow.docsecure("import", request_id.group(1))
    assert "Fiche IBAN n° " in imported
    document = flow.files / "Compromis.pdf"
    document.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title="Compromis", lines=(CONTENT,)))
    contacts = flow.docsecure("contacts", "2950", "--json")
    contact_id = re.search(r'"id": (\d+)', contacts)
    assert contact_id, contacts
    sent = flow.docsecure("send", "2950", "--contact", contact_id.group(1), "--file", str(document))
    send_id = re.search(r"Envoi n° (\d+)", sent)
    assert send_id, sent
    with _contact_device():
        martin.fetch_send(flow.files / "got.pdf")
        codes.append(martin.latest_code())
    flow.docsecure("sync")
    flow.docsecure("attestation", send_id.group(1))
    # The desk itself, as a host's screens call it.
    desk = flow.liasse.desk("docsecure", "FICH")
    desk.exchanges()
    desk.counter("2950")
    flow.cli("audit", "--json")
    flow.cli("audit")
    flow.cli("secrets", "status")
    return codes


def test_s4_canaries_never_appear_in_output_logs_or_http_debug(
    flow: Flow, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = _office_keys(flow.config)
    assert keys, "the demo office has provider keys"
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(http.client.HTTPConnection, "debuglevel", 1)
    codes = _run_the_flow(flow)
    monkeypatch.setattr(http.client.HTTPConnection, "debuglevel", 0)
    captured = capfd.readouterr()

    canaries: dict[str, set[str]] = {
        "password": _forms(PASSWORD) | {_basic(LOGIN, PASSWORD)},
        "document content": {CONTENT},
        "IBAN": _iban_forms(CANARY_IBAN),
        "SMS codes": set(codes),
    }
    for name, value in keys.items():
        canaries[f"office key {name}"] = _forms(value)
    canaries["credentials key"] = {(flow.config.parent / "secrets" / "liasse.key").read_text().strip()}
    haystacks = {
        "stdout (fd)": captured.out,
        "stderr (fd)": captured.err,
        "log records": "\n".join(
            f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
        ),
        "CLI output": "\n".join(flow.outputs),
    }
    hits = [
        (canary, where, _around(text, form))
        for canary, forms in canaries.items()
        for form in forms
        for where, text in haystacks.items()
        if form and form in text
    ]
    print(f"canary hits: {len(hits)}")
    for hit in hits:
        print("HIT", hit)
    assert hits == []
    assert all(codes) and len(caplog.records) > 50  # the flow did run, at DEBUG


def _around(text: str, form: str) -> str:
    at = text.index(form)
    return text[max(0, at - 80) : at + len(form) + 40]


def test_s4_http_client_debug_output_is_off_in_normal_runs(flow: Flow) -> None:
    assert http.client.HTTPConnection.debuglevel == 0
    flow.cli("connect", "docsecure", "--user", "FICH", "--login", LOGIN, "--password", PASSWORD)
    flow.cli("doctor", "--user", "FICH")
    flow.liasse.check_access("docsecure", "FICH")
    assert http.client.HTTPConnection.debuglevel == 0


def test_s4_the_search_would_see_http_client_debug_output(
    flow: Flow, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The canary search can fail: a plain session under debuglevel 1 prints the header; liasse's does not."""
    from liasse.quiet_http import quiet

    monkeypatch.setattr(http.client.HTTPConnection, "debuglevel", 1)
    url = f"{flow.sandbox_url}/api/v1/account"
    with requests.Session() as plain:
        assert plain.get(url, auth=(LOGIN, PASSWORD), timeout=10).status_code == 200
    printed = capfd.readouterr().out
    assert f"Authorization: Basic {_basic(LOGIN, PASSWORD)}" in printed
    with quiet(requests.Session()) as quieted:
        assert quieted.get(url, auth=(LOGIN, PASSWORD), timeout=10).status_code == 200
    assert capfd.readouterr().out == ""


def test_s4_webhook_secret_and_the_rest_never_appear_while_webhooks_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from liasse.desk import ContactForm
    from liasse.records import ContactKind, DocumentType
    from liasse.secrets import Secret
    from liasse.states import RequestState
    from liasse.testing.webhooks import wait_for, webhook_office

    for name in ("LIASSE_SECRET_KEY", "LIASSE_DATABASE_URL", "LIASSE_LANG", "LIASSE_CONFIG", "LIASSE_USER"):
        monkeypatch.delenv(name, raising=False)
    outputs: list[str] = []
    with webhook_office(tmp_path / "office", "docsecure", {"webhook_secrets": '["$file:secrets/docsecure_webhook"]'}) as office:
        url = office.sandbox.url
        requests.post(f"{url}/_sandbox/accounts", json={"email": LOGIN, "password": PASSWORD}, timeout=10).raise_for_status()
        subscription = requests.post(
            f"{url}/api/v1/webhooks", json={"url": office.receiver.endpoint("docsecure")}, auth=(LOGIN, PASSWORD), timeout=10
        ).json()
        secret = str(subscription["secret"])
        office.write_secret("docsecure_webhook", secret)
        caplog.set_level(logging.DEBUG)
        monkeypatch.setattr(http.client.HTTPConnection, "debuglevel", 1)
        office.liasse.connect("docsecure", "FICH", LOGIN, Secret(PASSWORD))
        desk = office.liasse.desk("docsecure", "FICH")
        person = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
        request = desk.request_document(person, DocumentType.RIB, "RIB pour la vente", account_number="2950")
        rib = tmp_path / "RIB_MARTIN.pdf"
        rib.write_bytes(
            rib_pdf(
                office_name="LA BANQUE POSTALE", holder="M. JACQUES MARTIN", holder_address="45000 ORLÉANS",
                iban=CANARY_IBAN.formatted, bic=CANARY_BIC, bank="LA BANQUE POSTALE",
            )
        )  # fmt: skip
        martin = Recipient(url, "jacques.martin@free.fr", "+33654559987")
        with _contact_device():
            martin.answer_request(rib)
            code = martin.latest_code()
        assert wait_for(lambda: desk.exchange(request.id).state is RequestState.TO_IMPORT)
        desk.import_document(request.id)
        config = tmp_path / "office" / "liasse.toml"
        for args in (["webhooks", "status"], ["docsecure", "--user", "FICH", "track", "--no-sync"], ["audit"]):
            result = CliRunner().invoke(cli, ["--config", str(config), *args], env={"LIASSE_LANG": None})
            assert result.exit_code == 0, result.output
            outputs.append(result.output)
        monkeypatch.setattr(http.client.HTTPConnection, "debuglevel", 0)
    captured = capfd.readouterr()
    canaries = {
        "webhook secret": {secret, secret.removeprefix("whsec_")},
        "password": _forms(PASSWORD) | {_basic(LOGIN, PASSWORD)},
        "IBAN": _iban_forms(CANARY_IBAN),
        "SMS code": {code},
    }
    haystacks = {
        "stdout (fd)": captured.out,
        "stderr (fd)": captured.err,
        "log records": "\n".join(f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
        "CLI output": "\n".join(outputs),
    }
    hits = [
        (canary, where, _around(text, form))
        for canary, forms in canaries.items()
        for form in forms
        for where, text in haystacks.items()
        if form and form in text
    ]
    print(f"canary hits (webhooks): {len(hits)}")
    for hit in hits:
        print("HIT", hit)
    assert hits == []
    assert secret.startswith("whsec_") and len(caplog.records) > 20
