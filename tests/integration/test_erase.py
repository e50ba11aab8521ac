"""Erase my data, checked against the raw table: nothing keyed by the visitor or their
sessions is left, other visitors keep theirs, and it is safe to run twice."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from mediphant.web.identity import VISITOR_COOKIE
from tests.conftest import stored
from tests.faultproxy import FaultProxy


def _everything(dynamodb: Any, table_name: str) -> list[dict[str, Any]]:
    return dynamodb.scan(TableName=table_name, ConsistentRead=True)["Items"]


def _visitor_with_two_sessions(client: FlaskClient) -> None:
    client.put("/api/my-medicines", json={"medicines": ["warfarin", "Lipitor"], "version": 0})
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    client.post("/api/my-medicines/check", json={"medicine": "Advil"})
    client.post("/session/new")
    client.post("/api/interactions", json={"medA": "lisinopril", "medB": "spironolactone"})
    client.post("/list", data={"med": ["warfarin", "aspirin", "ibuprofen"]})


def _keys_of(items: list[dict[str, Any]]) -> set[str]:
    return {item["PK"]["S"] for item in items} | {
        item["GSI1PK"]["S"] for item in items if "GSI1PK" in item
    }


def test_erase_deletes_everything_of_the_visitor_and_nothing_else(
    app: Flask, dynamodb, table_name: str, proxy: FaultProxy
) -> None:  # type: ignore[no-untyped-def]
    # An earlier session's checks are found through GSI1 only, so this test runs without
    # the suite's index lag. The current session's checks are deleted by key whatever the
    # lag (test_erase_deletes_what_a_lagging_index_does_not_show_yet); the history's later
    # sweeps catch what a lagging index hid of earlier sessions.
    proxy.set(index_lag=0)
    me, other = app.test_client(), app.test_client()
    _visitor_with_two_sessions(me)
    _visitor_with_two_sessions(other)
    before = _everything(dynamodb, table_name)
    with me.session_transaction() as session:
        my_user = "USER#" + session["uid"]
        my_session = session["sid"]
    my_sessions = {
        "USER#" + i["SK"]["S"].removeprefix("SESSION#")
        for i in stored(dynamodb, table_name, "SESSION")
        if i["PK"]["S"] == my_user
    }
    assert len(my_sessions) == 2 and "USER#" + my_session in my_sessions
    mine = [
        i for i in before if i["PK"]["S"] == my_user or i.get("GSI1PK", {}).get("S") in my_sessions
    ]
    assert len(mine) == 1 + 2 + 6  # the list, two sessions, six history items

    response = me.delete("/api/my-data")
    assert response.status_code == 200
    body = response.get_json()
    assert body["deleted"] == {"MEDLIST": 1, "SESSION": 2, "QUERY": 6}
    assert body["message"]

    after = _everything(dynamodb, table_name)
    assert my_user not in _keys_of(after)
    assert not my_sessions & _keys_of(after)
    assert len(after) == len(before) - len(mine)
    # What is not the visitor's stays: the other visitor's items and the rate-limit counters.
    assert {i["EntityType"]["S"] for i in after} == {"MEDLIST", "SESSION", "QUERY", "RATE_LIMIT"}
    (their_list,) = stored(dynamodb, table_name, "MEDLIST")
    assert their_list["PK"]["S"] != my_user
    # The cookies are forgotten: the visitor cookie is deleted and the session emptied.
    set_cookies = response.headers.getlist("Set-Cookie")
    assert any(
        c.startswith(f"{VISITOR_COOKIE}=;") and "Expires=Thu, 01 Jan 1970" in c for c in set_cookies
    )
    with me.session_transaction() as session:
        assert "sid" not in session and "uid" not in session
    assert me.get("/api/my-medicines").get_json() == {"medicines": [], "version": 0}
    assert me.get("/api/history").get_json() == {"history": []}

    again = me.delete("/api/my-data")
    assert again.status_code == 200
    assert again.get_json()["deleted"] == {"MEDLIST": 0, "SESSION": 0, "QUERY": 0}
    assert len(_everything(dynamodb, table_name)) == len(after)


def test_erase_finds_history_of_a_session_that_has_no_session_item(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    """The session's count is written after the response; if that failed, the cookie's
    session id still leads to the session's history."""
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    for item in stored(dynamodb, table_name, "SESSION"):
        dynamodb.delete_item(TableName=table_name, Key={"PK": item["PK"], "SK": item["SK"]})
    body = client.delete("/api/my-data").get_json()
    assert body["deleted"] == {"MEDLIST": 0, "SESSION": 0, "QUERY": 1}
    assert stored(dynamodb, table_name, "QUERY") == []


def test_erase_deletes_more_than_one_batch(
    client: FlaskClient, dynamodb, table_name: str, proxy: FaultProxy
) -> None:  # type: ignore[no-untyped-def]
    from mediphant.store.history import Check, DynamoHistory

    proxy.set(index_lag=0)  # checks written behind the app's back are found through GSI1

    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    with client.session_transaction() as session:
        sid = session["sid"]
    with client.application.app_context():
        for _ in range(6):  # add_many keeps ten a call
            DynamoHistory().add_many(sid, [Check(f"a{n}", "b", False, "r") for n in range(10)])
    count = len(stored(dynamodb, table_name, "QUERY"))
    assert count > 25
    body = client.delete("/api/my-data").get_json()
    assert body["deleted"]["QUERY"] == count
    assert stored(dynamodb, table_name, "QUERY") == []


def test_the_privacy_page_explains_and_its_button_erases(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/privacy").get_data(as_text=True)
    for words in ("180 days", "30 days", "90 days", "keyed hash", "Erase my data"):
        assert words in page
    client.put("/api/my-medicines", json={"medicines": ["warfarin"], "version": 0})
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    response = client.post("/privacy/erase")
    assert response.status_code == 303
    shown = client.get("/privacy").get_data(as_text=True)
    assert "Erased: your saved list (1), 1 session record and 1 recent check" in shown
    for entity in ("MEDLIST", "SESSION", "QUERY"):
        assert stored(dynamodb, table_name, entity) == []
    assert client.post("/privacy/erase").status_code == 303  # twice is fine


def test_erase_deletes_what_a_lagging_index_does_not_show_yet(
    client: FlaskClient, dynamodb, table_name: str, proxy: FaultProxy
) -> None:  # type: ignore[no-untyped-def]
    """On AWS GSI1 lags: the checks this browser just made are deleted by key all the same."""
    proxy.set(index_lag=600.0)  # GSI1 shows nothing written in the last ten minutes
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    client.post("/list", data={"med": ["warfarin", "aspirin", "ibuprofen"]})
    assert len(stored(dynamodb, table_name, "QUERY")) == 4
    body = client.delete("/api/my-data").get_json()
    assert body["deleted"]["QUERY"] == 4
    assert stored(dynamodb, table_name, "QUERY") == []
