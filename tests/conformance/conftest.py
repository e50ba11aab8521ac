"""Run limits' strategy tests against `dynamodb://`: storage options, a fresh table per test,
and the moving-window tests deselected."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

MOVING_WINDOW_REASON = (
    "moving window is refused by dynamodb:// by design: it needs the time of every hit in "
    "the window, an item (or a list entry) per hit, where the seed keeps one counter per window"
)


@pytest.fixture
def args(app: Flask) -> dict[str, Any]:
    """The storage options the app gives flask-limiter, pointing at this test's table."""
    return dict(app.config["RATELIMIT_STORAGE_OPTIONS"])


@pytest.fixture
def fixture(app: Flask) -> str:
    """The table every test starts with: created empty for it by the `app` fixture."""
    return app.config["SETTINGS"].table_name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    refused = [item for item in items if item.get_closest_marker("moving_window")]
    if refused:
        config.hook.pytest_deselected(items=refused)
        items[:] = [item for item in items if item not in refused]
        config.stash[_DESELECTED] = len(refused)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    count = config.stash.get(_DESELECTED, 0)
    if count:
        terminalreporter.write_line(
            f"{count} limits moving-window tests deselected: {MOVING_WINDOW_REASON}"
        )


_DESELECTED = pytest.StashKey[int]()
