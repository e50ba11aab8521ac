"""Why the proxy is there: clients that send a check's body one byte at a time hold a gunicorn
worker (or thread) each for as long as they like, unless nginx reads the body first.

With gunicorn.conf.py's workers set to 2, twenty slow clients outnumber every thread
gunicorn has for checks; a normal visitor's pages must still answer, typically (the median
of five visits) within a second. Straight to gunicorn, only the pages its worker serves
from threads of their own (the form page; mediphant/worker.py) do: a page served by the
threads that checks use (the history) waits. Timings in figures: bench/slow_clients.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest

from tests.proxy.slow import (
    SLOW_CLIENTS,
    Route,
    page_seconds,
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
    ("route", "path"),
    [
        pytest.param(through_nginx, "/", id="form-page-through-nginx"),
        pytest.param(through_nginx, "/history", id="history-through-nginx"),
        pytest.param(straight_to_gunicorn, "/", id="form-page-straight-to-gunicorn"),
        pytest.param(
            straight_to_gunicorn,
            "/history",
            id="history-straight-to-gunicorn",
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="without a buffering proxy every thread for checks waits on a slow body",
            ),
        ),
    ],
)
def test_slow_clients_do_not_stop_the_pages(
    proxy: Proxy, route: Callable[[Proxy], Route], path: str
) -> None:
    chosen = route(proxy)
    chosen.visit(path, GIVE_UP)  # templates compiled, connections warm
    try:
        with slow_clients(chosen) as held:
            seconds = page_seconds(chosen, visits=5, give_up=GIVE_UP, path=path)
    finally:
        wait_until_gunicorn_recovers(proxy)
    print(
        f"{path} {chosen.name} with {SLOW_CLIENTS} slow clients: "
        + ", ".join(f"{s * 1000:.0f} ms" for s in seconds)
    )
    assert held == [True] * SLOW_CLIENTS  # every slow client was still sending at the end
    assert len(seconds) == 5 and GIVE_UP not in seconds  # every visit answered
    assert statistics.median(seconds) < PATIENCE
