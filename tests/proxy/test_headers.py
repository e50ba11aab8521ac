"""What arrives through nginx: the app's headers once each, the 413 in the site's style, the
request id nginx made, static files cached and compressed, plain HTTP redirected."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import urllib.parse

import pytest

from mediphant.web.headers import HEADERS
from tests.live import ROOT
from tests.proxy.stack import Proxy, fetch, wait_for_line

pytestmark = pytest.mark.proxy

OVERSIZED = 70 * 1024


def test_security_headers_arrive_once_each_with_hsts_over_https(proxy: Proxy) -> None:
    answer = fetch(proxy, "/")
    assert answer.status == 200
    for name, value in HEADERS.items():
        assert answer.all(name) == [value], name
    # The app sends HSTS because nginx told it the request came over HTTPS; nginx adds none.
    assert answer.all("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
    assert answer.all("Server") == ["nginx"]  # server_tokens off: no version


def test_plain_http_is_redirected_to_https_without_reaching_the_app(proxy: Proxy) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    connection.request("GET", "/history?x=1", headers={"Host": "localhost"})
    response = connection.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == "https://localhost/history?x=1"
    assert response.getheader("X-Request-ID") is None  # nginx answered alone
    connection.close()


def test_an_oversized_form_gets_the_sites_413_page(proxy: Proxy) -> None:
    body = urllib.parse.urlencode({"medA": "warfarin", "medB": "x" * OVERSIZED}).encode()
    answer = fetch(
        proxy,
        "/",
        method="POST",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 413
    assert answer.header("Content-Type") == "text/html; charset=utf-8"
    page = answer.body.decode()
    assert "What you sent is too large." in page
    assert 'href="/static/css/site.css"' in page  # the site's layout, not nginx's page
    assert "nginx" not in page
    assert answer.all("Content-Security-Policy") == [HEADERS["Content-Security-Policy"]]


def test_an_oversized_api_body_gets_the_json_413(proxy: Proxy) -> None:
    body = json.dumps({"medA": "warfarin", "medB": "x" * OVERSIZED}).encode()
    answer = fetch(
        proxy,
        "/api/interactions",
        method="POST",
        body=body,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 413
    assert answer.header("Content-Type") == "application/json"
    assert json.loads(answer.body) == {"error": "What you sent is too large."}


def test_a_body_just_under_the_limit_reaches_the_app(proxy: Proxy) -> None:
    filler = "x" * (64 * 1024 - 200)
    body = json.dumps({"medA": "warfarin", "medB": "ibuprofen", "note": filler}).encode()
    assert len(body) <= 64 * 1024
    answer = fetch(
        proxy,
        "/api/interactions",
        method="POST",
        body=body,
        headers={"Content-Type": "application/json"},
        source="127.0.0.9",
    )
    assert answer.status == 200  # the app ignores the extra field and checks the pair
    assert json.loads(answer.body)["isPotentiallyRisky"] is True


def test_requests_after_a_refused_body_are_answered(proxy: Proxy) -> None:
    # nginx asks the app for the 413 page with the refused body's Content-Length and no
    # body: a connection to gunicorn kept for reuse would then swallow the next request.
    oversized = json.dumps({"medA": "warfarin", "medB": "x" * OVERSIZED}).encode()
    pair = json.dumps({"medA": "warfarin", "medB": "ibuprofen"}).encode()
    headers = {"Content-Type": "application/json"}
    for _ in range(2):
        refused = fetch(proxy, "/api/interactions", "POST", oversized, headers, "127.0.0.11")
        checked = fetch(proxy, "/api/interactions", "POST", pair, headers, "127.0.0.11")
        assert (refused.status, checked.status) == (413, 200)


def test_nginx_replaces_a_client_request_id_with_its_own(proxy: Proxy) -> None:
    answer = fetch(proxy, "/", headers={"X-Request-ID": "chosen-by-the-client"})
    request_id = answer.header("X-Request-ID")
    assert request_id is not None and re.fullmatch(r"[0-9a-f]{32}", request_id)
    # nginx's access log names the same id the app echoed.
    line = wait_for_line(proxy.access_log, f"rid={request_id}")
    assert line.startswith("127.0.0.1 ") and '"GET / HTTP/1.1" 200' in line


@pytest.mark.parametrize("path", ["/static/css/site.css", "/static/js/autocomplete.js"])
def test_static_files_come_from_nginx_cached_and_compressed(proxy: Proxy, path: str) -> None:
    answer = fetch(proxy, path, headers={"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.header("X-Request-ID") is None  # served by nginx, not by the app
    assert answer.header("Cache-Control") == "max-age=3600"
    assert answer.header("Expires")
    assert answer.header("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in (answer.header("Vary") or "")
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert gzip.decompress(answer.body) == (ROOT / path.lstrip("/")).read_bytes()


def test_pages_are_compressed(proxy: Proxy) -> None:
    plain = fetch(proxy, "/faq")
    packed = fetch(proxy, "/faq", headers={"Accept-Encoding": "gzip"})
    assert plain.header("Content-Encoding") is None
    assert packed.header("Content-Encoding") == "gzip"
    assert packed.header("Content-Type") == "text/html; charset=utf-8"
    assert len(packed.body) < len(plain.body) / 2
    assert b"</html>" in gzip.decompress(packed.body)


def test_metrics_are_not_public(proxy: Proxy) -> None:
    assert fetch(proxy, "/metrics", source="127.0.0.8").status == 403


def test_readiness_answers_through_nginx(proxy: Proxy) -> None:
    answer = fetch(proxy, "/readyz")
    assert answer.status == 200
    body = json.loads(answer.body)
    assert (body["status"], body["table"]) == ("ok", "ACTIVE")
