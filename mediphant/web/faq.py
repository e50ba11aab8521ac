"""The FAQ page: search box, extractive answer, matches with sources, popular questions."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, render_template, request

from mediphant.domain.faq import SearchResult, default_index
from mediphant.domain.validation import clean_query
from mediphant.extensions import search_limit
from mediphant.store.searches import SearchLog
from mediphant.web.deferred import after_response
from mediphant.web.forms import single_arg

bp = Blueprint("faq", __name__)

POPULAR = (
    "missed-dose",
    "alcohol-and-medications",
    "otc-pain-relievers",
    "expired-medications",
    "grapefruit-interactions",
    "antibiotics-course",
)


def search(query: str) -> SearchResult:
    """Run the search, then log it once the response has gone out (seed pattern 3)."""
    started = time.perf_counter()
    result = default_index().search(query)
    elapsed_ms = (time.perf_counter() - started) * 1000
    searches: SearchLog = current_app.extensions["mediphant.searches"]
    top_id = result.matches[0].entry.id if result.matches else None
    after_response(
        "search analytics write",
        lambda: searches.record(query, len(result.matches), elapsed_ms, result.confident, top_id),
    )
    return result


@bp.get("/faq")
@search_limit
def faq_page() -> tuple[str, int] | str:
    index = default_index()
    popular = [entry for entry in map(index.get, POPULAR) if entry]
    if "q" not in request.args:
        return render_template("faq.html", query="", result=None, error=None, popular=popular)
    query, error = single_arg("q", clean_query)
    if error:
        page = render_template("faq.html", query=query, result=None, error=error, popular=popular)
        return page, 400
    return render_template(
        "faq.html", query=query, result=search(query), error=None, popular=popular
    )
