"""Each request gets one storage budget: all its DynamoDB calls and retries end within it."""

from __future__ import annotations

from flask import Flask, g

from mediphant.store.guard import GUARD


def _start() -> None:
    g.storage_budget = GUARD.start_budget()


def _end(exc: BaseException | None = None) -> None:
    GUARD.end_budget(g.pop("storage_budget", None))


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.teardown_request(_end)
