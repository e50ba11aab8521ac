"""Reading a failed DynamoDB call's error: an answer has a code, a time-out has none."""

from __future__ import annotations

from botocore.exceptions import ClientError, ReadTimeoutError
from pynamodb.exceptions import UpdateError

from mediphant import metrics
from mediphant.store import condition_failed, error_code


def test_a_read_timeout_has_no_error_code_and_is_no_failed_condition() -> None:
    timed_out = UpdateError("Failed to update item", ReadTimeoutError(endpoint_url="http://x"))
    assert error_code(timed_out) is None
    assert condition_failed(timed_out) is False
    metrics.record_store_error(timed_out, False)  # counted as a connection error, no crash


def test_a_failed_condition_is_read_from_the_answer() -> None:
    answer = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}
    failed = UpdateError("Failed to update item", ClientError(answer, "UpdateItem"))
    assert error_code(failed) == "ConditionalCheckFailedException"
    assert condition_failed(failed) is True


def test_the_rate_limit_storage_reads_a_time_out_without_crashing() -> None:
    from mediphant.store.ratelimit import _condition_failed

    timed_out = UpdateError("Failed to update item", ReadTimeoutError(endpoint_url="http://x"))
    answer = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "no"}}
    assert _condition_failed(timed_out) is False
    assert _condition_failed(UpdateError("x", ClientError(answer, "UpdateItem"))) is True
