"""Slow clients: each sends a check's body one byte every 100 ms, holding whatever reads it.

Shared by the proxy test and bench/slow_clients.py, which time a normal visitor's pages
while they dribble, through nginx and straight to gunicorn.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.live import UnixConnection
from tests.proxy.stack import Proxy, fetch, insecure_tls

SLOW_CLIENTS = 20
BYTE_EVERY = 0.1  # seconds
BODY = urllib.parse.urlencode(
    {"medA": "warfarin", "medB": "ibuprofen", "csrf_token": "t" * 88}
).encode()
HEAD = (
    "POST / HTTP/1.1\r\nHost: localhost\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    f"Content-Length: {len(BODY)}\r\n\r\n"
).encode()


@dataclass(frozen=True)
class Route:
    """How the slow clients connect and how the normal visitor asks for a page (path,
    time-out; the status comes back)."""

    name: str
    connect: Callable[[float], socket.socket]
    visit: Callable[[str, float], int]


def through_nginx(proxy: Proxy) -> Route:
    def connect(timeout: float) -> socket.socket:
        raw = socket.create_connection(("127.0.0.1", proxy.https_port), timeout=timeout)
        return insecure_tls().wrap_socket(raw, server_hostname="localhost")

    def visit(path: str, timeout: float) -> int:
        return fetch(proxy, path, source="127.0.0.10", timeout=timeout).status

    return Route("through nginx", connect, visit)


def straight_to_gunicorn(proxy: Proxy) -> Route:
    def connect(timeout: float) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(str(proxy.socket))
        return sock

    def visit(path: str, timeout: float) -> int:
        connection = UnixConnection(proxy.socket, timeout=timeout)
        try:
            connection.request("GET", path)
            return connection.getresponse().status
        finally:
            connection.close()

    return Route("straight to gunicorn", connect, visit)


def _dribble(route: Route, stop: threading.Event, held: list[bool], timeout: float) -> None:
    """Send the head at once, then the body a byte every BYTE_EVERY until done or told to
    stop; note whether the connection was still open then."""
    try:
        with route.connect(timeout) as sock:
            sock.sendall(HEAD)
            for byte in BODY:
                if stop.wait(BYTE_EVERY):
                    break
                sock.sendall(bytes([byte]))
            held.append(True)
            return
    except OSError:
        pass
    held.append(False)


@contextmanager
def slow_clients(route: Route, timeout: float = 30) -> Iterator[list[bool]]:
    """SLOW_CLIENTS clients dribbling a check's body; yields once they are all under way a
    list that, after the block, says for each whether it was still connected at the end."""
    stop = threading.Event()
    held: list[bool] = []
    threads = [
        threading.Thread(target=_dribble, args=(route, stop, held, timeout), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.5)  # every slow client connected and a few bytes into its body
    try:
        yield held
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def page_seconds(route: Route, visits: int, give_up: float, path: str = "/") -> list[float]:
    """How long the page took on each of `visits` visits, one after another; stops at the
    first that did not answer within `give_up` seconds (counted as `give_up`)."""
    seconds = []
    for _ in range(visits):
        started = time.perf_counter()
        try:
            status = route.visit(path, give_up)
        except TimeoutError:
            return [*seconds, give_up]
        if status != 200:
            raise AssertionError(f"{path} answered {status}")
        seconds.append(time.perf_counter() - started)
    return seconds


def wait_until_gunicorn_recovers(proxy: Proxy, timeout: float = 30) -> None:
    """After the slow clients hang up, gunicorn's workers are free again within moments."""
    route = straight_to_gunicorn(proxy)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if route.visit("/", 5) == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not recover from the slow clients")
