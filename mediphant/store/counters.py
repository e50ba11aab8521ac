"""Mediphant's configuration of the `dynamodb://` rate-limit storage (store/ratelimit.py).

The storage knows nothing of Mediphant: this gives it the RATE_LIMIT model (the single
table, through the store's guard), the key format and the metrics hook, and names the
scope of the one per-client budget.
"""

from __future__ import annotations

from typing import Any

from mediphant.store import keys, settled
from mediphant.store.models import RateLimitItem

# The scope of the one per-client budget that checks, lists, searches, the API and the MCP
# tool calls all draw on: limits keys a counter as LIMITER/<client key>/<scope>/<limit>.
CLIENT_SCOPE = "client"


def storage_options() -> dict[str, Any]:
    """The options flask-limiter (RATELIMIT_STORAGE_OPTIONS) and the MCP limit pass it."""
    return {"model": RateLimitItem, "keys": keys, "on_condition_failed": settled}
