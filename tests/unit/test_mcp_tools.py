"""The MCP server in process, through the SDK's own client: tools, schemas, errors, resources."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import Client
from mcp.shared.exceptions import MCPError

from mediphant.domain.faq import LOW_CONFIDENCE_ANSWER, NOT_MEDICAL_ADVICE
from mediphant.domain.interactions import Severity, default_checker
from mediphant.mcp import server
from mediphant.mcp.resources import DISCLAIMER
from tests.asyncio_thread import run_async

TOOL_NAMES = {"check_interaction", "check_medication_list", "resolve_medication", "search_faq"}


def run(body: Callable[[Client], Awaitable[Any]]) -> Any:
    """Connect the SDK's client to a fresh server in process and run `body` with it."""

    async def main() -> Any:
        async with Client(server.build()) as client:
            return await body(client)

    return run_async(main)


def call(name: str, arguments: dict[str, Any]) -> Any:
    return run(lambda client: client.call_tool(name, arguments))


def protocol_error(request: Callable[[Client], Awaitable[Any]]) -> MCPError:
    """The JSON-RPC error the server answers `request` with (caught inside the session)."""

    async def body(client: Client) -> MCPError:
        with pytest.raises(MCPError) as caught:
            await request(client)
        return caught.value

    return run(body)


def test_tools_are_listed_with_input_and_output_schemas() -> None:
    tools = run(lambda client: client.list_tools()).tools
    assert {tool.name for tool in tools} == TOOL_NAMES
    for tool in tools:
        for schema in (tool.input_schema, tool.output_schema):
            Draft202012Validator.check_schema(schema)
            assert schema["type"] == "object"
        assert tool.input_schema["additionalProperties"] is False
        assert tool.input_schema["required"]
        assert "notice" in tool.output_schema["required"]
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
    described = {tool.name: tool.description for tool in tools}
    for name in ("check_interaction", "check_medication_list", "resolve_medication"):
        assert "never evidence that it is safe" in described[name]
    for name in ("check_interaction", "check_medication_list", "search_faq"):
        assert "sources" in described[name]
    names = next(t for t in tools if t.name == "check_medication_list").input_schema
    assert names["properties"]["names"]["minItems"] == 2
    assert names["properties"]["names"]["maxItems"] == 10


@pytest.mark.parametrize(
    ("med_a", "med_b"),
    [
        ("warfarin", "Advil"),
        ("Coumadin", "aspirin"),
        ("Advil", "ibuprofen"),
        ("metformin", "contrast dye"),
    ],
)
def test_check_interaction_is_the_checkers_answer(med_a: str, med_b: str) -> None:
    result = call("check_interaction", {"medA": med_a, "medB": med_b})
    assert not result.is_error
    expected = default_checker().check(med_a, med_b).to_api()
    assert result.structured_content == {**expected, "notice": NOT_MEDICAL_ADVICE}
    text = result.content[0].text
    assert expected["reason"] in text and NOT_MEDICAL_ADVICE in text
    for source in expected["sources"]:
        assert source["url"] in text


def test_warfarin_and_advil_is_major_with_sources() -> None:
    data = call("check_interaction", {"medA": "warfarin", "medB": "Advil"}).structured_content
    assert data["status"] == "interaction" and data["severity"] == "major"
    assert data["reason"] == "increased bleeding risk"
    assert data["resolved"][1] == {
        "input": "Advil",
        "name": "ibuprofen",
        "corrected": False,
        "suggestions": [],
        "groups": [],
        "ingredients": [],
        "variants": [],
        "meanings": [],
        "elsewhere": [],
    }
    assert all(s["url"].startswith("https://") for s in data["sources"])
    assert data["otherFindings"]


def test_an_unknown_medicine_is_never_called_safe() -> None:
    result = call("check_interaction", {"medA": "warfarin", "medB": "zzqxv"})
    data = result.structured_content
    assert data["status"] == "unknown" and data["isPotentiallyRisky"] is True
    assert data["resolved"][1]["name"] is None
    assert "not evidence that the combination is safe" in result.content[0].text


def test_medication_list_gives_every_finding_most_severe_first() -> None:
    names = ["warfarin", "Advil", "sertraline", "tramadol", "zzqxv"]
    result = call("check_medication_list", {"names": names})
    data = result.structured_content
    assert data == {
        **default_checker().check_list(names).to_api(),
        "notice": NOT_MEDICAL_ADVICE,
    }
    ranks = [Severity(pair["severity"]).rank for pair in data["pairs"]]
    assert ranks == sorted(ranks, reverse=True) and len(ranks) >= 3
    assert data["checkedPairs"] == 6  # four known medicines
    assert [u["input"] for u in data["unknown"]] == ["zzqxv"]
    assert "Unknown medicine: zzqxv" in result.content[0].text


def test_resolve_medication_brand_and_unknown() -> None:
    data = call("resolve_medication", {"name": "Advil"}).structured_content
    assert data["known"] is True and data["name"] == "ibuprofen"
    assert data["matchedAs"] == "brand" and data["matchedName"] == "Advil"
    assert {"id": "nsaid", "name": "NSAIDs"} in data["classes"]
    assert "Motrin" in data["brands"]

    corrected = call("resolve_medication", {"name": "warfrin"}).structured_content
    assert corrected["known"] and corrected["corrected"] and corrected["name"] == "warfarin"

    unknown = call("resolve_medication", {"name": "ibuprofenx plus"})
    assert unknown.structured_content["known"] is False
    assert unknown.structured_content["name"] is None
    assert "not evidence" in unknown.content[0].text


def test_search_faq_answers_with_its_source_or_says_no_answer_fits() -> None:
    found = call("search_faq", {"question": "can I drink alcohol with my medicines?"})
    data = found.structured_content
    assert data["confident"] is True
    assert data["source"] == data["matches"][0]["source"]
    assert data["source"]["url"] in found.content[0].text

    missing = call("search_faq", {"question": "how do I fix my car"}).structured_content
    assert missing["confident"] is False
    assert missing["source"] is None
    assert missing["answer"] == LOW_CONFIDENCE_ANSWER


BAD_INPUT = [
    ("check_interaction", {"medA": "", "medB": "Advil"}, "medA: Enter the first medication."),
    ("check_interaction", {"medA": "warfarin"}, "medB: Enter the second medication."),
    ("check_interaction", {"medA": 5, "medB": "Advil"}, "medA: The first medication must be text."),
    ("check_interaction", {"medA": ["x"], "medB": "Advil"}, "must be text"),
    ("check_interaction", {"medA": "w" * 101, "medB": "Advil"}, "at most 100 characters"),
    ("check_interaction", {"medA": "warfarin<script>", "medB": "Advil"}, "may contain only"),
    ("check_interaction", {"medA": "Advil", "medB": "advil"}, "the same medication twice"),
    ("check_interaction", {"medA": "a", "medB": "b", "dose": 3}, "dose: Unexpected argument"),
    ("check_medication_list", {"names": ["warfarin"]}, "Enter at least two medications."),
    ("check_medication_list", {"names": ["a"] * 11}, "at most 10 medications"),
    ("check_medication_list", {"names": "warfarin, Advil"}, "Send a list of 2 to 10"),
    ("check_medication_list", {"names": ["warfarin", 7]}, "names[1]: Medication 2 must be text."),
    ("check_medication_list", {"names": ["warfarin", "x" * 101]}, "at most 100 characters"),
    ("check_medication_list", {"names": ["warfarin", "Warfarin"]}, "already in the list"),
    ("resolve_medication", {"name": ""}, "name: Enter the medication."),
    ("resolve_medication", {}, "name: Enter the medication."),
    ("search_faq", {"question": "   "}, "question: Enter a question"),
    ("search_faq", {"question": "why " * 60}, "under 200 characters"),
    ("search_faq", {"question": 42}, "question: Enter a question"),
    ("check_interaction", {"medA": "a", "medB": "b", "country": "FR"}, "country: Choose a"),
    ("check_medication_list", {"names": ["a", "b"], "country": 1}, "country: Country must be"),
    ("resolve_medication", {"name": "Benadryl", "country": "XX"}, "country: Choose a"),
]


def test_country_reads_brands_for_that_country() -> None:
    uk = call("check_interaction", {"medA": "Benadryl", "medB": "Zyrtec", "country": "UK"})
    assert uk.structured_content["status"] == "duplicate"
    assert uk.structured_content["country"] == "UK"
    us = call("check_medication_list", {"names": ["Benadryl", "Zyrtec"], "country": "US"})
    [pair] = us.structured_content["pairs"]
    assert pair["reason"] == "extra drowsiness"  # diphenhydramine with cetirizine
    anywhere = call("resolve_medication", {"name": "Benadryl"}).structured_content
    assert {m["name"] for m in anywhere["meanings"]} == {
        "diphenhydramine",
        "cetirizine",
        "acrivastine",
    }
    product = call("resolve_medication", {"name": "NyQuil Cold and Flu"}).structured_content
    assert product["ingredients"] == ["acetaminophen", "dextromethorphan", "doxylamine"]


@pytest.mark.parametrize(("tool", "arguments", "message"), BAD_INPUT)
def test_bad_input_gets_a_clear_error(tool: str, arguments: dict[str, Any], message: str) -> None:
    result = call(tool, arguments)
    assert result.is_error is True
    text = result.content[0].text
    assert text.startswith(f"Invalid arguments for {tool}.")
    assert message in text
    assert "Traceback" not in text and result.structured_content is None


def test_an_unknown_tool_is_a_protocol_error() -> None:
    error = protocol_error(lambda client: client.call_tool("check_everything", {}))
    assert error.message == "Unknown tool 'check_everything'; see tools/list."


def test_every_answer_carries_the_notice() -> None:
    calls = [
        ("check_interaction", {"medA": "lisinopril", "medB": "spironolactone"}),
        ("check_medication_list", {"names": ["metformin", "lisinopril"]}),
        ("resolve_medication", {"name": "paracetamol"}),
        ("search_faq", {"question": "what if I miss a dose"}),
    ]
    for name, arguments in calls:
        result = call(name, arguments)
        assert result.structured_content["notice"] == NOT_MEDICAL_ADVICE
        assert result.content[0].text.endswith(NOT_MEDICAL_ADVICE)


def test_resources_disclaimer_and_knowledge_base_summary() -> None:
    async def body(client: Client) -> tuple[Any, Any, Any]:
        listed = await client.list_resources()
        disclaimer = await client.read_resource("mediphant://disclaimer")
        summary = await client.read_resource("mediphant://knowledge-base")
        return listed, disclaimer, summary

    listed, disclaimer, summary = run(body)
    assert {str(r.uri) for r in listed.resources} == {
        "mediphant://disclaimer",
        "mediphant://knowledge-base",
    }
    assert disclaimer.contents[0].text == DISCLAIMER
    assert NOT_MEDICAL_ADVICE in DISCLAIMER
    facts = json.loads(summary.contents[0].text)
    checker = default_checker()
    assert facts["medications"] == len(checker.formulary.medications)
    assert facts["classes"] == len(checker.formulary.classes)
    assert facts["rules"] == len(checker.rules) == sum(facts["rulesBySeverity"].values())
    assert sum(facts["sourcesBySite"].values()) == facts["sources"] > 0
    assert date.fromisoformat(facts["dataUpdated"]) <= date.today()
    error = protocol_error(lambda client: client.read_resource("mediphant://nothing"))
    assert error.message.startswith("Unknown resource")


def test_the_web_app_does_not_load_the_mcp_sdk() -> None:
    """Only `flask mcp` imports it: gunicorn workers keep their memory."""
    code = (
        "import sys; from mediphant import create_app; "
        "create_app({'env': 'testing', 'dynamodb_host': 'http://127.0.0.1:9'}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'uvicorn')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_mcp_command_binds_to_loopback_by_default() -> None:
    from mediphant.cli import mcp_command

    options = {param.name: param.default for param in mcp_command.params}
    assert options["host"] == "127.0.0.1"
