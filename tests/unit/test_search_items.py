"""FAQ_SEARCH items are written in DynamoDB's JSON directly: exactly what the model writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mediphant.store import keys
from mediphant.store.models import FaqSearchData, FaqSearchItem
from mediphant.store.searches import query_hash, serialized


@given(
    query=st.text(min_size=1, max_size=200),
    matches=st.integers(min_value=0, max_value=3),
    search_ms=st.floats(min_value=0, max_value=10_000, allow_nan=False),
    confident=st.one_of(st.none(), st.booleans()),
    top_id=st.one_of(st.none(), st.text(min_size=1, max_size=40)),
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    shard=st.one_of(st.none(), st.integers(min_value=0, max_value=31)),
)
def test_a_serialized_search_is_the_models_item(
    query: str,
    matches: int,
    search_ms: float,
    confident: bool | None,
    top_id: str | None,
    moment: datetime,
    shard: int | None,
) -> None:
    pk = keys.faq_search_pk(keys.day(moment), shard)
    expires = moment + timedelta(days=90)
    raw = serialized(pk, moment, expires, query, matches, search_ms, confident, top_id)
    ts = keys.timestamp(moment)
    sk = raw["SK"]["S"]
    assert sk.startswith(f"QUERY#{ts}#{query_hash(query)}#")  # and a random suffix
    model = FaqSearchItem(
        pk,
        sk,
        TTL=expires,
        Data=FaqSearchData(
            query=query,
            matches=matches,
            searchTime=round(search_ms, 3),
            timestamp=ts,
            confident=confident,
            topId=top_id,
        ),
    )
    assert raw == model.serialize()
    assert FaqSearchItem.from_raw_data(raw).Data.query == query  # and reads back
