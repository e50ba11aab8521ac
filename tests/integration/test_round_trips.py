"""DynamoDB calls and capacity per request, as the engine reports them (ReturnConsumedCapacity).

The targets: a check makes at most 3 calls and consumes at most 4 write units (a returning
client's: 2 calls and 3 units, its session's count added by the background thread); a
history view is one Query of at most 0.5 read units; the form page with no history makes
none.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from pynamodb.signals import pre_dynamodb_send

from tests.conftest import INDEX_LAG, eventually, stored
from tests.live import away_from_minute_edge

PAIR = {"medA": "warfarin", "medB": "ibuprofen"}


@dataclass
class Call:
    operation: str
    units: float = 0.0


class _Recorder(logging.Handler):
    """PynamoDB signals each send and logs each answer's consumed capacity at DEBUG.

    Only the calls of the thread that serves the request (the test's own, with the test
    client) count: the worker's background thread writes searches and their counts on its
    own schedule."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.calls: list[Call] = []
        self.thread = threading.get_ident()

    def on_send(self, sender: Any, operation_name: str, **_: Any) -> None:
        if threading.get_ident() == self.thread:
            self.calls.append(Call(operation_name))

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        if record.msg == "%s %s consumed %s units" and self.calls:
            capacity = record.args[2]  # type: ignore[index]
            if isinstance(capacity, list):
                capacity = sum(float(part.get("CapacityUnits", 0)) for part in capacity)
            self.calls[-1].units = float(capacity)


@contextmanager
def recorded() -> Iterator[list[Call]]:
    recorder = _Recorder()
    logger = logging.getLogger("pynamodb.connection.base")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(recorder)
    pre_dynamodb_send.connect(recorder.on_send)
    try:
        yield recorder.calls
    finally:
        pre_dynamodb_send.disconnect(recorder.on_send)
        logger.removeHandler(recorder)
        logger.setLevel(level)


def _writes(calls: list[Call]) -> float:
    return sum(c.units for c in calls if c.operation in {"PutItem", "UpdateItem"})


def test_a_returning_clients_check_is_two_calls_and_three_write_units(
    client: FlaskClient,
) -> None:
    """Its session's count is added by the worker's background thread (one UpdateItem, 1
    write unit, for all the session's checks of about a second): nothing is left to do after
    the response, which on a kept-alive connection the redirected GET would wait for."""
    client.post("/api/interactions", json=PAIR)  # opens the rate-limit window and the session
    with recorded() as api_calls:
        response = client.post("/api/interactions", json=PAIR, buffered=False)
        on_the_critical_path = [c.operation for c in api_calls]
        response.close()  # what the server does once the last byte has gone out
    with recorded() as page_calls:
        assert client.post("/", data=PAIR).status_code == 303
    assert on_the_critical_path == ["UpdateItem", "PutItem"]
    for calls in (api_calls, page_calls):
        assert [c.operation for c in calls] == ["UpdateItem", "PutItem"]
        # rate-limit count 1, QUERY item 1 + its GSI1 copy 1
        assert _writes(calls) == 3


def test_the_first_check_of_a_new_session_creates_it_without_a_failed_update(
    client: FlaskClient, dynamodb: Any, table_name: str
) -> None:
    # A limited call opens the rate-limit window (a search's count is written by the
    # worker's background thread), not a session; both calls in the same minute's window.
    away_from_minute_edge(5)
    client.get("/api/faq?q=grapefruit")
    assert eventually(lambda: stored(dynamodb, table_name, "RATE_LIMIT"))
    with recorded() as calls:
        assert client.post("/api/interactions", json=PAIR).status_code == 200
    assert [c.operation for c in calls] == ["UpdateItem", "PutItem", "PutItem"]
    assert _writes(calls) == 4


def test_a_faq_search_calls_nothing_after_its_response(client: FlaskClient) -> None:
    """Its count and its analytics are written by the background thread: work after the
    response still holds a kept-alive connection, and the next request would wait."""
    for query in ("grapefruit", "missed dose", "alcohol", "grapefruit"):
        response = client.get(f"/faq?q={query}", buffered=False)
        assert response.status_code == 200
        with recorded() as after:
            response.close()  # what the server does once the last byte has gone out
        assert after == []


def test_history_is_one_query_of_half_a_read_unit_and_the_form_page_none(
    client: FlaskClient,
) -> None:
    with recorded() as first_visit:
        assert client.get("/").status_code == 200
    assert first_visit == []
    for _ in range(10):
        client.post("/api/interactions", json=PAIR)
    with recorded() as lagging:  # GSI1 has not caught up: the session's own checks by id
        page = client.get("/history")
    assert page.status_code == 200 and page.get_data(as_text=True).count("<li class=") == 10
    assert [c.operation for c in lagging] == ["Query", "BatchGetItem"]
    time.sleep(INDEX_LAG + 0.05)
    with recorded() as history:  # caught up: nothing beyond the one Query
        page = client.get("/history")
    assert page.status_code == 200 and page.get_data(as_text=True).count("<li class=") == 10
    assert [(c.operation, c.units) for c in history] == [("Query", 0.5)]
