"""Prometheus metrics: HTTP and DynamoDB latency, errors, throttles, migration reads, 429s.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set by gunicorn.conf.py) makes every worker
write its samples to files that /metrics aggregates, so the figures cover all workers.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from pynamodb.exceptions import PynamoDBException
from pynamodb.signals import post_dynamodb_send, pre_dynamodb_send

from mediphant import store
from mediphant.store import searches
from mediphant.store.guard import GUARD, Skipped

# Buckets around the seed's "single-digit millisecond" promise, up to the 2 s timeout.
LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
THROTTLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
}

HTTP_LATENCY = Histogram(
    "mediphant_http_request_duration_seconds",
    "Time to answer a request, by endpoint, method and status.",
    ["endpoint", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
DYNAMODB_LATENCY = Histogram(
    "mediphant_dynamodb_operation_duration_seconds",
    "Time of one DynamoDB call as PynamoDB sent it, by operation.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
DYNAMODB_ERRORS = Counter(
    "mediphant_dynamodb_errors_total",
    "DynamoDB calls that failed, by operation and error code.",
    ["operation", "code"],
)
DYNAMODB_THROTTLES = Counter(
    "mediphant_dynamodb_throttles_total",
    "DynamoDB calls refused for capacity, by operation.",
    ["operation"],
)
HISTORY_READS = Counter(
    "mediphant_history_reads_total",
    "History reads by side (memory, dynamodb) and outcome (hit, miss, error, fallback: "
    "a gradual-reads miss on DynamoDB served from memory).",
    ["source", "outcome"],
)
RATE_LIMITED = Counter(
    "mediphant_rate_limit_rejections_total",
    "Requests refused with 429, by endpoint.",
    ["endpoint"],
)

DYNAMODB_TIMEOUTS = Counter(
    "mediphant_dynamodb_timeouts_total",
    "DynamoDB calls that got no answer within the read time-out, by operation.",
    ["operation"],
)
DYNAMODB_SKIPPED = Counter(
    "mediphant_dynamodb_skipped_total",
    "DynamoDB calls not made, by reason: circuit open, budget spent, too many waiting.",
    ["operation", "reason"],
)
DYNAMODB_RETRIES = Counter(
    "mediphant_dynamodb_retries_total",
    "DynamoDB calls tried a second time within the request's budget, by operation.",
    ["operation"],
)
BREAKER_STATE = Gauge(
    "mediphant_dynamodb_breaker_state",
    "Circuit breaker of each worker: 0 closed, 1 half-open, 2 open.",
    multiprocess_mode="livemax",
)
BREAKER_TRANSITIONS = Counter(
    "mediphant_dynamodb_breaker_transitions_total",
    "Breaker state changes, by new state and what tripped it.",
    ["state", "problem"],
)
FAQ_SEARCHES_DROPPED = Counter(
    "mediphant_faq_searches_dropped_total",
    "FAQ searches dropped from a worker's pending analytics (queue full while the table "
    "could not be written).",
)
BREAKER_LEVEL = {"closed": 0, "half-open": 1, "open": 2}

_inflight = threading.local()


def observe_history_read(source: str, outcome: str) -> None:
    """Migration read counters: which side served a read, and how."""
    HISTORY_READS.labels(source, outcome).inc()


def _before_send(sender: Any, operation_name: str, **_: Any) -> None:
    pending = getattr(_inflight, "call", None)
    if pending is not None:  # the previous call on this thread never completed
        DYNAMODB_ERRORS.labels(pending[0], "unobserved").inc()
    _inflight.call = (operation_name, time.perf_counter())


def _after_send(sender: Any, operation_name: str, **_: Any) -> None:
    pending = getattr(_inflight, "call", None)
    if pending is not None:
        DYNAMODB_LATENCY.labels(operation_name).observe(time.perf_counter() - pending[1])
    _inflight.call = None


def record_store_error(exc: PynamoDBException, expected: bool) -> None:
    """Count a failed DynamoDB call by its error code; planned-for failures only end the timing."""
    pending = getattr(_inflight, "call", None)
    _inflight.call = None
    operation = pending[0] if pending else type(exc).__name__
    if pending:
        DYNAMODB_LATENCY.labels(operation).observe(time.perf_counter() - pending[1])
    if expected or isinstance(exc.cause, Skipped):  # skipped calls have their own counter
        return
    code = store.error_code(exc) or "ConnectionError"
    DYNAMODB_ERRORS.labels(operation, code).inc()
    if code in THROTTLE_CODES:
        DYNAMODB_THROTTLES.labels(operation).inc()


def record_guard_event(event: str, operation: str) -> None:
    """The guard skipped, timed out or retried a call."""
    if event == "timeout":
        DYNAMODB_TIMEOUTS.labels(operation).inc()
    elif event == "retry":
        DYNAMODB_RETRIES.labels(operation).inc()
    elif event.startswith("skipped:"):
        DYNAMODB_SKIPPED.labels(operation, event.removeprefix("skipped:")).inc()


def record_breaker_state(state: str, problem: str) -> None:
    BREAKER_STATE.set(BREAKER_LEVEL[state])
    BREAKER_TRANSITIONS.labels(state, problem or "none").inc()


def install() -> None:
    """Connect to PynamoDB's send signals and the store's error hook (once per process)."""
    if getattr(install, "done", False):
        return
    pre_dynamodb_send.connect(_before_send, weak=False)
    post_dynamodb_send.connect(_after_send, weak=False)
    store.ERROR_HOOKS.append(record_store_error)
    GUARD.hooks.append(record_guard_event)
    searches.DROP_HOOKS.append(FAQ_SEARCHES_DROPPED.inc)
    GUARD.breaker.listeners.append(record_breaker_state)
    BREAKER_STATE.set(0)
    install.done = True  # type: ignore[attr-defined]


def exposition() -> tuple[bytes, str]:
    """The text format, aggregated over all gunicorn workers when running multiprocess."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
