"""Schemathesis fuzzes the JSON API, from its own OpenAPI description, on a live gunicorn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mediphant.web.openapi import SPEC
from tests.conftest import ProxiedEngine, make_app
from tests.live import serve

# What counts as refusing invalid input: schemathesis's 4xx defaults, plus 413 (body too
# large) and 414 (a query string past gunicorn's 4 KB request line, refused before the
# app). Server errors are failures here and in the not-a-server-error check.
_REJECTIONS = [400, 401, 403, 404, 405, 406, 409, 413, 414, 415, 422, 428, 429]
schema = schemathesis.openapi.from_dict(
    SPEC,
    config=SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": _REJECTIONS}}}
    ),
)


@pytest.fixture(scope="module")
def live_url(engine: ProxiedEngine) -> Iterator[str]:
    name = "mediphant-fuzz"
    app = make_app(engine, name)
    with app.app_context():
        from mediphant.store import table

        table.create()
    with serve(
        engine.url, name, workers=2, env={"MEDIPHANT_RATE_LIMIT": "100000 per minute"}
    ) as url:
        yield url


def test_the_served_description_is_the_fuzzed_one(live_url: str) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(live_url + "/api/openapi.json") as response:
        assert json.load(response) == json.loads(json.dumps(SPEC))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_and_never_fails(case, live_url: str) -> None:  # type: ignore[no-untyped-def]
    # "The same medicine twice" is a cross-field rule JSON Schema cannot state, so a
    # schema-valid pair may rightly get a 400; every other check applies.
    case.call_and_validate(base_url=live_url, excluded_checks=[positive_data_acceptance])
