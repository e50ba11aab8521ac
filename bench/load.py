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
import datetime as dt
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# bench/ is on sys.path as the script's folder (and in the spawned load processes, which
# inherit sys.path), so its modules import by name.
from calls import capacity_breakdown, describe, measure_calls
from harness import (
    CPUS,
    REGION,
    ROOT,
    Bench,
    PhaseResult,
    app_env,
    gunicorn,
    load_average,
    pool_init,
    prepare_clients,
    rss_kib,
    warm_up,
)
from report import evaluate, machine, write_report

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_CONCURRENCY = 16


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
        store.configure(table_name, REGION, engine.url, timeout_seconds=5.0)  # a cold engine
        table.create()
        log(f"table {table_name} created on {engine.url}")

        log("DynamoDB calls and capacity per request (in-process test client)")
        call_rows, page_bytes = measure_calls(engine.url, table_name)
        for row in call_rows:
            log(
                f"  {row.label}: {row.calls} calls ({describe(row.critical)}) "
                f"{row.units():g} units; after response: {describe(row.after)}"
            )
        indexes = capacity_breakdown(engine.url, table_name)

        pool = multiprocessing.get_context("spawn").Pool(args.processes, initializer=pool_init)
        bench = Bench(
            pool=pool,
            processes=args.processes,
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

        env = app_env(engine.url, table_name, f"{tmp.name}/m2")
        saturation: dict[str, PhaseResult] = {}
        half: dict[str, PhaseResult] = {}
        rss: list[int] = []
        master_rss = 0
        log(f"the app, {args.workers} workers")
        with gunicorn("wsgi:app", args.workers, env, Path(tmp.name) / "app.log") as server:
            warm_up(server, args.workers)
            # The floor every page shares: the app's middleware with no template, session or
            # table call. Measured at saturation only; the targets compare with it.
            healthz = prepare_clients(server, "healthz", args.concurrency, 0)
            saturation["healthz"] = bench.run("healthz", "closed", healthz, server)
            all_results.append(saturation["healthz"])
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
