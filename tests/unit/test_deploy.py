"""deploy/: the CloudFormation template passes cfn-lint and matches the models; the IAM
policies name only the one table and its index and allow every call the code makes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file
from cfnlint.decode.cfn_yaml import load
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE

from mediphant.store.models import DEFAULT_TABLE_NAME, GSI1, Item

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "mediphant-table.yaml"
APP_POLICY = ROOT / "deploy" / "iam-policy.json"
RELEASE_POLICY = ROOT / "deploy" / "iam-release-policy.json"
STORE = ROOT / "mediphant" / "store"

TABLE_ARN = f"arn:aws:dynamodb:REGION:ACCOUNT_ID:table/{DEFAULT_TABLE_NAME}"
INDEX_ARN = f"{TABLE_ARN}/index/{GSI1.Meta.index_name}"

# How the store's code reaches DynamoDB (PynamoDB calls) -> the API action it makes.
CALLS = {
    r"\.save\(": "PutItem",
    r"\.update\(\s*actions=": "UpdateItem",
    r"\b\w*Item\.get\(": "GetItem",
    r"(?<!batch)\.delete\(": "DeleteItem",
    r"\.query\(": "Query",
    r"\.count\(": "Query",
    r"\.batch_write(?:_item)?\(": "BatchWriteItem",
    r"\.batch_get\(": "BatchGetItem",
    r"TransactWrite\(": "TransactWriteItems",
    r"TransactGet\(": "TransactGetItems",
    r"\.scan\(": "Scan",
    r"describe_table\(|\bItem\.exists\(\)": "DescribeTable",
    r"describe_time_to_live\(": "DescribeTimeToLive",
    r"create_table\(": "CreateTable",
    r"update_time_to_live\(": "UpdateTimeToLive",
    r"delete_table\(": "DeleteTable",
}
RELEASE_ONLY = {"CreateTable", "UpdateTimeToLive"}  # `flask --app mediphant db create`
OPERATOR_ONLY = {
    "Scan",  # DynamoDBStorage.reset(): an operator clearing every rate-limit counter
    "DeleteTable",  # `db drop`: never granted; the template also sets deletion protection
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load(str(TEMPLATE))


@pytest.fixture(scope="module")
def table(template: dict[str, Any]) -> dict[str, Any]:
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == 1
    return tables[0]["Properties"]


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def _metrics(alarm: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(metric name, dimensions) of every metric an alarm reads."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return [(props["MetricName"], {d["Name"]: d["Value"] for d in props.get("Dimensions", [])})]
    found = []
    for query in props["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append((metric["MetricName"], dims))
    return found


def _actions_used() -> set[str]:
    used = set()
    for path in STORE.glob("*.py"):
        source = path.read_text()
        for pattern, action in CALLS.items():
            if re.search(pattern, source):
                used.add(action)
    return used


def _policy(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_text())
    assert document["Version"] == "2012-10-17"
    return document["Statement"]


def _allowed(statements: list[dict[str, Any]], resource: str) -> set[str]:
    allowed = set()
    for statement in statements:
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        if resource in resources:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            allowed |= {a.removeprefix("dynamodb:") for a in actions}
    return allowed


# --- cfn-lint ---------------------------------------------------------------------------


def test_template_passes_cfn_lint_without_errors_or_warnings() -> None:
    matches = lint_file(TEMPLATE, ManualArgs(regions=["us-east-1", "eu-west-1"]))
    problems = [m for m in matches if m.rule.id[0] in "EW"]
    assert not problems, "\n".join(str(m) for m in problems)


# --- the table matches the models -------------------------------------------------------


def test_key_schema_and_attributes_match_the_models(
    template: dict[str, Any], table: dict[str, Any]
) -> None:
    schema = Item._get_schema()
    assert sorted((k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]) == sorted(
        (k["AttributeName"], k["KeyType"]) for k in schema["key_schema"]
    )
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [
        ("PK", "HASH"),
        ("SK", "RANGE"),
    ]
    assert sorted(
        (a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]
    ) == (sorted((a["AttributeName"], a["AttributeType"]) for a in schema["attribute_definitions"]))
    assert table["TableName"] == {"Ref": "TableName"}
    assert template["Parameters"]["TableName"]["Default"] == DEFAULT_TABLE_NAME


def test_gsi1_matches_the_model_index(table: dict[str, Any]) -> None:
    (expected,) = Item._get_schema()["global_secondary_indexes"]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == expected["index_name"] == "GSI1"
    assert [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]] == [
        (k["AttributeName"], k["KeyType"]) for k in expected["key_schema"]
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"} == expected["projection"]


def test_ttl_billing_recovery_encryption_and_deletion_protection(
    template: dict[str, Any], table: dict[str, Any]
) -> None:
    assert table["TimeToLiveSpecification"] == {
        "AttributeName": Item.TTL.attr_name,
        "Enabled": True,
    }
    assert Item.TTL.attr_name == "TTL"
    assert table["BillingMode"] == {"Ref": "BillingMode"}
    billing = template["Parameters"]["BillingMode"]
    assert billing["Default"] == PAY_PER_REQUEST_BILLING_MODE == Item.Meta.billing_mode
    assert set(billing["AllowedValues"]) == {"PAY_PER_REQUEST", "PROVISIONED"}
    # Provisioned throughput only when PROVISIONED, on the table and on GSI1.
    assert table["ProvisionedThroughput"]["Fn::If"][0] == "IsProvisioned"
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["Fn::If"][0] == (
        "IsProvisioned"
    )
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}  # AWS managed key
    assert table["DeletionProtectionEnabled"] is True
    assert {tag["Key"] for tag in table["Tags"]} >= {"app"}


def test_outputs_name_the_table_and_the_index(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["TableName"]["Value"] == {"Ref": "Table"}
    assert outputs["TableArn"]["Value"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert outputs["Gsi1Arn"]["Value"] == {"Fn::Sub": "${Table.Arn}/index/GSI1"}


# --- alarms ---------------------------------------------------------------------------


def test_alarms_cover_throttling_errors_and_capacity(template: dict[str, Any]) -> None:
    alarms = _alarms(template)
    metrics = [metric for alarm in alarms.values() for metric in _metrics(alarm)]
    names = {name for name, _ in metrics}
    assert names >= {
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "ThrottledRequests",
        "SystemErrors",
        "UserErrors",
        "ConsumedReadCapacityUnits",
        "ConsumedWriteCapacityUnits",
    }
    # Throttle events on the table and on GSI1.
    for name in ("ReadThrottleEvents", "WriteThrottleEvents"):
        dims = [d for n, d in metrics if n == name]
        assert {"TableName": {"Ref": "Table"}} in dims
        assert {"TableName": {"Ref": "Table"}, "GlobalSecondaryIndexName": "GSI1"} in dims
    # UserErrors is account-level: it has no dimensions.
    assert [d for n, d in metrics if n == "UserErrors"] == [{}]


def test_per_operation_alarms_cover_every_item_operation_the_app_makes(
    template: dict[str, Any],
) -> None:
    item_operations = _actions_used() - RELEASE_ONLY - OPERATOR_ONLY
    item_operations -= {"DescribeTable", "DescribeTimeToLive"}
    for metric_name in ("ThrottledRequests", "SystemErrors"):
        covered = {
            dims["Operation"]
            for alarm in _alarms(template).values()
            for name, dims in _metrics(alarm)
            if name == metric_name
        }
        assert item_operations <= covered, metric_name


def test_capacity_alarms_exist_only_for_provisioned_billing(template: dict[str, Any]) -> None:
    assert template["Conditions"]["IsProvisioned"] == {
        "Fn::Equals": [{"Ref": "BillingMode"}, "PROVISIONED"]
    }
    capacity = {
        name: alarm
        for name, alarm in _alarms(template).items()
        if any(n.startswith("Consumed") for n, _ in _metrics(alarm))
    }
    assert len(capacity) == 4  # read and write, table and GSI1
    for alarm in capacity.values():
        assert alarm["Condition"] == "IsProvisioned"
        props = alarm["Properties"]
        assert props["Threshold"] == 80
        (watched,) = [q for q in props["Metrics"] if q.get("ReturnData")]
        assert "consumed / 60" in watched["Expression"]
        assert {n for n, _ in _metrics(alarm)} & {
            "ProvisionedReadCapacityUnits",
            "ProvisionedWriteCapacityUnits",
        }
    others = set(_alarms(template)) - set(capacity)
    assert all("Condition" not in _alarms(template)[name] for name in others)


def test_alarm_actions_are_skipped_without_a_topic(template: dict[str, Any]) -> None:
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert template["Conditions"]["HasAlarmTopic"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]
    }
    for alarm in _alarms(template).values():
        assert alarm["Properties"]["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }


# --- IAM ------------------------------------------------------------------------------


def test_policies_name_only_the_table_and_its_index() -> None:
    for path in (APP_POLICY, RELEASE_POLICY):
        for statement in _policy(path):
            assert statement["Effect"] == "Allow"
            resources = statement["Resource"]
            resources = [resources] if isinstance(resources, str) else resources
            assert set(resources) <= {TABLE_ARN, INDEX_ARN}, path.name
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            assert all(a.startswith("dynamodb:") and "*" not in a for a in actions), path.name
            assert "NotAction" not in statement and "NotResource" not in statement


def test_app_policy_allows_every_call_the_app_makes_and_nothing_more() -> None:
    used = _actions_used()
    # The scan of the code finds the calls we know of (guards the patterns themselves).
    assert used >= {"PutItem", "UpdateItem", "GetItem", "Query", "BatchWriteItem"}
    assert used >= {"DescribeTable", "DescribeTimeToLive", "CreateTable", "UpdateTimeToLive"}
    runtime = used - RELEASE_ONLY - OPERATOR_ONLY
    app = _policy(APP_POLICY)
    on_table = _allowed(app, TABLE_ARN)
    assert on_table == runtime, "grant exactly the calls the app makes"
    assert _allowed(app, INDEX_ARN) == {"Query"}  # GSI1 reads: the history
    assert not on_table & (RELEASE_ONLY | OPERATOR_ONLY)


def test_release_policy_allows_db_create() -> None:
    release = _allowed(_policy(RELEASE_POLICY), TABLE_ARN)
    assert release >= RELEASE_ONLY | {"DescribeTable", "DescribeTimeToLive"}
    assert not release & OPERATOR_ONLY
    assert not release & {"PutItem", "UpdateItem", "Query", "BatchWriteItem", "GetItem"}
