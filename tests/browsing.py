"""A small HTTP client with its own cookies, for tests that drive a live gunicorn."""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class Answer:
    status: int  # 0: the connection was dropped or timed out
    seconds: float
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class Visitor:
    """One browser: cookies kept between requests, like a person's."""

    def __init__(self, base: str, timeout: float = 20.0) -> None:
        self.base = base
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, method: str, path: str, body: Any = None) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, payload, got = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, payload, got = exc.code, exc.read(), dict(exc.headers)
        except OSError:
            status, payload, got = 0, b"", {}
        return Answer(status, time.perf_counter() - started, payload, got)

    def submit(self, page: str, fields: dict[str, Any]) -> Answer:
        """Post a form the way a browser does: the page first, for its CSRF token."""
        html = self.request("GET", page).body.decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        data = {**fields, "csrf_token": token.group(1) if token else ""}
        request = urllib.request.Request(
            self.base + page, urllib.parse.urlencode(data, doseq=True).encode(), method="POST"
        )
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:  # follows 303
                status, payload, got = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, payload, got = exc.code, exc.read(), dict(exc.headers)
        return Answer(status, time.perf_counter() - started, payload, got)

    def check(self, med_a: str = "warfarin", med_b: str = "ibuprofen") -> Answer:
        return self.request("POST", "/api/interactions", {"medA": med_a, "medB": med_b})

    def history(self) -> list[dict[str, Any]]:
        answer = self.request("GET", "/api/history")
        assert answer.status == 200, answer
        return answer.json()["history"]
