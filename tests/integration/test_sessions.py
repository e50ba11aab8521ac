"""Seed access pattern 4: session items, exact counts, rotation, lookup by the cookie's ids."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient

from mediphant.store import StoreUnavailable
from mediphant.store.sessions import SessionStore
from tests.conftest import eventually, stored


def test_first_check_creates_one_item_in_the_seeds_shape(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    client.get("/")
    assert stored(dynamodb, table_name, "SESSION") == []
    for _ in range(3):
        client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    # The first check creates the item; the worker's background thread adds the others.
    counted = eventually(
        lambda: [
            i
            for i in stored(dynamodb, table_name, "SESSION")
            if i["Data"]["M"]["queryCount"]["N"] == "3"
        ]
    )
    (item,) = counted
    assert len(stored(dynamodb, table_name, "SESSION")) == 1
    user = item["PK"]["S"].removeprefix("USER#")
    session = item["SK"]["S"].removeprefix("SESSION#")
    # No GSI1 keys: every check updates this item, and an indexed copy would double that write.
    assert "GSI1PK" not in item and "GSI1SK" not in item
    data = item["Data"]["M"]
    assert data["queryCount"]["N"] == "3"
    assert data["createdAt"]["S"] <= data["lastActivity"]["S"]
    assert int(item["TTL"]["N"]) > 0
    assert len(session) >= 22 and len(user) >= 22  # 128 random bits, url-safe


def test_counts_are_exact_under_parallel_checks(app: Flask) -> None:
    store = SessionStore()
    with app.app_context(), ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda _: store.record_check("user-1", "sess-1"), range(80)))
        info = store.find("user-1", "sess-1")
    assert info is not None and info.query_count == 80 and info.user_id == "user-1"


def test_lookup_by_visitor_and_session_id(app: Flask) -> None:
    store = SessionStore()
    with app.app_context():
        store.record_check("user-a", "sess-a", 2)
        store.record_check("user-b", "sess-b")
        found = store.find("user-a", "sess-a")
        missing = store.find("user-a", "sess-zzz")
        not_theirs = store.find("user-b", "sess-a")
    assert found is not None and (found.session_id, found.query_count) == ("sess-a", 2)
    assert missing is None and not_theirs is None


def test_the_session_stays_with_the_visitor_who_started_it(client: FlaskClient) -> None:
    """Losing the visitor cookie later neither loses the session's count nor forks it."""
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    client.delete_cookie("mediphant_visitor")
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "aspirin"})
    assert eventually(
        lambda: "<dt>Checks</dt><dd>2</dd>" in client.get("/session").get_data(as_text=True)
    )


def test_later_checks_are_counted_together_by_the_background_thread(app: Flask) -> None:
    store = SessionStore()
    written: list[tuple[str, int]] = []
    bump = store._bump  # noqa: SLF001

    def recorded(user_id: str, session_id: str, checks: int, last) -> None:  # type: ignore[no-untyped-def]
        written.append((session_id, checks))
        bump(user_id, session_id, checks, last)

    store._bump = recorded  # type: ignore[method-assign]  # noqa: SLF001
    with app.app_context():
        store.record_check("user-c", "sess-c", new=True)
        for _ in range(5):
            store.count_later("user-c", "sess-c")
        store.flush()
        info = store.find("user-c", "sess-c")
    # One UpdateItem for the five (two if the background thread's tick fell among them).
    assert sum(checks for _, checks in written) == 5 and len(written) <= 2
    assert info is not None and info.query_count == 6


def test_a_late_count_never_brings_back_an_erased_session(
    app: Flask, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    store = SessionStore()
    with app.app_context():
        store.record_check("user-d", "sess-d", new=True)
        store.count_later("user-d", "sess-d", 2)
        dynamodb.delete_item(  # erased by another worker before this one's count is written
            TableName=table_name, Key={"PK": {"S": "USER#user-d"}, "SK": {"S": "SESSION#sess-d"}}
        )
        for _ in range(SessionStore.MAX_MISSES + 2):
            store.flush()
        assert store.find("user-d", "sess-d") is None
    assert not [i for i in stored(dynamodb, table_name, "SESSION") if i["PK"]["S"] == "USER#user-d"]
    # Given up on, not kept forever (the background thread may be flushing it too).
    assert eventually(lambda: store.flush() or not store._pending)  # noqa: SLF001


def test_session_page_and_rotation(client: FlaskClient, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    page = client.get("/session").get_data(as_text=True)
    assert "<dt>Checks</dt><dd>1</dd>" in page
    old_history = client.get("/api/history").get_json()["history"]
    assert len(old_history) == 1
    assert client.post("/session/new").status_code == 303
    assert client.get("/api/history").get_json() == {"history": []}
    assert "No checks yet in this session" in client.get("/session").get_data(as_text=True)
    client.post("/api/interactions", json={"medA": "lisinopril", "medB": "spironolactone"})
    items = stored(dynamodb, table_name, "SESSION")
    assert len(items) == 2
    assert len({item["PK"]["S"] for item in items}) == 1  # same visitor, two sessions
    # The old session's history is still in the table under its own id.
    queries = stored(dynamodb, table_name, "QUERY")
    assert len({q["GSI1PK"]["S"] for q in queries}) == 2


def test_a_forged_session_cookie_is_ignored(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("session", "eyJzaWQiOiJhdHRhY2tlci1jaG9zZW4ifQ.forged.signature")
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    with client.session_transaction() as session:
        assert session["sid"] != "attacker-chosen"


def test_counts_wait_through_throttling_and_an_outage(app: Flask, proxy) -> None:  # type: ignore[no-untyped-def]
    """A session's pending count is kept while DynamoDB throttles or refuses, and written
    once it answers again: nothing counted is lost, nothing is written twice."""
    store = SessionStore()
    with app.app_context():
        store.record_check("user-e", "sess-e", new=True)
        for fault in ({"error": "ThrottlingException"}, {"refuse": True}):
            store.count_later("user-e", "sess-e", 2)
            proxy.set(**fault)
            store.flush()
            proxy.clear()

        # The faults may have opened the breaker (3 s): the counts go once it lets calls by,
        # from this thread or the background one (which may hold them for a moment).
        def written() -> int:
            store.flush()
            try:
                info = store.find("user-e", "sess-e")
            except StoreUnavailable:  # the breaker is still open
                return 0
            return info.query_count if info is not None else 0

        assert eventually(lambda: written() >= 5, seconds=8.0)
        assert written() == 5  # nothing written twice
