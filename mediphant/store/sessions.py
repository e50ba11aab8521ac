"""User sessions (seed access pattern 4): one SESSION item per browser session.

Created on the first check (never on a page view) and bumped atomically on every later
check. Unlike the seed, the item carries no GSI1 keys: GSI1 projects every attribute, so
an indexed item costs a second write unit on each of those bumps. The session cookie holds
both the visitor id and the session id, so a GetItem finds the item without the index.

A later check's bump is not written by the request: the worker's background thread adds
up each session's checks and writes them with one UpdateItem within about a second (a
bump after the response held the kept-alive connection that the page's redirected GET
then waited on, and a visitor checking often cost one call per check). A bump only ever
adds to an item that exists: one whose item is gone (erased, or expired) is dropped, so a
late bump can never bring back a session its visitor has just erased.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError, UpdateError

from mediphant.periodic import PERIODIC
from mediphant.store import STORE_ERRORS, condition_failed, guarded, keys, settled
from mediphant.store.models import SessionData, SessionItem

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    user_id: str
    session_id: str
    created_at: str
    last_activity: str
    query_count: int
    expires_at: datetime


@dataclass
class _Bump:
    checks: int
    last: datetime  # the newest check's time: the item's lastActivity
    misses: int = 0  # background writes that found no item yet


class SessionStore:
    # Sessions whose counts wait for the background thread; beyond this, the oldest go.
    MAX_PENDING = 10_000
    # A bump that finds no item is tried again this many times (the session's first check
    # may still be creating it), then dropped.
    MAX_MISSES = 2

    def __init__(self, idle_days: int = 30) -> None:
        self.idle = timedelta(days=idle_days)
        self._pending: dict[tuple[str, str], _Bump] = {}
        self._lock = threading.Lock()
        PERIODIC.add("session counts", self.flush)

    def count_later(self, user_id: str, session_id: str, checks: int = 1) -> None:
        """Count checks of an existing session; the background thread writes them."""
        with self._lock:
            self._add((user_id, session_id), _Bump(checks, keys.now()))
        PERIODIC.ensure_running()

    def _add(self, key: tuple[str, str], bump: _Bump) -> None:
        """Add to a session's pending count (lock held), newest last, within MAX_PENDING."""
        earlier = self._pending.pop(key, None)
        if earlier is not None:
            bump = _Bump(
                earlier.checks + bump.checks,
                max(earlier.last, bump.last),
                max(earlier.misses, bump.misses),
            )
        self._pending[key] = bump
        while len(self._pending) > self.MAX_PENDING:
            del self._pending[next(iter(self._pending))]

    def forget(self, user_ids: list[str]) -> None:
        """Drop the pending counts of a visitor whose data is being erased."""
        with self._lock:
            for key in [k for k in self._pending if k[0] in user_ids]:
                del self._pending[key]

    def flush(self) -> None:
        """Write every pending count (the background thread's job); keep them all when the
        table does not answer."""
        with self._lock:
            pending, self._pending = self._pending, {}
        keep: dict[tuple[str, str], _Bump] = {}
        for n, ((user_id, session_id), bump) in enumerate(pending.items()):
            try:
                self._bump(user_id, session_id, bump.checks, bump.last)
            except STORE_ERRORS as exc:
                if not condition_failed(exc):  # the table is not answering: all wait
                    keep.update(list(pending.items())[n:])
                    log.warning("session counts not written yet: %s", exc)
                    break
                settled(exc)  # no item: not created yet, or erased, or expired
                bump.misses += 1
                if bump.misses <= self.MAX_MISSES:
                    keep[(user_id, session_id)] = bump
        if keep:
            with self._lock:  # counts that came in meanwhile are added to the kept ones
                newer, self._pending = self._pending, {}
                for key, bump in [*keep.items(), *newer.items()]:
                    self._add(key, bump)

    def _bump(self, user_id: str, session_id: str, checks: int, last: datetime) -> None:
        item = SessionItem(keys.user_pk(user_id), keys.session_sk(session_id))
        item.update(
            actions=[
                SessionItem.Data.queryCount.add(checks),
                SessionItem.Data.lastActivity.set(keys.timestamp(last)),
                SessionItem.TTL.set(last + self.idle),
            ],
            condition=SessionItem.PK.exists(),
        )

    @guarded("session could not be updated")
    def record_check(
        self, user_id: str, session_id: str, checks: int = 1, new: bool = False
    ) -> None:
        """Count checks and extend the idle expiry in one UpdateItem; create on first use.

        `new` says this is the session's first check, so the item most likely does not
        exist yet: create it straight away instead of first failing a conditional update.
        """
        now = keys.now()
        ts = keys.timestamp(now)

        def bump() -> None:
            self._bump(user_id, session_id, checks, now)

        def create() -> None:
            item = SessionItem(keys.user_pk(user_id), keys.session_sk(session_id))
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
