"""DynamoDB error codes read from PynamoDB's exceptions, including calls that got no answer."""

from __future__ import annotations

from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from pynamodb.exceptions import GetError, PutError

from mediphant.store import condition_failed, error_code


def test_an_answer_has_a_code() -> None:
    refused = ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem")
    exc = PutError("Failed to put item", refused)
    assert error_code(exc) == "ConditionalCheckFailedException"
    assert condition_failed(exc)


def test_no_answer_has_no_code() -> None:
    # botocore's read time-out carries response=None, on which PynamoDB's own
    # `cause_response_code` raises AttributeError.
    timed_out = GetError("Failed to get item", ReadTimeoutError(endpoint_url="http://x"))
    refused = GetError("Failed to get item", EndpointConnectionError(endpoint_url="http://x"))
    for exc in (timed_out, refused):
        assert error_code(exc) is None
        assert not condition_failed(exc)
