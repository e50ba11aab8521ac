"""DynamoDB calls and capacity per request type for bench/load.py, measured in-process
(the app driven by Flask's test client, PynamoDB's signal and DEBUG log), and the
table-vs-GSI split of the units through raw boto3.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from harness import FAQ_QUERIES, PAIRS, RATE_LIMIT, REGION, SECRET_KEY


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
                head = _prefix(item.get("PK"))
                return names.get(head, head or "?") + f" ×{len(requests)}"
    item = kwargs.get("Item") or kwargs.get("Key") or {}
    head = _prefix(item.get("PK"))
    if head == "USER":
        return "MEDLIST" if _prefix(item.get("SK")) == "MEDLIST" else "SESSION"
    return names.get(head, head or "?")


class CallCounter(logging.Handler):
    """Counts DynamoDB calls (pre_dynamodb_send) and their consumed capacity (DEBUG log).

    Only the calls of the thread serving the requests count: the worker's background
    thread writes search counts, analytics and session counts on its own schedule."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.calls: list[CallRecord] = []
        self.conditional_failures = 0
        self._entities: list[str] = []
        self.after_response = False
        self.thread = threading.get_ident()

    # PynamoDB logs "Calling %s with arguments %s" just before it signals the send.
    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
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
        if threading.get_ident() != self.thread:
            return
        entity = self._entities.pop(0) if self._entities else "?"
        self.calls.append(CallRecord(operation_name, entity, after_response=self.after_response))

    def on_store_error(self, exc: Exception, expected: bool) -> None:
        if expected:
            self.conditional_failures += 1

    def reset(self) -> None:
        self.calls.clear()
        self._entities.clear()
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


def describe(records: Sequence[CallRecord]) -> str:
    if not records:
        return "none"
    counted = Counter(f"{r.operation} {r.entity}" for r in records)
    return ", ".join(f"{n}× {name}" if n > 1 else name for name, n in counted.items())


def measure_calls(engine_url: str, table_name: str) -> tuple[list[CallRow], int]:
    """Drive the app in-process and record every DynamoDB call per request type."""
    from bench_checker import TEN_MEDICINES
    from flask import Flask
    from flask.testing import FlaskClient
    from pynamodb.signals import pre_dynamodb_send

    from mediphant import create_app, store
    from mediphant.extensions import limiter
    from mediphant.store.ratelimit import RECENT_HIT_SECONDS

    app: Flask = create_app(
        {
            "env": "testing",
            "secret_key": SECRET_KEY,
            "dynamodb_host": engine_url,
            "table_name": table_name,
            "rate_limit": RATE_LIMIT,
            "WTF_CSRF_ENABLED": False,  # CSRF costs no DynamoDB call
            # Calls and units are counted here, not timed: room for a busy machine.
            "dynamodb_timeout_seconds": 5.0,
            "dynamodb_budget_seconds": 10.0,
            "dynamodb_slow_seconds": 5.0,
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
        if the minute rolled over in between (the window was created now), measure again.
        So too when the request took longer than the rate-limit headers trust a hit's own
        answer (a cold engine): they then read the counter back, which a warm one never does.
        """
        for _ in range(3):
            counter.reset()
            started = time.monotonic()
            response = request()
            slow = time.monotonic() - started >= RECENT_HIT_SECONDS
            counter.after_response = True
            response.close()  # runs call_on_close callbacks, as gunicorn does after sending
            new_window = any(
                r.entity == "RATE_LIMIT" and r.operation == "PutItem" for r in counter.calls
            )
            if not ((steady and new_window) or slow):
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
            "returning client: session and rate-limit window exist; the session's count "
            "is added by the background thread (one UpdateItem, 1 WCU, per session and second)",
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
            "returning client; the session's count as above",
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
            "its rate-limit count and FAQ_SEARCH item are written by the background thread",
        )
        record(
            "faq_api",
            "API FAQ search",
            lambda: returning.get("/api/faq?q=" + quote(FAQ_QUERIES[1])),
        )
        record(
            "medlist",
            "medication list of 10 (45 pairs checked, the 10 the history shows written)",
            lambda: returning.post("/list", data={"med": TEN_MEDICINES}),
        )
        saver = new_client()
        saver.put("/api/my-medicines", json={"medicines": TEN_MEDICINES, "version": 0}).close()
        record(
            "my_list_put",
            "save a list of 10 (API PUT)",
            lambda: saver.put(
                "/api/my-medicines", json={"medicines": TEN_MEDICINES[::-1], "version": 1}
            ),
            "one conditional PutItem replaces the list",
        )
        record("my_list_get", "read the saved list (API)", lambda: saver.get("/api/my-medicines"))
        response = record(
            "my_list_check",
            "check one medicine against a saved list of 10 (API)",
            lambda: saver.post("/api/my-medicines/check", json={"medicine": "Advil"}),
        )
        risky = len({f["with"]["id"] for f in response.get_json()["findings"]})
        rows[-1].note = f"{risky} of the 10 pairs risky: one QUERY item each, in one batch"
        record(
            "my_list_check_page",
            "check against the list (page POST)",
            lambda: saver.post("/my-medicines/check", data={"medicine": "Advil"}),
        )
        record(
            "my_list_check_page_get",
            "check against the list result page (the redirected GET)",
            lambda: saver.get("/my-medicines/check?medicine=Advil"),
        )
        for n in range(10):
            api_check(saver, n).close()
        response = record(
            "erase",
            "erase my data",
            lambda: saver.delete("/api/my-data"),
            "a Query on the visitor's partition, a GSI1 Query per session, batched deletes",
        )
        deleted = response.get_json()["deleted"]
        rows[
            -1
        ].label = (
            f"erase my data (the list, {deleted['SESSION']} session, {deleted['QUERY']} checks)"
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
