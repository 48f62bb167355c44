"""P3: status sync of many tracked exchanges (DS-20, DS-25), in one run.

The office tracks ``--small`` then ``--large`` RIB requests (1,000 then
10,000 by default) at its DocSecure sandbox, served from a process of its
own. For each size it measures ``desk.sync()``:

* when nothing changed: the HTTP requests it makes (target ≤ 2) and its time;
* after ``--changes`` exchanges changed at the provider (each reminded, which
  DocSecure reports in its feed): the HTTP requests (target ⌈k / page⌉ + 1,
  the feed being paged) and its time.

The time growth from the small office to the large one is reported as a
ratio against linear growth (target ≤ 1: linear or better). HTTP requests
are counted on the sandbox's side (its request journal), not by liasse.

Run: ``python bench/docsecure_sync.py [--small 1000] [--large 10000] [--changes 200] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docsecure_requests import process_office  # noqa: E402  (a sibling benchmark's office set-up)

FEED = "/api/v1/exchanges"
TARGET_IDLE_REQUESTS = 2


def feed_calls(url: str) -> int:
    """How many feed requests the sandbox has seen (then forgets them)."""
    seen = requests.get(f"{url}/_sandbox/requests", params={"path": FEED, "method": "GET"}, timeout=60)
    seen.raise_for_status()
    requests.delete(f"{url}/_sandbox/requests", timeout=60).raise_for_status()
    return len(seen.json())


def measured_sync(desk: Any, url: str) -> tuple[float, int]:
    """(seconds, feed requests) of one ``desk.sync()``."""
    feed_calls(url)
    start = time.perf_counter()
    desk.sync()
    return time.perf_counter() - start, feed_calls(url)


def track(office: Any, count: int) -> tuple[Any, list[int]]:
    """Bring the office to ``count`` tracked requests and a synced cursor; returns the desk and their ids."""
    from liasse.desk import ContactForm
    from liasse.records import ContactKind, DocumentType

    desk = office.liasse.desk("docsecure", "FICH")
    existing = [e.id for e in desk.exchanges()]
    missing = count - len(existing)
    if missing > 0:
        if not existing:
            form = ContactForm(ContactKind.PERSON, "Jacques", "MARTIN", "jacques.martin@free.fr", "06 54 55 99 87")
            track.contact = desk.create_contact(form, "2950")  # type: ignore[attr-defined]
        contact = track.contact  # type: ignore[attr-defined]
        batch = [(contact.id, DocumentType.RIB, f"RIB {len(existing) + n}") for n in range(missing)]
        results = desk.request_documents(batch, workers=16)
        failed = [r for r in results if not hasattr(r, "remote_id") or not r.remote_id]
        if failed:
            raise RuntimeError(f"{len(failed)} requests were not sent: {failed[0]}")
    desk.sync()  # the cursor catches up with the campaign's own events
    return desk, [e.id for e in desk.exchanges()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from liasse.records import ReminderChannel
    from liasse_docsecure.client import PAGE_SIZE

    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, process_office(Path(tmp)) as office:
        reminded = 0
        for size in (args.small, args.large):
            desk, ids = track(office, size)
            idle = [measured_sync(desk, office.url) for _ in range(args.rounds)]
            changed_times: list[float] = []
            changed_calls: list[int] = []
            for _ in range(max(1, args.rounds // 2)):
                for exchange_id in ids[reminded : reminded + args.changes]:
                    desk.remind(exchange_id, ReminderChannel.MAIL)
                reminded += args.changes
                seconds, calls = measured_sync(desk, office.url)
                changed_times.append(seconds)
                changed_calls.append(calls)
            results[size] = {
                "idle_s": statistics.median(s for s, _ in idle),
                "idle_calls": max(c for _, c in idle),
                "changed_s": statistics.median(changed_times),
                "changed_calls": max(changed_calls),
            }
            print(
                f"sync of {size} tracked exchanges: nothing changed {results[size]['idle_s'] * 1e3:.1f} ms, "
                f"{args.changes} changed {results[size]['changed_s'] * 1e3:.1f} ms"
            )
    expected_changed = math.ceil(args.changes / PAGE_SIZE) + 1
    for size, figures in results.items():
        idle_ok = "OK" if figures["idle_calls"] <= TARGET_IDLE_REQUESTS else "BELOW"
        print(f"sync of {size}, nothing changed: {figures['idle_calls']:.0f} HTTP requests (target ≤ {TARGET_IDLE_REQUESTS}) {idle_ok}")
        changed_ok = "OK" if figures["changed_calls"] <= expected_changed else "BELOW"
        print(
            f"sync of {size}, {args.changes} changed: {figures['changed_calls']:.0f} HTTP requests "
            f"(target ≤ ⌈{args.changes}/{PAGE_SIZE}⌉ + 1 = {expected_changed}) {changed_ok}"
        )
    linear = args.large / args.small
    for label, key in (("nothing changed", "idle_s"), (f"{args.changes} changed", "changed_s")):
        growth = results[args.large][key] / results[args.small][key]
        verdict = "OK" if growth <= linear else "BELOW"
        print(
            f"sync time growth {args.small} → {args.large} exchanges, {label}: {growth:.2f}× for {linear:.0f}× more, "
            f"ratio to linear {growth / linear:.2f} (target ≤ 1: linear or better) {verdict}"
        )


if __name__ == "__main__":
    main()
