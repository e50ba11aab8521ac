"""`flask --app mediphant cost-estimate` against DynamoDB Local: empty table, then with items."""

from __future__ import annotations

import re
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from flask import Flask

from mediphant import cost
from mediphant.store import table
from tests.conftest import eventually


def _run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["cost-estimate", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _total(output: str) -> float:
    (match,) = re.findall(r"^total\s+(\d+\.\d{4})$", output, flags=re.MULTILINE)
    return float(match)


def test_empty_table_uses_the_nominal_item_sizes(app: Flask) -> None:
    output = _run(app)
    expected = cost.estimate(cost.Workload(), cost.NOMINAL_SIZES)
    assert _total(output) == round(expected.total, 4)
    assert "nominal QUERY" in output
    assert "reports 0 items" in output
    assert "prices as of 2024-11-01" in output
    for label in (
        "rate limit UpdateItem",
        "history PutItem (QUERY)",
        "GSI1 copy of QUERY",
        "session UpdateItem",
        "FAQ search PutItem",
        "history view",
        "storage QUERY",
    ):
        assert label in output


def test_options_change_the_workload(app: Flask) -> None:
    output = _run(
        app,
        "--checks-per-day",
        "500",
        "--searches-per-day",
        "0",
        "--history-views-per-day",
        "100",
        "--retention-days",
        "7",
        "--item-size",
        "1024",
    )
    workload = cost.Workload(
        checks_per_day=500, searches_per_day=0, history_views_per_day=100, retention_days=7
    )
    expected = cost.estimate(workload, cost.ItemSizes.uniform(1024))
    assert _total(output) == round(expected.total, 4)
    assert "1024 bytes (--item-size)" in output
    assert "500 checks/day, 0 FAQ searches/day, 100 history views/day" in output


def test_with_items_written_it_uses_the_tables_average(app: Flask) -> None:
    client = app.test_client()
    for med_a, med_b in (
        ("warfarin", "ibuprofen"),
        ("Advil", "aspirin"),
        ("sertraline", "tramadol"),
    ):
        response = client.post("/", data={"medA": med_a, "medB": med_b})
        assert response.status_code == 303
        client.get(response.headers["Location"])  # the history view
    client.get("/faq?q=alcohol").close()
    with app.app_context():
        app.extensions["mediphant.searches"].flush()  # written now, not by the background thread
        info = table.status()
    output = _run(app)
    assert f"reports {info.item_count} items, {info.size_bytes} bytes" in output
    # DynamoDB Local counts at once (AWS refreshes these figures about every six hours).
    assert info.item_count >= 6  # 3 QUERY, 1 SESSION, 1 FAQ_SEARCH, 1+ RATE_LIMIT
    average = cost.average_item_size(info.size_bytes, info.item_count)
    assert average is not None
    assert f"{average:.0f} bytes average" in output
    expected = cost.estimate(cost.Workload(), cost.ItemSizes.uniform(average))
    assert _total(output) == round(expected.total, 4)


def test_item_size_rules_match_the_engines_table_size(
    app: Flask, dynamodb: Any, table_name: str
) -> None:
    """cost.item_size() of every stored item adds up to the engine's TableSizeBytes."""
    client = app.test_client()
    response = client.post("/", data={"medA": "warfarin", "medB": "ibuprofen"})
    assert response.status_code == 303
    client.get("/faq?q=missed dose").close()
    with app.app_context():
        app.extensions["mediphant.searches"].flush()  # written now, not by the background thread
    deserializer = TypeDeserializer()

    def measured() -> tuple[list[dict[str, Any]], int, int]:
        items = [
            {name: deserializer.deserialize(value) for name, value in raw.items()}
            for raw in dynamodb.scan(TableName=table_name)["Items"]
        ]
        described = dynamodb.describe_table(TableName=table_name)["Table"]
        return items, sum(cost.item_size(i) for i in items), described["TableSizeBytes"]

    def agreeing() -> tuple[list[dict[str, Any]], int, int] | None:
        taken = measured()
        return taken if taken[1] == taken[2] else None

    # The worker's background thread may still be adding to a count between the scan and
    # the description (a byte more when a number gains a digit): compare once both agree.
    items, computed, engine_size = eventually(agreeing) or measured()
    assert {item["EntityType"] for item in items} == {
        "QUERY",
        "SESSION",
        "RATE_LIMIT",
        "FAQ_SEARCH",
    }
    assert computed == engine_size
    # The nominal sizes are those of real items, within a few bytes of names and counts.
    by_entity = {item["EntityType"]: cost.item_size(item) for item in items}
    assert abs(by_entity["QUERY"] - cost.NOMINAL_SIZES.query) <= 8
    assert abs(by_entity["SESSION"] - cost.NOMINAL_SIZES.session) <= 8
    assert abs(by_entity["RATE_LIMIT"] - cost.NOMINAL_SIZES.rate_limit) <= 8
