"""Query history (seed access pattern 1): add a check, read a session's recent ones, clear."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mediphant.periodic import PERIODIC
from mediphant.store import StoreUnavailable, batches, guarded, keys
from mediphant.store.models import QueryData, QueryItem

# After a clear, the session's history is swept again this long after (seconds): GSI1 may
# still have been missing items written just before the clear.
SWEEP_AFTER = (5.0, 60.0)


@dataclass(frozen=True, slots=True)
class Check:
    """What is remembered of one check: the seed's Data fields plus severity and status."""

    med_a: str
    med_b: str
    is_potentially_risky: bool
    reason: str
    severity: str | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: str
    med_a: str
    med_b: str
    is_potentially_risky: bool
    reason: str
    timestamp: str
    severity: str | None
    status: str | None

    def to_api(self) -> dict[str, object]:
        return {
            "id": self.id,
            "medA": self.med_a,
            "medB": self.med_b,
            "isPotentiallyRisky": self.is_potentially_risky,
            "reason": self.reason,
            "timestamp": self.timestamp,
            "severity": self.severity,
            "status": self.status,
        }


class DynamoHistory:
    """History kept as QUERY items, read through GSI1 exactly as the seed's read pattern."""

    def __init__(self, ttl_days: int = 30, limit: int = 10) -> None:
        self.ttl = timedelta(days=ttl_days)
        self.limit = limit

    def _item(self, session_id: str, check: Check, moment: datetime) -> QueryItem:
        ts = keys.timestamp(moment)
        return QueryItem(
            keys.query_pk(ts),
            keys.METADATA,
            GSI1PK=keys.user_pk(session_id),
            GSI1SK=keys.query_gsi1sk(ts),
            TTL=moment + self.ttl,
            Data=QueryData(
                medA=check.med_a,
                medB=check.med_b,
                isPotentiallyRisky=check.is_potentially_risky,
                reason=check.reason,
                timestamp=ts,
                sessionId=session_id,
                severity=check.severity,
                status=check.status,
            ),
        )

    @guarded("history could not be saved")
    def add(self, session_id: str, check: Check) -> list[str]:
        item = self._item(session_id, check, keys.now())
        item.save()
        return [keys.query_id(item.PK)]

    @guarded("history could not be saved")
    def add_many(self, session_id: str, checks: Sequence[Check]) -> list[str]:
        """The batch's first (newest) `limit` checks, in one BatchWriteItem; returns their ids.

        The history never shows more than `limit` items, so the rest of a long medication
        list would cost write units for items no read can return. Writes that DynamoDB
        leaves unprocessed are resent within the request's budget; if some never land, the
        batch is reported as not saved.
        """
        kept = checks[: self.limit]
        if len(kept) == 1:
            return self.add(session_id, kept[0])
        items = [
            self._item(session_id, check, at)
            for check, at in zip(kept, _moments(len(kept)), strict=True)
        ]
        unwritten = batches.write(puts=items)
        if unwritten:
            raise StoreUnavailable(f"{len(unwritten)} of {len(items)} checks were not saved")
        return [keys.query_id(item.PK) for item in items]

    @guarded("history could not be read")
    def recent(
        self, session_id: str, own: Sequence[str] = (), cleared_at: str | None = None
    ) -> list[HistoryEntry]:
        """Newest first, at most `limit`: one GSI1 Query; expired items are dropped on read.

        GSI1 is eventually consistent on AWS, so a check written moments ago may be missing
        from it. `own` are the ids this session wrote lately (its cookie remembers them):
        any that belong in the newest `limit` but did not come back are read by key, in
        one strongly consistent BatchGetItem; when the index has caught up, nothing more
        is read. `cleared_at` hides what was written before the session's last clear,
        which a lagging index may still return (apart from this session's own later
        writes, which a clock behind the clearing host's could date earlier).
        """
        now = keys.now()
        items = list(
            QueryItem.gsi1.query(
                keys.user_pk(session_id),
                QueryItem.GSI1SK.startswith(keys.QUERY_GSI1SK_PREFIX),
                scan_index_forward=False,
                limit=self.limit,
                page_size=self.limit,
            )
        )
        entries = list(_entries(items, now))
        found = {entry.id for entry in entries}
        newest_only = _sortable(entries[-1].timestamp) if len(entries) >= self.limit else ""
        missing = [i for i in own if i not in found and _sortable(_id_time(i)) > newest_only]
        if missing:
            fetched = QueryItem.batch_get(
                [(keys.query_pk_of(i), keys.METADATA) for i in missing], consistent_read=True
            )
            entries.extend(_entries(fetched, now))
        mine = set(own)
        if cleared_at is not None:
            entries = [e for e in entries if e.id in mine or _sortable(e.timestamp) > cleared_at]
        entries.sort(key=lambda e: (_sortable(e.timestamp), e.id), reverse=True)
        return entries[: self.limit]

    @guarded("history could not be cleared")
    def clear(self, session_id: str, own: Sequence[str] = ()) -> int:
        """Delete every QUERY item of the session; returns how many keys were deleted.

        The items GSI1 shows, and by key every item this session wrote lately (`own`),
        which a lagging index may not show yet. The index is swept again SWEEP_AFTER
        seconds later for anything it still lacked.
        """
        started = keys.timestamp(keys.now())
        doomed = {pk: QueryItem(pk, keys.METADATA) for pk in map(keys.query_pk_of, own)}
        for item in self._indexed(session_id):
            doomed[item.PK] = item
        unwritten = batches.write(deletes=list(doomed.values()))
        SWEEPER.later(session_id, started)
        if unwritten:
            raise StoreUnavailable(f"{len(unwritten)} of {len(doomed)} checks were not deleted")
        return len(doomed)

    def _indexed(self, session_id: str, before: str | None = None) -> list[QueryItem]:
        """The session's QUERY items GSI1 shows (only those checked before `before`)."""
        sort_key = (
            QueryItem.GSI1SK.startswith(keys.QUERY_GSI1SK_PREFIX)
            if before is None
            else QueryItem.GSI1SK.between(keys.QUERY_GSI1SK_PREFIX, keys.query_gsi1sk(before))
        )
        return list(
            QueryItem.gsi1.query(keys.user_pk(session_id), sort_key, attributes_to_get=["PK", "SK"])
        )

    @guarded("history could not be swept")
    def sweep(self, session_id: str, before: str) -> int:
        """Delete what GSI1 now shows of a session cleared at `before` (the later passes of
        a clear): only checks made before it, never one made since."""
        items = self._indexed(session_id, before)
        if batches.write(deletes=items):
            raise StoreUnavailable("a cleared history could not be swept")
        return len(items)


class Sweeper:
    """Sweeps cleared histories again later, from the worker's background thread.

    Kept in memory: a worker that dies loses its pending sweeps, and those items then
    go with their TTL (30 days) unless the index had caught up by the clear.
    """

    def __init__(self, history: DynamoHistory, after: Sequence[float] = SWEEP_AFTER) -> None:
        self.history = history
        self.after = after
        self._due: list[tuple[float, str, str]] = []  # (when, session id, cleared at)
        self._lock = threading.Lock()
        PERIODIC.add("history sweeps", self.run_due)

    def later(self, session_id: str, cleared_at: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._due.extend((now + delay, session_id, cleared_at) for delay in self.after)
        PERIODIC.ensure_running()

    def forget(self) -> None:
        """Drop the pending sweeps (the models now point at another table: tests)."""
        with self._lock:
            self._due.clear()

    def run_due(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [entry for entry in self._due if entry[0] <= now]
            self._due = [entry for entry in self._due if entry[0] > now]
        for _, session_id, cleared_at in due:
            try:
                self.history.sweep(session_id, cleared_at)
            except StoreUnavailable:
                with self._lock:  # the table is not answering: try again a little later
                    self._due.append((time.monotonic() + self.after[0], session_id, cleared_at))


SWEEPER = Sweeper(DynamoHistory())


def _id_time(entry_id: str) -> str:
    """A QUERY id starts with its timestamp (`<ts>#<rand>`, or the seed's bare `<ts>`)."""
    return entry_id.split(keys.SEP, 1)[0]


def _sortable(ts: str) -> str:
    """Our fixed-width form of a timestamp, so the seed's `...:00Z` sorts right too."""
    return keys.timestamp(keys.parse_timestamp(ts)) if len(ts) != 24 else ts


def _moments(count: int) -> list[datetime]:
    """One timestamp per check of a batch, a millisecond apart, the first the newest: the
    list's order survives reading newest first."""
    now = keys.now()
    return [now + timedelta(milliseconds=count - 1 - offset) for offset in range(count)]


def _entries(items: Iterable[QueryItem], moment: datetime) -> Iterable[HistoryEntry]:
    for item in items:
        if item.TTL is not None and item.TTL <= moment:
            continue
        data = item.Data
        yield HistoryEntry(
            id=keys.query_id(item.PK),
            med_a=data.medA,
            med_b=data.medB,
            is_potentially_risky=bool(data.isPotentiallyRisky),
            reason=data.reason,
            timestamp=data.timestamp,
            severity=data.severity,
            status=data.status,
        )


class MemoryHistory:
    """The earlier implementation's store: per process, bounded, newest first."""

    def __init__(self, limit: int = 10, max_sessions: int = 10_000) -> None:
        self.limit = limit
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, deque[HistoryEntry]] = OrderedDict()
        self._lock = threading.Lock()

    def _entry(self, session_id: str, check: Check, moment: datetime) -> HistoryEntry:
        ts = keys.timestamp(moment)
        return HistoryEntry(
            id=keys.query_id(keys.query_pk(ts)),
            med_a=check.med_a,
            med_b=check.med_b,
            is_potentially_risky=check.is_potentially_risky,
            reason=check.reason,
            timestamp=ts,
            severity=check.severity,
            status=check.status,
        )

    def add_many(self, session_id: str, checks: Sequence[Check]) -> list[str]:
        moments = _moments(len(checks))
        added = [self._entry(session_id, c, at) for c, at in zip(checks, moments, strict=True)]
        with self._lock:
            entries = self._sessions.pop(session_id, None) or deque(maxlen=self.limit)
            entries.extendleft(reversed(added))
            self._sessions[session_id] = entries
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return [entry.id for entry in added]

    def add(self, session_id: str, check: Check) -> list[str]:
        return self.add_many(session_id, [check])

    def recent(
        self, session_id: str, own: Sequence[str] = (), cleared_at: str | None = None
    ) -> list[HistoryEntry]:
        """Memory has no index to lag: `own` and `cleared_at` change nothing here."""
        with self._lock:
            return list(self._sessions.get(session_id, ()))

    def clear(self, session_id: str, own: Sequence[str] = ()) -> int:
        with self._lock:
            return len(self._sessions.pop(session_id, ()))


PHASES = ("memory", "parallel-writes", "gradual-reads", "dynamodb")
ReadObserver = Callable[[str, str], None]


class PhasedHistory:
    """The seed's migration phases behind the one history interface.

    memory: memory only. parallel-writes: write both, read memory. gradual-reads: write
    both; sessions started after `switch_at` read DynamoDB and fall back to memory on a
    miss. dynamodb: DynamoDB only. `observe(source, outcome)` counts every read.
    """

    def __init__(
        self,
        phase: str,
        dynamo: DynamoHistory,
        memory: MemoryHistory,
        switch_at: str,
        observe: ReadObserver = lambda source, outcome: None,
    ) -> None:
        if phase not in PHASES:
            raise ValueError(f"unknown storage phase {phase!r}; use one of {', '.join(PHASES)}")
        self.phase = phase
        self.dynamo = dynamo
        self.memory = memory
        self.switch_at = switch_at
        self.observe = observe

    @property
    def _writes_dynamo(self) -> bool:
        return self.phase != "memory"

    @property
    def _writes_memory(self) -> bool:
        return self.phase != "dynamodb"

    def add_many(self, session_id: str, checks: Sequence[Check]) -> list[str]:
        """Ids of what was written (DynamoDB's when it was written there)."""
        written = self.memory.add_many(session_id, checks) if self._writes_memory else []
        if self._writes_dynamo:
            try:
                written = self.dynamo.add_many(session_id, checks)
            except StoreUnavailable:
                if self.phase == "dynamodb":
                    raise
                # Memory is still the source of truth in these phases: the check is kept.
        return written

    def add(self, session_id: str, check: Check) -> list[str]:
        return self.add_many(session_id, [check])

    def _from_memory(self, session_id: str) -> list[HistoryEntry]:
        entries = self.memory.recent(session_id)
        self.observe("memory", "hit" if entries else "miss")
        return entries

    def recent(
        self,
        session_id: str,
        started_at: str | None = None,
        own: Sequence[str] = (),
        cleared_at: str | None = None,
    ) -> list[HistoryEntry]:
        new_session = started_at is not None and started_at >= self.switch_at
        reads_dynamo = self.phase == "dynamodb" or (self.phase == "gradual-reads" and new_session)
        if not reads_dynamo:
            return self._from_memory(session_id)
        try:
            entries = self.dynamo.recent(session_id, own, cleared_at)
        except StoreUnavailable:
            self.observe("dynamodb", "error")
            if self.phase == "dynamodb":
                raise
            entries = []
        else:
            self.observe("dynamodb", "hit" if entries else "miss")
        if entries or self.phase == "dynamodb":
            return entries
        self.observe("memory", "fallback")
        return self._from_memory(session_id)

    def clear(self, session_id: str, own: Sequence[str] = ()) -> int:
        cleared = self.memory.clear(session_id) if self._writes_memory else 0
        if self._writes_dynamo:
            try:
                cleared = max(cleared, self.dynamo.clear(session_id, own))
            except StoreUnavailable:
                if self.phase in ("dynamodb", "gradual-reads"):
                    raise
        return cleared
