"""Monthly DynamoDB cost of Mediphant's single table: request units per request type, storage.

Pure arithmetic (no Flask, no DynamoDB). The rules are DynamoDB's:

- a write costs ceil(item size / 1 KB) write request units (WRU), minimum 1; an UpdateItem
  costs by the larger of the item before and after; a write whose condition fails still
  costs (by the existing item's size, minimum 1);
- every write of an item that carries GSI1 keys (QUERY) is also written to GSI1: the same
  WRU again, since GSI1 projects ALL attributes. SESSION, RATE_LIMIT and FAQ_SEARCH items
  have no GSI1 keys (a sparse index) and cost nothing there;
- a Query costs ceil(total bytes read / 4 KB) read request units, halved when eventually
  consistent (GSI queries always are), minimum 0.5;
- storage is billed per GB-month on the raw item size plus 100 bytes of overhead per item,
  and per GSI1 entry likewise.

Docs: docs/cost.md (the seed's example worked through).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

# --- prices: AWS us-east-1, on-demand capacity, DynamoDB Standard table class ---------
PRICES_REGION = "us-east-1"
PRICES_AS_OF = "2024-11-01"
"""On-demand throughput prices were halved with effect from 1 November 2024."""
WRITE_PRICE_PER_MILLION = 0.625
"""Dollars per million write request units (since 2024-11-01)."""
READ_PRICE_PER_MILLION = 0.125
"""Dollars per million read request units (since 2024-11-01)."""
PREVIOUS_WRITE_PRICE_PER_MILLION = 1.25
"""Before 2024-11-01; the price the seed's estimate uses."""
PREVIOUS_READ_PRICE_PER_MILLION = 0.25
"""Before 2024-11-01."""
STORAGE_PRICE_PER_GB_MONTH = 0.25
"""Dollars per GB-month; the first 25 GB per account and region are in the free tier."""
FREE_TIER_STORAGE_GB = 25

# --- DynamoDB's sizing rules -------------------------------------------------------
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
EVENTUALLY_CONSISTENT = 0.5
ITEM_OVERHEAD_BYTES = 100
"""Storage overhead per item, and per index entry, on top of the raw item size."""
GB = 1024**3
"""AWS bills storage in binary gigabytes (2^30 bytes)."""
DAYS_PER_MONTH = 30
"""The seed's month (1,000/day × 30 = 30,000 items); AWS bills 730 h, about 30.4 days."""
RATE_LIMIT_ITEM_LIFETIME_DAYS = 1 / 24
"""A RATE_LIMIT item's TTL is its window start + 1 hour."""
HISTORY_PAGE = 10
"""A history view reads at most this many QUERY items (one GSI1 Query, Limit 10)."""


# --- item sizes ----------------------------------------------------------------------


def _number_size(value: int | float | Decimal) -> int:
    """1 byte per pair of digits + 1: DynamoDB stores a number in base 100, its pairs
    aligned on the decimal point, leading and trailing zero pairs trimmed (so 1.5 is two
    pairs, 01 and 50, and 3 bytes; 0.868 is 86 and 80, also 3). Zero is 1 byte; a negative
    number takes one more. Measured against DynamoDB Local's TableSizeBytes."""
    number = Decimal(str(value)).normalize()
    if not number:
        return 1
    sign, digits, exponent = number.as_tuple()
    last = int(exponent)  # the places of the outer digits
    first = last + len(digits) - 1
    return first // 2 - last // 2 + 2 + sign


def value_size(value: object) -> int:
    """Size of one attribute value by DynamoDB's rules (the name is counted by the caller)."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, int | float | Decimal):
        return _number_size(value)
    if isinstance(value, Mapping):
        # 3 bytes per map, 1 byte per element, plus each element's name and value.
        return 3 + sum(1 + len(str(k).encode("utf-8")) + value_size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return 3 + sum(1 + value_size(v) for v in value)
    if isinstance(value, set | frozenset):
        return sum(value_size(v) for v in value)
    raise TypeError(f"no DynamoDB size for {type(value).__name__}")


def item_size(item: Mapping[str, object]) -> int:
    """Bytes of an item as DynamoDB counts them for capacity: names plus values."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size_bytes: float) -> int:
    """WRU of one write of an item this large: ceil(size / 1 KB), at least 1."""
    return max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES))


def read_units(total_bytes: float, consistent: bool = False) -> float:
    """RRU of one Query or GetItem reading this many bytes in all: per 4 KB, halved if EC."""
    blocks = max(1, math.ceil(total_bytes / READ_UNIT_BYTES))
    return blocks if consistent else blocks * EVENTUALLY_CONSISTENT


# Typical items, written as the app writes them (mediphant/store/*.py): the seed's example
# check, a 22-character session id (token_urlsafe(16)), the limiter's key for a client
# (an HMAC of the address, 32 hex), a typical FAQ query. TTL is epoch seconds.
_TS = "2024-09-24T10:30:00.123Z"
_EPOCH = 1729765800
_SESSION = "Q2x5ZGVzZGFsZTIwMjRhYg"
_VISITOR = "dmlzaXRvcjEyMzQ1Njc4OQ"
_CLIENT = "LIMITER/3f2a9c0b7d1e4a6f8b5c2d9e0a1b3c4d/client/100/1/minute"

TYPICAL_ITEMS: dict[str, dict[str, object]] = {
    "QUERY": {
        "PK": f"QUERY#{_TS}#1a2b3c4d",
        "SK": "METADATA",
        "GSI1PK": f"USER#{_SESSION}",
        "GSI1SK": f"QUERY#{_TS}",
        "EntityType": "QUERY",
        "TTL": _EPOCH,
        "Data": {
            "medA": "warfarin",
            "medB": "ibuprofen",
            "isPotentiallyRisky": True,
            "reason": "increased bleeding risk",
            "timestamp": _TS,
            "sessionId": _SESSION,
            "severity": "major",
            "status": "interaction",
        },
    },
    "SESSION": {
        "PK": f"USER#{_VISITOR}",
        "SK": f"SESSION#{_SESSION}",
        "EntityType": "SESSION",
        "TTL": _EPOCH,
        "Data": {"createdAt": _TS, "lastActivity": _TS, "queryCount": 5},
    },
    "RATE_LIMIT": {
        "PK": f"RATE_LIMIT#{_CLIENT}",
        "SK": "WINDOW#2024-09-24T10:30:00.000Z",
        "EntityType": "RATE_LIMIT",
        "TTL": _EPOCH,
        "Data": {
            "count": 3,
            "windowStart": "2024-09-24T10:30:00.000Z",
            "windowEnd": "2024-09-24T10:31:00.000Z",
        },
    },
    "FAQ_SEARCH": {
        "PK": "FAQ_SEARCH#2024-09-24",
        "SK": f"QUERY#{_TS}#9f86d081884c7d65",
        "EntityType": "FAQ_SEARCH",
        "TTL": _EPOCH,
        "Data": {
            "query": "can i drink alcohol with antibiotics",
            "matches": 3,
            "searchTime": 1.234,
            "timestamp": _TS,
            "confident": True,
            "topId": "alcohol-and-medications",
        },
    },
}

GSI1_ENTITIES = frozenset({"QUERY"})
"""Entities whose items carry GSI1PK/GSI1SK and so are copied into GSI1."""


@dataclass(frozen=True)
class ItemSizes:
    """Average item size per entity, in bytes (without the 100-byte storage overhead)."""

    query: float
    session: float
    rate_limit: float
    faq_search: float

    @classmethod
    def uniform(cls, size: float) -> ItemSizes:
        return cls(size, size, size, size)


NOMINAL_SIZES = ItemSizes(
    query=item_size(TYPICAL_ITEMS["QUERY"]),
    session=item_size(TYPICAL_ITEMS["SESSION"]),
    rate_limit=item_size(TYPICAL_ITEMS["RATE_LIMIT"]),
    faq_search=item_size(TYPICAL_ITEMS["FAQ_SEARCH"]),
)


# --- the estimate --------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """Traffic and retention. Defaults follow the app's defaults and the seed's volume."""

    checks_per_day: float = 1000
    searches_per_day: float = 1000
    history_views_per_day: float | None = None
    """None: one per check (the check page shows the history after the redirect)."""
    retention_days: float = 30
    """QUERY items (MEDIPHANT_HISTORY_TTL_DAYS)."""
    faq_retention_days: float = 90
    """FAQ_SEARCH items (fixed at 90 days in store/searches.py)."""
    session_idle_days: float = 30
    """SESSION items live this long after the last check (MEDIPHANT_SESSION_IDLE_DAYS)."""
    checks_per_session: float = 5
    """A session's first check creates its item with a PutItem; later checks update it."""
    requests_per_rate_window: float = 1
    """Limited requests (checks + searches) per client per window; 1 (the default, an upper
    bound) means every one opens a new window: failed UpdateItem + PutItem."""
    history_items_per_view: int = HISTORY_PAGE
    ttl_lag_days: float = 0
    """DynamoDB deletes expired items late (typically within a few days): extra storage."""
    days_per_month: float = DAYS_PER_MONTH

    @property
    def views_per_day(self) -> float:
        if self.history_views_per_day is None:
            return self.checks_per_day
        return self.history_views_per_day


@dataclass(frozen=True)
class Line:
    """One row of the breakdown: request units (kind write/read) or storage (GB-month)."""

    key: str
    label: str
    kind: str
    """'write', 'read' or 'storage'."""
    count: float
    """Requests per month, or items stored (storage)."""
    units_each: float
    """WRU/RRU per request, or bytes per item including overhead and GSI1 copy (storage)."""
    units: float
    """WRU or RRU per month, or GB (storage)."""
    dollars: float


@dataclass(frozen=True)
class Estimate:
    workload: Workload
    sizes: ItemSizes
    lines: tuple[Line, ...]

    def line(self, key: str) -> Line:
        for line in self.lines:
            if line.key == key:
                return line
        raise KeyError(key)

    def _sum(self, kind: str, field: str) -> float:
        return sum(getattr(line, field) for line in self.lines if line.kind == kind)

    @property
    def write_units(self) -> float:
        return self._sum("write", "units")

    @property
    def read_units(self) -> float:
        return self._sum("read", "units")

    @property
    def storage_gb(self) -> float:
        return self._sum("storage", "units")

    @property
    def write_dollars(self) -> float:
        return self._sum("write", "dollars")

    @property
    def read_dollars(self) -> float:
        return self._sum("read", "dollars")

    @property
    def storage_dollars(self) -> float:
        return self._sum("storage", "dollars")

    @property
    def total(self) -> float:
        return self.write_dollars + self.read_dollars + self.storage_dollars


def write_dollars(units: float, price_per_million: float = WRITE_PRICE_PER_MILLION) -> float:
    return units * price_per_million / 1_000_000


def read_dollars(units: float, price_per_million: float = READ_PRICE_PER_MILLION) -> float:
    return units * price_per_million / 1_000_000


def storage_dollars(gb: float, price: float = STORAGE_PRICE_PER_GB_MONTH) -> float:
    return gb * price


def _write(key: str, label: str, per_month: float, units_each: float) -> Line:
    units = per_month * units_each
    return Line(key, label, "write", per_month, units_each, units, write_dollars(units))


def _storage(key: str, label: str, items: float, size: float, indexed: bool) -> Line:
    copies = 2 if indexed else 1
    each = copies * (size + ITEM_OVERHEAD_BYTES)
    gb = items * each / GB
    return Line(key, label, "storage", items, each, gb, storage_dollars(gb))


def estimate(workload: Workload | None = None, sizes: ItemSizes = NOMINAL_SIZES) -> Estimate:
    """Monthly request units, storage and dollars of the workload, line by line."""
    w = workload or Workload()
    days = w.days_per_month
    checks = w.checks_per_day * days
    searches = w.searches_per_day * days
    limited = checks + searches
    new_windows = limited / max(w.requests_per_rate_window, 1)
    new_sessions = checks / max(w.checks_per_session, 1)
    views = w.views_per_day * days

    wru_query = write_units(sizes.query)
    wru_session = write_units(sizes.session)
    wru_rate = write_units(sizes.rate_limit)
    rru_view = read_units(w.history_items_per_view * sizes.query)

    lines = [
        _write("rate_limit_update", "rate limit UpdateItem (checks + searches)", limited, wru_rate),
        _write("rate_limit_new_window", "rate limit PutItem, new window", new_windows, wru_rate),
        _write("query_put", "history PutItem (QUERY)", checks, wru_query),
        _write("query_put_gsi1", "  GSI1 copy of QUERY", checks, wru_query),
        _write(
            "session_update", "session UpdateItem (SESSION)", checks - new_sessions, wru_session
        ),
        _write("session_create", "session PutItem, new session", new_sessions, wru_session),
        _write(
            "faq_search_put",
            "FAQ search PutItem (FAQ_SEARCH)",
            searches,
            write_units(sizes.faq_search),
        ),
        Line(
            "history_view",
            f"history view, GSI1 Query ({w.history_items_per_view} items, EC)",
            "read",
            views,
            rru_view,
            views * rru_view,
            read_dollars(views * rru_view),
        ),
    ]
    lag = w.ttl_lag_days
    lines += [
        _storage(
            "storage_query",
            "storage QUERY + GSI1",
            w.checks_per_day * (w.retention_days + lag),
            sizes.query,
            indexed=True,
        ),
        _storage(
            "storage_session",
            "storage SESSION",
            w.checks_per_day / max(w.checks_per_session, 1) * (w.session_idle_days + lag),
            sizes.session,
            indexed=False,
        ),
        _storage(
            "storage_faq_search",
            "storage FAQ_SEARCH",
            w.searches_per_day * (w.faq_retention_days + lag),
            sizes.faq_search,
            indexed=False,
        ),
        _storage(
            "storage_rate_limit",
            "storage RATE_LIMIT",
            new_windows / days * (RATE_LIMIT_ITEM_LIFETIME_DAYS + lag),
            sizes.rate_limit,
            indexed=False,
        ),
    ]
    return Estimate(w, sizes, tuple(lines))


def average_item_size(table_size_bytes: int, item_count: int) -> float | None:
    """The table's average item size from DescribeTable, or None when it has no items.

    DynamoDB refreshes TableSizeBytes and ItemCount only about every six hours.
    """
    if item_count <= 0 or table_size_bytes <= 0:
        return None
    return table_size_bytes / item_count


def format_estimate(est: Estimate) -> str:
    """A plain-text table: per request type units and dollars per month, storage, total."""
    w = est.workload
    rows = [
        f"{'per month':<46} {'count':>12} {'each':>8} {'units':>14} {'$':>10}",
    ]
    for line in est.lines:
        if line.kind == "storage":
            each = f"{line.units_each:,.0f} B"
            units = f"{line.units:.6f} GB"
        else:
            unit = "WRU" if line.kind == "write" else "RRU"
            each = f"{line.units_each:g}"
            units = f"{line.units:,.0f} {unit}"
        rows.append(
            f"{line.label:<46} {line.count:>12,.0f} {each:>8} {units:>14} {line.dollars:>10.4f}"
        )
    rows += [
        f"{'writes':<46} {'':>12} {'':>8} {est.write_units:>10,.0f} WRU {est.write_dollars:>10.4f}",
        f"{'reads':<46} {'':>12} {'':>8} {est.read_units:>10,.0f} RRU {est.read_dollars:>10.4f}",
        f"{'storage':<46} {'':>12} {'':>8} {est.storage_gb:>11.6f} GB {est.storage_dollars:>10.4f}",
        f"{'total':<46} {'':>12} {'':>8} {'':>14} {est.total:>10.4f}",
    ]
    head = (
        f"Monthly DynamoDB cost, {PRICES_REGION} on-demand, prices as of {PRICES_AS_OF}: "
        f"${WRITE_PRICE_PER_MILLION}/M WRU, ${READ_PRICE_PER_MILLION}/M RRU, "
        f"${STORAGE_PRICE_PER_GB_MONTH}/GB-month\n"
        f"{w.checks_per_day:g} checks/day, {w.searches_per_day:g} FAQ searches/day, "
        f"{w.views_per_day:g} history views/day, {w.days_per_month:g}-day month; "
        f"QUERY kept {w.retention_days:g} days, FAQ_SEARCH {w.faq_retention_days:g}, "
        f"SESSION {w.session_idle_days:g} after the last check\n"
    )
    return head + "\n".join(rows) + "\n"
