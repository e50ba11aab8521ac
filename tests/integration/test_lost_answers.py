"""A connection lost before DynamoDB's answer: the engine may have done the work.

Networks drop connections. The proxy forwards the request, lets the engine do it and
closes the connection unanswered. What does the same when sent twice (an unconditional
put, a read) is sent again within the request's budget; what does not (an ADD, a
conditional put) is reported as failed, and the check is still answered. These run real
gunicorn with the production worker configuration.
"""

from __future__ import annotations

from typing import Any

from tests.browsing import Visitor
from tests.conftest import INDEX_LAG, stored
from tests.faultproxy import FaultProxy

PAIRS = [
    ("sertraline", "tramadol"),
    ("simvastatin", "clarithromycin"),
    ("lisinopril", "spironolactone"),
    ("metformin", "contrast dye"),
    ("methotrexate", "trimethoprim"),
    ("digoxin", "amiodarone"),
    ("lithium", "ibuprofen"),
    ("clopidogrel", "omeprazole"),
]


def _cut(proxy: FaultProxy, operation: str, share: float) -> None:
    proxy.set(cut=True, share=share, operations=frozenset({operation}), index_lag=INDEX_LAG)


def test_a_history_write_whose_answer_was_lost_is_sent_again_and_stored_once(
    served: str, proxy: FaultProxy, dynamodb: Any, table_name: str
) -> None:
    visitor = Visitor(served)
    assert visitor.check().json()["historySaved"] is True  # session and rate-limit window
    _cut(proxy, "PutItem", share=0.5)  # every other PutItem lands but is never answered
    answers = [visitor.check(a, b) for a, b in PAIRS]
    cut = proxy.faulted
    proxy.set(index_lag=INDEX_LAG)
    assert [a.status for a in answers] == [200] * len(PAIRS)
    assert cut >= len(PAIRS) // 2
    saved = [a.json()["historySaved"] for a in answers]
    # Without the second send every first PutItem was lost: none saved. A PutItem of the
    # rate limiter's new window (a minute turning) may take one of the cut turns.
    assert sum(saved) >= len(PAIRS) - 1, saved
    # Each check landed, even one reported unsaved, and exactly once: the resent put has
    # the same key, so the history has no duplicates.
    assert len(stored(dynamodb, table_name, "QUERY")) == 1 + len(PAIRS)
    history = visitor.history()
    assert len(history) == len({entry["id"] for entry in history}) == 1 + len(PAIRS)


def test_a_history_read_whose_answer_was_lost_is_sent_again(served: str, proxy: FaultProxy) -> None:
    visitor = Visitor(served)
    for a, b in PAIRS[:3]:
        assert visitor.check(a, b).json()["historySaved"] is True
    _cut(proxy, "Query", share=0.5)
    pages = [visitor.history() for _ in range(4)]
    assert proxy.faulted >= 2
    assert all(len(page) == 3 for page in pages)


def test_a_lost_rate_limit_count_is_not_sent_twice_and_the_check_is_answered(
    served: str, proxy: FaultProxy
) -> None:
    """An ADD sent twice would count the request twice: it is not resent. The check is
    answered anyway (the limiter falls back to its in-memory count) and its history saved."""
    visitor = Visitor(served)
    assert visitor.check().status == 200
    proxy.cut_bodies.clear()
    _cut(proxy, "UpdateItem", share=1.0)
    answer = visitor.check("sertraline", "tramadol")
    proxy.set(index_lag=INDEX_LAG)
    assert answer.status == 200 and answer.json()["historySaved"] is True
    counts = [body for body in proxy.cut_bodies if b"RATE_LIMIT#" in body]
    assert len(counts) == 1  # sent, its answer lost, and not sent a second time
