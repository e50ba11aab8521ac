"""Everything that knows DynamoDB: the single table, its entities and repositories."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pynamodb.exceptions import PynamoDBException

from mediphant.store.models import ENTITY_MODELS, Item


class StoreUnavailable(RuntimeError):
    """DynamoDB did not answer; callers degrade instead of failing the request."""


STORE_ERRORS = (PynamoDBException,)
# Told of every failed call, and whether the failure was an expected outcome such as a
# condition that did not hold (metrics subscribes; the store itself knows no metrics).
ERROR_HOOKS: list[Callable[[PynamoDBException, bool], None]] = []


def condition_failed(exc: PynamoDBException) -> bool:
    """The write's condition did not hold: a race the caller plans for, not an outage."""
    return exc.cause_response_code == "ConditionalCheckFailedException"


def settled(cause: PynamoDBException) -> None:
    """A call failed the way the caller planned for (a ConditionalCheckFailed race)."""
    for hook in ERROR_HOOKS:
        hook(cause, True)


# After DynamoDB could not be reached, repositories fail fast for this long instead of
# making every request wait for its own timeout during an outage.
COOL_DOWN_SECONDS = 5.0
_unreachable_until = 0.0

P = ParamSpec("P")
R = TypeVar("R")


def unavailable(message: str, cause: PynamoDBException) -> StoreUnavailable:
    """The error a repository raises when DynamoDB fails; tells the hooks first."""
    global _unreachable_until
    for hook in ERROR_HOOKS:
        hook(cause, False)
    if cause.cause_response_code is None:  # no answer at all: connection or timeout
        _unreachable_until = time.monotonic() + COOL_DOWN_SECONDS
    error = StoreUnavailable(message)
    error.__cause__ = cause
    return error


def guarded(message: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn DynamoDB failures of a repository method into StoreUnavailable(message)."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            if time.monotonic() < _unreachable_until:
                raise StoreUnavailable(f"{message} (DynamoDB unreachable moments ago)")
            try:
                return method(*args, **kwargs)
            except PynamoDBException as exc:
                raise unavailable(message, exc) from exc

        return run

    return decorate


def reset_unreachable() -> None:
    """Forget a recent outage (a new configuration points somewhere else)."""
    global _unreachable_until
    _unreachable_until = 0.0


def configure(
    table_name: str,
    region: str,
    host: str | None = None,
    timeout_seconds: float = 2.0,
    max_retries: int = 1,
) -> None:
    """Point every model at one table once, at start-up (PynamoDB reads Meta per class)."""
    meta = Item.Meta
    meta.table_name = table_name
    meta.region = region
    meta.host = host
    meta.connect_timeout_seconds = timeout_seconds
    meta.read_timeout_seconds = timeout_seconds
    meta.max_retry_attempts = max_retries
    # A local engine accepts any credentials; dummy ones keep boto from searching for real ones.
    meta.aws_access_key_id = "local" if host else None
    meta.aws_secret_access_key = "local" if host else None
    # One connection (one botocore session and client per thread) for every entity model:
    # each subclass would otherwise build its own, loading the service model again
    # (about 8 MB per copy in every worker). Subclasses inherit Item's connection.
    for model in ENTITY_MODELS:
        if "_connection" in vars(model):
            delattr(model, "_connection")
    Item._connection = None
    Item._get_connection()
    reset_unreachable()
