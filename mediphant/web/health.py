"""Health endpoints for the load balancer and the orchestrator; never rate limited.

A slow engine is reported as ready but degraded (200): every instance shares the one
table, so a fleet that declared itself unready during a brownout would serve nothing,
while the checker still answers without it. An engine this instance cannot reach at all,
or a table that is missing or not ACTIVE, is not ready (503): that may be this instance's
own network or configuration, and traffic is better sent elsewhere.
"""

from __future__ import annotations

import time

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pynamodb.exceptions import TableDoesNotExist

from mediphant.store import STORE_ERRORS, table
from mediphant.store.guard import GUARD, slow_not_absent

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is alive; touches nothing else."""
    return jsonify({"status": "ok"})


def _degraded(breaker: str) -> ResponseReturnValue:
    return jsonify({"status": "degraded", "table": "slow", "breaker": breaker})


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """200 ok; 200 degraded when the engine is slow; 503 when unreachable, missing or not
    ACTIVE."""
    breaker = GUARD.breaker
    started = time.monotonic()
    try:
        status = table.describe()["TableStatus"]
    except TableDoesNotExist:  # an answer: the engine is there, the table is not
        return jsonify({"status": "unavailable", "table": "missing"}), 503
    except STORE_ERRORS as exc:
        if exc.cause is not None and slow_not_absent(exc.cause):
            return _degraded(breaker.state)
        return jsonify({"status": "unavailable", "table": "unreachable"}), 503
    if status != "ACTIVE":
        return jsonify({"status": "unavailable", "table": status}), 503
    if time.monotonic() - started > GUARD.limits.slow:
        return _degraded(breaker.state)
    return jsonify({"status": "ok", "table": status, "breaker": breaker.state})
