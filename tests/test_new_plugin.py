"""FW-05: ``liasse new-plugin`` writes a distribution that installs like a third-party package and passes its own tests.

Each generated distribution is built and installed with ``pip --no-deps
--no-build-isolation --target DIR`` (:func:`liasse.testing.distributions.install_for_test`),
never into the running environment; its tests and ``liasse plugins`` run in
a subprocess with ``PYTHONPATH=DIR``, where importlib.metadata finds its
entry point as it would find a plugin from PyPI. The signature plugin's
tests run fully; the other capabilities' are generated, installed, imported
and collected.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from liasse.capabilities import Capability
from liasse.cli import cli
from liasse.hookspecs import SPEC_VERSION
from liasse.scaffold import PluginNameInvalid, TargetExists, render_plugin
from liasse.testing.distributions import install_for_test, run_with

PLUGINS_JSON = ["-c", "from liasse.cli import main; main()", "plugins", "--json"]


def plugins_listed(target: Path, lang: str = "fr") -> dict[str, dict[str, object]]:
    done = run_with(target, PLUGINS_JSON, extra={"LIASSE_LANG": lang})
    return {row["name"]: row for row in json.loads(done.stdout)}


def pytest_in(target: Path, project: Path, *args: str, autoload: bool = True) -> tuple[int, str]:
    """Run the project's tests against its installed copy; ``autoload=False`` loads only liasse's pytest plugin (faster)."""
    # -P: the project's own directory is not on sys.path, so the package comes from the install.
    plugins = [] if autoload else ["-p", "liasse.testing.plugin"]
    extra = {} if autoload else {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = run_with(target, ["-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugins, *args, "tests"], cwd=project, extra=extra)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def signature_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """``acme``, a signature plugin, generated with the CLI and installed into a directory of its own."""
    root = tmp_path_factory.mktemp("scaffold")
    result = CliRunner().invoke(cli, ["new-plugin", "acme", "--capability", "signature", "--directory", str(root / "liasse-acme")])
    assert result.exit_code == 0, result.output
    yield root / "liasse-acme", install_for_test(root / "liasse-acme", root / "site")


def test_fw05_new_plugin_writes_a_standalone_distribution(signature_plugin: tuple[Path, Path]) -> None:
    project, _ = signature_plugin
    written = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert written == [
        "README.md",
        "liasse_acme/__init__.py",
        "liasse_acme/client.py",
        "liasse_acme/plugin.py",
        "liasse_acme/py.typed",
        "liasse_acme/sandbox.py",
        "liasse_acme/settings.py",
        "pyproject.toml",
        "tests/test_conformance.py",
        "tests/test_signing.py",
    ]
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert 'acme = "liasse_acme.plugin"' in pyproject and "hatchling" in pyproject
    assert f'spec_version="{SPEC_VERSION}"' in (project / "liasse_acme/plugin.py").read_text(encoding="utf-8")
    assert "SignatureConformance" in (project / "tests/test_conformance.py").read_text(encoding="utf-8")


def test_fw05_generated_signature_plugin_passes_its_own_tests_installed_as_a_third_party(
    signature_plugin: tuple[Path, Path],
) -> None:
    project, target = signature_plugin
    code, output = pytest_in(target, project)
    assert code == 0, output
    assert re.search(r"\b1[0-9] passed\b", output), output


def test_fw05_liasse_plugins_shows_a_third_party_plugin_with_distribution_and_spec(signature_plugin: tuple[Path, Path]) -> None:
    _, target = signature_plugin
    acme = plugins_listed(target)["acme"]
    assert acme["status"] == "ok" and acme["builtin"] is False
    assert (acme["distribution"], acme["version"]) == ("liasse-acme", "0.1.0")
    assert acme["spec_version"] == SPEC_VERSION and acme["capabilities"] == ["signature"]
    text = run_with(target, PLUGINS_JSON[:-1]).stdout
    assert re.search(rf"^acme\s+0\.1\.0\s+liasse-acme\s+signature\s+spec {re.escape(SPEC_VERSION)}\s+ok$", text, re.M), text


def test_fw05_a_plugin_built_for_a_newer_or_other_spec_is_refused_with_a_sentence(tmp_path: Path) -> None:
    major, minor = (int(p) for p in SPEC_VERSION.split("."))
    target = tmp_path / "site"
    for name, version in (("newminor", f"{major}.{minor + 1}"), ("newmajor", f"{major + 1}.0"), ("oldminor", f"{major}.0")):
        project = tmp_path / name
        render_plugin(name, Capability.SIGNATURE, project)
        plugin = project / f"liasse_{name}" / "plugin.py"
        plugin.write_text(plugin.read_text(encoding="utf-8").replace(f'spec_version="{SPEC_VERSION}"', f'spec_version="{version}"'), encoding="utf-8")
        install_for_test(project, target)
    french, english = plugins_listed(target, "fr"), plugins_listed(target, "en")
    assert french["oldminor"]["status"] == "ok", "an older minor of the same major loads: specs only grow"
    newer = french["newminor"]
    assert newer["status"] == "error" and newer["spec_version"] == f"{major}.{minor + 1}"
    assert "plus récents que ceux de ce liasse" in str(newer["error"]) and "pip install -U liasse" in str(newer["error"])
    assert "newer than this liasse's" in str(english["newminor"]["error"])
    assert "incompatibles avec ceux de ce liasse" in str(french["newmajor"]["error"])
    assert "incompatible with this liasse's" in str(english["newmajor"]["error"])
    assert all(french[b]["status"] == "ok" for b in ("docsecure", "esign", "ar24", "juriszone"))


@pytest.fixture(scope="module")
def other_plugins(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Capability], dict[str, Path], Path]:
    """Exchange, registered-mail and share plugins, generated and installed together into a directory of their own."""
    root = tmp_path_factory.mktemp("scaffolds")
    others = {f"vendor_{c.name.lower()}": c for c in Capability if c is not Capability.SIGNATURE}
    projects = {name: root / name for name in others}
    for name, capability in others.items():
        render_plugin(name, capability, projects[name])
    first, *rest = projects.values()
    return others, projects, install_for_test(first, root / "site", also=rest)


def test_fw05_other_capabilities_are_generated_installed_and_listed(
    other_plugins: tuple[dict[str, Capability], dict[str, Path], Path],
) -> None:
    """Exchange, registered mail and share: listed by ``liasse plugins`` with every hook of their capability."""
    others, _projects, target = other_plugins
    listed = plugins_listed(target)
    for name, capability in others.items():
        row = listed[name]
        assert row["status"] == "ok" and row["capabilities"] == [capability.value], row
        assert row["missing_hooks"] == [], f"{name}: every hook of the capability is implemented"
        assert row["distribution"] == f"liasse-{name.replace('_', '-')}"


@pytest.mark.parametrize("name", ["vendor_exchange", "vendor_registered_mail", "vendor_share"])
def test_fw05_other_capabilities_pass_their_own_tests_as_generated(
    other_plugins: tuple[dict[str, Capability], dict[str, Path], Path], name: str
) -> None:
    """Each scaffold passes its own tests (its capability's conformance suite among them), installed as a third party's."""
    _others, projects, target = other_plugins
    code, output = pytest_in(target, projects[name], autoload=False)
    assert code == 0, output
    assert re.search(r"\b1[0-9] passed\b", output), output


def test_fw05_bad_names_and_existing_directories_are_refused_with_a_sentence(tmp_path: Path) -> None:
    for bad in ("Acme", "1acme", "ac-me", "class", "a"):
        with pytest.raises(PluginNameInvalid) as caught:
            render_plugin(bad, Capability.SIGNATURE, tmp_path / bad)
        assert "jesignexpert" in caught.value.message("fr") and "jesignexpert" in caught.value.message("en")
    (tmp_path / "taken").mkdir()
    with pytest.raises(TargetExists):
        render_plugin("taken", Capability.SIGNATURE, tmp_path / "taken")
    assert list((tmp_path / "taken").iterdir()) == [], "nothing written"
    result = CliRunner().invoke(cli, ["new-plugin", "Bad-Name", "--capability", "share", "--directory", str(tmp_path / "x")])
    assert result.exit_code == 1 and "Bad-Name" in result.output


def test_fw05_a_vendor_needs_only_liasse_kit_to_run_a_scaffold_s_tests(tmp_path: Path) -> None:
    """liasse[kit] (liasse and pytest) is enough: a fresh virtualenv with nothing else runs the scaffold's suite.

    pip takes liasse's dependencies from its cache (the project's own install
    filled it); liasse's test tooling (Playwright, schemathesis …) is absent.
    """
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", f"{root}[kit]"],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    absent = subprocess.run([str(python), "-c", "import playwright"], capture_output=True, env=env)
    assert absent.returncode != 0, "liasse[kit] must not bring liasse's own test tooling"
    made = subprocess.run(
        [str(venv / "bin" / "liasse"), "new-plugin", "acme", "--capability", "registered-mail", "--directory", str(tmp_path / "acme")],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert made.returncode == 0, made.stderr
    project = tmp_path / "acme"
    plugin = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", f"{project}[test]"],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert plugin.returncode == 0, plugin.stderr[-3000:]
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, capture_output=True, text=True, env=env, timeout=900
    )
    assert tests.returncode == 0 and " passed" in tests.stdout, tests.stdout[-3000:] + tests.stderr[-2000:]
