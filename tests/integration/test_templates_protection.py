"""Flood, cost and privacy protection in the synthesized templates (infra/protection.py).

Run alone, these tests synthesize build/templates first (as tests/integration/test_templates.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest

from chalicelib.web import MAX_BODY_BYTES
from infra.garrison_stack import CHALICE_FUNCTIONS, garrison_options
from infra.protection import (
    DEFAULT_CONCURRENCY,
    DEFAULT_THROTTLE_BURST,
    DEFAULT_THROTTLE_RATE,
    LOG_RETENTION_DAYS,
    Protection,
    web_acl,
)
from infra.templates import TEMPLATES, synth
from tests.integration.test_templates import SLUGS, STACKS, resources

EDGE_STACKS = [f"{s}-edge" for s in STACKS]
LOG_STACKS = [f"{s}-edge-logs" for s in STACKS]
# What identifies a client in API Gateway's $context, and the raw path (tracking tokens).
CLIENT_ADDRESS = re.compile(
    r"identity|sourceip|x-?forwarded-?for|clientip|c-ip|\$context\.path\b|user-?agent", re.I
)


@pytest.fixture(scope="module")
def expanded() -> dict[str, dict[str, Any]]:
    wanted = [*STACKS, *EDGE_STACKS, *LOG_STACKS]
    if not all((TEMPLATES / f"{s}.expanded.json").exists() for s in wanted):
        synth()
    return {s: json.loads((TEMPLATES / f"{s}.expanded.json").read_text("utf-8")) for s in wanted}


def web_acl_of(template: dict[str, Any]) -> dict[str, Any]:
    (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
    return dict(acl["Properties"])


def rate_rule(acl: dict[str, Any]) -> dict[str, Any]:
    (rule,) = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    return dict(rule)


def test_every_distribution_has_its_own_web_acl_from_us_east_1(
    expanded: dict[str, Any],
) -> None:
    for stack in STACKS:
        (distribution,) = resources(expanded[stack], "AWS::CloudFront::Distribution").values()
        acl_id = distribution["Properties"]["DistributionConfig"]["WebACLId"]
        reader, export = acl_id["Fn::GetAtt"]
        assert reader in expanded[stack]["Resources"], stack
        # The reference is to this site's own edge stack's web ACL.
        assert f"kmzb{stack.replace('-', '')}edgeuseast1FnGetAttWebAcl" in export, stack
        acl = web_acl_of(expanded[f"{stack}-edge"])
        assert acl["Scope"] == "CLOUDFRONT" and acl["Name"] == f"kmzb-{stack}"
        assert acl["DefaultAction"] == {"Allow": {}}


def test_the_web_acl_runs_the_managed_rules_and_limits_reports_per_address(
    expanded: dict[str, Any],
) -> None:
    for stack in EDGE_STACKS:
        acl = web_acl_of(expanded[stack])
        managed = {
            r["Statement"]["ManagedRuleGroupStatement"]["Name"]
            for r in acl["Rules"]
            if "ManagedRuleGroupStatement" in r["Statement"]
        }
        assert managed == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
        # Bodies up to the API's own limit (16 KiB, answered in the error format) pass the
        # common rule set, whose body-size rule (8 KB) only counts.
        (common,) = [
            r["Statement"]["ManagedRuleGroupStatement"]
            for r in acl["Rules"]
            if r["Name"] == "AWSManagedRulesCommonRuleSet"
        ]
        assert common["RuleActionOverrides"] == [
            {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
        ]
        assert MAX_BODY_BYTES > 8 * 1024
        rule = rate_rule(acl)
        rate = rule["Statement"]["RateBasedStatement"]
        assert rate["Limit"] == 100 and rate["EvaluationWindowSec"] == 300
        assert rate["AggregateKeyType"] == "IP"
        method, paths = rate["ScopeDownStatement"]["AndStatement"]["Statements"]
        matches = {
            (
                next(iter(s["ByteMatchStatement"]["FieldToMatch"])),
                s["ByteMatchStatement"]["PositionalConstraint"],
                s["ByteMatchStatement"]["SearchString"],
            )
            for s in [method, *paths["OrStatement"]["Statements"]]
        }
        # New reports and /v1/reports/{id}/confirmations both start with /v1/reports; an
        # integrator's reports come by Open311's POST requests.json/.xml.
        assert matches == {
            ("Method", "EXACTLY", "POST"),
            ("UriPath", "STARTS_WITH", "/v1/reports"),
            ("UriPath", "STARTS_WITH", "/open311/v2/requests"),
        }
        # The rate rule is evaluated first: a flood is cut before the managed rules' work.
        assert rule["Priority"] == min(r["Priority"] for r in acl["Rules"])
        # No sampled requests: they show each client's address in the console.
        assert all(not r["VisibilityConfig"]["SampledRequestsEnabled"] for r in acl["Rules"])


def test_a_rate_limited_client_gets_429_in_the_api_error_format(expanded: dict[str, Any]) -> None:
    for stack in EDGE_STACKS:
        acl = web_acl_of(expanded[stack])
        response = rate_rule(acl)["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
        assert body["ContentType"] == "APPLICATION_JSON"
        problem = json.loads(body["Content"])
        # An RFC 9457 problem like the API's own, with release 1's `error` member.
        assert set(problem) >= {"type", "title", "status", "detail", "code", "message", "error"}
        assert problem["status"] == 429 and problem["code"] == "rate_limited"
        assert problem["type"].endswith("/problems/rate_limited")
        assert "Zbyt wiele" in problem["message"] and "Too many" in problem["message_en"]
        assert problem["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("limit", [10, 250, 5000])
def test_the_rate_limit_is_an_admins_setting(limit: int) -> None:
    settings = {"garrisons": {"*": {"protection": {"rate_limit_per_5_minutes": limit}}}}
    options = garrison_options(settings, "malopolskie")
    assert options.protection.rate_limit == limit
    stack = cdk.Stack(cdk.App(), "Acl", env=cdk.Environment(account="1", region="us-east-1"))
    web_acl(stack, "kmzb-test", options.protection.rate_limit)
    template = cdk.App.of(stack).synth().get_stack_by_name("Acl").template  # type: ignore[union-attr]
    assert rate_rule(web_acl_of(template))["Statement"]["RateBasedStatement"]["Limit"] == limit


@pytest.mark.parametrize(
    "protection",
    [
        {"rate_limit_per_5_minutes": 5},
        {"reserved_concurrency": {"APIHandlr": 10}},
        {"reserved_concurrency": {"APIHandler": 0}},
    ],
)
def test_a_wrong_protection_setting_is_refused(protection: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Protection.from_settings(protection)


def test_every_function_has_reserved_concurrency(expanded: dict[str, Any]) -> None:
    helpers = 0
    for stack, template in expanded.items():
        for name, function in resources(template, "AWS::Lambda::Function").items():
            helpers += name.startswith("CustomCrossRegionExport")
            reserved = function["Properties"].get("ReservedConcurrentExecutions")
            assert isinstance(reserved, int) and reserved >= 1, (stack, name)
    # The CDK's cross-region reference helpers (added after aspects run) have it too.
    assert helpers >= 2 * len(STACKS)
    for stack in SLUGS:
        functions = resources(expanded[stack], "AWS::Lambda::Function")
        assert {
            f: functions[f]["Properties"]["ReservedConcurrentExecutions"] for f in CHALICE_FUNCTIONS
        } == DEFAULT_CONCURRENCY


def test_the_api_stage_throttles_to_match_the_api_functions_concurrency(
    expanded: dict[str, Any],
) -> None:
    for stack in SLUGS:
        (stage,) = resources(expanded[stack], "AWS::ApiGateway::Stage").values()
        (settings,) = stage["Properties"]["MethodSettings"]
        assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
        assert settings["ThrottlingRateLimit"] == DEFAULT_THROTTLE_RATE
        assert settings["ThrottlingBurstLimit"] == DEFAULT_THROTTLE_BURST
        # A burst never needs more API functions at once than are reserved.
        assert settings["ThrottlingBurstLimit"] <= DEFAULT_CONCURRENCY["APIHandler"]


def test_api_access_logs_hold_no_client_address(expanded: dict[str, Any]) -> None:
    for stack in SLUGS:
        (stage,) = resources(expanded[stack], "AWS::ApiGateway::Stage").values()
        setting = stage["Properties"]["AccessLogSetting"]
        assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
        group = expanded[stack]["Resources"]["ApiAccessLogs"]["Properties"]
        assert group["RetentionInDays"] == 90
        fields = json.loads(setting["Format"])
        assert {"requestId", "status", "resourcePath", "integrationLatency"} <= set(fields)
        for key, value in fields.items():
            assert not CLIENT_ADDRESS.search(key + " " + value), (stack, key, value)


@pytest.mark.parametrize(
    "variable",
    [
        "$context.identity.sourceIp",
        "$context.identity.userAgent",
        "$context.path",
        "$input.params('X-Forwarded-For')",
        "$context.identity.clientCert.clientCertPem",
    ],
)
def test_the_client_address_check_catches_each_kind(variable: str) -> None:
    assert CLIENT_ADDRESS.search(variable)


def test_every_queue_is_encrypted_at_rest(expanded: dict[str, Any]) -> None:
    for stack, template in expanded.items():
        for name, queue in resources(template, "AWS::SQS::Queue").items():
            props = queue["Properties"]
            assert props.get("SqsManagedSseEnabled") or props.get("KmsMasterKeyId"), (stack, name)


def test_cloudfront_access_logs_reach_the_sites_log_bucket_without_client_addresses(
    expanded: dict[str, Any],
) -> None:
    for stack in STACKS:
        logs = expanded[f"{stack}-edge-logs"]
        (source,) = resources(logs, "AWS::Logs::DeliverySource").values()
        (destination,) = resources(logs, "AWS::Logs::DeliveryDestination").values()
        (delivery,) = resources(logs, "AWS::Logs::Delivery").values()
        assert source["Properties"]["LogType"] == "ACCESS_LOGS"
        arn = json.dumps(source["Properties"]["ResourceArn"])
        # The distribution of this site's own stack (its id through a cross-region export).
        assert ":cloudfront::" in arn and "RefSite" in arn, stack
        assert f"kmzb{stack.replace('-', '')}eucentral1" in arn, stack
        assert "LogBucket" in json.dumps(destination["Properties"]["DestinationResourceArn"])
        assert delivery["Properties"]["DeliverySourceName"] == source["Properties"]["Name"]
        fields = delivery["Properties"]["RecordFields"]
        assert {"date", "time", "sc-status", "cs-method", "time-taken"} <= set(fields)
        for field in fields:
            assert not CLIENT_ADDRESS.search(field), (stack, field)
            assert field not in ("asn", "c-country", "c-port", "cs(Referer)", "cs-uri-query")


def test_the_log_bucket_is_private_and_forgets_after_the_retention(
    expanded: dict[str, Any],
) -> None:
    for stack in STACKS:
        buckets = resources(expanded[stack], "AWS::S3::Bucket")
        (log_id,) = [name for name in buckets if name.startswith("LogBucket")]
        log = buckets[log_id]["Properties"]
        assert all(log["PublicAccessBlockConfiguration"].values()), stack
        assert log["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        (rule,) = log["LifecycleConfiguration"]["Rules"]
        assert rule["ExpirationInDays"] == LOG_RETENTION_DAYS
        (site,) = [b for name, b in buckets.items() if name != log_id]
        assert site["Properties"]["LoggingConfiguration"]["DestinationBucketName"] == {
            "Ref": log_id
        }
        policies = resources(expanded[stack], "AWS::S3::BucketPolicy")
        (log_policy,) = [
            p for p in policies.values() if p["Properties"]["Bucket"] == {"Ref": log_id}
        ]
        writers = {
            s["Principal"]["Service"]
            for s in log_policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Allow"
        }
        assert writers == {"delivery.logs.amazonaws.com", "logging.s3.amazonaws.com"}


@pytest.mark.parametrize("field", ["c-ip", "x-forwarded-for", "cs(User-Agent)", "C-IP"])
def test_the_client_address_check_catches_each_cloudfront_field(field: str) -> None:
    assert CLIENT_ADDRESS.search(field)
