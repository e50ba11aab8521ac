"""Window arithmetic of the dynamodb:// storage at and around window boundaries.

The epoch is about 1.8e9 s: a float tolerance relative to it (math.isclose's default is
about 1.8 s) cannot tell neighbouring 1- or 2-second windows apart. Starts are integers.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from mediphant.store import ratelimit
from mediphant.store.ratelimit import sliding_window, ttl_seconds, window_start

# A boundary shared by every window length below, in the epoch range of the coming years.
BOUNDARY = 1_800_003_600
EXPIRIES = [1, 2, 3600]


def before(moment: float) -> float:
    """The float just before `moment`."""
    return math.nextafter(moment, 0)


@pytest.mark.parametrize("expiry", EXPIRIES)
def test_window_start_at_and_around_a_boundary(expiry: int) -> None:
    assert window_start(BOUNDARY, expiry) == BOUNDARY
    assert window_start(before(BOUNDARY), expiry) == BOUNDARY - expiry
    assert window_start(BOUNDARY + 0.001, expiry) == BOUNDARY
    assert window_start(BOUNDARY + expiry - 0.001, expiry) == BOUNDARY
    assert window_start(BOUNDARY + expiry, expiry) == BOUNDARY + expiry
    assert isinstance(window_start(BOUNDARY + 0.5, expiry), int)


@pytest.mark.parametrize("expiry", EXPIRIES)
def test_sliding_window_at_the_boundary_moves_current_to_previous(expiry: int) -> None:
    counts = {BOUNDARY - expiry: 7, BOUNDARY: 3}
    # Just before the boundary the window [B - e, B) is current and nothing precedes it.
    assert sliding_window(counts, before(BOUNDARY), expiry)[0::2] == (0, 7)
    # At the boundary it becomes the previous one, weighing fully.
    assert sliding_window(counts, BOUNDARY, expiry) == (7, expiry, 3, 2 * expiry)
    previous, previous_ttl, current, current_ttl = sliding_window(counts, BOUNDARY + 0.25, expiry)
    assert (previous, current) == (7, 3)
    assert previous_ttl == pytest.approx(expiry - 0.25, abs=1e-6)
    assert current_ttl == pytest.approx(2 * expiry - 0.25, abs=1e-6)


@pytest.mark.parametrize("expiry", EXPIRIES)
def test_sliding_window_ignores_older_windows(expiry: int) -> None:
    counts = {BOUNDARY - 2 * expiry: 9, BOUNDARY - expiry: 4}
    now = BOUNDARY + expiry / 2
    assert sliding_window(counts, now, expiry) == (4, expiry / 2, 0, 1.5 * expiry)
    # One window later the counts are both gone: previous ttl 0 when it has no hits.
    assert sliding_window(counts, now + expiry, expiry) == (0, 0.0, 0, 1.5 * expiry)


def test_a_one_second_window_is_never_taken_for_its_neighbour() -> None:
    """The old code matched starts with math.isclose and read the previous window as current."""
    assert math.isclose(BOUNDARY - 1, BOUNDARY)  # why a relative tolerance cannot work here
    previous, _, current, _ = sliding_window({BOUNDARY - 1: 5}, BOUNDARY + 0.5, 1)
    assert (previous, current) == (5, 0)
    previous, _, current, _ = sliding_window({BOUNDARY - 2: 5}, BOUNDARY + 0.5, 2)
    assert (previous, current) == (5, 0)


def test_items_outlive_the_window_a_sliding_counter_still_weighs() -> None:
    assert ttl_seconds(1) == 3600  # the seed's hour
    assert ttl_seconds(60) == 3600
    assert ttl_seconds(3600) == 7200
    assert ttl_seconds(86400) == 2 * 86400


def test_the_backend_imports_nothing_of_mediphant() -> None:
    """Separable: the model and the key format come in as storage options."""
    tree = ast.parse(Path(ratelimit.__file__).read_text())
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not [name for name in imported if name.startswith("mediphant")]
