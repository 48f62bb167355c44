"""Finding and loading provider plugins from the ``liasse.plugins`` entry points.

Loading follows stevedore's named pattern: names are checked against the
office's settings *before* anything is imported, so a disabled plugin costs
nothing and a plugin whose import raises is reported, not fatal. Each loaded
plugin is registered all-or-nothing; a plugin that implements an unknown
hook, returns no valid declaration, or targets another major spec version is
unregistered and reported with its error while the others keep working.

Spec versions (``ProviderInfo.spec_version``, ``MAJOR.MINOR``) against
:data:`liasse.hookspecs.SPEC_VERSION`: a plugin of another major is refused
(hooks changed incompatibly); a plugin of the same major and a *newer*
minor is refused too, since it may rely on hooks, arguments or records this
liasse does not have yet; an older minor loads (specs only grow within a
major). docs/writing-a-plugin.md "Versioning" says the same to vendors.
"""

from __future__ import annotations

import enum
import functools
import importlib.metadata
import logging
from collections.abc import Collection
from importlib.metadata import EntryPoint

import attrs
from stevedore.named import NamedExtensionManager

from liasse.capabilities import Capability, required_hooks
from liasse.hookspecs import ROUTED_HOOKS, SPEC_VERSION
from liasse.manager import LiassePluginManager, PluginRejected
from liasse.records import ProviderInfo

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "liasse.plugins"
#: The distribution whose plugins are built in: the only ones safe mode loads.
BUILTIN_DISTRIBUTION = "liasse"


class PluginStatus(enum.Enum):
    """How a discovered plugin ended up."""

    OK = "ok"
    DISABLED = "disabled"
    ERROR = "error"


@attrs.frozen
class PluginRecord:
    """One discovered plugin, as ``liasse plugins`` shows it."""

    name: str
    module: str
    builtin: bool
    status: PluginStatus
    error: str | None = None
    info: ProviderInfo | None = None
    hooks: tuple[str, ...] = ()
    #: Hooks its capabilities require that it does not implement yet.
    missing_hooks: tuple[str, ...] = ()
    #: The hook spec version the plugin says it was built for (None: not a provider, or it never said).
    spec_version: str | None = None

    @property
    def capabilities(self) -> tuple[Capability, ...]:
        """Declared capabilities, sorted by name."""
        if self.info is None:
            return ()
        return tuple(sorted(self.info.capabilities, key=lambda c: c.value))

    @property
    def distribution(self) -> tuple[str, str]:
        """(distribution name, version) that installed the plugin; looked up on demand."""
        if self.builtin:
            from liasse.__about__ import __version__

            return (BUILTIN_DISTRIBUTION, __version__)
        return distribution_of(self.module)


@functools.cache
def _packages_distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distribution_of(module: str) -> tuple[str, str]:
    """The distribution and version that ship ``module`` (``("?", "?")`` when unknown)."""
    top = module.split(".", 1)[0]
    names = _packages_distributions().get(top)
    if not names:
        return ("?", "?")
    try:
        return (names[0], importlib.metadata.version(names[0]))
    except importlib.metadata.PackageNotFoundError:
        return (names[0], "?")


@functools.cache
def builtin_entry_points() -> frozenset[tuple[str, str]]:
    """(name, value) of the entry points liasse's own distribution declares."""
    try:
        dist = importlib.metadata.distribution(BUILTIN_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return frozenset()
    return frozenset((ep.name, ep.value) for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP)


def list_entry_points() -> list[EntryPoint]:
    """Every entry point of the group, without importing anything (stevedore's cache)."""
    return list(NamedExtensionManager(ENTRY_POINT_GROUP, names=[], on_missing_entrypoints_callback=None).list_entry_points())


def load_plugins(
    pm: LiassePluginManager,
    *,
    enabled: Collection[str] | None = None,
    disabled: Collection[str] = (),
    safe_mode: bool = False,
) -> list[PluginRecord]:
    """Load the selected plugins into ``pm`` and report on every discovered one.

    ``enabled`` None means every installed plugin; ``disabled`` wins over it.
    Safe mode loads built-in plugins only. Records are sorted by name.
    """
    builtins = builtin_entry_points()
    records: dict[str, PluginRecord] = {}
    to_load: list[str] = []
    for ep in list_entry_points():
        builtin = (ep.name, ep.value) in builtins
        reason = _disabled_reason(ep.name, builtin, enabled, disabled, safe_mode)
        if reason:
            records[ep.name] = PluginRecord(ep.name, ep.module, builtin, PluginStatus.DISABLED, error=reason)
        else:
            to_load.append(ep.name)
            records[ep.name] = PluginRecord(ep.name, ep.module, builtin, PluginStatus.ERROR, error="not loaded")

    def on_failure(_manager: object, ep: EntryPoint, exc: Exception) -> None:
        log.warning("plugin %s failed to import: %s", ep.name, exc)
        records[ep.name] = attrs.evolve(records[ep.name], error=f"import failed: {type(exc).__name__}: {exc}")

    manager: NamedExtensionManager[object] = NamedExtensionManager(
        ENTRY_POINT_GROUP,
        names=to_load,
        on_load_failure_callback=on_failure,
        on_missing_entrypoints_callback=None,
    )
    for ext in manager:
        records[ext.name] = _register(pm, ext.name, ext.plugin, records[ext.name])
    pm.check_pending()
    return [records[name] for name in sorted(records)]


def forget_entry_points() -> None:
    """Drop the process's cached entry-point list, after installing or removing a plugin."""
    NamedExtensionManager.ENTRY_POINT_CACHE.pop(ENTRY_POINT_GROUP, None)
    builtin_entry_points.cache_clear()
    _packages_distributions.cache_clear()


def _disabled_reason(
    name: str, builtin: bool, enabled: Collection[str] | None, disabled: Collection[str], safe_mode: bool
) -> str | None:
    if safe_mode and not builtin:
        return "safe mode: third-party plugins are not loaded"
    if name in disabled:
        return "disabled in settings ([plugins] disabled)"
    if enabled is not None and name not in enabled:
        return "not listed in settings ([plugins] enabled)"
    return None


def _register(pm: LiassePluginManager, name: str, plugin: object, record: PluginRecord) -> PluginRecord:
    try:
        pm.register_checked(plugin, name)
    except PluginRejected as exc:
        return attrs.evolve(record, error=exc.reason)
    try:
        info = _provider_info(pm, name, plugin)
        if info is not None:
            record = attrs.evolve(record, spec_version=info.spec_version)
            _check_spec(name, info.spec_version)
    except PluginRejected as exc:
        pm.unregister(plugin)
        return attrs.evolve(record, error=exc.reason)
    hooks = pm.implemented_hooks(plugin)
    missing = tuple(h for h in required_hooks(info.capabilities) if h not in hooks) if info else ()
    return attrs.evolve(record, status=PluginStatus.OK, error=None, info=info, hooks=hooks, missing_hooks=missing)


def spec_parts(version: str) -> tuple[int, int] | None:
    """``(major, minor)`` of a ``MAJOR.MINOR`` spec version; None when it is not one."""
    parts = version.split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def _check_spec(name: str, version: str) -> None:
    """Refuse a plugin built for another major or a newer minor of the hook specs, with a sentence."""
    from liasse.errors import PluginSpecIncompatible, PluginSpecTooNew

    ours = spec_parts(SPEC_VERSION)
    theirs = spec_parts(version)
    assert ours is not None
    if theirs is None or theirs[0] != ours[0]:
        raise PluginRejected(name, str(PluginSpecIncompatible(plugin=name, theirs=version, ours=SPEC_VERSION)))
    if theirs[1] > ours[1]:
        raise PluginRejected(name, str(PluginSpecTooNew(plugin=name, theirs=version, ours=SPEC_VERSION)))


def _provider_info(pm: LiassePluginManager, name: str, plugin: object) -> ProviderInfo | None:
    """The plugin's declaration, or None for a plugin that only extends liasse."""
    impls = [i for i in pm.hook.liasse_provider_info.get_hookimpls() if i.plugin is plugin]
    if not impls:
        routed = [
            c.name
            for c in pm.get_hookcallers(plugin) or ()
            if c.name in ROUTED_HOOKS and any(i.plugin is plugin and not i.wrapper and not i.hookwrapper for i in c.get_hookimpls())
        ]
        if routed:
            raise PluginRejected(
                name,
                f"implements provider steps ({', '.join(sorted(routed))}) without liasse_provider_info; "
                "only providers implement them (a non-provider may wrap them with wrapper=True)",
            )
        return None
    try:
        info = impls[0].function()
    except Exception as exc:  # noqa: BLE001 - the plugin's bug, reported as its status
        raise PluginRejected(name, f"liasse_provider_info raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(info, ProviderInfo):
        raise PluginRejected(name, f"liasse_provider_info returned {type(info).__name__}, not liasse.records.ProviderInfo")
    if not attrs.has(info.settings):
        raise PluginRejected(name, "ProviderInfo.settings must be an attrs class")
    return info
