"""The FAQ page: search box, extractive answer, matches with sources, popular questions.

Searches are answered from memory and never wait on DynamoDB: their rate-limit count is
leased (web/search_budget.py) and their analytics written after the response.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, after_this_request, current_app, render_template, request
from werkzeug.exceptions import TooManyRequests

from mediphant.domain.faq import SearchResult, default_index
from mediphant.domain.validation import clean_query
from mediphant.extensions import budget_key
from mediphant.periodic import PERIODIC
from mediphant.store.searches import SearchLog
from mediphant.web.deferred import after_response
from mediphant.web.forms import single_arg
from mediphant.web.search_budget import Decision, SearchBudget

bp = Blueprint("faq", __name__)

POPULAR = (
    "missed-dose",
    "alcohol-and-medications",
    "otc-pain-relievers",
    "expired-medications",
    "grapefruit-interactions",
    "antibiotics-course",
)


def admit_search() -> None:
    """Count one search against the client's shared budget; 429 when it is spent."""
    budgets: list[SearchBudget] = current_app.extensions["mediphant.search_budgets"]
    decisions: list[Decision] = []
    for budget in budgets:
        key = budget_key(budget.item)
        decision = budget.admit(key)
        decisions.append(decision)
        PERIODIC.ensure_running()  # its thread reports the count (search_budget.py)
        if not decision.admitted:
            break
    tightest = min(decisions, key=lambda d: (d.admitted, d.remaining))

    @after_this_request
    def headers(response: Response) -> Response:
        response.headers["X-RateLimit-Limit"] = str(tightest.limit)
        response.headers["X-RateLimit-Remaining"] = str(tightest.remaining)
        response.headers["X-RateLimit-Reset"] = str(int(tightest.reset_at))
        return response

    if not tightest.admitted:
        raise TooManyRequests(retry_after=max(1, int(tightest.reset_at - time.time()) + 1))


def search(query: str) -> SearchResult:
    """Run the search, then log it once the response has gone out (seed pattern 3)."""
    admit_search()
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
