"""Query history (seed access pattern 1): add a check, read a session's recent ones, clear."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mediphant.store import StoreUnavailable, guarded, keys
from mediphant.store.models import QueryData, QueryItem


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
    def add(self, session_id: str, check: Check) -> None:
        self._item(session_id, check, keys.now()).save()

    @guarded("history could not be saved")
    def add_many(self, session_id: str, checks: Sequence[Check]) -> None:
        """The batch's first (newest) `limit` checks, in one BatchWriteItem per 25.

        The history never shows more than `limit` items, so the rest of a long medication
        list would cost write units for items no read can return.
        """
        kept = checks[: self.limit]
        if len(kept) == 1:
            self.add(session_id, kept[0])
            return
        with QueryItem.batch_write() as batch:
            for check, at in zip(kept, _moments(len(kept)), strict=True):
                batch.save(self._item(session_id, check, at))

    @guarded("history could not be read")
    def recent(self, session_id: str) -> list[HistoryEntry]:
        """Newest first, at most `limit`, one GSI1 Query; expired items are dropped on read."""
        items = list(
            QueryItem.gsi1.query(
                keys.user_pk(session_id),
                QueryItem.GSI1SK.startswith(keys.QUERY_GSI1SK_PREFIX),
                scan_index_forward=False,
                limit=self.limit,
                page_size=self.limit,
            )
        )
        return list(_entries(items, keys.now()))

    @guarded("history could not be cleared")
    def clear(self, session_id: str) -> int:
        """Delete every QUERY item of the session (all pages, batched); returns how many."""
        items = list(
            QueryItem.gsi1.query(
                keys.user_pk(session_id),
                QueryItem.GSI1SK.startswith(keys.QUERY_GSI1SK_PREFIX),
                attributes_to_get=["PK", "SK"],
            )
        )
        with QueryItem.batch_write() as batch:
            for item in items:
                batch.delete(item)
        return len(items)


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

    def add_many(self, session_id: str, checks: Sequence[Check]) -> None:
        moments = _moments(len(checks))
        with self._lock:
            entries = self._sessions.pop(session_id, None) or deque(maxlen=self.limit)
            for check, at in reversed(list(zip(checks, moments, strict=True))):
                entries.appendleft(self._entry(session_id, check, at))
            self._sessions[session_id] = entries
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)

    def add(self, session_id: str, check: Check) -> None:
        self.add_many(session_id, [check])

    def recent(self, session_id: str) -> list[HistoryEntry]:
        with self._lock:
            return list(self._sessions.get(session_id, ()))

    def clear(self, session_id: str) -> int:
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

    def add_many(self, session_id: str, checks: Sequence[Check]) -> None:
        if self._writes_memory:
            self.memory.add_many(session_id, checks)
        if self._writes_dynamo:
            try:
                self.dynamo.add_many(session_id, checks)
            except StoreUnavailable:
                if self.phase == "dynamodb":
                    raise
                # Memory is still the source of truth in these phases: the check is kept.

    def add(self, session_id: str, check: Check) -> None:
        self.add_many(session_id, [check])

    def _from_memory(self, session_id: str) -> list[HistoryEntry]:
        entries = self.memory.recent(session_id)
        self.observe("memory", "hit" if entries else "miss")
        return entries

    def recent(self, session_id: str, started_at: str | None = None) -> list[HistoryEntry]:
        new_session = started_at is not None and started_at >= self.switch_at
        reads_dynamo = self.phase == "dynamodb" or (self.phase == "gradual-reads" and new_session)
        if not reads_dynamo:
            return self._from_memory(session_id)
        try:
            entries = self.dynamo.recent(session_id)
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

    def clear(self, session_id: str) -> int:
        cleared = self.memory.clear(session_id) if self._writes_memory else 0
        if self._writes_dynamo:
            try:
                cleared = max(cleared, self.dynamo.clear(session_id))
            except StoreUnavailable:
                if self.phase in ("dynamodb", "gradual-reads"):
                    raise
        return cleared
