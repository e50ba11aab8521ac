"""The storage guard's own logic: budget, retries, breaker and slots, without an engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from mediphant.config import Settings
from mediphant.store.guard import (
    CLOSED,
    HALF_OPEN,
    LIGHT_SLOT_WAIT,
    OPEN,
    Guard,
    Limits,
    Skipped,
    resendable,
)
from tests.live import PRODUCTION_STORAGE_LIMITS


def _throttled() -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException"}}, "PutItem")


def _guard(**limits: float) -> Guard:
    return Guard(Limits(**{"trip_after": 3, "open_seconds": 0.2, **limits}))


def test_a_fast_answer_passes_and_keeps_the_breaker_closed() -> None:
    guard = _guard()
    assert guard.call("GetItem", lambda: "item") == "item"
    assert guard.breaker.state == CLOSED


def test_slow_answers_trip_the_breaker_then_calls_are_skipped_until_a_probe() -> None:
    guard = _guard(slow=0.01)
    for _ in range(3):
        guard.call("GetItem", lambda: time.sleep(0.02))  # answered, but slowly
    assert guard.breaker.state == OPEN and guard.breaker.problem == "slow"
    called = []
    with pytest.raises(Skipped):
        guard.call("GetItem", lambda: called.append(1))
    assert not called
    time.sleep(0.25)
    assert guard.call("GetItem", lambda: "fast again") == "fast again"  # the probe
    assert guard.breaker.state == CLOSED


def test_a_failed_probe_opens_the_breaker_again() -> None:
    guard = _guard()
    guard.breaker.failed("timeout")
    for _ in range(2):
        guard.breaker.failed("timeout")
    time.sleep(0.25)

    def timeout() -> None:
        raise ReadTimeoutError(endpoint_url="http://engine")

    with pytest.raises(ReadTimeoutError):
        guard.call("Query", timeout)
    assert guard.breaker.state == OPEN


def test_half_open_lets_one_probe_through_at_a_time() -> None:
    guard = _guard()
    for _ in range(3):
        guard.breaker.failed("unreachable")
    time.sleep(0.25)
    assert guard.breaker.admit() is True
    assert guard.breaker.state == HALF_OPEN
    assert guard.breaker.admit() is False  # the probe is still out
    guard.breaker.succeeded()
    assert guard.breaker.state == CLOSED and guard.breaker.admit() is True


def test_throttling_is_retried_once_within_the_budget() -> None:
    guard = _guard(retries=1)
    attempts = []

    def throttled_once() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise _throttled()
        return "ok"

    assert guard.call("PutItem", throttled_once) == "ok" and len(attempts) == 2


def test_a_read_timeout_is_never_retried() -> None:
    guard = _guard(retries=1)
    attempts = []

    def timeout() -> None:
        attempts.append(1)
        raise ReadTimeoutError(endpoint_url="http://engine")

    with pytest.raises(ReadTimeoutError):
        guard.call("UpdateItem", timeout)
    assert len(attempts) == 1  # the write may have landed: no second UpdateItem ADD


def test_a_refused_connection_is_retried_then_raised() -> None:
    guard = _guard(retries=1)
    attempts = []

    def refused() -> None:
        attempts.append(1)
        raise EndpointConnectionError(endpoint_url="http://engine")

    with pytest.raises(EndpointConnectionError):
        guard.call("GetItem", refused)
    assert len(attempts) == 2


@pytest.mark.parametrize(("resend", "attempts"), [(True, 2), (False, 1)])
def test_a_connection_lost_before_the_answer_is_resent_only_if_that_is_harmless(
    resend: bool, attempts: int
) -> None:
    """The engine may have done it: an unconditional put or a read is sent again, an ADD
    (which would count twice) or a conditional put (whose copy would fail) is not."""
    guard = _guard(retries=1)
    sent = []

    def lost() -> None:
        sent.append(1)
        raise ConnectionClosedError(endpoint_url="http://engine")

    with pytest.raises(ConnectionClosedError):
        guard.call("PutItem", lost, resend)
    assert len(sent) == attempts


@pytest.mark.parametrize(
    ("operation", "kwargs", "expected"),
    [
        ("PutItem", {"Item": {}}, True),
        ("PutItem", {"Item": {}, "ConditionExpression": "attribute_not_exists (PK)"}, False),
        ("DeleteItem", {"Key": {}}, True),
        ("UpdateItem", {"Key": {}}, False),
        ("Query", {}, True),
        ("BatchWriteItem", {}, True),
        ("TransactWriteItems", {}, False),
    ],
)
def test_which_calls_may_be_sent_twice(operation: str, kwargs: dict, expected: bool) -> None:
    assert resendable(operation, kwargs) is expected


def test_a_spent_budget_skips_the_call() -> None:
    guard = _guard(budget=0.05)
    token = guard.start_budget()
    try:
        time.sleep(0.06)
        with pytest.raises(Skipped, match="budget spent"):
            guard.call("GetItem", lambda: "never")
    finally:
        guard.end_budget(token)


@contextmanager
def _slot_held(guard: Guard, free_after: float | None = None) -> Iterator[None]:
    """Another thread's call holds the guard's only slot; it lets go `free_after` seconds
    after the block starts (None: when the block ends)."""
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        inside.set()
        release.wait(2)

    worker = threading.Thread(target=lambda: guard.call("Query", hold))
    worker.start()
    inside.wait(2)
    freed = threading.Timer(free_after, release.set) if free_after is not None else None
    try:
        if freed is not None:
            freed.start()
        yield
    finally:
        release.set()
        worker.join()
        if freed is not None:
            freed.cancel()


def test_calls_beyond_the_waiting_bound_are_skipped() -> None:
    guard = _guard(max_waiting=1, slow=0.05)
    with _slot_held(guard), pytest.raises(Skipped, match="too many waiting"):
        guard.call("Query", lambda: "never")


def test_a_call_waits_for_a_slot_a_healthy_engine_frees_soon() -> None:
    guard = _guard(max_waiting=1, slow=1.0, budget=5.0)
    with _slot_held(guard, free_after=0.005):
        assert guard.call("Query", lambda: "waited") == "waited"


def test_no_call_waits_for_a_slot_held_by_a_call_already_slow() -> None:
    """Once the calls holding the slots are slow, the engine is: a thread that waited for
    one would be lost to pages that need no table. A slot freed soon after is not taken."""
    guard = _guard(max_waiting=1, slow=0.2, budget=5.0)
    with _slot_held(guard, free_after=0.35):
        time.sleep(0.25)  # the call holding the only slot is now slower than `slow`...
        with pytest.raises(Skipped, match="too many waiting"):
            guard.call("Query", lambda: "waited")  # ...though it lets go 0.1 s later


def test_a_light_pages_thread_waits_for_a_slot_only_briefly() -> None:
    """A thread kept for pages that need no table (mediphant/worker.py) takes a slot a
    healthy engine frees at once, but does not wait out a call that is merely not slow yet."""
    guard = _guard(max_waiting=1, slow=1.0, budget=5.0)
    answers: list[object] = []

    def light(free_after: float) -> None:
        guard.light_thread()
        with _slot_held(guard, free_after=free_after):
            try:
                answers.append(guard.call("Query", lambda: "waited"))
            except Skipped as skipped:
                answers.append(skipped)

    for free_after in (0.005, LIGHT_SLOT_WAIT + 0.3):
        thread = threading.Thread(target=light, args=(free_after,))
        thread.start()
        thread.join()
    assert answers[0] == "waited"
    assert isinstance(answers[1], Skipped)
    # Other threads still wait until the call holding the slot is slow.
    with _slot_held(guard, free_after=LIGHT_SLOT_WAIT + 0.05):
        assert guard.call("Query", lambda: "waited") == "waited"


def test_an_answer_that_trickles_past_the_deadline_is_not_waited_for() -> None:
    """botocore's read time-out bounds each read, not the call: an answer arriving a few
    bytes at a time never trips it. The request stops waiting at its deadline; the call
    keeps its slot until its answer ends, and a slot held past the budget counts against
    the breaker, so a trickling engine opens it like a silent one."""
    guard = _guard(max_waiting=1, budget=0.1, slow=0.05, trip_after=2)
    answered = threading.Event()
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        guard.call("PutItem", lambda: answered.wait(5))
    assert time.monotonic() - started < 0.5
    assert guard.breaker.state == CLOSED  # one time-out so far
    time.sleep(0.15)  # the call still holds the only slot, longer than a budget
    with pytest.raises(Skipped, match="too many waiting"):
        guard.call("GetItem", lambda: "never sent")
    assert guard.breaker.state == OPEN and guard.breaker.problem == "timeout"
    answered.set()  # the answer ends: its slot is free again
    time.sleep(0.25)
    assert guard.call("GetItem", lambda: "probe") == "probe"
    assert guard.breaker.state == CLOSED


def test_the_tests_production_limits_are_the_configured_defaults() -> None:
    defaults = Settings()
    assert float(PRODUCTION_STORAGE_LIMITS["MEDIPHANT_DYNAMODB_TIMEOUT"]) == (
        defaults.dynamodb_timeout_seconds
    )
    assert float(PRODUCTION_STORAGE_LIMITS["MEDIPHANT_DYNAMODB_BUDGET"]) == (
        defaults.dynamodb_budget_seconds
    )
    assert float(PRODUCTION_STORAGE_LIMITS["MEDIPHANT_DYNAMODB_SLOW"]) == (
        defaults.dynamodb_slow_seconds
    )
