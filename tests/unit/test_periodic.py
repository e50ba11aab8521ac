"""The worker's background thread: jobs at every tick, at once when woken."""

from __future__ import annotations

import threading

from mediphant.periodic import Periodic


def test_a_woken_thread_runs_its_jobs_before_the_next_tick() -> None:
    periodic = Periodic(interval=60.0)  # no tick within this test
    ran = threading.Event()
    periodic.add("job", ran.set)
    periodic.ensure_running()
    assert not ran.wait(0.2)  # started, but nothing is due before its tick
    periodic.wake()
    assert ran.wait(10.0)


def test_a_failing_job_does_not_stop_the_others() -> None:
    periodic = Periodic(interval=60.0)
    ran = threading.Event()

    def broken() -> None:
        raise RuntimeError("boom")

    periodic.add("broken", broken)
    periodic.add("job", ran.set)
    periodic.run_once()
    assert ran.is_set()
