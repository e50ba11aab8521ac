"""AWS's GSI1 lags behind the table; these run real gunicorn with a 2 s lag from the proxy.

A session reads its own writes at once, a clear stays cleared while the index still lags,
and a BatchWriteItem that comes back half unprocessed is finished, not dropped.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browsing import Visitor
from tests.conftest import eventually, stored
from tests.faultproxy import FaultProxy

LAG = 2.0
LIST = ["warfarin", "ibuprofen", "sertraline", "tramadol", "simvastatin"]  # 10 pairs


@pytest.fixture
def lagging(served: str, proxy: FaultProxy) -> str:
    proxy.set(index_lag=LAG)
    return served


def _pairs(history: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(entry["medA"], entry["medB"]) for entry in history]


def test_a_check_is_in_the_history_at_once(lagging: str) -> None:
    visitor = Visitor(lagging)
    assert visitor.check("warfarin", "ibuprofen").json()["historySaved"] is True
    assert _pairs(visitor.history()) == [("warfarin", "ibuprofen")]
    assert visitor.check("sertraline", "tramadol").json()["historySaved"] is True
    expected = [("sertraline", "tramadol"), ("warfarin", "ibuprofen")]
    assert _pairs(visitor.history()) == expected  # newest first
    # The page flow: POST, redirect, GET shows it beside the result.
    page = visitor.submit("/", {"medA": "simvastatin", "medB": "clarithromycin"})
    assert page.status == 200
    recent = page.body.decode().split("Your recent checks", 1)[1]
    assert "simvastatin" in recent and "sertraline" in recent
    time.sleep(LAG + 0.5)  # once the index has caught up: the same, without duplicates
    history = visitor.history()
    assert len(history) == len({entry["id"] for entry in history}) == 3
    assert _pairs(history)[0] == ("simvastatin", "clarithromycin")
    # The session's count comes from its own item, never from the lagging index.
    assert eventually(
        lambda: "<dt>Checks</dt><dd>3</dd>" in visitor.request("GET", "/session").body.decode()
    )


def test_a_list_of_ten_pairs_is_in_the_history_at_once_in_order(lagging: str) -> None:
    visitor = Visitor(lagging)
    assert visitor.submit("/list", {"med": LIST}).status == 200
    at_once = visitor.history()
    assert len(at_once) == 10 and len({entry["id"] for entry in at_once}) == 10
    time.sleep(LAG + 0.5)
    assert visitor.history() == at_once


def test_a_cleared_history_stays_cleared(lagging: str, dynamodb: Any, table_name: str) -> None:
    visitor = Visitor(lagging)
    visitor.submit("/list", {"med": LIST[:3]})
    visitor.check("warfarin", "ibuprofen")
    assert len(visitor.history()) == 4
    assert visitor.request("DELETE", "/api/history").status == 200
    assert visitor.history() == []
    assert stored(dynamodb, table_name, "QUERY") == []  # deleted by key, not only by index
    time.sleep(3)
    assert visitor.history() == []
    visitor.check("lisinopril", "spironolactone")  # a new check after the clear shows
    assert _pairs(visitor.history()) == [("lisinopril", "spironolactone")]
    time.sleep(7)
    assert _pairs(visitor.history()) == [("lisinopril", "spironolactone")]
    assert len(stored(dynamodb, table_name, "QUERY")) == 1


def test_a_half_unprocessed_batch_is_finished(
    lagging: str, proxy: FaultProxy, dynamodb: Any, table_name: str
) -> None:
    proxy.update(unprocessed=0.5)
    visitor = Visitor(lagging)
    page = visitor.submit("/list", {"med": LIST})
    assert page.status == 200 and "History is unavailable" not in page.body.decode()
    assert len(visitor.history()) == 10
    assert len(stored(dynamodb, table_name, "QUERY")) == 10  # each written exactly once
    assert proxy.counts.get("BatchWriteItem", 0) >= 2  # the unprocessed half was resent


def test_a_batch_never_processed_is_reported_not_saved(
    lagging: str, proxy: FaultProxy, dynamodb: Any, table_name: str
) -> None:
    proxy.update(unprocessed=1.0)
    page = Visitor(lagging).submit("/list", {"med": LIST})
    assert page.status == 200 and "History is unavailable" in page.body.decode()


def test_half_unprocessed_deletes_are_finished(
    lagging: str, proxy: FaultProxy, dynamodb: Any, table_name: str
) -> None:
    visitor = Visitor(lagging)
    visitor.submit("/list", {"med": LIST})
    assert len(stored(dynamodb, table_name, "QUERY")) == 10
    proxy.update(unprocessed=0.5)
    before = proxy.counts.get("BatchWriteItem", 0)
    erased = visitor.request("DELETE", "/api/my-data")
    assert erased.status == 200 and erased.json()["deleted"]["QUERY"] == 10
    assert stored(dynamodb, table_name, "QUERY") == []
    assert proxy.counts.get("BatchWriteItem", 0) - before >= 2  # the held-back half resent


def test_erase_my_data_stays_erased(lagging: str, dynamodb: Any, table_name: str) -> None:
    visitor = Visitor(lagging)
    visitor.submit("/list", {"med": LIST[:3]})
    visitor.check("warfarin", "ibuprofen")
    erased = visitor.request("DELETE", "/api/my-data")
    assert erased.status == 200 and erased.json()["deleted"]["QUERY"] == 4
    for wait in (0, 3, 7):  # at once, after 3 s and after 10 s
        time.sleep(wait)
        assert visitor.history() == []
        assert stored(dynamodb, table_name, "QUERY") == []
        assert stored(dynamodb, table_name, "SESSION") == []
