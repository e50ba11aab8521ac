"""The pages: the check form and its result (POST-redirect-GET), and the session's history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediphant.domain.validation import clean_country, validate_pair
from mediphant.extensions import client_limit
from mediphant.web import blank_form, checking, country
from mediphant.web.forms import CheckForm
from mediphant.web.identity import rotate_session

bp = Blueprint("pages", __name__)


@bp.get("/")
@bp.get("/interactions")
def check_page() -> str:
    """The form; with `?medA=&medB=` (where a check redirects) it also shows the result."""
    # Only displayed, never validated: the page's CSRF token comes from csrf_token() in the
    # template, so the form need not build a token field of its own.
    form = CheckForm(formdata=None, meta={"csrf": False})
    result = None
    med_a, med_b = request.args.get("medA"), request.args.get("medB")
    chosen, country_error = clean_country(request.args.get("country"))
    form.country.data = chosen if "country" in request.args else country.preferred()
    if med_a is not None or med_b is not None:
        checked = validate_pair(med_a, med_b)
        if country_error:
            checked.errors["country"] = country_error
        form.medA.data, form.medB.data = checked.values["medA"], checked.values["medB"]
        if checked.ok:
            result = checking.check_pair(
                med_a=checked.values["medA"],
                med_b=checked.values["medB"],
                country=form.country.data,
            )
        else:
            for name, message in checked.errors.items():
                form[name].errors = [message]
    history, available = checking.recent()

    def render(**context: object) -> str:
        return render_template(
            "check.html",
            form=form,
            result=result,
            history=history,
            history_available=available,
            **context,
        )

    if blank_form.applies(history):
        return blank_form.page((form.country.data, available), render)
    return render()


@bp.post("/interactions")
@bp.post("/")
@client_limit
def submit_check() -> Response | tuple[str, int]:
    form = CheckForm()
    if not form.validate():
        history, available = checking.recent()
        page = render_template(
            "check.html", form=form, result=None, history=history, history_available=available
        )
        return page, 400
    country.remember(form.country.data)
    result = checking.check_pair(form.medA.data, form.medB.data, form.country.data)
    if not checking.record([result]):
        flash(checking.HISTORY_UNAVAILABLE, "warning")
    where = {"country": form.country.data or ""}
    return redirect(url_for("pages.check_page", medA=result.med_a, medB=result.med_b, **where), 303)


@bp.get("/history")
def history_page() -> str:
    history, available = checking.recent()
    return render_template("history.html", history=history, history_available=available)


@bp.post("/history/clear")
def clear_history() -> Response:
    """Delete this session's checks (CSRF is checked by CSRFProtect before we get here)."""
    if checking.clear():
        flash("Your recent checks were cleared.", "info")
    else:
        flash("History is unavailable right now; nothing was cleared.", "warning")
    back = "pages.check_page" if request.form.get("next") == "check" else "pages.history_page"
    return redirect(url_for(back), 303)


@bp.get("/session")
def session_page() -> str:
    info, available = checking.current_session()
    return render_template("session.html", info=info, available=available)


@bp.post("/session/new")
def new_session() -> Response:
    """Rotate the session id: later checks start a fresh history; the old one is untouched."""
    rotate_session()
    flash("A new session has started. Your earlier checks stay with the old session.", "info")
    return redirect(url_for("pages.session_page"), 303)
