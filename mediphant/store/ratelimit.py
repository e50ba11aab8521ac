"""A `limits` storage backend ("dynamodb://") keeping counters as the seed's RATE_LIMIT items.

Each counter is one item per clock-aligned window: PK `RATE_LIMIT#<limiter key>`, SK
`WINDOW#<window start>`, Data count/windowStart/windowEnd, TTL at least window start + 1 hour.
The hot path of a hit is one conditional UpdateItem; the first hit of a window, when the
item does not exist yet (DynamoDB refuses `Data.count + 1` on a missing map), creates it
with a conditional PutItem and, if another worker won that race, retries the update.

The module knows nothing of the application around it: the PynamoDB model class (and with
it the table and connection) and the key format come in as storage options, which
flask-limiter passes from `RATELIMIT_STORAGE_OPTIONS`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from limits.errors import ConfigurationError
from limits.storage import SlidingWindowCounterSupport, Storage
from limits.storage.base import TimestampedSlidingWindow
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError
from pynamodb.models import Model

# The scope of the one per-client budget that checks, lists, searches, the API and the MCP
# tool calls all draw on: limits keys a counter as LIMITER/<client key>/<scope>/<limit>.
CLIENT_SCOPE = "client"
# The seed keeps a window for an hour after it starts; longer windows (and the previous
# window a sliding-window counter still weighs) are kept for twice their length.
MIN_TTL_SECONDS = 3600
# Header values (remaining, reset) right after a hit are served from that hit's answer
# for this long instead of reading the counter back: saves two reads per request.
RECENT_HIT_SECONDS = 1.0


class KeyFormat(Protocol):
    """Where the key strings come from (a module such as the application's keys module)."""

    WINDOW_SK_PREFIX: str

    def rate_limit_pk(self, client_key: str) -> str: ...

    def window_sk(self, window_start: str) -> str: ...

    def timestamp(self, moment: datetime) -> str: ...

    def parse_timestamp(self, text: str) -> datetime: ...


def window_start(now: float, expiry: int) -> int:
    """Start of the window holding `now`: windows are [k * expiry, (k + 1) * expiry) on the clock.

    An integer, so two windows are told apart by equality, never by a float tolerance.
    """
    return int(now // expiry) * expiry


def ttl_seconds(expiry: int) -> int:
    """How long after its start a window item is kept: the seed's hour, or two windows."""
    return max(MIN_TTL_SECONDS, 2 * expiry)


def sliding_window(
    counts: Mapping[int, int], now: float, expiry: int
) -> tuple[int, float, int, float]:
    """limits' (previous count, previous ttl, current count, current ttl) from counts by start.

    As limits' own clock-aligned storages answer: the previous window weighs by the time
    left in the current one, and the current count lasts until the end of the next window.
    """
    current = window_start(now, expiry)
    previous_count = counts.get(current - expiry, 0)
    current_count = counts.get(current, 0)
    previous_ttl = current + expiry - now if previous_count else 0.0
    current_ttl = current + 2 * expiry - now
    return previous_count, previous_ttl, current_count, current_ttl


def _condition_failed(exc: PynamoDBException) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def _ignore(_: PynamoDBException) -> None:
    return None


class DynamoDBStorage(Storage, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    """Fixed-window and sliding-window-counter support, on clock-aligned windows.

    `TimestampedSlidingWindow` is limits' marker for storages whose windows follow the
    clock rather than start at the first hit. Moving window is refused: it needs the
    time of every hit inside the window, an item or a list entry per hit.

    Options: `model` (a PynamoDB model class with hash key PK, range key SK, a TTL
    attribute and a `Data` map of count/windowStart/windowEnd), `keys` (a KeyFormat),
    and optionally `on_condition_failed` (told of each planned-for conditional failure)
    and `clock` (seconds since the epoch; tests pin it to window boundaries).
    """

    STORAGE_SCHEME = ["dynamodb"]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        model: type[Model] | None = None,
        keys: KeyFormat | None = None,
        on_condition_failed: Callable[[PynamoDBException], None] = _ignore,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ):
        if model is None or keys is None:
            raise ConfigurationError(
                "dynamodb:// needs the storage options `model` (the PynamoDB model class "
                "of the counter items) and `keys` (the key format)"
            )
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.model = model
        self.keys = keys
        self._settled = on_condition_failed
        self._clock = clock
        self._recent = threading.local()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (PynamoDBException,)

    # --- keys ------------------------------------------------------------------

    def _ts(self, epoch: float) -> str:
        return self.keys.timestamp(datetime.fromtimestamp(epoch, UTC))

    def _pk(self, key: str) -> str:
        return self.keys.rate_limit_pk(key)

    def _sk(self, start: int) -> str:
        return self.keys.window_sk(self._ts(start))

    # --- the counter -----------------------------------------------------------

    def _remember(self, key: str, count: int, window_end: float) -> None:
        self._recent.value = (key, count, window_end, time.monotonic())

    def _recalled(self, key: str) -> tuple[int, float] | None:
        """The last hit's answer on this thread, while it is recent and its window still runs."""
        value = getattr(self._recent, "value", None)
        if (
            value
            and value[0] == key
            and time.monotonic() - value[3] < RECENT_HIT_SECONDS
            and value[2] > self._clock()
        ):
            return value[1], value[2]
        return None

    def _add(
        self, key: str, start: int, expiry: int, amount: int, ceiling: int | None
    ) -> int | None:
        """Add to the window's count atomically and return the new count.

        With `ceiling`, add only if the count stays within it; None means it would not.
        """
        if ceiling is not None and amount > ceiling:
            return None
        model = self.model
        item = model(self._pk(key), self._sk(start))
        condition = model.PK.exists()  # type: ignore[attr-defined]
        if ceiling is not None:
            condition &= model.Data.count <= ceiling - amount  # type: ignore[attr-defined]
        try:
            item.update(actions=[model.Data.count.add(amount)], condition=condition)  # type: ignore[attr-defined]
            return int(item.Data.count)  # type: ignore[attr-defined]
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise
            self._settled(exc)
            # Without a ceiling the condition fails only on a missing window; with one,
            # one GetItem tells "over the limit" from "first hit" (off the hot path).
            if ceiling is not None and self._window_exists(key, start):
                return None
        data_class = type(model.Data)  # type: ignore[attr-defined]
        created = model(
            self._pk(key),
            self._sk(start),
            TTL=datetime.fromtimestamp(start + ttl_seconds(expiry), UTC),
            Data=data_class(
                count=amount, windowStart=self._ts(start), windowEnd=self._ts(start + expiry)
            ),
        )
        try:
            created.save(condition=model.PK.does_not_exist())  # type: ignore[attr-defined]
            return amount
        except PutError as exc:
            if not _condition_failed(exc):
                raise
            self._settled(exc)
        # Another worker created the window between our two calls: count on it.
        return self._add(key, start, expiry, amount, ceiling)

    def _window_exists(self, key: str, start: int) -> bool:
        try:
            self.model.get(self._pk(key), self._sk(start), attributes_to_get=["PK"])
        except self.model.DoesNotExist:
            return False
        return True

    def _windows(self, key: str, limit: int) -> list[Any]:
        """The seed's read pattern: begins_with WINDOW#, newest first."""
        return list(
            self.model.query(
                self._pk(key),
                self.model.SK.startswith(self.keys.WINDOW_SK_PREFIX),  # type: ignore[attr-defined]
                scan_index_forward=False,
                limit=limit,
                page_size=limit,
            )
        )

    # --- limits' Storage interface ---------------------------------------------

    def incr(self, key: str, expiry: int, elastic_expiry: bool = False, amount: int = 1) -> int:
        """Count `amount` hits in the current clock window.

        `elastic_expiry` (deprecated in limits 4.1) is not supported: the window stays
        where the clock puts it.
        """
        start = window_start(self._clock(), expiry)
        count = self._add(key, start, expiry, amount, None)
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
            data = windows[0].Data
            end = self.keys.parse_timestamp(data.windowEnd).timestamp()
            if end > self._clock():
                return int(data.count), end
        return None

    def get(self, key: str) -> int:
        current = self._current(key)
        return current[0] if current else 0

    def get_expiry(self, key: str) -> float:
        current = self._current(key)
        return current[1] if current else self._clock()

    def check(self) -> bool:
        try:
            return self.model.describe_table()["TableStatus"] == "ACTIVE"
        except PynamoDBException:
            return False

    def clear(self, key: str) -> None:
        self._recent.value = None
        with self.model.batch_write() as batch:
            for window in self._windows(key, 100):
                batch.delete(window)

    def reset(self) -> int | None:
        """Delete every counter (an operator action: it scans the model's items)."""
        self._recent.value = None
        count = 0
        model = self.model
        # The keys, and the type attribute a model shared with other entities reads back.
        names = [model._hash_key_attribute().attr_name, model._range_key_attribute().attr_name]
        discriminator = model._get_discriminator_attribute()
        if discriminator is not None:
            names.append(discriminator.attr_name)
        with model.batch_write() as batch:
            for item in model.scan(attributes_to_get=names):
                batch.delete(item)
                count += 1
        return count

    # --- sliding window counter --------------------------------------------------

    def _sliding_at(self, key: str, expiry: int, now: float) -> tuple[int, float, int, float]:
        """Previous and current window in one Query (Limit 2, newest first), matched by SK."""
        current = window_start(now, expiry)
        wanted = {self._sk(current): current, self._sk(current - expiry): current - expiry}
        counts = {
            wanted[window.SK]: int(window.Data.count)
            for window in self._windows(key, 2)
            if window.SK in wanted
        }
        return sliding_window(counts, now, expiry)

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        return self._sliding_at(key, expiry, self._clock())

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        """One Query for the weights, then one UpdateItem whose condition enforces the limit.

        Both use the same moment, so a hit read in one window is never counted in the next.
        """
        if amount > limit:
            return False
        now = self._clock()
        previous_count, previous_ttl, current_count, _ = self._sliding_at(key, expiry, now)
        # limits allows a hit while floor(previous * weight + current) + amount <= limit;
        # with an integer current count that is: current + amount <= limit - floor(weighted).
        ceiling = limit - math.floor(previous_count * previous_ttl / expiry)
        if current_count + amount > ceiling:
            return False
        return self._add(key, window_start(now, expiry), expiry, amount, ceiling) is not None

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        self.clear(key)
