"""Settings read once from the environment (MEDIPHANT_*), validated at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from limits import parse_many

from mediphant.store.guard import Limits
from mediphant.store.history import PHASES as STORAGE_PHASES

DEFAULT_SECRET = "dev-only-change-me"
RATE_LIMIT_STRATEGIES = ("fixed-window", "sliding-window-counter")

ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(ValueError):
    """A setting is missing or malformed; the app refuses to start."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, typed and checked."""

    env: str = "production"
    secret_key: str = ""
    table_name: str = "mediphant-data"
    dynamodb_host: str | None = None
    aws_region: str = "us-east-1"
    dynamodb_timeout_seconds: float = 0.3
    dynamodb_max_retries: int = 1
    dynamodb_budget_seconds: float = 0.8
    dynamodb_slow_seconds: float = 0.25
    dynamodb_max_waiting: int = 3
    breaker_trip_after: int = 5
    breaker_open_seconds: float = 3.0
    search_lease_shares: int = 5
    history_ttl_days: int = 30
    history_limit: int = 10
    session_idle_days: int = 30
    medlist_idle_days: int = 180
    rate_limit: str = "100 per minute"
    rate_limit_strategy: str = "fixed-window"
    trusted_proxies: int = 0
    faq_search_shards: int = 0
    storage_phase: str = "dynamodb"
    migration_switch_at: str = ""
    admin_token: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_local_engine(self) -> bool:
        return self.dynamodb_host is not None

    @property
    def storage_limits(self) -> Limits:
        return Limits(
            budget=self.dynamodb_budget_seconds,
            slow=self.dynamodb_slow_seconds,
            retries=self.dynamodb_max_retries,
            trip_after=self.breaker_trip_after,
            open_seconds=self.breaker_open_seconds,
            max_waiting=self.dynamodb_max_waiting,
        )

    def validate(self) -> Settings:
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"MEDIPHANT_ENV must be one of {', '.join(ENVIRONMENTS)}")
        if self.env == "production" and self.secret_key in ("", DEFAULT_SECRET):
            raise ConfigError(
                "SECRET_KEY is missing or left at its default; set a long random value "
                "(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if len(self.secret_key) < 16 and self.env == "production":
            raise ConfigError("SECRET_KEY must be at least 16 characters in production")
        if not self.table_name or len(self.table_name) > 255:
            raise ConfigError("MEDIPHANT_TABLE_NAME must be 1-255 characters")
        if self.dynamodb_host is not None and not self.dynamodb_host.startswith(
            ("http://", "https://")
        ):
            raise ConfigError("MEDIPHANT_DYNAMODB_HOST must be a URL such as http://127.0.0.1:8001")
        if self.dynamodb_timeout_seconds <= 0:
            raise ConfigError("MEDIPHANT_DYNAMODB_TIMEOUT must be positive")
        if self.dynamodb_budget_seconds < self.dynamodb_timeout_seconds:
            raise ConfigError(
                "MEDIPHANT_DYNAMODB_BUDGET must be at least MEDIPHANT_DYNAMODB_TIMEOUT "
                "(a request's storage budget holds at least one call)"
            )
        if not 0 <= self.dynamodb_max_retries <= 3:
            raise ConfigError("MEDIPHANT_DYNAMODB_RETRIES must be between 0 and 3")
        if self.dynamodb_slow_seconds <= 0:
            raise ConfigError("MEDIPHANT_DYNAMODB_SLOW must be positive")
        if self.dynamodb_max_waiting < 1:
            raise ConfigError("MEDIPHANT_DYNAMODB_MAX_WAITING must be at least 1")
        if self.search_lease_shares < 1:
            raise ConfigError("MEDIPHANT_SEARCH_LEASE_SHARES must be at least 1")
        if self.breaker_trip_after < 1 or self.breaker_open_seconds <= 0:
            raise ConfigError(
                "MEDIPHANT_BREAKER_TRIP_AFTER must be at least 1 and "
                "MEDIPHANT_BREAKER_OPEN_SECONDS positive"
            )
        try:
            parse_many(self.rate_limit)
        except ValueError:
            raise ConfigError(
                f"MEDIPHANT_RATE_LIMIT {self.rate_limit!r} is not a limit such as '100 per minute'"
            ) from None
        if self.rate_limit_strategy not in RATE_LIMIT_STRATEGIES:
            raise ConfigError(
                f"MEDIPHANT_RATE_LIMIT_STRATEGY must be one of {', '.join(RATE_LIMIT_STRATEGIES)}"
                " (moving-window needs every hit's timestamp, which the table does not keep)"
            )
        if self.trusted_proxies < 0:
            raise ConfigError("MEDIPHANT_TRUSTED_PROXIES must be 0 or more")
        if self.storage_phase not in STORAGE_PHASES:
            raise ConfigError(f"MEDIPHANT_STORAGE_PHASE must be one of {', '.join(STORAGE_PHASES)}")
        if self.storage_phase == "gradual-reads" and not self.migration_switch_at:
            raise ConfigError(
                "MEDIPHANT_MIGRATION_SWITCH_AT (UTC, e.g. 2024-09-24T10:00:00.000Z) is required "
                "with gradual-reads: sessions started after it read DynamoDB"
            )
        if not 0 <= self.faq_search_shards <= 100:
            raise ConfigError("MEDIPHANT_FAQ_SEARCH_SHARDS must be between 0 and 100")
        if self.admin_token and len(self.admin_token) < 16:
            raise ConfigError("MEDIPHANT_ADMIN_TOKEN must be at least 16 characters")
        if self.session_idle_days < 1:
            raise ConfigError("MEDIPHANT_SESSION_IDLE_DAYS must be at least 1")
        if self.medlist_idle_days < 1:
            raise ConfigError("MEDIPHANT_MEDLIST_IDLE_DAYS must be at least 1")
        if self.history_ttl_days < 1:
            raise ConfigError("MEDIPHANT_HISTORY_TTL_DAYS must be at least 1")
        return self

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """Apply a test or caller config: known names replace fields, the rest go to Flask."""
        names = {f.name for f in fields(self)}
        known = {k: v for k, v in overrides.items() if k in names}
        extra = {**self.extra, **{k: v for k, v in overrides.items() if k not in names}}
        return replace(self, **known, extra=extra)


def _number(environ: Mapping[str, str], name: str, default: float, kind: type) -> Any:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment; unset MEDIPHANT_DYNAMODB_HOST means AWS."""
    env = os.environ if environ is None else environ
    return Settings(
        env=env.get("MEDIPHANT_ENV", "production"),
        secret_key=env.get("SECRET_KEY", ""),
        table_name=env.get("MEDIPHANT_TABLE_NAME", "mediphant-data"),
        dynamodb_host=env.get("MEDIPHANT_DYNAMODB_HOST") or None,
        aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        dynamodb_timeout_seconds=_number(env, "MEDIPHANT_DYNAMODB_TIMEOUT", 0.3, float),
        dynamodb_max_retries=_number(env, "MEDIPHANT_DYNAMODB_RETRIES", 1, int),
        dynamodb_budget_seconds=_number(env, "MEDIPHANT_DYNAMODB_BUDGET", 0.8, float),
        dynamodb_slow_seconds=_number(env, "MEDIPHANT_DYNAMODB_SLOW", 0.25, float),
        dynamodb_max_waiting=_number(env, "MEDIPHANT_DYNAMODB_MAX_WAITING", 3, int),
        breaker_trip_after=_number(env, "MEDIPHANT_BREAKER_TRIP_AFTER", 5, int),
        breaker_open_seconds=_number(env, "MEDIPHANT_BREAKER_OPEN_SECONDS", 3.0, float),
        # Workers sharing each client's budget: this host's gunicorn workers by default;
        # with several hosts, set it to the workers of the whole fleet.
        search_lease_shares=_number(
            env,
            "MEDIPHANT_SEARCH_LEASE_SHARES",
            _number(env, "WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1, int),
            int,
        ),
        history_ttl_days=_number(env, "MEDIPHANT_HISTORY_TTL_DAYS", 30, int),
        session_idle_days=_number(env, "MEDIPHANT_SESSION_IDLE_DAYS", 30, int),
        medlist_idle_days=_number(env, "MEDIPHANT_MEDLIST_IDLE_DAYS", 180, int),
        rate_limit=env.get("MEDIPHANT_RATE_LIMIT") or "100 per minute",
        rate_limit_strategy=env.get("MEDIPHANT_RATE_LIMIT_STRATEGY") or "fixed-window",
        trusted_proxies=_number(env, "MEDIPHANT_TRUSTED_PROXIES", 0, int),
        faq_search_shards=_number(env, "MEDIPHANT_FAQ_SEARCH_SHARDS", 0, int),
        storage_phase=env.get("MEDIPHANT_STORAGE_PHASE") or "dynamodb",
        migration_switch_at=env.get("MEDIPHANT_MIGRATION_SWITCH_AT", ""),
        admin_token=env.get("MEDIPHANT_ADMIN_TOKEN", ""),
    )
