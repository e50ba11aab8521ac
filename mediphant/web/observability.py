"""Request ids, one-line JSON logs, request metrics and the /metrics endpoint."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Blueprint, Flask, Response, g, has_request_context, request

from mediphant import metrics

bp = Blueprint("observability", __name__)

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["requestId"] = g.get("request_id")
            entry["path"] = request.path
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _start() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _VALID_ID.fullmatch(offered) else uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    started = g.get("started")
    if started is not None:
        endpoint = request.endpoint or "unmatched"
        metrics.HTTP_LATENCY.labels(endpoint, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        if response.status_code == 429:
            metrics.RATE_LIMITED.labels(endpoint).inc()
    return response


@bp.get("/metrics")
def metrics_endpoint() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)


def init_app(app: Flask) -> None:
    metrics.install()
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)
