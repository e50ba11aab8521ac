"""Validation of medication names typed into forms and the API: one set of rules for both."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from mediphant.domain.medications import COUNTRIES

MAX_NAME_LENGTH = 100
MAX_LIST_LENGTH = 10
ALLOWED_PUNCTUATION = "-'/().,+"
_ALLOWED = re.compile(r"[A-Za-z0-9 \-'/().,+]+")
_SPACES = re.compile(r"\s+")


@dataclass
class Validated:
    """Cleaned values by field, and a message per field that failed."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_name(raw: object, label: str) -> tuple[str, str | None]:
    """Return (trimmed name, error message or None) for one medication field."""
    if raw is None:
        return "", f"Enter {label}."
    if not isinstance(raw, str):
        return "", f"{label.capitalize()} must be text."
    # The limit applies to what was sent, as the form's maxlength and the API schema say.
    if len(raw) > MAX_NAME_LENGTH:
        return raw[:MAX_NAME_LENGTH].strip(), (
            f"{label.capitalize()} must be at most {MAX_NAME_LENGTH} characters."
        )
    # Typographic apostrophes and non-breaking spaces are common on phones: fold them.
    text = unicodedata.normalize("NFKC", raw).replace("\u2019", "'").replace("\u2018", "'")
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return "", f"Enter {label}."
    if not _ALLOWED.fullmatch(text):
        return text, (
            f"{label.capitalize()} may contain only letters, digits, spaces and "
            f"{' '.join(ALLOWED_PUNCTUATION)}"
        )
    return text, None


# Other spellings people use for the same country code.
_COUNTRY_ALIASES = {"GB": "UK"}


def clean_country(raw: object) -> tuple[str | None, str | None]:
    """Return (country code or None for "not chosen", error message or None)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if not isinstance(raw, str):
        return None, "Country must be text."
    code = raw.strip().upper()
    code = _COUNTRY_ALIASES.get(code, code)
    if code not in COUNTRIES:
        return None, f"Choose a country from {', '.join(COUNTRIES)}, or none."
    return code, None


def same_name(a: str, b: str) -> bool:
    """The same text twice, ignoring case and spacing."""
    return a.casefold().replace(" ", "") == b.casefold().replace(" ", "")


def validate_pair(med_a: object, med_b: object) -> Validated:
    result = Validated()
    for name, raw, label in (
        ("medA", med_a, "the first medication"),
        ("medB", med_b, "the second medication"),
    ):
        value, error = clean_name(raw, label)
        result.values[name] = value
        if error:
            result.errors[name] = error
    if result.ok and same_name(result.values["medA"], result.values["medB"]):
        result.errors["medB"] = "You entered the same medication twice; enter two different ones."
    return result


def validate_list(names: list[object]) -> Validated:
    """A medication list: 2 to 10 names (blank rows ignored), each valid, none repeated."""
    result = Validated()
    kept: list[str] = []
    for index, raw in enumerate(names):
        if isinstance(raw, str) and not raw.strip():
            continue
        value, error = clean_name(raw, f"medication {index + 1}")
        key = f"med{index}"
        result.values[key] = value
        if error:
            result.errors[key] = error
        elif any(same_name(value, other) for other in kept):
            result.errors[key] = f"{value} is already in the list."
        else:
            kept.append(value)
    if len(names) > MAX_LIST_LENGTH:
        result.errors["list"] = f"Enter at most {MAX_LIST_LENGTH} medications."
    elif len(kept) < 2 and not result.errors:
        result.errors["list"] = "Enter at least two medications."
    return result


def list_names(checked: Validated) -> list[str]:
    """The cleaned names of a valid list in the order typed, blank rows left out."""
    return [checked.values[key] for key in sorted(checked.values, key=lambda k: int(k[3:]))]


MAX_QUERY_LENGTH = 200


def clean_query(raw: object) -> tuple[str, str | None]:
    """A FAQ search: any script is fine, control characters and overlong text are not."""
    if not isinstance(raw, str):
        return "", "Enter a question to search for."
    text = unicodedata.normalize("NFKC", raw)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        return "", "The question contains characters that cannot be searched."
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return "", "Enter a question to search for."
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH], f"Keep the question under {MAX_QUERY_LENGTH} characters."
    return text, None
