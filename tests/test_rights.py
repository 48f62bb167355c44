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
