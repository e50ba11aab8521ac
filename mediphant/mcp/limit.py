"""The per-client rate limit on tool calls over HTTP: the web API's limit, same counters.

A tool call counts against the same per-client budget as the web API (same limit,
strategy, scope and HMAC of the client address), so an assistant host and a browser on
one address share it. The counters are the table's RATE_LIMIT items, reached through the
store's guard (one storage budget per call, the circuit breaker); when DynamoDB fails or
the breaker is open, the call is counted in memory instead, as the web app's limiter
falls back to memory.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import STRATEGIES, RateLimiter

from mediphant.store import STORE_ERRORS, keys
from mediphant.store.counters import CLIENT_SCOPE, storage_options
from mediphant.store.guard import GUARD
from mediphant.store.ratelimit import DynamoDBStorage

log = logging.getLogger(__name__)


class ClientLimit:
    """Counts calls per client address; tells when a client must wait."""

    def __init__(self, secret: str, limit: str, strategy: str) -> None:
        self._secret = secret
        self._limits: list[RateLimitItem] = sorted(parse_many(limit))
        self._table: RateLimiter = STRATEGIES[strategy](
            DynamoDBStorage("dynamodb://", **storage_options())
        )
        self._memory: RateLimiter = STRATEGIES[strategy](MemoryStorage())

    def hit(self, address: str) -> int | None:
        """Count one call; None when it is allowed, else the seconds until it would be.

        Blocking (DynamoDB calls): run it off the event loop.
        """
        key = keys.client_key(self._secret, address)
        budget = GUARD.start_budget()
        try:
            return self._hit(self._table, key)
        except STORE_ERRORS as exc:
            log.warning("rate-limit counters unavailable, counting in memory: %s", exc)
            return self._hit(self._memory, key)
        except Exception:  # as the web app's limiter swallows its storage's errors
            log.exception("rate-limit counters failed, counting in memory")
            return self._hit(self._memory, key)
        finally:
            GUARD.end_budget(budget)

    def _hit(self, limiter: RateLimiter, key: str) -> int | None:
        for item in self._limits:
            if not limiter.hit(item, key, CLIENT_SCOPE):
                reset = limiter.get_window_stats(item, key, CLIENT_SCOPE).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None
