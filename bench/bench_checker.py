"""Micro-benchmarks for the interaction checker; prints a markdown table.

Run: ``.venv/bin/python bench/bench_checker.py``. No assertions: the numbers are compared
with the targets by eye (or by CI scripts reading the table).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from mediphant.domain.interactions import Checker, default_checker
from mediphant.domain.medications import default_formulary

KNOWN_PAIR = ("warfarin", "ibuprofen")
UNKNOWN_NAME = "asdfghjk"
TEN_MEDICINES = [
    "Coumadin",
    "Advil",
    "naproxen",
    "lisinopril",
    "spironolactone",
    "metformin",
    "contrast dye",
    "simvastatin",
    "Tylenol",
    "sertraline",
]


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls; the median resists GC and scheduler noise."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh_load() -> Checker:
    """Load and validate the knowledge base from package data, bypassing the caches."""
    default_checker.cache_clear()
    default_formulary.cache_clear()
    return default_checker()


def fmt(seconds: float) -> str:
    """Human units: µs below a millisecond, ms above."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms"


def main() -> None:
    """Time each operation and print the table."""
    load = median_seconds(fresh_load, 10)
    checker = default_checker()
    f = checker.formulary
    pair = median_seconds(lambda: checker.check(*KNOWN_PAIR), 10_000)
    unknown = median_seconds(lambda: f.resolve(UNKNOWN_NAME), 1_000)
    unknown_pair = median_seconds(lambda: checker.check(UNKNOWN_NAME, "warfarin"), 1_000)
    ten = median_seconds(lambda: checker.check_list(TEN_MEDICINES), 1_000)
    n_pairs = len(checker.check_list(TEN_MEDICINES).checked)

    rows = [
        ("knowledge-base load (fresh, median of 10)", load, "300 ms"),
        (f"known pair {KNOWN_PAIR[0]} + {KNOWN_PAIR[1]} (median of 10k)", pair, "50 µs"),
        (f"unknown name {UNKNOWN_NAME!r} with suggestions (median of 1k)", unknown, "2 ms"),
        ("pair with one unknown name (median of 1k)", unknown_pair, "2 ms"),
        (f"10-medicine list, {n_pairs} pairs (median of 1k)", ten, "1 ms"),
    ]
    print(
        f"Knowledge base: {len(f.medications)} medications, {len(f.classes)} classes, "
        f"{len(checker.rules)} rules\n"
    )
    print("| operation | median | target |")
    print("|---|---:|---:|")
    for name, seconds, target in rows:
        print(f"| {name} | {fmt(seconds)} | {target} |")


if __name__ == "__main__":
    main()
