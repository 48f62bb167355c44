"""The worker process received PDFs are parsed in: 512 MiB of address space, 10 seconds (untrusted documents).

pypdf's own caps bound what one stream inflates to, but a hostile PDF can
still make a parser loop, recurse or allocate without end. Every read of a
received PDF (screening, stripping, reading the RIB's text, marking) runs
here instead, through :func:`run_confined`:

* one persistent worker (``concurrent.futures.ProcessPoolExecutor`` with one
  process), started on first use and reused, so a one-page RIB pays a
  millisecond of hand-over, not an interpreter start;
* its address space is capped with ``RLIMIT_AS`` by the pool's initializer:
  an allocation beyond it is a ``MemoryError`` in the worker, never the
  host's process swapping or being killed;
* each call waits at most :data:`TIME_LIMIT` seconds; a worker that overruns,
  crashes or runs out of memory is killed and replaced, and the caller gets
  :class:`~liasse.errors.UnsafeDocument`, a sentence; the file is untouched.

On POSIX the worker is forked from a forkserver that preloads the PDF code
(a replacement costs milliseconds); elsewhere it is spawned, and the memory
cap is not available. As with any use of :mod:`multiprocessing`, a host's
main script must keep its work under ``if __name__ == "__main__":``: a new
worker imports it.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from liasse.errors import LiasseError, UnsafeDocument

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The worker's address space (RLIMIT_AS), in bytes.
MEMORY_LIMIT = 512 * 1024 * 1024
#: How long one call may take, in seconds, before its worker is killed.
TIME_LIMIT = 10.0
#: What the forkserver imports once, so every worker it forks starts with them loaded.
PRELOAD = ["liasse.intake.hostile", "liasse.intake.stamp", "liasse.intake.reading", "pypdf", "fpdf"]

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def run_confined(work: Callable[..., T], *args: Any, file_name: str, timeout: float | None = None) -> T:
    """``work(*args)`` run in the confined worker; its result, or the :class:`LiasseError` it raised.

    ``work`` must be a module-level function and ``args`` picklable.
    ``file_name`` names the document in the sentence given when the worker
    overruns :data:`TIME_LIMIT` (or ``timeout``), crashes or runs out of memory.
    """
    limit = TIME_LIMIT if timeout is None else timeout
    # One call at a time: the time limit then measures the work, not a queue.
    with _lock:
        pool = _running_pool()
        future = pool.submit(_call, work, args)
        try:
            outcome = future.result(timeout=limit)
        except FutureTimeout:
            _discard(pool)
            raise _unsafe(file_name, f"sa lecture a dépassé {limit:g} s", f"reading it took over {limit:g} s") from None
        except BrokenProcessPool:
            _discard(pool)
            raise _unsafe(
                file_name,
                "le lecteur s'est arrêté brutalement (mémoire épuisée ou plantage)",
                "the reader stopped abruptly (memory exhausted or crash)",
            ) from None
    kind = outcome[0]
    if kind == "ok":
        return outcome[1]  # type: ignore[no-any-return]
    if kind == "refused":
        _, cls, params = outcome
        raise cls(**params)
    if kind == "memory":
        with _lock:
            if _pool is pool:
                _discard(pool)  # a worker that ran out of memory may be left in any state
        raise _unsafe(
            file_name,
            f"sa lecture demandait plus de {MEMORY_LIMIT // (1024 * 1024)} Mo de mémoire",
            f"reading it needed more than {MEMORY_LIMIT // (1024 * 1024)} MiB of memory",
        )
    _, name, detail = outcome
    log.warning("confined work %s failed on %s: %s", getattr(work, "__name__", work), file_name, detail)
    raise _unsafe(file_name, f"erreur inattendue du lecteur ({name})", f"unexpected reader error ({name})")


def shutdown() -> None:
    """Stop the worker (it is started again on the next call); registered at exit."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


def _running_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=_context(), initializer=_confine, initargs=(MEMORY_LIMIT,))
    return _pool


def _context() -> Any:
    if sys.platform != "win32" and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _discard(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker (hung or broken) and forget the pool; the next call starts a new one."""
    global _pool
    kill = getattr(pool, "kill_workers", None)  # Python 3.14+
    if kill is not None:
        kill()
    else:
        # Before 3.14 the executor has no public way to stop a busy worker: its process table is the only handle.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    if _pool is pool:
        _pool = None


def _confine(memory: int) -> None:
    """The pool's initializer, in the worker: cap its address space."""
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the time limit still holds
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):  # macOS refuses RLIMIT_AS below what is mapped already
        pass


def _call(work: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Run in the worker: the outcome as plain data, so it always crosses back (exceptions may not pickle)."""
    try:
        return ("ok", work(*args))
    except LiasseError as exc:
        return ("refused", type(exc), exc.params)
    except MemoryError:
        return ("memory",)
    except Exception as exc:  # noqa: BLE001 - any parser failure is told as a sentence by the caller
        return ("error", type(exc).__name__, traceback.format_exc(limit=8))


def _unsafe(file_name: str, reason_fr: str, reason_en: str) -> UnsafeDocument:
    return UnsafeDocument(file_name=file_name, reason_fr=reason_fr, reason_en=reason_en)


atexit.register(shutdown)
