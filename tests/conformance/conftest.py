"""Run limits' strategy tests against `dynamodb://`: storage options, a fresh table per test,
and the moving-window tests deselected."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pynamodb.models import Model

from mediphant.store import keys
from mediphant.store.local import LocalEngine
from mediphant.store.ratelimit import DynamoDBStorage
from tests.conftest import ProxiedEngine
from tests.counter_model import counter_model

MOVING_WINDOW_REASON = (
    "moving window is refused by dynamodb:// by design: it needs the time of every hit in "
    "the window, an item (or a list entry) per hit, where the seed keeps one counter per window"
)


WARM_UP_HITS = 400


@pytest.fixture(scope="session")
def warm_engine(engine: ProxiedEngine) -> LocalEngine:
    """DynamoDB Local itself, after a few hundred rounds of the storage's calls.

    Upstream's timings assume a fast, warm server: one of its tests expects a reset time
    to within 30 ms after four storage calls. DynamoDB Local's first calls are slower while
    Java compiles its code, and the tests' fault proxy (a thread of this process, which
    only the app's GSI1 reads need) adds a hop to every call, so these tests skip it.
    """
    local = engine.local
    model = counter_model(local.url, f"limits-warm-up-{uuid.uuid4().hex[:12]}")
    model.create_table(wait=True)
    try:
        storage = DynamoDBStorage(model=model, keys=keys)
        for n in range(WARM_UP_HITS):
            # Each call the strategies make: the counter, the window read, the conditional
            # hit of the sliding window (the call the timed test makes most).
            storage.incr(f"warm-up-{n % 10}", 60)
            storage.get_sliding_window(f"warm-up-{n % 10}", 60)
            storage.acquire_sliding_window_entry(f"warm-up-{n % 10}", 10_000, 60)
            storage.seen.forget()
    finally:
        model.delete_table()
    return local


@pytest.fixture
def fixture(warm_engine: LocalEngine) -> Iterator[type[Model]]:
    """A counter table of its own, created empty for each test and dropped after it."""
    model = counter_model(warm_engine.url, f"limits-conformance-{uuid.uuid4().hex[:12]}")
    model.create_table(wait=True)
    try:
        yield model
    finally:
        model.delete_table()


@pytest.fixture
def args(fixture: type[Model]) -> dict[str, Any]:
    """The storage options: that table's model and the seed's key format."""
    return {"model": fixture, "keys": keys}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    refused = [item for item in items if item.get_closest_marker("moving_window")]
    if refused:
        config.hook.pytest_deselected(items=refused)
        items[:] = [item for item in items if item not in refused]
        config.stash[_DESELECTED] = len(refused)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    count = config.stash.get(_DESELECTED, 0)
    if count:
        terminalreporter.write_line(
            f"{count} limits moving-window tests deselected: {MOVING_WINDOW_REASON}"
        )


_DESELECTED = pytest.StashKey[int]()
