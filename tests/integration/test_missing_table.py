"""An app pointed at a table that does not exist (deployed before `db create`, or a wrong
table name): DynamoDB answers every call with ResourceNotFoundException. That is an
answer, not an outage, but the app must degrade the same way: checks answered and not
saved, pages without history, /readyz not ready, nothing a 500."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import ProxiedEngine, make_app


def _client(engine: ProxiedEngine, table_name: str) -> FlaskClient:
    return make_app(engine, table_name).test_client()  # no table created


def test_a_check_is_answered_and_says_it_was_not_saved(
    engine: ProxiedEngine, table_name: str
) -> None:
    client = _client(engine, table_name)
    answer = client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["isPotentiallyRisky"] is True and body["historySaved"] is False
    page = client.post("/", data={"medA": "warfarin", "medB": "ibuprofen"})
    assert page.status_code in (200, 303)
    page = client.get(page.headers["Location"]) if page.status_code == 303 else page
    assert page.status_code == 200
    assert b"increased bleeding risk" in page.data
    assert b"History is unavailable" in page.data
    history = client.get("/api/history")  # this browser has a session now
    assert history.status_code == 503
    assert history.get_json() == {"error": "history is unavailable right now"}


def test_pages_answer_and_readiness_says_not_ready(engine: ProxiedEngine, table_name: str) -> None:
    client = _client(engine, table_name)
    for path in ("/", "/faq?q=missed+dose", "/api/faq?q=alcohol", "/healthz", "/history"):
        assert client.get(path).status_code == 200, path
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "table": "missing"}
