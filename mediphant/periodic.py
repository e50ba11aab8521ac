"""One background thread per worker process, for work that must not wait for a request.

Started lazily by the first caller in each process, so under gunicorn it runs in the
worker that uses it and never in the master (a thread does not survive a fork).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs every registered job every `interval` seconds, in a daemon thread."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self._jobs: dict[str, Callable[[], object]] = {}
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._woken = threading.Event()

    def add(self, name: str, job: Callable[[], object]) -> None:
        """Run `job` once the thread runs; it replaces an earlier job of the same name (one
        app per process, but a test run builds many). Starts no thread: the first caller
        that has work calls `ensure_running`, in the worker, after the fork."""
        with self._lock:
            self._jobs[name] = job

    def ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="mediphant-periodic", daemon=True).start()

    def wake(self) -> None:
        """Run the jobs now rather than at the next tick (work is waiting)."""
        self._woken.set()

    def run_once(self) -> None:
        for job in list(self._jobs.values()):
            try:
                job()
            except Exception:  # a failed job must not stop the others or the thread
                log.warning(
                    "background job %s failed", getattr(job, "__qualname__", job), exc_info=True
                )

    def _run(self) -> None:
        while True:
            self._woken.wait(self.interval)
            self._woken.clear()
            self.run_once()


PERIODIC = Periodic()
