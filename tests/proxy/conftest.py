"""The production path: Debian's nginx, rendered from deploy/nginx/mediphant.conf, in front of
gunicorn in production mode on DynamoDB Local."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mediphant.store import table
from mediphant.store.local import LocalEngine
from tests.conftest import make_app
from tests.e2e.conftest import browser_type_launch_args  # noqa: F401  (Debian's Chromium)
from tests.live import serve
from tests.proxy.stack import Proxy, nginx, nginx_available, prepare

TABLE = "mediphant-proxy"
RATE_LIMIT = "5 per minute"


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Proxy:
    """The shipped site rendered for this run (nothing started)."""
    if not nginx_available():
        pytest.fail("nginx not found; `make test` installs it (apt-get install nginx)")
    return prepare(tmp_path_factory.mktemp("nginx"))


# What docs/deploy.md sets on a host with nginx in front.
PRODUCTION = {
    "MEDIPHANT_ENV": "production",
    "SECRET_KEY": "proxy-test-secret-key-0123456789",
    "MEDIPHANT_TRUSTED_PROXIES": "1",
    "MEDIPHANT_RATE_LIMIT": RATE_LIMIT,
}


@pytest.fixture(scope="session")
def proxy(engine: LocalEngine, rendered: Proxy) -> Iterator[Proxy]:
    """nginx on high loopback ports in front of 2 gunicorn workers on the site's socket."""
    app = make_app(engine, TABLE)
    with app.app_context():
        table.create()
    with (
        serve(
            engine.url,
            TABLE,
            workers=2,
            env=PRODUCTION,
            unix_socket=rendered.socket,
            log=rendered.app_log,
        ),
        nginx(rendered),
    ):
        yield rendered
