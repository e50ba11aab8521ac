"""The client address the rate limiter sees through nginx: the real one, whatever the client
writes in X-Forwarded-For (MEDIPHANT_TRUSTED_PROXIES=1, nginx appending the address it saw)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.live import away_from_minute_edge
from tests.proxy.conftest import RATE_LIMIT
from tests.proxy.stack import Proxy, fetch, wait_for_line

pytestmark = pytest.mark.proxy

LIMIT = int(RATE_LIMIT.split()[0])  # 5 per minute


def _statuses(proxy: Proxy, source: str, count: int, forged: bool = False) -> Counter[int]:
    statuses: Counter[int] = Counter()
    for n in range(count):
        headers = {"X-Forwarded-For": f"198.51.100.{n + 1}"} if forged else {}
        statuses[fetch(proxy, "/api/history", headers=headers, source=source).status] += 1
    return statuses


def test_two_loopback_clients_get_separate_budgets(proxy: Proxy) -> None:
    away_from_minute_edge(8)
    assert _statuses(proxy, "127.0.0.2", LIMIT + 2) == Counter({200: LIMIT, 429: 2})
    # The first client's budget is spent; the second still has all of its own.
    assert _statuses(proxy, "127.0.0.3", LIMIT + 2) == Counter({200: LIMIT, 429: 2})


def test_forged_forwarded_for_lands_in_the_real_addresses_budget(proxy: Proxy) -> None:
    away_from_minute_edge(8)
    # 12 requests, each claiming another address: only the real one (127.0.0.4) counts.
    assert _statuses(proxy, "127.0.0.4", 12, forged=True) == Counter({200: LIMIT, 429: 7})


def test_nginx_request_id_is_in_the_apps_json_log_line(proxy: Proxy) -> None:
    away_from_minute_edge(8)
    for _ in range(LIMIT):
        fetch(proxy, "/api/history", source="127.0.0.5")
    refused = fetch(proxy, "/api/history", source="127.0.0.5")
    assert refused.status == 429
    request_id = refused.header("X-Request-ID")
    assert request_id
    # The limiter logs the refusal; the app's log line carries nginx's id for that request.
    line = wait_for_line(proxy.app_log, f'"requestId": "{request_id}"')
    entry = json.loads(line)
    assert entry["requestId"] == request_id
    assert entry["path"] == "/api/history"
    assert "exceeded" in entry["message"]
    assert f"rid={request_id}" in wait_for_line(proxy.access_log, request_id)
