"""The Jesignexpert example installs like a third party's plugin and passes its own tests (issue 11, JS-01 … JS-06).

The example is built with hatchling and installed with pip into a
directory of its own, never into the running virtualenv (the other tests
expect only the four built-in plugins); its tests then run in a subprocess
that finds it through ``PYTHONPATH``, as an office that pip-installed it
would (``importlib.metadata`` reads its dist-info there).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liasse.testing.distributions import install_for_test, run_with

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "liasse-jesignexpert"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install --no-deps --no-build-isolation --target DIR examples/liasse-jesignexpert``."""
    target = install_for_test(EXAMPLE, tmp_path_factory.mktemp("site"))
    assert (target / "liasse_jesignexpert" / "plugin.py").is_file()
    assert list(target.glob("liasse_jesignexpert-*.dist-info")), "installed with its metadata and entry point"
    return target


def test_js_the_example_is_imported_from_where_pip_put_it(installed: Path, tmp_path: Path) -> None:
    done = run_with(installed, ["-c", "import liasse_jesignexpert; print(liasse_jesignexpert.__file__)"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(installed)


def test_js_liasse_plugins_lists_it_with_its_distribution(installed: Path, tmp_path: Path) -> None:
    done = run_with(
        installed, ["-c", "import sys; from liasse.cli import main; sys.argv[0] = 'liasse'; main()", "plugins", "--json"], cwd=tmp_path
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
    done = run_with(installed, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=EXAMPLE, timeout=900)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
