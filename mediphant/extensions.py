"""Extensions created unbound here and bound to the app in `create_app`."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect

import mediphant.store.ratelimit  # noqa: F401  (registers the "dynamodb://" storage scheme)
from mediphant.web.identity import client_key

csrf = CSRFProtect()
limiter = Limiter(key_func=client_key)


def _client_limit() -> str:
    return current_app.config["SETTINGS"].rate_limit


# One budget per client shared by checks, lists, FAQ searches and the API.
client_limit = limiter.shared_limit(_client_limit, scope="client")
# The FAQ page draws on the same budget only when it searches (a bare visit is free).
search_limit = limiter.shared_limit(
    _client_limit, scope="client", exempt_when=lambda: "q" not in request.args
)
