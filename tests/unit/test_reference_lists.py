"""The ONC high-priority list and FDA boxed-warning / contraindicated combinations.

Each pair must come out at least as severe as the list or label grades it, and the rule that
leads the verdict must cite that list or label section (``tests/data/reference_pairs.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mediphant.domain.interactions import Checker, Severity, default_checker

DATA = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "reference_pairs.json").read_text("utf-8")
)
ONC = [(e["entry"], a, b) for e in DATA["onc"] for a, b in e["pairs"]]
BOXED = [(e, a, b) for e in DATA["boxed"] for a, b in e["pairs"]]


@pytest.fixture(scope="module")
def real() -> Checker:
    return default_checker()


def test_the_onc_list_has_its_fifteen_entries() -> None:
    assert len(DATA["onc"]) == 15


@pytest.mark.parametrize(("entry", "a", "b"), ONC)
def test_onc_pair_is_contraindicated_and_cites_the_list(
    real: Checker, entry: str, a: str, b: str
) -> None:
    for x, y in ((a, b), (b, a)):
        result = real.check(x, y)
        assert result.severity == Severity.CONTRAINDICATED.value, f"{entry}: {result.reason}"
        assert result.lead is not None
        assert DATA["onc_source"] in {s.url for s in result.lead.sources}, result.lead.rule_id


@pytest.mark.parametrize(("entry", "a", "b"), BOXED, ids=[f"{a}+{b}" for _, a, b in BOXED])
def test_boxed_warning_pair_is_graded_as_the_label_and_cites_it(
    real: Checker, entry: dict[str, Any], a: str, b: str
) -> None:
    result = real.check(a, b)
    floor = Severity.parse(entry["severity"])
    assert result.lead is not None, f"{entry['entry']}: {result.reason}"
    assert result.lead.severity.rank >= floor.rank, f"{entry['entry']}: {result.severity}"
    titles = " | ".join(s.title for s in result.lead.sources).lower()
    assert entry["cite"].lower() in titles, f"{entry['entry']}: {titles}"
