"""Benchmark the FAQ search: index build and query latency.

Run from the repository root:  .venv/bin/python bench/bench_faq.py

Times (time.perf_counter):
* index build from already loaded entries and synonyms, median of 20 builds;
* load + build (reading the packaged JSON and validating it), median of 20;
* search: every query of tests/data/faq_queries.json (real and off-topic), the whole set
  repeated 50 times against one index; median and p99 per query. The first pass is
  also reported on its own ("cold"): it fills the typo-correction cache.

Prints a markdown table; makes no assertions.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mediphant.domain.faq import FaqIndex, load_entries, load_synonyms  # noqa: E402

BUILD_RUNS = 20
SEARCH_REPEATS = 50
EVAL_FILE = ROOT / "tests" / "data" / "faq_queries.json"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def main() -> None:
    entries, synonyms = load_entries(), load_synonyms()
    FaqIndex.build(entries, synonyms)  # warm-up: first-use costs of numpy/bm25s

    builds = []
    for _ in range(BUILD_RUNS):
        start = time.perf_counter()
        FaqIndex.build(entries, synonyms)
        builds.append(time.perf_counter() - start)

    load_builds = []
    for _ in range(BUILD_RUNS):
        start = time.perf_counter()
        FaqIndex.build(load_entries(), load_synonyms())
        load_builds.append(time.perf_counter() - start)

    data = json.loads(EVAL_FILE.read_text(encoding="utf-8"))
    queries = [item["q"] for item in data["queries"]] + list(data["off_topic"])
    index = FaqIndex.build(entries, synonyms)

    cold = []
    for query in queries:
        start = time.perf_counter()
        index.search(query)
        cold.append(time.perf_counter() - start)

    warm = []
    for _ in range(SEARCH_REPEATS):
        for query in queries:
            start = time.perf_counter()
            index.search(query)
            warm.append(time.perf_counter() - start)

    rows = [
        ("entries / queries", f"{len(entries)} / {len(queries)}"),
        (f"index build, median of {BUILD_RUNS}", _ms(statistics.median(builds))),
        (f"load + build, median of {BUILD_RUNS}", _ms(statistics.median(load_builds))),
        ("search, cold first pass, median", _ms(statistics.median(cold))),
        ("search, cold first pass, p99", _ms(_percentile(cold, 99))),
        (f"search x{SEARCH_REPEATS}, median", _ms(statistics.median(warm))),
        (f"search x{SEARCH_REPEATS}, p99", _ms(_percentile(warm, 99))),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure':<{width}} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")


if __name__ == "__main__":
    main()
