"""Mediphant: a medication-interaction checker with session history on one DynamoDB table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from mediphant import config, store
from mediphant.extensions import csrf
from mediphant.store.history import DynamoHistory

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, storage, extensions, blueprints, error handlers — wiring only."""
    settings = config.from_env()
    if test_config:
        settings = settings.with_overrides(test_config)
    settings.validate()

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key or config.DEFAULT_SECRET,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.history_ttl_days),
        MAX_CONTENT_LENGTH=64 * 1024,
        TESTING=settings.env == "testing",
        SETTINGS=settings,
    )
    app.config.update(settings.extra)

    store.configure(
        settings.table_name,
        settings.aws_region,
        settings.dynamodb_host,
        settings.dynamodb_timeout_seconds,
        settings.dynamodb_max_retries,
    )
    app.extensions["mediphant.history"] = DynamoHistory(
        ttl_days=settings.history_ttl_days, limit=settings.history_limit
    )

    csrf.init_app(app)

    from mediphant.web import api, errors, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    errors.register(app)

    from mediphant import cli

    cli.register(app)
    return app
