"""Meta-tests that keep the hook specs documented and tested (FW-01, as datasette does)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liasse import hookspecs
from liasse.capabilities import CAPABILITY_HOOKS, COMMON_HOOKS
from liasse.manager import LiassePluginManager

ROOT = Path(__file__).resolve().parents[1]
SPECS = LiassePluginManager().spec_names()


def signature_heading(name: str) -> str:
    caller = getattr(LiassePluginManager().hook, name)
    return f"### {name}({', '.join(caller.spec.argnames)})"


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_is_documented_with_its_exact_signature(name: str) -> None:
    docs = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    assert signature_heading(name) in docs.splitlines(), f"docs/hooks.md lacks the heading {signature_heading(name)!r}"


@pytest.mark.parametrize("name", SPECS)
def test_every_hook_has_a_test(name: str) -> None:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    assert re.search(rf"def test_hook_{name}\b", sources), f"no test named test_hook_{name}"


def test_docs_name_no_hook_that_does_not_exist() -> None:
    docs = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### (liasse_\w+)\(", docs, flags=re.M)
    assert sorted(documented) == SPECS


def test_routed_hooks_are_first_result_and_take_a_context() -> None:
    pm = LiassePluginManager()
    for name in hookspecs.ROUTED_HOOKS:
        spec = getattr(pm.hook, name).spec
        assert spec.opts["firstresult"], name
        assert spec.argnames[0] == "ctx", name


def test_capabilities_name_only_existing_hooks() -> None:
    named = set(COMMON_HOOKS).union(*CAPABILITY_HOOKS.values())
    assert named <= set(SPECS)


def test_every_hook_has_a_docstring() -> None:
    pm = LiassePluginManager()
    for name in SPECS:
        assert (getattr(pm.hook, name).spec.function.__doc__ or "").strip(), name
