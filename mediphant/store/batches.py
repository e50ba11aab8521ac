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
    """(PK, SK) of an item or key in DynamoDB's JSON, or of a key as PynamoDB gives it."""
    pk, sk = raw["PK"], raw["SK"]
    return (pk["S"] if isinstance(pk, dict) else pk), (sk["S"] if isinstance(sk, dict) else sk)


def write(puts: Sequence[Item] = (), deletes: Sequence[Item] = ()) -> list[Item]:
    """Write and delete in chunks of 25; return the items whose write never landed.

    Raises the store's usual errors when DynamoDB does not answer at all.
    """
    items = [*puts, *deletes]
    operations = [
        *(("put", item.serialize()) for item in puts),
        *(("delete", item._get_keys()) for item in deletes),
    ]
    return [items[i] for i in write_serialized(operations)]


def write_serialized(operations: Sequence[tuple[str, dict[str, Any]]]) -> list[int]:
    """`write` for items already in DynamoDB's JSON: ("put", item) or ("delete", key).
    Returns the positions of the operations that never landed."""
    connection = Item._get_connection()
    table = Item.Meta.table_name
    unwritten: list[int] = []
    for start in range(0, len(operations), BATCH_SIZE):
        chunk = list(range(start, min(start + BATCH_SIZE, len(operations))))
        while chunk:
            answer = connection.batch_write_item(
                put_items=[operations[i][1] for i in chunk if operations[i][0] == "put"],
                delete_items=[operations[i][1] for i in chunk if operations[i][0] == "delete"],
            )
            returned = _unprocessed_keys((answer or {}).get("UnprocessedItems", {}).get(table, []))
            chunk = [i for i in chunk if _key(operations[i][1]) in returned]
            if not chunk:
                break
            pause = random.uniform(*BACK_OFF)
            if GUARD.remaining() < pause:
                unwritten.extend(chunk)
                break
            time.sleep(pause)
    return unwritten


def _unprocessed_keys(returned: Iterable[dict[str, Any]]) -> set[tuple[str, str]]:
    """The keys of the writes that DynamoDB handed back unprocessed."""
    keys = set()
    for request in returned:
        if "PutRequest" in request:
            keys.add(_key(request["PutRequest"]["Item"]))
        elif "DeleteRequest" in request:
            keys.add(_key(request["DeleteRequest"]["Key"]))
    return keys
