"""Quality of the knowledge base on the evaluation set in ``tests/data/``; prints markdown.

Run: ``.venv/bin/python bench/eval_checker.py``. Sensitivity is the share of risky pairs
flagged (an interaction or a duplicate); specificity the share of pairs with no known
interaction left unflagged; severity agreement compares each flagged risky pair with the
severity its reference gives (``expect_severity_at_least``). The unit tests assert that no
risky pair is missed and no safe pair flagged; this script reports the figures for the README.
"""

from __future__ import annotations

import json
from pathlib import Path

from mediphant.domain.interactions import Severity, default_checker

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "data" / "interaction_pairs.json"
REFERENCE = ROOT / "tests" / "data" / "reference_pairs.json"


def main() -> None:
    """Check every evaluation pair and print the counts and rates."""
    checker = default_checker()
    data = json.loads(PAIRS.read_text(encoding="utf-8"))
    risky, safe = data["risky"], data["safe"]
    flagged = exact = at_least = 0
    for case in risky:
        result = checker.check(case["a"], case["b"], case.get("country"))
        if result.status not in ("interaction", "duplicate") or result.severity is None:
            continue
        flagged += 1
        want = Severity.parse(case["expect_severity_at_least"])
        got = Severity(result.severity)
        exact += got is want
        at_least += got.rank >= want.rank
    clear = sum(
        checker.check(c["a"], c["b"], c.get("country")).status == "no_known_interaction"
        for c in safe
    )
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    onc = sum(len(e["pairs"]) for e in reference["onc"])
    boxed = sum(len(e["pairs"]) for e in reference["boxed"])
    f = checker.formulary
    products = sum(m.is_product for m in f.medications.values())
    families = sum(m.is_family for m in f.medications.values())
    print(
        f"Knowledge base: {len(f.medications)} medications ({products} combination or "
        f"route-specific products, {families} brand families), {len(f.classes)} classes, "
        f"{len(checker.rules)} rules\n"
    )
    rows = [
        ("risky pairs flagged (sensitivity)", flagged, len(risky)),
        ("pairs with no known interaction left unflagged (specificity)", clear, len(safe)),
        ("flagged at exactly the reference severity", exact, flagged),
        ("flagged at least as severe as the reference", at_least, flagged),
    ]
    print("| figure | value |")
    print("|---|---:|")
    for name, part, whole in rows:
        print(f"| {name} | {part}/{whole} = {part / whole:.1%} |")
    print(
        f"| ONC high-priority pairs, boxed-warning pairs (reference_pairs.json) | {onc}, {boxed} |"
    )


if __name__ == "__main__":
    main()
