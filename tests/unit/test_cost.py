"""The cost arithmetic: DynamoDB's unit rules, the per-check footprint, the seed's example."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from mediphant import cost
from mediphant.cost import ItemSizes, Workload, estimate

KB = 1024
SEED_SIZES = ItemSizes.uniform(KB)
# Only what produces no extra writes: one request per rate window, endless sessions.
STEADY = {"requests_per_rate_window": 1e12, "checks_per_session": 1e12}


def test_prices_are_the_post_november_2024_us_east_1_on_demand_prices() -> None:
    assert cost.PRICES_AS_OF == "2024-11-01"
    assert cost.PRICES_REGION == "us-east-1"
    assert cost.WRITE_PRICE_PER_MILLION == 0.625
    assert cost.READ_PRICE_PER_MILLION == 0.125
    assert cost.PREVIOUS_WRITE_PRICE_PER_MILLION == 2 * cost.WRITE_PRICE_PER_MILLION
    assert cost.PREVIOUS_READ_PRICE_PER_MILLION == 2 * cost.READ_PRICE_PER_MILLION
    assert cost.STORAGE_PRICE_PER_GB_MONTH == 0.25


@pytest.mark.parametrize(
    ("size", "units"),
    [(0, 1), (1, 1), (1024, 1), (1025, 2), (2048, 2), (2049, 3), (400 * KB, 400)],
)
def test_a_write_costs_one_unit_per_started_kilobyte(size: int, units: int) -> None:
    assert cost.write_units(size) == units


@pytest.mark.parametrize(
    ("total", "eventual", "strong"),
    [(0, 0.5, 1), (1, 0.5, 1), (4096, 0.5, 1), (4097, 1.0, 2), (10 * KB, 1.5, 3)],
)
def test_a_read_costs_per_started_4kb_and_half_when_eventually_consistent(
    total: int, eventual: float, strong: int
) -> None:
    assert cost.read_units(total) == eventual
    assert cost.read_units(total, consistent=True) == strong


def test_item_size_follows_dynamodb_rules() -> None:
    assert cost.item_size({"PK": "abc"}) == 2 + 3
    assert cost.item_size({"n": 12345}) == 1 + 3 + 1  # 5 digits: 3 bytes + 1
    assert cost.item_size({"n": 1729765800}) == 1 + 4 + 1  # trailing zeros trimmed
    assert cost.item_size({"n": 0.123}) == 1 + 2 + 1
    assert cost.item_size({"b": True, "z": None}) == 2 + 2
    assert cost.item_size({"s": "é"}) == 1 + 2  # UTF-8 bytes
    # A map: 3 bytes, then per element 1 byte + name + value.
    assert cost.item_size({"Data": {"medA": "x"}}) == 4 + 3 + 1 + 4 + 1
    assert cost.item_size({"Data": {}}) == 4 + 3
    assert cost.item_size({"L": ["ab", 1]}) == 1 + 3 + (1 + 2) + (1 + 2)


def test_nominal_sizes_are_the_typical_items_and_fit_in_one_write_unit() -> None:
    for entity, item in cost.TYPICAL_ITEMS.items():
        assert item["EntityType"] == entity
        assert 150 < cost.item_size(item) < KB
    assert cost.NOMINAL_SIZES.query == cost.item_size(cost.TYPICAL_ITEMS["QUERY"])
    assert cost.NOMINAL_SIZES.session == cost.item_size(cost.TYPICAL_ITEMS["SESSION"])
    # Only the entities with GSI1 keys are projected into GSI1.
    with_gsi = {name for name, item in cost.TYPICAL_ITEMS.items() if "GSI1PK" in item}
    assert with_gsi == cost.GSI1_ENTITIES == {"QUERY"}


def test_steady_state_check_costs_four_write_units_and_a_search_two() -> None:
    one_check = estimate(Workload(checks_per_day=1, searches_per_day=0, days_per_month=1, **STEADY))
    assert one_check.line("rate_limit_update").units == 1
    assert one_check.line("query_put").units == 1
    assert one_check.line("query_put_gsi1").units == 1
    assert one_check.line("session_update").units == pytest.approx(1)
    assert one_check.write_units == pytest.approx(4)
    assert one_check.read_units == 0.5  # the history view after the redirect

    one_search = estimate(
        Workload(checks_per_day=0, searches_per_day=1, days_per_month=1, **STEADY)
    )
    assert one_search.line("rate_limit_update").units == 1
    assert one_search.line("faq_search_put").units == 1
    assert one_search.write_units == pytest.approx(2)
    assert one_search.read_units == 0


def test_first_hit_of_a_window_and_first_check_of_a_session_cost_extra_writes() -> None:
    est = estimate(
        Workload(
            checks_per_day=10,
            searches_per_day=0,
            days_per_month=1,
            requests_per_rate_window=2,
            checks_per_session=5,
        )
    )
    assert est.line("rate_limit_update").units == 10  # every hit tries the update
    assert est.line("rate_limit_new_window").units == 5  # every second opens a window
    assert est.line("session_update").units == 8  # a new session is created, not updated
    assert est.line("session_create").units == 2


def test_gsi1_doubles_writes_and_storage_of_indexed_items_only() -> None:
    big = ItemSizes(query=3000, session=1500, rate_limit=3000, faq_search=3000)
    est = estimate(Workload(checks_per_day=1, searches_per_day=1, days_per_month=1, **STEADY), big)
    assert est.line("query_put").units_each == 3
    assert est.line("query_put_gsi1").units_each == 3
    assert est.line("session_update").units_each == 2
    # No GSI1 line for SESSION, RATE_LIMIT or FAQ_SEARCH items: the index is sparse.
    assert not [line for line in est.lines if "gsi1" in line.key and "session" in line.key]
    assert not [line for line in est.lines if "gsi1" in line.key and "rate" in line.key]
    assert not [line for line in est.lines if "gsi1" in line.key and "faq" in line.key]
    assert est.line("storage_query").units_each == 2 * (3000 + 100)
    assert est.line("storage_session").units_each == 1500 + 100
    assert est.line("storage_faq_search").units_each == 3000 + 100
    assert est.line("storage_rate_limit").units_each == 3000 + 100


def test_size_rounding_changes_units_at_the_kilobyte_boundary() -> None:
    def query_wru(size: int) -> float:
        sizes = ItemSizes(query=size, session=200, rate_limit=200, faq_search=200)
        return (
            estimate(Workload(checks_per_day=1, days_per_month=1, **STEADY), sizes)
            .line("query_put")
            .units
        )

    assert query_wru(1024) == 1
    assert query_wru(1025) == 2


def test_history_view_reads_a_page_of_items_as_one_eventually_consistent_query() -> None:
    sizes = ItemSizes.uniform(KB)
    page = estimate(Workload(checks_per_day=1, days_per_month=1), sizes).line("history_view")
    assert page.units_each == 1.5  # 10 x 1 KB = 10 KB -> 3 blocks of 4 KB x 0.5
    one = estimate(Workload(checks_per_day=1, days_per_month=1, history_items_per_view=1), sizes)
    assert one.line("history_view").units_each == 0.5
    views = estimate(Workload(checks_per_day=10, history_views_per_day=3, days_per_month=1))
    assert views.line("history_view").count == 3


def test_seed_example_corrected() -> None:
    """1,000 queries/day, 30-day retention, 1 KB items (the seed's Cost Estimation)."""
    est = estimate(Workload(checks_per_day=1000, searches_per_day=0, retention_days=30), SEED_SIZES)
    # Writes: 30,000 puts a month, each also written to GSI1.
    assert est.line("query_put").units == 30_000
    assert est.line("query_put_gsi1").units == 30_000
    seed_writes = est.line("query_put").dollars + est.line("query_put_gsi1").dollars
    assert seed_writes == pytest.approx(0.0375)
    assert cost.write_dollars(60_000, cost.PREVIOUS_WRITE_PRICE_PER_MILLION) == pytest.approx(0.075)
    # The seed's own write arithmetic: 1,000 x $1.25/M is $0.00125, not $0.13.
    assert cost.write_dollars(1_000, cost.PREVIOUS_WRITE_PRICE_PER_MILLION) == pytest.approx(
        0.00125
    )
    # Reads: the seed's own arithmetic, 30,000 x $0.125/M = $0.00375 (it says ~$0.50) ...
    assert cost.read_dollars(30_000) == pytest.approx(0.00375)
    # ... and by the rules: a page of 10 x 1 KB is 1.5 RRU eventually consistent.
    assert est.line("history_view").units == 45_000
    assert est.line("history_view").dollars == pytest.approx(0.005625)
    # Storage: the seed's own arithmetic, 30,000 x 1 KB = 0.03 GB -> $0.0075 (it says ~$0.50);
    assert cost.storage_dollars(30_000 * 1000 / 1e9) == pytest.approx(0.0075)
    # by the rules: 30,000 items x (1,024 + 100 B) x 2 (GSI1 copy) in binary GB.
    storage = est.line("storage_query")
    assert storage.count == 30_000
    assert storage.units == pytest.approx(30_000 * 2 * 1124 / 2**30)
    assert storage.dollars == pytest.approx(0.0157, abs=5e-5)
    seed_scope = seed_writes + est.line("history_view").dollars + storage.dollars
    assert seed_scope == pytest.approx(0.0588, abs=1e-4)
    assert 1.13 / seed_scope > 19


def test_totals_add_up_and_the_format_shows_them() -> None:
    est = estimate()
    assert est.total == pytest.approx(est.write_dollars + est.read_dollars + est.storage_dollars)
    assert est.write_dollars == pytest.approx(est.write_units * 0.625 / 1e6)
    assert est.read_dollars == pytest.approx(est.read_units * 0.125 / 1e6)
    text = cost.format_estimate(est)
    assert f"{est.total:.4f}" in text
    assert "2024-11-01" in text
    assert "history PutItem (QUERY)" in text


def test_average_item_size_is_none_for_an_empty_table() -> None:
    assert cost.average_item_size(0, 0) is None
    assert cost.average_item_size(1000, 0) is None
    assert cost.average_item_size(3000, 10) == 300


def test_cost_module_is_pure() -> None:
    source = Path(cost.__file__).read_text()
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name and name.startswith(("flask", "mediphant"))}
    assert not {name for name in imported if name and name.startswith(("pynamodb", "boto"))}


@pytest.mark.parametrize(
    ("number", "size"),
    [
        ("0", 1),
        ("7", 2),
        ("100", 2),
        ("1200", 2),
        ("120", 3),
        ("1.5", 3),
        ("0.868", 3),
        ("0.034", 3),
        ("3.456", 4),
        ("12.345", 4),
        ("-1.5", 4),
    ],
)
def test_number_sizes_are_dynamodbs(number: str, size: int) -> None:
    """Base-100 pairs aligned on the decimal point (each measured against DynamoDB Local's
    TableSizeBytes): counting significant digits alone under-counts 1.5, 120 and 3.456."""
    assert cost.value_size(Decimal(number)) == size
