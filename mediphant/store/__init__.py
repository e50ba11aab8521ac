"""Everything that knows DynamoDB: the single table, its entities and repositories."""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException

from mediphant.store.models import ENTITY_MODELS, Item


class StoreUnavailable(RuntimeError):
    """DynamoDB did not answer; callers degrade instead of failing the request."""


STORE_ERRORS = (PynamoDBException,)


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
