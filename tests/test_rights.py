"""Rights at every provider call: a user acts through a provider only with its link on and the right it needs (DS-01, FW-03)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from liasse_hostapi.records import ProviderOptions, Right

from liasse import audit
from liasse.app import Liasse
from liasse.errors import ProviderDisabled, RightMissing
from liasse.secrets import Secret


def test_fw03_registered_mail_needs_the_send_registered_mail_right(liasse_office: Callable[..., Liasse]) -> None:
    office = liasse_office("ar24")
    assert office.host.office.user("FICH").has(Right.SEND_REGISTERED_MAIL)
    assert office.check_access("ar24", "FICH").ok
    comp = office.host.office.user("COMP")
    assert comp.options_for("ar24").link_enabled and not comp.has(Right.SEND_REGISTERED_MAIL)
    with pytest.raises(RightMissing) as refused:
        office.check_access("ar24", "COMP")
    assert "envoyer des lettres recommandées électroniques via AR24" in refused.value.message("fr")
    assert "send registered e-mail through AR24" in refused.value.message("en")
    with pytest.raises(RightMissing):
        office.connect("ar24", "COMP", "comp@fichorga.fr", Secret("x"))
    assert not office.vault.has("COMP", "ar24")
    assert "ar24" not in office.providers_for("COMP") and "ar24" in office.providers_for("FICH")
    assert [(e.action, e.outcome, e.error) for e in audit.entries(office.store, user="COMP", provider="ar24")] == [
        (audit.Action.CHECK_ACCESS, audit.Outcome.REFUSED, "RightMissing"),
        (audit.Action.CONNECT, audit.Outcome.REFUSED, "RightMissing"),
    ]


def test_ds01_the_link_is_per_provider(liasse_office: Callable[..., Liasse]) -> None:
    office = liasse_office("esign")
    assert office.check_access("esign", "FICH").ok
    office.host.office.set_provider_options("FICH", "esign", ProviderOptions(link_enabled=False))
    with pytest.raises(ProviderDisabled, match="Activer le lien"):
        office.check_access("esign", "FICH")
    assert "esign" not in office.providers_for("FICH")
    entry = audit.entries(office.store, user="FICH", provider="esign")[-1]
    assert (entry.action, entry.outcome) == (audit.Action.CHECK_ACCESS, audit.Outcome.REFUSED)


def test_fw03_the_audit_log_of_others_takes_the_view_audit_log_right(liasse_office: Callable[..., Liasse]) -> None:
    office = liasse_office("esign")
    office.check_access("esign", "FICH")
    office.host.office.set_provider_options("COMP", "esign", ProviderOptions(link_enabled=False))
    with pytest.raises(ProviderDisabled):
        office.check_access("esign", "COMP")
    # Everyone reads their own actions.
    assert [e.user for e in office.audit_entries("COMP", user="COMP")] == ["COMP"]
    for other in (None, "FICH"):
        with pytest.raises(RightMissing) as refused:
            office.audit_entries("COMP", user=other)
        assert "consulter le journal d'audit des autres utilisateurs" in refused.value.message("fr")
    assert Right.VIEW_AUDIT_LOG in office.host.office.user("FICH").rights
    assert {e.user for e in office.audit_entries("FICH")} >= {"FICH", "COMP"}
    # The reference host's administration grants it (the contract only reads rights).
    office.host.office.set_rights("COMP", {Right.VIEW_AUDIT_LOG})
    assert {e.user for e in office.audit_entries("COMP", provider="esign")} >= {"FICH", "COMP"}
    assert office.host.office.user("COMP").rights == frozenset({Right.VIEW_AUDIT_LOG})
