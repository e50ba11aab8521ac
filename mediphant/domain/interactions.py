"""The interaction checker: validated rules, a pair index, and pair/list checks.

Pure domain code (no web or storage imports). Rules are indexed by their two sides, keyed
as ("drug", id) or ("class", id), so checking a pair looks up the cross product of the two
medications' keys instead of scanning every rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache, partial
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

from mediphant.domain.datafiles import Source, read_json
from mediphant.domain.medications import (
    Formulary,
    Medication,
    Resolution,
    default_formulary,
    parse_sources,
    require_str,
)
from mediphant.domain.wording import (
    display,
    lower_first,
    meaning_note,
    name_note,
    unknown_hint,
    via_label,
)

__all__ = [
    "MAX_LIST_SIZE",
    "CheckResult",
    "Checker",
    "Finding",
    "ListResult",
    "Rule",
    "Severity",
    "Source",
    "Status",
    "default_checker",
    "parse_rules",
]

MAX_LIST_SIZE = 10

Status = Literal["interaction", "duplicate", "no_known_interaction", "unknown"]
SideKey = tuple[str, str]  # ("drug", medication id) or ("class", class id)
# What a finding says about one side: (the product it came through, how the name was read).
_Words = tuple[str, str]
# (ingredient, key, product it came through, words)
_Side = tuple[Medication, SideKey, "Medication | None", _Words]

NO_INTERACTION_REASON = "no known interaction in our database"
NO_INTERACTION_ADVICE = (
    "This does not mean the combination is safe for you; ask a pharmacist or clinician to confirm."
)
UNKNOWN_ADVICE = "Check the spelling or try the generic name; ask a pharmacist before combining."
DUPLICATE_MECHANISM = "Taking both doubles the dose of the same active ingredient."
# How a rule's medicine is taken, in the note on a product of another route.
_ROUTE_WORDING = {
    "oral": "taken by mouth",
    "inhaled": "inhaled",
    "nasal": "used in the nose",
    "topical": "used on the skin",
}


class Severity(Enum):
    """How bad an interaction is; ``rank`` orders them (higher is worse)."""

    CONTRAINDICATED = "contraindicated"
    MAJOR = "major"
    MODERATE = "moderate"
    MINOR = "minor"

    @property
    def rank(self) -> int:
        """Numeric order so the most severe finding leads: contraindicated 4 ... minor 1."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, value: Any) -> Severity:
        """Severity from its data-file spelling; ValueError names the allowed values."""
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"bad severity {value!r}; expected one of {allowed}") from None


_SEVERITY_RANK: dict[Severity, int] = {
    Severity.CONTRAINDICATED: 4,
    Severity.MAJOR: 3,
    Severity.MODERATE: 2,
    Severity.MINOR: 1,
}


DUPLICATE_SOURCE = Source(
    title="FDA: Use Caution with Pain Relievers / Over-the-Counter Medicines: "
    "What's Right for You?",
    url="https://www.fda.gov/drugs/buying-using-medicine-safely/understanding-over-counter-medicines",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One interaction rule between two drugs, a drug and a class, or two classes."""

    id: str
    a: str
    b: str
    severity: Severity
    reason: str
    mechanism: str
    advice: str
    sources: tuple[Source, ...]

    @property
    def side_a(self) -> SideKey:
        """Side a as an index key, e.g. ("class", "nsaid")."""
        return _side_key(self.a)

    @property
    def side_b(self) -> SideKey:
        """Side b as an index key."""
        return _side_key(self.b)

    @property
    def specificity(self) -> int:
        """0 drug-drug, 1 drug-class, 2 class-class: the more specific rule leads on ties."""
        return (self.a.startswith("class:")) + (self.b.startswith("class:"))


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule (or the duplicate-ingredient check) that matched a particular pair."""

    rule_id: str
    severity: Severity
    reason: str
    mechanism: str
    advice: str
    sources: tuple[Source, ...]
    explanation: str
    specificity: int = 0
    ingredients: tuple[str, ...] = ()

    @property
    def is_duplicate(self) -> bool:
        """True for the same active ingredient taken twice."""
        return self.rule_id.startswith("duplicate:")

    def to_api(self) -> dict[str, Any]:
        """JSON shape for ``otherFindings``."""
        return {
            "severity": self.severity.value,
            "reason": self.reason,
            "advice": self.advice,
            "explanation": self.explanation,
            "sources": [s.to_api() for s in self.sources],
            "ingredients": list(self.ingredients),
        }


def _resolution_api(res: Resolution, formulary: Formulary) -> dict[str, Any]:
    """JSON shape for one entry of ``resolved``; products list the ingredients checked."""
    med = res.medication
    return {
        "input": res.query,
        "name": med.name if med is not None else None,
        "corrected": res.corrected,
        "suggestions": list(res.suggestions),
        "groups": list(res.groups),
        "ingredients": [i.name for i in formulary.components(med)] if med is not None else [],
        "variants": [v.name for v in formulary.variants(med)] if med is not None else [],
        "meanings": [
            {"name": formulary.get(mid).name, "countries": list(countries)}
            for mid, countries in (med.meanings if med is not None else ())
        ],
        "elsewhere": [{"name": name, "countries": list(c)} for name, c in res.elsewhere],
    }


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict for one pair, with everything the page and the API need to explain it."""

    med_a: str
    med_b: str
    resolved_a: Resolution
    resolved_b: Resolution
    status: Status
    is_potentially_risky: bool
    severity: str | None
    reason: str
    advice: str
    mechanism: str | None
    sources: tuple[Source, ...]
    explanation: str
    findings: tuple[Finding, ...]
    unknown: tuple[Resolution, ...]
    formulary: Formulary
    country: str | None = None

    @property
    def lead(self) -> Finding | None:
        """The finding the verdict is based on (most severe, most specific)."""
        return self.findings[0] if self.findings else None

    def to_api(self) -> dict[str, Any]:
        """The JSON contract: pair, isPotentiallyRisky, reason, advice, plus detail fields."""
        return {
            "pair": [self.med_a, self.med_b],
            "isPotentiallyRisky": self.is_potentially_risky,
            "reason": self.reason,
            "advice": self.advice,
            "status": self.status,
            "severity": self.severity,
            "mechanism": self.mechanism,
            "sources": [s.to_api() for s in self.sources],
            "explanation": self.explanation,
            "resolved": [
                _resolution_api(self.resolved_a, self.formulary),
                _resolution_api(self.resolved_b, self.formulary),
            ],
            "ingredients": list(self.lead.ingredients) if self.lead else [],
            "country": self.country,
            "otherFindings": [f.to_api() for f in self.findings[1:]],
        }


@dataclass(frozen=True, slots=True)
class ListResult:
    """All pairwise checks for a medicine list, risky pairs first."""

    names: tuple[str, ...]
    resolutions: tuple[Resolution, ...]
    pairs: tuple[CheckResult, ...]
    checked: tuple[CheckResult, ...]
    unknown: tuple[Resolution, ...]

    @property
    def is_potentially_risky(self) -> bool:
        """True if any pair has a finding or any name is unknown."""
        return bool(self.pairs or self.unknown)

    def to_api(self) -> dict[str, Any]:
        """JSON shape for a list check."""
        return {
            "names": list(self.names),
            "isPotentiallyRisky": self.is_potentially_risky,
            "pairs": [r.to_api() for r in self.pairs],
            "checkedPairs": len(self.checked),
            "unknown": [
                {"input": r.query, "suggestions": list(r.suggestions)} for r in self.unknown
            ],
        }


# --------------------------------------------------------------------- parsing / validation


def _side_key(side: str) -> SideKey:
    """Turn "drug:warfarin" into the index key ("drug", "warfarin")."""
    kind, _, ident = side.partition(":")
    return (kind, ident)


def _check_side(side: Any, where: str, formulary: Formulary, errors: list[str]) -> str:
    """Validate a rule side against the formulary; returns it stripped."""
    if not isinstance(side, str) or not side.strip():
        errors.append(f"{where}: side must be 'drug:<id>' or 'class:<id>', got {side!r}")
        return ""
    side = side.strip()
    kind, sep, ident = side.partition(":")
    if not sep or kind not in ("drug", "class") or not ident:
        errors.append(f"{where}: side must be 'drug:<id>' or 'class:<id>', got {side!r}")
    elif kind == "drug" and ident not in formulary.medications:
        errors.append(f"{where}: unknown drug {ident!r}")
    elif kind == "class" and ident not in formulary.classes:
        errors.append(f"{where}: unknown class {ident!r}")
    return side


def parse_rules(data: Any, formulary: Formulary) -> tuple[Rule, ...]:
    """Validate ``rules.json`` against the formulary; one ValueError lists every problem."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise ValueError("invalid rule data: expected an object with a 'rules' list")
    errors: list[str] = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["rules"]):
        where = f"rule #{i}"
        if not isinstance(raw, Mapping):
            errors.append(f"{where}: expected an object, got {raw!r}")
            continue
        rule_id = require_str(raw, "id", where, errors)
        if rule_id:
            where = f"rule {rule_id!r}"
            if rule_id in seen:
                errors.append(f"duplicate rule id {rule_id!r}")
            seen.add(rule_id)
        a = _check_side(raw.get("a"), where, formulary, errors)
        b = _check_side(raw.get("b"), where, formulary, errors)
        if a and a == b and a.startswith("drug:"):
            errors.append(f"{where}: a drug cannot interact with itself ({a!r})")
        severity: Severity = Severity.MINOR
        try:
            severity = Severity.parse(raw.get("severity"))
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
        rules.append(
            Rule(
                id=rule_id,
                a=a,
                b=b,
                severity=severity,
                reason=require_str(raw, "reason", where, errors),
                mechanism=require_str(raw, "mechanism", where, errors),
                advice=require_str(raw, "advice", where, errors),
                sources=parse_sources(raw.get("sources"), where, errors),
            )
        )
    if errors:
        raise ValueError("invalid rule data:\n- " + "\n- ".join(errors))
    return tuple(rules)


# --------------------------------------------------------------------- the checker


def _sort_key(finding: Finding) -> tuple[int, int, str]:
    """Lead order: severity, then specificity (drug-drug first), then rule id."""
    return (-finding.severity.rank, finding.specificity, finding.rule_id)


class Checker:
    """Checks pairs and lists of typed medication names against the indexed rules."""

    def __init__(self, formulary: Formulary, rules: Iterable[Rule]) -> None:
        """Index rules by the unordered pair of their side keys."""
        self.formulary = formulary
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._index: dict[frozenset[SideKey], list[Rule]] = {}
        for rule in self.rules:
            key = frozenset((rule.side_a, rule.side_b))
            self._index.setdefault(key, []).append(rule)
        self._keys: dict[str, tuple[SideKey, ...]] = {
            med.id: (("drug", med.id), *(("class", c) for c in med.classes))
            for med in formulary.medications.values()
        }
        # Each medication's parts: itself, then (for a product or family) each ingredient
        # with the product it came through, so findings can name the ingredient.
        self._parts: dict[str, tuple[tuple[Medication, Medication | None], ...]] = {
            med.id: ((med, None), *self._ingredients(med)) for med in formulary.medications.values()
        }

    def _ingredients(self, med: Medication) -> list[tuple[Medication, Medication]]:
        """Each ingredient with the product it comes through.

        A family's shared ingredients come through the family; an ingredient only some
        versions contain comes through the first such version, so a finding can say "Excedrin
        Migraine (one version of Excedrin) contains aspirin" instead of hiding the risk.
        """
        out = [(ing, med) for ing in self.formulary.components(med)]
        seen = {ing.id for ing, _ in out}
        for variant in self.formulary.variants(med):
            for ing in self.formulary.components(variant) or (variant,):
                if ing.id not in seen:
                    seen.add(ing.id)
                    out.append((ing, variant))
        return out

    def _parts_of(self, med: Medication) -> tuple[tuple[Medication, Medication | None], ...]:
        """A medication's parts; a many-meaning brand's stand-in is expanded on the spot."""
        found = self._parts.get(med.id)
        return found if found is not None else ((med, None), *self._ingredients(med))

    @classmethod
    def from_data(cls, rules_data: Any, formulary: Formulary) -> Checker:
        """Build from the parsed ``rules.json`` document."""
        return cls(formulary, parse_rules(rules_data, formulary))

    @classmethod
    def from_files(cls, rules_path: Path | str, formulary: Formulary) -> Checker:
        """Build from a rules file on disk (tests, tooling)."""
        return cls.from_data(read_json(rules_path, "rules.json"), formulary)

    # ----------------------------------------------------------------- pair

    def check(self, med_a: str, med_b: str, country: str | None = None) -> CheckResult:
        """Check two typed names; unknown names are reported, never passed as not risky.

        ``country`` decides what a brand means where that differs by country (None: every
        meaning is checked).
        """
        a, b = med_a.strip(), med_b.strip()
        resolve = self.formulary.resolve
        return self._check_resolved(a, resolve(a, country), b, resolve(b, country))

    def findings(self, a: Medication, b: Medication) -> tuple[Finding, ...]:
        """All rules matching two different medications, lead first."""
        return self._findings(a, b, None, None)

    def _findings(
        self,
        a: Medication,
        b: Medication,
        res_a: Resolution | None,
        res_b: Resolution | None,
    ) -> tuple[Finding, ...]:
        """Look up every part of each side (itself, then its ingredients) against the other's.

        A product's own rules come first, so its ingredients' rules of the same id never
        replace them; the same ingredient on both sides is a duplicate finding.
        """
        index = self._index
        found: dict[str, Finding] = {}
        for pa, via_a in self._parts_of(a):
            words_a: _Words | None = None
            for pb, via_b in self._parts_of(b):
                if pa.id == pb.id:
                    key = f"duplicate:{pa.id}"
                    if (via_a or via_b) and key not in found:
                        found[key] = self._shared_ingredient(
                            pa, (a, via_a, res_a), (b, via_b, res_b)
                        )
                    continue
                words_b: _Words | None = None
                for ka in self._keys.get(pa.id, ()):
                    for kb in self._keys.get(pb.id, ()):
                        for rule in index.get(frozenset((ka, kb)), ()):
                            if rule.id in found:
                                continue
                            # What each side says depends on the part, not the rule: once.
                            words_a = words_a or self._words(pa, via_a, res_a, a)
                            words_b = words_b or self._words(pb, via_b, res_b, b)
                            found[rule.id] = self._finding(
                                rule, (pa, ka, via_a, words_a), (pb, kb, via_b, words_b)
                            )
        return tuple(sorted(found.values(), key=_sort_key))

    def _words(
        self, med: Medication, via: Medication | None, res: Resolution | None, typed: Medication
    ) -> _Words:
        """What a finding says about one side: the product an ingredient came through, and
        how the typed name was read (a brand's generic, a family, a country's meaning)."""
        source = f"{via_label(via, typed, res)} contains {med.name}" if via is not None else ""
        note = ""
        if res is not None:
            if (via is None and not (med.is_product or med.is_family)) or (
                via is not None and typed.is_family
            ):
                note = name_note(self.formulary, res) or ""
            elif via is not None:  # a product: only how its name was read for the country
                note = meaning_note(self.formulary, res, typed) or ""
        return (source, note)

    def _finding(self, rule: Rule, side_a: _Side, side_b: _Side) -> Finding:
        """A matched rule as a finding whose explanation names the ingredient and classes."""
        a, ka, via_a, (source_a, note_a) = side_a
        b, kb, via_b, (source_b, note_b) = side_b
        parts: list[str] = [source_a, source_b]
        if ka[0] == "drug" and kb[0] == "drug":
            parts.append(f"rule for {a.name} with {b.name}")
        elif ka == kb:
            cls = self.formulary.med_class(ka[1])
            parts.append(f"{a.name} and {b.name} are both {lower_first(cls.name)}")
        else:
            for med, key in ((a, ka), (b, kb)):
                if key[0] == "class":
                    cls = self.formulary.med_class(key[1])
                    parts.append(f"{med.name} is {cls.singular}")
            if ka[0] == "drug" or kb[0] == "drug":
                drug, cls_key = (a, kb) if ka[0] == "drug" else (b, ka)
                cls = self.formulary.med_class(cls_key[1])
                parts.append(f"rule for {drug.name} with {lower_first(cls.name)}")
        parts += (note_a, note_b)
        severity, sources = rule.severity, rule.sources
        ingredients: tuple[str, ...] = ()
        for med, via in ((a, via_a), (b, via_b)):
            if via is None:
                continue
            ingredients += (med.name,)
            if via.route == med.route:
                continue
            note = via.route_note
            if note is None:
                how = _ROUTE_WORDING[med.route]
                parts.append(
                    f"this rule concerns {med.name} {how}; no source we cite speaks "
                    f"to the {via.route} form in {via.name}"
                )
                continue
            parts.append(note.text)
            sources = (*sources, *note.sources)
            cap = Severity.parse(note.max_severity) if note.max_severity else None
            if cap is not None and severity.rank > cap.rank:
                severity = cap
        return Finding(
            rule_id=rule.id,
            severity=severity,
            reason=rule.reason,
            mechanism=rule.mechanism,
            advice=rule.advice,
            sources=sources,
            explanation="; ".join(dict.fromkeys(p for p in parts if p)),
            specificity=rule.specificity,
            ingredients=ingredients,
        )

    def _warnings(self, med: Medication) -> tuple[str, tuple[Source, ...]]:
        """Dose warnings (acetaminophen's daily maximum) that apply when ``med`` is doubled."""
        notes = [m.duplicate_warning for m in (med, *self.formulary.components(med))]
        present = [n for n in notes if n is not None]
        text = " ".join(n.text for n in present)
        return text, tuple(s for n in present for s in n.sources)

    def _shared_ingredient(
        self,
        ingredient: Medication,
        side_a: tuple[Medication, Medication | None, Resolution | None],
        side_b: tuple[Medication, Medication | None, Resolution | None],
    ) -> Finding:
        """Two different names that both contain one ingredient: a double dose of it."""
        warning, warning_sources = self._warnings(ingredient)
        shown: list[str] = []
        notes: list[str] = []
        for med, via, res in (side_a, side_b):
            name = via_label(via, med, res) if via is not None else display(med, res)
            shown.append(name)
            if via is not None:
                notes.append(f"{name} contains {ingredient.name}")
            if res is not None:
                notes.append(
                    (
                        name_note(self.formulary, res)
                        if med.is_family
                        else meaning_note(self.formulary, res, med)
                    )
                    or ""
                )
        advice = (
            f"Take only one product containing {ingredient.name}; check labels for the same "
            "active ingredient."
        )
        severity, mechanism = Severity.MAJOR, DUPLICATE_MECHANISM
        routes = [(via or med).route for med, via, _ in (side_a, side_b)]
        if routes[0] != routes[1]:
            # A nasal spray and an inhaler of one steroid are often prescribed together:
            # the amounts add up, but neither is a second dose of the other.
            severity = Severity.MODERATE
            mechanism = (
                f"Both contain {ingredient.name}, one {_ROUTE_WORDING[routes[0]]} and one "
                f"{_ROUTE_WORDING[routes[1]]}: together more of it reaches the body than from "
                "either one."
            )
            advice = (
                "Tell your doctor or pharmacist that you use both, so the total is taken into "
                "account; do not use more of either than directed."
            )
        return Finding(
            rule_id=f"duplicate:{ingredient.id}",
            severity=severity,
            reason=f"{shown[0]} and {shown[1]} both contain {ingredient.name}",
            mechanism=mechanism,
            advice=f"{advice} {warning}".strip(),
            sources=(DUPLICATE_SOURCE, *warning_sources),
            explanation="; ".join(dict.fromkeys(n for n in notes if n)),
            ingredients=(ingredient.name,),
        )

    def _duplicate(self, res_a: Resolution, res_b: Resolution) -> Finding:
        """Two names for one active ingredient (or one product): taking both is a double dose."""
        med = res_a.medication
        assert med is not None
        notes = [
            n
            for n in (name_note(self.formulary, res_a), name_note(self.formulary, res_b))
            if n is not None
        ]
        if not notes:
            notes = [f"{med.name} was entered twice"]
        warning, warning_sources = self._warnings(med)
        advice = (
            f"Take only one product containing {med.name}; check labels for the same "
            "active ingredient."
        )
        return Finding(
            rule_id=f"duplicate:{med.id}",
            severity=Severity.MAJOR,
            reason=(f"{res_a.display} and {res_b.display} are the same medicine ({med.name})"),
            mechanism=DUPLICATE_MECHANISM,
            advice=f"{advice} {warning}".strip(),
            sources=(DUPLICATE_SOURCE, *warning_sources),
            explanation="; ".join(dict.fromkeys(notes)),
            ingredients=tuple(i.name for i in self.formulary.components(med)),
        )

    def _check_resolved(
        self,
        text_a: str,
        res_a: Resolution,
        text_b: str,
        res_b: Resolution,
        note: Callable[[Resolution], str | None] | None = None,
    ) -> CheckResult:
        """Build the verdict from two resolutions (shared by pair and list checks).

        `note` says what a typed name stands for (`name_note`); a list check passes one that
        works it out once per name instead of once per pair.
        """
        med_a, med_b = res_a.medication, res_b.medication
        if med_a is None or med_b is None:
            unknown = tuple(r for r in (res_a, res_b) if r.medication is None)
            return self._unknown_result(text_a, res_a, text_b, res_b, unknown)
        if med_a.id == med_b.id:
            findings: tuple[Finding, ...] = (self._duplicate(res_a, res_b),)
        else:
            findings = self._findings(med_a, med_b, res_a, res_b)
        status: Status = "no_known_interaction"
        if findings:
            status = "duplicate" if findings[0].is_duplicate else "interaction"
            lead = findings[0]
            verdict: dict[str, Any] = {
                "is_potentially_risky": True,
                "severity": lead.severity.value,
                "reason": lead.reason,
                "advice": lead.advice,
                "mechanism": lead.mechanism,
                "sources": lead.sources,
                "explanation": lead.explanation,
            }
        else:
            note = note or partial(name_note, self.formulary)
            notes = [n for n in (note(res_a), note(res_b)) if n is not None]
            covers = f"no rule in our database covers {med_a.name} with {med_b.name}"
            verdict = {
                "is_potentially_risky": False,
                "severity": None,
                "reason": NO_INTERACTION_REASON,
                "advice": NO_INTERACTION_ADVICE,
                "mechanism": None,
                "sources": (),
                "explanation": "; ".join([covers, *notes]),
            }
        return CheckResult(
            med_a=text_a,
            med_b=text_b,
            resolved_a=res_a,
            resolved_b=res_b,
            status=status,
            findings=findings,
            unknown=(),
            formulary=self.formulary,
            country=res_a.country,
            **verdict,
        )

    def _unknown_result(
        self,
        text_a: str,
        res_a: Resolution,
        text_b: str,
        res_b: Resolution,
        unknown: tuple[Resolution, ...],
    ) -> CheckResult:
        """At least one name is unknown: flag as potentially risky and offer suggestions.

        A group typed beside a medicine ("birth control" + "Tegretol") is still asked about
        ("which one do you take?"), but a rule written for the whole group is true of
        whichever one it is, so it is given at once, with its severity and sources.
        """
        shown = [r.query if r.query else "(blank)" for r in unknown]
        lead = self._group_rule(res_a, res_b) if len(unknown) == 1 else None
        verdict: dict[str, Any]
        if lead is not None:
            other = res_b if unknown[0] is res_a else res_a
            names = [lower_first(name) for name in unknown[0].groups]
            group = " and ".join(filter(None, (", ".join(names[:-1]), names[-1])))
            verdict = {
                "severity": lead.severity.value,
                "reason": (
                    f"{shown[0]} is a group of medicines, not one medicine, but a rule covers "
                    f"{other.display} with all {group}: {lead.reason}"
                ),
                "advice": f"{lead.advice.rstrip('.')}. Say which one you take to check it exactly.",
                "mechanism": lead.mechanism,
                "sources": lead.sources,
                "explanation": unknown_hint(unknown[0]).rstrip("."),
            }
        else:
            if len(shown) == 1 and unknown[0].groups:
                reason = f"{shown[0]} is a group of medicines, not one medicine"
            elif len(shown) == 1:
                reason = f"we don't know this medication: {shown[0]}"
            else:
                reason = f"we don't know these medications: {shown[0]} and {shown[1]}"
            hints = [
                (
                    unknown_hint(res) if res.groups else f"{name}: {lower_first(unknown_hint(res))}"
                ).rstrip(".")
                for res, name in zip(unknown, shown, strict=True)
            ]
            verdict = {
                "severity": None,
                "reason": reason,
                "advice": UNKNOWN_ADVICE,
                "mechanism": None,
                "sources": (),
                "explanation": "; ".join(hints),
            }
        return CheckResult(
            med_a=text_a,
            med_b=text_b,
            resolved_a=res_a,
            resolved_b=res_b,
            status="unknown",
            is_potentially_risky=True,
            findings=(),
            unknown=unknown,
            formulary=self.formulary,
            country=res_a.country,
            **verdict,
        )

    def _group_rule(self, res_a: Resolution, res_b: Resolution) -> Rule | None:
        """The rule that holds whichever medicine of the group a name stands for, with the
        other side (a medicine): the mildest group's worst, so it holds for all. None unless
        every group the name may mean has one ("water pill": thiazides, loop and
        potassium-sparing diuretics). A group's rule with itself (two anticoagulants) is left
        out: the one meant may be the other medicine itself."""
        group, other = (res_a, res_b) if res_a.groups else (res_b, res_a)
        med = other.medication
        if med is None or not group.groups:
            return None
        by_name = {c.name: c.id for c in self.formulary.classes.values()}
        keys = [key for part, _ in self._parts_of(med) for key in self._keys.get(part.id, ())]
        worst: list[Rule] = []
        for name in group.groups:
            side = ("class", by_name[name])
            rules = [
                rule
                for key in keys
                for rule in self._index.get(frozenset((side, key)), ())
                if rule.a != rule.b
            ]
            if not rules:
                return None
            worst.append(max(rules, key=lambda rule: rule.severity.rank))
        return min(worst, key=lambda rule: rule.severity.rank)

    # ----------------------------------------------------------------- list

    def check_list(self, names: Sequence[str], country: str | None = None) -> ListResult:
        """Check every pair in a list of up to 10 names; blank entries are ignored."""
        if isinstance(names, str):
            raise TypeError("check_list expects a sequence of names, not a single string")
        texts = tuple(n.strip() for n in names if n and n.strip())
        if len(texts) > MAX_LIST_SIZE:
            raise ValueError(
                f"at most {MAX_LIST_SIZE} medications can be checked at once, got {len(texts)}"
            )
        resolutions = tuple(self.formulary.resolve(t, country) for t in texts)
        known = [(t, r) for t, r in zip(texts, resolutions, strict=True) if r.medication]
        notes = {id(r): name_note(self.formulary, r) for _, r in known}
        checked = tuple(
            self._check_resolved(ta, ra, tb, rb, lambda r: notes[id(r)])
            for (ta, ra), (tb, rb) in combinations(known, 2)
        )
        risky = [r for r in checked if r.findings]
        risky.sort(key=lambda r: _sort_key(r.findings[0])[:2])  # stable: input order on ties
        return ListResult(
            names=texts,
            resolutions=resolutions,
            pairs=tuple(risky),
            checked=checked,
            unknown=tuple(r for r in resolutions if r.medication is None),
        )


@cache
def default_checker() -> Checker:
    """The shipped knowledge base, loaded and validated once per process."""
    return Checker.from_data(read_json(None, "rules.json"), default_formulary())
