"""The JSON API for what a visitor keeps: the saved list, checks against it, and erasing it.

Reading the list is free; saving, checking and erasing draw on the client's budget.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from mediphant.domain.medications import default_formulary
from mediphant.domain.saved_list import build
from mediphant.extensions import client_limit
from mediphant.store import StoreUnavailable
from mediphant.store.medlists import VersionConflict
from mediphant.web import my_list
from mediphant.web.errors import api_error, validation_error

log = logging.getLogger(__name__)

bp = Blueprint("visitor_api", __name__, url_prefix="/api")

PUT_SHAPE = 'send a JSON object such as {"medicines": ["warfarin", "Lipitor"], "version": 0}'
CHECK_SHAPE = 'send a JSON object such as {"medicine": "Advil"}'


def _json_object() -> dict[str, Any] | None:
    if not request.is_json:
        return None
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _unavailable(exc: StoreUnavailable, message: str) -> ResponseReturnValue:
    log.warning("saved list: %s", exc.__cause__ or exc)
    return api_error(503, message)


@bp.get("/my-medicines")
def get_list() -> ResponseReturnValue:
    try:
        stored = my_list.load()
    except StoreUnavailable as exc:
        return _unavailable(exc, my_list.LIST_UNAVAILABLE)
    return jsonify(stored.to_api())


@bp.put("/my-medicines")
@client_limit
def put_list() -> ResponseReturnValue:
    body = _json_object()
    if body is None:
        return validation_error({"body": f"{PUT_SHAPE} with Content-Type: application/json"})
    version = body.get("version")
    errors: dict[str, str] = {}
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        errors["version"] = "send the version you read (0 for a list never saved)"
    medicines, list_errors = build(default_formulary(), body.get("medicines"))
    errors.update(list_errors)
    if errors:
        return validation_error(errors)
    try:
        stored = my_list.save(medicines, version)
    except VersionConflict as conflict:
        return jsonify({"error": my_list.CONFLICT, **conflict.current.to_api()}), 409
    except StoreUnavailable as exc:
        return _unavailable(exc, my_list.SAVE_FAILED)
    warnings = [overlap.message for overlap in my_list.warnings_for(medicines, [])]
    return jsonify({**stored.to_api(), "warnings": warnings})


@bp.post("/my-medicines/check")
@client_limit
def check() -> ResponseReturnValue:
    body = _json_object()
    if body is None:
        return validation_error({"body": f"{CHECK_SHAPE} with Content-Type: application/json"})
    medicine, error = my_list.resolve(body.get("medicine"), "the medicine")
    if medicine is None:
        return validation_error({"medicine": error})
    try:
        stored = my_list.load()
        if not stored.medicines:
            return validation_error({"medicine": my_list.EMPTY_LIST})
        result, saved = my_list.check(medicine, stored)
    except StoreUnavailable as exc:
        return _unavailable(exc, my_list.LIST_UNAVAILABLE)
    return jsonify({**result.to_api(), "historySaved": saved})


@bp.delete("/my-data")
@client_limit
def erase() -> ResponseReturnValue:
    try:
        erased = my_list.erase()
    except StoreUnavailable as exc:
        return _unavailable(exc, "your data could not be erased right now; try again shortly")
    return jsonify(
        {
            "message": "Everything we held for you was erased and your cookies were forgotten.",
            "deleted": erased.to_api(),
        }
    )
