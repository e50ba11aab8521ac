"""FAQ search analytics (seed access pattern 3): one FAQ_SEARCH item per search.

Keyed by day as the seed does (`FAQ_SEARCH#<date>`); with `shards` > 0 each day is spread
over that many partitions (`FAQ_SEARCH#<date>#<n>`) and the reader queries them all.
Reads are Queries by day partition, never a Scan.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from mediphant.store import guarded, keys
from mediphant.store.models import FaqSearchData, FaqSearchItem


@dataclass(frozen=True, slots=True)
class SearchRecord:
    query: str
    matches: int
    search_ms: float
    timestamp: str
    confident: bool | None


@dataclass(frozen=True)
class Summary:
    days: list[tuple[str, int]]
    top_queries: list[tuple[str, int]]
    unanswered: list[tuple[str, int]]
    percentiles: dict[str, float] = field(default_factory=dict)
    total: int = 0


def query_hash(query: str) -> str:
    return hashlib.sha256(" ".join(query.casefold().split()).encode()).hexdigest()[:16]


def _percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value below which `share` of the searches fall."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(share * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class SearchLog:
    """Writes FAQ_SEARCH items in batches: at most one BatchWriteItem per `max_delay` seconds
    (or per 25 searches) in each worker, instead of one PutItem after every search."""

    BATCH_SIZE = 25  # BatchWriteItem's limit
    MAX_PENDING = 1000  # kept across failed flushes, oldest dropped first

    def __init__(self, shards: int = 0, ttl_days: int = 90, max_delay: float = 1.0) -> None:
        self.shards = shards
        self.ttl = timedelta(days=ttl_days)
        self.max_delay = max_delay
        self._pending: list[FaqSearchItem] = []
        self._last_flush = 0.0
        self._last_moment = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()
        atexit.register(self._flush_quietly)

    def _partitions(self, day: str) -> list[str]:
        if not self.shards:
            return [keys.faq_search_pk(day)]
        return [keys.faq_search_pk(day, shard) for shard in range(self.shards)]

    def record(
        self, query: str, matches: int, search_ms: float, confident: bool, top_id: str | None
    ) -> None:
        """Queue one search exactly in the seed's shape; write the queue when it is due.

        A quiet worker (under one search per `max_delay`) writes each search at once.
        """
        with self._lock:
            # Strictly increasing milliseconds in this worker: the seed's key
            # (QUERY#<ts>#<query hash>) then never repeats inside one batch, which
            # BatchWriteItem would refuse as a whole.
            now = max(keys.now(), self._last_moment + timedelta(milliseconds=1))
            self._last_moment = now
        ts = keys.timestamp(now)
        shard = random.randrange(self.shards) if self.shards else None
        item = FaqSearchItem(
            keys.faq_search_pk(keys.day(now), shard),
            keys.faq_search_sk(ts, query_hash(query)),
            TTL=now + self.ttl,
            Data=FaqSearchData(
                query=query,
                matches=matches,
                searchTime=round(search_ms, 3),
                timestamp=ts,
                confident=confident,
                topId=top_id,
            ),
        )
        with self._lock:
            self._pending.append(item)
            due = (
                len(self._pending) >= self.BATCH_SIZE
                or time.monotonic() - self._last_flush >= self.max_delay
            )
        if due:
            self.flush()

    @guarded("search could not be logged")
    def flush(self) -> int:
        """Write every queued search (25 per BatchWriteItem); on failure keep them queued."""
        with self._lock:
            items, self._pending = self._pending, []
            self._last_flush = time.monotonic()
        if not items:
            return 0
        try:
            with FaqSearchItem.batch_write() as batch:
                for item in items:
                    batch.save(item)
        except Exception:
            with self._lock:
                self._pending = (items + self._pending)[-self.MAX_PENDING :]
            raise
        return len(items)

    def _flush_quietly(self) -> None:
        """At process exit (a gunicorn worker stopping): write what is left if we can."""
        with contextlib.suppress(Exception):
            self.flush()

    @guarded("search analytics could not be read")
    def day(self, day: str) -> list[SearchRecord]:
        now = keys.now()
        records: list[SearchRecord] = []
        for partition in self._partitions(day):
            for item in FaqSearchItem.query(partition):
                if item.TTL is not None and item.TTL <= now:
                    continue
                records.append(
                    SearchRecord(
                        query=item.Data.query,
                        matches=int(item.Data.matches),
                        search_ms=float(item.Data.searchTime),
                        timestamp=item.Data.timestamp,
                        confident=item.Data.confident,
                    )
                )
        return records

    def summary(self, days: int = 14, today: date | None = None, top: int = 10) -> Summary:
        """Searches per day, top queries, unanswered queries and search-time percentiles."""
        self.flush()  # this worker's queued searches count too
        last = today or keys.now().date()
        per_day: list[tuple[str, int]] = []
        queries: Counter[str] = Counter()
        unanswered: Counter[str] = Counter()
        times: list[float] = []
        for offset in range(days - 1, -1, -1):
            day = (last - timedelta(days=offset)).isoformat()
            records = self.day(day)
            per_day.append((day, len(records)))
            for record in records:
                text = " ".join(record.query.casefold().split())
                queries[text] += 1
                if record.confident is False or record.matches == 0:
                    unanswered[text] += 1
                times.append(record.search_ms)
        times.sort()
        return Summary(
            days=per_day,
            top_queries=queries.most_common(top),
            unanswered=unanswered.most_common(top),
            percentiles={
                name: _percentile(times, share)
                for name, share in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
            },
            total=len(times),
        )
