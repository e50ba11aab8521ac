"""FAQ analytics under real gunicorn: one item per search whatever the number of workers,
in the table within a bounded delay, written on every graceful stop, kept through an
outage and through UnprocessedItems, never written twice."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mediphant.store import table
from tests.browsing import Visitor
from tests.conftest import INDEX_LAG, ProxiedEngine, eventually, make_app
from tests.faultproxy import FaultProxy
from tests.live import PRODUCTION_STORAGE_LIMITS, gunicorn, serve

UNLIMITED = {"MEDIPHANT_RATE_LIMIT": "1000000 per minute"}


@pytest.fixture
def fresh_table(engine: ProxiedEngine, table_name: str) -> Iterator[str]:
    app = make_app(engine, table_name)
    with app.app_context():
        table.create()
    yield table_name
    with app.app_context():
        table.drop()


def _searches(dynamodb: Any, table_name: str) -> int:
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table_name,
        FilterExpression="EntityType = :t",
        ExpressionAttributeValues={":t": {"S": "FAQ_SEARCH"}},
        Select="COUNT",
    )
    return sum(page["Count"] for page in pages)


def _search(base: str, n: int) -> None:
    answer = Visitor(base).request("GET", f"/api/faq?q=missed+dose+{n % 3}")
    assert answer.status == 200


def test_parallel_identical_searches_get_one_item_each(
    engine: ProxiedEngine, fresh_table: str, dynamodb: Any
) -> None:
    with serve(engine.url, fresh_table, workers=4, env=UNLIMITED) as base:
        visitor = Visitor(base)
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(
                pool.map(lambda _: visitor.request("GET", "/faq?q=missed+dose"), range(400))
            )
        assert all(a.status == 200 for a in answers)
        assert eventually(lambda: _searches(dynamodb, fresh_table) == 400, seconds=5)
    assert _searches(dynamodb, fresh_table) == 400  # nothing more at shutdown, nothing twice


def test_searches_on_a_quiet_app_reach_the_table_without_another_request(
    engine: ProxiedEngine, fresh_table: str, dynamodb: Any
) -> None:
    with serve(engine.url, fresh_table, workers=2, env=UNLIMITED) as base:
        for n in range(24):
            _search(base, n)
        assert eventually(lambda: _searches(dynamodb, fresh_table) == 24, seconds=3)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT", "SIGHUP", "max-requests"])
def test_a_graceful_stop_writes_every_pending_search(
    engine: ProxiedEngine, fresh_table: str, dynamodb: Any, stop: str
) -> None:
    env = dict(UNLIMITED)
    if stop == "max-requests":
        env["GUNICORN_CMD_ARGS"] = "--max-requests 5"
    with gunicorn(engine.url, fresh_table, workers=2, env=env) as server:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda n: _search(server.url, n), range(24)))
        if stop in ("SIGTERM", "SIGINT"):
            server.process.send_signal(getattr(signal, stop))
            server.process.wait(timeout=30)
            assert _searches(dynamodb, fresh_table) == 24
        elif stop == "SIGHUP":  # reload: the old workers stop gracefully, new ones start
            server.process.send_signal(signal.SIGHUP)
            assert eventually(lambda: _searches(dynamodb, fresh_table) == 24, seconds=5)
            _search(server.url, 0)  # still serving
        else:  # every worker is recycled after 5 requests
            assert eventually(lambda: _searches(dynamodb, fresh_table) == 24, seconds=5)


def test_pending_searches_outlive_an_outage_and_are_written_once(
    engine: ProxiedEngine, proxy: FaultProxy, fresh_table: str, dynamodb: Any
) -> None:
    with serve(
        engine.url, fresh_table, workers=2, env={**UNLIMITED, **PRODUCTION_STORAGE_LIMITS}
    ) as base:
        proxy.set(refuse=True)
        try:
            for n in range(20):
                _search(base, n)
            time.sleep(1.5)
        finally:
            proxy.set(index_lag=INDEX_LAG)
        assert _searches(dynamodb, fresh_table) == 0
        assert eventually(lambda: _searches(dynamodb, fresh_table) == 20, seconds=10)
        time.sleep(1.5)
        assert _searches(dynamodb, fresh_table) == 20


def test_unprocessed_items_are_retried_not_dropped(
    engine: ProxiedEngine, proxy: FaultProxy, fresh_table: str, dynamodb: Any
) -> None:
    proxy.update(unprocessed=0.5)
    with serve(engine.url, fresh_table, workers=2, env=UNLIMITED) as base:
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda n: _search(base, n), range(60)))
        assert eventually(lambda: _searches(dynamodb, fresh_table) == 60, seconds=5)
        time.sleep(1)
        assert _searches(dynamodb, fresh_table) == 60
