import re
from datetime import UTC, datetime, timedelta, timezone

from mediphant.store import keys


def test_timestamp_is_fixed_width_utc_with_millis() -> None:
    moment = datetime(2024, 9, 24, 10, 30, 0, 123456, tzinfo=UTC)
    assert keys.timestamp(moment) == "2024-09-24T10:30:00.123Z"
    assert keys.timestamp(moment.replace(microsecond=0)) == "2024-09-24T10:30:00.000Z"


def test_timestamp_converts_other_zones_to_utc() -> None:
    moment = datetime(2024, 9, 24, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    assert keys.timestamp(moment) == "2024-09-24T10:30:00.000Z"


def test_string_order_is_time_order() -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    moments = [base + timedelta(milliseconds=n * 7919) for n in range(500)]
    stamps = [keys.timestamp(m) for m in moments]
    assert stamps == sorted(stamps)


def test_parse_accepts_ours_and_the_seeds() -> None:
    assert keys.parse_timestamp("2024-09-24T10:30:00.123Z") == datetime(
        2024, 9, 24, 10, 30, 0, 123000, tzinfo=UTC
    )
    assert keys.parse_timestamp("2024-09-24T10:30:00Z") == datetime(2024, 9, 24, 10, 30, tzinfo=UTC)


def test_query_keys() -> None:
    ts = "2024-09-24T10:30:00.123Z"
    assert keys.query_pk(ts, "ab12cd34") == "QUERY#2024-09-24T10:30:00.123Z#ab12cd34"
    assert keys.query_gsi1sk(ts) == "QUERY#2024-09-24T10:30:00.123Z"
    assert keys.query_id("QUERY#2024-09-24T10:30:00.123Z#ab12cd34") == f"{ts}#ab12cd34"
    assert keys.query_id("QUERY#2024-09-24T10:30:00Z") == "2024-09-24T10:30:00Z"


def test_query_pk_suffixes_differ_within_one_millisecond() -> None:
    ts = "2024-09-24T10:30:00.123Z"
    assert len({keys.query_pk(ts) for _ in range(200)}) == 200


def test_other_entity_keys() -> None:
    assert keys.user_pk("abc") == "USER#abc"
    assert keys.session_sk("s1") == "SESSION#s1"
    assert keys.rate_limit_pk("k") == "RATE_LIMIT#k"
    assert keys.window_sk("2024-09-24T10:00:00.000Z") == "WINDOW#2024-09-24T10:00:00.000Z"
    assert keys.faq_search_pk("2024-09-24") == "FAQ_SEARCH#2024-09-24"
    assert keys.faq_search_pk("2024-09-24", 3) == "FAQ_SEARCH#2024-09-24#3"
    assert (
        keys.faq_search_sk("2024-09-24T10:30:00.000Z", "h", "r")
        == "QUERY#2024-09-24T10:30:00.000Z#h#r"
    )
    assert re.fullmatch(
        r"QUERY#2024-09-24T10:30:00.000Z#h#[0-9a-f]{8}",
        keys.faq_search_sk("2024-09-24T10:30:00.000Z", "h"),
    )


def test_client_key_is_a_keyed_hash_of_the_address() -> None:
    key = keys.client_key("secret-one-0123456789", "203.0.113.7")
    assert len(key) == 32 and set(key) <= set("0123456789abcdef")
    assert key == keys.client_key("secret-one-0123456789", "203.0.113.7")
    assert key != keys.client_key("secret-two-0123456789", "203.0.113.7")
    assert key != keys.client_key("secret-one-0123456789", "203.0.113.8")
