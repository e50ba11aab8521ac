"""Slow clients through nginx and straight to gunicorn: how long a normal visitor waits.

Run from the repository root, with nginx and openssl installed (as for `make test`):

    .venv/bin/python bench/slow_clients.py [--rounds 5]

Starts DynamoDB Local, gunicorn in production mode with 2 workers on a Unix socket, and
nginx from the rendered deploy/nginx/mediphant.conf (tests/proxy/stack.py). In each round,
20 clients send a check's body one byte every 100 ms while one visitor loads the form
page: 5 visits through nginx, then 1 visit straight to gunicorn's socket, where the
visitor waits up to 30 s; then the same visitor's history page (served by the threads
checks use, where the form page has threads of its own: mediphant/worker.py) straight to
gunicorn. Prints a markdown table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mediphant.store import table  # noqa: E402
from mediphant.store.local import LocalEngine  # noqa: E402
from tests.conftest import make_app  # noqa: E402
from tests.live import serve  # noqa: E402
from tests.proxy.conftest import PRODUCTION  # noqa: E402
from tests.proxy.slow import (  # noqa: E402
    SLOW_CLIENTS,
    page_seconds,
    slow_clients,
    straight_to_gunicorn,
    through_nginx,
    wait_until_gunicorn_recovers,
)
from tests.proxy.stack import nginx, prepare  # noqa: E402

TABLE = "mediphant-bench-proxy"


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    engine = LocalEngine().start()
    try:
        app = make_app(engine, TABLE)
        with app.app_context():
            table.create()
        proxy = prepare(Path(tempfile.mkdtemp(prefix="mediphant-bench-proxy-")))
        env = {**PRODUCTION, "MEDIPHANT_RATE_LIMIT": "10000 per minute"}
        with (
            serve(engine.url, TABLE, 2, env, unix_socket=proxy.socket, log=proxy.app_log),
            nginx(proxy),
        ):
            nginx_route, direct_route = through_nginx(proxy), straight_to_gunicorn(proxy)
            nginx_route.visit("/", 5)
            quiet = page_seconds(nginx_route, visits=5 * args.rounds, give_up=5)
            behind, direct, history = [], [], []
            for _ in range(args.rounds):
                with slow_clients(nginx_route):
                    behind += page_seconds(nginx_route, visits=5, give_up=5)
                with slow_clients(direct_route):
                    direct += page_seconds(direct_route, visits=1, give_up=30)
                wait_until_gunicorn_recovers(proxy)
                with slow_clients(direct_route):
                    history += page_seconds(direct_route, 1, give_up=30, path="/history")
                wait_until_gunicorn_recovers(proxy)
    finally:
        engine.stop()
    print(f"{os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}")
    print()
    print("| page | visits | time |")
    print("| --- | --- | --- |")
    print(f"| form page through nginx, no slow clients | {len(quiet)} | {_ms(quiet)} |")
    print(
        f"| form page through nginx, {SLOW_CLIENTS} slow clients | {len(behind)} | {_ms(behind)} |"
    )
    print(
        f"| form page straight to gunicorn, {SLOW_CLIENTS} slow clients | {len(direct)} | "
        f"{_ms(direct)} |"
    )
    print(
        f"| history page straight to gunicorn, {SLOW_CLIENTS} slow clients | {len(history)} | "
        f"{_ms(history)} |"
    )


if __name__ == "__main__":
    main()
