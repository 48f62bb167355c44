"""Discovery cost (issue: framework spine), as ratios against baselines measured in the same run.

* ``liasse plugins`` cold start against ``python -c "import requests"`` (target ≤ 1.3×);
* plugin discovery (``liasse.discovery.load_plugins``) against a raw
  ``importlib.metadata.entry_points(group="liasse.plugins")`` scan plus load (target ≤ 1.2×).

Every sample is a fresh process; scenarios are interleaved so machine noise
hits them alike; medians are reported. liasse's modules are byte-compiled
first, as ``pip install`` of a wheel does: ``requests`` in site-packages has
its ``.pyc`` files, and an editable checkout under ``PYTHONDONTWRITEBYTECODE``
(this machine's default) would otherwise recompile liasse at every start. Run: ``python bench/discovery.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent

RAW_SCAN = """
import time, importlib.metadata
t = time.perf_counter()
for ep in importlib.metadata.entry_points(group="liasse.plugins"):
    try:
        ep.load()
    except Exception:
        pass
print(time.perf_counter() - t)
"""

LIASSE_SCAN = """
import time
import importlib.metadata
from liasse.manager import LiassePluginManager
from liasse.discovery import load_plugins
pm = LiassePluginManager()
t = time.perf_counter()
load_plugins(pm)
print(time.perf_counter() - t)
"""


def byte_compile() -> None:
    """Compile liasse's, the host contract's and every plugin's modules, as an installed wheel has them."""
    import compileall
    import importlib
    import importlib.metadata

    names = {"liasse", "liasse_hostapi"}
    names |= {entry.module.split(".")[0] for entry in importlib.metadata.entry_points(group="liasse.plugins")}
    for name in sorted(names):
        for folder in importlib.import_module(name).__path__:
            compileall.compile_dir(folder, quiet=1)


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    # `liasse plugins` exits 1 when a plugin is broken; the cost is what is measured here.
    subprocess.run(cmd, check=False, capture_output=True, timeout=120)
    return time.perf_counter() - start


def inner(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    byte_compile()
    samples: dict[str, list[float]] = {"requests": [], "plugins": [], "raw": [], "liasse": []}
    for _ in range(rounds):
        samples["requests"].append(wall([sys.executable, "-c", "import requests"]))
        samples["plugins"].append(wall([str(BIN / "liasse"), "plugins"]))
        samples["raw"].append(inner(RAW_SCAN))
        samples["liasse"].append(inner(LIASSE_SCAN))
    med = {k: statistics.median(v) for k, v in samples.items()}
    rows = [
        ("liasse plugins cold start", med["plugins"], "python -c 'import requests'", med["requests"], 1.3),
        ("plugin discovery (load_plugins)", med["liasse"], "entry_points(group=) + load", med["raw"], 1.2),
    ]
    for name, value, base_name, base, target in rows:
        ratio = value / base
        verdict = "OK" if ratio <= target else "BELOW"
        print(f"{name}: {value * 1000:.1f} ms; baseline {base_name}: {base * 1000:.1f} ms")
        print(f"{name} vs {base_name}: ratio {ratio:.2f}× (target ≤ {target}×) {verdict}")


if __name__ == "__main__":
    main()
