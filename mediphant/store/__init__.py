"""Everything that knows DynamoDB: the single table, its entities and repositories."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pynamodb.exceptions import PynamoDBException

from mediphant.store.guard import GUARD, Limits
from mediphant.store.models import ENTITY_MODELS, Item


class StoreUnavailable(RuntimeError):
    """DynamoDB did not answer; callers degrade instead of failing the request."""


STORE_ERRORS = (PynamoDBException,)
# Told of every failed call, and whether the failure was an expected outcome such as a
# condition that did not hold (metrics subscribes; the store itself knows no metrics).
ERROR_HOOKS: list[Callable[[PynamoDBException, bool], None]] = []


def error_code(exc: PynamoDBException) -> str | None:
    """DynamoDB's error code, or None when no answer came (refused, timed out, skipped).

    PynamoDB's own `cause_response_code` raises AttributeError on a read time-out, whose
    cause carries `response = None`: that turned a slow engine into 500s.
    """
    response = getattr(exc.cause, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def condition_failed(exc: PynamoDBException) -> bool:
    """The write's condition did not hold: a race the caller plans for, not an outage."""
    return error_code(exc) == "ConditionalCheckFailedException"


def settled(cause: PynamoDBException) -> None:
    """A call failed the way the caller planned for (a ConditionalCheckFailed race)."""
    for hook in ERROR_HOOKS:
        hook(cause, True)


P = ParamSpec("P")
R = TypeVar("R")


def unavailable(message: str, cause: PynamoDBException) -> StoreUnavailable:
    """The error a repository raises when DynamoDB fails; tells the hooks first."""
    for hook in ERROR_HOOKS:
        hook(cause, False)
    error = StoreUnavailable(message)
    error.__cause__ = cause
    return error


def guarded(message: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn DynamoDB failures of a repository method into StoreUnavailable(message)."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except PynamoDBException as exc:
                raise unavailable(message, exc) from exc

        return run

    return decorate


def configure(
    table_name: str,
    region: str,
    host: str | None = None,
    timeout_seconds: float = 0.3,
    limits: Limits | None = None,
    pool_connections: int = 10,
) -> None:
    """Point every model at one table once, at start-up (PynamoDB reads Meta per class).

    Every call goes through the process's guard (deadline, retry, breaker); botocore's own
    retries are off (one attempt per call), so the two never stack.
    """
    meta = Item.Meta
    meta.table_name = table_name
    meta.region = region
    meta.host = host
    meta.connect_timeout_seconds = timeout_seconds
    meta.read_timeout_seconds = timeout_seconds
    meta.max_retry_attempts = 0
    meta.max_pool_connections = pool_connections
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
    connection = Item._get_connection().connection
    connection._make_api_call = GUARD.wrap(connection._make_api_call)  # type: ignore[method-assign]
    # Build the botocore client now, in the thread that starts the worker. PynamoDB builds it
    # lazily and without a lock, each time in a botocore session of the calling thread's own:
    # the first burst of requests in a threaded worker built several at once, and every
    # thread kept its session with the parsed endpoint tables (measured: up to 30 MB more
    # per worker). No network call is made here.
    connection.client  # noqa: B018 - the property builds and caches the client
    GUARD.configure(limits or Limits())
