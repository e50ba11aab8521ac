"""The MCP server: the tools and resources on the official SDK's low-level `Server`.

The low-level server lists the tools with the JSON Schemas from `domain/schemas.py` (the
ones the OpenAPI description publishes) and leaves argument checking to the domain's own
validation, so a bad name gets the same message as in the web API.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from mediphant.mcp.resources import BY_URI, RESOURCES
from mediphant.mcp.tools import BY_NAME, TOOLS, InvalidArguments

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Mediphant checks medication interactions against a sourced knowledge base. Call "
    "check_interaction or check_medication_list before saying anything about combining "
    "medicines, show the user the sources and the notice, and never present an unknown "
    "medicine or 'no known interaction' as safe: send the user to a pharmacist or clinician."
)
FAILED = "Mediphant could not answer this request; please try again."


async def _list_tools(
    ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    return types.ListToolsResult(
        tools=[
            types.Tool(
                name=tool.name,
                title=tool.title,
                description=tool.description,
                input_schema=tool.input_schema,
                output_schema=tool.output_schema,
                annotations=types.ToolAnnotations(
                    title=tool.title,
                    read_only_hint=True,
                    destructive_hint=False,
                    idempotent_hint=True,
                    open_world_hint=False,
                ),
            )
            for tool in TOOLS
        ]
    )


def _error(text: str) -> types.CallToolResult:
    """A tool execution error: the model reads the message and can correct its call."""
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def call(name: str, arguments: dict[str, Any] | None) -> types.CallToolResult:
    """Run one tool; bad arguments come back as an error result naming each problem."""
    tool = BY_NAME.get(name)
    if tool is None:
        raise MCPError(types.INVALID_PARAMS, f"Unknown tool {name!r}; see tools/list.")
    try:
        answer = tool.run(arguments or {})
    except InvalidArguments as exc:
        problems = " ".join(f"{field}: {message}" for field, message in exc.details.items())
        return _error(f"Invalid arguments for {name}. {problems}")
    except Exception:
        log.exception("tool %s failed", name)
        return _error(FAILED)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=answer.text)],
        structured_content=answer.data,
    )


async def _call_tool(
    ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
) -> types.CallToolResult:
    return call(params.name, params.arguments)


async def _list_resources(
    ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
) -> types.ListResourcesResult:
    return types.ListResourcesResult(
        resources=[
            types.Resource(
                uri=resource.uri,
                name=resource.name,
                title=resource.title,
                description=resource.description,
                mime_type=resource.mime_type,
            )
            for resource in RESOURCES
        ]
    )


async def _read_resource(
    ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
) -> types.ReadResourceResult:
    resource = BY_URI.get(str(params.uri))
    if resource is None:
        raise MCPError(
            types.INVALID_PARAMS, f"Unknown resource {params.uri!s}; see resources/list."
        )
    return types.ReadResourceResult(
        contents=[
            types.TextResourceContents(
                uri=resource.uri, mime_type=resource.mime_type, text=resource.read()
            )
        ]
    )


def build() -> Server[Any]:
    """A new server with Mediphant's tools and resources (one per process or test)."""
    return Server(
        "mediphant",
        version=version("mediphant"),
        title="Mediphant",
        instructions=INSTRUCTIONS,
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
        on_list_resources=_list_resources,
        on_read_resource=_read_resource,
    )


def run_stdio() -> None:
    """Serve one assistant over stdin/stdout until it closes the pipe."""
    server = build()

    async def serve() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(serve)
