"""Who is asking: the browser session's random id, kept in Flask's signed session cookie."""

from __future__ import annotations

import secrets

from flask import session

SESSION_KEY = "sid"


def session_id(create: bool = False) -> str | None:
    """The caller's session id; minted (128 random bits) only when a check must be recorded."""
    current = session.get(SESSION_KEY)
    if isinstance(current, str) and current:
        return current
    if not create:
        return None
    session.permanent = True
    session[SESSION_KEY] = secrets.token_urlsafe(16)
    return session[SESSION_KEY]
