"""A relay process that forks one child per outbox pass, for the crash and concurrency tests.

It imports liasse once (a second and more: the desk pulls in the intake
pipeline), then for each JSON line on stdin forks a child that opens the
office, runs one :meth:`liasse.outbox.OutboxRelay.run_once` and exits. The
child is a fresh process as far as the database and the network go (it opens
its own store and sessions after the fork); only the imports are shared. So
a test can SIGKILL a hundred relays in a few seconds, as a crash would.

Command (one JSON object per line)::

    {"config": "…/liasse.toml", "env": {"LIASSE_CRASH_AT": "after_send"},
     "lease": 60, "read_timeout": 0.5, "limit": 1, "later": 0, "processes": 1, "report": "…/report"}

``processes`` children run the pass at the same time (several host servers).
Answer (one line per command): a list, one ``{"pid", "exit": code or null,
"signal": n or null, "report": {...} or null}`` per child, where the report
counts the pass's outcomes by status.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import liasse.desk  # noqa: F401 - imported once here, before any fork
import liasse_docsecure.plugin  # noqa: F401
import liasse_hostapi.reference  # noqa: F401
from liasse.app import Liasse
from liasse.outbox import OutboxRelay
from liasse.store.models import utcnow


def run_pass(command: dict[str, Any]) -> None:
    """The child's work: one relay pass on the office, its outcomes written to ``report``."""
    os.environ.update(command.get("env") or {})
    office = Liasse.open(Path(command["config"]))
    if command.get("read_timeout") is not None:
        http = office.context("docsecure", "FICH").http
        http.timeout = (5.0, float(command["read_timeout"]))
    relay = OutboxRelay(office, lease=dt.timedelta(seconds=float(command.get("lease", 600))))
    # "later": the pass runs as if that many seconds had gone by (a restart after the leases ran out).
    now = utcnow() + dt.timedelta(seconds=float(command.get("later", 0)))
    report = relay.run_once(now=now, limit=command.get("limit"))
    Path(command["report"]).write_text(json.dumps(dict(Counter(o.status for o in report.outcomes))), encoding="utf-8")
    office.close()


def main() -> None:
    """Serve commands until stdin closes."""
    # A fork copies only the calling thread: there must be no other one here.
    assert threading.active_count() == 1, threading.enumerate()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        reports = [Path(f"{command['report']}.{n}") for n in range(int(command.get("processes", 1)))]
        children = []
        for report in reports:
            report.unlink(missing_ok=True)
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    run_pass({**command, "report": str(report)})
                except BaseException as exc:  # noqa: BLE001 - the child reports and exits, whatever happened
                    print(f"relay child failed: {exc!r}", file=sys.stderr, flush=True)
                    code = 1
                finally:
                    os._exit(code)
            children.append(pid)
        answers = []
        for pid, report in zip(children, reports):
            _, status = os.waitpid(pid, 0)
            answers.append(
                {
                    "pid": pid,
                    "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    "report": json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None,
                }
            )
        print(json.dumps(answers), flush=True)

if __name__ == "__main__":
    main()
