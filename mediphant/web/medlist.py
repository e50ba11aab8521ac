"""The medication-list page: up to 10 medicines, every risky pair, most severe first."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediphant.domain.interactions import default_checker
from mediphant.domain.validation import (
    MAX_LIST_LENGTH,
    Validated,
    clean_country,
    list_names,
    validate_list,
)
from mediphant.extensions import client_limit
from mediphant.web import checking, country

bp = Blueprint("medlist", __name__)


def _render(
    raw: list[str], checked: Validated | None, where: str | None, status: int = 200
) -> tuple[str, int]:
    """The form as typed (cleaned where valid), its errors, and the result when all is valid."""
    typed = [checked.values.get(f"med{i}", name) for i, name in enumerate(raw)] if checked else []
    errors = checked.errors if checked else {}
    rows = (typed + [""] * MAX_LIST_LENGTH)[:MAX_LIST_LENGTH]
    result = default_checker().check_list(typed, where) if typed and not errors else None
    page = render_template("medlist.html", rows=rows, errors=errors, result=result, country=where)
    return page, status


def _country(source: Mapping[str, str] | None, checked: Validated | None) -> str | None:
    """The country sent with the list (an error beside the field if bad), else the preference."""
    if source is None or "country" not in source:
        return country.preferred()
    where, error = clean_country(source.get("country"))
    if error and checked is not None:
        checked.errors["country"] = error
    return where


@bp.get("/list")
def list_page() -> tuple[str, int]:
    names = request.args.getlist("m")
    checked = validate_list(list(names)) if names else None
    where = _country(request.args, checked)
    return _render(names, checked, where)


@bp.post("/list")
@client_limit
def submit_list() -> Response | tuple[str, int]:
    raw = request.form.getlist("med")
    checked = validate_list(list(raw))
    where = _country(request.form, checked)
    if not checked.ok:
        return _render(raw, checked, where, 400)
    country.remember(where)
    names = list_names(checked)
    result = default_checker().check_list(names, where)
    # Risky pairs first so they are the newest in the history; then every other pair.
    ordered = list(result.pairs) + [r for r in result.checked if not r.findings]
    if not checking.record(ordered):
        flash(checking.HISTORY_UNAVAILABLE, "warning")
    return redirect(url_for("medlist.list_page", m=names, country=where or ""), 303)
