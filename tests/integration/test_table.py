from flask import Flask
from flask.testing import FlaskCliRunner

from mediphant.store import table


def test_create_is_idempotent_and_sets_up_gsi_and_ttl(app: Flask) -> None:
    with app.app_context():
        assert table.create() is False  # the fixture created it already
        info = table.status()
    assert info.status == "ACTIVE"
    assert info.indexes == {"GSI1": "ACTIVE"}
    assert info.ttl == "ENABLED"


def test_schema_matches_the_seed(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    described = dynamodb.describe_table(TableName=table_name)["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in described["KeySchema"]} == {
        "PK": "HASH",
        "SK": "RANGE",
    }
    (gsi,) = described["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "GSI1"
    assert {k["AttributeName"]: k["KeyType"] for k in gsi["KeySchema"]} == {
        "GSI1PK": "HASH",
        "GSI1SK": "RANGE",
    }
    assert gsi["Projection"]["ProjectionType"] == "ALL"
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "TTL"


def test_cli_create_status_drop(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    runner: FlaskCliRunner = app.test_cli_runner()
    created = runner.invoke(args=["db", "create"])
    assert created.exit_code == 0, created.output
    assert "already exists" in created.output
    status = runner.invoke(args=["db", "status"])
    assert status.exit_code == 0, status.output
    assert "GSI1 (ACTIVE)" in status.output and "TTL (ENABLED)" in status.output
    refused = runner.invoke(args=["db", "drop"], input="n\n")
    assert refused.exit_code != 0
    assert table_name in dynamodb.list_tables()["TableNames"]
    dropped = runner.invoke(args=["db", "drop", "--yes"])
    assert dropped.exit_code == 0, dropped.output
    assert table_name not in dynamodb.list_tables()["TableNames"]
    recreated = runner.invoke(args=["db", "create"])
    assert "created" in recreated.output
