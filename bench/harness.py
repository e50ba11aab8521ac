"""Load-generation harness of bench/load.py: the workload, the HTTP and engine load run in
a pool of spawned processes, percentiles, CPU and RSS accounting from /proc, gunicorn, and
the orchestration of one measured phase with its retries.

`run_load` and `pool_init` run in the pool's processes (multiprocessing, spawn): they are
pickled by reference as `harness.<name>`, which the children import through `bench/` on
their `sys.path` (the parent's, inherited).
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CPUS = os.cpu_count() or 1
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


def op_healthz(client: Client, i: int) -> None:
    status, _, _ = client.request("GET", "/healthz", cookies=False)
    _expect(status, 200, "GET /healthz")


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
    "healthz": op_healthz,
    "check_page": op_check_page,
    "check_api": op_check_api,
    "history": op_history,
    "faq_page": op_faq_page,
    "faq_api": op_faq_api,
}
LABELS = {
    "bare": "bare Flask page `GET /`",
    "form": "form page `GET /` (new client)",
    "healthz": "liveness `GET /healthz` (the app's lightest route)",
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

    # The engine's own ceiling: the guard's production time-outs would turn a saturated
    # engine's slow answers into skipped calls, so the raw calls get room here.
    limits = replace(Settings().storage_limits, budget=10.0, slow=5.0, max_waiting=64)
    store.configure(spec["table_name"], REGION, spec["engine_url"], 5.0, limits, 64)
    _STORE_CONFIGURED[key] = True


def _engine_context(spec: dict[str, Any], index: int) -> Any:
    from mediphant.store.counters import storage_options
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
        storage = DynamoDBStorage("dynamodb://", **storage_options())
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


def pool_init() -> None:
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


def app_env(engine_url: str, table_name: str, metrics_dir: str) -> dict[str, str]:
    """The app's environment under load: production settings, a limit never reached (every
    limited request still counts in DynamoDB), one trusted proxy (X-Forwarded-For per
    simulated client)."""
    return {
        "MEDIPHANT_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "MEDIPHANT_DYNAMODB_HOST": engine_url,
        "MEDIPHANT_TABLE_NAME": table_name,
        "MEDIPHANT_RATE_LIMIT": RATE_LIMIT,
        "MEDIPHANT_TRUSTED_PROXIES": "1",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }


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
