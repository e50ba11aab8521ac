"""BatchWriteItem that never drops a write silently.

Under throttling AWS accepts only part of a batch and returns the rest as
`UnprocessedItems` (DynamoDB Local never does). PynamoDB's `batch_write()` resends them
at once, without a pause, `max_retry_attempts` times, and then raises in the middle of
the context manager, so the caller cannot tell which writes landed. Here each chunk of
25 is resent with a short back-off while the request's storage budget lasts, and the
writes that never landed are returned to the caller, who decides: report "not saved",
or keep them for the next flush.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from typing import Any

from mediphant.store.guard import GUARD
from mediphant.store.models import Item

BATCH_SIZE = 25  # BatchWriteItem's limit
BACK_OFF = (0.02, 0.06)  # seconds between resends of unprocessed writes


def _key(raw: dict[str, Any]) -> tuple[str, str]:
    return raw["PK"]["S"], raw["SK"]["S"]


def write(puts: Sequence[Item] = (), deletes: Sequence[Item] = ()) -> list[Item]:
    """Write and delete in chunks of 25; return the items whose write never landed.

    Raises the store's usual errors when DynamoDB does not answer at all.
    """
    connection = Item._get_connection()
    table = Item.Meta.table_name
    operations: list[tuple[str, Item, dict[str, Any]]] = [
        *(("put", item, item.serialize()) for item in puts),
        *(("delete", item, item._get_keys()) for item in deletes),
    ]
    unwritten: list[Item] = []
    for start in range(0, len(operations), BATCH_SIZE):
        chunk = operations[start : start + BATCH_SIZE]
        while chunk:
            answer = connection.batch_write_item(
                put_items=[raw for kind, _, raw in chunk if kind == "put"],
                delete_items=[raw for kind, _, raw in chunk if kind == "delete"],
            )
            chunk = _unprocessed(chunk, (answer or {}).get("UnprocessedItems", {}).get(table, []))
            if not chunk:
                break
            pause = random.uniform(*BACK_OFF)
            if GUARD.remaining() < pause:
                unwritten.extend(item for _, item, _ in chunk)
                break
            time.sleep(pause)
    return unwritten


def _unprocessed(
    chunk: list[tuple[str, Item, dict[str, Any]]], returned: Iterable[dict[str, Any]]
) -> list[tuple[str, Item, dict[str, Any]]]:
    """The operations of `chunk` that DynamoDB handed back unprocessed."""
    keys = set()
    for request in returned:
        if "PutRequest" in request:
            keys.add(_key(request["PutRequest"]["Item"]))
        elif "DeleteRequest" in request:
            keys.add(_key(request["DeleteRequest"]["Key"]))
    return [op for op in chunk if (op[1].PK, op[1].SK) in keys]
