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
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError
from limits.errors import ConfigurationError
from limits.storage import SlidingWindowCounterSupport, Storage
from limits.storage.base import TimestampedSlidingWindow
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError
from pynamodb.models import Model

# The seed keeps a window for an hour after it starts; longer windows (and the previous
# window a sliding-window counter still weighs) are kept for twice their length.
MIN_TTL_SECONDS = 3600
# Header values (remaining, reset) right after a hit are served from that hit's answer
# for this long instead of reading the counter back: saves two reads per request.
RECENT_HIT_SECONDS = 1.0
# Counters seen by this process, kept for the keys most recently used.
SEEN_KEYS = 10_000


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


@dataclass(frozen=True)
class Seen:
    """What this process last learnt of a key's window.

    Counts only grow within a window, so `current` stays a lower bound after `at`: enough
    to refuse a hit without a call. The window before a running one is closed, so its
    count (`previous`, when it was read) holds for as long as `start` is current.
    """

    start: int
    end: int
    current: int
    previous: int | None
    at: float

    def fresh(self) -> bool:
        return time.monotonic() - self.at < RECENT_HIT_SECONDS


class SeenCounters:
    """A bounded map of key -> Seen, shared by the threads of one process.

    The least recently used keys go first. An OrderedDict under a lock: cachetools'
    LRUCache would need the same lock and one more dependency for a separable module.
    """

    def __init__(self, size: int = SEEN_KEYS):
        self._size = size
        self._items: OrderedDict[str, Seen] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Seen | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, seen: Seen) -> None:
        with self._lock:
            self._items[key] = seen
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)

    def forget(self, key: str | None = None) -> None:
        """Forget one key, or every key."""
        with self._lock:
            if key is None:
                self._items.clear()
            else:
                self._items.pop(key, None)


def _condition_failed(exc: PynamoDBException) -> bool:
    """The update's condition did not hold. Not PynamoDB's `cause_response_code`: that
    raises AttributeError on a read time-out, whose cause carries `response = None`."""
    response = getattr(exc.cause, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code == "ConditionalCheckFailedException"


def _ignore(_: PynamoDBException) -> None:
    return None


# How long after a write whose answer was lost the storage does not say it is healthy
# again: flask-limiter looks again only after 2 s, by then with nothing in doubt.
UNSURE_SECONDS = 1.0


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
        self.seen = SeenCounters()
        self._unsure_until = 0.0  # monotonic; see _unsure

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

    def _add(
        self,
        key: str,
        start: int,
        expiry: int,
        amount: int,
        ceiling: int | None = None,
        exists: bool | None = None,
    ) -> int | None:
        """Add to the window's count atomically and return the new count.

        With `ceiling`, add only if the count stays within it; None means it would not.
        `exists` is what the caller knows of the window's item (None: nothing): a window
        known to be missing is created at once, one known to exist needs no check.
        """
        if ceiling is not None and amount > ceiling:
            return None
        if exists is not False:
            counted = self._update(key, start, amount, ceiling)
            if counted is not None:
                return counted
            # Without a ceiling the condition fails only on a missing window; with one,
            # the window over its limit is told from a missing one (off the hot path).
            if ceiling is not None and (exists or self._window_exists(key, start)):
                return None
        if self._create(key, start, expiry, amount):
            return amount
        # Another worker created the window first: count on it.
        return self._add(key, start, expiry, amount, ceiling, exists=True)

    def _update(self, key: str, start: int, amount: int, ceiling: int | None) -> int | None:
        """One conditional UpdateItem on an existing window: the hot path."""
        model = self.model
        item = model(self._pk(key), self._sk(start))
        condition = model.PK.exists()  # type: ignore[attr-defined]
        if ceiling is not None:
            condition &= model.Data.count <= ceiling - amount  # type: ignore[attr-defined]
        try:
            item.update(actions=[model.Data.count.add(amount)], condition=condition)  # type: ignore[attr-defined]
        except UpdateError as exc:
            if not _condition_failed(exc):
                self._unsure(exc)
                raise
            self._settled(exc)
            return None
        return int(item.Data.count)  # type: ignore[attr-defined]

    def _create(self, key: str, start: int, expiry: int, amount: int) -> bool:
        """A conditional PutItem of a new window; False when it exists already."""
        model = self.model
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
        except PutError as exc:
            if not _condition_failed(exc):
                self._unsure(exc)
                raise
            self._settled(exc)
            return False
        return True

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
        seen = self.seen.get(key)
        known = seen is not None and seen.start == start
        count = self._add(key, start, expiry, amount, exists=True if known else None)
        assert count is not None
        previous = seen.previous if known and seen else None
        self.seen.put(key, Seen(start, start + expiry, count, previous, time.monotonic()))
        return count

    def _current(self, key: str) -> tuple[int, float] | None:
        """(count, window end) of the key's current window; None when it has none.

        Right after a hit, that hit's answer (see RECENT_HIT_SECONDS).
        """
        seen = self.seen.get(key)
        if seen and seen.fresh() and seen.end > self._clock():
            return seen.current, seen.end
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

    def _unsure(self, exc: PynamoDBException) -> None:
        """A write that got no answer from DynamoDB (a lost connection, a time-out) may have
        counted. flask-limiter, told of the failure, asks `check` at once and, on True,
        sends the same hit again: for UNSURE_SECONDS `check` says the table is not back."""
        if not isinstance(exc.cause, ClientError):
            self._unsure_until = time.monotonic() + UNSURE_SECONDS

    def check(self) -> bool:
        if time.monotonic() < self._unsure_until:
            return False
        try:
            return self.model.describe_table()["TableStatus"] == "ACTIVE"
        except PynamoDBException:
            return False

    def clear(self, key: str) -> None:
        self.seen.forget(key)
        with self.model.batch_write() as batch:
            for window in self._windows(key, 100):
                batch.delete(window)

    def reset(self) -> int | None:
        """Delete every counter (an operator action: it scans the model's items)."""
        self.seen.forget()
        model = self.model
        # The keys, and the type attribute a model shared with other entities reads back.
        names = [model._hash_key_attribute().attr_name, model._range_key_attribute().attr_name]
        discriminator = model._get_discriminator_attribute()
        if discriminator is not None:
            names.append(discriminator.attr_name)
        count = 0
        with model.batch_write() as batch:
            for item in model.scan(attributes_to_get=names):
                batch.delete(item)
                count += 1
        return count

    # --- sliding window counter --------------------------------------------------

    def _sliding_seen(self, key: str, expiry: int, fresh: bool) -> tuple[Seen, float]:
        """The key's current and previous window counts, and the moment they hold for.

        From what this process saw (with `fresh`, only if recent), else from one Query
        (Limit 2, newest first) matched by SK. The moment is taken after the Query
        answers, as limits takes its own after this call returns.
        """
        now = self._clock()
        start = window_start(now, expiry)
        seen = self.seen.get(key)
        if (
            seen is not None
            and seen.start == start
            and seen.previous is not None
            and (seen.fresh() or not fresh)
        ):
            return seen, now
        windows = self._windows(key, 2)
        now = self._clock()
        start = window_start(now, expiry)
        counts = {window.SK: int(window.Data.count) for window in windows}
        seen = Seen(
            start,
            start + expiry,
            counts.get(self._sk(start), 0),
            counts.get(self._sk(start - expiry), 0),
            time.monotonic(),
        )
        self.seen.put(key, seen)
        return seen, now

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        seen, now = self._sliding_seen(key, expiry, fresh=True)
        counts = {seen.start: seen.current, seen.start - expiry: seen.previous or 0}
        return sliding_window(counts, now, expiry)

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        """One conditional UpdateItem whose condition enforces the limit.

        The weights come from the closed previous window, read once per window; the
        current count this process saw is a lower bound, enough to refuse without a call.
        The hit goes into the window of the moment its weights were taken.
        """
        if amount > limit:
            return False
        seen, now = self._sliding_seen(key, expiry, fresh=False)
        previous_ttl = seen.end - now
        # limits allows a hit while floor(previous * weight + current) + amount <= limit;
        # with an integer current count that is: current + amount <= limit - floor(weighted).
        ceiling = limit - math.floor((seen.previous or 0) * previous_ttl / expiry)
        if seen.current + amount > ceiling:
            return False
        count = self._add(key, seen.start, expiry, amount, ceiling, exists=seen.current > 0)
        if count is None:
            # Over the limit: other workers counted more than this process saw.
            self.seen.put(key, replace(seen, current=ceiling - amount + 1, at=-math.inf))
            return False
        self.seen.put(key, replace(seen, current=count, at=time.monotonic()))
        return True

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        self.clear(key)
