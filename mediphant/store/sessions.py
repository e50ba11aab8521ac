"""User sessions (seed access pattern 4): one SESSION item per browser session.

Created on the first check (never on a page view), bumped atomically on every check,
found by session id through GSI1 (the seed's reverse lookup).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError, UpdateError

from mediphant.store import condition_failed, guarded, keys, settled
from mediphant.store.models import SessionData, SessionItem


@dataclass(frozen=True, slots=True)
class SessionInfo:
    user_id: str
    session_id: str
    created_at: str
    last_activity: str
    query_count: int
    expires_at: datetime


class SessionStore:
    def __init__(self, idle_days: int = 30) -> None:
        self.idle = timedelta(days=idle_days)

    @guarded("session could not be updated")
    def record_check(self, user_id: str, session_id: str, checks: int = 1) -> None:
        """Count checks and extend the idle expiry in one UpdateItem; create on first use."""
        now = keys.now()
        ts = keys.timestamp(now)
        pk, sk = keys.user_pk(user_id), keys.session_sk(session_id)
        for _ in range(2):
            try:
                SessionItem(pk, sk).update(
                    actions=[
                        SessionItem.Data.queryCount.add(checks),
                        SessionItem.Data.lastActivity.set(ts),
                        SessionItem.TTL.set(now + self.idle),
                    ],
                    condition=SessionItem.PK.exists(),
                )
                return
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
                settled(exc)
            try:
                SessionItem(
                    pk,
                    sk,
                    GSI1PK=keys.session_sk(session_id),
                    GSI1SK=keys.user_pk(user_id),
                    TTL=now + self.idle,
                    Data=SessionData(createdAt=ts, lastActivity=ts, queryCount=checks),
                ).save(condition=SessionItem.PK.does_not_exist())
                return
            except PutError as exc:
                # A parallel first check created it: loop once more to count on it.
                if not condition_failed(exc):
                    raise
                settled(exc)

    @guarded("session could not be read")
    def find(self, session_id: str) -> SessionInfo | None:
        """Look a session up by its id alone, through GSI1; expired ones count as absent."""
        items = list(
            SessionItem.gsi1.query(
                keys.session_sk(session_id),
                SessionItem.GSI1SK.startswith(keys.USER_PREFIX),
                limit=1,
            )
        )
        now = keys.now()
        for item in items:
            if item.TTL is not None and item.TTL <= now:
                continue
            return SessionInfo(
                user_id=keys.user_id(item.PK),
                session_id=session_id,
                created_at=item.Data.createdAt,
                last_activity=item.Data.lastActivity,
                query_count=int(item.Data.queryCount),
                expires_at=item.TTL,
            )
        return None
