"""A `limits` storage backend ("dynamodb://") keeping counters as the seed's RATE_LIMIT items.

Each counter is one item per clock-aligned window: PK `RATE_LIMIT#<limiter key>`, SK
`WINDOW#<window start>`, Data count/windowStart/windowEnd, TTL window start + 1 hour.
The hot path of a hit is one conditional UpdateItem; the first hit of a window, when the
item does not exist yet (DynamoDB refuses `Data.count + 1` on a missing map), creates it
with a conditional PutItem and, if another worker won that race, retries the update.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from limits.storage import SlidingWindowCounterSupport, Storage
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError

from mediphant.store import condition_failed, keys, settled
from mediphant.store.models import Item, RateLimitData, RateLimitItem

# The scope of the one per-client budget that checks, lists, searches, the API and the MCP
# tool calls all draw on: limits keys a counter as LIMITER/<client key>/<scope>/<limit>.
CLIENT_SCOPE = "client"
TTL_AFTER_START = timedelta(hours=1)
# Header values (remaining, reset) right after a hit are served from that hit's answer
# for this long instead of reading the counter back: saves two reads per request.
RECENT_HIT_SECONDS = 1.0


def _window_start(now: float, expiry: int) -> float:
    return math.floor(now / expiry) * expiry


def _ts(epoch: float) -> str:
    return keys.timestamp(datetime.fromtimestamp(epoch, UTC))


def _epoch(text: str) -> float:
    return keys.parse_timestamp(text).timestamp()


class DynamoDBStorage(Storage, SlidingWindowCounterSupport):
    """Fixed-window and sliding-window-counter support; moving window is refused."""

    STORAGE_SCHEME = ["dynamodb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._recent = threading.local()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (PynamoDBException,)

    # --- the counter -----------------------------------------------------------

    def _remember(self, key: str, count: int, window_end: float) -> None:
        self._recent.value = (key, count, window_end, time.monotonic())

    def _recalled(self, key: str) -> tuple[int, float] | None:
        value = getattr(self._recent, "value", None)
        if value and value[0] == key and time.monotonic() - value[3] < RECENT_HIT_SECONDS:
            return value[1], value[2]
        return None

    def _add(
        self, key: str, start: float, end: float, amount: int, ceiling: int | None
    ) -> int | None:
        """Add to the window's count atomically and return the new count.

        With `ceiling`, add only if the count stays within it; None means it would not.
        """
        if ceiling is not None and amount > ceiling:
            return None
        item = RateLimitItem(keys.rate_limit_pk(key), keys.window_sk(_ts(start)))
        condition = RateLimitItem.PK.exists()
        if ceiling is not None:
            condition &= RateLimitItem.Data.count <= ceiling - amount
        try:
            item.update(actions=[RateLimitItem.Data.count.add(amount)], condition=condition)
            return int(item.Data.count)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            settled(exc)
            # Without a ceiling the condition fails only on a missing window; with one,
            # one GetItem tells "over the limit" from "first hit" (off the hot path).
            if ceiling is not None and self._window_exists(key, start):
                return None
        created = RateLimitItem(
            keys.rate_limit_pk(key),
            keys.window_sk(_ts(start)),
            TTL=datetime.fromtimestamp(start, UTC) + TTL_AFTER_START,
            Data=RateLimitData(count=amount, windowStart=_ts(start), windowEnd=_ts(end)),
        )
        try:
            created.save(condition=RateLimitItem.PK.does_not_exist())
            return amount
        except PutError as exc:
            if not condition_failed(exc):
                raise
            settled(exc)
        # Another worker created the window between our two calls: count on it.
        return self._add(key, start, end, amount, ceiling)

    def _window_exists(self, key: str, start: float) -> bool:
        try:
            RateLimitItem.get(
                keys.rate_limit_pk(key), keys.window_sk(_ts(start)), attributes_to_get=["PK"]
            )
        except RateLimitItem.DoesNotExist:
            return False
        return True

    def _windows(self, key: str, limit: int) -> list[RateLimitItem]:
        """The seed's read pattern: begins_with WINDOW#, newest first."""
        return list(
            RateLimitItem.query(
                keys.rate_limit_pk(key),
                RateLimitItem.SK.startswith(keys.WINDOW_SK_PREFIX),
                scan_index_forward=False,
                limit=limit,
                page_size=limit,
            )
        )

    # --- limits' Storage interface ---------------------------------------------

    def incr(self, key: str, expiry: int, elastic_expiry: bool = False, amount: int = 1) -> int:
        now = time.time()
        start = _window_start(now, expiry)
        count = self._add(key, start, start + expiry, amount, None)
        assert count is not None
        self._remember(key, count, start + expiry)
        return count

    def _current(self, key: str) -> tuple[int, float] | None:
        """(count, window end) of the key's current window; None when it has none."""
        recalled = self._recalled(key)
        if recalled:
            return recalled
        windows = self._windows(key, 1)
        if windows:
            end = _epoch(windows[0].Data.windowEnd)
            if end > time.time():
                return int(windows[0].Data.count), end
        return None

    def get(self, key: str) -> int:
        current = self._current(key)
        return current[0] if current else 0

    def get_expiry(self, key: str) -> float:
        current = self._current(key)
        return current[1] if current else time.time()

    def check(self) -> bool:
        try:
            return Item.describe_table()["TableStatus"] == "ACTIVE"
        except PynamoDBException:
            return False

    def clear(self, key: str) -> None:
        self._recent.value = None
        with RateLimitItem.batch_write() as batch:
            for window in self._windows(key, 100):
                batch.delete(window)

    def reset(self) -> int | None:
        """Delete every counter (an operator action: it scans the RATE_LIMIT items)."""
        self._recent.value = None
        count = 0
        with RateLimitItem.batch_write() as batch:
            for item in RateLimitItem.scan(attributes_to_get=["PK", "SK", "EntityType"]):
                batch.delete(item)
                count += 1
        return count

    # --- sliding window counter --------------------------------------------------

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        """Previous and current window in one Query (Limit 2, newest first)."""
        now = time.time()
        current_start = _window_start(now, expiry)
        previous_start = current_start - expiry
        previous_count = current_count = 0
        for window in self._windows(key, 2):
            start = _epoch(window.Data.windowStart)
            if math.isclose(start, current_start):
                current_count = int(window.Data.count)
            elif math.isclose(start, previous_start):
                previous_count = int(window.Data.count)
        previous_ttl = (current_start + expiry - now) if previous_count else 0.0
        current_ttl = current_start + 2 * expiry - now
        return previous_count, previous_ttl, current_count, current_ttl

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        """One Query for the weights, then one UpdateItem whose condition enforces the limit."""
        if amount > limit:
            return False
        previous_count, previous_ttl, current_count, _ = self.get_sliding_window(key, expiry)
        # limits allows a hit while floor(previous * weight + current) + amount <= limit;
        # with an integer current count that is: current + amount <= limit - floor(weighted).
        ceiling = limit - math.floor(previous_count * previous_ttl / expiry)
        if current_count + amount > ceiling:
            return False
        start = _window_start(time.time(), expiry)
        return self._add(key, start, start + expiry, amount, ceiling) is not None

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        self.clear(key)
