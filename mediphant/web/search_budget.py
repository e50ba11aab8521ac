"""FAQ searches draw on the client's shared budget without waiting on the table.

Checks keep the exact, synchronous limit (one conditional UpdateItem each): they write
history, and that is what the budget protects. A search is answered from memory, so it
must not wait on DynamoDB for its count. Each worker admits searches against a lease: a
share of the client's remaining budget as the worker last saw it, divided among all
workers. Admitted searches are added to the same RATE_LIMIT item (UpdateItem ADD) by the
worker's background thread (not after the response: on a kept-alive connection the
visitor's next request would wait for that call): within about a second once the client
has used half its budget, when half the lease is used or within STALE_AFTER before that.
The new total comes back and refreshes the worker's view and its next lease; a client's
first search wakes the thread at once, so that its count is usually known before the first
lease (2) runs out. When little budget is left the lease is gone and each search counts
synchronously, like a check.

Bound: a worker admits at most FIRST_LEASE searches of a client before it has seen the
client's count, afterwards at most (limit - seen) / (2 x shares) between reports, and
none without counting once SYNC_SHARES x shares or fewer are left. The overshoot is what
was leased on a view that other workers have since moved past: a few searches at most
(measured: 100 of 100 at 4 workers, test_brownout.py allows up to 110). While the table
cannot be reached, each worker admits only its share of what it last saw remaining, so
all the workers together stay within the budget (flask-limiter's in-memory fallback for
checks gives every worker the whole budget).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem
from limits.storage import Storage

from mediphant.periodic import PERIODIC
from mediphant.store import STORE_ERRORS

FIRST_LEASE = 2  # searches a worker admits for a client before it has seen the count
SYNC_SHARES = 4  # with at most this many searches per worker left, each one counts at once
# When the background thread reports a client's pending count (besides when half the
# lease is used). Seconds; the thread looks every 0.5 s.
# - REPORT_AFTER, once the client has used half its budget: near the limit the table
#   counts every search within about a second, and the other workers' leases shrink.
# - STALE_AFTER, before that: far from the limit nothing depends on the exact count, so a
#   visitor's searches cost about one UpdateItem per half lease (six at 100 a minute
#   on 4 workers) or per STALE_AFTER, not one per search. A count still pending when its
#   window ends is dropped: that window's count no longer limits anything.
REPORT_AFTER = 0.75
STALE_AFTER = 10.0


@dataclass
class _View:
    window: float  # start of the clock-aligned window, as the storage keys it
    total: int | None = None  # the table's count as last seen; None: not seen yet
    unreported: int = 0  # admitted here, not yet added to the table
    reporting: int = 0  # being added right now
    since: float = 0.0  # monotonic time of the oldest unreported search


@dataclass(frozen=True)
class Decision:
    admitted: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds


class SearchBudget:
    """One per worker process: leases of each client's remaining budget."""

    def __init__(self, storage: Storage, item: RateLimitItem, shares: int) -> None:
        self.storage = storage
        self.item = item
        self.shares = max(1, shares)
        self.expiry = item.get_expiry()
        self._views: dict[str, _View] = {}
        self._lock = threading.Lock()
        PERIODIC.add(f"search budget {item}", self.report_all)

    def _window(self, now: float) -> float:
        return math.floor(now / self.expiry) * self.expiry

    def _view(self, key: str, now: float) -> _View:
        window = self._window(now)
        view = self._views.get(key)
        if view is None or view.window != window:
            view = self._views[key] = _View(window)
        return view

    def _lease(self, view: _View) -> int:
        """How many searches may be admitted here before the next report (0: count now)."""
        if view.total is None:
            return FIRST_LEASE
        left = self.item.amount - view.total
        if left <= SYNC_SHARES * self.shares:
            return 0
        return left // (2 * self.shares)

    def _decision(self, view: _View, admitted: bool) -> Decision:
        used = (view.total or 0) + view.unreported + view.reporting
        return Decision(
            admitted,
            self.item.amount,
            max(0, self.item.amount - used),
            view.window + self.expiry,
        )

    def admit(self, key: str) -> Decision:
        """Let one search through or not; waits on the table only when the lease is gone."""
        now = time.time()
        with self._lock:
            view = self._view(key, now)
            used = (view.total or 0) + view.unreported + view.reporting
            if used >= self.item.amount:
                return self._decision(view, False)
            leased = view.unreported + view.reporting < self._lease(view)
            if leased:
                self._pend(view, 1)
                unseen = view.total is None
                decision = self._decision(view, True)
            else:
                amount, view.unreported = view.unreported + 1, 0
                view.reporting += amount
        if leased:
            if unseen:
                # Learn the client's count now, in the background, so that its next search
                # here finds a lease instead of waiting on the table (the first lease is 2).
                PERIODIC.wake()
            return decision
        try:
            total = self.storage.incr(key, self.expiry, amount=amount)
        except STORE_ERRORS:
            # The table is not answering in time: admit on this worker's share of what it
            # last saw remaining, so all workers together stay within the budget.
            with self._lock:
                view.reporting -= amount
                self._pend(view, amount - 1)
                share = (self.item.amount - (view.total or 0)) // self.shares
                admitted = view.unreported < max(FIRST_LEASE, share)
                if admitted:
                    self._pend(view, 1)
                return self._decision(view, admitted)
        with self._lock:
            view.reporting -= amount
            view.total = max(view.total or 0, total)
            return self._decision(view, total <= self.item.amount)

    def _pend(self, view: _View, amount: int) -> None:
        if not view.unreported:
            view.since = time.monotonic()
        view.unreported += amount

    def _due(self, view: _View) -> bool:
        if view.unreported >= max(1, self._lease(view) // 2):
            return True
        used = (view.total or 0) + view.unreported
        age = time.monotonic() - view.since
        return age >= (REPORT_AFTER if 2 * used >= self.item.amount else STALE_AFTER)

    def report(self, key: str, due_only: bool = False) -> bool:
        """Add this worker's admitted searches to the table and learn the client's total.

        False when the table did not answer: the counts stay pending for the next report.
        """
        now = time.time()
        with self._lock:
            view = self._views.get(key)
            if view is None or not view.unreported or view.reporting:
                return True
            if view.window != self._window(now):
                del self._views[key]  # that window is over: its count no longer matters
                return True
            if due_only and not self._due(view):
                return True
            amount, view.unreported = view.unreported, 0
            view.reporting += amount
        try:
            total = self.storage.incr(key, self.expiry, amount=amount)
        except STORE_ERRORS:
            with self._lock:
                view.reporting -= amount
                self._pend(view, amount)
            return False
        with self._lock:
            view.reporting -= amount
            view.total = max(view.total or 0, total)
        return True

    def report_all(self) -> None:
        """The background thread's job: the pending counts that are due, and forget
        finished windows."""
        now = time.time()
        with self._lock:
            window = self._window(now)
            for key in [k for k, v in self._views.items() if v.window != window]:
                del self._views[key]
            pending = [k for k, v in self._views.items() if v.unreported and not v.reporting]
        for key in pending:
            if not self.report(key, due_only=True):
                return  # the table is not answering: keep the counts, try again later
