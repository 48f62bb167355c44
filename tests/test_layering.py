"""ARCHITECTURE must: dependencies point one way (checked by import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_fw03_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is part of the test extra: pip install -e '.[test]'"
    result = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken" in result.stdout


def test_fw03_no_generic_top_level_module_is_installed(tmp_path: Path) -> None:
    """Only liasse, liasse_hostapi and liasse_<provider> are importable names, from anywhere."""
    code = "import importlib.util; print([n for n in ('core', 'plugins', 'hostapi', 'screens') if importlib.util.find_spec(n)])"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
