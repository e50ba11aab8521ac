"""Create, describe and drop the single table; enable TTL on `TTL`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TableError

from mediphant.store import error_code
from mediphant.store.models import Item


@dataclass(frozen=True)
class TableStatus:
    name: str
    status: str
    item_count: int
    size_bytes: int
    indexes: dict[str, str]
    ttl: str


def exists() -> bool:
    return Item.exists()


def create(wait: bool = True) -> bool:
    """Create the table, GSI1 and TTL if absent; True when it was created now (idempotent)."""
    if Item.exists():
        _ensure_ttl()
        return False
    try:
        Item.create_table(wait=wait)
        created = True
    except TableError as exc:
        # Another process (a second release, or a retry of our own timed-out request)
        # created it first: that is the state we wanted.
        if error_code(exc) != "ResourceInUseException":
            raise
        created = False
        if wait:
            _wait_until_active()
    _ensure_ttl()
    return created


def _wait_until_active(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while describe()["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {Item.Meta.table_name} did not become ACTIVE")
        time.sleep(0.5)


def _ensure_ttl() -> None:
    """`create_table` sets TTL only on creation; re-assert it for tables made elsewhere."""
    connection = Item._get_connection().connection
    ttl = connection.client.describe_time_to_live(TableName=Item.Meta.table_name)
    state = ttl.get("TimeToLiveDescription", {}).get("TimeToLiveStatus")
    if state not in ("ENABLED", "ENABLING"):
        Item._get_connection().update_time_to_live("TTL")


def describe() -> dict[str, Any]:
    return Item.describe_table()


def status() -> TableStatus:
    info = describe()
    connection = Item._get_connection().connection
    ttl = connection.client.describe_time_to_live(TableName=Item.Meta.table_name)
    return TableStatus(
        name=info["TableName"],
        status=info["TableStatus"],
        item_count=int(info.get("ItemCount", 0)),
        size_bytes=int(info.get("TableSizeBytes", 0)),
        indexes={
            gsi["IndexName"]: gsi.get("IndexStatus", "?")
            for gsi in info.get("GlobalSecondaryIndexes", [])
        },
        ttl=ttl.get("TimeToLiveDescription", {}).get("TimeToLiveStatus", "UNKNOWN"),
    )


def drop() -> None:
    Item.delete_table()
