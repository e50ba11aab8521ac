"""The check flow shared by pages and API: run the checker, record it, read the history.

Storage failures never fail a check: they come back as `available=False` so the caller
can show "history is unavailable" while still answering.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import current_app

from mediphant.domain.interactions import CheckResult, default_checker
from mediphant.store import StoreUnavailable
from mediphant.store.history import Check, HistoryEntry, PhasedHistory
from mediphant.store.sessions import SessionInfo, SessionStore
from mediphant.web.deferred import after_response
from mediphant.web.identity import (
    cleared_at,
    first_count,
    mark_cleared,
    own_writes,
    remember_writes,
    session_id,
    session_owner,
    session_started,
)

log = logging.getLogger(__name__)

HISTORY_UNAVAILABLE = "History is unavailable right now; your check was answered but not saved."


def _history() -> PhasedHistory:
    return current_app.extensions["mediphant.history"]


def _sessions() -> SessionStore:
    return current_app.extensions["mediphant.sessions"]


def forget_session_counts(owners: list[str]) -> None:
    """This worker's pending session counts of a visitor being erased are dropped."""
    _sessions().forget(owners)


def _as_check(result: CheckResult) -> Check:
    return Check(
        med_a=result.med_a,
        med_b=result.med_b,
        is_potentially_risky=result.is_potentially_risky,
        reason=result.reason,
        severity=result.severity,
        status=result.status,
    )


def check_pair(med_a: str, med_b: str, country: str | None = None) -> CheckResult:
    return default_checker().check(med_a, med_b, country)


def record(results: Sequence[CheckResult]) -> bool:
    """Remember checks in this session's history and count them on the session item: a
    new session's item is created once the response has been sent, a known session's count
    is written by the worker's background thread (bookkeeping nobody waits for).

    Returns False when the history could not be written (the caller still shows the answer).
    """
    if not results:
        return True
    sid = session_id(create=True)
    owner = session_owner(create=True)
    assert sid is not None and owner is not None
    checks = [_as_check(result) for result in results]
    try:
        written = _history().add_many(sid, checks)
    except StoreUnavailable as exc:
        log.warning("history write failed: %s", exc.__cause__ or exc)
        return False
    remember_writes(written)
    sessions = _sessions()
    if first_count():  # created after the response; later checks counted in the background
        after_response(
            "session update", lambda: sessions.record_check(owner, sid, len(checks), new=True)
        )
    else:
        sessions.count_later(owner, sid, len(checks))
    return True


def recent() -> tuple[list[HistoryEntry], bool]:
    """This session's recent checks and whether history could be read at all."""
    sid = session_id()
    if sid is None:
        return [], True
    try:
        return _history().recent(sid, session_started(), own_writes(), cleared_at()), True
    except StoreUnavailable as exc:
        log.warning("history read failed: %s", exc.__cause__ or exc)
        return [], False


def clear() -> bool:
    """Delete this session's history; what it held is never shown again, even while a
    lagging index still returns some of it (see DynamoHistory.clear)."""
    sid = session_id()
    if sid is None:
        return True
    try:
        _history().clear(sid, own_writes())
    except StoreUnavailable as exc:
        log.warning("history clear failed: %s", exc.__cause__ or exc)
        return False
    mark_cleared()
    return True


def clear_session(sid: str) -> int:
    """Delete one session's checks, any session of this visitor's (erasing their data);
    raises StoreUnavailable. Returns how many were deleted. This browser's own session
    also deletes by key what it wrote lately, which a lagging index may not show yet."""
    return _history().clear(sid, own_writes() if sid == session_id() else ())


def current_session() -> tuple[SessionInfo | None, bool]:
    """This browser session's item and whether it could be read."""
    sid, owner = session_id(), session_owner()
    if sid is None or owner is None:
        return None, True
    try:
        return _sessions().find(owner, sid), True
    except StoreUnavailable as exc:
        log.warning("session read failed: %s", exc.__cause__ or exc)
        return None, False
