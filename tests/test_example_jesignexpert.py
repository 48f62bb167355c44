"""The Jesignexpert example installs like a third party's plugin and passes its own tests (issue 11, JS-01 … JS-06).

The example is built with hatchling and installed with pip into a
directory of its own, never into the running virtualenv (the other tests
expect only the four built-in plugins); its tests then run in a subprocess
that finds it through ``PYTHONPATH``, as an office that pip-installed it
would (``importlib.metadata`` reads its dist-info there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "liasse-jesignexpert"


def _environment(target: Path) -> dict[str, str]:
    """This process's environment without liasse's settings, with the install directory first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIASSE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(target), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install --no-deps --no-build-isolation --target DIR examples/liasse-jesignexpert``."""
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target), str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "liasse_jesignexpert" / "plugin.py").is_file()
    assert list(target.glob("liasse_jesignexpert-*.dist-info")), "installed with its metadata and entry point"
    return target


def test_js_the_example_is_imported_from_where_pip_put_it(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import liasse_jesignexpert; print(liasse_jesignexpert.__file__)"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=_environment(installed), check=False,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(installed)


def test_js_liasse_plugins_lists_it_with_its_distribution(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from liasse.cli import main; sys.argv[0] = 'liasse'; main()", "plugins", "--json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=_environment(installed), check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    row = rows["jesignexpert"]
    assert (row["distribution"], row["version"], row["builtin"]) == ("liasse-jesignexpert", "0.1.0", False)
    assert (row["capabilities"], row["status"], row["missing_hooks"]) == (["signature"], "ok", [])


def test_js_the_running_venv_still_has_only_the_built_in_plugins() -> None:
    from importlib.metadata import entry_points

    assert "jesignexpert" not in {ep.name for ep in entry_points(group="liasse.plugins")}


def test_js01_to_js06_the_examples_own_tests_pass_installed(installed: Path) -> None:
    """Its story, bad inputs and conformance class, run as the vendor's CI would run them."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True, text=True, timeout=900, cwd=EXAMPLE, env=_environment(installed), check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
