"""Installing a plugin distribution the way a vendor's user would, without touching the running environment.

::

    target = install_for_test(Path("examples/liasse-jesignexpert"), tmp_path / "site")
    result = run_with(target, ["-m", "pytest", "-q", "examples/liasse-jesignexpert/tests"])

``pip install --no-deps --no-build-isolation --target DIR`` builds the
distribution with the build backend already installed (hatchling, in
``liasse[test]``) and writes the package and its ``.dist-info`` (with its
``liasse.plugins`` entry point) into ``DIR``. A subprocess with
``PYTHONPATH=DIR`` then finds it through :mod:`importlib.metadata` exactly as
it would find a plugin installed from PyPI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


class InstallFailed(Exception):
    """pip could not build or install the distribution; its output says why."""

    def __init__(self, source: Path, output: str) -> None:
        super().__init__(source, output)
        self.source, self.output = source, output

    def __str__(self) -> str:
        return f"pip could not install {self.source}:\n{self.output}"


def install_for_test(source: Path, target: Path, *, also: Sequence[Path] = (), timeout: float = 300) -> Path:
    """Build and install the distribution at ``source`` (and those in ``also``, in one pip run) into ``target``; return ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", "--disable-pip-version-check", "--target", str(target), *(str(p.resolve()) for p in (source, *also)),
    ]  # fmt: skip
    # pip builds in a temporary copy; a build directory left inside the source would be shipped next time.
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=_env(None, {}))
    if done.returncode != 0:
        raise InstallFailed(source, done.stdout + done.stderr)
    return target


def environment_with(target: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with ``target`` first on ``PYTHONPATH`` (and ``extra`` variables)."""
    return _env(target, extra or {})


def run_with(
    target: Path, args: Sequence[str], *, cwd: Path | None = None, timeout: float = 600, extra: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python args…`` in a subprocess that sees the distributions installed in ``target``."""
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=environment_with(target, extra)
    )


def _env(target: Path | None, extra: Mapping[str, str]) -> dict[str, str]:
    # Neither this pytest's state nor this office's liasse settings (LIASSE_DATABASE_URL, LIASSE_SECRET_KEY …)
    # reach the subprocess: it is a vendor's fresh environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LIASSE_"))}
    paths = [str(target)] if target is not None else []
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env
