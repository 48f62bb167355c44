"""``liasse new-plugin``: a standalone provider plugin distribution, written from templates (FW-05).

The templates are package data (``liasse/scaffold/templates``), read with
:mod:`importlib.resources`: ``common/`` for every capability, then the
capability's own directory. A template's path may hold ``__module__`` (the
plugin's package) and ends in ``.tmpl``; its text is a :class:`string.Template`
filled with :class:`PluginNames`.
"""

from __future__ import annotations

import keyword
import re
import string
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import attrs

from liasse.__about__ import __version__
from liasse.capabilities import Capability
from liasse.errors import LiasseError
from liasse.hookspecs import SPEC_VERSION

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
#: Where each capability's templates live.
TEMPLATE_DIRS: dict[Capability, str] = {
    Capability.EXCHANGE: "exchange",
    Capability.SIGNATURE: "signature",
    Capability.REGISTERED_MAIL: "registered-mail",
    Capability.SHARE: "share",
}

#: The conformance suite each capability's generated tests run (:mod:`liasse.testing.conformance`).
SUITES: dict[Capability, str] = {
    Capability.EXCHANGE: "ExchangeConformance",
    Capability.SIGNATURE: "SignatureConformance",
    Capability.REGISTERED_MAIL: "RegisteredMailConformance",
    Capability.SHARE: "ShareConformance",
}


class PluginNameInvalid(LiasseError):
    """The name given to ``liasse new-plugin`` cannot be an entry point and a Python package."""

    fr = "« {name} » ne peut pas nommer un module : lettres minuscules, chiffres et _, commençant par une lettre (2 à 31 caractères), par exemple « jesignexpert »."
    en = "'{name}' cannot name a plugin: lower-case letters, digits and _, starting with a letter (2 to 31 characters), for instance 'jesignexpert'."


class TargetExists(LiasseError):
    """``liasse new-plugin`` never writes over an existing directory."""

    fr = "Le dossier {path} existe déjà : choisissez un autre nom ou un autre dossier (--directory), rien n'a été écrit."
    en = "The directory {path} already exists: choose another name or directory (--directory); nothing was written."


@attrs.frozen
class PluginNames:
    """Every name the templates use, derived from the plugin's name."""

    name: str
    capability: Capability

    @property
    def module(self) -> str:
        """The plugin's package: ``liasse_<name>``."""
        return f"liasse_{self.name}"

    @property
    def distribution(self) -> str:
        """The distribution's name on PyPI: ``liasse-<name>``."""
        return f"liasse-{self.name.replace('_', '-')}"

    @property
    def class_prefix(self) -> str:
        """``Acme`` for ``acme``, ``MySign`` for ``my_sign``."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    def values(self) -> dict[str, str]:
        """The template variables."""
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "Class": self.class_prefix,
            "title": self.class_prefix,
            "capability": self.capability.name,
            "capability_value": self.capability.value,
            "suite": SUITES[self.capability],
            "spec_version": SPEC_VERSION,
            "liasse_version": __version__,
        }


def check_name(name: str) -> str:
    """``name`` if it can be an entry point, a package and a distribution; :class:`PluginNameInvalid` otherwise."""
    if not _NAME.match(name) or keyword.iskeyword(name):
        raise PluginNameInvalid(name=name)
    return name


def render_plugin(name: str, capability: Capability, dest: Path) -> list[Path]:
    """Write the distribution of plugin ``name`` for ``capability`` into ``dest`` (a new directory); the files written."""
    names = PluginNames(check_name(name), capability)
    if dest.exists():
        raise TargetExists(path=str(dest))
    values = names.values()
    root = files("liasse.scaffold") / "templates"
    written: list[Path] = []
    rendered: dict[Path, str] = {}
    for directory in ("common", TEMPLATE_DIRS[capability]):
        for relative, template in _walk(root / directory, ""):
            target = dest / relative.replace("__module__", names.module).removesuffix(".tmpl")
            rendered[target] = string.Template(template.read_text(encoding="utf-8")).substitute(values)
    for target, text in sorted(rendered.items()):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def _walk(node: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        path = f"{prefix}{child.name}"
        if child.is_dir():
            found += _walk(child, path + "/")
        elif child.name.endswith(".tmpl"):
            found.append((path, child))
    return found
