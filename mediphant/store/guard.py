"""Every DynamoDB call passes through here: a deadline, one retry, a circuit breaker that
trips on failures and on slowness, and a bound on how many calls may wait at once.

A slow engine must degrade the app as cleanly as a dead one. Each call gets a short read
time-out and the request a storage budget; a run of failed or slow calls opens the
breaker, and while it is open every call is skipped at once, so no request waits on an
engine that is not answering in time. After `open_seconds` one call probes the engine
(half-open); a fast answer closes the breaker again.

A skipped call raises `Skipped`, a botocore error: PynamoDB wraps it like any connection
failure, so repositories, the rate-limit storage and flask-limiter's fallback handle it
the way they handle an outage.

botocore's read time-out bounds each read of the socket, not the call: an answer that
trickles in, each piece sooner than the time-out, can take any time. So each call is sent
from one of the process's sender threads and waited for only until the request's deadline;
a call still unanswered then counts as a time-out, and its sender thread keeps its waiting
slot until the answer ends.

pybreaker was considered and not used: `CircuitBreaker.call` holds the breaker's lock for
the whole guarded call, which would serialise every DynamoDB call of a threaded worker,
and it has no notion of a slow success.
"""

from __future__ import annotations

import contextvars
import os
import queue
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

T = TypeVar("T")

CLOSED, HALF_OPEN, OPEN = "closed", "half-open", "open"
# What may trip the breaker while the engine still answers, only not in time.
SLOW_PROBLEMS = {"slow", "timeout", "throttled", "error"}
# Error codes worth one more try after a short pause: capacity and transient server faults.
RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}


# Calls that do the same when sent twice. A conditional put or delete is not among them
# (its second copy would fail the condition its first one met), nor is an UpdateItem (an
# ADD would count twice).
RESENDABLE = {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "BatchWriteItem"}


def resendable(operation: str, kwargs: dict[str, Any]) -> bool:
    if operation in {"PutItem", "DeleteItem"}:
        return "ConditionExpression" not in kwargs
    return operation in RESENDABLE


# How long a thread kept for light pages may wait for a DynamoDB slot (see light_thread).
LIGHT_SLOT_WAIT = 0.05


# Operator actions (db create/drop, TTL set-up) are not guarded: they run from the CLI and
# at release time, where waiting is right and a breaker would only get in the way.
UNGUARDED = {
    "CreateTable",
    "DeleteTable",
    "UpdateTable",
    "UpdateTimeToLive",
    "DescribeTimeToLive",
    "ListTables",
}


class Skipped(BotoCoreError):
    """The call was not made: the breaker is open, the budget is spent, or too many wait."""

    fmt = "DynamoDB call skipped: {reason}"


@dataclass(frozen=True)
class Limits:
    """The storage budget (seconds). Documented in the README's configuration table."""

    budget: float = 0.8  # all calls and retries of one request
    slow: float = 0.25  # a call slower than this counts against the breaker
    retries: int = 1  # after throttling, a transient server error or a refused connection
    trip_after: int = 5  # consecutive failed or slow calls that open the breaker
    open_seconds: float = 3.0  # how long the breaker stays open before one probe
    max_waiting: int = 3  # calls of one process in flight at once (below gunicorn's threads)


Listener = Callable[..., None]


def slow_not_absent(exc: BaseException) -> bool:
    """Did the engine take the call and answer too late, or refuse it for capacity (as
    opposed to not being reachable at all)? A call skipped while the breaker is open counts
    by what tripped it; one skipped for a budget or slots taken by slow calls, as slow.
    """
    if isinstance(exc, Skipped):
        if exc.kwargs.get("reason") == "circuit open":
            return GUARD.breaker.problem in SLOW_PROBLEMS
        return True  # the budget went on slow calls, or slow calls hold every slot
    if isinstance(exc, ReadTimeoutError):
        return True
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code", "") in RETRYABLE
    return False


class Breaker:
    """Closed, open or half-open; trips on consecutive failures or slow calls."""

    def __init__(self, trip_after: int, open_seconds: float) -> None:
        self.trip_after = trip_after
        self.open_seconds = open_seconds
        self.state = CLOSED
        self.problem = ""  # what tripped it: "slow", "timeout", "unreachable", "throttled", "error"
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self._lock = threading.Lock()
        self.listeners: list[Callable[[str, str], None]] = []  # (new state, problem)

    def admit(self) -> bool:
        """May a call be made now? In half-open, exactly one probe is let through."""
        with self._lock:
            if self.state == CLOSED:
                return True
            if self.state == OPEN and time.monotonic() - self._opened_at >= self.open_seconds:
                self._set(HALF_OPEN)
            if self.state == HALF_OPEN and not self._probing:
                self._probing = True
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0
            self._probing = False
            if self.state != CLOSED:
                self.problem = ""
                self._set(CLOSED)

    def failed(self, problem: str) -> None:
        with self._lock:
            self._failures += 1
            self._probing = False
            if self.state == HALF_OPEN or (
                self.state == CLOSED and self._failures >= self.trip_after
            ):
                self.problem = problem
                self._opened_at = time.monotonic()
                self._set(OPEN)

    def release_probe(self) -> None:
        """A probe ended without telling anything about the engine (e.g. skipped)."""
        with self._lock:
            self._probing = False

    def _set(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        for listener in self.listeners:
            listener(state, self.problem)


class Senders:
    """Daemon threads that make the calls a request waits for, so that it can stop waiting
    at its deadline (a call cut short in the middle of an answer cannot be resumed, and
    a process must be able to exit while one still trickles in)."""

    def __init__(self, threads: int) -> None:
        self.pid = os.getpid()
        self._threads = threads
        self._work: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        for n in range(threads):
            threading.Thread(target=self._run, name=f"dynamodb-{n}", daemon=True).start()

    def close(self) -> None:
        """Let each thread end once the call it is making, if any, ends."""
        for _ in range(self._threads):
            self._work.put(None)

    def submit(self, send: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._work.put((send, future))
        return future

    def _run(self) -> None:
        while (work := self._work.get()) is not None:
            send, future = work
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(send())
            except BaseException as exc:  # handed to the waiting request, raised there
                future.set_exception(exc)


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "dynamodb_deadline", default=None
)


class Guard:
    """One per process: wraps the connection's API calls (see `store.configure`)."""

    def __init__(self, limits: Limits | None = None) -> None:
        self._senders: Senders | None = None  # made when first needed, after a fork
        self.configure(limits or Limits())
        # (event, operation) hooks: "skipped:<reason>", "timeout", "retry"; metrics subscribe.
        self.hooks: list[Callable[[str, str], None]] = []
        self._calls: dict[object, float] = {}  # calls in flight: their start times
        self._calls_lock = threading.Lock()
        self._thread = threading.local()  # .light: a thread kept for pages that need no table

    def configure(self, limits: Limits) -> None:
        self.limits = limits
        previous = getattr(self, "breaker", None)
        self.breaker = Breaker(limits.trip_after, limits.open_seconds)
        if previous is not None:  # a new configuration keeps who listens to the breaker
            self.breaker.listeners = previous.listeners
        self._waiting = threading.BoundedSemaphore(limits.max_waiting)
        senders, self._senders = self._senders, None  # sized to the new slots when next needed
        if senders is not None and senders.pid == os.getpid():
            senders.close()

    # --- the request's budget ----------------------------------------------------

    def start_budget(self, seconds: float | None = None) -> contextvars.Token[float | None]:
        """From now on, this request's calls and retries must end within the budget."""
        return _deadline.set(time.monotonic() + (seconds or self.limits.budget))

    def end_budget(self, token: contextvars.Token[float | None] | None = None) -> None:
        if token is not None:
            _deadline.reset(token)
        else:
            _deadline.set(None)

    def remaining(self) -> float:
        deadline = _deadline.get()
        return self.limits.budget if deadline is None else deadline - time.monotonic()

    def light_thread(self) -> None:
        """Mark the calling thread as one kept for pages that must not wait on the table
        (mediphant/worker.py): when every slot is taken, its calls wait for one at most
        LIGHT_SLOT_WAIT (a healthy engine frees one sooner), then are skipped."""
        self._thread.light = True

    # --- one call ------------------------------------------------------------------

    def _tell(self, event: str, operation: str) -> None:
        for hook in self.hooks:
            hook(event, operation)

    def _skip(self, reason: str, operation: str) -> Skipped:
        self._tell(f"skipped:{reason}", operation)
        return Skipped(reason=reason)

    def _admit(self, deadline: float, operation: str) -> threading.BoundedSemaphore:
        """Take a waiting slot for one attempt, or raise Skipped without calling.

        Returns the semaphore the slot came from (a new configuration may replace it).
        """
        if deadline - time.monotonic() <= 0:
            raise self._skip("budget spent", operation)
        if not self.breaker.admit():
            raise self._skip("circuit open", operation)
        slots = self._waiting
        if slots.acquire(blocking=False):
            return slots
        # Every slot is taken. A healthy engine frees one well within a slow call's time, so
        # wait, but only until the oldest call holding one has taken that long: then the
        # engine is slow, and this thread must not wait on it (it may be the one a page
        # that needs no table is queued for). A shorter wait would skip calls of a busy but
        # healthy engine, and with them the shared rate limit's exact count. A light
        # page's optional read (the form page's history) waits briefly at most.
        limit = LIGHT_SLOT_WAIT if getattr(self._thread, "light", False) else self.limits.slow
        wait = min(
            limit,
            self.limits.slow - self._oldest_call_age(),
            deadline - time.monotonic(),
        )
        if wait <= 0 or not slots.acquire(timeout=wait):
            if self._oldest_call_age() > self.limits.budget:
                # Calls left behind at their deadline still hold the slots, and would
                # tell the breaker nothing more until the engine answers them.
                self.breaker.failed("timeout")
            else:
                self.breaker.release_probe()
            raise self._skip("too many waiting", operation)
        return slots

    def _oldest_call_age(self) -> float:
        with self._calls_lock:
            oldest = min(self._calls.values(), default=None)
        return 0.0 if oldest is None else time.monotonic() - oldest

    def call(self, operation: str, send: Callable[[], T], may_resend: bool = False) -> T:
        """Make one API call within the budget, with at most `retries` more attempts.

        `may_resend`: sending the call twice does what sending it once does (a read, an
        unconditional put or delete), so a connection lost before the answer is retried too.
        """
        deadline = _deadline.get()
        if deadline is None:  # outside a request: the call gets a budget of its own
            deadline = time.monotonic() + self.limits.budget
        attempt = 0
        while True:
            slots = self._admit(deadline, operation)
            started = time.monotonic()
            ticket = object()
            with self._calls_lock:
                self._calls[ticket] = started
            future = self._sender().submit(send)
            try:
                result = future.result(timeout=max(0.0, deadline - started))
            except FutureTimeout:  # still unanswered at the deadline: its thread keeps the slot
                future.add_done_callback(lambda _, t=ticket, s=slots: self._end(t, s))
                self.breaker.failed("timeout")
                self._tell("timeout", operation)
                raise ReadTimeoutError(endpoint_url="(the request's deadline)") from None
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in RETRYABLE:  # an answer: a failed condition, a bad request
                    self._settle(started)
                    raise
                self.breaker.failed(
                    "throttled" if "xceeded" in code or "Throttl" in code else "error"
                )
                error: Exception = exc
            except ReadTimeoutError:  # the engine took the request and did not answer in time
                self.breaker.failed("timeout")
                self._tell("timeout", operation)
                raise
            except BotoConnectionError as exc:  # refused or connect time-out: never sent
                self.breaker.failed("unreachable")
                error = exc
            except HTTPClientError as exc:  # lost mid-answer: a write may have landed
                self.breaker.failed("unreachable")
                if not may_resend:
                    raise
                error = exc
            except BotoCoreError:
                self.breaker.failed("unreachable")
                raise
            else:
                self._settle(started)
                return result
            finally:
                if future.done():
                    self._end(ticket, slots)
            attempt += 1
            pause = random.uniform(0.01, 0.05)
            if attempt > self.limits.retries or deadline - time.monotonic() < pause:
                raise error
            self._tell("retry", operation)
            time.sleep(pause)

    def _sender(self) -> Senders:
        """This process's sender threads, one per waiting slot (made after a fork)."""
        senders = self._senders
        if senders is None or senders.pid != os.getpid():
            senders = self._senders = Senders(self.limits.max_waiting)
        return senders

    def _end(self, ticket: object, slots: threading.BoundedSemaphore) -> None:
        """A call's answer has ended: free its waiting slot."""
        with self._calls_lock:
            if self._calls.pop(ticket, None) is None:
                return
        slots.release()

    def _settle(self, started: float) -> None:
        """An answer came: fast ones close the breaker, slow ones count against it."""
        if time.monotonic() - started > self.limits.slow:
            self.breaker.failed("slow")
        else:
            self.breaker.succeeded()

    def wrap(
        self, make_api_call: Callable[[str, dict[str, Any]], T]
    ) -> Callable[[str, dict[str, Any]], T]:
        """Guard a PynamoDB connection's `_make_api_call` (one choke point for every call)."""

        def guarded_call(operation_name: str, operation_kwargs: dict[str, Any]) -> T:
            if operation_name in UNGUARDED:
                return make_api_call(operation_name, operation_kwargs)
            return self.call(
                operation_name,
                lambda: make_api_call(operation_name, operation_kwargs),
                resendable(operation_name, operation_kwargs),
            )

        return guarded_call


GUARD = Guard()
