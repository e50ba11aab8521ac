"""One background thread per worker process, for work that must not wait for a request.

Started lazily by the first caller in each process, so under gunicorn it runs in the
worker that uses it and never in the master (a thread does not survive a fork).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs every registered job every `interval` seconds, in a daemon thread."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self._jobs: list[Callable[[], object]] = []
        self._pid: int | None = None
        self._lock = threading.Lock()

    def add(self, job: Callable[[], object]) -> None:
        with self._lock:
            if job not in self._jobs:
                self._jobs.append(job)
        self.ensure_running()

    def ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="mediphant-periodic", daemon=True).start()

    def run_once(self) -> None:
        for job in list(self._jobs):
            try:
                job()
            except Exception:  # a failed job must not stop the others or the thread
                log.warning(
                    "background job %s failed", getattr(job, "__qualname__", job), exc_info=True
                )

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.run_once()


PERIODIC = Periodic()
