"""What the conformance suites share: the sandbox's controls, a hook-call recorder, memory and answers checks.

Everything here talks to the provider's sandbox the way a test of a real
provider would: over HTTP, through the kit's ``/_sandbox/`` routes (faults,
request journal), never by reaching into the sandbox's objects. It knows no
provider: a third-party plugin's sandbox is found from its declaration.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import requests

from liasse.errors import LiasseError
from liasse.markers import hookimpl
from liasse.sandbox import DemoAccount

#: What a check waits for the sandbox's own routes (they answer at once).
_TIMEOUT = 10
#: Methods that change something at the provider (the ones a dropped answer makes unsafe to repeat).
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@attrs.frozen
class JournalEntry:
    """One request the sandbox received (``GET /_sandbox/requests``)."""

    method: str
    path: str
    status: int | None
    fault: str | None
    body_size: int


@attrs.frozen
class SandboxControl:
    """The kit's ``/_sandbox/`` routes of one running sandbox: faults and the request journal."""

    #: The server's root URL (``http://127.0.0.1:port``), not the API's base URL.
    url: str

    def arm(self, kind: str, *, path: str = "/", method: str | None = None, times: int = 1, skip: int = 0, **extra: Any) -> None:
        """Arm a fault (:mod:`liasse.sandbox.faults`): ``kind`` on the matching requests."""
        body = {"kind": kind, "path": path, "method": method, "times": times, "skip": skip, **extra}
        requests.post(f"{self.url}/_sandbox/faults", json=body, timeout=_TIMEOUT).raise_for_status()

    def disarm(self) -> None:
        """Disarm every fault."""
        requests.delete(f"{self.url}/_sandbox/faults", timeout=_TIMEOUT).raise_for_status()

    def journal(self) -> list[JournalEntry]:
        """The requests received since the last :meth:`forget`, oldest first."""
        response = requests.get(f"{self.url}/_sandbox/requests", timeout=_TIMEOUT)
        response.raise_for_status()
        return [
            JournalEntry(e["method"], e["path"], e["status"], e["fault"], int(e["body_size"])) for e in response.json()
        ]

    def mutating(self) -> list[JournalEntry]:
        """The requests of the journal that change something at the provider."""
        return [e for e in self.journal() if e.method in MUTATING]

    def forget(self) -> None:
        """Empty the request journal and the outbox of messages."""
        requests.delete(f"{self.url}/_sandbox/requests", timeout=_TIMEOUT).raise_for_status()
        requests.delete(f"{self.url}/_sandbox/outbox", timeout=_TIMEOUT).raise_for_status()

    def drop_answer_of(self, steps: Sequence[JournalEntry], index: int) -> None:
        """Arm ``truncate`` on the ``index``-th of ``steps`` (a clean run's mutating requests) for the next run.

        The provider does that request, then the answer is cut in half and the
        connection dropped: the client cannot know it went through.
        """
        target = steps[index]
        before = sum(1 for step in steps[:index] if step.method == target.method)
        self.arm("truncate", method=target.method, skip=before)


@attrs.frozen
class HookCall:
    """One call of a provider step, as the recorder saw it."""

    hook: str
    provider: str
    result: Any
    error: BaseException | None


class HookRecorder:
    """A wrapper plugin that records every call of the named hooks (result or exception).

    Registered with :func:`liasse.testing.office.registered`; it wraps the
    provider's implementation (``wrapper=True``), so it sees what liasse
    receives, whoever called it (a desk, the outbox relay, a test).
    """

    def __init__(self, hooks: Sequence[str]) -> None:
        self.calls: list[HookCall] = []
        self._lock = threading.Lock()
        for name in hooks:
            setattr(self, name, self._wrapper(name))

    def _wrapper(self, name: str) -> Callable[..., Any]:
        def wrap(ctx: Any) -> Any:
            try:
                result = yield
            except BaseException as exc:
                self._add(HookCall(name, ctx.provider, None, exc))
                raise
            self._add(HookCall(name, ctx.provider, result, None))
            return result

        wrap.__name__ = name
        return hookimpl(wrapper=True)(wrap)

    def _add(self, call: HookCall) -> None:
        with self._lock:
            self.calls.append(call)

    def of(self, hook: str) -> list[HookCall]:
        """The calls of ``hook``, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.hook == hook]

    def answers(self, *hooks: str) -> list[Any]:
        """What ``hooks`` answered, in the order the provider said it: pages and tuples opened into their items."""
        with self._lock:
            calls = [c for c in self.calls if c.hook in hooks and c.error is None]
        items: list[Any] = []
        for call in calls:
            result = call.result
            if hasattr(result, "updates"):
                items += list(result.updates)
            elif hasattr(result, "events"):
                items += list(result.events)
            elif isinstance(result, tuple):
                items += list(result)
            else:
                items.append(result)
        return items

    def results(self, hook: str) -> list[Any]:
        """What ``hook`` returned, in call order (calls that raised left out)."""
        return [c.result for c in self.of(hook) if c.error is None]


def check_sentence(error: BaseException, what: str) -> LiasseError:
    """``error`` is one of liasse's errors with a sentence in French and one in English; returned as such."""
    assert isinstance(error, LiasseError), f"{what}: raised {type(error).__name__}: {error}, not a liasse.errors.LiasseError"
    fr, en = error.message("fr"), error.message("en")
    assert fr.strip() and en.strip(), f"{what}: {type(error).__name__} has an empty sentence"
    assert fr != en, f"{what}: {type(error).__name__} says the same in French and English: {fr!r}"
    assert "{" not in fr and "{" not in en, f"{what}: {type(error).__name__} has an unfilled template: {fr!r}"
    return error


#: The longest ``Retry-After`` a check waits for (a provider's per-minute quota).
PATIENCE = 61.0
#: Which of a send's changing requests have their answer dropped, one test each.
DROPPED_STEPS = ("first", "middle", "last")


def pick_step(steps: Sequence[JournalEntry], which: str) -> int:
    """The index in ``steps`` of ``"first"``, ``"middle"`` or ``"last"``."""
    return {"first": 0, "middle": len(steps) // 2, "last": len(steps) - 1}[which]


def patiently(call: Callable[[], Any], tries: int = 3) -> Any:
    """``call()``, waiting out a provider's quota (ProviderUnavailable with a Retry-After within :data:`PATIENCE`)."""
    from liasse.errors import ProviderUnavailable

    for attempt in range(tries):
        try:
            return call()
        except ProviderUnavailable as exc:
            wait = exc.retry_after
            if wait is None or wait > PATIENCE or attempt == tries - 1:
                raise
            time.sleep(wait + 0.5)
    raise AssertionError("unreachable")


def check_every_hook_answered(recorder: HookRecorder, hooks: Sequence[str]) -> None:
    """Each of ``hooks`` was called by the host's story and answered its record, or raised a sentence."""
    for hook in hooks:
        if hook == "liasse_provider_info":
            continue
        calls = recorder.of(hook)
        assert calls, f"{hook} was never called by the host's story"
        for call in calls:
            if call.error is None:
                assert call.result is not None, f"{hook} answered None"
            else:
                check_sentence(call.error, hook)


def synced_ids(office: Any, ctx: Any) -> set[str]:
    """Every item the provider reports from the start (``liasse_sync_status`` from no cursor)."""
    ids: set[str] = set()
    cursor: str | None = None
    for _ in range(1000):
        page = patiently(lambda: office.hooks.sync_status(ctx, cursor))
        ids.update(u.remote_id for u in page.updates)
        cursor = page.cursor
        if not page.has_more:
            break
    return ids


def outbox_key(office: Any, *where: Any) -> str:
    """The idempotency key of the newest outbox row matching ``where`` (SQLAlchemy conditions on OutboxEntry)."""
    import sqlalchemy as sa

    from liasse.store.models import OutboxEntry

    with office.store.session() as session:
        key = session.scalars(sa.select(OutboxEntry.idempotency_key).where(*where).order_by(OutboxEntry.id.desc())).first()
    return str(key)


def answer_or_sentence(call: Callable[[], Any], what: str) -> Any:
    """Call ``call``: it returns something (not None) or raises one of liasse's errors with its sentences."""
    try:
        result = call()
    except Exception as exc:  # noqa: BLE001 - what the provider raised is the subject of the check
        check_sentence(exc, what)
        return exc
    assert result is not None, f"{what}: answered None"
    return result


# --- a sandbox in a process of its own, for memory measurements -----------------------------

_CHILD = r"""
import json, sys
from liasse.sandbox import load_sandbox, serve
running = serve(load_sandbox(sys.argv[1]))
box = running.sandbox
account = box.user_account
print(json.dumps({
    "url": running.url, "api_root": box.api_root, "demo_secrets": box.demo_secrets,
    "user_account": None if account is None else [account.login, account.secret, account.note],
}), flush=True)
sys.stdin.read()
running.stop()
"""


@attrs.frozen
class SandboxFacts:
    """What the office is written from: the sandbox's API root, demo secrets and demo user account."""

    api_root: str
    demo_secrets: dict[str, str]
    user_account: DemoAccount | None


@attrs.define
class ChildSandbox:
    """A provider's sandbox served by a child process: its memory and CPU are not the test's.

    Has the ``url`` and ``sandbox`` facts :func:`liasse.demo.open_demo_office` reads.
    """

    url: str
    sandbox: SandboxFacts
    process: subprocess.Popen[str]

    def stop(self) -> None:
        """Close the child's stdin: it stops its server and exits."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def child_sandbox(factory: str) -> Iterator[ChildSandbox]:
    """Serve the sandbox ``factory`` (a ProviderInfo's ``sandbox``) in a child process for the block."""
    # The child sees the modules this process sees (a plugin installed with --target on PYTHONPATH).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD, factory], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        facts = json.loads(line)
    except ValueError:
        process.kill()
        process.wait()
        raise RuntimeError(f"the sandbox {factory} did not start in its own process (printed {line!r})") from None
    account = facts["user_account"]
    running = ChildSandbox(
        url=facts["url"],
        sandbox=SandboxFacts(facts["api_root"], dict(facts["demo_secrets"]), DemoAccount(*account) if account else None),
        process=process,
    )
    try:
        yield running
    finally:
        running.stop()


@attrs.frozen
class MemoryPeak:
    """How much more Python memory a call needed at its peak than before it."""

    growth: int


@contextlib.contextmanager
def peak_memory() -> Iterator[list[MemoryPeak]]:
    """Measure the peak of traced allocations during the block (tracemalloc), over what was held before."""
    measured: list[MemoryPeak] = []
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        yield measured
        _, peak = tracemalloc.get_traced_memory()
        measured.append(MemoryPeak(peak - before))
    finally:
        if started:
            tracemalloc.stop()


def big_pdf(path: Path, size: int) -> Path:
    """A valid one-page PDF of about ``size`` bytes: random (incompressible) bytes in an unreferenced stream.

    Written as an incremental update after a small PDF, so every reader opens
    it and no byte of the filler is alike.
    """
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="liasse conformance: a large upload")
    head = bytes(pdf.output())
    startxref = int(head[head.rindex(b"startxref") + 9 :].split()[0])
    with path.open("wb") as out:
        out.write(head)
        filler_at = out.tell()
        number = 1000
        chunk = 1024 * 1024
        length = max(size - len(head) - 512, 0)
        out.write(f"\n{number} 0 obj\n<< /Length {length} >>\nstream\n".encode())
        written = 0
        while written < length:
            block = os.urandom(min(chunk, length - written))
            out.write(block)
            written += len(block)
        out.write(b"\nendstream\nendobj\n")
        xref_at = out.tell()
        size_entry = _trailer_size(head)
        out.write(f"xref\n{number} 1\n{filler_at + 1:010d} 00000 n \n".encode())
        root = _trailer_root(head)
        out.write(
            f"trailer\n<< /Size {max(size_entry, number + 1)} /Root {root} /Prev {startxref} >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
        )
    return path


def _trailer_size(pdf: bytes) -> int:
    tail = pdf[pdf.rindex(b"trailer") :]
    return int(tail[tail.index(b"/Size") + 5 :].split()[0].strip(b"/>"))


def _trailer_root(pdf: bytes) -> str:
    tail = pdf[pdf.rindex(b"trailer") :]
    parts = tail[tail.index(b"/Root") + 5 :].split()
    return f"{int(parts[0])} {int(parts[1])} R"
