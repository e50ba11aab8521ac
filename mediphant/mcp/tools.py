"""The MCP tools: each checks its arguments with the domain's rules, calls the domain, and
returns the same JSON the web API gives, plus the notice and a short text rendering.

Imports the domain only, so the tools answer the same way over stdio and HTTP and write
nothing anywhere: an assistant's checks are not a browser session's history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mediphant.domain.faq import NOT_MEDICAL_ADVICE, default_index
from mediphant.domain.interactions import CheckResult, default_checker
from mediphant.domain.schemas import (
    CHECK,
    COUNTRY,
    FAQ_RESULT,
    LIST_CHECK,
    NAME,
    QUERY,
    SOURCE,
    Schema,
)
from mediphant.domain.validation import (
    MAX_LIST_LENGTH,
    clean_country,
    clean_name,
    clean_query,
    list_names,
    validate_list,
    validate_pair,
)
from mediphant.mcp import lookup, render

# Told to the model in every tool description that can meet an unknown name.
UNKNOWN_IS_NOT_SAFE = (
    "A medicine the knowledge base does not know is reported as unknown (with suggestions): "
    "that is never evidence that it is safe, and neither is 'no known interaction'."
)
SHOW_SOURCES = "Show the user the sources and the notice with the answer."


class InvalidArguments(ValueError):
    """The arguments break the input rules; `details` says what is wrong, field by field."""

    def __init__(self, details: Mapping[str, str]) -> None:
        self.details = dict(details)
        super().__init__("; ".join(f"{field}: {message}" for field, message in details.items()))


@dataclass(frozen=True)
class Answer:
    """A tool's result: the structured content and its short text rendering."""

    data: dict[str, Any]
    text: str


@dataclass(frozen=True)
class ToolSpec:
    """A tool as listed to clients, and the function that answers it."""

    name: str
    title: str
    description: str
    input_schema: Schema
    output_schema: Schema
    run: Callable[[Mapping[str, Any]], Answer]


def _noticed(schema: Schema) -> Schema:
    """The output schema with the required "informational only" notice added."""
    return {
        **schema,
        "required": [*schema.get("required", []), "notice"],
        "properties": {**schema["properties"], "notice": {"const": NOT_MEDICAL_ADVICE}},
    }


def _arguments(schema: Schema) -> Schema:
    """An input schema that names its fields and refuses any other."""
    return {"type": "object", "additionalProperties": False, **schema}


def _reject_unexpected(arguments: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(arguments) - set(allowed))
    if extra:
        raise InvalidArguments(
            {name: f"Unexpected argument; send only {', '.join(allowed)}." for name in extra}
        )


def _answer(data: dict[str, Any], text: str) -> Answer:
    return Answer({**data, "notice": NOT_MEDICAL_ADVICE}, f"{text}\n\n{NOT_MEDICAL_ADVICE}")


# --------------------------------------------------------------------------- the tools


def _country(arguments: Mapping[str, Any], errors: dict[str, str]) -> str | None:
    """The optional country brand names are read for; a bad one joins the other errors."""
    country, error = clean_country(arguments.get("country"))
    if error:
        errors["country"] = error
    return country


def check_interaction(arguments: Mapping[str, Any]) -> Answer:
    """Two names, validated exactly as POST /api/interactions validates them."""
    _reject_unexpected(arguments, ("medA", "medB", "country"))
    checked = validate_pair(arguments.get("medA"), arguments.get("medB"))
    country = _country(arguments, checked.errors)
    if not checked.ok:
        raise InvalidArguments(checked.errors)
    med_a, med_b = checked.values["medA"], checked.values["medB"]
    result: CheckResult = default_checker().check(med_a, med_b, country)
    return _answer(result.to_api(), render.check(result))


def check_medication_list(arguments: Mapping[str, Any]) -> Answer:
    """2 to 10 names, validated as the list page validates them; risky pairs first."""
    _reject_unexpected(arguments, ("names", "country"))
    errors: dict[str, str] = {}
    country = _country(arguments, errors)
    if errors:
        raise InvalidArguments(errors)
    names = arguments.get("names")
    if not isinstance(names, list):
        raise InvalidArguments({"names": f"Send a list of 2 to {MAX_LIST_LENGTH} medicine names."})
    if len(names) > MAX_LIST_LENGTH:
        raise InvalidArguments(
            {"names": f"Enter at most {MAX_LIST_LENGTH} medications (got {len(names)})."}
        )
    checked = validate_list(names)
    if not checked.ok:
        raise InvalidArguments(
            {
                "names" if key == "list" else f"names[{key[3:]}]": message
                for key, message in checked.errors.items()
            }
        )
    result = default_checker().check_list(list_names(checked), country)
    return _answer(result.to_api(), render.medication_list(result))


def resolve_medication(arguments: Mapping[str, Any]) -> Answer:
    """One name, as the checker would read it."""
    _reject_unexpected(arguments, ("name", "country"))
    name, error = clean_name(arguments.get("name"), "the medication")
    errors = {"name": error} if error else {}
    country = _country(arguments, errors)
    if errors:
        raise InvalidArguments(errors)
    formulary = default_checker().formulary
    data = lookup.describe(formulary.resolve(name, country), formulary)
    return _answer(data, render.resolution(data))


def search_faq(arguments: Mapping[str, Any]) -> Answer:
    """A question against the FAQ; below the confidence threshold it says no answer fits."""
    _reject_unexpected(arguments, ("question",))
    query, error = clean_query(arguments.get("question"))
    if error:
        raise InvalidArguments({"question": error})
    result = default_index().search(query)
    source = result.matches[0].entry.source.to_api() if result.confident else None
    data = {**result.to_api(), "source": source}
    return _answer(data, render.faq(data))


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="check_interaction",
        title="Check two medicines",
        description=(
            "Check whether two medicines (generic or brand names, as the user typed them) "
            "interact. Returns the severity, the reason, the mechanism, practical advice, the "
            "public sources, how each name was read, any other findings and a status: "
            "interaction, duplicate (the same active ingredient twice), no_known_interaction "
            f"or unknown. {UNKNOWN_IS_NOT_SAFE} {SHOW_SOURCES}"
        ),
        input_schema=_arguments(
            {
                "required": ["medA", "medB"],
                "properties": {
                    "medA": {**NAME, "description": "The first medicine, as typed."},
                    "medB": {**NAME, "description": "The second medicine, as typed."},
                    "country": COUNTRY,
                },
            }
        ),
        output_schema=_noticed(CHECK),
        run=check_interaction,
    ),
    ToolSpec(
        name="check_medication_list",
        title="Check a list of medicines",
        description=(
            f"Check every pair in a list of 2 to {MAX_LIST_LENGTH} medicines. Returns every "
            "pair with a finding, most severe first, and the names that are unknown. "
            f"{UNKNOWN_IS_NOT_SAFE} {SHOW_SOURCES}"
        ),
        input_schema=_arguments(
            {
                "required": ["names"],
                "properties": {
                    "names": {
                        "type": "array",
                        "items": NAME,
                        "minItems": 2,
                        "maxItems": MAX_LIST_LENGTH,
                        "description": "The medicines, as typed; no name twice.",
                    },
                    "country": COUNTRY,
                },
            }
        ),
        output_schema=_noticed(LIST_CHECK),
        run=check_medication_list,
    ),
    ToolSpec(
        name="resolve_medication",
        title="Look up a medicine name",
        description=(
            "Say what a medicine name is: its active ingredient(s), whether it was typed as a "
            "brand or another name, its other brands and its classes; for an unknown name, up "
            f"to three suggestions. {UNKNOWN_IS_NOT_SAFE}"
        ),
        input_schema=_arguments(
            {
                "required": ["name"],
                "properties": {
                    "name": {**NAME, "description": "A medicine name, as typed."},
                    "country": COUNTRY,
                },
            }
        ),
        output_schema=_noticed(lookup.RESOLUTION),
        run=resolve_medication,
    ),
    ToolSpec(
        name="search_faq",
        title="Search the medication-safety FAQ",
        description=(
            "Answer a plain-language question about taking medicines safely from Mediphant's "
            "curated FAQ, with the answer's public source. When no entry fits, it says so "
            "(confident: false) instead of guessing: then suggest asking a pharmacist. "
            f"{SHOW_SOURCES}"
        ),
        input_schema=_arguments(
            {
                "required": ["question"],
                "properties": {"question": {**QUERY, "description": "The question, in words."}},
            }
        ),
        output_schema=_noticed(
            {
                **FAQ_RESULT,
                "required": [*FAQ_RESULT["required"], "source"],
                "properties": {
                    **FAQ_RESULT["properties"],
                    "source": {"anyOf": [SOURCE, {"type": "null"}]},
                },
            }
        ),
        run=search_faq,
    ),
)

BY_NAME: dict[str, ToolSpec] = {tool.name: tool for tool in TOOLS}
