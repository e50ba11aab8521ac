"""Erase my data: everything the table holds for one visitor.

One Query on the visitor's partition finds their SESSION items and MEDLIST item; each
session's QUERY items are deleted by the one function that clears a session's history;
the partition's items go last, so an erase cut short finds the same sessions when it is
run again. RATE_LIMIT items hold only an HMAC of an address and FAQ_SEARCH items no
visitor id: neither is the visitor's to erase.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mediphant.store import StoreUnavailable, batches, guarded, keys
from mediphant.store.models import Item


@dataclass(frozen=True, slots=True)
class Erased:
    medlist: int
    sessions: int
    queries: int

    def to_api(self) -> dict[str, int]:
        return {"MEDLIST": self.medlist, "SESSION": self.sessions, "QUERY": self.queries}


NOTHING = Erased(0, 0, 0)


@guarded("your data could not be erased")
def erase_visitor(
    user_ids: Iterable[str],
    other_sessions: Iterable[str],
    clear_history: Callable[[str], int],
) -> Erased:
    """Delete the visitor's partition (under each of `user_ids`: the visitor cookie's and
    the session's owner, normally one id) and every session's history; safe to run twice.

    `other_sessions` are session ids known from elsewhere (the cookie), in case their
    SESSION item was never written; `clear_history(session_id)` deletes one session's
    QUERY items and returns how many.
    """
    owned = [
        item
        for user_id in dict.fromkeys(user_ids)
        for item in Item.query(
            keys.user_pk(user_id),
            consistent_read=True,
            attributes_to_get=["PK", "SK", "EntityType"],
        )
    ]
    sessions = dict.fromkeys(
        [keys.session_id_of(i.SK) for i in owned if i.SK.startswith(keys.SESSION_SK_PREFIX)]
        + [sid for sid in other_sessions if sid]
    )
    queries = sum(clear_history(session_id) for session_id in sessions)
    if batches.write(deletes=owned):  # UnprocessedItems outlasted the budget: run it again
        raise StoreUnavailable("some of your data could not be erased yet")
    counts = Counter(
        keys.SESSION if i.SK.startswith(keys.SESSION_SK_PREFIX) else i.SK for i in owned
    )
    return Erased(medlist=counts[keys.MEDLIST], sessions=counts[keys.SESSION], queries=queries)
