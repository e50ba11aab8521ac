"""The MCP server's own costs: start-up over stdio, and a tool call's round trip over stdio and
over streamable HTTP (where each call also counts against the client's rate limit in
DynamoDB Local). Prints a markdown table, or writes it with --out.

Run: ``.venv/bin/python bench/bench_mcp.py [--calls N] [--out docs/performance-mcp.md]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from mediphant import create_app
from mediphant.store import table
from mediphant.store.local import LocalEngine, free_port, is_answering

ROOT = Path(__file__).resolve().parent.parent
PAIR = {"medA": "warfarin", "medB": "Advil"}
TEN = [
    "Coumadin",
    "Advil",
    "naproxen",
    "lisinopril",
    "spironolactone",
    "metformin",
    "contrast dye",
    "simvastatin",
    "Tylenol",
    "sertraline",
]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms"


async def timed_calls(client: Client, name: str, arguments: dict[str, Any], n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        result = await client.call_tool(name, arguments)
        times.append(time.perf_counter() - started)
        assert not result.is_error
    return times


def stdio(calls: int) -> dict[str, str]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "flask", "--app", "mediphant", "mcp"],
        env={**os.environ, "MEDIPHANT_ENV": "development"},
        cwd=str(ROOT),
    )

    async def main() -> dict[str, str]:
        started = time.perf_counter()
        async with Client(params) as client:
            ready = time.perf_counter() - started
            pair = await timed_calls(client, "check_interaction", PAIR, calls)
            ten = await timed_calls(client, "check_medication_list", {"names": TEN}, calls)
        return {
            "stdio: start to ready (spawn, imports, knowledge base, handshake)": f"{ready:.2f} s",
            "stdio: check_interaction round trip": percentiles(pair),
            "stdio: check_medication_list, 10 names (45 pairs)": percentiles(ten),
        }

    return anyio.run(main)


def http(calls: int) -> dict[str, str]:
    engine = LocalEngine().start()
    name = f"mediphant-bench-mcp-{uuid.uuid4().hex[:8]}"
    # Set-up gets room (a fresh engine answers its first calls slowly); the server under
    # measurement keeps the production storage time-outs.
    app = create_app(
        {
            "env": "testing",
            "dynamodb_host": engine.url,
            "table_name": name,
            "dynamodb_timeout_seconds": 5.0,
            "dynamodb_budget_seconds": 10.0,
        }
    )
    port = free_port()
    server = None
    try:
        with app.app_context():
            table.create()
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "mediphant", "mcp", "--http"]
            + ["--port", str(port)],
            cwd=ROOT,
            env={
                **os.environ,
                "MEDIPHANT_ENV": "development",
                "MEDIPHANT_DYNAMODB_HOST": engine.url,
                "MEDIPHANT_TABLE_NAME": name,
                "MEDIPHANT_RATE_LIMIT": "1000000 per hour",
            },
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        while not is_answering(url + "/healthz"):
            time.sleep(0.1)

        async def main() -> list[float]:
            async with Client(url + "/mcp") as client:
                await timed_calls(client, "check_interaction", PAIR, 20)  # warm up
                return await timed_calls(client, "check_interaction", PAIR, calls)

        pair = anyio.run(main)
        return {
            "HTTP: check_interaction round trip (incl. one rate-limit UpdateItem)": percentiles(
                pair
            )
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        with app.app_context():
            table.drop()
        engine.stop()


def report(rows: dict[str, str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        "# MCP server: measured costs",
        "",
        f"`bench/bench_mcp.py`, {when}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
        " DynamoDB Local on the same machine. One client, calls one after another; load"
        f" average at the end {os.getloadavg()[0]:.1f} (the machine is shared).",
        "",
        "| what | figure |",
        "| --- | --- |",
        *(f"| {what} | {figure} |" for what, figure in rows.items()),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    measure: list[Callable[[int], dict[str, str]]] = [stdio, http]
    rows: dict[str, str] = {}
    for step in measure:
        rows.update(step(args.calls))
    text = report(rows)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
