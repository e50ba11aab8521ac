"""Extensions created unbound here and bound to the app in `create_app`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import current_app
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem

import mediphant.store.ratelimit  # noqa: F401  (registers the "dynamodb://" storage scheme)
from mediphant.store.counters import CLIENT_SCOPE
from mediphant.store.guard import CLOSED, GUARD
from mediphant.web.identity import client_key

P = ParamSpec("P")
R = TypeVar("R")

csrf = CSRFProtect()
# No limit applies to every request, so the limiter does not check each one itself
# (auto_check): the views and the blueprint that are limited check their own limit
# below, and every other page skips the limiter's per-request lookups.
limiter = Limiter(key_func=client_key, auto_check=False)


def _revive_limiter(state: str, problem: str) -> None:
    """Back to the shared counters as soon as the breaker closes again.

    While the table is skipped, flask-limiter counts in memory (its fallback); on its own
    it would look for the table again only after a growing back-off of up to 32 s.
    """
    if state == CLOSED:
        limiter._storage_dead = False  # noqa: SLF001


GUARD.breaker.listeners.append(_revive_limiter)


def _client_limit() -> str:
    return current_app.config["SETTINGS"].rate_limit


# One budget per client shared by checks, lists, FAQ searches and the API.
_client_budget = limiter.shared_limit(_client_limit, scope=CLIENT_SCOPE)


def budget_key(item: RateLimitItem) -> str:
    """The storage key of this client's shared budget, exactly as flask-limiter builds it,
    so FAQ searches (web/search_budget.py) count on the same item as checks."""
    return item.key_for(client_key(), CLIENT_SCOPE)


def _checked(view: Callable[P, R]) -> Callable[P, R]:
    """Check the limits declared for this view before running it."""

    @wraps(view)
    def check_then_run(*args: P.args, **kwargs: P.kwargs) -> R:
        limiter.check()
        return view(*args, **kwargs)

    return check_then_run


def client_limit(view: Callable[P, R]) -> Callable[P, R]:
    """The view draws on the client's budget."""
    return _checked(_client_budget(view))
