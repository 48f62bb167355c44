"""liasse's plugin manager: pluggy with checked, all-or-nothing registration."""

from __future__ import annotations

import difflib

import pluggy
from liasse_hostapi.events import HostEventSpecs

from liasse import hookspecs
from liasse.markers import PROJECT


class PluginRejected(Exception):
    """A plugin could not be registered; nothing of it stays registered."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class LiassePluginManager(pluggy.PluginManager):
    """A pluggy manager that knows liasse's specs and refuses half-valid plugins."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(hookspecs)
        self.add_hookspecs(HostEventSpecs)
        #: Bumped at every registration change: the facade's prepared calls are rebuilt after one.
        self.generation = 0

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """pluggy's ``register``, counted in :attr:`generation`."""
        self.generation += 1
        return super().register(plugin, name)

    def unregister(self, plugin: object | None = None, name: str | None = None) -> object | None:
        """pluggy's ``unregister``, counted in :attr:`generation`."""
        self.generation += 1
        return super().unregister(plugin, name)

    def spec_names(self) -> list[str]:
        """Every hook name that has a spec, sorted."""
        return sorted(name for name, caller in vars(self.hook).items() if getattr(caller, "spec", None) is not None)

    def register_checked(self, plugin: object, name: str) -> None:
        """Register ``plugin``, or raise :class:`PluginRejected` leaving nothing behind.

        pluggy accepts an implementation of a hook that has no spec until
        ``check_pending()``; a misspelt hook would then sink every plugin. Here
        it sinks only its own plugin, with a suggestion.
        """
        try:
            self.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginRejected(name, str(exc)) from exc
        unknown = sorted(
            caller.name
            for caller in self.get_hookcallers(plugin) or ()
            if caller.spec is None
            and any(impl.plugin is plugin and not impl.optionalhook for impl in caller.get_hookimpls())
        )
        if unknown:
            self.unregister(plugin)
            raise PluginRejected(name, "; ".join(self._unknown_hook_sentence(hook) for hook in unknown))

    def _unknown_hook_sentence(self, hook: str) -> str:
        close = difflib.get_close_matches(hook, self.spec_names(), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"implements unknown hook {hook}{hint}"

    def implemented_hooks(self, plugin: object) -> tuple[str, ...]:
        """The spec'd hooks ``plugin`` implements, sorted."""
        return tuple(sorted(c.name for c in self.get_hookcallers(plugin) or () if c.spec is not None))

