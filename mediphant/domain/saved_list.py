"""A visitor's saved medicine list: resolving names, ingredient overlaps, checking a new one.

Pure domain code. The list keeps what the visitor typed beside the medicine it resolved
to, so the page can show "Lipitor" while the checker works on atorvastatin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from mediphant.domain.interactions import Checker, CheckResult, Finding
from mediphant.domain.medications import Formulary, Medication
from mediphant.domain.validation import clean_name, same_name
from mediphant.domain.wording import unknown_hint

MAX_SAVED = 20
CONTAINING_SUFFIX = "_containing"


@dataclass(frozen=True, slots=True)
class SavedMedicine:
    """One entry of the list: the name as typed, and the medication it stands for."""

    input: str
    id: str
    name: str

    def to_api(self) -> dict[str, str]:
        return {"input": self.input, "id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two entries that share an active ingredient: allowed, but worth a warning."""

    first: SavedMedicine
    second: SavedMedicine
    ingredient: str

    @property
    def message(self) -> str:
        first, second = self.first, self.second
        if first.id == second.id:
            what = f"{second.input} and {first.input} are the same medicine ({first.name})"
        elif first.name == self.ingredient:
            what = f"{second.input} contains {self.ingredient}, already on your list"
        elif second.name == self.ingredient:
            what = f"{first.input} on your list already contains {self.ingredient}"
        else:
            what = f"{second.input} and {first.input} both contain {self.ingredient}"
        return (
            f"{what}. Taking both can mean a double dose: check the labels and ask a "
            "pharmacist whether you need both."
        )


def ingredients(formulary: Formulary, med: Medication) -> frozenset[str]:
    """The active ingredients' ids: the medicine itself, the ids a combination product's id
    joins ("amlodipine-atorvastatin"), and X for every `X_containing` class it belongs to."""
    found = {med.id}
    parts = med.id.split("-")
    if len(parts) > 1 and all(part in formulary.medications for part in parts):
        found.update(parts)
    for class_id in med.classes:
        if class_id.endswith(CONTAINING_SUFFIX):
            found.add(class_id.removesuffix(CONTAINING_SUFFIX))
    return frozenset(found)


def shared_ingredient(formulary: Formulary, a: SavedMedicine, b: SavedMedicine) -> str | None:
    """The name of an ingredient both entries contain, or None."""
    if a.id == b.id:
        return a.name
    meds = formulary.medications
    if a.id not in meds or b.id not in meds:
        return None
    common = ingredients(formulary, meds[a.id]) & ingredients(formulary, meds[b.id])
    if not common:
        return None
    first = sorted(common)[0]
    return meds[first].name if first in meds else first


def overlaps_with(
    formulary: Formulary, new: SavedMedicine, saved: Sequence[SavedMedicine]
) -> list[Overlap]:
    """Entries of the list that share an ingredient with a medicine about to be added."""
    found = []
    for entry in saved:
        ingredient = shared_ingredient(formulary, entry, new)
        if ingredient is not None:
            found.append(Overlap(entry, new, ingredient))
    return found


def overlaps(formulary: Formulary, saved: Sequence[SavedMedicine]) -> list[Overlap]:
    """Every pair of entries sharing an ingredient, in list order."""
    found = []
    for a, b in combinations(saved, 2):
        ingredient = shared_ingredient(formulary, a, b)
        if ingredient is not None:
            found.append(Overlap(a, b, ingredient))
    return found


def resolve_name(formulary: Formulary, raw: object, label: str) -> tuple[SavedMedicine | None, str]:
    """A typed name as a list entry, or None and a message (with suggestions when unknown).

    An unknown name is never saved: the list must hold only what the checker can check.
    """
    text, error = clean_name(raw, label)
    if error:
        return None, error
    resolution = formulary.resolve(text)
    med = resolution.medication
    if med is None:
        if resolution.groups:
            return None, unknown_hint(resolution)
        if resolution.suggestions:
            return None, (
                f"We don't know “{text}”. Did you mean {', '.join(resolution.suggestions)}?"
            )
        return None, f"We don't know “{text}” and found nothing close; check the pack."
    return SavedMedicine(text, med.id, med.name), ""


def build(formulary: Formulary, raw: object) -> tuple[list[SavedMedicine], dict[str, str]]:
    """A whole list sent at once (the API's PUT): at most MAX_SAVED names, none repeated."""
    if not isinstance(raw, list):
        return [], {"medicines": "send medicines as a list of names"}
    if len(raw) > MAX_SAVED:
        return [], {"medicines": f"a list holds at most {MAX_SAVED} medicines"}
    entries: list[SavedMedicine] = []
    errors: dict[str, str] = {}
    for index, value in enumerate(raw):
        field = f"medicines[{index}]"
        entry, error = resolve_name(formulary, value, f"medicine {index + 1}")
        if entry is None:
            errors[field] = error
        elif any(same_name(entry.input, other.input) for other in entries):
            errors[field] = f"{entry.input} is listed twice."
        else:
            entries.append(entry)
    return entries, errors


def add(
    saved: Sequence[SavedMedicine], new: Sequence[SavedMedicine]
) -> tuple[list[SavedMedicine], str]:
    """The list with new entries appended in order, or the list unchanged and why.

    The same name twice adds nothing; another name for a listed ingredient is added (the
    caller warns about it).
    """
    result = list(saved)
    for entry in new:
        if any(same_name(entry.input, other.input) for other in result):
            continue
        result.append(entry)
    if len(result) > MAX_SAVED:
        return list(saved), (
            f"Your list can hold at most {MAX_SAVED} medicines; remove one to add another."
        )
    return result, ""


def remove(saved: Sequence[SavedMedicine], index: int) -> list[SavedMedicine]:
    """The list without the entry at `index` (an index out of range removes nothing)."""
    return [entry for position, entry in enumerate(saved) if position != index]


def _order(finding: Finding) -> tuple[int, int]:
    """Most severe first, then the most specific rule; ties keep the list's order."""
    return (-finding.severity.rank, finding.specificity)


@dataclass(frozen=True, slots=True)
class ListFinding:
    """One interaction found between the new medicine and one saved medicine."""

    with_: SavedMedicine
    finding: Finding

    def to_api(self) -> dict[str, Any]:
        return {
            "with": self.with_.to_api(),
            "severity": self.finding.severity.value,
            "reason": self.finding.reason,
            "mechanism": self.finding.mechanism,
            "advice": self.finding.advice,
            "explanation": self.finding.explanation,
            "sources": [source.to_api() for source in self.finding.sources],
        }


@dataclass(frozen=True, slots=True)
class ListCheck:
    """A new medicine checked against every saved one."""

    medicine: SavedMedicine
    results: tuple[CheckResult, ...]  # one per saved medicine, in list order
    findings: tuple[ListFinding, ...]  # most severe first
    no_known_interaction: tuple[SavedMedicine, ...]

    @property
    def is_potentially_risky(self) -> bool:
        return bool(self.findings)

    @property
    def risky_results(self) -> list[CheckResult]:
        """The pairs with a finding, most severe first: what the history remembers."""
        risky = [result for result in self.results if result.findings]
        return sorted(risky, key=lambda r: _order(r.findings[0]))

    def to_api(self) -> dict[str, Any]:
        return {
            "medicine": self.medicine.to_api(),
            "isPotentiallyRisky": self.is_potentially_risky,
            "findings": [finding.to_api() for finding in self.findings],
            "noKnownInteraction": [entry.name for entry in self.no_known_interaction],
        }


def check_against(
    checker: Checker, medicine: SavedMedicine, saved: Sequence[SavedMedicine]
) -> ListCheck:
    """Every finding between `medicine` and each saved entry, most severe first.

    Only a pair the checker knows to have no rule is listed as "no known interaction": an
    entry that no longer resolves is never reported as safe.
    """
    results = tuple(checker.check(medicine.input, entry.input) for entry in saved)
    findings = [
        ListFinding(entry, finding)
        for entry, result in zip(saved, results, strict=True)
        for finding in result.findings
    ]
    findings.sort(key=lambda f: _order(f.finding))
    quiet = tuple(
        entry
        for entry, result in zip(saved, results, strict=True)
        if result.status == "no_known_interaction"
    )
    return ListCheck(medicine, results, tuple(findings), quiet)
