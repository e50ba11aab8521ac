"""The analytics page for operators, behind a configured token (disabled without one)."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from mediphant.store import StoreUnavailable
from mediphant.store.searches import SearchLog

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _authorised(token: str) -> bool:
    """Accept `Authorization: Bearer <token>` or basic auth whose password is the token."""
    auth = request.authorization
    offered = ""
    if auth is not None:
        offered = (auth.token if auth.type == "bearer" else auth.password) or ""
    return hmac.compare_digest(offered.encode(), token.encode())


@bp.before_request
def require_token() -> None:
    token = current_app.config["SETTINGS"].admin_token
    if not token:
        abort(404)
    if not _authorised(token):
        raise Unauthorized(www_authenticate=WWWAuthenticate("basic", {"realm": "Mediphant admin"}))


@bp.get("/analytics")
def analytics() -> ResponseReturnValue:
    searches: SearchLog = current_app.extensions["mediphant.searches"]
    try:
        summary = searches.summary(days=14)
    except StoreUnavailable:
        abort(503)
    peak = max((count for _, count in summary.days), default=0)
    return render_template("admin_analytics.html", summary=summary, peak=max(peak, 1))
