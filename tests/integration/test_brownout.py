"""A slow, silent, throttling or refusing DynamoDB, through the fault-injection proxy, under
real gunicorn with the production worker model and time-outs and concurrent clients.

The latency bounds here are generous (a loaded two-core machine runs the engine, the
proxy, gunicorn and the clients); the tight figures are bench/brownout.py's.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from mediphant.store import table
from tests.browsing import Answer, Visitor
from tests.conftest import INDEX_LAG, ProxiedEngine, eventually, make_app, stored
from tests.faultproxy import FaultProxy
from tests.live import PRODUCTION_STORAGE_LIMITS, away_from_minute_edge, serve

FAULTS: dict[str, dict[str, Any]] = {
    "answers after 0.5 s": {"latency": 0.5},
    "answers after 3 s": {"latency": 3.0},
    "never answers": {"hold": True},
    # Each piece of the answer sooner than the read time-out: no single read times out.
    "trickles its answers": {"drip": 0.2},
    "throttles": {"error": "ThrottlingException"},
    "internal errors": {"error": "InternalServerError"},
    "refuses connections": {"refuse": True},
}
SLOW = {
    "answers after 0.5 s",
    "answers after 3 s",
    "never answers",
    "trickles its answers",
    "throttles",
    "internal errors",
}
# Routes that need no DynamoDB answer: they must never wait for one.
LIGHT = (
    "/",
    "/faq",
    "/faq?q=missed+dose",
    "/api/faq?q=alcohol",
    "/api/medications?q=warf",
    "/list",
    "/healthz",
    "/metrics",
)
LOAD_SECONDS = 4.0


@pytest.fixture(scope="module")
def server(engine: ProxiedEngine) -> Iterator[tuple[str, str]]:
    """gunicorn as production runs it (gthread, the production storage time-outs), 3 workers."""
    name = "mediphant-brownout"
    app: Flask = make_app(engine, name)
    with app.app_context():
        table.create()
    env = {**PRODUCTION_STORAGE_LIMITS, "MEDIPHANT_RATE_LIMIT": "1000000 per minute"}
    try:
        with serve(engine.url, name, workers=3, env=env) as url:
            yield url, name
    finally:
        with make_app(engine, name).app_context():  # later tests configure other tables
            table.drop()


def _load(
    base: str, seconds: float, checkers: int = 6
) -> tuple[list[tuple[Visitor, Answer]], list[Answer]]:
    """Visitors checking in a loop, one more opening the light routes in turn."""
    checks: list[tuple[Visitor, Answer]] = []
    light: list[Answer] = []
    stop = time.monotonic() + seconds

    def checker() -> None:
        visitor = Visitor(base)
        while time.monotonic() < stop:
            checks.append((visitor, visitor.check()))

    def browser() -> None:
        visitor = Visitor(base)
        n = 0
        while time.monotonic() < stop:
            light.append(visitor.request("GET", LIGHT[n % len(LIGHT)]))
            n += 1

    threads = [threading.Thread(target=checker) for _ in range(checkers)]
    threads.append(threading.Thread(target=browser))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return checks, light


def _recovers(base: str, seconds: float) -> bool:
    """A check is saved again and /readyz says ok, with no manual step."""
    visitor = Visitor(base)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        saved = visitor.check().json().get("historySaved") is True
        ready = visitor.request("GET", "/readyz")
        if saved and ready.status == 200 and ready.json()["status"] == "ok":
            return True
        time.sleep(0.25)
    return False


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_brownout_degrades_cleanly_and_recovers(
    server: tuple[str, str], proxy: FaultProxy, dynamodb: Any, fault: str
) -> None:
    base, name = server
    assert _recovers(base, 15)  # the previous fault is over
    proxy.set(**FAULTS[fault], index_lag=INDEX_LAG)
    try:
        checks, light = _load(base, LOAD_SECONDS)
        ready = Visitor(base).request("GET", "/readyz")
    finally:
        proxy.set(index_lag=INDEX_LAG)

    _assert_every_request_answered(checks, light)
    unsaved = [a for _, a in checks if a.json()["historySaved"] is False]
    assert unsaved, "a check that could not be saved in time says so"
    assert max(a.seconds for _, a in checks) < 3.0
    if fault in SLOW:  # a slow engine: ready, but degraded (see web/health.py)
        assert ready.status == 200 and ready.json()["status"] == "degraded"
    else:
        assert ready.status == 503

    assert _recovers(base, 12)
    metrics = Visitor(base).request("GET", "/metrics").body.decode()
    assert "mediphant_dynamodb_breaker_state" in metrics
    assert 'mediphant_dynamodb_skipped_total{operation="PutItem",reason="circuit open"}' in metrics
    if fault in ("answers after 3 s", "never answers", "trickles its answers"):
        assert "mediphant_dynamodb_timeouts_total" in metrics

    _assert_nothing_acknowledged_lost(checks, dynamodb, name)


# An engine that fails now and then, not always: a share of the calls gets the fault.
INTERMITTENT: dict[str, dict[str, Any]] = {
    "30% internal errors": {"error": "InternalServerError", "share": 0.3},
    "30% throttled": {"error": "ProvisionedThroughputExceededException", "share": 0.3},
    "20% answered after 0.5 s": {"latency": 0.5, "share": 0.2},
    "20% of history writes lost before the answer": {
        "cut": True,
        "share": 0.2,
        "operations": frozenset({"PutItem"}),
    },
}


@pytest.mark.parametrize("fault", list(INTERMITTENT))
def test_an_intermittent_fault_loses_nothing_and_most_checks_are_saved(
    server: tuple[str, str], proxy: FaultProxy, dynamodb: Any, fault: str
) -> None:
    """One retry within the budget absorbs a fault that is not there the second time:
    most checks are saved. (Three checkers, not six: on two loaded cores the healthy engine
    itself can answer slower than the breaker's 0.25 s, and a run of those opens it.)"""
    base, name = server
    assert _recovers(base, 15)
    proxy.set(**INTERMITTENT[fault], index_lag=INDEX_LAG)
    try:
        checks, light = _load(base, LOAD_SECONDS, checkers=3)
    finally:
        proxy.set(index_lag=INDEX_LAG)
    _assert_every_request_answered(checks, light)
    saved = [a.json()["historySaved"] for _, a in checks]
    assert sum(saved) >= 0.5 * len(saved), f"{sum(saved)} of {len(saved)} saved"
    _assert_nothing_acknowledged_lost(checks, dynamodb, name)


def _assert_every_request_answered(
    checks: list[tuple[Visitor, Answer]], light: list[Answer]
) -> None:
    """No 5xx anywhere, every check answered, the light routes' p95 under a second."""
    answers = [answer for _, answer in checks] + light
    assert all(0 < a.status < 500 for a in answers), Counter(a.status for a in answers)
    assert all(a.status == 200 and a.json()["reason"] for _, a in checks)
    slowest_light = sorted(a.seconds for a in light)[int(len(light) * 0.95)]
    assert slowest_light < 1.0, sorted(a.seconds for a in light)[-5:]


def _assert_nothing_acknowledged_lost(
    checks: list[tuple[Visitor, Answer]], dynamodb: Any, table_name: str
) -> None:
    """Every check answered historySaved: true is in the table."""
    acknowledged: Counter[str] = Counter()
    for visitor, answer in checks:
        if answer.json()["historySaved"]:
            acknowledged[_session_of(visitor)] += 1
    items = Counter(
        item["Data"]["M"]["sessionId"]["S"] for item in stored(dynamodb, table_name, "QUERY")
    )
    assert all(items[sid] >= count for sid, count in acknowledged.items())


def _session_of(visitor: Visitor) -> str:
    import base64
    import json
    import zlib

    (cookie,) = [c.value for c in visitor.cookies if c.name == "session"]
    compressed = cookie.startswith(".")
    payload = cookie.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(data) if compressed else data)["sid"]


def test_faq_searches_overshoot_the_shared_budget_by_a_bounded_few(
    engine: ProxiedEngine, dynamodb: Any, table_name: str
) -> None:
    """4 workers, 100 per minute: 300 parallel searches from one client let 100 to 110
    through, and the RATE_LIMIT item counts every one of them within about a second."""
    app = make_app(engine, table_name)
    with app.app_context():
        table.create()
    env = {
        **PRODUCTION_STORAGE_LIMITS,
        "MEDIPHANT_RATE_LIMIT": "100 per minute",
        "MEDIPHANT_DYNAMODB_TIMEOUT": "3",  # a busy machine must not turn this into a brownout
        "MEDIPHANT_DYNAMODB_BUDGET": "10",
        "MEDIPHANT_DYNAMODB_SLOW": "3",
    }
    with serve(engine.url, table_name, workers=4, env=env) as base:
        away_from_minute_edge()
        visitor = Visitor(base)
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(
                pool.map(lambda _: visitor.request("GET", "/api/faq?q=dose"), range(300))
            )
        passed = sum(1 for a in answers if a.status == 200)
        assert {a.status for a in answers} <= {200, 429}
        assert 100 <= passed <= 110, passed

        def counted() -> int:
            return sum(
                int(i["Data"]["M"]["count"]["N"])
                for i in stored(dynamodb, table_name, "RATE_LIMIT")
            )

        assert eventually(lambda: counted() >= passed, seconds=2.0)
    with app.app_context():
        table.drop()
