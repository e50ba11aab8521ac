"""JSON Schemas of the names the checker accepts and of the results it gives.

One description for every interface: the OpenAPI document of the web API and the MCP
tools' input and output schemas both use these, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from mediphant.domain.interactions import MAX_LIST_SIZE
from mediphant.domain.validation import MAX_NAME_LENGTH, MAX_QUERY_LENGTH

Schema = dict[str, Any]

# Letters, digits, spaces and -'/().,+ with at least one non-space (spaces are trimmed).
NAME: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_NAME_LENGTH,
    "pattern": r"^ *[A-Za-z0-9\-'/().,+][A-Za-z0-9 \-'/().,+]*$",
}
QUERY: Schema = {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH}
SOURCE: Schema = {
    "type": "object",
    "required": ["title", "url"],
    "properties": {"title": {"type": "string"}, "url": {"type": "string"}},
}
SEVERITY: Schema = {"enum": ["contraindicated", "major", "moderate", "minor", None]}
COUNTRY: Schema = {
    "type": ["string", "null"],
    "description": "Where brand names are read: US, UK, CA, AU or IE (GB is taken as UK). "
    "Omitted or null: a brand that means different medicines by country is checked in "
    "every meaning.",
    "maxLength": 10,
}
_STRINGS: Schema = {"type": "array", "items": {"type": "string"}}
_MEANING: Schema = {
    "type": "object",
    "required": ["name", "countries"],
    "properties": {"name": {"type": "string"}, "countries": _STRINGS},
}
_RESOLVED: Schema = {
    "type": "object",
    "required": ["input", "name", "corrected", "suggestions"],
    "properties": {
        "input": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "corrected": {"type": "boolean"},
        "suggestions": _STRINGS,
        "groups": {**_STRINGS, "description": "the groups of medicines an unknown name stands for"},
        "ingredients": {**_STRINGS, "description": "what a product or family was checked as"},
        "variants": _STRINGS,
        "meanings": {"type": "array", "items": _MEANING},
        "elsewhere": {"type": "array", "items": _MEANING},
    },
}
_FINDING: Schema = {
    "type": "object",
    "required": ["severity", "reason", "advice", "explanation", "sources"],
    "properties": {
        "severity": SEVERITY,
        "reason": {"type": "string"},
        "advice": {"type": "string"},
        "explanation": {"type": "string"},
        "sources": {"type": "array", "items": SOURCE},
        "ingredients": {**_STRINGS, "description": "the ingredients behind the finding"},
    },
}
# CheckResult.to_api(); the web API adds historySaved.
CHECK: Schema = {
    "type": "object",
    "required": ["pair", "isPotentiallyRisky", "reason", "advice"],
    "properties": {
        "pair": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
        "isPotentiallyRisky": {"type": "boolean"},
        "reason": {"type": "string"},
        "advice": {"type": "string"},
        "status": {"enum": ["interaction", "duplicate", "no_known_interaction", "unknown"]},
        "severity": SEVERITY,
        "mechanism": {"type": ["string", "null"]},
        "sources": {"type": "array", "items": SOURCE},
        "explanation": {"type": "string"},
        "resolved": {"type": "array", "items": _RESOLVED, "minItems": 2, "maxItems": 2},
        "otherFindings": {"type": "array", "items": _FINDING},
        "ingredients": {**_STRINGS, "description": "the ingredients behind the lead finding"},
        "country": {"type": ["string", "null"]},
        "historySaved": {"type": "boolean"},
    },
}
# ListResult.to_api()
LIST_CHECK: Schema = {
    "type": "object",
    "required": ["names", "isPotentiallyRisky", "pairs", "checkedPairs", "unknown"],
    "properties": {
        "names": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_LIST_SIZE},
        "isPotentiallyRisky": {"type": "boolean"},
        "pairs": {"type": "array", "items": CHECK},
        "checkedPairs": {"type": "integer", "minimum": 0},
        "unknown": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["input", "suggestions"],
                "properties": {
                    "input": {"type": "string"},
                    "suggestions": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
# SearchResult.to_api()
FAQ_RESULT: Schema = {
    "type": "object",
    "required": ["answer", "matches"],
    "properties": {
        "answer": {"type": "string"},
        "confident": {"type": "boolean"},
        "matches": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["text", "score", "id", "question"],
                "properties": {
                    "text": {"type": "string"},
                    "score": {"type": "number"},
                    "id": {"type": "string"},
                    "question": {"type": "string"},
                    "source": SOURCE,
                },
            },
        },
    },
}
