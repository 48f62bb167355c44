"""FW-05: docs/writing-a-plugin.md tells the truth: its code compiles, its imports and names exist, its tables match liasse."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from liasse.capabilities import CAPABILITY_HOOKS, COMMON_HOOKS, Capability
from liasse.sandbox.faults import KINDS
from liasse.testing import conformance

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing-a-plugin.md"
TEXT = DOC.read_text(encoding="utf-8")
PYTHON = re.findall(r"```python\n(.*?)```", TEXT, re.S)
#: Names the doc quotes that are not modules: the settings file and the entry-point group.
NOT_MODULES = {"liasse.toml", "liasse.plugins"}


def test_fw05_every_python_snippet_compiles_and_its_imports_exist() -> None:
    assert len(PYTHON) >= 5
    for snippet in PYTHON:
        tree = ast.parse(snippet)
        for node in ast.walk(tree):
            # liasse's own modules and the host contract; the example vendor's (liasse_acme) is the reader's to write.
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("liasse", "liasse_hostapi"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"


@pytest.mark.parametrize("dotted", sorted(set(re.findall(r"`(liasse(?:\.[a-z_]+)+)(?:\.[A-Za-z_]+)?`", TEXT)) - NOT_MODULES))
def test_fw05_every_module_the_doc_names_exists(dotted: str) -> None:
    importlib.import_module(dotted)


def test_fw05_the_hook_table_is_liasse_capabilities() -> None:
    rows = dict(re.findall(r"^\| `?([a-z-]+|every provider)`? \| (.*) \|$", TEXT, re.M))
    assert re.findall(r"`(liasse_[a-z_]+)`", rows["every provider"]) == list(COMMON_HOOKS)
    for capability in Capability:
        assert re.findall(r"`(liasse_[a-z_]+)`", rows[capability.value]) == list(CAPABILITY_HOOKS[capability])


def test_fw05_the_suites_and_fault_kinds_the_doc_names_exist() -> None:
    for suite in re.findall(r"`(\w+Conformance)`", TEXT):
        assert hasattr(conformance, suite), suite
    listed = re.search(r"`kind` = (.*?), and `path`", TEXT, re.S)
    assert listed is not None
    assert set(re.findall(r"`(\w+)`", listed.group(1))) == set(KINDS)
    assert "liasse new-plugin NAME --capability CAP" in TEXT
