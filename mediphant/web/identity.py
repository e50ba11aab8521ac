"""Who is asking: an anonymous visitor id and the browser session's id, both in signed cookies.

The session id lives in Flask's session; the visitor id in its own long-lived cookie, and
also in the session as the session's owner, so the SESSION item's key travels with the id.
Both are minted server-side (128 random bits) only when a check is recorded, so page views
by crawlers write nothing; a client cannot choose either value (no session fixation).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from mediphant.store import keys

SESSION_KEY = "sid"
STARTED_KEY = "sid_at"
OWNER_KEY = "uid"
OWN_WRITES_KEY = "own"
CLEARED_KEY = "cleared"
COUNTED_KEY = "counted"  # this session's SESSION item has been created by one of its checks
# The ids of this session's latest history writes are remembered this long, at most this
# many: long past any ordinary index lag, short enough to keep the cookie small.
REMEMBER_FOR = timedelta(minutes=5)
REMEMBER_AT_MOST = 25
VISITOR_COOKIE = "mediphant_visitor"
VISITOR_LIFETIME = timedelta(days=365)


def client_key() -> str:
    """A keyed hash of the client address (after ProxyFix): no raw IP is stored at rest."""
    return keys.client_key(current_app.config["SECRET_KEY"], request.remote_addr or "unknown")


def _new_id() -> str:
    return secrets.token_urlsafe(16)


def session_id(create: bool = False) -> str | None:
    """The caller's session id; minted only when something must be recorded."""
    current = session.get(SESSION_KEY)
    if isinstance(current, str) and current:
        return current
    if not create:
        return None
    return rotate_session()


def rotate_session() -> str:
    """Start a new session id; the old one's history stays with the old id."""
    session.permanent = True
    session[SESSION_KEY] = _new_id()
    session[STARTED_KEY] = keys.timestamp(keys.now())
    session[OWNER_KEY] = visitor_id(create=True)
    session.pop(OWN_WRITES_KEY, None)
    session.pop(CLEARED_KEY, None)
    session.pop(COUNTED_KEY, None)
    return session[SESSION_KEY]


def first_count() -> bool:
    """True once per session id: its first check creates the SESSION item, later ones only
    add to it (so a late count can never recreate an erased item)."""
    if session.get(COUNTED_KEY) is True:
        return False
    session[COUNTED_KEY] = True
    return True


def own_writes() -> list[str]:
    """Ids of the history items this session wrote lately (newest first), for reading
    them back while GSI1 may still lag behind."""
    remembered = session.get(OWN_WRITES_KEY)
    if not isinstance(remembered, list):
        return []
    oldest = keys.timestamp(keys.now() - REMEMBER_FOR)
    return [i for i in remembered if isinstance(i, str) and i[:24] >= oldest]


def remember_writes(ids: list[str]) -> None:
    session[OWN_WRITES_KEY] = (ids + own_writes())[:REMEMBER_AT_MOST]


def cleared_at() -> str | None:
    """When this session's history was last cleared: older items are never shown again."""
    cleared = session.get(CLEARED_KEY)
    return cleared if isinstance(cleared, str) else None


def mark_cleared() -> None:
    session[CLEARED_KEY] = keys.timestamp(keys.now())
    session.pop(OWN_WRITES_KEY, None)


def session_owner(create: bool = False) -> str | None:
    """The visitor who started this session (the SESSION item's partition)."""
    owner = session.get(OWNER_KEY)
    return owner if isinstance(owner, str) and owner else visitor_id(create)


def session_started() -> str | None:
    """When this session id was minted (decides its side in the gradual-reads phase)."""
    started = session.get(STARTED_KEY)
    return started if isinstance(started, str) else None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="mediphant-visitor")


def visitor_id(create: bool = False) -> str | None:
    if "visitor_id" in g:
        return g.visitor_id
    raw = None if g.get("visitor_forgotten") else request.cookies.get(VISITOR_COOKIE)
    if raw:
        try:
            value = _serializer().loads(raw)
            if isinstance(value, str) and value:
                g.visitor_id = value
                return value
        except BadSignature:
            pass
    if not create:
        return None
    g.visitor_id = _new_id()
    g.visitor_is_new = True
    return g.visitor_id


def forget_visitor() -> None:
    """Forget both ids: the session cookie is emptied and the visitor cookie deleted."""
    session.clear()
    g.pop("visitor_id", None)
    g.pop("visitor_is_new", None)
    g.visitor_forgotten = True


def _set_visitor_cookie(response: Response) -> Response:
    if g.get("visitor_forgotten"):
        response.delete_cookie(
            VISITOR_COOKIE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    elif g.get("visitor_is_new"):
        response.set_cookie(
            VISITOR_COOKIE,
            _serializer().dumps(g.visitor_id),
            max_age=int(VISITOR_LIFETIME.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key.

    Flask builds a new serializer twice a request (to open and to save the session), each
    time serializing a probe value to learn its type: a few percent of a page's CPU.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.after_request(_set_visitor_cookie)
