"""Medication-name suggestions for the forms' autocomplete.

Answered from memory with no storage call, so it sits outside the per-client limit that
costs a counter write per request; the script that calls it waits for a pause in typing.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from mediphant.domain.medications import default_formulary
from mediphant.domain.validation import clean_name
from mediphant.web.errors import validation_error
from mediphant.web.forms import single_arg

bp = Blueprint("autocomplete", __name__, url_prefix="/api")


@bp.get("/medications")
def medications() -> ResponseReturnValue:
    text, error = single_arg("q", lambda raw: clean_name(raw, "a name"))
    if error:
        return validation_error({"q": error})
    limit = request.args.get("limit", default=10, type=int) or 10
    names = default_formulary().complete(text, limit=max(1, min(limit, 20)))
    return jsonify({"q": text, "names": names})
