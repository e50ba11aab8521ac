"""The saved medicine list on the real engine: item shape, versioned writes, TTL, the API."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mediphant.domain.saved_list import SavedMedicine
from mediphant.store import table
from mediphant.store.local import LocalEngine
from mediphant.store.medlists import MedListStore, VersionConflict
from tests.conftest import make_app, stored

SEVERITY_RANK = {"contraindicated": 4, "major": 3, "moderate": 2, "minor": 1}


def _put(client: FlaskClient, names: list[str], version: int):  # type: ignore[no-untyped-def]
    return client.put("/api/my-medicines", json={"medicines": names, "version": version})


def test_the_item_in_the_table_has_the_designed_shape(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    before = time.time()
    response = _put(client, ["warfarin", "Lipitor"], 0)
    assert response.status_code == 200
    assert response.get_json()["version"] == 1
    (item,) = stored(dynamodb, table_name, "MEDLIST")
    assert item["PK"]["S"].startswith("USER#") and item["SK"]["S"] == "MEDLIST"
    assert "GSI1PK" not in item
    data = item["Data"]["M"]
    assert data["version"]["N"] == "1"
    assert data["updatedAt"]["S"].endswith("Z")
    medicines = [{k: v["S"] for k, v in m["M"].items()} for m in data["medicines"]["L"]]
    assert medicines == [
        {"input": "warfarin", "id": "warfarin", "name": "warfarin"},
        {"input": "Lipitor", "id": "atorvastatin", "name": "atorvastatin"},
    ]
    ttl = int(item["TTL"]["N"])
    assert before + 180 * 86400 - 5 <= ttl <= time.time() + 180 * 86400 + 5
    # Same partition as the visitor's sessions: one Query returns everything they own.
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    owned = dynamodb.query(
        TableName=table_name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": item["PK"]},
        ConsistentRead=True,
    )["Items"]
    assert sorted(i["EntityType"]["S"] for i in owned) == ["MEDLIST", "SESSION"]


def test_get_and_put_follow_the_contract(client: FlaskClient) -> None:
    assert client.get("/api/my-medicines").get_json() == {"medicines": [], "version": 0}
    saved = _put(client, ["warfarin", "Lipitor"], 0).get_json()
    assert saved["medicines"] == [
        {"input": "warfarin", "id": "warfarin", "name": "warfarin"},
        {"input": "Lipitor", "id": "atorvastatin", "name": "atorvastatin"},
    ]
    assert client.get("/api/my-medicines").get_json() == {
        "medicines": saved["medicines"],
        "version": 1,
    }
    empty = _put(client, [], 1)
    assert empty.status_code == 200 and empty.get_json()["medicines"] == []
    assert client.get("/api/my-medicines").get_json() == {"medicines": [], "version": 2}


def test_put_refuses_unknown_names_with_suggestions_and_saves_nothing(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    response = _put(client, ["warfarin", "metro", "zzzzqqq"], 0)
    assert response.status_code == 400
    details = {d["field"]: d["message"] for d in response.get_json()["details"]}
    assert set(details) == {"medicines[1]", "medicines[2]"}
    assert "metronidazole" in details["medicines[1]"]
    assert "don't know" in details["medicines[2]"]
    assert stored(dynamodb, table_name, "MEDLIST") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"medicines": ["warfarin"] * 2, "version": 0}, "medicines[1]"),
        ({"medicines": ["warfarin"] * 21, "version": 0}, "medicines"),
        ({"medicines": "warfarin", "version": 0}, "medicines"),
        ({"medicines": ["warfarin"], "version": "1"}, "version"),
        ({"medicines": ["warfarin"], "version": -1}, "version"),
        ({"medicines": ["warfarin"]}, "version"),
    ],
)
def test_put_rejects_malformed_bodies(client: FlaskClient, body: dict, field: str) -> None:  # type: ignore[type-arg]
    response = client.put("/api/my-medicines", json=body)
    assert response.status_code == 400
    assert field in {d["field"] for d in response.get_json()["details"]}


def test_a_stale_version_gets_409_with_the_current_list(client: FlaskClient) -> None:
    _put(client, ["warfarin"], 0)
    _put(client, ["warfarin", "Lipitor"], 1)
    response = _put(client, ["metformin"], 1)  # written from a window that saw version 1
    assert response.status_code == 409
    body = response.get_json()
    assert "another window" in body["error"]
    assert body["version"] == 2
    assert [m["input"] for m in body["medicines"]] == ["warfarin", "Lipitor"]
    assert [m["input"] for m in client.get("/api/my-medicines").get_json()["medicines"]] == [
        "warfarin",
        "Lipitor",
    ]


def test_two_concurrent_writers_never_overwrite_each_other(app: Flask) -> None:
    store = MedListStore()
    writers = 6
    rounds = 8
    with app.app_context():
        for round_number in range(rounds):
            version = store.get("user-1").version
            barrier = threading.Barrier(writers)

            def write(
                n: int,
                version: int = version,
                round_number: int = round_number,
                barrier: threading.Barrier = barrier,
            ) -> str:
                entry = SavedMedicine(f"writer {n} round {round_number}", "warfarin", "warfarin")
                barrier.wait()
                try:
                    store.save("user-1", [entry], version)
                    return entry.input
                except VersionConflict as conflict:
                    assert conflict.current.version == version + 1
                    return ""

            with ThreadPoolExecutor(max_workers=writers) as pool:
                outcomes = list(pool.map(write, range(writers)))
            winners = [o for o in outcomes if o]
            assert len(winners) == 1
            current = store.get("user-1")
            assert current.version == version + 1
            assert [m.input for m in current.medicines] == winners
    assert version + 1 == rounds


def test_an_expired_list_reads_empty_and_can_be_saved_again(
    app: Flask, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    dynamodb.put_item(
        TableName=table_name,
        Item={
            "PK": {"S": "USER#old-visitor"},
            "SK": {"S": "MEDLIST"},
            "EntityType": {"S": "MEDLIST"},
            "TTL": {"N": str(int(time.time()) - 60)},
            "Data": {
                "M": {
                    "medicines": {
                        "L": [
                            {
                                "M": {
                                    "input": {"S": "warfarin"},
                                    "id": {"S": "warfarin"},
                                    "name": {"S": "warfarin"},
                                }
                            }
                        ]
                    },
                    "version": {"N": "4"},
                    "updatedAt": {"S": "2025-01-01T00:00:00.000Z"},
                }
            },
        },
    )
    store = MedListStore(idle_days=3)
    with app.app_context():
        expired = store.get("old-visitor")
        assert expired.medicines == () and expired.version == 4
        saved = store.save("old-visitor", [SavedMedicine("aspirin", "aspirin", "aspirin")], 4)
    assert saved.version == 5
    item = dynamodb.get_item(
        TableName=table_name, Key={"PK": {"S": "USER#old-visitor"}, "SK": {"S": "MEDLIST"}}
    )["Item"]
    assert abs(int(item["TTL"]["N"]) - (time.time() + 3 * 86400)) < 10


def test_the_idle_days_setting_sets_the_ttl(engine: LocalEngine, table_name: str, dynamodb) -> None:  # type: ignore[no-untyped-def]
    app = make_app(engine, table_name, medlist_idle_days=7)
    with app.app_context():
        table.create()
    try:
        _put(app.test_client(), ["warfarin"], 0)
        (item,) = stored(dynamodb, table_name, "MEDLIST")
        assert abs(int(item["TTL"]["N"]) - (time.time() + 7 * 86400)) < 10
    finally:
        with app.app_context():
            table.drop()


def test_check_against_the_list(client: FlaskClient, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    _put(client, ["warfarin", "Lipitor", "metformin", "Tylenol"], 0)
    response = client.post("/api/my-medicines/check", json={"medicine": "Advil"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["medicine"] == {"input": "Advil", "id": "ibuprofen", "name": "ibuprofen"}
    assert body["isPotentiallyRisky"] is True and body["historySaved"] is True
    ranks = [SEVERITY_RANK[f["severity"]] for f in body["findings"]]
    assert ranks == sorted(ranks, reverse=True) and ranks
    assert body["findings"][0]["with"]["id"] == "warfarin"
    assert body["findings"][0]["reason"] == "increased bleeding risk"
    for finding in body["findings"]:
        assert finding["sources"] and finding["advice"] and finding["mechanism"]
    assert set(body["noKnownInteraction"]) == {"atorvastatin", "metformin", "acetaminophen"}
    # One QUERY item per risky pair (warfarin only), in the session's history.
    queries = stored(dynamodb, table_name, "QUERY")
    assert [(q["Data"]["M"]["medA"]["S"], q["Data"]["M"]["medB"]["S"]) for q in queries] == [
        ("Advil", "warfarin")
    ]
    history = client.get("/api/history").get_json()["history"]
    assert [(h["medA"], h["medB"]) for h in history] == [("Advil", "warfarin")]


def test_a_product_sharing_an_ingredient_is_a_finding(client: FlaskClient) -> None:
    _put(client, ["acetaminophen"], 0)
    body = client.post("/api/my-medicines/check", json={"medicine": "Percocet"}).get_json()
    assert body["isPotentiallyRisky"] is True
    assert "acetaminophen" in body["findings"][0]["reason"]
    assert body["noKnownInteraction"] == []


def test_check_refuses_an_empty_list_and_unknown_names(client: FlaskClient) -> None:
    response = client.post("/api/my-medicines/check", json={"medicine": "Advil"})
    assert response.status_code == 400
    assert "empty" in response.get_json()["details"][0]["message"]
    _put(client, ["warfarin"], 0)
    unknown = client.post("/api/my-medicines/check", json={"medicine": "metro"})
    assert unknown.status_code == 400
    assert "metronidazole" in unknown.get_json()["details"][0]["message"]
    assert client.post("/api/my-medicines/check", data="x").status_code == 400


def test_checks_and_saves_count_against_the_limit_but_reading_does_not(
    engine: LocalEngine, table_name: str
) -> None:
    app = make_app(engine, table_name, rate_limit="3 per minute")
    with app.app_context():
        table.create()
    try:
        client = app.test_client()
        assert _put(client, ["warfarin"], 0).status_code == 200
        assert client.post("/api/my-medicines/check", json={"medicine": "Advil"}).status_code == 200
        assert _put(client, ["warfarin", "aspirin"], 1).status_code == 200
        assert _put(client, ["warfarin"], 2).status_code == 429
        assert client.post("/api/my-medicines/check", json={"medicine": "Advil"}).status_code == 429
        for _ in range(5):
            assert client.get("/api/my-medicines").status_code == 200
    finally:
        with app.app_context():
            table.drop()
