"""The seed's migration phases behind one history interface, on the real engine."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask

from mediphant.store import StoreUnavailable, keys, table
from mediphant.store.history import Check, DynamoHistory, MemoryHistory, PhasedHistory
from mediphant.store.local import LocalEngine, free_port
from tests.conftest import ProxiedEngine, make_app

CHECK = Check("warfarin", "ibuprofen", True, "increased bleeding risk", "major", "interaction")
SWITCH = "2026-01-01T00:00:00.000Z"
BEFORE, AFTER = "2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00.001Z"


class Reads:
    def __init__(self) -> None:
        self.seen: Counter[tuple[str, str]] = Counter()

    def __call__(self, source: str, outcome: str) -> None:
        self.seen[(source, outcome)] += 1


def _phased(phase: str, reads: Reads) -> PhasedHistory:
    return PhasedHistory(phase, DynamoHistory(), MemoryHistory(), SWITCH, reads)


def test_memory_phase_never_touches_dynamodb(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    reads = Reads()
    with app.app_context():
        history = _phased("memory", reads)
        history.add("s", CHECK)
        assert [e.med_a for e in history.recent("s", AFTER)] == ["warfarin"]
    assert dynamodb.scan(TableName=table_name, Select="COUNT")["Count"] == 0
    assert reads.seen == {("memory", "hit"): 1}


def test_parallel_writes_write_both_and_read_memory(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    reads = Reads()
    with app.app_context():
        history = _phased("parallel-writes", reads)
        written = history.add("s", CHECK)
        assert [e.med_a for e in history.recent("s", AFTER)] == ["warfarin"]
        assert [e.med_a for e in history.dynamo.recent("s", written)] == ["warfarin"]
    assert reads.seen == {("memory", "hit"): 1}


def test_gradual_reads_new_sessions_read_dynamodb_old_ones_memory(app: Flask) -> None:
    reads = Reads()
    with app.app_context():
        history = _phased("gradual-reads", reads)
        written = history.add("new", CHECK)
        history.add("old", CHECK)
        assert len(history.recent("new", AFTER, written)) == 1
        assert len(history.recent("old", BEFORE)) == 1
        assert len(history.recent("legacy-cookie", None)) == 0
    assert reads.seen == {("dynamodb", "hit"): 1, ("memory", "hit"): 1, ("memory", "miss"): 1}


def test_gradual_reads_fall_back_to_memory_on_a_miss(app: Flask) -> None:
    reads = Reads()
    with app.app_context():
        history = _phased("gradual-reads", reads)
        # Written while only memory was in use: DynamoDB has nothing for this session.
        history.memory.add("migrating", CHECK)
        entries = history.recent("migrating", AFTER)
    assert [e.med_a for e in entries] == ["warfarin"]
    assert reads.seen == {("dynamodb", "miss"): 1, ("memory", "fallback"): 1, ("memory", "hit"): 1}


def test_gradual_reads_fall_back_when_dynamodb_is_down(table_name: str) -> None:
    reads = Reads()
    down = LocalEngine(port=free_port())  # never started: nothing listens
    app = make_app(down, table_name, dynamodb_timeout_seconds=0.3, dynamodb_max_retries=0)
    with app.app_context():
        history = _phased("gradual-reads", reads)
        history.add("s", CHECK)  # memory keeps it; the failed DynamoDB write is tolerated
        assert [e.med_a for e in history.recent("s", AFTER)] == ["warfarin"]
        only_dynamo = _phased("dynamodb", Reads())
        with pytest.raises(StoreUnavailable):
            only_dynamo.recent("s", AFTER)
    assert reads.seen[("dynamodb", "error")] == 1 and reads.seen[("memory", "fallback")] == 1


def test_dynamodb_phase_reads_only_dynamodb(app: Flask) -> None:
    reads = Reads()
    with app.app_context():
        history = _phased("dynamodb", reads)
        history.memory.add("s", CHECK)
        assert history.recent("s", BEFORE) == []
        written = history.add("s", CHECK)
        assert len(history.recent("s", BEFORE, written)) == 1
        assert history.memory.recent("s") != [] and len(history.memory.recent("s")) == 1
    assert reads.seen == {("dynamodb", "miss"): 1, ("dynamodb", "hit"): 1}


def test_memory_store_is_bounded_and_newest_first() -> None:
    memory = MemoryHistory(limit=3, max_sessions=2)
    for n in range(5):
        memory.add("a", Check(f"d{n}", "x", False, "r"))
    memory.add("b", CHECK)
    memory.add("c", CHECK)
    assert [e.med_a for e in memory.recent("a")] == []  # evicted: least recently written
    assert len(memory.recent("b")) == 1 and len(memory.recent("c")) == 1
    memory.add_many("b", [Check(f"m{n}", "x", False, "r") for n in range(4)])
    assert [e.med_a for e in memory.recent("b")] == ["m0", "m1", "m2"]


def test_the_phase_is_chosen_at_start_up_and_views_do_not_know(
    engine: ProxiedEngine, table_name: str
) -> None:
    for phase in ("memory", "parallel-writes", "dynamodb"):
        app = make_app(engine, f"{table_name}-{phase}", storage_phase=phase)
        with app.app_context():
            table.create()
        client = app.test_client()
        client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
        assert len(client.get("/api/history").get_json()["history"]) == 1, phase
    gradual = make_app(
        engine,
        f"{table_name}-dynamodb",
        storage_phase="gradual-reads",
        migration_switch_at=keys.timestamp(keys.now()),
    )
    client = gradual.test_client()
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    assert len(client.get("/api/history").get_json()["history"]) == 1
