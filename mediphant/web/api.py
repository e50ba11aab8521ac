"""The JSON API kept for the mobile clients (contract in DESIGN.md), extended with new fields."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from mediphant.domain.validation import clean_country, clean_query, validate_pair
from mediphant.extensions import client_limit
from mediphant.web import checking
from mediphant.web.errors import api_error, validation_error
from mediphant.web.faq import search as faq_search
from mediphant.web.forms import single_arg

bp = Blueprint("api", __name__, url_prefix="/api")


BODY_SHAPE = 'send a JSON object such as {"medA": "warfarin", "medB": "ibuprofen"}'


def _json_object() -> dict[str, Any] | None:
    """The body as a JSON object; None when it is not JSON, malformed, or not an object."""
    if not request.is_json:
        return None
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.post("/interactions")
@client_limit
def check() -> ResponseReturnValue:
    body = _json_object()
    if body is None:
        return validation_error({"body": f"{BODY_SHAPE} with Content-Type: application/json"})
    checked = validate_pair(body.get("medA"), body.get("medB"))
    country, country_error = clean_country(body.get("country"))
    if country_error:
        checked.errors["country"] = country_error
    if not checked.ok:
        return validation_error(checked.errors)
    result = checking.check_pair(checked.values["medA"], checked.values["medB"], country)
    saved = checking.record([result])
    return jsonify({**result.to_api(), "historySaved": saved})


@bp.get("/history")
@client_limit
def history() -> ResponseReturnValue:
    entries, available = checking.recent()
    if not available:
        return api_error(503, "history is unavailable right now")
    return jsonify({"history": [entry.to_api() for entry in entries]})


@bp.delete("/history")
@client_limit
def clear_history() -> ResponseReturnValue:
    if not checking.clear():
        return api_error(503, "history is unavailable right now; nothing was cleared")
    return jsonify({"message": "history cleared"})


@bp.get("/faq")
def faq() -> ResponseReturnValue:
    query, error = single_arg("q", clean_query)
    if error:
        return validation_error({"q": error})
    return jsonify(faq_search(query).to_api())  # counted by the search lease (web/faq.py)
