"""Seed access pattern 1 against the real engine, both directions of seed compatibility."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from flask import Flask

from mediphant.store import keys
from mediphant.store.history import Check, DynamoHistory
from tests.conftest import INDEX_LAG

RISKY = Check("warfarin", "ibuprofen", True, "increased bleeding risk", "major", "interaction")


def _history() -> DynamoHistory:
    return DynamoHistory(ttl_days=30, limit=10)


def _indexed() -> None:
    """Wait until GSI1 has caught up with what another program wrote (the tests' engine
    lags the index as AWS does; the app reads its own writes by id, not others')."""
    time.sleep(INDEX_LAG + 0.05)


def test_add_writes_the_seeds_item_shape(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        _history().add("session-1", RISKY)
    (item,) = dynamodb.scan(TableName=table_name)["Items"]
    ts = item["Data"]["M"]["timestamp"]["S"]
    assert item["PK"]["S"].startswith(f"QUERY#{ts}#")
    assert item["SK"] == {"S": "METADATA"}
    assert item["GSI1PK"] == {"S": "USER#session-1"}
    assert item["GSI1SK"] == {"S": f"QUERY#{ts}"}
    assert item["EntityType"] == {"S": "QUERY"}
    written = keys.parse_timestamp(ts)
    ttl = int(item["TTL"]["N"])
    assert abs(ttl - (written + timedelta(days=30)).timestamp()) < 2
    data = item["Data"]["M"]
    assert data["medA"] == {"S": "warfarin"}
    assert data["medB"] == {"S": "ibuprofen"}
    assert data["isPotentiallyRisky"] == {"BOOL": True}
    assert data["reason"] == {"S": "increased bleeding risk"}
    assert data["sessionId"] == {"S": "session-1"}
    assert len(ts) == len("2024-09-24T10:30:00.123Z") and ts.endswith("Z")


def test_recent_is_newest_first_limited_and_scoped(app: Flask) -> None:
    with app.app_context():
        history = _history()
        mine: list[str] = []
        for n in range(12):
            mine = history.add("session-a", Check(f"drug{n}", "x", False, "r")) + mine
        theirs = history.add("session-b", RISKY)
        recent = history.recent("session-a", own=mine)  # read back by id while GSI1 lags
        other = history.recent("session-b", own=theirs)
        nobody = history.recent("session-c")
        _indexed()
        assert history.recent("session-a") == recent  # the index alone, once caught up
    assert [entry.med_a for entry in recent] == [f"drug{n}" for n in range(11, 1, -1)]
    assert [entry.med_a for entry in other] == ["warfarin"]
    assert nobody == []


def test_expired_items_are_filtered_on_read(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        _history().add("session-ttl", RISKY)
    old_ts = "2024-01-01T00:00:00.000Z"
    dynamodb.put_item(
        TableName=table_name,
        Item={
            "PK": {"S": f"QUERY#{old_ts}#deadbeef"},
            "SK": {"S": "METADATA"},
            "GSI1PK": {"S": "USER#session-ttl"},
            "GSI1SK": {"S": f"QUERY#{old_ts}"},
            "EntityType": {"S": "QUERY"},
            "TTL": {"N": str(int(time.time()) - 60)},
            "Data": {
                "M": {
                    "medA": {"S": "expired"},
                    "medB": {"S": "item"},
                    "isPotentiallyRisky": {"BOOL": False},
                    "reason": {"S": "r"},
                    "timestamp": {"S": old_ts},
                    "sessionId": {"S": "session-ttl"},
                }
            },
        },
    )
    _indexed()
    with app.app_context():
        recent = _history().recent("session-ttl")
    assert [entry.med_a for entry in recent] == ["warfarin"]


def _seed_add_query(dynamodb, table_name: str, session_id: str, med_a: str, med_b: str) -> str:  # type: ignore[no-untyped-def]
    """What the seed's TypeScript `addQuery` writes: PK `QUERY#<toISOString()>`, no suffix."""
    now = datetime.now(UTC)
    timestamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    dynamodb.put_item(
        TableName=table_name,
        Item={
            "PK": {"S": f"QUERY#{timestamp}"},
            "SK": {"S": "METADATA"},
            "GSI1PK": {"S": f"USER#{session_id}"},
            "GSI1SK": {"S": f"QUERY#{timestamp}"},
            "EntityType": {"S": "QUERY"},
            "TTL": {"N": str(int(time.time()) + 30 * 24 * 60 * 60)},
            "Data": {
                "M": {
                    "medA": {"S": med_a},
                    "medB": {"S": med_b},
                    "isPotentiallyRisky": {"BOOL": True},
                    "reason": {"S": "hyperkalemia risk"},
                    "timestamp": {"S": timestamp},
                    "sessionId": {"S": session_id},
                }
            },
        },
    )
    return timestamp


def _seed_get_recent_queries(dynamodb, table_name: str, session_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The seed's `getRecentQueries`: GSI1 query, newest first, limit 10, id = PK.split('#')[1]."""
    deserialize = _deserializer()
    response = dynamodb.query(
        TableName=table_name,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :sk)",
        ExpressionAttributeValues={":pk": {"S": f"USER#{session_id}"}, ":sk": {"S": "QUERY#"}},
        ScanIndexForward=False,
        Limit=10,
    )
    rows = []
    for raw in response.get("Items", []):
        data = {k: deserialize(v) for k, v in raw.items()}
        rows.append({"id": data["PK"].split("#")[1], **data["Data"]})
    return rows


def _deserializer():  # type: ignore[no-untyped-def]
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer().deserialize


def test_item_written_by_the_seed_shows_in_history(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    timestamp = _seed_add_query(
        dynamodb, table_name, "seed-session", "lisinopril", "spironolactone"
    )
    _indexed()
    with app.app_context():
        (entry,) = _history().recent("seed-session")
    assert entry.id == timestamp
    assert (entry.med_a, entry.med_b) == ("lisinopril", "spironolactone")
    assert entry.is_potentially_risky is True
    assert entry.reason == "hyperkalemia risk"
    assert entry.timestamp == timestamp
    assert entry.severity is None


def test_item_written_by_mediphant_is_read_by_the_seeds_logic(
    app: Flask, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        written = _history().add("our-session", RISKY)
        (ours,) = _history().recent("our-session", own=written)
    _indexed()
    (row,) = _seed_get_recent_queries(dynamodb, table_name, "our-session")
    assert row["id"] == ours.timestamp
    assert row["medA"] == "warfarin"
    assert row["medB"] == "ibuprofen"
    assert row["isPotentiallyRisky"] is True
    assert row["reason"] == "increased bleeding risk"
    assert row["timestamp"] == ours.timestamp
    assert row["sessionId"] == "our-session"


def test_seed_and_mediphant_items_interleave_in_time_order(
    app: Flask, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        mine = _history().add("mixed", RISKY)
        time.sleep(0.005)
        _seed_add_query(dynamodb, table_name, "mixed", "lisinopril", "spironolactone")
        time.sleep(0.005)
        _indexed()
        mine += _history().add(
            "mixed",
            Check(
                "metformin", "contrast dye", True, "lactic acidosis risk around imaging contrast"
            ),
        )
        recent = _history().recent("mixed", own=mine)
    assert [entry.med_a for entry in recent] == ["metformin", "lisinopril", "warfarin"]


def test_clear_deletes_only_that_sessions_queries(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        history = _history()
        for n in range(30):
            history.add("to-clear", Check(f"d{n}", "x", False, "r"))
        _seed_add_query(dynamodb, table_name, "to-clear", "lisinopril", "spironolactone")
        kept = history.add("to-keep", RISKY)
        _indexed()
        assert history.clear("to-clear") == 31
        assert history.recent("to-clear") == []
        assert [e.med_a for e in history.recent("to-keep", own=kept)] == ["warfarin"]
    assert dynamodb.scan(TableName=table_name, Select="COUNT")["Count"] == 1


def test_the_later_sweeps_of_a_clear_keep_the_checks_made_since(app: Flask) -> None:
    """A clear is swept again later for what a lagging index hid; a check made after the
    clear is the visitor's new history and must survive those sweeps."""
    with app.app_context():
        history = _history()
        history.add("swept", Check("old", "x", False, "r"))
        _indexed()
        cleared_at = keys.timestamp(keys.now())
        history.clear("swept")
        time.sleep(0.01)  # the next check's timestamp is later than the clear's
        since = history.add("swept", RISKY)
        _indexed()  # the index now shows it: a sweep sees it
        assert history.sweep("swept", cleared_at) == 0
        assert [e.med_a for e in history.recent("swept", own=since)] == ["warfarin"]
        assert [e.med_a for e in history.recent("swept")] == ["warfarin"]


def test_add_many_batches_and_keeps_list_order(app: Flask) -> None:
    with app.app_context():
        history = _history()
        checks = [Check(f"m{n}", "x", False, "r") for n in range(30)]
        written = history.add_many("batch", checks)
        recent = history.recent("batch", own=written)
    assert [entry.med_a for entry in recent] == [f"m{n}" for n in range(10)]
