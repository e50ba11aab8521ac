"""What a typed medicine name is, as the checker reads it: the resolve_medication result."""

from __future__ import annotations

from typing import Any

from mediphant.domain.medications import Formulary, Resolution
from mediphant.domain.schemas import Schema
from mediphant.domain.wording import unknown_hint


def describe(res: Resolution, formulary: Formulary) -> dict[str, Any]:
    """What a typed name is: the active ingredient(s), how it matched, its brands and classes."""
    med = res.medication
    if med is None:
        return {
            "input": res.query,
            "known": False,
            "name": None,
            "matchedName": None,
            "matchedAs": None,
            "corrected": False,
            "brands": [],
            "otherNames": [],
            "classes": [],
            "suggestions": list(res.suggestions),
            "groups": list(res.groups),
            "hint": unknown_hint(res),
        }
    return {
        "input": res.query,
        "known": True,
        "name": med.name,
        "matchedName": res.matched_name,
        "matchedAs": res.matched_kind,
        "corrected": res.corrected,
        "brands": list(med.brands),
        "otherNames": list(med.synonyms),
        "classes": [
            {"id": class_id, "name": formulary.med_class(class_id).name} for class_id in med.classes
        ],
        "suggestions": [],
        "ingredients": [i.name for i in formulary.components(med)],
        "variants": [v.name for v in formulary.variants(med)],
        "meanings": [
            {"name": formulary.get(mid).name, "countries": list(c)} for mid, c in med.meanings
        ],
        "elsewhere": [{"name": n, "countries": list(c)} for n, c in res.elsewhere],
    }


RESOLUTION: Schema = {
    "type": "object",
    "required": ["input", "known", "name", "corrected", "brands", "classes", "suggestions"],
    "properties": {
        "input": {"type": "string"},
        "known": {"type": "boolean"},
        "name": {"type": ["string", "null"]},
        "matchedName": {"type": ["string", "null"]},
        "matchedAs": {"enum": ["name", "brand", "synonym", None]},
        "corrected": {"type": "boolean"},
        "brands": {"type": "array", "items": {"type": "string"}},
        "otherNames": {"type": "array", "items": {"type": "string"}},
        "classes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            },
        },
        "suggestions": {"type": "array", "items": {"type": "string"}},
        "groups": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the groups of medicines an unknown name stands for ('statin')",
        },
        "hint": {"type": "string", "description": "what to ask the person, for an unknown name"},
        "ingredients": {"type": "array", "items": {"type": "string"}},
        "variants": {"type": "array", "items": {"type": "string"}},
        "meanings": {"type": "array", "items": {"type": "object"}},
        "elsewhere": {"type": "array", "items": {"type": "object"}},
    },
}
