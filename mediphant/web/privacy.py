"""What Mediphant keeps about a visitor, for how long and why, and the button that erases it."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from mediphant.extensions import client_limit
from mediphant.store import StoreUnavailable
from mediphant.web import my_list

log = logging.getLogger(__name__)

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def privacy_page() -> str:
    return render_template("privacy.html", settings=current_app.config["SETTINGS"])


@bp.post("/privacy/erase")
@client_limit
def erase() -> Response:
    """Delete everything held for this visitor and forget the cookies; safe to click twice."""
    try:
        erased = my_list.erase()
    except StoreUnavailable as exc:
        log.warning("erase failed: %s", exc.__cause__ or exc)
        flash("Your data could not be erased right now; please try again shortly.", "warning")
        return redirect(url_for("privacy.privacy_page"), 303)
    flash(
        f"Erased: your saved list ({erased.medlist}), {erased.sessions} session record"
        f"{'s' if erased.sessions != 1 else ''} and {erased.queries} recent check"
        f"{'s' if erased.queries != 1 else ''}. Your cookies were forgotten.",
        "info",
    )
    return redirect(url_for("privacy.privacy_page"), 303)
