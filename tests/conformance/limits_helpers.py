"""The helpers limits' tests/test_strategy.py imports from its `tests.utils`, for our storage.

The sdist ships the strategy tests without their helpers; these are our own, with the
storage lists naming only `dynamodb://`. `args` and `fixture` are indirect: conftest.py
turns them into the storage options of a freshly created table (upstream's fixtures flush
their servers before each test).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from limits import RateLimitItem

F = TypeVar("F", bound=Callable[..., Any])

# Every window of our storage starts on a multiple of its length since the epoch. The
# second-scale limits of the fixed-start tests last 1 or 2 seconds, and every longer
# window the tests use (2 minutes, an hour, a day) is a whole number of 2-second windows.
ALIGNMENT_SECONDS = 2


def _storage_list(*marks: pytest.MarkDecorator) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        "uri, args, fixture",
        [pytest.param("dynamodb://", None, None, id="dynamodb", marks=list(marks))],
        indirect=["args", "fixture"],
    )


all_storage = _storage_list()
sliding_window_counter_storage = _storage_list()
# Refused by design (see the README): conftest.py deselects these and says why.
moving_window_storage = _storage_list(pytest.mark.moving_window)


def fixed_start(test: F) -> F:
    """Start the test at the start of a window, as upstream's helper does for its storages.

    Upstream's storages start a window at the first hit, so it waits for the next whole
    second; ours start windows on the clock, so it waits for the next even second, where
    a 1- or 2-second window (and every longer one the tests use) begins.
    """

    @functools.wraps(test)
    def started(*args: Any, **kwargs: Any) -> Any:
        time.sleep(ALIGNMENT_SECONDS - time.time() % ALIGNMENT_SECONDS)
        return test(*args, **kwargs)

    return started  # type: ignore[return-value]


@contextlib.contextmanager
def window(delay_end: float, delay: float | None = None) -> Iterator[tuple[float, float]]:
    """Yield (start, start + delay_end) after `delay` seconds; leave no sooner than delay_end."""
    start = time.time()
    if delay is not None:
        time.sleep(max(0.0, start + delay - time.time()))
    yield start, start + delay_end
    time.sleep(max(0.0, start + delay_end - time.time()))


def timestamp_based_key_ttl(item: RateLimitItem, now: float | None = None) -> float:
    """Seconds left in the clock-aligned window of `item` that holds `now`."""
    moment = time.time() if now is None else now
    expiry = item.get_expiry()
    return expiry - moment % expiry
