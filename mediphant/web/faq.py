"""The FAQ page: search box, extractive answer, matches with sources, popular questions."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, after_this_request, current_app, render_template, request

from mediphant.domain.faq import SearchResult, default_index
from mediphant.domain.validation import clean_query
from mediphant.extensions import search_limit
from mediphant.store import StoreUnavailable
from mediphant.store.searches import SearchLog
from mediphant.web.forms import single_arg

bp = Blueprint("faq", __name__)
log = logging.getLogger(__name__)

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

    def write() -> None:
        try:
            searches.record(query, len(result.matches), elapsed_ms, result.confident, top_id)
        except StoreUnavailable as exc:
            log.warning("search analytics write failed: %s", exc.__cause__ or exc)

    @after_this_request
    def log_when_sent(response: Response) -> Response:
        # call_on_close runs once the server has sent the response: the visitor never waits.
        response.call_on_close(write)
        return response

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
