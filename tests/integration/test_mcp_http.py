"""`flask --app mediphant mcp --http` on a real DynamoDB Local: the SDK's client over
streamable HTTP, the per-client rate limit shared with the web API, /healthz, and an outage.

Each test speaks from its own loopback address (127.0.0.x), so each is its own client.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from mediphant.domain.faq import NOT_MEDICAL_ADVICE
from mediphant.mcp.http import RATE_LIMITED
from mediphant.store import keys, table
from mediphant.store.local import LocalEngine, free_port, is_answering
from tests.asyncio_thread import run_async
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
SECRET = "mcp-test-secret-key-0123456789"
LIMIT = 4


@contextmanager
def mcp_http(
    engine_url: str, table_name: str, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Start the HTTP server as an operator would; yield its base URL; stop it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "mediphant", "mcp", "--http", "--port", str(port)],
        cwd=ROOT,
        env={
            **os.environ,
            "MEDIPHANT_ENV": "development",
            "SECRET_KEY": SECRET,
            "MEDIPHANT_DYNAMODB_HOST": engine_url,
            "MEDIPHANT_TABLE_NAME": table_name,
            "MEDIPHANT_RATE_LIMIT": f"{LIMIT} per hour",
            # Room for a busy two-core machine (see TEST_STORAGE_LIMITS in conftest.py).
            "MEDIPHANT_DYNAMODB_TIMEOUT": "3",
            "MEDIPHANT_DYNAMODB_BUDGET": "10",
            "MEDIPHANT_DYNAMODB_SLOW": "3",
            **(env or {}),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not is_answering(url + "/healthz"):
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()[-2000:] if process.stderr else "")
            if time.monotonic() > deadline:
                raise RuntimeError("the MCP server did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def shared_table(engine: LocalEngine) -> Iterator[str]:
    name = f"mediphant-test-mcp-{uuid.uuid4().hex[:8]}"
    with make_app(engine, name).app_context():
        table.create()
    yield name
    with make_app(engine, name).app_context():
        table.drop()


@pytest.fixture(scope="module")
def server_url(engine: LocalEngine, shared_table: str) -> Iterator[str]:
    with mcp_http(engine.url, shared_table) as url:
        yield url


def listening_on(port: int) -> set[str]:
    """The local addresses with a listening TCP socket on `port` (Linux /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
    return found


def session(url: str, address: str, body: Any, forwarded_for: str | None = None) -> Any:
    """Run `body(client)` in one MCP session whose requests come from `address`."""

    async def main() -> Any:
        transport = httpx2.AsyncHTTPTransport(local_address=address)
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        async with (
            httpx2.AsyncClient(transport=transport, timeout=30, headers=headers) as http,
            Client(streamable_http_client(url + "/mcp", http_client=http)) as client,
        ):
            return await body(client)

    return run_async(main)


async def limited(client: Client) -> MCPError | None:
    """Call a tool; the protocol error it got, or None when it was answered."""
    try:
        await client.call_tool("resolve_medication", {"name": "warfarin"})
    except MCPError as exc:
        return exc
    return None


def test_http_server_lists_and_answers_and_writes_only_counters(
    server_url: str, shared_table: str, dynamodb: Any
) -> None:
    async def body(client: Client) -> tuple[Any, ...]:
        tools = await client.list_tools()
        check = await client.call_tool("check_interaction", {"medA": "warfarin", "medB": "Advil"})
        bad = await client.call_tool("check_medication_list", {"names": ["warfarin"] + ["x"] * 10})
        faq = await client.call_tool("search_faq", {"question": "what if I miss a dose"})
        summary = await client.read_resource("mediphant://knowledge-base")
        return tools, check, bad, faq, summary

    tools, check, bad, faq, summary = session(server_url, "127.0.0.2", body)
    assert len(tools.tools) == 4 and all(t.output_schema for t in tools.tools)
    assert check.structured_content["severity"] == "major"
    assert check.structured_content["notice"] == NOT_MEDICAL_ADVICE
    assert bad.is_error and "at most 10 medications" in bad.content[0].text
    assert faq.structured_content["confident"] is True
    assert '"medications": ' in summary.contents[0].text

    with urllib.request.urlopen(server_url + "/healthz", timeout=5) as response:
        assert response.status == 200 and b'"ok"' in response.read()
    # Bound to loopback by default, and a page elsewhere cannot rebind a name to it.
    assert listening_on(int(server_url.rsplit(":", 1)[1])) == {"127.0.0.1"}
    rebound = urllib.request.Request(
        server_url + "/mcp",
        data=b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}',
        headers={"Host": "attacker.example", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound, timeout=5)
    assert refused.value.code == 421

    # An assistant's checks are not a browser session's history: only the counters are kept,
    # under a keyed hash of the address, never the address itself.
    items = dynamodb.scan(TableName=shared_table)["Items"]
    assert items and {item["EntityType"]["S"] for item in items} == {"RATE_LIMIT"}
    client_key = keys.client_key(SECRET, "127.0.0.2")
    assert any(client_key in item["PK"]["S"] for item in items)
    assert not any("127.0.0.2" in str(item) for item in items)
    counted = [i for i in items if client_key in i["PK"]["S"]]
    assert int(counted[0]["Data"]["M"]["count"]["N"]) == 3  # three tool calls, not the rest


def test_a_client_over_the_limit_gets_the_limit_error_and_another_does_not(
    server_url: str,
) -> None:
    async def over(client: Client) -> list[MCPError | None]:
        return [await limited(client) for _ in range(LIMIT + 2)]

    errors = session(server_url, "127.0.0.3", over)
    assert errors[:LIMIT] == [None] * LIMIT
    for error in errors[LIMIT:]:
        assert error is not None and error.code == RATE_LIMITED
        assert error.message.startswith("Too many requests; please wait")
        assert 0 < error.data["retryAfter"] <= 3600

    async def listing_and_one_call(client: Client) -> tuple[int, MCPError | None]:
        return len((await client.list_tools()).tools), await limited(client)

    # Listing tools is not a tool call: still free for the limited client.
    assert session(server_url, "127.0.0.3", listing_and_one_call)[0] == 4
    # Without a trusted proxy, a client cannot pick another identity with a header.
    assert session(server_url, "127.0.0.3", limited, forwarded_for="198.51.100.7") is not None
    # A second client is unaffected.
    assert session(server_url, "127.0.0.4", limited) is None


def test_tool_calls_and_the_web_api_share_one_budget(
    server_url: str, engine: LocalEngine, shared_table: str
) -> None:
    async def two_calls(client: Client) -> list[MCPError | None]:
        return [await limited(client), await limited(client)]

    assert session(server_url, "127.0.0.5", two_calls) == [None, None]
    web = make_app(
        engine, shared_table, secret_key=SECRET, rate_limit=f"{LIMIT} per hour"
    ).test_client()
    statuses = [
        web.post(
            "/api/interactions",
            json={"medA": "warfarin", "medB": "Advil"},
            environ_base={"REMOTE_ADDR": "127.0.0.5"},
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    error = session(server_url, "127.0.0.5", limited)
    assert error is not None and error.code == RATE_LIMITED


def test_behind_a_proxy_the_forwarded_address_is_the_client(
    engine: LocalEngine, shared_table: str
) -> None:
    async def over(client: Client) -> list[MCPError | None]:
        return [await limited(client) for _ in range(LIMIT + 1)]

    with mcp_http(engine.url, shared_table, {"MEDIPHANT_TRUSTED_PROXIES": "1"}) as url:
        first = session(url, "127.0.0.1", over, forwarded_for="198.51.100.7")
        second = session(url, "127.0.0.1", limited, forwarded_for="198.51.100.8")
    assert first[:LIMIT] == [None] * LIMIT and first[LIMIT] is not None
    assert second is None


def test_tool_calls_are_answered_while_dynamodb_is_down(engine: LocalEngine) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with mcp_http(dead, "mediphant-nowhere", {"MEDIPHANT_DYNAMODB_TIMEOUT": "0.5"}) as url:

        async def body(client: Client) -> list[Any]:
            return [
                await client.call_tool("check_interaction", {"medA": "warfarin", "medB": "Advil"})
                for _ in range(3)
            ]

        results = session(url, "127.0.0.6", body)
    assert [r.structured_content["severity"] for r in results] == ["major"] * 3
