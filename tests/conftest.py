"""Shared fixtures: a real DynamoDB Local for the session, a fresh table per test, the app."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mediphant import create_app
from mediphant.extensions import limiter
from mediphant.store import table
from mediphant.store.history import SWEEPER
from mediphant.store.local import LocalEngine
from tests.faultproxy import FaultProxy
from tests.live import serve

T = TypeVar("T")


# AWS's GSI1 is eventually consistent; DynamoDB Local's is not. Every test talks to the
# engine through the fault-injection proxy with this index lag (seconds), so code that
# relies on an instant index fails here as it would on AWS. 0 switches it off.
INDEX_LAG = float(os.environ.get("MEDIPHANT_TEST_INDEX_LAG", "0.3"))


class ProxiedEngine:
    """DynamoDB Local seen through a FaultProxy: `url` is the proxy's."""

    def __init__(self, local: LocalEngine, proxy: FaultProxy) -> None:
        self.local = local
        self.proxy = proxy

    @property
    def url(self) -> str:
        return self.proxy.url


@pytest.fixture(scope="session")
def engine() -> Iterator[ProxiedEngine]:
    """One in-memory DynamoDB Local for the whole run, behind a proxy that lags GSI1."""
    local = LocalEngine().start()
    proxy = FaultProxy(local.url).start()
    proxy.set(index_lag=INDEX_LAG)
    try:
        yield ProxiedEngine(local, proxy)
    finally:
        proxy.stop()
        local.stop()


@pytest.fixture
def proxy(engine: ProxiedEngine) -> Iterator[FaultProxy]:
    """The engine's proxy, for one test's faults; back to the usual lag afterwards."""
    try:
        yield engine.proxy
    finally:
        engine.proxy.set(index_lag=INDEX_LAG)


@pytest.fixture
def table_name() -> str:
    return f"mediphant-test-{uuid.uuid4().hex[:12]}"


# This machine runs the engine, the app and the test clients on two shared cores, where a
# call can take far longer than on AWS: the tests of correctness give storage calls room;
# the brownout tests use the production time-outs and say so.
TEST_STORAGE_LIMITS = {
    "dynamodb_timeout_seconds": 3.0,
    "dynamodb_budget_seconds": 10.0,
    "dynamodb_slow_seconds": 3.0,
    "dynamodb_max_waiting": 32,
}


class ServerLikeClient(FlaskClient):
    """Closes each response once read, as a WSGI server does after sending it, so work
    deferred with call_on_close (session bumps, search analytics) has run when it returns."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def make_app(engine: LocalEngine | ProxiedEngine, table_name: str, **overrides: object) -> Flask:
    settings = {
        "env": "testing",
        "secret_key": "test-secret-key-not-for-production",
        "dynamodb_host": engine.url,
        "table_name": table_name,
        "WTF_CSRF_ENABLED": False,
        **TEST_STORAGE_LIMITS,
        **overrides,
    }
    # The sweeps a history clear leaves behind (store/history.py) belong to an earlier
    # test's table: they would run against this one, and count in its DynamoDB calls.
    SWEEPER.forget()
    app = create_app(settings)
    app.test_client_class = ServerLikeClient
    # The one Limiter serves every test app of this process: start each with its storage
    # marked alive, as a freshly started worker would be.
    limiter._storage_dead = False  # noqa: SLF001
    return app


@pytest.fixture
def app(engine: ProxiedEngine, table_name: str) -> Iterator[Flask]:
    """The app on its own fresh table, dropped afterwards."""
    application = make_app(engine, table_name)
    with application.app_context():
        table.create()
    yield application
    with application.app_context():
        table.drop()


@pytest.fixture
def served(engine: ProxiedEngine, proxy: FaultProxy, table_name: str) -> Iterator[str]:
    """Real gunicorn (production workers, 2 of them) on a fresh table, behind the proxy;
    afterwards the proxy forwards normally again before the table is dropped."""
    app = make_app(engine, table_name)
    with app.app_context():
        table.create()
    try:
        with serve(engine.url, table_name, workers=2) as url:
            yield url
    finally:
        proxy.set(index_lag=INDEX_LAG)
        with app.app_context():
            table.drop()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def stored(dynamodb: Any, table_name: str, entity: str) -> list[dict[str, Any]]:
    """Every item of one entity type, raw as another program reads it (a Scan: tests only)."""
    return dynamodb.scan(
        TableName=table_name,
        FilterExpression="EntityType = :t",
        ExpressionAttributeValues={":t": {"S": entity}},
    )["Items"]


def eventually(probe: Callable[[], T], seconds: float = 3.0, every: float = 0.1) -> T:
    """Poll until `probe()` is truthy (background writes land within a bound); return it."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


@pytest.fixture
def dynamodb(engine: ProxiedEngine):  # type: ignore[no-untyped-def]
    """A raw boto3 client, to write and read items exactly as another program would."""
    return boto3.client(
        "dynamodb",
        endpoint_url=engine.url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
