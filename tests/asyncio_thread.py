"""Run a coroutine function to completion from a synchronous test.

In its own thread: Playwright's sync API (the browser tests) keeps an event loop running
in the main thread for the whole session, where `anyio.run` would refuse to start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio

T = TypeVar("T")


def run_async(main: Callable[[], Awaitable[T]]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, main).result()
