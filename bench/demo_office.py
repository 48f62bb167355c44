"""The office every benchmark opens: the reference host with its demo data, a SQLite store, a key, one provider.

Sample scripts run in child processes import it too: :func:`child_env` puts
this folder on their ``PYTHONPATH``.
"""

from __future__ import annotations

import os
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def write_office(workdir: Path, provider: str, settings: str) -> Path:
    """Write the demo office in ``workdir`` with ``[providers.<provider>]`` holding ``settings``; its ``liasse.toml``."""
    from liasse.app import open_host
    from liasse.demo import DEMO_HOST_FACTORY

    (workdir / "secrets").mkdir(parents=True, exist_ok=True)
    open_host(DEMO_HOST_FACTORY, workdir / "host.sqlite3").close()  # created with its demo data
    config = workdir / "liasse.toml"
    config.write_text(
        "[host]\n"
        'factory = "liasse_hostapi.reference:ReferenceHost.open"\n'
        'path = "host.sqlite3"\n\n'
        "[store]\n"
        f'url = "sqlite:///{(workdir / "liasse.sqlite3").as_posix()}"\n\n'
        "[security]\n"
        'key_file = "secrets/liasse.key"\n\n'
        f"[providers.{provider}]\n" + settings,
        encoding="utf-8",
    )
    return config


def child_env() -> dict[str, str]:
    """This process's environment with the benchmarks' folder on ``PYTHONPATH``, for a sample script."""
    paths = [str(BENCH), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
