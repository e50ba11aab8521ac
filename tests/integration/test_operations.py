"""Health, readiness, metrics, request ids and JSON logs."""

from __future__ import annotations

import json
import logging
import re
import urllib.request

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mediphant.store.local import LocalEngine, free_port
from mediphant.web.observability import JsonFormatter
from tests.conftest import ProxiedEngine, make_app
from tests.live import away_from_minute_edge, serve


def _sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["table"] == "ACTIVE"


def test_readiness_fails_without_the_engine(table_name: str) -> None:
    app = make_app(LocalEngine(port=free_port()), table_name, dynamodb_timeout_seconds=0.3)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["status"] == "unavailable"


def test_readiness_fails_without_the_table(engine: ProxiedEngine) -> None:
    client = make_app(engine, "mediphant-no-such-table").test_client()
    assert client.get("/readyz").status_code == 503


def test_request_id_is_taken_or_made_and_echoed(client: FlaskClient) -> None:
    assert client.get("/", headers={"X-Request-ID": "req-42"}).headers["X-Request-ID"] == "req-42"
    made = client.get("/").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    hostile = client.get("/", headers={"X-Request-ID": 'x" <script>'}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", hostile)


def test_logs_are_one_line_json_with_the_request_id(app: Flask) -> None:
    formatter = JsonFormatter()
    with app.test_request_context("/history", headers={"X-Request-ID": "trace-7"}):
        app.preprocess_request()
        line = formatter.format(
            logging.LogRecord(
                "mediphant", logging.WARNING, __file__, 1, "history read failed", None, None
            )
        )
    entry = json.loads(line)
    assert "\n" not in line
    assert (
        entry["requestId"] == "trace-7"
        and entry["level"] == "WARNING"
        and entry["path"] == "/history"
    )


def test_metrics_cover_requests_dynamodb_and_rate_limits(
    engine: ProxiedEngine, app: Flask, table_name: str
) -> None:
    env = {"MEDIPHANT_RATE_LIMIT": "3 per minute"}
    with serve(engine.url, table_name, workers=2, env=env) as url:
        away_from_minute_edge()  # all five in one clock-aligned window
        for _ in range(5):
            request = urllib.request.Request(
                url + "/api/interactions",
                data=json.dumps({"medA": "warfarin", "medB": "ibuprofen"}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                urllib.request.urlopen(request, timeout=10).read()
            except urllib.error.HTTPError as exc:
                assert exc.code == 429
        text = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
    assert (
        _sample(
            text,
            "mediphant_http_request_duration_seconds_count",
            endpoint="api.check",
            status="200",
        )
        == 3
    )
    assert _sample(text, "mediphant_rate_limit_rejections_total", endpoint="api.check") == 2
    assert (
        _sample(text, "mediphant_dynamodb_operation_duration_seconds_count", operation="PutItem")
        >= 3
    )
    assert (
        _sample(text, "mediphant_dynamodb_operation_duration_seconds_count", operation="UpdateItem")
        >= 3
    )
    assert _sample(text, "mediphant_dynamodb_errors_total") == 0
    assert 'le="0.005"' in text


def test_store_errors_are_counted_by_operation(table_name: str) -> None:
    from mediphant import metrics

    def errors() -> float:
        text = metrics.exposition()[0].decode()
        return _sample(text, "mediphant_dynamodb_errors_total", operation="PutItem")

    before = errors()
    app = make_app(
        LocalEngine(port=free_port()),
        table_name,
        dynamodb_timeout_seconds=0.3,
        dynamodb_max_retries=0,
    )
    client = app.test_client()
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    assert "History is unavailable" in client.get("/history").get_data(as_text=True)
    # The QUERY put failed (counted, with code ConnectionError); the read that followed was
    # refused at once by the cool-down, without another call.
    assert errors() == before + 1
    assert 'code="ConnectionError"' in metrics.exposition()[0].decode()


def test_after_an_unreachable_engine_the_breaker_skips_calls(table_name: str) -> None:
    import time

    from mediphant.store import StoreUnavailable
    from mediphant.store.guard import GUARD, OPEN
    from mediphant.store.history import DynamoHistory

    app = make_app(LocalEngine(port=free_port()), table_name, breaker_trip_after=2)
    events: list[str] = []

    def note(event: str, operation: str) -> None:
        events.append(event)

    GUARD.hooks.append(note)
    try:
        with app.app_context():
            history = DynamoHistory()
            with pytest.raises(StoreUnavailable):  # refused, retried once, refused: trips
                history.recent("s")
            assert GUARD.breaker.state == OPEN and GUARD.breaker.problem == "unreachable"
            assert events == ["retry"]
            started = time.perf_counter()
            for _ in range(5):
                with pytest.raises(StoreUnavailable):
                    history.recent("s")
            assert events.count("skipped:circuit open") == 5  # no call made while open
            assert time.perf_counter() - started < 0.1
    finally:
        GUARD.hooks.remove(note)


def test_the_worker_builds_one_dynamodb_client_before_any_request(
    engine: ProxiedEngine, table_name: str
) -> None:
    """PynamoDB builds its client lazily and without a lock: threads of a gthread worker
    racing on the first requests each built one, in a botocore session they kept (memory)."""
    from concurrent.futures import ThreadPoolExecutor

    from mediphant.store.models import Item

    make_app(engine, table_name)
    connection = Item._get_connection().connection
    built = connection._client  # noqa: SLF001
    assert built is not None
    with ThreadPoolExecutor(8) as pool:
        clients = list(pool.map(lambda _: connection.client, range(8)))
    assert all(client is built for client in clients)
