"""Why the proxy is there: clients that send a check's body one byte at a time hold a gunicorn
worker (or thread) each for as long as they like, unless nginx reads the body first.

With gunicorn.conf.py's workers set to 2, twenty slow clients outnumber every worker and
thread gunicorn has; a normal visitor's form page must still answer, typically (the median
of five visits) within a second. Timings in figures: bench/slow_clients.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest

from tests.proxy.slow import (
    SLOW_CLIENTS,
    Route,
    form_page_seconds,
    slow_clients,
    straight_to_gunicorn,
    through_nginx,
    wait_until_gunicorn_recovers,
)
from tests.proxy.stack import Proxy

pytestmark = pytest.mark.proxy

PATIENCE = 1.0  # seconds the normal visitor's form page may take
GIVE_UP = 3.0  # seconds after which the normal visitor stops waiting


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(through_nginx, id="through-nginx"),
        pytest.param(
            straight_to_gunicorn,
            id="straight-to-gunicorn",
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="without a buffering proxy every gunicorn worker waits on a slow body",
            ),
        ),
    ],
)
def test_slow_clients_do_not_stop_the_form_page(
    proxy: Proxy, route: Callable[[Proxy], Route]
) -> None:
    chosen = route(proxy)
    chosen.form_page(GIVE_UP)  # templates compiled, connections warm
    try:
        with slow_clients(chosen) as held:
            seconds = form_page_seconds(chosen, visits=5, give_up=GIVE_UP)
    finally:
        wait_until_gunicorn_recovers(proxy)
    print(
        f"form page {chosen.name} with {SLOW_CLIENTS} slow clients: "
        + ", ".join(f"{s * 1000:.0f} ms" for s in seconds)
    )
    assert held == [True] * SLOW_CLIENTS  # every slow client was still sending at the end
    assert len(seconds) == 5 and GIVE_UP not in seconds  # every visit answered
    assert statistics.median(seconds) < PATIENCE
