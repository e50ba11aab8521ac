"""CPU time one DynamoDB call costs the app's process, by layer.

Run from the repository root:  .venv/bin/python bench/call_cost.py [--calls 400] [--rounds 3]

Starts an in-memory DynamoDB Local, creates the single table and writes one history item
per call three ways, in alternating rounds:

- botocore alone (the client PynamoDB made, called directly with the item's JSON);
- through PynamoDB without the guard (the model's save on the request's thread);
- through the store as the app calls it (the guard's deadline, sender thread and breaker).

CPU is this process's (every thread's) `process_time`, so a call sent from a sender
thread is counted; DynamoDB Local's own CPU is not. A check makes two such calls on its
critical path and a page-flow check three; the figure sizes what the engine-bound checks
cost the workers. Prints a markdown table; makes no assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mediphant import store  # noqa: E402
from mediphant.store import table  # noqa: E402
from mediphant.store.guard import GUARD  # noqa: E402
from mediphant.store.history import Check, DynamoHistory  # noqa: E402
from mediphant.store.local import LocalEngine  # noqa: E402
from mediphant.store.models import QueryItem  # noqa: E402

CHECK = Check("warfarin", "ibuprofen", True, "bleeding risk", "major", "interaction")


def measure(call: Callable[[int], object], calls: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per call, after a short warm-up."""
    for i in range(30):
        call(i)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(calls):
        call(i)
    return (
        (time.process_time() - cpu) / calls * 1000,
        (time.perf_counter() - wall) / calls * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    engine = LocalEngine().start(60)
    try:
        name = f"cost-{uuid.uuid4().hex[:8]}"
        store.configure(name, "us-east-1", engine.url, timeout_seconds=5.0)
        table.create()
        history = DynamoHistory()
        client = QueryItem._get_connection().connection.client
        item = history._item("bench", CHECK, store.keys.now()).serialize()

        def botocore(i: int) -> object:
            key = {"PK": {"S": f"QUERY#bench-{i}"}, "SK": {"S": "METADATA"}}
            return client.put_item(TableName=name, Item={**item, **key})

        def unguarded(i: int) -> object:
            call = GUARD.call
            GUARD.call = lambda operation, send, may_resend=False: send()  # type: ignore[method-assign]
            try:
                return history.add(f"s{i % 50}", CHECK)
            finally:
                GUARD.call = call  # type: ignore[method-assign]

        def guarded(i: int) -> object:
            return history.add(f"s{i % 50}", CHECK)

        layers = {
            "PutItem, botocore alone": botocore,
            "PutItem through PynamoDB, no guard": unguarded,
            "PutItem through the store (guard, sender thread)": guarded,
        }
        results: dict[str, list[tuple[float, float]]] = {label: [] for label in layers}
        for _ in range(args.rounds):
            for label, call in layers.items():
                results[label].append(measure(call, args.calls))
    finally:
        engine.stop()
    print(f"{args.calls} calls per round, {args.rounds} rounds, median of the rounds\n")
    print("| layer | CPU ms per call | wall ms per call | rounds' CPU ms |")
    print("|---|---:|---:|---|")
    for label, rows in results.items():
        cpu = statistics.median(c for c, _ in rows)
        wall = statistics.median(w for _, w in rows)
        spread = ", ".join(f"{c:.2f}" for c, _ in rows)
        print(f"| {label} | {cpu:.2f} | {wall:.2f} | {spread} |")


if __name__ == "__main__":
    main()
