"""Where a benchmark's processes run, and the CPU they spend (Linux; elsewhere both are left out).

A sandbox stands in for a remote provider, whose servers are not liasse's.
On a machine of two cores, the two processes' threads otherwise share both
cores: measured on this project's 2-core machines, each then spends about a
fifth more CPU (threads moving between cores, the interpreter lock's handoffs
across them), and the provider's share of the machine counts against
liasse. So the sandbox gets a core of its own, and liasse the others.
"""

from __future__ import annotations

import os
from pathlib import Path

#: How the sandbox's child process is told its core: ``python -c <code> <core>``.
CORE_ARGUMENT = "import os, sys\nif len(sys.argv) > 1 and sys.argv[1]: os.sched_setaffinity(0, {int(sys.argv[1])})\n"


def provider_core() -> int | None:
    """The core a sandbox runs on, apart from liasse: the last one this process may use; None with fewer than two."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    return cores[-1] if len(cores) >= 2 else None


def keep_off(core: int) -> None:
    """Run this thread, and every thread it starts from now on, on the other cores."""
    os.sched_setaffinity(0, set(os.sched_getaffinity(0)) - {core})


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU a process has spent so far (all its threads), from ``/proc``; None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime: the 14th and 15th fields of proc(5), the 12th and 13th after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
