"""The `dynamodb://` limits storage against the real engine: what flask-limiter relies on."""

from __future__ import annotations

import math
import time

import pytest
from flask import Flask
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, SlidingWindowCounterRateLimiter

from mediphant.store.ratelimit import DynamoDBStorage


@pytest.fixture
def storage(app: Flask) -> DynamoDBStorage:
    found = storage_from_string("dynamodb://", **app.config["RATELIMIT_STORAGE_OPTIONS"])
    assert isinstance(found, DynamoDBStorage)
    return found


def _away_from_edge(seconds: int) -> None:
    """Wait so the next operations do not straddle a window boundary."""
    left = seconds - (time.time() % seconds)
    if left < 2:
        time.sleep(left + 0.05)


def test_incr_get_expiry_clear(storage: DynamoDBStorage, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    _away_from_edge(60)
    assert storage.get("k1") == 0
    assert storage.incr("k1", 60) == 1
    assert storage.incr("k1", 60) == 2
    assert storage.incr("k1", 60, amount=3) == 5
    storage.seen.forget()  # read back from the table, not from the last hit
    assert storage.get("k1") == 5
    window_end = (math.floor(time.time() / 60) + 1) * 60
    assert storage.get_expiry("k1") == pytest.approx(window_end, abs=0.01)
    (item,) = dynamodb.scan(TableName=table_name)["Items"]
    assert item["PK"]["S"] == "RATE_LIMIT#k1"
    assert item["SK"]["S"].startswith("WINDOW#")
    assert item["EntityType"]["S"] == "RATE_LIMIT"
    data = item["Data"]["M"]
    assert data["count"]["N"] == "5"
    start = data["windowStart"]["S"]
    assert item["SK"]["S"] == f"WINDOW#{start}"
    assert int(item["TTL"]["N"]) == window_end - 60 + 3600
    storage.clear("k1")
    assert storage.get("k1") == 0
    assert dynamodb.scan(TableName=table_name)["Items"] == []


def test_windows_are_clock_aligned_and_roll_over(storage: DynamoDBStorage) -> None:
    start = time.time()
    _away_from_edge(2)
    assert storage.incr("roll", 2) == 1
    assert storage.incr("roll", 2) == 2
    time.sleep(2 - (time.time() % 2) + 0.05)
    assert storage.incr("roll", 2) == 1
    assert time.time() - start < 10


def test_fixed_window_limiter_hit_test_and_stats(storage: DynamoDBStorage) -> None:
    _away_from_edge(60)
    limiter = FixedWindowRateLimiter(storage)
    item = RateLimitItemPerMinute(3)
    assert [limiter.hit(item, "client") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.test(item, "client") is False
    stats = limiter.get_window_stats(item, "client")
    assert stats.remaining == 0
    assert stats.reset_time > time.time()
    assert limiter.hit(item, "other-client") is True


def test_reset_and_check(storage: DynamoDBStorage) -> None:
    storage.incr("a", 60)
    storage.incr("b", 60)
    assert storage.check() is True
    assert storage.reset() == 2
    assert storage.get("a") == 0


def test_sliding_window_counts_the_previous_window(storage: DynamoDBStorage) -> None:
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = RateLimitItemPerSecond(4, 2)  # 4 per 2 seconds
    _away_from_edge(2)
    # Fill the current window just before it ends...
    time.sleep(max(0.0, 1.2 - (time.time() % 2)))
    assert [limiter.hit(item, "s") for _ in range(5)] == [True] * 4 + [False]
    # ...then early in the next window the previous one still weighs almost fully.
    time.sleep(2 - (time.time() % 2) + 0.1)
    previous, previous_ttl, current, _ = storage.get_sliding_window(item.key_for("s"), 2)
    assert (previous, current) == (4, 0)
    assert 1.5 < previous_ttl <= 2
    # limits allows while floor(4 * ~0.9 + current) + 1 <= 4: one more hit, not two.
    assert [limiter.hit(item, "s") for _ in range(2)] == [True, False]
    time.sleep(2 - (time.time() % 2) + 0.6)  # two windows on, the old count is gone
    assert limiter.hit(item, "s") is True


def test_sliding_window_is_exact_against_its_own_reads(storage: DynamoDBStorage) -> None:
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("10/minute")
    _away_from_edge(60)
    results = [limiter.hit(item, "exact") for _ in range(15)]
    assert results.count(True) == 10


def test_moving_window_is_refused(storage: DynamoDBStorage) -> None:
    from limits.strategies import MovingWindowRateLimiter

    with pytest.raises(NotImplementedError):
        MovingWindowRateLimiter(storage)
