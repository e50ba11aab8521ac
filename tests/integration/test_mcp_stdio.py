"""`flask --app mediphant mcp` over stdio, driven by the SDK's own client and by the official
TypeScript client; a check must answer exactly as POST /api/interactions does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from mcp import Client, StdioServerParameters

from mediphant.domain.faq import NOT_MEDICAL_ADVICE
from mediphant.mcp.tools import TOOLS
from tests.asyncio_thread import run_async

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / ".cache" / "node"
TS_SDK = NODE_DIR / "node_modules" / "@modelcontextprotocol" / "sdk" / "package.json"
TS_CLIENT = ROOT / "tests" / "mcp" / "ts_client.mjs"
PAIRS = json.loads((ROOT / "tests" / "data" / "interaction_pairs.json").read_text())
# Pairs both sides of the evaluation set, plus names that are unknown, corrected or the same.
COMPARED = [(p["a"], p["b"]) for p in PAIRS["risky"][:25] + PAIRS["safe"][:15]] + [
    ("warfarin", "Advil"),
    ("warfrin", "zzqxv"),
    ("Tylenol", "paracetamol"),
    ("metformin", "contrast dye"),
]


def stdio_server() -> StdioServerParameters:
    """The command an assistant's configuration runs (no table, no secret needed)."""
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "flask", "--app", "mediphant", "mcp"],
        env={**os.environ, "MEDIPHANT_ENV": "development"},
        cwd=str(ROOT),
    )


GOOD_AND_BAD = [
    ("check_medication_list", {"names": ["warfarin", "Advil", "sertraline"]}, None),
    ("check_medication_list", {"names": ["Advil"] * 11}, "at most 10 medications"),
    ("resolve_medication", {"name": "Coumadin"}, None),
    ("resolve_medication", {"name": "x" * 101}, "at most 100 characters"),
    ("search_faq", {"question": "is it safe to drink alcohol with medicines"}, None),
    ("search_faq", {"question": ["alcohol"]}, "Enter a question"),
]


def test_stdio_server_answers_as_the_web_api(client: FlaskClient) -> None:
    async def session() -> tuple[Any, list[Any], Any, list[Any]]:
        async with Client(stdio_server()) as mcp:
            tools = await mcp.list_tools()
            checks = [
                await mcp.call_tool("check_interaction", {"medA": a, "medB": b})
                for a, b in COMPARED
            ]
            bad = await mcp.call_tool("check_interaction", {"medA": "", "medB": None})
            others = [await mcp.call_tool(name, args) for name, args, _ in GOOD_AND_BAD]
            return tools, checks, bad, others

    tools, checks, bad, others = run_async(session)
    # The schemas listed over the wire are the ones the server declares.
    assert [(t.name, t.input_schema, t.output_schema) for t in tools.tools] == [
        (spec.name, spec.input_schema, spec.output_schema) for spec in TOOLS
    ]
    for (a, b), result in zip(COMPARED, checks, strict=True):
        response = client.post("/api/interactions", json={"medA": a, "medB": b})
        assert response.status_code == 200
        api = {k: v for k, v in response.get_json().items() if k != "historySaved"}
        assert not result.is_error
        assert result.structured_content == {**api, "notice": NOT_MEDICAL_ADVICE}, (a, b)
    assert bad.is_error
    assert "medA: Enter the first medication." in bad.content[0].text
    assert "medB: Enter the second medication." in bad.content[0].text
    for (name, _, error), result in zip(GOOD_AND_BAD, others, strict=True):
        if error is None:
            assert not result.is_error, name
            assert result.structured_content["notice"] == NOT_MEDICAL_ADVICE
        else:
            assert result.is_error and error in result.content[0].text, name
    assert others[0].structured_content["pairs"][0]["severity"] == "major"
    assert others[2].structured_content["name"] == "warfarin"
    assert others[4].structured_content["confident"] is True


def test_the_official_typescript_client() -> None:
    """@modelcontextprotocol/sdk (installed by `make test`) over stdio: list, call, check."""
    node = shutil.which("node")
    if node is None or not TS_SDK.exists():
        pytest.fail(f"node or the TypeScript MCP SDK missing at {TS_SDK}; `make test` installs it")
    done = subprocess.run(
        [node, str(TS_CLIENT), str(NODE_DIR), sys.executable],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["server"]["name"] == "mediphant"
    assert [t["name"] for t in out["tools"]] == [
        "check_interaction",
        "check_medication_list",
        "resolve_medication",
        "search_faq",
    ]
    assert all(t["hasOutputSchema"] for t in out["tools"])
    # The client validated the structured content against the tool's output schema.
    data = out["call"]["structured"]
    assert out["call"]["isError"] is False
    assert data["pair"] == ["warfarin", "Advil"]
    assert data["status"] == "interaction" and data["severity"] == "major"
    assert data["reason"] == "increased bleeding risk"
    assert data["resolved"][1]["name"] == "ibuprofen"
    assert data["sources"] and all(s["url"].startswith("https://") for s in data["sources"])
    assert data["notice"] == NOT_MEDICAL_ADVICE
    assert "MAJOR — increased bleeding risk" in out["call"]["text"]
    assert out["bad"]["isError"] is True
    assert "medB: The second medication must be text." in out["bad"]["text"]
    assert out["resources"] == ["mediphant://disclaimer", "mediphant://knowledge-base"]
