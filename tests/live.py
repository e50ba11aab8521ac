"""A real gunicorn serving the app on loopback, for concurrency, browser and fuzz tests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mediphant.store.local import free_port, is_answering

ROOT = Path(__file__).resolve().parent.parent


# The production defaults of the storage guard (config.py), for the tests and benchmarks
# that measure a slow engine; every other live server gets room for a busy machine.
PRODUCTION_STORAGE_LIMITS = {
    "MEDIPHANT_DYNAMODB_TIMEOUT": "0.3",
    "MEDIPHANT_DYNAMODB_BUDGET": "0.8",
    "MEDIPHANT_DYNAMODB_SLOW": "0.25",
}


def away_from_minute_edge(needed: float = 15) -> None:
    """Wait for the next minute when fewer than `needed` seconds are left of this one, so a
    test's requests fall in one clock-aligned rate-limit window."""
    left = 60 - (time.time() % 60)
    if left < needed:
        time.sleep(left + 0.1)


class UnixConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket, the way nginx reaches gunicorn."""

    def __init__(self, socket_path: str | Path, timeout: float = 5) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = str(socket_path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def _healthy(url: str) -> bool:
    """/healthz answers 200, at an http:// URL or a `unix:` socket path."""
    try:
        if url.startswith("unix:"):
            connection = UnixConnection(url.removeprefix("unix:"), timeout=5)
            try:
                connection.request("GET", "/healthz")
                return connection.getresponse().status == 200
            finally:
                connection.close()
        return is_answering(url + "/healthz", timeout=5)
    except OSError:
        return False


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


@contextmanager
def serve(
    engine_url: str,
    table_name: str,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    unix_socket: Path | None = None,
) -> Iterator[str]:
    """Start gunicorn with `workers` workers; yield its base URL (`unix:<path>` when it
    listens on `unix_socket`); stop it afterwards."""
    with gunicorn(engine_url, table_name, workers, env, log, unix_socket) as server:
        yield server.url


@contextmanager
def gunicorn(
    engine_url: str,
    table_name: str,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    unix_socket: Path | None = None,
) -> Iterator[Server]:
    """Start gunicorn, on a loopback port or on `unix_socket`; yield it (URL, or
    `unix:<path>`, and master process); stop it afterwards unless the test already did.

    gunicorn's error log, with the app's JSON log lines, goes to `log` (a temporary file by
    default): a pipe nobody reads would fill up and block every worker that logs.
    """
    port = free_port()
    bind = f"unix:{unix_socket}" if unix_socket else f"127.0.0.1:{port}"
    environment = {
        **os.environ,
        "MEDIPHANT_ENV": "development",
        "SECRET_KEY": "live-test-secret-key-0123456789",
        "MEDIPHANT_DYNAMODB_HOST": engine_url,
        "MEDIPHANT_TABLE_NAME": table_name,
        "GUNICORN_BIND": bind,
        "WEB_CONCURRENCY": str(workers),
        # Room for a busy two-core machine (see TEST_STORAGE_LIMITS in conftest.py).
        "MEDIPHANT_DYNAMODB_TIMEOUT": "3",
        "MEDIPHANT_DYNAMODB_BUDGET": "10",
        "MEDIPHANT_DYNAMODB_SLOW": "3",
        **(env or {}),
    }
    log_file = open(log, "w+b") if log else tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    url = bind if unix_socket else f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _healthy(url):
            if process.poll() is not None:
                log_file.seek(0)
                raise RuntimeError(log_file.read().decode(errors="replace")[-2000:])
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.1)
        # Every worker imports the app before serving; give them a moment to all be up.
        for _ in range(workers * 2):
            _healthy(url)
        yield Server(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()
