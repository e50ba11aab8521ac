"""DynamoDB calls and capacity units per rate-limit hit of the dynamodb:// storage.

Run from the repository root:  .venv/bin/python bench/bench_ratelimit.py

Starts an in-memory DynamoDB Local, creates the single table and drives the storage as
flask-limiter does, one path at a time. Calls are counted with PynamoDB's send signal;
units are those DynamoDB reports with ReturnConsumedCapacity=TOTAL (PynamoDB asks for
them and logs them at DEBUG). A write whose condition fails is answered with an error
that reports no units: those calls are listed under "conditional failures".

Prints a markdown table; makes no assertions.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from limits import RateLimitItemPerMinute  # noqa: E402
from limits.strategies import (  # noqa: E402
    FixedWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)
from pynamodb.signals import pre_dynamodb_send  # noqa: E402

from mediphant import store  # noqa: E402
from mediphant.store import keys, table  # noqa: E402
from mediphant.store.local import LocalEngine  # noqa: E402
from mediphant.store.models import RateLimitItem  # noqa: E402
from mediphant.store.ratelimit import DynamoDBStorage  # noqa: E402


class Recorder(logging.Handler):
    """Operations sent, units reported and conditional failures, between two reset() calls."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.reset()

    def reset(self) -> None:
        self.operations: list[str] = []
        self.units = 0.0
        self.failed = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s %s consumed %s units":
            self.units += float(record.args[2])  # type: ignore[index, arg-type]

    def on_send(self, sender: Any, operation_name: str, **_: Any) -> None:
        self.operations.append(operation_name)

    def on_failed(self, exc: Exception) -> None:
        self.failed += 1


def main() -> None:
    recorder = Recorder()
    logger = logging.getLogger("pynamodb")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(recorder)
    pre_dynamodb_send.connect(recorder.on_send, weak=False)

    engine = LocalEngine().start()
    try:
        # A generous time-out: a cold engine answers its first calls slowly.
        name = f"bench-ratelimit-{uuid.uuid4().hex[:8]}"
        store.configure(name, "us-east-1", engine.url, timeout_seconds=5.0)
        table.create()

        def storage() -> DynamoDBStorage:
            """A new storage: a worker process that has seen nothing yet."""
            return DynamoDBStorage(
                "dynamodb://",
                model=RateLimitItem,
                keys=keys,
                on_condition_failed=recorder.on_failed,
            )

        limit = RateLimitItemPerMinute(3)
        fixed = FixedWindowRateLimiter(storage())
        sliding = SlidingWindowCounterRateLimiter(storage())
        other_worker = SlidingWindowCounterRateLimiter(storage())

        def with_headers(limiter: Any, client: str) -> Callable[[], object]:
            # What flask-limiter does per limited request: a hit, then the header values.
            return lambda: (limiter.hit(limit, client), limiter.get_window_stats(limit, client))

        def measure(label: str, action: Callable[[], object]) -> None:
            recorder.reset()
            action()
            calls = ", ".join(recorder.operations) or "none"
            print(f"| {label} | {calls} | {recorder.units:g} | {recorder.failed} |")

        print("| path (a limit of 3 per minute) | calls | units reported | conditional failures |")
        print("| --- | --- | --- | --- |")
        measure("fixed: first hit of a window, with headers", with_headers(fixed, "f"))
        measure("fixed: a later hit, with headers", with_headers(fixed, "f"))
        fixed.hit(limit, "f")
        measure("fixed: a hit over the limit, with headers", with_headers(fixed, "f"))
        measure("sliding: first hit of a window, with headers", with_headers(sliding, "s"))
        measure("sliding: a later hit, with headers", with_headers(sliding, "s"))
        measure(
            "sliding: a hit in a worker new to the key, with headers",
            with_headers(other_worker, "s"),
        )
        measure(
            "sliding: over the limit, as this worker saw the window fill",
            lambda: other_worker.hit(limit, "s"),
        )
        measure(
            "sliding: over the limit, filled by another worker",
            lambda: sliding.hit(limit, "s"),
        )
    finally:
        engine.stop()


if __name__ == "__main__":
    main()
