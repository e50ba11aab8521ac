"""The medication-list page: up to 10 medicines, every risky pair, most severe first."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediphant.domain.interactions import default_checker
from mediphant.domain.validation import MAX_LIST_LENGTH, Validated, list_names, validate_list
from mediphant.extensions import client_limit
from mediphant.web import checking

bp = Blueprint("medlist", __name__)


def _render(raw: list[str], checked: Validated | None, status: int = 200) -> tuple[str, int]:
    """The form as typed (cleaned where valid), its errors, and the result when all is valid."""
    typed = [checked.values.get(f"med{i}", name) for i, name in enumerate(raw)] if checked else []
    errors = checked.errors if checked else {}
    rows = (typed + [""] * MAX_LIST_LENGTH)[:MAX_LIST_LENGTH]
    result = default_checker().check_list(typed) if typed and not errors else None
    page = render_template("medlist.html", rows=rows, errors=errors, result=result)
    return page, status


@bp.get("/list")
def list_page() -> tuple[str, int]:
    names = request.args.getlist("m")
    return _render(names, validate_list(list(names)) if names else None)


@bp.post("/list")
@client_limit
def submit_list() -> Response | tuple[str, int]:
    raw = request.form.getlist("med")
    checked = validate_list(list(raw))
    if not checked.ok:
        return _render(raw, checked, 400)
    names = list_names(checked)
    result = default_checker().check_list(names)
    # Risky pairs first so they are the newest in the history; then every other pair.
    ordered = list(result.pairs) + [r for r in result.checked if not r.findings]
    if not checking.record(ordered):
        flash(checking.HISTORY_UNAVAILABLE, "warning")
    return redirect(url_for("medlist.list_page", m=names), 303)
