"""The garrison's dashboard and alarms in the synthesized templates (infra/monitoring.py).

Run alone, these tests synthesize build/templates first (as tests/integration/test_templates.py).
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

from infra.garrison_stack import CHALICE_FUNCTIONS
from infra.monitoring import (
    BUSINESS_METRICS,
    DEFAULT_BLOCKS_ALARM,
    FEED_AGE_LIMIT_SECONDS,
    NAMESPACE,
    RATE_RULE,
)
from infra.protection import EdgeStack, Protection
from infra.templates import TEMPLATES, synth
from tests.integration.test_templates import SLUGS, STACKS, resources

EDGE_STACKS = [f"{s}-edge" for s in STACKS]


@pytest.fixture(scope="module")
def expanded() -> dict[str, dict[str, Any]]:
    wanted = [*STACKS, *EDGE_STACKS]
    if not all((TEMPLATES / f"{s}.expanded.json").exists() for s in wanted):
        synth()
    return {s: json.loads((TEMPLATES / f"{s}.expanded.json").read_text("utf-8")) for s in wanted}


def dashboard_body(template: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's JSON, each CloudFormation reference in it replaced by `<ref>`."""
    (dashboard,) = resources(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    return dict(json.loads("".join(p if isinstance(p, str) else "<ref>" for p in parts)))


def graphed(body: dict[str, Any]) -> list[list[Any]]:
    """Every metric line of the dashboard's graphs: [namespace, name, dim, value, ..., {opts}]."""
    return [
        line
        for widget in body["widgets"]
        if widget["type"] == "metric"
        for line in widget["properties"].get("metrics", [])
    ]


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The alarms by their logical id without CDK's hash suffix."""
    return {
        k[:-8]: v["Properties"] for k, v in resources(template, "AWS::CloudWatch::Alarm").items()
    }


def topic_of(template: dict[str, Any], name: str) -> str:
    (logical_id,) = [
        k
        for k, v in resources(template, "AWS::SNS::Topic").items()
        if v["Properties"].get("TopicName") == name
    ]
    return logical_id


def test_each_garrison_has_a_dashboard_of_the_business_metrics(expanded: dict[str, Any]) -> None:
    for slug in SLUGS:
        (dashboard,) = resources(expanded[slug], "AWS::CloudWatch::Dashboard").values()
        assert dashboard["Properties"]["DashboardName"] == f"kmzb-{slug}"
        lines = graphed(dashboard_body(expanded[slug]))
        business = {
            line[1]
            for line in lines
            if line[0] == NAMESPACE
            # the contract's dimensions, exactly: service and garrison
            and dict(zip(line[2:-1:2], line[3:-1:2], strict=True))
            == {"service": "kmzb", "garrison": slug}
        }
        assert business == set(BUSINESS_METRICS), slug
        lam = [(line[1], line[-1]["label"]) for line in lines if line[0] == "AWS/Lambda"]
        kinds = ("Errors", "Throttles", "Duration")
        assert sorted(lam) == sorted((k, f) for k in kinds for f in CHALICE_FUNCTIONS), slug
        api = {line[1] for line in lines if line[0] == "AWS/ApiGateway"}
        assert {"Count", "5XXError", "Latency"} <= api
        (waf,) = [line for line in lines if line[0] == "AWS/WAFV2"]
        assert waf[1] == "BlockedRequests" and waf[-1]["region"] == "us-east-1"
        assert dict(zip(waf[2:-1:2], waf[3:-1:2], strict=True)) == {
            "WebACL": f"kmzb-{slug}",
            "Rule": RATE_RULE,
        }


def test_every_alarm_pages_the_garrisons_own_encrypted_topic(expanded: dict[str, Any]) -> None:
    for slug in SLUGS:
        template = expanded[slug]
        topic = topic_of(template, f"kmzb-{slug}-admins")
        assert "KmsMasterKeyId" in template["Resources"][topic]["Properties"]
        found = alarms(template)
        assert found
        for name, alarm in found.items():
            assert alarm["AlarmActions"] == [{"Ref": topic}], (slug, name)
            assert alarm["OKActions"] == [{"Ref": topic}], (slug, name)
            assert "docs/OPERATIONS.md" in alarm["AlarmDescription"], (slug, name)
            assert alarm["AlarmName"].startswith(f"kmzb-{slug}-"), (slug, name)


def metric_of(alarm: dict[str, Any]) -> tuple[str, str, dict[str, Any], str, int]:
    dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    return (
        alarm["Namespace"],
        alarm["MetricName"],
        dims,
        alarm.get("Statistic", ""),
        alarm["Period"],
    )


def test_the_alarms_and_their_thresholds(expanded: dict[str, Any]) -> None:
    for slug in SLUGS:
        found = alarms(expanded[slug])
        business = {"service": "kmzb", "garrison": slug}
        # Any dead-lettered notification: the runtime's count and the queue's depth.
        lettered = found["NotificationsDeadLetteredAlarm"]
        assert lettered["Threshold"] == 1
        (expression,) = [m for m in lettered["Metrics"] if "Expression" in m]
        assert expression["Expression"] == "FILL(lettered, 0) + FILL(arrived, 0)"
        inputs = {m["Id"]: m["MetricStat"] for m in lettered["Metrics"] if "MetricStat" in m}
        stat = inputs["lettered"]
        assert metric_of(
            {**stat["Metric"], "Statistic": stat["Stat"], "Period": stat["Period"]}
        ) == (
            NAMESPACE,
            "NotificationsDeadLettered",
            business,
            "Sum",
            300,
        )
        arrived = inputs["arrived"]["Metric"]
        assert arrived["Namespace"] == "AWS/SQS"
        assert arrived["MetricName"] == "NumberOfMessagesSent"
        assert json.dumps(arrived["Dimensions"]).count("NotificationDeadLetters") == 1
        assert lettered["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        for queue in ("NotificationDeadLetters", "StreamDeadLetters"):
            depth = found[f"{queue}Alarm"]
            assert depth["MetricName"] == "ApproximateNumberOfMessagesVisible"
            assert depth["Threshold"] == 1
            assert depth["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        # The feed lags more than 10 minutes; or nothing reported its age for 10 minutes.
        age = found["FeedAgeAlarm"]
        assert metric_of(age) == (NAMESPACE, "FeedAge", business, "Maximum", 60)
        assert age["Threshold"] == FEED_AGE_LIMIT_SECONDS == 600
        assert age["ComparisonOperator"] == "GreaterThanThreshold"
        silent = found["FeedNotRefreshedAlarm"]
        assert metric_of(silent) == (NAMESPACE, "FeedAge", business, "SampleCount", 600)
        assert silent["ComparisonOperator"] == "LessThanThreshold" and silent["Threshold"] == 1
        assert silent["TreatMissingData"] == "breaching"
        # 5xx above 1% of the requests over 5 minutes.
        rate = found["Api5xxRateAlarm"]
        assert rate["Threshold"] == 1 and rate["ComparisonOperator"] == "GreaterThanThreshold"
        (expression,) = [m for m in rate["Metrics"] if "Expression" in m]
        assert expression["Expression"] == "IF(requests > 0, 100 * errors / requests, 0)"
        stats = {
            m["Id"]: (m["MetricStat"]["Metric"]["MetricName"], m["MetricStat"]["Period"])
            for m in rate["Metrics"]
            if "MetricStat" in m
        }
        assert stats == {"errors": ("5XXError", 300), "requests": ("Count", 300)}
        # Any function throttled.
        for function in CHALICE_FUNCTIONS:
            throttled = found[f"{function}ThrottlesAlarm"]
            assert throttled["MetricName"] == "Throttles" and throttled["Threshold"] == 1
            assert throttled["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_waf_alarm_lives_beside_the_web_acl_in_us_east_1(expanded: dict[str, Any]) -> None:
    for stack in STACKS:
        template = expanded[f"{stack}-edge"]
        (alarm,) = alarms(template).values()
        assert metric_of(alarm) == (
            "AWS/WAFV2",
            "BlockedRequests",
            {"WebACL": f"kmzb-{stack}", "Rule": RATE_RULE},
            "Sum",
            300,
        )
        assert alarm["Threshold"] == DEFAULT_BLOCKS_ALARM
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        topic = topic_of(template, f"kmzb-{stack}-edge-alarms")
        assert "KmsMasterKeyId" in template["Resources"][topic]["Properties"]
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        # The ACL's name the alarm watches is the ACL's own.
        (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
        assert acl["Properties"]["Name"] == f"kmzb-{stack}"
        assert RATE_RULE in {r["Name"] for r in acl["Properties"]["Rules"]}


@pytest.mark.parametrize(
    ("settings", "emails", "threshold"),
    [
        ({}, (), DEFAULT_BLOCKS_ALARM),
        ({"rate_blocks_alarm_per_5_minutes": 10}, ("dyzurny@example.pl",), 10),
        ({"rate_blocks_alarm_per_5_minutes": 500}, ("a@example.pl", "b@example.pl"), 500),
    ],
)
def test_the_waf_alarm_threshold_and_emails_are_the_garrisons(
    settings: dict[str, Any], emails: tuple[str, ...], threshold: int
) -> None:
    protection = Protection.from_settings(settings)
    app = cdk.App()
    edge = EdgeStack(
        app,
        "opolskie",
        account="123456789012",
        rate_limit=protection.rate_limit,
        alarm_emails=emails,
        blocks_alarm=protection.blocks_alarm,
    )
    template = app.synth().get_stack_by_name(edge.stack_name).template
    (alarm,) = alarms(template).values()
    assert alarm["Threshold"] == threshold
    topic = topic_of(template, "kmzb-opolskie-edge-alarms")
    subscribed = {
        s["Properties"]["Endpoint"]
        for s in resources(template, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": topic}
    }
    assert subscribed == set(emails)


def test_a_negative_waf_alarm_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_blocks_alarm_per_5_minutes"):
        Protection.from_settings({"rate_blocks_alarm_per_5_minutes": -1})
