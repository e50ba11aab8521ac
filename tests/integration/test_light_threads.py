"""The worker's own threads for pages that need no table (mediphant/worker.py), under real
gunicorn: while every other thread of the worker waits on a silent engine, those pages
still answer at once. gunicorn's plain gthread worker, the control, makes them wait."""

from __future__ import annotations

import threading
import time

import pytest

from mediphant.store import table
from tests.browsing import Answer, Visitor
from tests.conftest import INDEX_LAG, ProxiedEngine, make_app
from tests.faultproxy import FaultProxy
from tests.live import serve

LIGHT = ("/healthz", "/faq?q=missed+dose", "/api/faq?q=alcohol", "/api/medications?q=warf", "/list")
# Long time-outs, so that checks hold the worker's threads for seconds on a silent engine.
HOLDING = {
    "MEDIPHANT_DYNAMODB_TIMEOUT": "4",
    "MEDIPHANT_DYNAMODB_SLOW": "4",
    "MEDIPHANT_DYNAMODB_BUDGET": "10",
    "MEDIPHANT_RATE_LIMIT": "1000000 per minute",
}


@pytest.mark.parametrize(
    ("worker_class", "light_pages_wait"),
    [("mediphant.worker.LightFirstWorker", False), ("gthread", True)],
)
def test_light_pages_never_queue_behind_checks_on_a_silent_engine(
    engine: ProxiedEngine, proxy: FaultProxy, worker_class: str, light_pages_wait: bool
) -> None:
    name = "mediphant-light-threads"
    with make_app(engine, name).app_context():
        table.create()
    env = {**HOLDING, "GUNICORN_WORKER_CLASS": worker_class, "GUNICORN_THREADS": "4"}
    try:
        with serve(engine.url, name, workers=1, env=env) as base:
            returning = Visitor(base)
            assert returning.check().json()["historySaved"] is True
            proxy.set(hold=True, index_lag=INDEX_LAG)
            checks: list[Answer] = []
            held = [
                threading.Thread(target=lambda: checks.append(Visitor(base).check()))
                for _ in range(6)  # more than the worker's 4 threads
            ]
            try:
                for thread in held:
                    thread.start()
                time.sleep(0.5)  # every main thread now waits on the engine
                started = time.monotonic()
                light = [Visitor(base).request("GET", path) for path in LIGHT]
                form = returning.request("GET", "/")  # a returning visitor: history is read
                took = time.monotonic() - started
            finally:
                proxy.set(index_lag=INDEX_LAG)
                for thread in held:
                    thread.join()
    finally:
        with make_app(engine, name).app_context():
            table.drop()

    assert all(answer.status == 200 for answer in (*light, form))
    assert all(answer.status == 200 for answer in checks)
    if light_pages_wait:
        assert took > 2.0  # behind the checks' 4 s waits
        return
    assert took < 2.0, [(path, round(a.seconds, 2)) for path, a in zip(LIGHT, light, strict=True)]
    # The returning visitor's form page did not wait for a slot: it says what it lacks.
    assert "History is unavailable right now." in form.body.decode()
