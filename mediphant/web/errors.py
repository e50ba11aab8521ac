"""Errors answered from one place: an HTML page for browsers, the JSON shape for the API."""

from __future__ import annotations

import logging
from typing import NoReturn

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

bp = Blueprint("errors", __name__)

MESSAGES = {
    400: "The request could not be understood.",
    404: "There is no page at this address.",
    405: "This address does not accept that kind of request.",
    413: "What you sent is too large.",
    429: "Too many requests; please wait a moment and try again.",
    500: "Something went wrong on our side; please try again.",
    503: "The service is temporarily unavailable; please try again shortly.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, message: str) -> ResponseReturnValue:
    return jsonify({"error": message}), status


def validation_error(errors: dict[str, str]) -> ResponseReturnValue:
    details = [{"field": name, "message": message} for name, message in errors.items()]
    return jsonify({"error": "validation failed", "details": details}), 400


def handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = MESSAGES.get(status, exc.name)
    if isinstance(exc, CSRFError):
        message = "Your form expired or came from elsewhere; reload the page and try again."
    if wants_json():
        response = jsonify({"error": message})
    else:
        response = make_response(render_template("error.html", status=status, message=message))
    response.status_code = status
    for name, value in exc.get_headers():
        if name.lower() != "content-type":  # keep Allow, Retry-After, WWW-Authenticate
            response.headers[name] = value
    return response


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error")
    return handle_http(InternalServerError())


@bp.get("/errors/too-large")
@bp.get("/api/errors/too-large")
def too_large() -> NoReturn:
    """Where nginx sends a body it refused for size (deploy/nginx/mediphant.conf), so the
    refusal is this site's 413 page, or its JSON error under /api/, not nginx's own."""
    abort(413)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
