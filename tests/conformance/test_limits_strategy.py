"""limits' own strategy tests (tests/test_strategy.py of the installed version) on dynamodb://.

The upstream file is fetched from the sdist into .cache/ on first use; see upstream.py.
"""

from __future__ import annotations

import pytest

from tests.conformance import limits_helpers, upstream

pytestmark = pytest.mark.conformance

_strategy = upstream.strategy_tests(limits_helpers)

TestFixedWindow = _strategy.TestFixedWindow
TestSlidingWindow = _strategy.TestSlidingWindow
TestMovingWindow = _strategy.TestMovingWindow
