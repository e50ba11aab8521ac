"""Query history (seed access pattern 1): add a check, read a session's recent ones, clear."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import PynamoDBException

from mediphant.store import StoreUnavailable, keys
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

    def add(self, session_id: str, check: Check) -> None:
        try:
            self._item(session_id, check, keys.now()).save()
        except PynamoDBException as exc:
            raise StoreUnavailable("history could not be saved") from exc

    def add_many(self, session_id: str, checks: Sequence[Check]) -> None:
        """One BatchWriteItem per 25 checks (a medication list), not one PutItem each."""
        moment = keys.now()
        try:
            with QueryItem.batch_write() as batch:
                for offset, check in enumerate(checks):
                    # Distinct milliseconds keep the list's order when read newest first.
                    at = moment + timedelta(milliseconds=len(checks) - 1 - offset)
                    batch.save(self._item(session_id, check, at))
        except PynamoDBException as exc:
            raise StoreUnavailable("history could not be saved") from exc

    def recent(self, session_id: str) -> list[HistoryEntry]:
        """Newest first, at most `limit`, one GSI1 Query; expired items are dropped on read."""
        try:
            items = list(
                QueryItem.gsi1.query(
                    keys.user_pk(session_id),
                    QueryItem.GSI1SK.startswith(keys.QUERY_GSI1SK_PREFIX),
                    scan_index_forward=False,
                    limit=self.limit,
                    page_size=self.limit,
                )
            )
        except PynamoDBException as exc:
            raise StoreUnavailable("history could not be read") from exc
        return list(_entries(items, keys.now()))

    def clear(self, session_id: str) -> int:
        """Delete every QUERY item of the session (all pages, batched); returns how many."""
        try:
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
        except PynamoDBException as exc:
            raise StoreUnavailable("history could not be cleared") from exc
        return len(items)


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
