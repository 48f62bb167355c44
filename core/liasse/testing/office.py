"""Building test offices: sandboxes, settings, host and credentials in a directory."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from liasse.app import Liasse, open_host
from liasse.demo import DEMO_HOST_FACTORY, DEMO_USER, start_sandboxes, write_office
from liasse.sandbox import RunningSandbox
from liasse.secrets import Secret


@contextlib.contextmanager
def running_office(workdir: Path, providers: tuple[str, ...]) -> Iterator[tuple[Liasse, dict[str, RunningSandbox]]]:
    """An opened office whose ``providers`` run in sandboxes; the demo user is connected to each."""
    discovery = Liasse.open(None)
    running = start_sandboxes(discovery, providers or sorted(discovery.providers))
    liasse: Liasse | None = None
    try:
        config = write_office(workdir, running)
        liasse = Liasse.open(config, host=open_host(DEMO_HOST_FACTORY, workdir / "host.sqlite3"))
        for name, server in running.items():
            if liasse.provider(name).credential_fields and server.sandbox.demo_accounts:
                account = server.sandbox.demo_accounts[0]
                liasse.connect(name, DEMO_USER, account.login, Secret(account.secret))
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
