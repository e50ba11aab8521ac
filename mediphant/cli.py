"""`flask --app mediphant …` commands: the table (db create/status/drop) and the local stack."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from mediphant import cost, store
from mediphant.store import STORE_ERRORS, table
from mediphant.store.local import EngineError, LocalEngine

# An operator's command waits as long as the engine needs, not a request's read time-out
# (0.3 s): a DynamoDB Local just started answers its first calls in a second or more.
OPERATOR_TIMEOUT = 10.0

db = AppGroup("db", help="Create, inspect or drop the DynamoDB table.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _for_an_operator() -> None:
    """Point the store at the table with an operator's patience (this process only)."""
    settings = current_app.config["SETTINGS"]
    limits = replace(settings.storage_limits, budget=OPERATOR_TIMEOUT, slow=OPERATOR_TIMEOUT)
    store.configure(
        settings.table_name,
        settings.aws_region,
        settings.dynamodb_host,
        OPERATOR_TIMEOUT,
        limits,
    )


@db.command("create")
def db_create() -> None:
    """Create the table, GSI1 and TTL if absent (idempotent); wait until active."""
    name = current_app.config["SETTINGS"].table_name
    _for_an_operator()
    try:
        created = table.create()
    except STORE_ERRORS as exc:
        _fail(f"could not create {name}: {exc}")
    click.echo(f"{name}: {'created' if created else 'already exists'}; TTL on TTL enabled")


@db.command("status")
def db_status() -> None:
    """Item count, size, index and TTL state of the table."""
    _for_an_operator()
    try:
        info = table.status()
    except STORE_ERRORS as exc:
        _fail(f"table unavailable: {exc}")
    click.echo(f"table   {info.name} ({info.status})")
    click.echo(f"items   {info.item_count}")
    click.echo(f"size    {info.size_bytes} bytes")
    for index, state in info.indexes.items():
        click.echo(f"index   {index} ({state})")
    click.echo(f"ttl     TTL ({info.ttl})")


@db.command("drop")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_drop(yes: bool) -> None:
    """Delete the table and everything in it."""
    name = current_app.config["SETTINGS"].table_name
    if not yes:
        click.confirm(f"Delete table {name} and all its items?", abort=True)
    _for_an_operator()
    try:
        table.drop()
    except STORE_ERRORS as exc:
        _fail(f"could not drop {name}: {exc}")
    click.echo(f"{name}: dropped")


def _local_secret(var: Path) -> str:
    """A development secret kept under var/, so session cookies survive restarts."""
    path = var / "secret_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@click.command("run-local")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--var", "var_dir", default="var", show_default=True, type=click.Path())
def run_local(bind: str, var_dir: str) -> None:
    """Start DynamoDB Local (data kept under var/), create the table, serve with gunicorn."""
    settings = current_app.config["SETTINGS"]
    if not settings.dynamodb_host:
        _fail("set MEDIPHANT_DYNAMODB_HOST (e.g. http://127.0.0.1:8001) to run locally")
    var = Path(var_dir)
    # Stop both servers on Ctrl-C or a plain kill, even where a shell started us with
    # SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, _stop_on)
    signal.signal(signal.SIGTERM, _stop_on)
    port = urlparse(settings.dynamodb_host).port or 8001
    engine = LocalEngine(port=port, db_path=var / "dynamodb")
    try:
        engine.start()
    except EngineError as exc:
        _fail(str(exc))
    _for_an_operator()
    try:
        table.create()
        click.echo(f"DynamoDB Local on {engine.url}, data in {var / 'dynamodb'}")
        env = {**os.environ, "GUNICORN_BIND": bind}
        env.setdefault("SECRET_KEY", _local_secret(var))
        env.setdefault("MEDIPHANT_ENV", "development")
        click.echo(f"Mediphant on http://{bind} (Ctrl-C stops both)")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], env=env
        )
        try:
            server.wait()
        except (KeyboardInterrupt, SystemExit):
            server.terminate()
            server.wait()
    finally:
        engine.stop()


def _stop_on(signum: int, frame: object) -> None:
    raise SystemExit(0)


@click.command("cost-estimate")
@click.option("--checks-per-day", type=click.FloatRange(min=0), default=1000, show_default=True)
@click.option("--searches-per-day", type=click.FloatRange(min=0), default=1000, show_default=True)
@click.option(
    "--history-views-per-day",
    type=click.FloatRange(min=0),
    help="History reads per day  [default: one per check]",
)
@click.option(
    "--retention-days",
    type=click.FloatRange(min=1),
    help="Days QUERY items are kept  [default: MEDIPHANT_HISTORY_TTL_DAYS, 30]",
)
@click.option(
    "--item-size",
    type=click.IntRange(min=1),
    help="Average item size in bytes for every entity, instead of the table's own",
)
@with_appcontext
def cost_estimate(
    checks_per_day: float,
    searches_per_day: float,
    history_views_per_day: float | None,
    retention_days: float | None,
    item_size: int | None,
) -> None:
    """Monthly on-demand cost of the table: request units, storage and dollars (docs/cost.md)."""
    settings = current_app.config["SETTINGS"]
    if item_size:
        sizes, source = cost.ItemSizes.uniform(item_size), f"{item_size} bytes (--item-size)"
    else:
        try:
            info = table.status()
            average = cost.average_item_size(info.size_bytes, info.item_count)
            seen = f"table {info.name} reports {info.item_count} items, {info.size_bytes} bytes"
        except STORE_ERRORS as exc:
            average, seen = None, f"table unavailable ({exc.__class__.__name__})"
        if average:
            sizes = cost.ItemSizes.uniform(average)
            source = f"{average:.0f} bytes average: {seen} (DescribeTable, refreshed ~6-hourly)"
        else:
            sizes = cost.NOMINAL_SIZES
            source = (
                f"nominal QUERY {sizes.query:.0f}, SESSION {sizes.session:.0f}, RATE_LIMIT "
                f"{sizes.rate_limit:.0f}, FAQ_SEARCH {sizes.faq_search:.0f} bytes ({seen})"
            )
    workload = cost.Workload(
        checks_per_day=checks_per_day,
        searches_per_day=searches_per_day,
        history_views_per_day=history_views_per_day,
        retention_days=retention_days or settings.history_ttl_days,
        session_idle_days=settings.session_idle_days,
    )
    click.echo(cost.format_estimate(cost.estimate(workload, sizes)), nl=False)
    click.echo(f"item sizes: {source}")


@click.command("mcp")
@click.option("--http", "over_http", is_flag=True, help="Serve streamable HTTP instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (HTTP).")
@click.option("--port", type=click.IntRange(1, 65535), default=8002, show_default=True)
@click.option(
    "--public-name",
    multiple=True,
    help="A host name a proxy forwards to this server (HTTP; may be repeated).",
)
@with_appcontext
def mcp_command(over_http: bool, host: str, port: int, public_name: tuple[str, ...]) -> None:
    """Serve the MCP server for AI assistants: stdio (default) or streamable HTTP at /mcp."""
    # Imported here: the web app's workers never load the MCP SDK.
    if not over_http:
        from mediphant.mcp.server import run_stdio

        run_stdio()
        return
    from mediphant.mcp.http import serve
    from mediphant.mcp.limit import ClientLimit

    settings = current_app.config["SETTINGS"]
    limit = ClientLimit(
        current_app.config["SECRET_KEY"], settings.rate_limit, settings.rate_limit_strategy
    )
    click.echo(f"Mediphant MCP on http://{host}:{port}/mcp (Ctrl-C stops it)", err=True)
    serve(limit, host, port, settings.trusted_proxies > 0, public_name)


def register(app: Flask) -> None:
    app.cli.add_command(db)
    app.cli.add_command(run_local)
    app.cli.add_command(cost_estimate)
    app.cli.add_command(mcp_command)
