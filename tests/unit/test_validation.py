import pytest

from mediphant.domain.validation import clean_name, validate_list, validate_pair


def test_valid_pair_is_trimmed_and_collapsed() -> None:
    checked = validate_pair("  warfarin ", "St. John's   wort")
    assert checked.ok
    assert checked.values == {"medA": "warfarin", "medB": "St. John's wort"}


@pytest.mark.parametrize(
    ("med_a", "med_b", "field"),
    [
        ("", "ibuprofen", "medA"),
        ("warfarin", "   ", "medB"),
        (None, "ibuprofen", "medA"),
        ("w" * 101, "ibuprofen", "medA"),
        ("warfarin", "<script>alert(1)</script>", "medB"),
        ("warfarin\x00", "ibuprofen", "medA"),
        ("warfarin", "ibuprofen; DROP TABLE", "medB"),
        (42, "ibuprofen", "medA"),
        (["warfarin"], "ibuprofen", "medA"),
    ],
)
def test_invalid_names_name_their_field(med_a: object, med_b: object, field: str) -> None:
    checked = validate_pair(med_a, med_b)
    assert not checked.ok
    assert field in checked.errors
    assert checked.errors[field]


def test_hundred_characters_is_the_limit() -> None:
    assert validate_pair("a" * 100, "b").ok
    assert not validate_pair("a" * 101, "b").ok


def test_allowed_punctuation() -> None:
    assert validate_pair("co-codamol 30/500", "vitamin B12 (cyanocobalamin), 1,000 mcg + D").ok


def test_same_medication_twice_ignoring_case_and_spacing() -> None:
    checked = validate_pair("Warfarin", " war farin ")
    assert not checked.ok
    assert "same medication twice" in checked.errors["medB"]


def test_curly_apostrophe_from_phones_is_accepted() -> None:
    value, error = clean_name("St John\u2019s wort", "x")
    assert error is None
    assert value == "St John's wort"


def test_list_needs_two_to_ten_distinct_names() -> None:
    assert validate_list(["warfarin", "ibuprofen", ""]).ok
    assert "list" in validate_list(["warfarin"]).errors
    assert "list" in validate_list([f"drug{n}" for n in range(11)]).errors
    repeated = validate_list(["warfarin", "WARFARIN"])
    assert not repeated.ok
