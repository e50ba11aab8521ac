"""A bare Flask app for the load benchmark: one route, one static HTML page.

It measures what the web layer alone costs (gunicorn + Flask + a response of the form
page's size) so `bench/load.py` can compare the app's pages with it. No templates, no
sessions, no extensions, no DynamoDB.

Served by bench/load.py exactly like the app, with the same settings:
    gunicorn -c gunicorn.conf.py --pythonpath bench bare_app:app

BARE_PAGE_BYTES sets the page size (bench/load.py passes the size of the app's form page).
"""

from __future__ import annotations

import os

from flask import Flask

DEFAULT_BYTES = 2400
HEAD = (
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
    "<title>Check two medicines</title></head>\n<body>\n<main>\n<h1>Check two medicines</h1>\n"
)
TAIL = "</main>\n</body>\n</html>\n"
FILLER = "<p>Type two medicines (generic or brand names) to see whether they interact.</p>\n"


def page(size: int) -> str:
    """A plain HTML page of exactly `size` bytes (or the bare frame when smaller)."""
    body = HEAD
    while len(body) + len(FILLER) + len(TAIL) <= size:
        body += FILLER
    gap = size - len(body) - len(TAIL)
    if gap > 0:
        body += " " * (gap - 1) + "\n"
    return body + TAIL


PAGE = page(int(os.environ.get("BARE_PAGE_BYTES") or DEFAULT_BYTES))

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return PAGE
