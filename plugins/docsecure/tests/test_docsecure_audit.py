"""Rights and the audit log through DocSecure (DS-01, DS-33): who did what, when, on which account, and how it ended.

Everything runs against the DocSecure sandbox over loopback HTTP; the
assertions read the audit log back through :func:`liasse.audit.entries`,
the ``audit_log`` table itself, or ``liasse audit``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from liasse import audit, hookimpl
from liasse.app import Liasse
from liasse.audit import Action, Outcome
from liasse.cli import cli
from liasse.desk import ContactForm, DocumentSelection, ExchangeDesk
from liasse.errors import NotFound, ProviderDisabled, ReminderTooSoon, RightMissing
from liasse.records import ContactKind, DocumentType
from liasse.secrets import Secret
from liasse.store.models import AuditRecord
from liasse_docsecure.demo import CLIENT_IBAN
from liasse_docsecure.recipient import Recipient
from liasse_hostapi.records import AccountingDocumentKind, ProviderOptions

PERSON = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")


def _summary(office: Liasse, **filters: Any) -> list[tuple[str, str, str | None, str | None, str]]:
    return [
        (e.user, e.action.value, e.account_number, e.target, e.outcome.value)
        for e in audit.entries(office.store, **filters)
        if e.action is not Action.CHECK_ACCESS
    ]


def test_audit_every_desk_action_is_logged_with_who_what_account_provider_and_outcome(
    office: Liasse, desk: ExchangeDesk, martin: Recipient, rib_file: Path, pdf_file: Any
) -> None:
    before = len(audit.entries(office.store))
    contact = desk.create_contact(PERSON, "2950")
    request = desk.request_document(contact.id, DocumentType.RIB, "RIB pour la vente")
    desk.remind(request.id)
    martin.answer_request(rib_file)
    desk.sync()
    imported = desk.import_document(request.id)
    send = desk.send_file(contact.id, pdf_file("Compromis.pdf"))
    desk.attestation(request.id)
    entries = audit.entries(office.store)[before:]
    assert [(e.user, e.action, e.provider, e.account_owner, e.outcome) for e in entries] == [
        ("FICH", action, "docsecure", "FICH", Outcome.OK)
        for action in (
            Action.CONTACT_CREATE,
            Action.DOCUMENT_REQUEST,
            Action.REMIND,
            Action.SYNC,
            Action.IMPORT,
            Action.DOCUMENT_SEND,  # send_file → send_documents is one action, one entry
            Action.ATTESTATION,
        )
    ]
    assert [(e.account_number, e.target) for e in entries] == [
        ("2950", f"contact {contact.id}"),
        ("2950", f"exchange {request.id}"),
        ("2950", f"exchange {request.id}"),
        (None, "1 exchanges"),
        ("2950", f"exchange {imported.exchange.id}"),
        ("2950", f"exchange {send.id}"),
        ("2950", f"exchange {request.id}"),
    ]
    assert all(e.at.tzinfo is not None and e.error is None for e in entries)
    assert entries == sorted(entries, key=lambda e: (e.at, e.id))


class _LooksAtTheLog:
    """A host listener that reads the audit log while the action that called it is still running."""

    def __init__(self, office: Liasse) -> None:
        self.office = office
        self.seen: list[tuple[str, str]] = []

    @hookimpl
    def liasse_contact_created(self, provider: str, contact_id: int, account_number: str | None) -> None:
        with self.office.store.session() as session:
            row = session.scalars(sa.select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1)).one()
            self.seen.append((row.action, row.outcome))


def test_audit_entry_is_committed_with_the_actions_own_rows(office: Liasse, desk: ExchangeDesk) -> None:
    listener = _LooksAtTheLog(office)
    office.register_host_events(listener, "looks-at-the-log")
    contact = desk.create_contact(PERSON, "2950")
    # When the host hears of the contact, its row is committed, and so is the entry (not yet finished).
    assert listener.seen == [("contact.create", "incomplete")]
    [entry] = [e for e in audit.entries(office.store) if e.action is Action.CONTACT_CREATE]
    assert (entry.outcome, entry.target) == (Outcome.OK, f"contact {contact.id}")


def test_audit_a_refused_or_failed_action_keeps_its_error_class_never_its_sentence(
    office: Liasse, desk: ExchangeDesk
) -> None:
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB", account_number="2950")
    desk.remind(request.id)
    with pytest.raises(ReminderTooSoon):
        desk.remind(request.id)
    with pytest.raises(NotFound):
        desk.remind(999_999)
    last = audit.entries(office.store)[-2:]
    assert [(e.action, e.outcome, e.error, e.target) for e in last] == [
        (Action.REMIND, Outcome.FAILED, "ReminderTooSoon", f"exchange {request.id}"),
        (Action.REMIND, Outcome.FAILED, "NotFound", "exchange 999999"),
    ]
    # A failed action is still found by its account.
    assert [e.account_number for e in last] == ["2950", None]


def test_audit_a_campaign_with_a_missing_contact_is_partial(office: Liasse, desk: ExchangeDesk) -> None:
    contact = desk.create_contact(PERSON, "2950")
    results = desk.request_documents([(contact.id, DocumentType.RIB, "RIB"), (424_242, DocumentType.RIB, "RIB")])
    assert isinstance(results[1], NotFound)
    entry = audit.entries(office.store)[-1]
    assert (entry.action, entry.outcome, entry.target, entry.account_number) == (
        Action.DOCUMENT_REQUEST,
        Outcome.PARTIAL,
        "1/2 exchanges",
        "2950",
    )


def test_audit_a_send_of_matter_documents_names_its_matter(office: Liasse, desk: ExchangeDesk) -> None:
    send = desk.send_documents(
        PERSON,
        DocumentSelection(kinds=frozenset({AccountingDocumentKind.DEED_INVOICE}), matters=("2950-04",)),
        account_number="2950",
    )
    entry = audit.entries(office.store)[-1]
    assert (entry.action, entry.account_number, entry.matter_code, entry.target, entry.outcome) == (
        Action.DOCUMENT_SEND,
        "2950",
        "2950-04",
        f"exchange {send.id}",
        Outcome.OK,
    )
    assert json.loads(
        CliRunner().invoke(cli, ["--config", str(office.settings.path), "audit", "--json", "--account", "2950"]).output
    )[-1]["matter"] == "2950-04"


# --- rights -------------------------------------------------------------------------------------


def test_ds01_a_user_with_the_link_off_cannot_act_through_the_provider_at_all(office: Liasse) -> None:
    assert not office.host.office.user("COMP").options_for("docsecure").link_enabled
    for attempt in (
        lambda: office.check_access("docsecure", "COMP"),
        lambda: office.connect("docsecure", "COMP", "etude@fichorga.example", Secret("demo-docsecure")),
        lambda: office.context("docsecure", "COMP"),
        lambda: office.desk("docsecure", "COMP"),
    ):
        with pytest.raises(ProviderDisabled, match="Activer le lien"):
            attempt()
    assert not office.vault.has("COMP", "docsecure")
    refused = [(e.action, e.outcome, e.error) for e in audit.entries(office.store, user="COMP")]
    assert refused == [
        (Action.CHECK_ACCESS, Outcome.REFUSED, "ProviderDisabled"),
        (Action.CONNECT, Outcome.REFUSED, "ProviderDisabled"),
    ]


def test_ds01_turning_the_link_off_stops_a_connected_user_at_the_next_call(office: Liasse) -> None:
    office.connect("docsecure", "CLER", "etude@fichorga.example", Secret("demo-docsecure"))
    desk = office.desk("docsecure", "CLER")
    desk.create_contact(PERSON, "2950")
    office.host.office.set_provider_options("CLER", "docsecure", ProviderOptions(link_enabled=False))
    with pytest.raises(ProviderDisabled):
        desk.create_contact(PERSON, "2950")  # the desk opened before is stopped too
    with pytest.raises(ProviderDisabled):
        office.desk("docsecure", "CLER")
    entry = audit.entries(office.store, user="CLER")[-1]
    assert (entry.action, entry.outcome, entry.error) == (Action.CONTACT_CREATE, Outcome.REFUSED, "ProviderDisabled")


def test_ds33_another_users_account_only_with_the_right_and_audited(office: Liasse) -> None:
    office.connect("docsecure", "CLER", "etude@fichorga.example", Secret("demo-docsecure"))
    shown = office.desk("docsecure", "FICH", account_owner="CLER")
    shown.create_contact(PERSON, "2950")
    office.host.office.set_provider_options("COMP", "docsecure", ProviderOptions(link_enabled=True))
    with pytest.raises(RightMissing) as refused:
        office.desk("docsecure", "COMP", account_owner="FICH")
    assert "consulter les échanges DocSecure d'un autre utilisateur" in refused.value.message("fr")
    # The option alone is enough (DS-01 "access to other users' contacts").
    office.host.office.set_provider_options(
        "COMP", "docsecure", ProviderOptions(link_enabled=True, see_other_users_contacts=True)
    )
    office.desk("docsecure", "COMP", account_owner="FICH")
    rows = [
        (e.user, e.action, e.account_owner, e.outcome, e.error)
        for e in audit.entries(office.store)
        if e.action in (Action.VIEW_OTHER_ACCOUNT, Action.CONTACT_CREATE)
    ]
    assert rows == [
        ("FICH", Action.VIEW_OTHER_ACCOUNT, "CLER", Outcome.OK, None),
        ("FICH", Action.CONTACT_CREATE, "CLER", Outcome.OK, None),
        ("COMP", Action.VIEW_OTHER_ACCOUNT, "FICH", Outcome.REFUSED, "RightMissing"),
        ("COMP", Action.VIEW_OTHER_ACCOUNT, "FICH", Outcome.OK, None),
    ]


# --- nothing secret in the log, and ``liasse audit`` ----------------------------------------------


def test_audit_log_holds_no_secret_iban_or_email(
    office: Liasse, desk: ExchangeDesk, martin: Recipient, rib_file: Path
) -> None:
    office.connect("docsecure", "CLER", "etude@fichorga.example", Secret("mot-de-passe-canari-5521"))
    request = desk.request_document(PERSON, DocumentType.RIB, "RIB pour la vente", account_number="2950")
    martin.answer_request(rib_file)
    desk.sync()
    desk.import_document(request.id)
    with office.store.engine.connect() as connection:
        dumped = json.dumps([list(map(str, row)) for row in connection.execute(sa.text("SELECT * FROM audit_log"))])
    compact_iban = CLIENT_IBAN.replace(" ", "")
    for forbidden in ("mot-de-passe-canari-5521", "demo-docsecure", compact_iban, compact_iban[-10:], "jacques.martin@free.fr", "etude@fichorga.example"):
        assert forbidden not in dumped


def test_liasse_audit_filters_and_json(office: Liasse, desk: ExchangeDesk) -> None:
    contact = desk.create_contact(PERSON, "2950")
    desk.request_document(contact.id, DocumentType.OTHER, "Pièce d'identité")
    office.connect("docsecure", "CLER", "etude@fichorga.example", Secret("demo-docsecure"))
    office.desk("docsecure", "CLER").create_contact(
        ContactForm(ContactKind.PERSON, "Paul", "DURAND", "paul.durand@example.fr", "06 11 22 33 44"), "1173"
    )
    config = office.settings.path
    assert config is not None

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), "audit", *args], env={"LIASSE_LANG": None})
        assert result.exit_code == 0, result.output
        return result.output

    rows = json.loads(run("--json", "--user", "FICH", "--account", "2950", "--provider", "docsecure"))
    assert [(r["user"], r["action"], r["account"], r["outcome"]) for r in rows] == [
        ("FICH", "contact.create", "2950", "ok"),
        ("FICH", "document.request", "2950", "ok"),
    ]
    assert set(rows[0]) == {"id", "at", "user", "action", "provider", "account_owner", "account", "matter", "target", "outcome", "error"}
    assert dt.datetime.fromisoformat(rows[0]["at"]).tzinfo is not None
    cler = json.loads(run("--json", "--user", "CLER"))
    assert [r["action"] for r in cler] == ["credentials.connect", "contact.create"]
    assert [r["account"] for r in cler] == [None, "1173"]
    assert json.loads(run("--json", "--since", "1h", "--account", "1173"))[0]["user"] == "CLER"
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert json.loads(run("--json", "--since", tomorrow)) == []
    text = run("--account", "2950")
    assert "contact.create" in text and "document.request" in text and "1173" not in text
    assert "Aucune action ne correspond." in run("--provider", "esign")
    bad = CliRunner().invoke(cli, ["--config", str(config), "audit", "--since", "hier"], env={"LIASSE_LANG": None})
    assert bad.exit_code == 2 and "ni une date" in bad.output
