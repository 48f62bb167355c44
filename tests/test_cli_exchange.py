"""``liasse docsecure …``: the exchange desk's operator commands, end to end against the DocSecure sandbox.

One office (host, store, sandbox) serves the whole module: every CLI run
opens it from its ``liasse.toml``, as an operator would. Each test works on
its own account and contact, so the tests do not depend on their order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result
from liasse_hostapi.reference.demo_documents import rib_pdf, simple_pdf

from liasse.app import Liasse
from liasse.cli import cli
from liasse.testing.office import running_office

from liasse_docsecure.recipient import Recipient

#: A valid French IBAN (RIB key included) and its BIC, for the RIBs contacts upload.
IBAN = "FR76 3000 4000 0312 3456 7890 143"
BIC = "BNPAFRPPXXX"
_CLEAN_ENV = (
    "LIASSE_SECRET_KEY",
    "LIASSE_DATABASE_URL",
    "LIASSE_LANG",
    "LIASSE_CONFIG",
    "LIASSE_USER",
    "LIASSE_SAFE_MODE",
)


@attrs.frozen
class Office:
    liasse: Liasse
    config: Path
    sandbox_url: str
    files: Path


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """The demo office with DocSecure in its sandbox, FICH connected, shared by the module."""
    with pytest.MonkeyPatch.context() as patch:
        for name in _CLEAN_ENV:
            patch.delenv(name, raising=False)
        workdir = tmp_path_factory.mktemp("office")
        with running_office(workdir, ("docsecure",)) as (liasse, running):
            files = workdir / "files"
            files.mkdir()
            yield Office(liasse, workdir / "liasse.toml", running["docsecure"].url, files)


def liasse(office: Office, *args: str, user: str = "FICH", input: str | None = None) -> Result:
    """``liasse --config … docsecure --user USER ARGS``."""
    return CliRunner().invoke(
        cli,
        ["--config", str(office.config), "docsecure", "--user", user, *args],
        input=input,
        env={"LIASSE_LANG": None},
    )


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + (repr(result.exception) if result.exception else "")
    return result.output


def exchange_id(output: str) -> int:
    found = re.search(r"(?:Demande|Envoi) n° (\d+)", output)
    assert found, output
    return int(found.group(1))


def contact_id(office: Office, account: str, email: str) -> int:
    rows = json.loads(ok(liasse(office, "contacts", account, "--json")))
    return int(next(row["id"] for row in rows if row["email"] == email))


def rib_file(office: Office, holder: str) -> Path:
    path = office.files / f"RIB_{holder.split()[-1]}.pdf"
    path.write_bytes(
        rib_pdf(
            office_name="LA BANQUE",
            holder=holder,
            holder_address="45000 ORLÉANS",
            iban=IBAN,
            bic=BIC,
            bank="BNP PARIBAS",
        )
    )
    return path


def pdf_file(office: Office, name: str) -> Path:
    path = office.files / name
    path.write_bytes(simple_pdf(office_name="Groupe FICHORGA", title=Path(name).stem, lines=("Document de test.",)))
    return path


def new_contact_options(first: str, last: str, email: str, mobile: str) -> list[str]:
    return ["--new-contact", "--first", first, "--last", last, "--email", email, "--mobile", mobile]


# --- help -------------------------------------------------------------------------


def test_fw06_liasse_help_lists_the_provider_groups() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert re.search(r"^\s+docsecure\s", result.output, re.MULTILINE), result.output


def test_cli_docsecure_help_lists_the_subcommands() -> None:
    result = CliRunner().invoke(cli, ["docsecure", "--help"])
    assert result.exit_code == 0
    for command in (
        "contacts", "contact-add", "contact-edit", "contact-delete", "contact-archive", "contact-unarchive",
        "contact-link", "site-contacts", "archive-candidates", "request", "send", "send-rib", "choices",
        "track", "alerts", "counter", "sync", "remind", "retry", "import", "attestation",
    ):  # fmt: skip
        assert re.search(rf"^\s+{command}\s", result.output, re.MULTILINE), command


def test_cli_user_is_required(office: Office) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(office.config), "docsecure", "contacts"], env={"LIASSE_USER": None}
    )
    assert result.exit_code == 2 and "--user" in result.output


# --- DS-01 credentials asked at first use -----------------------------------------------


def test_ds01_cli_credentials_asked_at_first_use(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    office.liasse.reset_credentials("docsecure", "CLER")
    # No terminal: the sentence, exit 1.
    refused = liasse(office, "counter", user="CLER")
    assert refused.exit_code == 1
    assert "Aucun identifiant DocSecure n'est enregistré pour l'utilisateur CLER" in refused.output
    monkeypatch.setattr("liasse.cli_exchange._interactive", lambda: True)
    # The login defaults to the user's e-mail; the password is not echoed; the command then runs.
    asked = liasse(office, "counter", user="CLER", input="etude@fichorga.example\ndemo-docsecure\n")
    output = ok(asked)
    assert "[helene.clement@fichorga.fr]" in output
    assert "demo-docsecure" not in output
    assert "identifiants enregistrés, accès vérifié" in output
    assert "Documents à importer :" in output
    # Next time nothing is asked.
    monkeypatch.setattr("liasse.cli_exchange._interactive", lambda: False)
    assert "Documents à importer :" in ok(liasse(office, "counter", user="CLER"))
    # DS-33: FICH may look at CLER's provider account.
    assert "Documents à importer :" in ok(liasse(office, "--as", "CLER", "counter", user="FICH"))


def test_ds01_cli_refused_credentials_are_not_kept(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("liasse.cli_exchange._interactive", lambda: True)
    # A fresh user for this test: COMP, with the link turned on.
    from liasse_hostapi.records import ProviderOptions

    office.liasse.host.office.set_provider_options("COMP", "docsecure", ProviderOptions(link_enabled=True))
    wrong = liasse(office, "counter", user="COMP", input="etude@fichorga.example\nnot-the-password\n")
    assert wrong.exit_code == 1, wrong.output + repr(wrong.exception)
    assert "Vérifiez l'e-mail et le mot de passe" in wrong.output
    assert "not-the-password" not in wrong.output
    # Nothing was kept: the next use asks again.
    again = liasse(office, "counter", user="COMP", input="etude@fichorga.example\ndemo-docsecure\n")
    assert "[marc.compagnon@fichorga.fr]" in ok(again)


# --- DS-03 … DS-11 contacts ------------------------------------------------------------


def test_ds03_cli_contact_add_then_listed(office: Office) -> None:
    added = ok(
        liasse(
            office,
            "contact-add",
            "3305",
            "--first",
            "Luc",
            "--last",
            "PEETERS",
            "--email",
            "luc.peeters@telenet.be",
            "--mobile",
            "+32 470 12 34 56",
        )
    )
    assert "Contact créé" in added and "PEETERS Luc" in added
    listing = ok(liasse(office, "contacts", "3305"))
    assert "PEETERS Luc" in listing and "+32470123456" in listing and "Personne" in listing
    rows = json.loads(ok(liasse(office, "contacts", "3305", "--json")))
    assert [(r["last_name"], r["mobile"], r["account_number"]) for r in rows] == [("PEETERS", "+32470123456", "3305")]
    assert rows[0]["created_at"].startswith("20") and "T" in rows[0]["created_at"]


def test_ds03_cli_landline_refused_with_the_sentence(office: Office) -> None:
    result = liasse(
        office,
        "contact-add",
        "3305",
        "--first",
        "Anne",
        "--last",
        "PEETERS",
        "--email",
        "anne.peeters@telenet.be",
        "--mobile",
        "02 38 53 00 00",
    )
    assert result.exit_code == 1
    assert result.output.startswith("liasse: ") and "ligne fixe" in result.output and "Organisation" in result.output
    assert "anne.peeters" not in ok(liasse(office, "contacts", "3305"))


def test_ds03_cli_missing_first_name_is_named(office: Office) -> None:
    result = liasse(
        office, "contact-add", "3305", "--last", "PEETERS", "--email", "x.peeters@telenet.be", "--mobile", "0611223344"
    )
    assert result.exit_code == 1 and "« Prénom » est obligatoire" in result.output


def test_ds09_ds11_ds30_cli_archive_unarchive_and_link_a_future_client(office: Office) -> None:
    added = ok(
        liasse(
            office,
            "contact-add",
            "--first",
            "Marc",
            "--last",
            "FUTUR",
            "--email",
            "marc.futur@example.fr",
            "--mobile",
            "07 61 00 00 01",
        )
    )
    assert "(sans compte)" in added
    cid = int(added.split(":", 1)[1].split()[0])
    assert "FUTUR Marc" in ok(liasse(office, "contacts", "--unlinked"))
    assert "(archivé)" in ok(liasse(office, "contact-archive", str(cid)))
    assert "FUTUR Marc (archivé)" in ok(liasse(office, "contacts", "--archived"))
    assert "(archivé)" not in ok(liasse(office, "contact-unarchive", str(cid)))
    linked = ok(liasse(office, "contact-link", str(cid), "1173"))
    assert "compte 1173" in linked
    assert "FUTUR" not in ok(liasse(office, "contacts", "--unlinked"))


def test_ds31_cli_site_contacts_lists_the_ones_made_on_the_provider_site(office: Office) -> None:
    assert "LAURENT" in ok(liasse(office, "site-contacts"))


def test_ds10_cli_archive_candidates(office: Office) -> None:
    output = ok(liasse(office, "archive-candidates", "--months", "3"))
    assert "Aucun contact à archiver" in output or "N°" in output


# --- DS-12 … DS-14 requests, DS-19 … DS-22 tracking ------------------------------------------------


def test_ds12_cli_request_rib(office: Office) -> None:
    requested = ok(
        liasse(
            office, "request", "2950", *new_contact_options("Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87"),
            "--rib", "--label", "RIB pour la vente",
        )
    )  # fmt: skip
    assert "« RIB pour la vente » : Envoyé" in requested
    rid = exchange_id(requested)
    Recipient(office.sandbox_url, "jacques.martin@free.fr", "+33654559987").answer_request(
        rib_file(office, "M. JACQUES MARTIN")
    )
    tracked = ok(liasse(office, "track", "--account", "2950"))
    row = next(line for line in tracked.splitlines() if line.startswith(f"{rid} "))
    assert "Terminé avec PJ à récupérer" in row and "RIB pour la vente" in row and "MARTIN Jacques" in row
    assert "MARTIN Jacques (2950) : Terminé avec PJ à récupérer" in tracked
    assert "Documents à importer : 1" in tracked
    assert "Documents à importer : 1" in ok(liasse(office, "counter", "2950"))
    data = json.loads(ok(liasse(office, "track", "--account", "2950", "--no-sync", "--json")))
    mine = next(e for e in data["exchanges"] if e["id"] == rid)
    assert (mine["state"], mine["state_label"], mine["file_name"]) == (
        "to_import",
        "Terminé avec PJ à récupérer",
        "RIB_MARTIN.pdf",
    )
    assert "T" in mine["done_at"] and data["to_import"] == 1
    alerts = ok(liasse(office, "alerts", "2950"))
    assert "Il reste 1 document(s) reçu(s) via DocSecure à récupérer en comptabilité" in alerts


def test_ds12_cli_request_needs_a_contact_and_a_type(office: Office) -> None:
    no_type = liasse(office, "request", "2950", "--contact", "1", "--label", "RIB")
    assert no_type.exit_code == 2 and "--rib" in no_type.output
    no_contact = liasse(office, "request", "2950", "--rib", "--label", "RIB")
    assert no_contact.exit_code == 2 and "--contact" in no_contact.output


def test_ds20_cli_track_filters_by_state_and_type(office: Office) -> None:
    ok(
        liasse(
            office,
            "request",
            "3305",
            *new_contact_options("Eva", "PEETERS", "eva.peeters@telenet.be", "+32 470 99 88 77"),
            "--other",
            "--label",
            "Carte d'identité",
        )
    )
    sent_only = ok(liasse(office, "track", "--no-sync", "--state", "sent", "--type", "other", "--name", "eva"))
    assert "Carte d'identité" in sent_only and "Autre" in sent_only
    assert "Carte d'identité" not in ok(liasse(office, "track", "--no-sync", "--state", "to_import", "--name", "eva"))


# --- DS-24 reminders --------------------------------------------------------------------------


def test_ds24_cli_remind_then_refused_within_24h(office: Office) -> None:
    requested = ok(
        liasse(
            office,
            "request",
            "1173",
            *new_contact_options("Paul", "DURAND", "paul.durand@example.fr", "06 11 22 33 44"),
            "--other",
            "--label",
            "Statuts",
        )
    )
    rid = exchange_id(requested)
    first = ok(liasse(office, "remind", str(rid), "--sms"))
    assert "Relance envoyée par e-mail et SMS" in first and "Relancé" in first
    second = liasse(office, "remind", str(rid))
    assert second.exit_code == 1
    assert "La prochaine est possible" in second.output


# --- DS-15 … DS-18 sends, DS-29 attestation ----------------------------------------------------------


def test_ds16_cli_send_a_file(office: Office, tmp_path: Path) -> None:
    ok(
        liasse(
            office,
            "contact-add",
            "97974",
            "--organisation",
            "--establishment",
            "FICHORGA",
            "--first",
            "Anne",
            "--last",
            "FICHORGA",
            "--email",
            "client@fichorga.fr",
        )
    )
    cid = contact_id(office, "97974", "client@fichorga.fr")
    sent = ok(
        liasse(
            office,
            "send",
            "97974",
            "--contact",
            str(cid),
            "--file",
            str(pdf_file(office, "Compromis.pdf")),
            "--name",
            "Compromis",
        )
    )
    assert "Envoi n° " in sent and "« Compromis » : Envoyé" in sent and "Compromis.pdf" in sent
    got = Recipient(office.sandbox_url, "client@fichorga.fr").fetch_send(tmp_path / "got.pdf")
    assert got.read_bytes().startswith(b"%PDF")
    sid = exchange_id(sent)
    assert "Synchronisation : " in ok(liasse(office, "sync"))
    row = next(
        line for line in ok(liasse(office, "track", "--account", "97974")).splitlines() if line.startswith(f"{sid} ")
    )
    assert "Terminé" in row and "Envoi" in row


def test_ds29_cli_attestation(office: Office) -> None:
    ok(
        liasse(
            office,
            "contact-add",
            "461",
            "--organisation",
            "--establishment",
            "Notaires en concours",
            "--first",
            "Paul",
            "--last",
            "NOTAIRE",
            "--email",
            "participations@notaires-concours.fr",
        )
    )
    cid = contact_id(office, "461", "participations@notaires-concours.fr")
    sid = exchange_id(
        ok(liasse(office, "send", "461", "--contact", str(cid), "--file", str(pdf_file(office, "Note.pdf"))))
    )
    output = ok(liasse(office, "attestation", str(sid)))
    assert re.search(
        r"Attestation enregistrée : pièce jointe n° \d+, fichier Attestation_DocSecure_\d+_\d{8}\.pdf", output
    ), output


def test_ds15_cli_send_the_office_rib(office: Office) -> None:
    ok(
        liasse(
            office,
            "contact-add",
            "461",
            "--organisation",
            "--establishment",
            "Notaires associés",
            "--first",
            "Léa",
            "--last",
            "NOTAIRE",
            "--email",
            "compta@notaires-associes.fr",
        )
    )
    cid = contact_id(office, "461", "compta@notaires-associes.fr")
    assert "« Groupe FICHORGA - RIB 512 CAV » : Envoyé" in ok(liasse(office, "send-rib", "461", "--contact", str(cid)))


def test_ds17_cli_choices_shows_what_a_send_can_include(office: Office) -> None:
    output = ok(liasse(office, "choices", "2950"))
    assert "account_extract" in output and "Extrait de compte" in output
    assert re.search(r"2950-01\s+VENTE MARTIN/JACQUES\s+\[en cours\] \(par défaut\)", output), output
    assert "[clôturée]" in output
    assert "5421 DCN" in output and "(par défaut)" in output
    participations = (
        ok(liasse(office, "choices", "461")).split("Factures de participation")[1].split("Pièces jointes")[0]
    )
    dates = re.findall(r"(\d\d)/(\d\d)/(\d{4})", participations)
    assert dates and [(y, m, d) for d, m, y in dates] == sorted(((y, m, d) for d, m, y in dates), reverse=True)
    assert "non numérotée" in participations


# --- DS-26, DS-27 import ---------------------------------------------------------------------


def test_ds26_cli_import_prints_the_iban(office: Office) -> None:
    requested = ok(
        liasse(
            office,
            "request",
            "3120",
            *new_contact_options("Marie", "DUPONT", "marie.dupont@gmail.com", "07 61 22 33 44"),
            "--rib",
            "--label",
            "RIB DUPONT",
        )
    )
    rid = exchange_id(requested)
    Recipient(office.sandbox_url, "marie.dupont@gmail.com", "+33761223344").answer_request(
        rib_file(office, "MME MARIE DUPONT")
    )
    ok(liasse(office, "sync"))
    imported = ok(liasse(office, "import", str(rid)))
    assert "« RIB DUPONT » : Terminé, compte 3120" in imported
    assert "Reçu via DocSecure" in imported
    assert "Copie horodatée n° " in imported
    assert "Fiche IBAN n° " in imported and BIC in imported
    # S4: masked unless asked for in full.
    assert "FR76 **** … 0143" in imported and IBAN.replace(" ", "") not in imported and IBAN not in imported
    again = liasse(office, "import", str(rid))
    assert again.exit_code == 1 and "il n'y a pas de document reçu à importer" in again.output
    assert "Documents à importer : 0" in ok(liasse(office, "counter", "3120"))


def test_s4_cli_import_shows_the_full_iban_only_when_asked(office: Office) -> None:
    requested = ok(
        liasse(
            office, "request", "3305", *new_contact_options("Anne", "LEROY", "anne.leroy@orange.fr", "07 61 44 55 66"),
            "--rib", "--label", "RIB LEROY",
        )
    )  # fmt: skip
    rid = exchange_id(requested)
    Recipient(office.sandbox_url, "anne.leroy@orange.fr", "+33761445566").answer_request(rib_file(office, "MME ANNE LEROY"))
    ok(liasse(office, "sync"))
    imported = ok(liasse(office, "import", str(rid), "--show-iban"))
    assert f"{IBAN.replace(' ', '')} BIC {BIC}" in imported


def test_ds26_cli_import_of_a_scripted_pdf_names_the_file_as_received(office: Office) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.actions import JavaScript

    requested = ok(
        liasse(
            office,
            "request",
            "3120",
            *new_contact_options("Paul", "DURAND", "paul.durand@gmail.com", "07 61 22 33 55"),
            "--other",
            "--label",
            "Attestation DURAND",
        )
    )
    rid = exchange_id(requested)
    writer = PdfWriter(clone_from=PdfReader(pdf_file(office, "attestation_durand.pdf")))
    writer.add_open_action(JavaScript("app.alert('x');"))
    scripted = office.files / "attestation_script.pdf"
    writer.write(scripted)
    Recipient(office.sandbox_url, "paul.durand@gmail.com", "+33761223355").answer_request(scripted)
    ok(liasse(office, "sync"))
    imported = ok(liasse(office, "import", str(rid)))
    assert "Tel que reçu n° " in imported and "attestation_script.pdf" in imported
    assert "Sécurité : Contenu actif retiré avant l'import (JavaScript" in imported


def test_cli_unknown_account_is_one_line(office: Office) -> None:
    result = liasse(office, "alerts", "0000")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "liasse: Compte « 0000 » introuvable dans le logiciel de l'étude. Vérifiez le numéro ou l'identifiant saisi."
    )


def test_cli_unknown_exchange_is_one_line(office: Office) -> None:
    result = liasse(office, "remind", "999999")
    assert result.exit_code == 1 and "Échange n° 999999 introuvable" in result.output


def test_ds07_ds08_cli_contact_edit_then_delete_after_confirmation(office: Office) -> None:
    ok(
        liasse(
            office,
            "contact-add",
            "98012",
            "--organisation",
            "--establishment",
            "AGENCE FONCIA ORLEANS",
            "--first",
            "Claire",
            "--last",
            "NOEL",
            "--email",
            "orleans@foncia.fr",
        )
    )
    cid = contact_id(office, "98012", "orleans@foncia.fr")
    edited = ok(liasse(office, "contact-edit", str(cid), "--email", "contact@foncia.fr"))
    assert "contact@foncia.fr" in edited and "AGENCE FONCIA ORLEANS" in edited
    kept = liasse(office, "contact-delete", str(cid), input="n\n")
    assert kept.exit_code == 1 and "Supprimer le contact" in kept.output
    assert "contact@foncia.fr" in ok(liasse(office, "contacts", "98012"))
    assert "supprimé" in ok(liasse(office, "contact-delete", str(cid), "--yes"))
    assert "Aucun contact" in ok(liasse(office, "contacts", "98012"))
