"""Health endpoints for the load balancer and the orchestrator; never rate limited."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from mediphant.store import STORE_ERRORS, table

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is alive; touches nothing else."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready when the table answers and is ACTIVE; 503 otherwise so traffic goes elsewhere."""
    try:
        status = table.describe()["TableStatus"]
    except STORE_ERRORS:
        return jsonify({"status": "unavailable", "table": "unreachable"}), 503
    if status != "ACTIVE":
        return jsonify({"status": "unavailable", "table": status}), 503
    return jsonify({"status": "ok", "table": status})
