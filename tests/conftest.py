"""Shared fixtures of liasse's own tests."""

from __future__ import annotations

import os
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from liasse.discovery import forget_entry_points


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], None]]:
    """Install a third-party plugin for one test: a module and a real ``*.dist-info`` entry point.

    Discovery then finds it through stevedore exactly as it finds a pip-installed plugin.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    installed: list[str] = []

    def install(name: str, source: str) -> None:
        module = f"thirdparty_{name}"
        (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        dist = site / f"liasse_{name}_vendor-1.2.3.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: liasse-{name}-vendor\nVersion: 1.2.3\n", encoding="utf-8")
        (dist / "entry_points.txt").write_text(f"[liasse.plugins]\n{name} = {module}\n", encoding="utf-8")
        (dist / "top_level.txt").write_text(f"{module}\n", encoding="utf-8")
        installed.append(module)
        forget_entry_points()

    yield install
    for module in installed:
        sys.modules.pop(module, None)
    forget_entry_points()


GOOD_PLUGIN = '''
from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.records import AccessReport, ProviderInfo
from liasse.settings import ProviderSettings

@hookimpl
def liasse_provider_info():
    return ProviderInfo(title="Vendor", capabilities=frozenset({Capability.SHARE}), settings=ProviderSettings, sandbox="x:y")

@hookimpl
def liasse_check_access(ctx):
    return AccessReport(ok=True, account="vendor")
'''


#: The server `.ci/start-postgres` starts; tests that need PostgreSQL run only where it is set.
POSTGRES_URL_VARIABLE = "LIASSE_TEST_POSTGRES_URL"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL to a fresh, empty PostgreSQL database, dropped after the test.

    The server is the one ``LIASSE_TEST_POSTGRES_URL`` names (``eval export
    "$(.ci/start-postgres)"`` starts one). Without it the test is skipped on a
    developer's machine and fails in CI, where a skipped concurrency test would
    hide exactly what it is there to prove.
    """
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not admin_url:
        message = f"{POSTGRES_URL_VARIABLE} is not set: run `export \"$(.ci/start-postgres)\"` first"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"liasse_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
