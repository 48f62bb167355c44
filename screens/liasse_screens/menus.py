"""What each provider capability adds to the screens: its blueprint, its account-menu entries, its counter.

The account page and the banner know nothing of a provider: they show the
entries of the capabilities each enabled provider declares. A capability's
screens register here once (:func:`register`); e-signature, registered mail
and shared zones drop in the same way as secure exchange did.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from flask import Blueprint

from liasse.capabilities import Capability


@attrs.frozen
class MenuEntry:
    """One line of a provider's menu on the account page ("Demander un RIB")."""

    label: str
    #: The Flask endpoint; it takes ``provider`` and ``number`` (the account).
    endpoint: str
    #: Extra URL parameters, e.g. ``(("kind", "rib"),)``.
    params: tuple[tuple[str, str], ...] = ()


#: ``counter(provider, number or None)``: the number the icon shows (DS-22), None when it shows none.
CounterFn = Callable[[str, str | None], int | None]


@attrs.frozen
class CapabilityScreens:
    """A capability's screens: a blueprint, the account menu it adds, and its tracking icon."""

    capability: Capability
    make_blueprint: Callable[[], Blueprint]
    account_menu: tuple[MenuEntry, ...]
    #: The endpoint of the global tracking window (banner icon), taking ``provider``.
    tracking_endpoint: str | None = None
    #: The endpoint of an account's tracking, taking ``provider`` and ``number``.
    account_tracking_endpoint: str | None = None
    counter: CounterFn | None = None
    #: What the counter counts, in the icon's tooltip ("3 document(s) à importer").
    counter_words: str = "document(s) à importer"
    #: ``extras(provider, number)``: what the capability shows on the account page (alerts, contacts),
    #: and ``account_template`` the fragment that shows it.
    account_extras: Callable[[str, str], dict[str, object]] | None = None
    account_template: str | None = None


_REGISTRY: dict[Capability, Callable[[], CapabilityScreens]] = {}


def register(capability: Capability, factory: Callable[[], CapabilityScreens]) -> None:
    """Declare the screens of ``capability`` (the factory is called when the app is made)."""
    _REGISTRY[capability] = factory


def registered() -> dict[Capability, Callable[[], CapabilityScreens]]:
    """Every declared capability's screens factory."""
    return dict(_REGISTRY)


def counter_level(count: int | None) -> str:
    """DS-22's four levels: ``""`` (no icon number), ``"1"``, ``"2"``, ``"3"``, ``"3+"``."""
    from liasse.desk import Counter

    return Counter(count or 0).level
