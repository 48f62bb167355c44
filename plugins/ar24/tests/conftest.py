"""Fixtures of the AR24 letter tests: the demo office against a fresh AR24 sandbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from liasse.app import Liasse
from liasse.registered import RegisteredDesk


@pytest.fixture
def office(liasse_office: Callable[..., Liasse]) -> Liasse:
    """The demo office with AR24 in its sandbox, FICH connected."""
    return liasse_office("ar24")


@pytest.fixture
def desk(office: Liasse) -> RegisteredDesk:
    """FICH's registered-mail desk."""
    desk = office.desk("ar24", "FICH")
    assert isinstance(desk, RegisteredDesk)
    return desk


@pytest.fixture
def sandbox_url(office: Liasse) -> str:
    """The sandbox's root URL (outbox, clock, recipient pages)."""
    return str(office.provider_settings("ar24").base_url).removesuffix("/api")
