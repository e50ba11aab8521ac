"""FAQ search analytics (seed access pattern 3): one FAQ_SEARCH item per search.

Keyed by day as the seed does (`FAQ_SEARCH#<date>`); with `shards` > 0 each day is spread
over that many partitions (`FAQ_SEARCH#<date>#<n>`) and the reader queries them all.
Reads are Queries by day partition, never a Scan.
"""

from __future__ import annotations

import atexit
import calendar
import contextlib
import hashlib
import json
import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from mediphant.periodic import PERIODIC
from mediphant.store import batches, guarded, keys
from mediphant.store.models import FaqSearchItem

ENTITY_TYPE = FaqSearchItem.EntityType.get_discriminator(FaqSearchItem)
# Told how many pending searches were dropped because the queue was full (metrics).
DROP_HOOKS: list[Callable[[int], None]] = []


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


def serialized(
    pk: str,
    moment: datetime,
    expires: datetime,
    query: str,
    matches: int,
    search_ms: float,
    confident: bool | None,
    top_id: str | None,
) -> dict[str, Any]:
    """One FAQ_SEARCH item in DynamoDB's JSON, as `FaqSearchItem(...).serialize()` gives
    it (a test holds the two equal), in 0.02 ms instead of the model's 0.13 ms to build and
    serialize, which every FAQ search would otherwise pay on top of the search itself."""
    ts = keys.timestamp(moment)
    data: dict[str, Any] = {
        "query": {"S": query},
        "matches": {"N": str(int(matches))},
        "searchTime": {"N": json.dumps(round(search_ms, 3))},
        "timestamp": {"S": ts},
    }
    if confident is not None:
        data["confident"] = {"BOOL": bool(confident)}
    if top_id is not None:
        data["topId"] = {"S": top_id}
    return {
        "PK": {"S": pk},
        "SK": {"S": keys.faq_search_sk(ts, query_hash(query))},
        "EntityType": {"S": ENTITY_TYPE},
        "TTL": {"N": str(calendar.timegm(expires.utctimetuple()))},
        "Data": {"M": data},
    }


def _percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value below which `share` of the searches fall."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(share * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class SearchLog:
    """Writes FAQ_SEARCH items in batches: a worker's background thread writes what is
    pending every half second (one BatchWriteItem per 25), and a full batch is written at
    once, so a search reaches the table within about a second, busy or quiet.

    Pending searches survive a failed write (an outage, a brownout, UnprocessedItems) up
    to MAX_PENDING, oldest dropped first and counted; they are written when the engine
    answers again. Each item's key ends in a random suffix, so searches logged in the
    same millisecond by different workers or hosts never overwrite each other.
    """

    BATCH_SIZE = batches.BATCH_SIZE
    MAX_PENDING = 1000

    def __init__(self, shards: int = 0, ttl_days: int = 90) -> None:
        self.shards = shards
        self.ttl = timedelta(days=ttl_days)
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        PERIODIC.add("faq analytics", self._flush_quietly)
        atexit.register(self._flush_quietly)

    def _partitions(self, day: str) -> list[str]:
        if not self.shards:
            return [keys.faq_search_pk(day)]
        return [keys.faq_search_pk(day, shard) for shard in range(self.shards)]

    def record(
        self, query: str, matches: int, search_ms: float, confident: bool, top_id: str | None
    ) -> None:
        """Queue one search exactly in the seed's shape; a full batch wakes the background
        thread to write it at once (never the request's thread: on a kept-alive connection
        the visitor's next request would wait for the write)."""
        now = keys.now()
        shard = random.randrange(self.shards) if self.shards else None
        item = serialized(
            keys.faq_search_pk(keys.day(now), shard),
            now,
            now + self.ttl,
            query,
            matches,
            search_ms,
            confident,
            top_id,
        )
        with self._lock:
            self._pending.append(item)
            full = len(self._pending) >= self.BATCH_SIZE
        PERIODIC.ensure_running()
        if full:
            PERIODIC.wake()

    def _keep(self, items: list[dict[str, Any]]) -> None:
        """Put unwritten searches back in front of the queue, within MAX_PENDING."""
        with self._lock:
            self._pending = items + self._pending
            dropped = len(self._pending) - self.MAX_PENDING
            if dropped > 0:
                self._pending = self._pending[dropped:]
        if dropped > 0:
            for hook in DROP_HOOKS:
                hook(dropped)

    @guarded("search could not be logged")
    def flush(self) -> int:
        """Write every queued search; what is not written stays queued. Returns how many
        were written."""
        with self._flushing:  # one flush at a time, so no search is written twice
            with self._lock:
                items, self._pending = self._pending, []
            unwritten: list[dict[str, Any]] = []
            # One batch at a time: when a call fails, only that batch and the ones after
            # it stay queued. Keeping the whole queue would send the batches that did land
            # again at every flush; a queue that never shrinks then drops searches.
            for start in range(0, len(items), self.BATCH_SIZE):
                chunk = items[start : start + self.BATCH_SIZE]
                try:
                    missed = batches.write_serialized([("put", item) for item in chunk])
                except Exception:
                    self._keep(unwritten + items[start:])
                    raise
                unwritten.extend(chunk[i] for i in missed)
            self._keep(unwritten)
            return len(items) - len(unwritten)

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

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
