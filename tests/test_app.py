"""FW-02/FW-06/DS-01: the Liasse object against the demo office and real sandboxes."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from click.testing import CliRunner

from liasse.app import Liasse
from liasse.cli import cli
from liasse.errors import CredentialsMissing


def test_ds01_user_with_link_off_does_not_get_the_provider(liasse_office: Callable[..., Liasse]) -> None:
    liasse = liasse_office("docsecure", "esign")
    assert "docsecure" in liasse.providers_for("FICH")
    # COMP has DocSecure's link switched off in the demo office.
    assert "docsecure" not in liasse.providers_for("COMP")
    assert "esign" in liasse.providers_for("COMP")


def test_ds01_user_without_credentials_is_asked_to_connect(liasse_office: Callable[..., Liasse]) -> None:
    liasse = liasse_office("docsecure")
    with pytest.raises(CredentialsMissing) as caught:
        liasse.check_access("docsecure", "CLER")
    assert "CLER" in str(caught.value) and "liasse connect docsecure" in str(caught.value)


def test_ds01_reset_credentials_forgets_them(liasse_office: Callable[..., Liasse]) -> None:
    liasse = liasse_office("docsecure")
    assert liasse.check_access("docsecure", "FICH").ok
    liasse.reset_credentials("docsecure", "FICH")
    with pytest.raises(CredentialsMissing):
        liasse.check_access("docsecure", "FICH")


def test_fw06_doctor_tests_every_provider_of_the_office(liasse_office: Callable[..., Liasse]) -> None:
    liasse = liasse_office()
    result = CliRunner().invoke(cli, ["--config", str(liasse.settings.path), "doctor", "--user", "FICH"])
    assert result.exit_code == 0, result.output
    for name in ("ar24", "docsecure", "esign", "juriszone"):
        assert f"{name}" in result.output
    assert "ÉCHEC" not in result.output


def test_fw06_doctor_reports_a_user_without_credentials(liasse_office: Callable[..., Liasse]) -> None:
    liasse = liasse_office("docsecure")
    result = CliRunner().invoke(cli, ["--config", str(liasse.settings.path), "doctor", "--user", "CLER"])
    assert result.exit_code == 1
    assert "ÉCHEC" in result.output and "CLER" in result.output


def test_fw02_threads_touching_the_store_first_share_one(liasse_office: Callable[..., Liasse]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    office = liasse_office()
    barrier = threading.Barrier(8)

    def first_touch(_: int) -> int:
        barrier.wait()
        return id(office.store)

    with ThreadPoolExecutor(8) as pool:
        assert len(set(pool.map(first_touch, range(8)))) == 1
