"""Mediphant: a medication-interaction checker with session history on one DynamoDB table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix

from mediphant import config, metrics, store
from mediphant.domain.faq import default_index
from mediphant.domain.interactions import default_checker
from mediphant.extensions import csrf, limiter
from mediphant.store.counters import storage_options
from mediphant.store.history import DynamoHistory, MemoryHistory, PhasedHistory
from mediphant.store.medlists import MedListStore
from mediphant.store.searches import SearchLog
from mediphant.store.sessions import SessionStore
from mediphant.web.search_budget import SearchBudget

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
        # Only a response that changed the session sets its cookie. Refreshing it on every
        # response let a slower concurrent request (the form's autocomplete, answered by
        # the worker's light threads) overwrite a check's new cookie with the one it read.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=64 * 1024,
        TESTING=settings.env == "testing",
        SETTINGS=settings,
        RATELIMIT_STORAGE_URI="dynamodb://",
        # The storage knows nothing of Mediphant: it is given the model and the key format.
        RATELIMIT_STORAGE_OPTIONS=storage_options(),
        RATELIMIT_STRATEGY=settings.rate_limit_strategy,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    app.config.update(settings.extra)

    store.configure(
        settings.table_name,
        settings.aws_region,
        settings.dynamodb_host,
        settings.dynamodb_timeout_seconds,
        settings.storage_limits,
        pool_connections=max(10, 2 * settings.dynamodb_max_waiting),
    )
    app.extensions["mediphant.history"] = PhasedHistory(
        settings.storage_phase,
        DynamoHistory(ttl_days=settings.history_ttl_days, limit=settings.history_limit),
        MemoryHistory(limit=settings.history_limit),
        switch_at=settings.migration_switch_at,
        observe=metrics.observe_history_read,
    )
    app.extensions["mediphant.sessions"] = SessionStore(idle_days=settings.session_idle_days)
    app.extensions["mediphant.medlists"] = MedListStore(idle_days=settings.medlist_idle_days)
    app.extensions["mediphant.searches"] = SearchLog(shards=settings.faq_search_shards)
    # Load the knowledge base and build the FAQ index now, not in some visitor's request.
    default_checker()
    default_index()
    if settings.trusted_proxies:
        # Honour X-Forwarded-For/-Proto only from as many proxies as we actually sit behind.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from mediphant.web import (
        admin,
        api,
        autocomplete,
        budget,
        country,
        errors,
        faq,
        headers,
        health,
        identity,
        links,
        medlist,
        my_medicines,
        observability,
        openapi,
        pages,
        privacy,
        visitor_api,
    )

    # First, so request ids and timings cover requests the limiter or CSRF turns away.
    observability.init_app(app)
    budget.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    app.extensions["mediphant.search_budgets"] = [
        SearchBudget(limiter.storage, item, settings.search_lease_shares)
        for item in parse_many(settings.rate_limit)
    ]
    headers.init_app(app)
    identity.init_app(app)
    links.init_app(app)
    country.init_app(app)

    app.register_blueprint(pages.bp)
    app.register_blueprint(medlist.bp)
    app.register_blueprint(my_medicines.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(faq.bp)
    app.register_blueprint(autocomplete.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(visitor_api.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(admin.bp)
    csrf.exempt(api.bp)
    csrf.exempt(visitor_api.bp)
    errors.register(app)

    from mediphant import cli

    cli.register(app)
    return app
