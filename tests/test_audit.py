"""The audit log's mechanics on a bare store: one entry per action, carried by the action's own transactions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from liasse import audit
from liasse.audit import Action, Outcome
from liasse.credentials import CredentialVault, VaultKey
from liasse.errors import CredentialsUnreadable, RightMissing
from liasse.secrets import Secret
from liasse.store import AuditRecord, Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{(tmp_path / 'liasse.sqlite3').as_posix()}")
    yield opened
    opened.close()


def _committed(store: Store) -> list[tuple[str, str]]:
    """What another connection sees: the entries committed so far."""
    with store.engine.connect() as connection:
        return [(row.action, row.outcome) for row in connection.execute(sa.select(AuditRecord).order_by(AuditRecord.id))]


def test_audit_entry_rides_in_the_transaction_that_saves_the_actions_rows(store: Store) -> None:
    vault = CredentialVault(store, VaultKey.generate())
    with audit.action(store, Action.CONNECT, user="FICH", provider="docsecure") as scope:
        vault.save("FICH", "docsecure", "fich@fichorga.fr", Secret("x"))
        assert scope.row_id is not None
        assert _committed(store) == [("credentials.connect", "incomplete")]
    assert _committed(store) == [("credentials.connect", "ok")]


def test_audit_a_statement_that_deletes_carries_the_entry_too(store: Store) -> None:
    vault = CredentialVault(store, VaultKey.generate())
    vault.save("FICH", "docsecure", "fich@fichorga.fr", Secret("x"))
    with audit.action(store, Action.RESET_CREDENTIALS, user="FICH", provider="docsecure") as scope:
        assert vault.delete("FICH", "docsecure")
        assert scope.row_id is not None
    [entry] = audit.entries(store)
    assert (entry.action, entry.outcome, entry.provider) == (Action.RESET_CREDENTIALS, Outcome.OK, "docsecure")


def test_audit_a_read_only_action_gets_its_entry_at_the_end(store: Store) -> None:
    vault = CredentialVault(store, VaultKey.generate())
    with audit.action(store, Action.CHECK_ACCESS, user="FICH", provider="docsecure") as scope:
        assert vault.load("FICH", "docsecure") is None
        assert scope.row_id is None and _committed(store) == []
    assert _committed(store) == [("provider.check_access", "ok")]


def test_audit_a_failure_keeps_its_class_and_the_error_goes_on_unchanged(store: Store) -> None:
    vault = CredentialVault(store, VaultKey.generate())
    vault.save("FICH", "docsecure", "fich@fichorga.fr", Secret("x"))
    other = CredentialVault(store, VaultKey.generate())
    with pytest.raises(CredentialsUnreadable) as caught:
        with audit.action(store, Action.CHECK_ACCESS, user="FICH", provider="docsecure"):
            other.load("FICH", "docsecure")
    assert caught.value.params["user"] == "FICH"
    with pytest.raises(RightMissing):
        with audit.action(store, Action.VIEW_OTHER_ACCOUNT, user="COMP", account_owner="FICH"):
            raise RightMissing(user="COMP", action_fr="x", action_en="x")
    assert [(e.action, e.outcome, e.error) for e in audit.entries(store)] == [
        (Action.CHECK_ACCESS, Outcome.FAILED, "CredentialsUnreadable"),
        (Action.VIEW_OTHER_ACCOUNT, Outcome.REFUSED, "RightMissing"),
    ]


def test_audit_the_same_action_nested_is_one_entry_another_action_its_own(store: Store) -> None:
    vault = CredentialVault(store, VaultKey.generate())
    with audit.action(store, Action.DOCUMENT_SEND, user="FICH", target="exchange 1"):
        with audit.action(store, Action.DOCUMENT_SEND, user="FICH"):
            vault.save("FICH", "docsecure", "a", Secret("x"))
        with audit.action(store, Action.CONTACT_CREATE, user="FICH", target="contact 7"):
            vault.save("FICH", "esign", "b", Secret("y"))
    assert [(e.action, e.target, e.outcome) for e in audit.entries(store)] == [
        (Action.DOCUMENT_SEND, "exchange 1", Outcome.OK),
        (Action.CONTACT_CREATE, "contact 7", Outcome.OK),
    ]


def test_audit_filters(store: Store) -> None:
    for user, provider, account in (("FICH", "docsecure", "2950"), ("CLER", "docsecure", "1173"), ("FICH", "esign", "2950")):
        with audit.action(store, Action.CONTACT_CREATE, user=user, provider=provider, account_number=account):
            pass
    assert [e.user for e in audit.entries(store, user="FICH")] == ["FICH", "FICH"]
    assert [e.provider for e in audit.entries(store, account="2950")] == ["docsecure", "esign"]
    assert [e.user for e in audit.entries(store, provider="docsecure", account="1173")] == ["CLER"]
    first = audit.entries(store)[0]
    assert len(audit.entries(store, since=first.at)) == 3
    import datetime as dt

    assert audit.entries(store, since=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == []
