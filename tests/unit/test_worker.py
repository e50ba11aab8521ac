"""Which requests the gunicorn worker serves from its threads for pages that need no table."""

from __future__ import annotations

import pytest

from mediphant.worker import is_light


@pytest.mark.parametrize(
    "head",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nCookie: session=abc\r\n\r\n",  # a returning visitor
        b"GET /?country=UK HTTP/1.1\r\n\r\n",
        b"GET /faq?q=missed+dose HTTP/1.1\r\n",  # the request line is enough
        b"HEAD /healthz HTTP/1.0\r\n\r\n",
        b"GET /api/faq?q=alcohol HTTP/1.1\r\n\r\n",
        b"GET /api/medications?q=warf HTTP/1.1\r\n\r\n",
        b"GET /static/app.css HTTP/1.1\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\n\r\n",
        b"GET /list HTTP/1.1\r\n\r\n",
    ],
)
def test_pages_that_need_no_table_are_light(head: bytes) -> None:
    assert is_light(head)


@pytest.mark.parametrize(
    "head",
    [
        b"POST / HTTP/1.1\r\n\r\n",  # a check writes its history
        b"GET /?medA=warfarin&medB=aspirin HTTP/1.1\r\n\r\n",  # and shows its result
        b"GET /interactions?country=UK&medB=aspirin HTTP/1.1\r\n\r\n",
        b"POST /api/interactions HTTP/1.1\r\n\r\n",
        b"GET /history HTTP/1.1\r\n\r\n",  # reads the table to answer
        b"GET /api/history HTTP/1.1\r\n\r\n",
        b"GET /readyz HTTP/1.1\r\n\r\n",  # asks the engine
        b"GET /my-medicines HTTP/1.1\r\n\r\n",
        b"GET /session HTTP/1.1\r\n\r\n",
        b"GET /faq-but-not HTTP/1.1\r\n\r\n",
        b"GET /fa",  # not all there yet
        b"",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"GET http://example.com/faq HTTP/1.1\r\n\r\n",
    ],
)
def test_everything_else_goes_to_the_main_threads(head: bytes) -> None:
    assert not is_light(head)
