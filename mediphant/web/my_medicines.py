"""The saved-list pages: the list (add, remove, clear, print) and checks against it."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediphant.domain.saved_list import ListCheck, SavedMedicine, remove
from mediphant.extensions import client_limit
from mediphant.store import StoreUnavailable, keys
from mediphant.store.medlists import EMPTY, StoredList, VersionConflict
from mediphant.web import checking, my_list

log = logging.getLogger(__name__)

bp = Blueprint("my_medicines", __name__)

Page = tuple[str, int]


@bp.app_template_global()
def saved_medicines_count() -> int:
    """For the check page's "Check against my medicines" form, without a table read."""
    return my_list.saved_count()


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _render_list(
    stored: StoredList | None,
    status: int = 200,
    typed: str = "",
    error: str = "",
    suggestions: tuple[str, ...] = (),
) -> Page:
    """The list page; `stored` None means the list could not be read."""
    page = render_template(
        "my_medicines.html",
        stored=stored or EMPTY,
        available=stored is not None,
        overlaps=my_list.warnings_for(stored.medicines, []) if stored else [],
        typed=typed,
        error=error,
        suggestions=suggestions,
        today=keys.timestamp(keys.now())[:10],
    )
    return page, status


@bp.get("/my-medicines")
def list_page() -> Page:
    try:
        return _render_list(my_list.load())
    except StoreUnavailable as exc:
        log.warning("saved list read failed: %s", exc.__cause__ or exc)
        return _render_list(None, 503)


def _warn_overlaps(stored: StoredList, new: list[SavedMedicine]) -> None:
    """Warn on the spot when a new entry shares an ingredient with the rest of the list."""
    rest = [entry for entry in stored.medicines if entry not in new]
    for overlap in my_list.warnings_for(new, rest):
        flash(overlap.message, "warning")


@bp.post("/my-medicines/add")
@client_limit
def add() -> Response | Page:
    """One name from the list page, or every name of a result ("Add these")."""
    raw = request.form.getlist("medicine")
    version = _version()
    entries: list[SavedMedicine] = []
    for value in raw or [""]:
        entry, error = my_list.resolve(value)
        if entry is None:
            return _refuse(value, error, version)
        entries.append(entry)
    try:
        stored, error = my_list.add_to_list(entries, version)
    except VersionConflict as conflict:
        flash(my_list.CONFLICT, "warning")
        return _render_list(conflict.current, 409)
    except StoreUnavailable as exc:
        log.warning("saved list write failed: %s", exc.__cause__ or exc)
        flash(my_list.SAVE_FAILED, "warning")
        return redirect(url_for("my_medicines.list_page"), 303)
    if error:
        return _render_list(stored, 400, typed=raw[0] if len(raw) == 1 else "", error=error)
    _warn_overlaps(stored, entries)
    names = ", ".join(entry.input for entry in entries)
    flash(f"Saved to your medicines: {names}.", "info")
    return redirect(url_for("my_medicines.list_page"), 303)


def _refuse(typed: object, error: str, version: int | None) -> Page:
    """An unknown or invalid name is not saved; the page offers the suggestions instead."""
    text = typed if isinstance(typed, str) else ""
    suggestions = my_list.suggestions(text)
    try:
        stored: StoredList | None = my_list.load()
    except StoreUnavailable:
        stored = None
    return _render_list(stored, 400, typed=text, error=error, suggestions=suggestions)


def _save_edit(done: str, version: int | None, edit: my_list.Edit) -> Response | Page:
    if version is None:
        version = -1  # a form without a version cannot prove it saw the current list
    try:
        my_list.update(edit, version)
    except VersionConflict as conflict:
        flash(my_list.CONFLICT, "warning")
        return _render_list(conflict.current, 409)
    except StoreUnavailable as exc:
        log.warning("saved list write failed: %s", exc.__cause__ or exc)
        flash(my_list.SAVE_FAILED, "warning")
        return redirect(url_for("my_medicines.list_page"), 303)
    flash(done, "info")
    return redirect(url_for("my_medicines.list_page"), 303)


@bp.post("/my-medicines/remove")
@client_limit
def remove_one() -> Response | Page:
    raw = request.form.get("index", "")
    index = int(raw) if raw.isdigit() else -1
    return _save_edit(
        "Removed from your medicines.", _version(), lambda meds: (remove(meds, index), "")
    )


@bp.post("/my-medicines/clear")
@client_limit
def clear() -> Response | Page:
    return _save_edit("Your list is now empty.", _version(), lambda meds: ([], ""))


def _fallback(medicine: str) -> Response:
    """The list cannot be read: back to the two-medicine form with this medicine filled in."""
    flash(my_list.LIST_UNAVAILABLE, "warning")
    return redirect(url_for("pages.check_page", medA=medicine, medB=""), 303)


def _render_check(
    typed: str,
    error: str = "",
    status: int = 200,
    stored: StoredList | None = None,
    result: ListCheck | None = None,
) -> Page:
    page = render_template(
        "my_medicines_check.html",
        typed=typed,
        error=error,
        stored=stored or EMPTY,
        result=result,
        today=keys.timestamp(keys.now())[:10],
    )
    return page, status


def _medicine_and_list(typed: str) -> tuple[SavedMedicine, StoredList] | Response | Page:
    """The typed medicine and the saved list to check it against, or the page that says
    why there is nothing to check (shared by the form's POST and the result's GET)."""
    medicine, error = my_list.resolve(typed, "the medicine")
    if medicine is None:
        return _render_check(typed, error, 400)
    try:
        stored = my_list.load()
    except StoreUnavailable as exc:
        log.warning("saved list read failed: %s", exc.__cause__ or exc)
        return _fallback(medicine.input)
    if not stored.medicines:
        return _render_check(typed, my_list.EMPTY_LIST, 400)
    return medicine, stored


@bp.post("/my-medicines/check")
@client_limit
def submit_check() -> Response | Page:
    found = _medicine_and_list(request.form.get("medicine", ""))
    if isinstance(found, Response) or not isinstance(found[0], SavedMedicine):
        return found  # type: ignore[return-value]
    medicine, stored = found
    _, saved = my_list.check(medicine, stored)
    if not saved:
        flash(checking.HISTORY_UNAVAILABLE, "warning")
    return redirect(url_for("my_medicines.check_page", medicine=medicine.input), 303)


@bp.get("/my-medicines/check")
def check_page() -> Response | Page:
    typed = request.args.get("medicine", "")
    if not typed:
        return _render_check("")
    found = _medicine_and_list(typed)
    if isinstance(found, Response) or not isinstance(found[0], SavedMedicine):
        return found  # type: ignore[return-value]
    medicine, stored = found
    return _render_check(typed, stored=stored, result=my_list.result_for(medicine, stored))
