from flask import Flask
from flask.testing import FlaskCliRunner

from mediphant.store import table
from tests.conftest import ProxiedEngine, make_app
from tests.faultproxy import FaultProxy


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


def test_cli_waits_for_a_slow_engine_as_an_operator_would(
    engine: ProxiedEngine, proxy: FaultProxy, table_name: str, dynamodb
) -> None:  # type: ignore[no-untyped-def]
    """A request's read time-out (0.3 s) is no time-out for an operator: a DynamoDB Local
    just started answers its first calls in a second or more (`make run` failed so)."""
    app = make_app(
        engine,
        table_name,
        dynamodb_timeout_seconds=0.3,  # production's, as a worker has them
        dynamodb_budget_seconds=0.8,
        dynamodb_slow_seconds=0.25,
    )
    proxy.set(latency=0.5)
    try:
        created = app.test_cli_runner().invoke(args=["db", "create"])
    finally:
        proxy.clear()
    assert created.exit_code == 0, created.output
    assert table_name in dynamodb.list_tables()["TableNames"]
    with app.app_context():
        table.drop()
