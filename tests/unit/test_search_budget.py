"""The FAQ search lease, against limits' own in-memory storage standing in for the table."""

from __future__ import annotations

import random
import time

from limits import parse
from limits.storage import MemoryStorage

from mediphant.web import search_budget
from mediphant.web.search_budget import SearchBudget

KEY = "LIMITER/client/client/100/1/minute"


def test_workers_sharing_a_budget_overshoot_it_by_a_bounded_few() -> None:
    storage = MemoryStorage()
    item = parse("100 per minute")
    workers = [SearchBudget(storage, item, shares=4) for _ in range(4)]
    rng = random.Random(7)
    admitted = 0
    for n in range(300):
        worker = workers[rng.randrange(4)]
        admitted += worker.admit(KEY).admitted
        if n % 5 == 0:  # reports arrive now and then, as after responses
            rng.choice(workers).report(KEY)
    for worker in workers:
        worker.report(KEY)
    assert 100 <= admitted <= 110
    assert storage.get(KEY) >= admitted  # every admitted search is counted


def test_a_normal_visitor_costs_one_call_per_lease_not_per_search() -> None:
    storage = MemoryStorage()
    budget = SearchBudget(storage, parse("100 per minute"), shares=4)
    calls = []
    incr = storage.incr
    storage.incr = lambda *a, **k: calls.append(1) or incr(*a, **k)  # type: ignore[method-assign]
    for _ in range(14):
        assert budget.admit(KEY).admitted
    assert len(calls) <= 2  # the first lease of 2, then a lease of about a dozen


def test_a_new_clients_count_is_learned_in_the_background_before_the_lease_runs_out(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """The first search of a client wakes the background thread, whose report brings the
    count: the third search then finds a lease and does not wait on the table."""
    woken = []
    monkeypatch.setattr(search_budget.PERIODIC, "wake", lambda: woken.append(1))
    storage = MemoryStorage()
    budget = SearchBudget(storage, parse("100 per minute"), shares=4)
    calls = []
    incr = storage.incr
    storage.incr = lambda *a, **k: calls.append(1) or incr(*a, **k)  # type: ignore[method-assign]
    assert budget.admit(KEY).admitted
    assert woken
    budget.report_all()  # what the woken thread does
    assert len(calls) == 1 and storage.get(KEY) == 1
    for _ in range(3):
        assert budget.admit(KEY).admitted
    assert len(calls) == 1  # no search waited on the table for its count


def test_without_the_table_a_worker_admits_only_its_share() -> None:
    class Down(MemoryStorage):
        def incr(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            from pynamodb.exceptions import UpdateError

            raise UpdateError("DynamoDB call skipped: circuit open")

    budget = SearchBudget(Down(), parse("100 per minute"), shares=4)
    admitted = sum(budget.admit(KEY).admitted for _ in range(100))
    assert admitted == 25  # 100 / 4 workers, none of it seen used


def _known_client(limit: str, elsewhere: int = 0) -> tuple[SearchBudget, MemoryStorage, int]:
    """A worker that has seen the client's count (the first lease, then one synchronous
    count) and has admitted one more search since; `elsewhere` were counted by others."""
    storage = MemoryStorage()
    if elsewhere:
        storage.incr(KEY, 60, amount=elsewhere)
    budget = SearchBudget(storage, parse(limit), shares=4)
    for _ in range(3):
        budget.admit(KEY)
    counted = storage.get(KEY)
    budget.admit(KEY)
    return budget, storage, counted


def _age(budget: SearchBudget, seconds: float) -> None:
    budget._views[KEY].since = time.monotonic() - seconds  # noqa: SLF001


def test_far_from_its_limit_a_count_waits_until_it_is_stale() -> None:
    """A visitor far from the limit costs a worker one report per STALE_AFTER (or per half
    lease), not one per search or per tick of the background thread."""
    budget, storage, counted = _known_client("1000 per minute")
    budget.report_all()
    assert storage.get(KEY) == counted  # one search, just now: not due
    _age(budget, search_budget.REPORT_AFTER)
    budget.report_all()
    assert storage.get(KEY) == counted  # far from the limit: a second is not stale
    _age(budget, search_budget.STALE_AFTER)
    budget.report_all()
    assert storage.get(KEY) == counted + 1
    budget.admit(KEY)
    budget.report(KEY)  # reported whether due or not
    assert storage.get(KEY) == counted + 2


def test_near_its_limit_a_count_is_reported_within_about_a_second() -> None:
    budget, storage, counted = _known_client("100 per minute", elsewhere=60)
    budget.report_all()
    assert storage.get(KEY) == counted
    _age(budget, search_budget.REPORT_AFTER)
    budget.report_all()
    assert storage.get(KEY) == counted + 1


def test_half_a_lease_is_reported_at_once() -> None:
    budget, storage, counted = _known_client("1000 per minute")
    lease = (1000 - counted) // (2 * 4)
    for _ in range(lease // 2 - 1):  # one was admitted already
        budget.admit(KEY)
    budget.report_all()
    assert storage.get(KEY) == counted + lease // 2
