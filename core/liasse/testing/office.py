"""Building test offices: sandboxes, settings, host and credentials in a directory."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from liasse.app import Liasse
from liasse.demo import open_demo_office, start_sandboxes
from liasse.sandbox import RunningSandbox


@contextlib.contextmanager
def running_office(workdir: Path, providers: tuple[str, ...]) -> Iterator[tuple[Liasse, dict[str, RunningSandbox]]]:
    """An opened office whose ``providers`` run in sandboxes; the demo user is connected to each."""
    discovery = Liasse.open(None)
    running = start_sandboxes(discovery, providers or sorted(discovery.providers))
    liasse: Liasse | None = None
    try:
        liasse = open_demo_office(workdir, running)
        yield liasse, running
    finally:
        if liasse is not None:
            liasse.close()
        for server in running.values():
            server.stop()


@contextlib.contextmanager
def registered(liasse: Liasse, plugin: object, name: str) -> Iterator[object]:
    """Register ``plugin`` for the block only (the ``name="undo"`` pattern of datasette and llm)."""
    liasse.pm.register_checked(plugin, name)
    try:
        yield plugin
    finally:
        liasse.pm.unregister(plugin)
