"""Short plain-text renderings of tool results, for clients that show only text content."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mediphant.domain.datafiles import Source
from mediphant.domain.interactions import CheckResult, ListResult
from mediphant.domain.wording import unknown_hint

NOT_EVIDENCE = "An unknown medicine is not evidence that the combination is safe."


def _sources(sources: Iterable[Source]) -> str:
    return "; ".join(f"{s.title} <{s.url}>" for s in sources)


def check(result: CheckResult) -> str:
    """One pair: the verdict first, then why, what to do and where it comes from."""
    pair = f"{result.med_a} + {result.med_b}"
    if result.status == "unknown":
        return (
            f"{pair}: {result.reason}. {result.explanation}. {NOT_EVIDENCE} Advice: {result.advice}"
        )
    if result.severity is None:
        return f"{pair}: {result.reason} ({result.explanation}). {result.advice}"
    lines = [
        f"{pair}: {result.severity.upper()} — {result.reason}.",
        f"Why: {result.mechanism}",
        f"Matched: {result.explanation}.",
        f"Advice: {result.advice}",
        f"Sources: {_sources(result.sources)}",
    ]
    for finding in result.findings[1:]:
        lines.append(f"Also ({finding.severity.value}): {finding.reason} — {finding.explanation}.")
    return "\n".join(lines)


def medication_list(result: ListResult) -> str:
    """Every risky pair, most severe first, then the unknown names."""
    lines = [f"Checked {len(result.checked)} pairs of {len(result.names)} medicines."]
    for pair in result.pairs:
        lines.append(
            f"- {pair.med_a} + {pair.med_b}: {(pair.severity or '').upper()} — {pair.reason}. "
            f"Advice: {pair.advice} Sources: {_sources(pair.sources)}"
        )
    if not result.pairs:
        lines.append("No known interaction between the known medicines.")
    for res in result.unknown:
        lines.append(f"- Unknown medicine: {res.query}. {unknown_hint(res)} {NOT_EVIDENCE}")
    return "\n".join(lines)


def resolution(data: dict[str, Any]) -> str:
    """What a name is, or that it is unknown (with suggestions)."""
    if not data["known"]:
        return f"We don't know the medication {data['input']!r}. {data['hint']} {NOT_EVIDENCE}"
    how = {
        "brand": f"{data['matchedName']} is a brand of {data['name']}",
        "synonym": f"{data['matchedName']} is another name for {data['name']}",
    }.get(data["matchedAs"] or "", data["name"])
    if data["corrected"]:
        how = f"read as {data['matchedName']}: {how}"
    classes = ", ".join(c["name"] for c in data["classes"]) or "none listed"
    brands = ", ".join(data["brands"]) or "none listed"
    return f"{data['input']}: {how}. Classes: {classes}. Brands: {brands}."


def faq(data: dict[str, Any]) -> str:
    """The answer and its source, or the plain statement that no entry fits."""
    source = data["source"]
    if source is None:
        return data["answer"]
    return f"{data['answer']}\nSource: {source['title']} <{source['url']}>"
