"""Rate limiting as deployed: exact under concurrency, right behind a proxy, up in an outage."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from pynamodb.exceptions import TableError

from mediphant.extensions import limiter
from mediphant.store import table
from mediphant.store.local import LocalEngine
from tests.conftest import ProxiedEngine, make_app
from tests.live import away_from_minute_edge, serve


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _fire(urls: list[str]) -> Counter[int]:
    with ThreadPoolExecutor(max_workers=32) as pool:
        return Counter(pool.map(_status, urls))


@pytest.fixture
def limited_app(engine: ProxiedEngine, table_name: str):  # type: ignore[no-untyped-def]
    def build(rate: str, proxies: int = 0) -> Flask:
        app = make_app(engine, table_name, rate_limit=rate, trusted_proxies=proxies)
        with app.app_context():
            table.create()
        return app

    yield build


def test_exactly_the_limit_succeeds_across_four_workers(
    engine: ProxiedEngine, app: Flask, table_name: str
) -> None:
    with serve(
        engine.url, table_name, workers=4, env={"MEDIPHANT_RATE_LIMIT": "100 per minute"}
    ) as url:
        away_from_minute_edge()
        statuses = _fire([url + "/api/history"] * 300)
    assert statuses == Counter({200: 100, 429: 200})


def test_the_limit_is_shared_by_two_app_processes(
    engine: ProxiedEngine, app: Flask, table_name: str
) -> None:
    env = {"MEDIPHANT_RATE_LIMIT": "100 per minute"}
    with serve(engine.url, table_name, 2, env) as one, serve(engine.url, table_name, 2, env) as two:
        away_from_minute_edge()
        statuses = _fire([one + "/api/history", two + "/api/history"] * 150)
    assert statuses == Counter({200: 100, 429: 200})


def test_limited_page_and_api_answers(limited_app) -> None:  # type: ignore[no-untyped-def]
    app = limited_app("2 per minute")
    client = app.test_client()
    away_from_minute_edge(5)
    ok = client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    assert ok.headers["X-RateLimit-Limit"] == "2"
    assert ok.headers["X-RateLimit-Remaining"] == "1"
    client.post("/interactions", data={"medA": "warfarin", "medB": "ibuprofen"})
    api = client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    assert api.status_code == 429
    assert api.get_json() == {"error": "Too many requests; please wait a moment and try again."}
    assert 0 < int(api.headers["Retry-After"]) <= 60
    page = client.post("/interactions", data={"medA": "warfarin", "medB": "ibuprofen"})
    assert page.status_code == 429
    assert "Too many requests" in page.get_data(as_text=True)
    assert "Informational only" in page.get_data(as_text=True)
    assert int(page.headers["Retry-After"]) > 0
    # Reading pages, static files and health checks are not limited.
    for path in ("/", "/history", "/static/css/site.css", "/healthz"):
        assert client.get(path).status_code == 200


def test_forged_forwarded_for_does_not_escape_without_trusted_proxies(limited_app) -> None:  # type: ignore[no-untyped-def]
    client = limited_app("3 per minute", proxies=0).test_client()
    away_from_minute_edge(5)
    codes = [
        client.get("/api/history", headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
        for n in range(6)
    ]
    assert codes == [200, 200, 200, 429, 429, 429]


def test_one_trusted_proxy_separates_clients(limited_app) -> None:  # type: ignore[no-untyped-def]
    client = limited_app("3 per minute", proxies=1).test_client()
    away_from_minute_edge(5)
    spread = [
        client.get("/api/history", headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
        for n in range(6)
    ]
    assert spread == [200] * 6
    same = [
        client.get("/api/history", headers={"X-Forwarded-For": "10.9.9.9"}).status_code
        for _ in range(4)
    ]
    assert same == [200, 200, 200, 429]


def test_no_raw_ip_is_stored(limited_app, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    client = limited_app("3 per minute", proxies=1).test_client()
    client.get("/api/history", headers={"X-Forwarded-For": "203.0.113.77"})
    items = dynamodb.scan(TableName=table_name)["Items"]
    assert items and all("203.0.113.77" not in str(item) for item in items)
    assert all("127.0.0.1" not in str(item) for item in items)


def _create_on_a_cold_engine(app: Flask) -> None:
    """A just-restarted engine on a busy machine can take seconds over its first calls."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with app.app_context():
                table.create()
            return
        except TableError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def test_outage_falls_back_to_memory_and_recovers(table_name: str) -> None:
    engine = LocalEngine().start()
    try:
        app = make_app(engine, table_name, rate_limit="5 per minute")
        with app.app_context():
            table.create()
        client = app.test_client()
        away_from_minute_edge(20)
        assert (
            client.post(
                "/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"}
            ).status_code
            == 200
        )
        engine.stop()
        answers = [
            client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
            for _ in range(6)
        ]
        codes = [answer.status_code for answer in answers]
        assert 500 not in codes
        assert codes[:5] == [200] * 5 and codes[5] == 429  # memory counts from zero: 5 allowed
        assert answers[0].get_json()["reason"] == "increased bleeding risk"
        assert answers[0].get_json()["historySaved"] is False
        page = client.post("/interactions", data={"medA": "warfarin", "medB": "naproxen"})
        assert page.status_code in (303, 429)
        assert client.get("/").status_code == 200
        assert "History is unavailable" in client.get("/history").get_data(as_text=True)

        engine.start()
        _create_on_a_cold_engine(app)
        # Both come back on their own: the breaker probes the engine after it has been open
        # for 3 s, closes on a good answer, and the limiter returns to the shared counters.
        deadline = time.monotonic() + 40
        status = 0
        while time.monotonic() < deadline:
            status = client.get("/api/history").status_code
            if status == 200 and not limiter._storage_dead:  # noqa: SLF001
                break
            time.sleep(0.5)
        assert status == 200 and not limiter._storage_dead  # noqa: SLF001
        saved = client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
        assert saved.get_json()["historySaved"] is True
    finally:
        engine.stop()


def test_faq_searches_and_lists_draw_on_the_same_budget(limited_app) -> None:  # type: ignore[no-untyped-def]
    client = limited_app("3 per minute").test_client()
    away_from_minute_edge(5)
    assert client.get("/faq", query_string={"q": "missed dose"}).status_code == 200
    assert client.post("/list", data={"med": ["warfarin", "ibuprofen"]}).status_code == 303
    assert client.get("/api/faq", query_string={"q": "alcohol"}).status_code == 200
    assert client.get("/faq", query_string={"q": "grapefruit"}).status_code == 429
    assert client.get("/faq").status_code == 200  # the bare page is not a search
    assert client.get("/api/medications", query_string={"q": "war"}).status_code == 200


@pytest.mark.parametrize("strategy", ["fixed-window", "sliding-window-counter"])
def test_retry_after_and_reset_name_the_end_of_the_clock_window(
    engine: LocalEngine, table_name: str, strategy: str
) -> None:
    app = make_app(engine, table_name, rate_limit="2 per 2 seconds", rate_limit_strategy=strategy)
    with app.app_context():
        table.create()
    client = app.test_client()
    time.sleep(2 - time.time() % 2)  # start at the start of a 2-second window
    assert [client.get("/api/history").status_code for _ in range(2)] == [200, 200]
    sent = time.time()
    refused = client.get("/api/history")
    now = time.time()
    assert refused.status_code == 429
    window_end = (int(now) // 2 + 1) * 2
    # flask-limiter sends int(reset time + 1): one second past a window ending on a second.
    assert int(refused.headers["X-RateLimit-Reset"]) == window_end + 1
    retry_after = int(refused.headers["Retry-After"])
    assert window_end - now <= retry_after <= window_end + 1 - sent
    # Waiting as told is enough (from the first moment of the next window, the sliding
    # counter weighs the previous window's two hits as one, rounded down), and not
    # waiting is refused.
    assert client.get("/api/history").status_code == 429
    time.sleep(max(0.0, now + retry_after - time.time()))
    assert client.get("/api/history").status_code == 200
