"""The pytest plugin: fixtures for hosts and plugin vendors."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from liasse.app import Liasse, open_host
from liasse.sandbox import RunningSandbox


@pytest.fixture
def liasse_sandbox() -> Iterator[Callable[[str], RunningSandbox]]:
    """Start a provider's sandbox by name; every one started is stopped after the test."""
    from liasse.demo import start_sandboxes

    started: list[RunningSandbox] = []

    def start(provider: str) -> RunningSandbox:
        server = start_sandboxes(Liasse.open(None), [provider])[provider]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def reference_host(tmp_path: Path) -> Iterator[Any]:
    """The reference host with its demo data, on a database of this test's own."""
    from liasse.demo import DEMO_HOST_FACTORY

    host = open_host(DEMO_HOST_FACTORY, tmp_path / "host.sqlite3")
    yield host
    close = getattr(host, "close", None)
    if callable(close):
        close()


@pytest.fixture
def liasse_office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Liasse]]:
    """``liasse_office("docsecure", …)``: an opened office against fresh sandboxes (all providers when none named)."""
    from liasse.testing.office import running_office

    monkeypatch.delenv("LIASSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("LIASSE_DATABASE_URL", raising=False)
    opened = 0
    with contextlib.ExitStack() as stack:

        def open_office(*providers: str) -> Liasse:
            nonlocal opened
            opened += 1
            liasse, _ = stack.enter_context(running_office(tmp_path / f"office-{opened}", providers))
            return liasse

        yield open_office


@pytest.fixture
def registered_plugin() -> Callable[[Liasse, object, str], contextlib.AbstractContextManager[object]]:
    """``with registered_plugin(liasse, MyPlugin(), "undo"):`` registers for the block only."""
    from liasse.testing.office import registered

    return registered
