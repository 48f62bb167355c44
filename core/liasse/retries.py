"""When to try a provider call again, and how long to wait: liasse's one retry policy (R2).

* :class:`RetryPolicy`: at most 3 attempts in a call, exponential backoff
  with full jitter (base 0.5 s, cap 20 s, AWS's "Full Jitter"). A
  ``Retry-After`` is slept inside the call only when it is short
  (:attr:`RetryPolicy.max_inline_wait`, 2 s, and never past the 60 s cap
  whatever a policy allows): a user is never kept waiting a minute behind a
  button. A longer one fails the call at once with the wait carried in
  :class:`~liasse.errors.ProviderUnavailable`, and the outbox schedules the
  row at the provider's time (never sooner than its own schedule).
* :class:`RetryBudget`: a token bucket per provider (AWS SDK standard mode:
  500 tokens, a retry costs 5, a success gives 1 back), so an outage makes
  liasse stop retrying instead of hammering a provider that is already down.
* :func:`outbox_delay`: the outbox's longer schedule between attempts of a
  row nobody waits for, Yousign's own webhook schedule (2 min … 2 days).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import threading

import attrs

#: Seconds between the outbox's attempts of one row (Yousign's webhook retry schedule, about 4 days in all).
OUTBOX_SCHEDULE: tuple[float, ...] = (120, 360, 1800, 3600, 5 * 3600, 18 * 3600, 86400, 2 * 86400)
#: How long the outbox keeps trying a row before it is dead, unless the provider declares its own horizon.
DEFAULT_HORIZON = dt.timedelta(seconds=sum(OUTBOX_SCHEDULE))


@attrs.frozen
class RetryPolicy:
    """How one call is retried: attempts, backoff and the longest wait slept in the call."""

    #: Attempts in all, the first one included.
    max_attempts: int = 3
    #: Backoff before retry ``n`` (0-based) is uniform in ``[0, min(cap, base * 2**n)]``.
    base: float = 0.5
    cap: float = 20.0
    #: A ``Retry-After`` is obeyed up to this many seconds; a longer one is the outbox's business.
    retry_after_cap: float = 60.0
    #: The longest wait slept inside a call; anything longer fails the call with the wait carried.
    max_inline_wait: float = 2.0

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """The full-jitter wait before retry number ``retry`` (0 for the first retry)."""
        ceiling = min(self.cap, self.base * (2**retry))
        return (rng or random).uniform(0.0, ceiling)


#: Every call: a user may be waiting on it; the outbox relay uses it too and schedules longer waits.
INTERACTIVE = RetryPolicy()


class RetryBudget:
    """A provider's retry quota: a token bucket shared by every call to that provider.

    AWS SDK standard-mode numbers: 500 tokens, a retry takes 5, a success puts
    1 back (never above the capacity). An empty bucket means "no more
    retries": calls still go out once each, they are just not repeated.
    """

    def __init__(self, capacity: int = 500, retry_cost: int = 5, success_refund: int = 1) -> None:
        self.capacity = capacity
        self.retry_cost = retry_cost
        self.success_refund = success_refund
        self._tokens = capacity
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RetryBudget({self._tokens}/{self.capacity})"

    @property
    def tokens(self) -> int:
        """Tokens left now."""
        with self._lock:
            return self._tokens

    def take_retry(self) -> bool:
        """Pay for one retry; False (nothing taken) when the bucket cannot afford it."""
        with self._lock:
            if self._tokens < self.retry_cost:
                return False
            self._tokens -= self.retry_cost
            return True

    def record_success(self) -> None:
        """A call succeeded: give a token back."""
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + self.success_refund)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def outbox_delay(attempts: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds before the outbox tries a row again after ``attempts`` failed attempts.

    The schedule's step for that attempt, jittered by ±10 % so rows that
    failed together do not come back together; never before the provider's
    own ``Retry-After``.
    """
    step = OUTBOX_SCHEDULE[min(max(attempts, 1), len(OUTBOX_SCHEDULE)) - 1]
    delay = step * (rng or random).uniform(0.9, 1.1)
    return max(delay, retry_after or 0.0)
