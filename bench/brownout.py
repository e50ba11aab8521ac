"""Brownout benchmark: the app under load while DynamoDB is slow, silent or refusing.

gunicorn (from gunicorn.conf.py, 3 workers) talks to DynamoDB Local through the
fault-injection proxy of the tests. 12 clients check pairs in a loop through the API;
one more client opens the form page, the FAQ page and /healthz in turn. Each fault runs
for a while, then the engine answers normally again and the run waits for recovery:
a check saved again and /readyz 200. Results: p50/p99 per route per phase, 5xx and
dropped connections, acknowledged checks missing from the table, time to recover.

    python bench/brownout.py --out docs/reliability-run.md
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import random
import sys
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from bench.harness import FAQ_QUERIES, PAIRS, percentile  # noqa: E402
from mediphant import create_app  # noqa: E402
from mediphant.store import table  # noqa: E402
from mediphant.store.local import LocalEngine  # noqa: E402
from tests.conftest import TEST_STORAGE_LIMITS  # noqa: E402
from tests.faultproxy import FaultProxy  # noqa: E402
from tests.live import PRODUCTION_STORAGE_LIMITS, serve  # noqa: E402

SECRET = "bench-brownout-secret-0123456789abcdef"
CHECKERS = 12
CLIENT_TIMEOUT = 20.0
FAULTS: dict[str, dict[str, Any]] = {
    "engine answers after 0.5 s": {"latency": 0.5},
    "engine answers after 3 s": {"latency": 3.0},
    "engine never answers": {"hold": True},
    # 16 bytes every 0.2 s: each read sooner than the 0.3 s read time-out.
    "engine's answers trickle in": {"drip": 0.2},
    "connections refused": {"refuse": True},
    "throttled (ThrottlingException)": {"error": "ThrottlingException"},
    # Intermittent: a share of the calls gets the fault.
    "30% of calls answered InternalServerError": {"error": "InternalServerError", "share": 0.3},
    "20% of history writes' answers lost": {
        "cut": True,
        "share": 0.2,
        "operations": frozenset({"PutItem"}),
    },
}
LIGHT_ROUTES = ("form page", "FAQ page", "/healthz")


@dataclass
class Sample:
    phase: str
    route: str
    seconds: float
    status: int  # 0: connection dropped or timed out
    saved: bool | None = None
    into_phase: float | None = None  # seconds from the phase's start to the request's


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    phase: str = "warm-up"
    stop: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    saved_by_session: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Browser:
    """One client with its own cookies over one keep-alive connection."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=CLIENT_TIMEOUT)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                answer = self.conn.getresponse()
                payload = answer.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 0:  # a keep-alive connection the server closed meanwhile
                    continue
                raise
            except OSError:
                self.close()
                raise
            for header, value in answer.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return answer.status, payload
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Drop the connection; the next request opens a new one."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def session_id(self) -> str | None:
        raw = self.cookies.get("session")
        if not raw:
            return None
        compressed = raw.startswith(".")
        payload = raw.lstrip(".").split(".")[0]
        data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if compressed:
            data = zlib.decompress(data)
        return json.loads(data).get("sid")


def timed(run: Run, route: str, call: Callable[[], tuple[int, bytes]]) -> tuple[Sample, bytes]:
    phase = run.phase
    started = time.perf_counter()
    try:
        status, payload = call()
    except OSError:
        status, payload = 0, b""
    sample = Sample(phase, route, time.perf_counter() - started, status)
    run.add(sample)
    return sample, payload


def checker(run: Run, base: str, seed: int) -> None:
    rng = random.Random(seed)
    browser = Browser(base)
    while not run.stop:
        med_a, med_b = rng.choice(PAIRS)
        sample, payload = timed(
            run,
            "check (API)",
            lambda a=med_a, b=med_b: browser.request(
                "POST", "/api/interactions", {"medA": a, "medB": b}
            ),
        )
        if sample.status == 200:
            saved = bool(json.loads(payload).get("historySaved"))
            sample.saved = saved
            if saved:
                sid = browser.session_id()
                with run.lock:
                    run.saved_by_session[sid or "?"] += 1


def visitor(base: str, stop: Any, out: Any, new_connections: bool = False) -> None:
    """The light pages in turn, in a process of its own: in the checkers' process its
    timings would include waiting for that process's GIL, not only for the server.

    With `new_connections` each request opens a connection of its own, so the pages reach
    every worker in turn (as many visitors do) instead of the one a kept-alive connection
    landed on.
    """
    browser = Browser(base)
    routes: Sequence[tuple[str, Callable[[int], str]]] = (
        ("form page", lambda i: "/"),
        ("FAQ page", lambda i: "/faq?q=" + FAQ_QUERIES[i % len(FAQ_QUERIES)].replace(" ", "+")),
        ("/healthz", lambda i: "/healthz"),
    )
    samples: list[tuple[float, str, float, int]] = []
    i = 0
    while not stop.is_set():
        name, path = routes[i % len(routes)]
        started = time.monotonic()
        try:
            status, _ = browser.request("GET", path(i))
        except OSError:
            status = 0
        samples.append((started, name, time.monotonic() - started, status))
        if new_connections:
            browser.close()
        i += 1
        time.sleep(0.05)
    out.put(samples)


def phase_at(marks: Sequence[tuple[float, str]], moment: float) -> str:
    """The phase that was running at `moment` (marks: start time and name, in order)."""
    current = "warm-up"
    for started, name in marks:
        if started > moment:
            break
        current = name
    return current


def recovered(base: str, deadline: float) -> float | None:
    """Seconds until a check is saved again and /readyz answers 200 (None: not in time)."""
    started = time.monotonic()
    browser = Browser(base)
    saved = ready = False
    while time.monotonic() < deadline:
        try:
            if not saved:
                status, payload = browser.request(
                    "POST", "/api/interactions", {"medA": "warfarin", "medB": "aspirin"}
                )
                saved = status == 200 and json.loads(payload).get("historySaved") is True
            if not ready:
                ready = browser.request("GET", "/readyz")[0] == 200
        except OSError:
            pass
        if saved and ready:
            return time.monotonic() - started
        time.sleep(0.25)
    return None


def stored_checks(engine_url: str, table_name: str) -> dict[str, int]:
    client = boto3.client(
        "dynamodb",
        endpoint_url=engine_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    counts: dict[str, int] = defaultdict(int)
    for page in client.get_paginator("scan").paginate(
        TableName=table_name,
        FilterExpression="EntityType = :t",
        ExpressionAttributeValues={":t": {"S": "QUERY"}},
    ):
        for item in page["Items"]:
            counts[item["Data"]["M"]["sessionId"]["S"]] += 1
    return counts


def by_key_light(by_key: dict[tuple[str, str], list[Sample]], phase: str) -> list[Sample]:
    return [s for route in LIGHT_ROUTES for s in by_key.get((phase, route), [])]


def summarise(run: Run, phases: Sequence[str], recovery: dict[str, float | None]) -> str:
    lines = [
        "| phase | route | requests | p50 ms | p99 ms | 5xx | dropped | not saved |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    by_key: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in run.samples:
        by_key[(sample.phase, sample.route)].append(sample)
    for phase in phases:
        for route in ("check (API)", *LIGHT_ROUTES):
            samples = by_key.get((phase, route), [])
            if not samples:
                continue
            times = sorted(s.seconds * 1000 for s in samples)
            errors = sum(1 for s in samples if s.status >= 500)
            dropped = sum(1 for s in samples if s.status == 0)
            unsaved = sum(1 for s in samples if s.saved is False)
            lines.append(
                f"| {phase} | {route} | {len(samples)} | {percentile(times, 0.5):.0f} | "
                f"{percentile(times, 0.99):.0f} | {errors} | {dropped} | "
                f"{unsaved if route.startswith('check') else ''} |"
            )
    lines += [
        "",
        "Light requests together (the form page, the FAQ page and `/healthz`); *after 1 s*:",
        "those started a second or more into the phase, once every worker's breaker has",
        "had its five slow calls.",
        "",
        "| phase | light requests | p99 ms | slowest | started into the phase | "
        "slowest after 1 s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phase in (phases[0], *phases[1::2]):
        light = [s for s in by_key_light(by_key, phase) if s.into_phase is not None]
        if light:
            worst = max(light, key=lambda s: s.seconds)
            later = [s.seconds for s in light if s.into_phase >= 1.0]
            after = f"{max(later) * 1000:.0f} ms" if later else "—"
            times = sorted(s.seconds * 1000 for s in light)
            lines.append(
                f"| {phase} | {len(light)} | {percentile(times, 0.99):.0f} | "
                f"{worst.seconds * 1000:.0f} ms ({worst.route}) | {worst.into_phase:.1f} s | "
                f"{after} |"
            )
    lines += ["", "| fault | time to recover (check saved and /readyz 200) |", "| --- | ---: |"]
    for phase, seconds in recovery.items():
        lines.append(
            f"| {phase} | {'not within 30 s' if seconds is None else f'{seconds:.1f} s'} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each fault")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--worker-class", default="gthread", choices=("gthread", "sync"), help="gunicorn's"
    )
    parser.add_argument(
        "--threads", type=int, help="per gthread worker (default: gunicorn.conf.py's)"
    )
    parser.add_argument(
        "--max-waiting", type=int, help="DynamoDB calls in flight per worker (default: the app's)"
    )
    parser.add_argument("--faults", nargs="*", default=list(FAULTS), choices=list(FAULTS))
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    parser.add_argument(
        "--light-new-connections",
        action="store_true",
        help="the light pages' client opens a connection per request (reaches every worker)",
    )
    args = parser.parse_args(argv)

    threads = 1 if args.worker_class == "sync" else args.threads
    max_waiting = 1 if args.worker_class == "sync" else args.max_waiting
    name = "mediphant-brownout"
    with LocalEngine() as engine, FaultProxy(engine.url) as proxy:
        app = create_app(
            {
                "env": "testing",
                "secret_key": SECRET,
                "dynamodb_host": engine.url,
                "table_name": name,
                **TEST_STORAGE_LIMITS,  # set-up only: a cold engine may be slow at first
            }
        )
        with app.app_context():
            table.create()
        env = {
            "SECRET_KEY": SECRET,
            "MEDIPHANT_RATE_LIMIT": "1000000 per minute",
            "GUNICORN_WORKER_CLASS": args.worker_class,
            # gunicorn runs gthread instead of sync when given more than one thread.
            **({"GUNICORN_THREADS": str(threads)} if threads else {}),
            **({"MEDIPHANT_DYNAMODB_MAX_WAITING": str(max_waiting)} if max_waiting else {}),
            **PRODUCTION_STORAGE_LIMITS,
        }
        with serve(proxy.url, name, workers=args.workers, env=env) as base:
            run = Run()
            threads = [
                threading.Thread(target=checker, args=(run, base, n), daemon=True)
                for n in range(CHECKERS)
            ]
            for thread in threads:
                thread.start()
            spawn = multiprocessing.get_context("spawn")
            stop, out = spawn.Event(), spawn.Queue()
            light = spawn.Process(
                target=visitor, args=(base, stop, out, args.light_new_connections), daemon=True
            )
            light.start()
            time.sleep(5)  # warm-up, not reported: the engine's JIT, the workers' first requests
            marks = [(time.monotonic(), "normal")]
            phases = ["normal"]
            run.phase = "normal"
            time.sleep(args.seconds / 2)
            recovery: dict[str, float | None] = {}
            for fault in args.faults:
                run.phase = fault
                phases.append(fault)
                marks.append((time.monotonic(), fault))
                proxy.set(**FAULTS[fault])
                time.sleep(args.seconds)
                proxy.clear()
                run.phase = f"after: {fault}"
                phases.append(run.phase)
                marks.append((time.monotonic(), run.phase))
                recovery[fault] = recovered(base, time.monotonic() + 30)
                time.sleep(2)
            run.stop = True
            stop.set()
            starts = {name: moment for moment, name in marks}
            for started, route, seconds, status in out.get(timeout=CLIENT_TIMEOUT + 30):
                phase = phase_at(marks, started)
                into = started - starts[phase] if phase in starts else None
                run.add(Sample(phase, route, seconds, status, into_phase=into))
            light.join(5)
            for thread in threads:
                thread.join(CLIENT_TIMEOUT + 5)
            time.sleep(1)
        stored = stored_checks(engine.url, name)
    lost = sum(max(0, n - stored.get(sid, 0)) for sid, n in run.saved_by_session.items())
    report = summarise(run, phases, recovery)
    report += (
        f"\n\nAcknowledged checks (historySaved: true): {sum(run.saved_by_session.values())}; "
        f"missing from the table afterwards: {lost}.\n"
    )
    print(report)
    if args.out:
        args.out.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
