"""The MCP server over streamable HTTP, for a hosted deployment: `/mcp`, `/healthz`, and
the web API's per-client rate limit on tool calls.

Stateless and JSON-only: every POST is answered on its own, so any number of processes can
serve behind one address and nothing about a client is kept between calls. The only
writes to the table are the rate-limit counters.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import uvicorn
from mcp.server import ServerRequestContext
from mcp.server.context import CallNext, HandlerResult
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediphant.mcp import server
from mediphant.mcp.limit import ClientLimit

PATH = "/mcp"
LOOPBACK = "127.0.0.1"
# JSON-RPC leaves -32000..-32099 to servers; this one means "refused for now, not malformed".
RATE_LIMITED = -32029
MAX_BODY_BYTES = 64 * 1024  # as the web app


class ToolCallLimit:
    """Server middleware: each tools/call counts against the caller's rate limit first."""

    def __init__(self, limit: ClientLimit) -> None:
        self._limit = limit

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if ctx.method == "tools/call":
            request = ctx.request
            client = getattr(request, "client", None)
            address = client.host if client else "unknown"
            wait = await anyio.to_thread.run_sync(self._limit.hit, address)
            if wait is not None:
                raise MCPError(
                    RATE_LIMITED,
                    f"Too many requests; please wait {wait} seconds and try again.",
                    {"retryAfter": wait},
                )
        return await call_next(ctx)


async def healthz(request: Request) -> JSONResponse:
    """The process is alive; touches nothing else (as the web app's /healthz)."""
    return JSONResponse({"status": "ok"})


def _security(public_names: tuple[str, ...]) -> TransportSecuritySettings | None:
    """DNS-rebinding protection for the names a proxy forwards; the SDK guards loopback itself."""
    if not public_names:
        return None
    names = ("127.0.0.1", "localhost", "[::1]", *public_names)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[*public_names, *(f"{name}:*" for name in names)],
        allowed_origins=[
            *(f"https://{name}" for name in public_names),
            *(f"http://{name}:*" for name in names),
        ],
    )


def app(limit: ClientLimit, host: str = LOOPBACK, public_names: tuple[str, ...] = ()) -> Starlette:
    """The ASGI app: the MCP endpoint with the limit, and /healthz."""
    mcp_server = server.build()
    mcp_server.middleware.append(ToolCallLimit(limit))
    return mcp_server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        host=host,
        transport_security=_security(public_names),
        max_request_body_size=MAX_BODY_BYTES,
        custom_starlette_routes=[Route("/healthz", healthz, methods=["GET"])],
    )


def serve(
    limit: ClientLimit,
    host: str,
    port: int,
    behind_proxy: bool,
    public_names: tuple[str, ...] = (),
) -> None:
    """Serve until interrupted. Behind a proxy, X-Forwarded-For names the client when it comes
    from an address in FORWARDED_ALLOW_IPS (uvicorn's setting; default 127.0.0.1)."""
    uvicorn.run(
        app(limit, host, public_names),
        host=host,
        port=port,
        proxy_headers=behind_proxy,  # trusted from FORWARDED_ALLOW_IPS, as gunicorn does
        log_level="warning",
    )
