"""Everything that knows DynamoDB: the single table, its entities and repositories."""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.exceptions import PynamoDBException

from mediphant.store.models import ENTITY_MODELS, Item


class StoreUnavailable(RuntimeError):
    """DynamoDB did not answer; callers degrade instead of failing the request."""


STORE_ERRORS = (PynamoDBException,)
# Told of every failed call, and whether the failure was an expected outcome such as a
# condition that did not hold (metrics subscribes; the store itself knows no metrics).
ERROR_HOOKS: list[Callable[[PynamoDBException, bool], None]] = []


def settled(cause: PynamoDBException) -> None:
    """A call failed the way the caller planned for (a ConditionalCheckFailed race)."""
    for hook in ERROR_HOOKS:
        hook(cause, True)


def unavailable(message: str, cause: PynamoDBException) -> StoreUnavailable:
    """The error a repository raises when DynamoDB fails; tells the hooks first."""
    for hook in ERROR_HOOKS:
        hook(cause, False)
    error = StoreUnavailable(message)
    error.__cause__ = cause
    return error


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
    for model in ENTITY_MODELS:
        model._connection = None
