"""gunicorn's gthread worker with threads of its own for the pages that need no table.

A slow DynamoDB holds a worker's threads: each waits up to the read time-out, and until the
breaker opens, new checks keep arriving to wait too. In a plain gthread worker a request for
the FAQ or `/healthz` then queues behind them, though it needs no answer from the table. So
this worker reads each request's first line (without consuming it) before choosing a
thread: GET and HEAD requests for the routes that never call DynamoDB go to a small pool of
their own, everything else to gunicorn's pool as before. Behind the same GIL the light
pages still share the CPU with the checks, but they never wait for a thread a check holds.

The form page shows a returning visitor's recent checks when the table answers, and renders
without them when it does not: it is light too, and its threads wait at most 50 ms for one
of the process's DynamoDB slots (the store's guard then skips the read, and the page says
history is unavailable). The same page showing a check's result (`?medA=&medB=`, where a
check redirects) is the check's second half and goes to the main threads.

When the first line has not arrived yet, the connection waits on gunicorn's poller, as it
does after a slow client, and is routed once it is readable. Written against gunicorn 27's
ThreadWorker (pinned in pyproject.toml).
"""

from __future__ import annotations

import os
import re
import socket
from concurrent import futures
from typing import Any

from gunicorn.workers.gthread import _DEFER, ThreadWorker

from mediphant.store.guard import GUARD

# The check form's paths: light, unless they show a check's result (see is_light).
FORM_PATHS = frozenset({"/", "/interactions"})
# Pages that answer without waiting for DynamoDB (FAQ analytics and the search budget's
# counts are written by the background thread; the form page's history is optional).
LIGHT_PATHS = FORM_PATHS | {
    "/faq",
    "/api/faq",
    "/api/medications",
    "/list",
    "/healthz",
    "/metrics",
    "/privacy",
}
LIGHT_PREFIXES = ("/static/",)
_REQUEST_LINE = re.compile(rb"(?:GET|HEAD) (/[^ ?#]*)([^ ]*) HTTP/1\.[01]\r\n")
_RESULT_QUERY = re.compile(rb"[?&]med[AB]=")
PEEK_BYTES = 1024


def is_light(head: bytes) -> bool:
    """Does this request (its first bytes) go to a route that never waits on the table?

    Judged on the request line alone: another method, HTTP/2, a proxy's absolute URI or a
    line not yet complete all go to the main pool.
    """
    line = _REQUEST_LINE.match(head)
    if line is None:
        return False
    path = line.group(1).decode("latin-1")
    if path in FORM_PATHS and _RESULT_QUERY.search(line.group(2)):
        return False  # a check's result page: the check's second half
    return path in LIGHT_PATHS or path.startswith(LIGHT_PREFIXES)


class LightFirstWorker(ThreadWorker):
    """gthread with a second, small pool (GUNICORN_LIGHT_THREADS, default 2) for light routes."""

    def init_process(self) -> None:
        for listener in self.sockets:
            if listener.sock.family in (socket.AF_INET, socket.AF_INET6):
                # Wake for a new connection once its request has arrived (as nginx's
                # `deferred`), so it is routed at once instead of waiting on the poller.
                listener.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 1)
        self.light_pool = futures.ThreadPoolExecutor(
            max_workers=int(os.environ.get("GUNICORN_LIGHT_THREADS", "2")),
            thread_name_prefix="light",
            initializer=GUARD.light_thread,
        )
        super().init_process()

    def enqueue_req(self, conn: Any) -> None:
        head = self._peek(conn)
        if head is None:  # nothing to read yet: wait on the poller, without a thread
            done: futures.Future[object] = futures.Future()
            done.set_result(_DEFER)
            self.finish_request(conn, done)
            return
        pool = self.light_pool if is_light(head) else self.tpool
        submitted = pool.submit(self.handle, conn)
        submitted.add_done_callback(
            lambda fut: self.method_queue.defer(self.finish_request, conn, fut)
        )

    def _peek(self, conn: Any) -> bytes | None:
        """The bytes waiting on the connection, unread; b"" when they cannot be peeked (TLS,
        bytes already buffered by the parser); None when none have arrived yet."""
        if self.cfg.is_ssl or (conn.parser is not None and conn.parser.unreader.buf.getvalue()):
            return b""
        try:
            head = conn.sock.recv(PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None if not conn.initialized else b""
        except OSError:
            return b""  # the main pool's handler reports what went wrong
        return head

    def run(self) -> None:
        try:
            super().run()
        finally:  # as gunicorn does with its own pool
            self.light_pool.shutdown(wait=False)

    def handle_quit(self, sig: Any, frame: Any) -> None:
        self.light_pool.shutdown(wait=False)
        super().handle_quit(sig, frame)
