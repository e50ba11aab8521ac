"""Browser tests: Debian's Chromium driven by Playwright against gunicorn on loopback."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediphant.store import table
from tests.conftest import ProxiedEngine, make_app
from tests.live import ROOT, serve

CHROMIUM = os.environ.get("MEDIPHANT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "screenshots"

# Without the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:  # type: ignore[type-arg]
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}; `make test` installs it (apt-get install chromium)"
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _live(engine: ProxiedEngine, name: str, env: dict[str, str]) -> Iterator[str]:
    app = make_app(engine, name)
    with app.app_context():
        table.create()
    with serve(engine.url, name, workers=2, env=env) as url:
        yield url


@pytest.fixture(scope="session")
def live_url(engine: ProxiedEngine) -> Iterator[str]:
    yield from _live(engine, "mediphant-e2e", {"MEDIPHANT_RATE_LIMIT": "10000 per minute"})


@pytest.fixture(scope="session")
def strict_url(engine: ProxiedEngine) -> Iterator[str]:
    """A second server with a tiny limit, to see the rate-limit page."""
    yield from _live(engine, "mediphant-e2e-strict", {"MEDIPHANT_RATE_LIMIT": "2 per minute"})


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core missing at {AXE}; `make test` installs it with npm")
    return AXE.read_text()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
