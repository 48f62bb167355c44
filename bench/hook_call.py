"""P5: a provider step through liasse's typed facade against a raw pluggy call, in one run.

Target (issue: performance suite): ``Hooks.provider_limits(ctx)`` costs at most
1.5× ``pm.hook.liasse_provider_limits(ctx=ctx)`` on the same plugin manager.

Four in-process providers are registered, each answering
``liasse_provider_limits`` with a constant record and no I/O, so what is
timed is the call machinery alone: the facade's routing to the chosen
provider (pluggy's ``subset_hook_caller``, built once), the result's type
check and the provider tag it adds, against pluggy calling its
implementations until the first answer. A real provider step spends
milliseconds on HTTP; this is the cost liasse adds to each.

Rounds interleave the two calls so machine noise hits them alike; the median
time per call of each is reported. Run: ``python bench/hook_call.py [--calls N] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from liasse import hookimpl
from liasse.capabilities import Capability
from liasse.facade import Hooks
from liasse.http import HttpClient
from liasse.manager import LiassePluginManager
from liasse.records import ProviderContext, ProviderInfo, ProviderLimits
from liasse.settings import ProviderSettings

TARGET = 1.5
LIMITS = ProviderLimits(max_file_size=50 * 1024 * 1024, media_types=frozenset({"application/pdf"}))


class Provider:
    """A provider whose limits step answers at once (the call machinery is what is measured)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def liasse_provider_info(self) -> ProviderInfo:
        return ProviderInfo(
            title=self.name.title(), capabilities=frozenset({Capability.EXCHANGE}), settings=ProviderSettings, sandbox="x:y"
        )

    @hookimpl
    def liasse_provider_limits(self, ctx: ProviderContext[Any]) -> ProviderLimits:
        return LIMITS


def per_call(call: Callable[[], object], calls: int) -> float:
    """Seconds per call over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    pm = LiassePluginManager()
    providers = [Provider(name) for name in ("alpha", "beta", "gamma", "delta")]
    for provider in providers:
        pm.register_checked(provider, provider.name)
    hooks = Hooks(pm, {p.name: p.liasse_provider_info() for p in providers})
    # The last registered runs first in pluggy: route to it, so the raw call does no more work than needed.
    chosen = providers[-1].name
    ctx = ProviderContext(
        provider=chosen,
        settings=ProviderSettings(base_url="http://127.0.0.1:9"),
        http=HttpClient(chosen, "http://127.0.0.1:9"),
        user_login="FICH",
        office_name="Groupe FICHORGA",
    )
    assert hooks.provider_limits(ctx).provider == chosen
    assert pm.hook.liasse_provider_limits(ctx=ctx) is LIMITS

    def raw() -> object:
        return pm.hook.liasse_provider_limits(ctx=ctx)

    def facade() -> object:
        return hooks.provider_limits(ctx)

    raw_times: list[float] = []
    facade_times: list[float] = []
    for _ in range(args.rounds):
        raw_times.append(per_call(raw, args.calls))
        facade_times.append(per_call(facade, args.calls))
    raw_median, facade_median = statistics.median(raw_times), statistics.median(facade_times)
    ratio = facade_median / raw_median
    print(f"raw pluggy call (baseline): {raw_median * 1e6:.2f} µs")
    print(f"typed facade call: {facade_median * 1e6:.2f} µs")
    verdict = "OK" if ratio <= TARGET else "BELOW"
    print(f"hook call through the facade vs raw pluggy: ratio {ratio:.2f}× (target ≤ {TARGET}×) {verdict}")


if __name__ == "__main__":
    main()
