"""FW-07: what every HTTP-level test of the screens shares: the served office in-process, a client, the toasts.

``served`` starts the screens with every sandbox (``liasse_screens.serve.start``)
on a free port, one office per test module, with no background polling (the
tests say when statuses move); ``browser`` is a plain HTTP client keeping the
session cookie; :func:`toasts` reads the messages shown top-right.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests

from liasse_screens.serve import ServedOffice, start


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedOffice]:
    """The demo office's screens, served in this process for the test module."""
    office = start(0, tmp_path_factory.mktemp("office"), poll_every=0)
    try:
        yield office
    finally:
        office.stop()


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """A client of the screens, with its own session cookie."""
    with requests.Session() as session:
        yield session


def toasts(page: requests.Response, kind: str) -> list[str]:
    """The messages shown top-right in ``kind`` (success, error, warning)."""
    found = re.findall(rf'<div class="toast {kind}"[^>]*>(.*?)</div>', page.text, flags=re.S)
    return [html.unescape(text.strip()) for text in found]
