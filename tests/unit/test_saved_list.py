"""The saved list's logic on the shipped knowledge base: resolving, overlaps, order, limits."""

from __future__ import annotations

import pytest

from mediphant.domain.interactions import Severity, default_checker
from mediphant.domain.medications import default_formulary
from mediphant.domain.saved_list import (
    MAX_SAVED,
    SavedMedicine,
    add,
    build,
    check_against,
    ingredients,
    overlaps,
    overlaps_with,
    remove,
    resolve_name,
)


def entry(name: str) -> SavedMedicine:
    found, error = resolve_name(default_formulary(), name, "a medicine")
    assert found is not None, error
    return found


def test_a_name_keeps_what_was_typed_and_what_it_is() -> None:
    assert entry("Lipitor") == SavedMedicine("Lipitor", "atorvastatin", "atorvastatin")
    assert entry("  warfrin ") == SavedMedicine("warfrin", "warfarin", "warfarin")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("metro", "Did you mean metronidazole"),
        ("zzqqxxw", "found nothing close"),
        ("", "Enter"),
        (5, "must be text"),
        ("warfarin<script>", "may contain only"),
    ],
)
def test_unknown_or_invalid_names_are_refused_with_a_reason(raw: object, words: str) -> None:
    found, error = resolve_name(default_formulary(), raw, "a medicine")
    assert found is None and words in error


def test_ingredients_of_products() -> None:
    meds = default_formulary().medications
    formulary = default_formulary()
    assert ingredients(formulary, meds["acetaminophen"]) == {"acetaminophen"}
    assert ingredients(formulary, meds["oxycodone-acetaminophen"]) >= {"oxycodone", "acetaminophen"}
    assert ingredients(formulary, meds["amlodipine-atorvastatin"]) == {
        "amlodipine-atorvastatin",
        "amlodipine",
        "atorvastatin",
    }
    # A hyphenated id is not split into words that are not medicines.
    assert ingredients(formulary, meds["st-johns-wort"]) == {"st-johns-wort"}


def test_duplicates_by_ingredient_and_by_product() -> None:
    formulary = default_formulary()
    listed = [entry("acetaminophen"), entry("warfarin")]
    (same,) = overlaps_with(formulary, entry("Tylenol"), listed)
    assert same.ingredient == "acetaminophen"
    assert same.message.startswith("Tylenol and acetaminophen are the same medicine")
    (product,) = overlaps_with(formulary, entry("Percocet"), listed)
    assert product.message.startswith("Percocet contains acetaminophen, already on your list")
    (inside,) = overlaps_with(formulary, entry("acetaminophen"), [entry("Norco")])
    assert inside.message.startswith("Norco on your list already contains acetaminophen")
    (statin,) = overlaps_with(formulary, entry("Lipitor"), [entry("Caduet")])
    assert statin.ingredient == "atorvastatin"
    assert overlaps_with(formulary, entry("ibuprofen"), listed) == []
    assert (
        len(overlaps(formulary, [entry("Tylenol"), entry("Percocet"), entry("paracetamol")])) == 3
    )


def test_add_keeps_order_skips_the_same_name_and_stops_at_the_limit() -> None:
    listed = [entry("warfarin"), entry("Lipitor")]
    more, error = add(listed, [entry("metformin"), entry("WARFARIN"), entry("Tylenol")])
    assert error == ""
    assert [m.input for m in more] == ["warfarin", "Lipitor", "metformin", "Tylenol"]
    full = [SavedMedicine(f"name {n}", "warfarin", "warfarin") for n in range(MAX_SAVED)]
    same, error = add(full, [entry("aspirin")])
    assert same == full and f"at most {MAX_SAVED}" in error
    unchanged, error = add(full, [SavedMedicine("name 3", "warfarin", "warfarin")])
    assert unchanged == full and error == ""


def test_remove_by_position() -> None:
    listed = [entry("warfarin"), entry("Lipitor"), entry("metformin")]
    assert [m.input for m in remove(listed, 1)] == ["warfarin", "metformin"]
    assert remove(listed, 7) == listed


def test_build_a_whole_list() -> None:
    formulary = default_formulary()
    medicines, errors = build(formulary, ["warfarin", "Lipitor"])
    assert errors == {} and [m.id for m in medicines] == ["warfarin", "atorvastatin"]
    assert build(formulary, [])[1] == {}
    _, errors = build(formulary, ["warfarin", "Warfarin ", "metro"])
    assert set(errors) == {"medicines[1]", "medicines[2]"}
    _, errors = build(formulary, ["aspirin"] * (MAX_SAVED + 1))
    assert errors == {"medicines": f"a list holds at most {MAX_SAVED} medicines"}
    assert build(formulary, None)[1] == {"medicines": "send medicines as a list of names"}


def test_check_against_lists_findings_most_severe_first() -> None:
    saved = [entry(n) for n in ("metformin", "Lipitor", "warfarin", "sertraline", "Tylenol")]
    result = check_against(default_checker(), entry("Advil"), saved)
    ranks = [f.finding.severity.rank for f in result.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert result.findings[0].finding.severity is Severity.MAJOR
    assert {f.with_.input for f in result.findings} == {"warfarin", "sertraline"}
    assert [m.input for m in result.no_known_interaction] == ["metformin", "Lipitor", "Tylenol"]
    assert result.is_potentially_risky
    risky = result.risky_results
    assert [r.med_b for r in risky][0] in {"warfarin", "sertraline"} and len(risky) == 2
    api = result.to_api()
    assert api["medicine"] == {"input": "Advil", "id": "ibuprofen", "name": "ibuprofen"}
    assert set(api["findings"][0]) >= {
        "with", "severity", "reason", "mechanism", "advice", "sources",
    }  # fmt: skip


def test_a_medicine_no_longer_known_is_never_called_safe() -> None:
    gone = SavedMedicine("oldname", "no-such-id", "no such medicine")
    result = check_against(default_checker(), entry("Advil"), [gone, entry("metformin")])
    assert [m.input for m in result.no_known_interaction] == ["metformin"]
    assert result.findings == ()
