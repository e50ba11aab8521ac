"""The check form as a visitor with nothing of their own sees it, rendered once and reused.

A visitor with no result, no history, no pending message and no saved list gets the same
form page as every other such visitor but for one thing: the CSRF token in the form.
Rendering that page was about a third of its cost under gunicorn, so it is rendered once
per country choice, history state and script root with a marker where the token goes,
and each request puts its own token in. `generate_csrf` is still called once per request,
as the template's `csrf_token()` would be, so the token lands in the visitor's session.

Nothing is cached while templates may change (debug, TEMPLATES_AUTO_RELOAD), nor a page
whose marker does not appear exactly once or that called the real `csrf_token()`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from mediphant.web import my_list

# Tokens are base64url text and a dot; this has a space and never comes out of escaping.
MARKER = "csrf token goes here"
LIMIT = 64  # (countries + none) x (history available or not): a dozen keys in practice


def applies(history: list[object]) -> bool:
    """Whether this request shows the blank form: nothing of the visitor's own on it (no
    query string: no pair, no result, no country error)."""
    return (
        not request.args
        and not history
        and "_flashes" not in session
        and my_list.saved_count() == 0
    )


def page(key: Hashable, render: Callable[..., str]) -> str:
    """The page for `key`, from `render(**context)` once, with this request's token."""
    app = current_app
    pages: dict[Hashable, str] = app.extensions.setdefault("mediphant.blank_forms", {})
    full_key = (key, request.script_root)
    cached = pages.get(full_key)
    if cached is None:
        had_token = "csrf_token" in g
        cached = render(csrf_token=lambda: MARKER)
        # A macro imported without context reaches the real csrf_token(): such a page
        # holds this visitor's token and is not cached, nor is one without the marker.
        if cached.count(MARKER) != 1 or ("csrf_token" in g and not had_token):
            return render()
        if len(pages) < LIMIT and not (app.debug or app.config.get("TEMPLATES_AUTO_RELOAD")):
            pages[full_key] = cached
    return cached.replace(MARKER, generate_csrf())
