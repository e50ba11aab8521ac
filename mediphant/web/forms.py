"""Page forms: Flask-WTF for CSRF, our domain validation for the rules on names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from wtforms import StringField

from mediphant.domain.validation import clean_country, validate_pair


class CheckForm(FlaskForm):
    medA = StringField("First medication")
    medB = StringField("Second medication")
    country = StringField("Country for brand names")

    def validate(self, extra_validators: Any = None) -> bool:
        """CSRF first (Flask-WTF), then the same name rules as the JSON API."""
        csrf_ok = super().validate(extra_validators)
        checked = validate_pair(self.medA.data, self.medB.data)
        for name in ("medA", "medB"):
            # A field sent twice is refused rather than silently taking the first value.
            if len(request.form.getlist(name)) > 1:
                checked.errors[name] = "Enter one name per field."
        self.medA.data = checked.values["medA"]
        self.medB.data = checked.values["medB"]
        self.country.data, country_error = clean_country(self.country.data)
        if country_error:
            checked.errors["country"] = country_error
        for name, message in checked.errors.items():
            self[name].errors = [*self[name].errors, message]
        return csrf_ok and not checked.errors


def single_arg(
    name: str, clean: Callable[[object], tuple[str, str | None]]
) -> tuple[str, str | None]:
    """One query-string parameter, cleaned: (value, error). A repeated or missing parameter
    is an error rather than a silent choice of the first value."""
    values = request.args.getlist(name)
    if len(values) > 1:
        return "", f"give one {name} parameter"
    if not values:
        return "", f"the {name} parameter is required"
    return clean(values[0])
