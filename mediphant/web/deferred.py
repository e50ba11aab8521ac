"""Work that runs once the response has been sent, so the visitor never waits for it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, after_this_request

from mediphant.store import StoreUnavailable

log = logging.getLogger(__name__)


def after_response(what: str, work: Callable[[], object]) -> None:
    """Run `work` after the server has sent this request's response (call_on_close).

    A store failure is logged as a warning: by then there is nobody left to tell.
    """

    def run() -> None:
        try:
            work()
        except StoreUnavailable as exc:
            log.warning("%s failed: %s", what, exc.__cause__ or exc)

    @after_this_request
    def schedule(response: Response) -> Response:
        response.call_on_close(run)
        return response
