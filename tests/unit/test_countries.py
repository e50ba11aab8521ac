"""Brand names that mean different medicines in different countries."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mediphant.domain.interactions import Checker, default_checker
from mediphant.domain.medications import Formulary


@pytest.fixture(scope="module")
def real() -> Checker:
    return default_checker()


def test_without_a_country_every_meaning_is_checked_and_said(real: Checker) -> None:
    result = real.check("Benadryl", "ZzzQuil")
    assert result.status == "duplicate"  # the US and Canadian Benadryl is diphenhydramine
    assert "no country was chosen, so we checked every meaning" in result.explanation
    resolved = result.to_api()["resolved"][0]
    assert {m["name"] for m in resolved["meanings"]} == {
        "diphenhydramine",
        "cetirizine",
        "acrivastine",
    }
    assert result.to_api()["country"] is None


def test_a_country_picks_its_meaning_and_says_what_it_means_elsewhere(real: Checker) -> None:
    result = real.check("Benadryl", "ZzzQuil", country="US")
    assert result.status == "duplicate"
    assert result.resolved_a.medication is not None
    assert result.resolved_a.medication.id == "diphenhydramine"
    assert "in US, Benadryl is diphenhydramine; elsewhere Benadryl means" in result.explanation
    api = result.to_api()
    assert api["country"] == "US"
    assert {e["name"] for e in api["resolved"][0]["elsewhere"]} == {"cetirizine", "acrivastine"}


def test_the_uk_benadryl_is_not_diphenhydramine(real: Checker) -> None:
    uk = real.check("Benadryl", "ZzzQuil", country="UK")
    assert (uk.status, uk.reason) == ("interaction", "extra drowsiness")  # not a duplicate
    assert "Benadryl (cetirizine, as sold in UK)" in uk.explanation
    assert "in UK, Benadryl is sold as more than one medicine" in uk.explanation
    assert real.check("Benadryl", "Zyrtec", country="UK").status == "duplicate"
    us = real.check("Benadryl", "Zyrtec", country="US")
    assert (us.status, us.reason) == ("interaction", "extra drowsiness")
    assert "in US, Benadryl is diphenhydramine" in us.explanation


def test_a_country_with_no_recorded_meaning_checks_every_meaning(real: Checker) -> None:
    result = real.check("Benadryl", "ZzzQuil", country="AU")
    assert result.status == "duplicate"
    assert "none is recorded for AU, so we checked every meaning" in result.explanation


def test_sominex_differs_between_the_us_and_the_uk(real: Checker) -> None:
    assert real.check("Sominex", "Phenergan", country="UK").status == "duplicate"
    us = real.check("Sominex", "Phenergan", country="US")
    assert us.status == "interaction"
    assert "elsewhere Sominex means promethazine in UK" in us.explanation


def test_canadian_tylenol_no_3_contains_caffeine(real: Checker) -> None:
    ca = real.check("Tylenol 3", "NoDoz", country="CA")
    assert ca.status == "duplicate" and "caffeine" in ca.reason
    assert real.check("Tylenol 3", "NoDoz", country="US").status == "no_known_interaction"
    both = real.check("Tylenol 3", "Tylenol")
    assert both.status == "duplicate" and "acetaminophen" in both.reason


def test_a_brand_outside_its_countries_still_resolves_and_says_where_it_is_sold(
    real: Checker,
) -> None:
    result = real.check("Tylenol", "paracetamol", country="UK")
    assert result.status == "duplicate"
    assert "Tylenol is a brand of acetaminophen sold in US, CA, not in UK" in result.explanation


def test_list_check_reads_names_for_the_country(real: Checker) -> None:
    uk = real.check_list(["Benadryl", "Zyrtec", "metformin"], country="UK")
    us = real.check_list(["Benadryl", "Zyrtec", "metformin"], country="US")
    # UK Benadryl is cetirizine, as Zyrtec; US Benadryl is diphenhydramine, which adds to
    # cetirizine's drowsiness.
    assert [p.status for p in uk.pairs] == ["duplicate"]
    assert [(p.status, p.reason) for p in us.pairs] == [("interaction", "extra drowsiness")]


CLASSES: dict[str, Any] = {"classes": []}
MEDS: dict[str, Any] = {
    "medications": [
        {"id": "a", "name": "a", "brands": [{"name": "Brand", "countries": ["US"]}],
         "synonyms": [], "classes": []},
        {"id": "b", "name": "b", "brands": [{"name": "Brand", "countries": ["UK"]}],
         "synonyms": [], "classes": []},
    ]
}  # fmt: skip


def test_inline_brand_with_two_meanings_is_valid() -> None:
    f = Formulary.from_data(MEDS, CLASSES)
    assert f.resolve("brand", "US").medication is f.get("a")
    assert f.resolve("brand", "UK").medication is f.get("b")
    stand_in = f.resolve("brand").medication
    assert stand_in is not None and dict(stand_in.meanings) == {"a": ("US",), "b": ("UK",)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m[1].update(brands=["Brand"]), "normalise to the same key"),
        (lambda m: m[1].update(brands=[{"name": "Brand", "countries": ["FR"]}]), "countries must"),
        (lambda m: m[1].update(brands=[{"name": "Brand", "countries": []}]), "countries must"),
        (lambda m: m[1].update(brands=[{"countries": ["UK"]}]), "'name'"),
    ],
)
def test_brand_country_validation(change: Any, message: str) -> None:
    data = copy.deepcopy(MEDS)
    change(data["medications"])
    with pytest.raises(ValueError, match=message):
        Formulary.from_data(data, CLASSES)
