"""User sessions (seed access pattern 4): one SESSION item per browser session.

Created on the first check (never on a page view) and bumped atomically on every check.
Unlike the seed, the item carries no GSI1 keys: GSI1 projects every attribute, so an
indexed item costs a second write unit on each of those bumps. The session cookie holds
both the visitor id and the session id, so a GetItem finds the item without the index.
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
    def record_check(
        self, user_id: str, session_id: str, checks: int = 1, new: bool = False
    ) -> None:
        """Count checks and extend the idle expiry in one UpdateItem; create on first use.

        `new` says the session id was minted in this request, so the item cannot exist
        yet: create it straight away instead of first failing a conditional update.
        """
        now = keys.now()
        ts = keys.timestamp(now)
        item = SessionItem(keys.user_pk(user_id), keys.session_sk(session_id))

        def bump() -> None:
            item.update(
                actions=[
                    SessionItem.Data.queryCount.add(checks),
                    SessionItem.Data.lastActivity.set(ts),
                    SessionItem.TTL.set(now + self.idle),
                ],
                condition=SessionItem.PK.exists(),
            )

        def create() -> None:
            item.TTL = now + self.idle
            item.Data = SessionData(createdAt=ts, lastActivity=ts, queryCount=checks)
            item.save(condition=SessionItem.PK.does_not_exist())

        # A failed condition means the other step applies (a parallel first check may
        # have created the item meanwhile), so alternate; three tries settle any race.
        steps = (create, bump, create) if new else (bump, create, bump)
        for step in steps:
            try:
                step()
                return
            except (UpdateError, PutError) as exc:
                if not condition_failed(exc):
                    raise
                settled(exc)

    @guarded("session could not be read")
    def find(self, user_id: str, session_id: str) -> SessionInfo | None:
        """One strongly consistent GetItem, so a check just made is counted; expired = absent."""
        try:
            item = SessionItem.get(
                keys.user_pk(user_id), keys.session_sk(session_id), consistent_read=True
            )
        except SessionItem.DoesNotExist:
            return None
        if item.TTL is not None and item.TTL <= keys.now():
            return None
        return SessionInfo(
            user_id=user_id,
            session_id=session_id,
            created_at=item.Data.createdAt,
            last_activity=item.Data.lastActivity,
            query_count=int(item.Data.queryCount),
            expires_at=item.TTL,
        )
