"""A fault-injection HTTP proxy between the app and DynamoDB Local.

DynamoDB Local never throttles, never lags an index and never returns UnprocessedItems;
AWS does all three, and can also be slow or stop answering. The proxy forwards every
request to the real engine and, as set, delays the answer, holds the connection without
answering, refuses connections, answers with a DynamoDB error, forwards a request and
then drops the connection before the answer (the write landed, the client cannot know),
sends the answer a few bytes at a time, each piece sooner than a client's read time-out
(a network that trickles: no single read ever times out),
leaves recently written items out of GSI1 Query results (AWS's index lag), or returns
part of a BatchWriteItem as UnprocessedItems. `share` applies the latency, hold, error or
cut to that share of the requests it names, spread evenly (an intermittent fault).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from mediphant.store.local import free_port

ERROR_STATUS = {
    "ThrottlingException": 400,
    "ProvisionedThroughputExceededException": 400,
    "RequestLimitExceeded": 400,
    "InternalServerError": 500,
    "ServiceUnavailable": 503,
}
HOLD_LIMIT_SECONDS = 120.0
DRIP_BYTES = 16
INDEX = "GSI1"
KEY_NAMES = ("PK", "SK")


@dataclass(frozen=True)
class Faults:
    """What the proxy does to each request. The default forwards everything untouched."""

    latency: float = 0.0  # seconds added before each answer
    hold: bool = False  # read requests, never answer (until the faults change)
    refuse: bool = False  # no listener: connections are refused
    error: str | None = None  # answer with this DynamoDB error code instead of forwarding
    cut: bool = False  # forward the request, then close the connection without answering
    drip: float = 0.0  # send the answer DRIP_BYTES at a time, this many seconds apart
    share: float = 1.0  # of the requests named, the share the faults above apply to
    operations: frozenset[str] = field(default_factory=frozenset)  # empty = every operation
    index_lag: float = 0.0  # GSI1 Query leaves out items written less than this long ago
    unprocessed: float = 0.0  # share of each BatchWriteItem returned as UnprocessedItems

    def applies_to(self, operation: str) -> bool:
        return not self.operations or operation in self.operations


class FaultProxy:
    """Listen on a loopback port; forward to `upstream` with the faults currently set."""

    def __init__(self, upstream: str, port: int | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.port = port or free_port()
        self.faults = Faults()
        self.changed = threading.Condition()
        self.written: dict[tuple[str, str], float] = {}  # item key -> monotonic write time
        self.counts: dict[str, int] = {}  # requests seen, by operation
        self.faulted = 0  # requests the faults were applied to since they were set
        self.cut_bodies: list[bytes] = []  # what the cut requests carried (a resend repeats one)
        self._named = 0  # requests the faults' operations named, since the faults changed
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._stopped = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- control ------------------------------------------------------------------

    def set(self, **faults: Any) -> None:
        """Replace the faults (unnamed ones go back to their defaults)."""
        self._apply(Faults(**faults))

    def update(self, **faults: Any) -> None:
        """Change some faults, keep the others."""
        self._apply(replace(self.faults, **faults))

    def clear(self) -> None:
        self._apply(Faults())

    def _apply(self, faults: Faults) -> None:
        with self.changed:
            was_refusing = self.faults.refuse
            self.faults = faults
            self._named = self.faulted = 0
            self.changed.notify_all()
        if faults.refuse and not was_refusing:
            self._close_listener()
            self._drop_connections()
        elif was_refusing and not faults.refuse:
            self._open_listener()

    @contextmanager
    def faulty(self, **faults: Any) -> Iterator[FaultProxy]:
        """Apply faults for the block, then forward normally again."""
        self.set(**faults)
        try:
            yield self
        finally:
            self.clear()

    # --- lifecycle ----------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._open_listener()
        return self

    def stop(self) -> None:
        self._stopped = True
        with self.changed:
            self.changed.notify_all()
        self._close_listener()
        self._drop_connections()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _open_listener(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(256)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _drop_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    # --- one client connection ----------------------------------------------------

    def _serve(self, conn: socket.socket) -> None:
        upstream: http.client.HTTPConnection | None = None
        reader = conn.makefile("rb")
        try:
            while not self._stopped:
                request = _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                operation = headers.get("x-amz-target", "").rpartition(".")[2]
                with self._lock:
                    self.counts[operation] = self.counts.get(operation, 0) + 1
                faults = self.faults
                active = faults.hold or faults.latency or faults.error or faults.cut or faults.drip
                hit = bool(active) and faults.applies_to(operation) and self._takes_fault(faults)
                if faults.hold and hit:
                    self._hold()
                    return
                if faults.latency and hit:
                    time.sleep(faults.latency)
                if faults.error and hit:
                    status, payload = _error(faults.error)
                else:
                    if upstream is None:
                        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
                    status, payload = self._forward(upstream, method, path, headers, body, faults)
                    if faults.cut and hit:
                        with self._lock:
                            self.cut_bodies.append(body)
                        return  # the engine has done it; the client hears nothing
                if faults.drip and hit:
                    self._drip(conn, _response(status, payload), faults.drip)
                else:
                    conn.sendall(_response(status, payload))
        except OSError:
            return
        except Exception:  # a bug of the proxy's own: say so instead of dropping silently
            traceback.print_exc()
            raise
        finally:
            reader.close()
            with self._lock:
                self._connections.discard(conn)
            conn.close()
            if upstream is not None:
                upstream.close()

    def _takes_fault(self, faults: Faults) -> bool:
        """Whether this named request is one of the `share` that get the faults: the n-th
        does when n x share passes a whole number, so they are spread evenly."""
        with self._lock:
            self._named += 1
            n = self._named
            hit = math.floor(n * faults.share) > math.floor((n - 1) * faults.share)
            if hit:
                self.faulted += 1
        return hit

    def _hold(self) -> None:
        """Keep the connection open without answering until the faults change."""
        deadline = time.monotonic() + HOLD_LIMIT_SECONDS
        with self.changed:
            while self.faults.hold and not self._stopped and time.monotonic() < deadline:
                self.changed.wait(0.5)

    def _drip(self, conn: socket.socket, answer: bytes, pause: float) -> None:
        """Send the answer in small pieces; stop early if the faults change."""
        for start in range(0, len(answer), DRIP_BYTES):
            with self.changed:
                if self._stopped or not self.faults.drip:
                    conn.sendall(answer[start:])
                    return
            conn.sendall(answer[start : start + DRIP_BYTES])
            time.sleep(pause)

    def _forward(
        self,
        upstream: http.client.HTTPConnection,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        faults: Faults,
    ) -> tuple[int, bytes]:
        operation = headers.get("x-amz-target", "").rpartition(".")[2]
        request = json.loads(body) if body else {}
        lagged_query = (
            faults.index_lag and operation == "Query" and request.get("IndexName") == INDEX
        )
        held_back: list[dict[str, Any]] = []
        if lagged_query:
            body, restore = _widen_query(request)
        elif faults.unprocessed and operation == "BatchWriteItem":
            body, held_back = _split_batch(request, faults.unprocessed)
        self._note_writes(operation, json.loads(body) if body else {})
        upstream.request(method, path, body=body, headers=_forwarded(headers, len(body)))
        answer = upstream.getresponse()
        status, payload = answer.status, answer.read()
        if status != 200:
            return status, payload
        if lagged_query:
            payload = self._lag(json.loads(payload), restore, faults.index_lag)
        elif held_back:
            payload = _with_unprocessed(json.loads(payload), held_back)
        return status, payload

    def _note_writes(self, operation: str, request: dict[str, Any]) -> None:
        now = time.monotonic()
        keys: list[dict[str, Any]] = []
        if operation in ("PutItem",):
            keys.append(request.get("Item", {}))
        elif operation in ("UpdateItem",):
            keys.append(request.get("Key", {}))
        elif operation == "BatchWriteItem":
            for writes in request.get("RequestItems", {}).values():
                keys.extend(w["PutRequest"]["Item"] for w in writes if "PutRequest" in w)
        elif operation == "TransactWriteItems":
            for action in request.get("TransactItems", []):
                for kind, spec in action.items():
                    if kind == "Put":
                        keys.append(spec.get("Item", {}))
                    elif kind == "Update":
                        keys.append(spec.get("Key", {}))
        with self._lock:
            for item in keys:
                key = _key(item)
                if key is not None:
                    self.written[key] = now

    def _lag(self, answer: dict[str, Any], restore: dict[str, Any], lag: float) -> bytes:
        """Leave out items written less than `lag` ago, as an index that has not caught up."""
        if "Items" not in answer:  # Select COUNT: nothing to leave out item by item
            return json.dumps(answer).encode()
        now = time.monotonic()
        with self._lock:
            visible = [
                item
                for item in answer.get("Items", [])
                if now - self.written.get(_key(item) or ("", ""), -math.inf) >= lag
            ]
        limit = restore.get("Limit")
        truncated = limit is not None and len(visible) > limit
        if truncated:
            visible = visible[:limit]
        if truncated or answer.get("LastEvaluatedKey"):
            last = visible[-1] if visible else None
            if last is not None:
                answer["LastEvaluatedKey"] = {
                    name: last[name] for name in (*KEY_NAMES, "GSI1PK", "GSI1SK") if name in last
                }
        projected = restore.get("projected")
        if projected is not None:
            visible = [{k: v for k, v in item.items() if k in projected} for item in visible]
        answer["Items"] = visible
        answer["Count"] = len(visible)
        return json.dumps(answer).encode()


def _key(item: dict[str, Any]) -> tuple[str, str] | None:
    try:
        return item["PK"]["S"], item["SK"]["S"]
    except (KeyError, TypeError):
        return None


def _widen_query(request: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """Ask the engine for every item, with its key attributes, so the proxy can leave out
    the lagging ones and then apply the caller's Limit and projection itself."""
    restore: dict[str, Any] = {}
    if "Limit" in request:
        restore["Limit"] = request.pop("Limit")
    projection = request.get("ProjectionExpression")
    if projection is not None:
        names = request.setdefault("ExpressionAttributeNames", {})
        restore["projected"] = {
            names.get(part.strip(), part.strip()) for part in projection.split(",")
        }
        extra = [a for a in (*KEY_NAMES, "GSI1PK", "GSI1SK") if a not in restore["projected"]]
        for n, attribute in enumerate(extra):
            names[f"#lag{n}"] = attribute
        request["ProjectionExpression"] = ", ".join(
            [projection, *(f"#lag{n}" for n in range(len(extra)))]
        )
    return json.dumps(request).encode(), restore


def _split_batch(request: dict[str, Any], share: float) -> tuple[bytes, list[dict[str, Any]]]:
    """Forward the first part of each table's writes; hold back `share` of them (at least
    one write goes through unless the share is 1, so retries make progress)."""
    held: list[dict[str, Any]] = []
    for table, writes in request.get("RequestItems", {}).items():
        keep = len(writes) - math.floor(len(writes) * share)
        if share < 1:
            keep = max(keep, 1)
        held.extend({"table": table, "write": w} for w in writes[keep:])
        request["RequestItems"][table] = writes[:keep]
    request["RequestItems"] = {t: w for t, w in request["RequestItems"].items() if w}
    return json.dumps(request).encode(), held


def _with_unprocessed(answer: dict[str, Any], held: list[dict[str, Any]]) -> bytes:
    unprocessed = answer.setdefault("UnprocessedItems", {})
    for entry in held:
        unprocessed.setdefault(entry["table"], []).append(entry["write"])
    return json.dumps(answer).encode()


def _error(code: str) -> tuple[int, bytes]:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": f"injected {code}"}
    return ERROR_STATUS.get(code, 400), json.dumps(body).encode()


def _forwarded(headers: dict[str, str], length: int) -> dict[str, str]:
    out = {k: v for k, v in headers.items() if k not in ("content-length", "connection")}
    out["content-length"] = str(length)
    return out


def _read_request(reader: Any) -> tuple[str, str, dict[str, str], bytes] | None:
    line = reader.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0") or 0))
    return method, path, headers, body


def _response(status: int, payload: bytes) -> bytes:
    reason = http.client.responses.get(status, "")
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + payload
