"""The `dynamodb://` limits storage against the real engine: what flask-limiter relies on."""

from __future__ import annotations

import contextlib
import math
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from flask import Flask
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond, parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, SlidingWindowCounterRateLimiter
from pynamodb.signals import pre_dynamodb_send

from mediphant.store import keys
from mediphant.store.local import LocalEngine
from mediphant.store.ratelimit import DynamoDBStorage
from tests.counter_model import counter_model


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


# --- window boundaries, on a pinned clock --------------------------------------------

# A boundary of every window length below, a day ahead: items keep a future TTL.
BOUNDARY = (int(time.time()) // 3600 + 24) * 3600


def _pinned(app: Flask, clock: list[float]) -> DynamoDBStorage:
    """The app's storage with its clock pinned to clock[0]."""
    options = {**app.config["RATELIMIT_STORAGE_OPTIONS"], "clock": lambda: clock[0]}
    return DynamoDBStorage("dynamodb://", **options)


@pytest.mark.parametrize("expiry", [1, 2, 3600])
def test_fixed_window_at_and_around_a_boundary(app: Flask, expiry: int) -> None:
    clock = [math.nextafter(BOUNDARY, 0)]
    storage = _pinned(app, clock)
    assert [storage.incr("edge", expiry) for _ in range(3)] == [1, 2, 3]
    clock[0] = BOUNDARY
    assert storage.incr("edge", expiry) == 1
    storage.seen.forget()  # read back from the table
    assert (storage.get("edge"), storage.get_expiry("edge")) == (1, BOUNDARY + expiry)
    clock[0] = BOUNDARY + expiry - 0.001
    storage.seen.forget()
    assert storage.get("edge") == 1
    clock[0] = BOUNDARY + expiry
    storage.seen.forget()
    assert (storage.get("edge"), storage.get_expiry("edge")) == (0, BOUNDARY + expiry)


@pytest.mark.parametrize("expiry", [1, 2, 3600])
def test_sliding_window_at_and_around_a_boundary(app: Flask, expiry: int) -> None:
    clock = [math.nextafter(BOUNDARY, 0)]
    storage = _pinned(app, clock)
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = RateLimitItemPerSecond(4, expiry)
    key = item.key_for("c")
    assert [limiter.hit(item, "c") for _ in range(5)] == [True] * 4 + [False]
    # At the boundary the full window becomes the previous one and still weighs fully.
    clock[0] = BOUNDARY
    assert limiter.hit(item, "c") is False
    storage.seen.forget()
    assert storage.get_sliding_window(key, expiry) == (4, expiry, 0, 2 * expiry)
    assert limiter.get_window_stats(item, "c").remaining == 0
    # Half-way through, half of it weighs: two more hits, not three.
    clock[0] = BOUNDARY + expiry / 2
    storage.seen.forget()
    assert [limiter.hit(item, "c") for _ in range(3)] == [True, True, False]
    storage.seen.forget()
    assert storage.get_sliding_window(key, expiry) == (4, expiry / 2, 2, 1.5 * expiry)
    # One window on, the four are gone and the two weigh fully.
    clock[0] = BOUNDARY + expiry
    storage.seen.forget()
    assert storage.get_sliding_window(key, expiry) == (2, expiry, 0, 2 * expiry)
    assert limiter.get_window_stats(item, "c").remaining == 2


def test_a_window_longer_than_half_an_hour_outlives_the_next_one(
    app: Flask,
    dynamodb,  # type: ignore[no-untyped-def]
    table_name: str,
) -> None:
    storage = _pinned(app, [BOUNDARY + 5])
    storage.incr("day", 86400)
    (item,) = dynamodb.scan(TableName=table_name)["Items"]
    start = BOUNDARY // 86400 * 86400
    assert item["Data"]["M"]["windowStart"]["S"] == keys.timestamp(
        datetime.fromtimestamp(start, UTC)
    )
    assert int(item["TTL"]["N"]) == start + 2 * 86400


def test_a_hit_is_one_update_once_the_window_is_known(app: Flask) -> None:
    """The hot path, counted in DynamoDB calls: fixed and sliding window alike."""
    clock = [BOUNDARY + 0.5]
    storage = _pinned(app, clock)
    sliding = SlidingWindowCounterRateLimiter(storage)
    item = RateLimitItemPerMinute(10)
    with _calls() as calls:
        storage.incr("f", 60)
    assert calls == ["UpdateItem", "PutItem"]  # first hit of a window: the update finds none
    with _calls() as calls:
        storage.incr("f", 60)
        storage.get("f")
        storage.get_expiry("f")
    assert calls == ["UpdateItem"]
    with _calls() as calls:
        sliding.hit(item, "s")
    assert calls == ["Query", "PutItem"]  # the previous window is read once per window
    with _calls() as calls:
        sliding.hit(item, "s")
        sliding.get_window_stats(item, "s")
    assert calls == ["UpdateItem"]


@contextlib.contextmanager
def _calls() -> Iterator[list[str]]:
    """The DynamoDB operations sent inside the block, in order."""
    sent: list[str] = []

    def record(sender: object, operation_name: str, **_: object) -> None:
        sent.append(operation_name)

    pre_dynamodb_send.connect(record)
    try:
        yield sent
    finally:
        pre_dynamodb_send.disconnect(record)


def test_the_backend_stands_on_a_model_of_its_own(engine: LocalEngine) -> None:
    """No Mediphant model: a table with only the key, TTL and Data attributes."""
    counter = counter_model(engine.url, f"counters-{uuid.uuid4().hex[:8]}")
    counter.create_table(wait=True)
    try:
        storage = storage_from_string("dynamodb://", model=counter, keys=keys)
        _away_from_edge(60)
        limiter = FixedWindowRateLimiter(storage)
        assert [limiter.hit(parse("2/minute"), "x") for _ in range(3)] == [True, True, False]
        assert storage.check() is True
        assert storage.reset() == 1
    finally:
        counter.delete_table()


def test_options_are_required() -> None:
    with pytest.raises(ConfigurationError, match="model"):
        storage_from_string("dynamodb://")


def test_sliding_window_is_exact_across_workers(app: Flask) -> None:
    """Four storages (four workers' memories) hit one key at once: exactly the limit passes."""
    clock = [BOUNDARY + 10.0]
    workers = [_pinned(app, clock) for _ in range(4)]
    limiters = [SlidingWindowCounterRateLimiter(storage) for storage in workers]
    item = RateLimitItemPerMinute(10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = list(pool.map(lambda n: limiters[n % 4].hit(item, "shared"), range(24)))
    assert first.count(True) == 10
    # Next window, 30 s in: the ten weigh as five; every worker reads them once.
    clock[0] = BOUNDARY + 90.0
    with ThreadPoolExecutor(max_workers=8) as pool:
        second = list(pool.map(lambda n: limiters[n % 4].hit(item, "shared"), range(24)))
    assert second.count(True) == 5
