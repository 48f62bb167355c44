"""liasse's retry rules (issue 5, R2): full-jitter backoff, Retry-After, the per-provider budget, the outbox schedule."""

from __future__ import annotations

import datetime as dt
import random

from liasse.retries import DEFAULT_HORIZON, INTERACTIVE, OUTBOX_SCHEDULE, RetryBudget, outbox_delay, parse_retry_after


def test_r2_backoff_is_full_jitter_under_an_exponential_ceiling_capped_at_20_s() -> None:
    rng = random.Random(5)
    for retry, ceiling in enumerate((0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 20.0)):
        waits = [INTERACTIVE.backoff(retry, rng) for _ in range(2000)]
        assert 0.0 <= min(waits) and max(waits) <= ceiling
        # Spread over the whole range, not bunched at the ceiling (that would be no jitter).
        assert min(waits) < 0.1 * ceiling and max(waits) > 0.9 * ceiling
    assert (INTERACTIVE.max_attempts, INTERACTIVE.retry_after_cap) == (3, 60.0)


def test_r2_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Tue, 01 Dec 2026 08:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Tue, 01 Dec 2026 07:00:00 GMT", now=now) == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("bientôt") is None and parse_retry_after(" ") is None


def test_r2_budget_is_500_tokens_a_retry_costs_5_a_success_gives_1_back() -> None:
    budget = RetryBudget()
    assert budget.tokens == 500
    assert sum(budget.take_retry() for _ in range(150)) == 100, "100 retries, then none"
    assert budget.tokens == 0 and not budget.take_retry()
    for _ in range(5):
        budget.record_success()
    assert budget.take_retry() and budget.tokens == 0
    full = RetryBudget()
    full.record_success()
    assert full.tokens == 500, "never above the capacity"


def test_r2_outbox_schedule_follows_yousigns_and_never_comes_back_before_retry_after() -> None:
    rng = random.Random(1)
    for attempts, step in enumerate(OUTBOX_SCHEDULE, start=1):
        assert 0.9 * step <= outbox_delay(attempts, rng=rng) <= 1.1 * step
    assert 0.9 * OUTBOX_SCHEDULE[-1] <= outbox_delay(50, rng=rng) <= 1.1 * OUTBOX_SCHEDULE[-1]
    assert outbox_delay(1, retry_after=3600, rng=rng) == 3600
    assert dt.timedelta(days=3) < DEFAULT_HORIZON < dt.timedelta(days=5)
