"""FAQ search analytics (seed access pattern 3): one FAQ_SEARCH item per search.

Keyed by day as the seed does (`FAQ_SEARCH#<date>`); with `shards` > 0 each day is spread
over that many partitions (`FAQ_SEARCH#<date>#<n>`) and the reader queries them all.
Reads are Queries by day partition, never a Scan.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

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
    def __init__(self, shards: int = 0, ttl_days: int = 90) -> None:
        self.shards = shards
        self.ttl = timedelta(days=ttl_days)

    def _partitions(self, day: str) -> list[str]:
        if not self.shards:
            return [keys.faq_search_pk(day)]
        return [keys.faq_search_pk(day, shard) for shard in range(self.shards)]

    @guarded("search could not be logged")
    def record(
        self, query: str, matches: int, search_ms: float, confident: bool, top_id: str | None
    ) -> None:
        now = keys.now()
        ts = keys.timestamp(now)
        day = keys.day(now)
        shard = random.randrange(self.shards) if self.shards else None
        item = FaqSearchItem(
            keys.faq_search_pk(day, shard),
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
        item.save()

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
