"""Which country's brand names to read: the visitor's choice, else their browser's language.

The choice lives in Flask's signed session cookie (an empty string records "no country"),
so it follows the visitor from form to form; werkzeug parses Accept-Language.
"""

from __future__ import annotations

from flask import Flask, request, session

from mediphant.domain.medications import COUNTRIES
from mediphant.domain.validation import clean_country

SESSION_COUNTRY = "country"
# Region subtags of Accept-Language (en-GB, fr-CA, ...) mapped to the countries we know;
# Irish ("ga") is Ireland whatever its region.
_REGIONS = {"US": "US", "GB": "UK", "UK": "UK", "CA": "CA", "AU": "AU", "IE": "IE"}
_LANGUAGES = {"ga": "IE"}


def from_language() -> str | None:
    """The first country named by the Accept-Language header, best first."""
    for value, _quality in request.accept_languages:
        language, _, region = value.replace("_", "-").partition("-")
        country = _REGIONS.get(region.upper()) or _LANGUAGES.get(language.lower())
        if country is not None:
            return country
    return None


def preferred() -> str | None:
    """The remembered choice (even "none"), else the browser's language, else None."""
    stored = session.get(SESSION_COUNTRY)
    if isinstance(stored, str):
        country, error = clean_country(stored)
        if error is None:
            return country
    return from_language()


def remember(country: str | None) -> None:
    """Keep the choice for the next form; only written when it changes."""
    value = country or ""
    if session.get(SESSION_COUNTRY) != value:
        session[SESSION_COUNTRY] = value


def init_app(app: Flask) -> None:
    """Let every template's country select list the countries the data knows."""
    app.jinja_env.globals["countries"] = COUNTRIES
