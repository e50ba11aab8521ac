"""The JSON API contract kept for the mobile clients."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

CONTRACT = {
    ("warfarin", "ibuprofen"): (
        "increased bleeding risk",
        "avoid combo; consult clinician; prefer acetaminophen for pain relief",
    ),
    ("metformin", "contrast dye"): (
        "lactic acidosis risk around imaging contrast",
        "hold metformin per imaging protocol",
    ),
    ("lisinopril", "spironolactone"): ("hyperkalemia risk", "monitor potassium, consult clinician"),
}


def test_contract_pairs_in_both_orders_and_any_case(client: FlaskClient) -> None:
    for (med_a, med_b), (reason, advice) in CONTRACT.items():
        for pair in ((med_a, med_b), (med_b.upper(), med_a.title())):
            response = client.post("/api/interactions", json={"medA": pair[0], "medB": pair[1]})
            assert response.status_code == 200
            body = response.get_json()
            assert body["pair"] == list(pair)
            assert body["isPotentiallyRisky"] is True
            assert body["reason"] == reason
            assert body["advice"] == advice


def test_validation_errors_have_details(client: FlaskClient) -> None:
    response = client.post("/api/interactions", json={"medA": "", "medB": 5})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]
    fields = {detail["field"] for detail in body["details"]}
    assert fields == {"medA", "medB"}
    assert all(detail["message"] for detail in body["details"])


def test_malformed_or_non_json_bodies_are_400(client: FlaskClient) -> None:
    cases = [
        {"data": "{not json", "content_type": "application/json"},
        {
            "data": "medA=warfarin&medB=ibuprofen",
            "content_type": "application/x-www-form-urlencoded",
        },
        {"json": ["warfarin", "ibuprofen"]},
        {"json": "warfarin"},
    ]
    for case in cases:
        response = client.post("/api/interactions", **case)
        assert response.status_code == 400, case
        assert response.get_json()["details"][0]["field"] == "body"


def test_history_is_scoped_newest_first_and_clearable(app: Flask) -> None:
    mine, theirs = app.test_client(), app.test_client()
    assert mine.get("/api/history").get_json() == {"history": []}
    mine.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    mine.post("/api/interactions", json={"medA": "lisinopril", "medB": "spironolactone"})
    theirs.post("/api/interactions", json={"medA": "metformin", "medB": "contrast dye"})
    history = mine.get("/api/history").get_json()["history"]
    assert [(h["medA"], h["medB"]) for h in history] == [
        ("lisinopril", "spironolactone"),
        ("warfarin", "ibuprofen"),
    ]
    for entry in history:
        assert {"id", "medA", "medB", "isPotentiallyRisky", "reason", "timestamp"} <= entry.keys()
    cleared = mine.delete("/api/history")
    assert cleared.status_code == 200 and cleared.get_json()["message"]
    assert mine.get("/api/history").get_json() == {"history": []}
    assert len(theirs.get("/api/history").get_json()["history"]) == 1


def test_rejected_request_stores_nothing(client: FlaskClient, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "<b>x</b>"})
    client.post("/api/interactions", data="junk", content_type="application/json")
    count = dynamodb.scan(
        TableName=table_name,
        Select="COUNT",
        FilterExpression="EntityType <> :r",
        ExpressionAttributeValues={":r": {"S": "RATE_LIMIT"}},
    )["Count"]
    assert count == 0


def test_api_errors_are_json(client: FlaskClient) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and "error" in missing.get_json()
    wrong_method = client.put("/api/interactions", json={})
    assert wrong_method.status_code == 405 and "error" in wrong_method.get_json()
    too_big = client.post("/api/interactions", data="x" * 100_000, content_type="application/json")
    assert too_big.status_code == 413 and "error" in too_big.get_json()
