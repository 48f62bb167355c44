"""Secret values and the references that point at them.

A settings file never holds a secret in clear: it holds a reference,
``$env:NAME`` or ``$file:/path``, resolved at load time. The resolved value is
a :class:`Secret`, whose repr and str hide it, so it cannot leak into logs,
tracebacks or ``liasse plugins`` output by accident.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import attrs

REDACTED = "***"


@attrs.frozen(repr=False)
class Secret:
    """A secret value; :meth:`reveal` is the only way to read it."""

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        """The clear value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __bool__(self) -> bool:
        return bool(self._value)


def withhold(text: str, secrets: Iterable[Secret | None]) -> str:
    """``text``, or nothing when it contains one of ``secrets``.

    For quoting a provider's own words in an error or a report. Withheld
    rather than masked: masking a short key would eat letters of the words
    around it, and a provider that echoes a key has nothing useful to say.
    """
    if any(secret and secret.reveal() in text for secret in secrets):
        return ""
    return text


@attrs.frozen
class SecretRef:
    """A parsed ``$env:NAME`` or ``$file:path`` reference."""

    scheme: str
    target: str

    PREFIXES = ("$env:", "$file:")

    @classmethod
    def parse(cls, text: str) -> SecretRef | None:
        """The reference ``text`` spells, or None when it is not a reference."""
        for prefix in cls.PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix):
                return cls(scheme=prefix[1:-1], target=text[len(prefix) :])
        return None

    def resolve(self, base_dir: Path) -> Secret | None:
        """The secret, or None when the variable or file does not exist."""
        if self.scheme == "env":
            value = os.environ.get(self.target)
            # An empty variable is as good as a missing one: refuse it at load, not at the provider.
            return Secret(value) if value else None
        path = Path(self.target).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        try:
            return Secret(path.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            return None

    def __str__(self) -> str:
        return f"${self.scheme}:{self.target}"
