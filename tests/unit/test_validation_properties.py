"""Property-based tests of the validators: any input gets an answer, never an exception."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from mediphant.domain.validation import (
    MAX_NAME_LENGTH,
    MAX_QUERY_LENGTH,
    clean_query,
    validate_list,
    validate_pair,
)

ALLOWED = re.compile(r"[A-Za-z0-9 \-'/().,+]+")
anything = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.none(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(), st.text(), max_size=2),
)
names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789 -'/().,+", min_size=1, max_size=120
)


@given(anything, anything)
def test_pair_validation_answers_every_input(med_a: object, med_b: object) -> None:
    checked = validate_pair(med_a, med_b)
    assert set(checked.errors) <= {"medA", "medB"}
    if checked.ok:
        for value in checked.values.values():
            assert value == value.strip() and 0 < len(value) <= MAX_NAME_LENGTH
            assert ALLOWED.fullmatch(value)
            assert "  " not in value


@given(names, names)
def test_accepted_names_are_exactly_the_allowed_ones(med_a: str, med_b: str) -> None:
    checked = validate_pair(med_a, med_b)
    a_ok = 0 < len(med_a.strip()) and len(med_a) <= MAX_NAME_LENGTH
    assert ("medA" not in checked.errors) == a_ok


@given(st.text(min_size=1), st.sampled_from(list('<>"`;{}[]=&%$#@!?*\\|~^\x00\x07\u202e😀')))
def test_a_forbidden_character_is_always_refused(text: str, bad: str) -> None:
    checked = validate_pair("warfarin", text[:40] + bad + text[40:80])
    assert "medB" in checked.errors


@given(st.lists(anything, max_size=14))
def test_list_validation_answers_every_input(values: list[object]) -> None:
    checked = validate_list(values)
    if checked.ok:
        kept = list(checked.values.values())
        assert 2 <= len(kept) <= 10
        assert len({v.casefold().replace(" ", "") for v in kept}) == len(kept)


@given(anything)
def test_query_cleaning_answers_every_input(raw: object) -> None:
    text, error = clean_query(raw)
    if error is None:
        assert 0 < len(text) <= MAX_QUERY_LENGTH
        assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in text)
