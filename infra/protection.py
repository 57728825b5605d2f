"""Flood and cost protection shared by the stacks: WAF at the edge, concurrency, throttling, logs.

- `EdgeStack`: a small stack in us-east-1 per distribution (CloudFront's WAF lives
  there, as its certificates do) with the web ACL; the site's stack takes the ACL's
  ARN through CDK's cross-region references.
- `ReservedConcurrency`: every Lambda function of a stack gets reserved concurrency
  (the Chalice functions per `Protection.concurrency`, the CDK's own helpers 1).
- `API_ACCESS_LOG_FORMAT`: API Gateway's access log line, without any client address.

Settings come from infra/deployments.json, `garrisons.<slug>.protection` (or `"*"`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from chalicelib import problems
from infra.monitoring import DEFAULT_BLOCKS_ALARM, WAF_REGION

EDGE_REGION = WAF_REGION
RATE_WINDOW_SECONDS = 300
# The API's problem document for the rate rule's 429 (chalicelib/problems.py, in Polish: WAF
# cannot choose by Accept-Language). WAF's custom bodies know no application/problem+json:
# it goes as APPLICATION_JSON.
RATE_LIMITED_BODY = problems.render(problems.refusal("rate_limited")).body
# Reserved concurrency of each Chalice function (infra/garrison_stack.CHALICE_FUNCTIONS),
# sized in docs/DEPLOY.md; any other function (the CDK's deployment helpers) gets 1.
DEFAULT_CONCURRENCY = {
    "APIHandler": 20,
    "OfficerToken": 10,
    "OnReportChange": 5,
    "RefreshFeeds": 2,
    "RemindOverdue": 1,
}
HELPER_CONCURRENCY = 1
# API Gateway's stage throttling: a steady rate (requests/s) and a burst (the token bucket),
# at most what APIHandler's concurrency serves at ~0.2 s a request.
DEFAULT_THROTTLE_RATE = 100
DEFAULT_THROTTLE_BURST = 20

# API Gateway's access log line (JSON): what operations need to see load, errors and
# latency per route. No $context.identity.* (sourceIp, userAgent, caller), no X-Forwarded-For,
# no raw path (it may hold a tracking token): the route template only.
API_ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTimeEpoch",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "errorType": "$context.error.responseType",
    "authorizerStatus": "$context.authorizer.status",
}
API_ACCESS_LOG_FORMAT = json.dumps(API_ACCESS_LOG_FIELDS, separators=(",", ":"))


@dataclass(frozen=True)
class Protection:
    """What an admin may set per garrison under `protection` in infra/deployments.json."""

    rate_limit: int = 100  # POST /v1/reports* per client address per 5 minutes
    concurrency: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_CONCURRENCY))
    throttle_rate: int = DEFAULT_THROTTLE_RATE
    throttle_burst: int = DEFAULT_THROTTLE_BURST
    # The WAF alarm (infra/monitoring.waf_blocks_alarm): rate-rule blocks per 5 minutes.
    blocks_alarm: int = DEFAULT_BLOCKS_ALARM

    @classmethod
    def from_settings(cls, entry: dict[str, Any]) -> Protection:
        """From a `protection` object; unknown function names are refused (a typo)."""
        concurrency = {**DEFAULT_CONCURRENCY, **entry.get("reserved_concurrency", {})}
        unknown = sorted(set(concurrency) - set(DEFAULT_CONCURRENCY))
        if unknown:
            raise ValueError(f"reserved_concurrency: unknown functions {unknown}")
        protection = cls(
            rate_limit=int(entry.get("rate_limit_per_5_minutes", 100)),
            concurrency={k: int(v) for k, v in concurrency.items()},
            throttle_rate=int(entry.get("throttle_rate", DEFAULT_THROTTLE_RATE)),
            throttle_burst=int(entry.get("throttle_burst", DEFAULT_THROTTLE_BURST)),
            blocks_alarm=int(entry.get("rate_blocks_alarm_per_5_minutes", DEFAULT_BLOCKS_ALARM)),
        )
        if not 10 <= protection.rate_limit <= 2_000_000_000:  # WAF's own bounds
            raise ValueError("rate_limit_per_5_minutes must be between 10 and 2000000000")
        if protection.blocks_alarm < 0:
            raise ValueError("rate_blocks_alarm_per_5_minutes may not be negative")
        if min(protection.concurrency.values()) < 1:
            raise ValueError("reserved_concurrency: every function needs at least 1")
        return protection


# Managed rules only counted, not enforced: the common set's 8 KB body limit is below the
# API's own (chalicelib/web.MAX_BODY_BYTES, 16 KiB), which answers in the error format.
COUNTED_RULES = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}


def _managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule,
                        action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}),
                    )
                    for rule in COUNTED_RULES.get(name, ())
                ]
                or None,
            )
        ),
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        visibility_config=_visibility(name),
    )


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    # Sampled requests show each request's client address in the console: off.
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=False
    )


def _matches(field_to_match: dict[str, Any], value: str, position: str) -> Any:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=field_to_match,
            positional_constraint=position,
            search_string=value,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )


# Where reports are made: the API's and Open311's (chalicelib/open311_submit.py).
REPORT_PATHS = ("/v1/reports", "/open311/v2/requests")


def web_acl(scope: Construct, name: str, rate_limit: int) -> wafv2.CfnWebACL:
    """The distribution's web ACL: AWS's common and known-bad-inputs rules, and the report
    rate rule: more than rate_limit POSTs to /v1/reports* (new reports and confirmations,
    `/v1/reports/{id}/confirmations`) or to Open311's /open311/v2/requests* (new reports from
    integrators) from one client address in 5 minutes are answered 429 in the API's error
    format until the address slows down."""
    reports = wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                _matches({"method": {}}, "POST", "EXACTLY"),
                wafv2.CfnWebACL.StatementProperty(
                    or_statement=wafv2.CfnWebACL.OrStatementProperty(
                        statements=[
                            _matches({"uriPath": {}}, path, "STARTS_WITH") for path in REPORT_PATHS
                        ]
                    )
                ),
            ]
        )
    )
    rate_rule = wafv2.CfnWebACL.RuleProperty(
        name="ReportsPerAddress",
        priority=0,
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=rate_limit,
                aggregate_key_type="IP",
                evaluation_window_sec=RATE_WINDOW_SECONDS,
                scope_down_statement=reports,
            )
        ),
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                    response_code=429, custom_response_body_key="rate_limited"
                )
            )
        ),
        visibility_config=_visibility("ReportsPerAddress"),
    )
    return wafv2.CfnWebACL(
        scope,
        "WebAcl",
        name=name,
        scope="CLOUDFRONT",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        custom_response_bodies={
            "rate_limited": wafv2.CfnWebACL.CustomResponseBodyProperty(
                content_type="APPLICATION_JSON",
                content=json.dumps(RATE_LIMITED_BODY, ensure_ascii=False),
            )
        },
        rules=[
            rate_rule,
            _managed("AWSManagedRulesCommonRuleSet", 1),
            _managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
        ],
        visibility_config=_visibility(name),
    )


class EdgeStack(cdk.Stack):
    """A distribution's web ACL, in us-east-1 (stack `kmzb-<site>-edge`), and the alarm on its
    rate rule's blocks (WAF's metrics are in us-east-1 only), paging a topic of its own there,
    `kmzb-<site>-edge-alarms`, subscribed by alarm_emails (the garrison's `admin_emails`)."""

    def __init__(
        self,
        scope: Construct,
        site: str,
        *,
        account: str,
        rate_limit: int,
        alarm_emails: tuple[str, ...] = (),
        blocks_alarm: int = DEFAULT_BLOCKS_ALARM,
    ) -> None:
        from infra.monitoring import operators_topic, waf_blocks_alarm

        super().__init__(
            scope,
            f"{site}-edge",
            stack_name=f"kmzb-{site}-edge",
            env=cdk.Environment(account=account, region=EDGE_REGION),
            cross_region_references=True,
            synthesizer=ReservedConcurrency(),
            description=f"KMZB {site}: the CloudFront web ACL (WAF for CloudFront is global)",
        )
        self.web_acl = web_acl(self, f"kmzb-{site}", rate_limit)
        self.topic = operators_topic(
            self,
            "AlarmTopic",
            name=f"kmzb-{site}-edge-alarms",
            description=f"KMZB {site}: the operators' alarm topic in us-east-1",
            emails=alarm_emails,
        )
        self.blocks_alarm = waf_blocks_alarm(
            self, site=site, web_acl=f"kmzb-{site}", threshold=blocks_alarm, topic=self.topic
        )
        self.blocks_alarm.node.add_dependency(self.web_acl)
        cdk.Tags.of(self).add("kmzb:site", site)


class ReservedConcurrency(cdk.DefaultStackSynthesizer):
    """The stacks' synthesizer: every Lambda function in the stack gets reserved concurrency
    (a flood cannot take the account's whole pool, nor run up an unbounded bill): those
    named in `concurrency` by logical id, any other (the CDK's own helpers) HELPER_CONCURRENCY.

    At synthesis, not as an aspect: the CDK adds its cross-region reference helpers after
    aspects have run."""

    def __init__(self, concurrency: dict[str, int] | None = None) -> None:
        super().__init__()
        self._concurrency = dict(concurrency or {})
        self._target: cdk.Stack | None = None

    def bind(self, stack: cdk.Stack) -> None:
        super().bind(stack)
        self._target = stack

    def synthesize(self, session: cdk.ISynthesisSession) -> None:
        assert self._target is not None
        for node in self._target.node.find_all():
            if isinstance(node, cdk.CfnResource) and node.cfn_resource_type in (
                "AWS::Lambda::Function",
                "AWS::Serverless::Function",
            ):
                amount = self._concurrency.get(node.node.id, HELPER_CONCURRENCY)
                node.add_property_override("ReservedConcurrentExecutions", amount)
        super().synthesize(session)


# CloudFront's access log fields (standard logging v2): enough to see load, cache hits,
# errors, TLS versions and latency. Left out on purpose: c-ip, x-forwarded-for, c-port,
# asn and c-country (the client's address or what narrows it), cs(User-Agent), cs(Referer)
# and cs(Cookie) (fingerprints, a tracking link), cs-uri-query (may carry a token).
CLOUDFRONT_LOG_FIELDS = (
    "date",
    "time",
    "x-edge-location",
    "x-edge-request-id",
    "x-edge-result-type",
    "x-edge-response-result-type",
    "x-edge-detailed-result-type",
    "cs-method",
    "cs-protocol",
    "cs-protocol-version",
    "cs-uri-stem",
    "sc-status",
    "sc-bytes",
    "cs-bytes",
    "sc-content-type",
    "time-taken",
    "time-to-first-byte",
    "ssl-protocol",
    "ssl-cipher",
)
LOG_RETENTION_DAYS = 90


def log_bucket(scope: Construct, site: str) -> Any:
    """The site's private log bucket (its own region): CloudFront's access logs (v2) and the
    site bucket's server access logs, kept LOG_RETENTION_DAYS days."""
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    stack = cdk.Stack.of(scope)
    bucket = s3.Bucket(
        scope,
        "LogBucket",
        bucket_name=f"kmzb-{site}-logs-{stack.account}-{stack.region}",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        versioned=True,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=cdk.RemovalPolicy.RETAIN,
        lifecycle_rules=[
            s3.LifecycleRule(
                expiration=cdk.Duration.days(LOG_RETENTION_DAYS),
                noncurrent_version_expiration=cdk.Duration.days(1),
            )
        ],
    )
    # CloudWatch Logs' delivery (CloudFront's v2 logs) writes from us-east-1.
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudFrontAccessLogs",
            principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects(f"AWSLogs/{stack.account}/*")],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": (
                        f"arn:{stack.partition}:logs:{EDGE_REGION}:{stack.account}:"
                        "delivery-source:*"
                    )
                },
            },
        )
    )
    checkov_skip(
        bucket, "CKV_AWS_18", "The log bucket itself: its access logs would log themselves."
    )
    return bucket


class EdgeLogsStack(cdk.Stack):
    """A distribution's access logs (CloudFront standard logging v2, configured in us-east-1)
    to its log bucket, with CLOUDFRONT_LOG_FIELDS only (stack `kmzb-<site>-edge-logs`)."""

    def __init__(
        self,
        scope: Construct,
        site: str,
        *,
        account: str,
        distribution_id: str,
        bucket_arn: str,
    ) -> None:
        from aws_cdk import aws_logs as logs

        super().__init__(
            scope,
            f"{site}-edge-logs",
            stack_name=f"kmzb-{site}-edge-logs",
            env=cdk.Environment(account=account, region=EDGE_REGION),
            cross_region_references=True,
            synthesizer=ReservedConcurrency(),
            description=f"KMZB {site}: CloudFront access logs without client addresses",
        )
        source = logs.CfnDeliverySource(
            self,
            "AccessLogSource",
            name=f"kmzb-{site}-cloudfront",
            log_type="ACCESS_LOGS",
            resource_arn=self.format_arn(
                service="cloudfront",
                region="",
                resource="distribution",
                resource_name=distribution_id,
            ),
        )
        destination = logs.CfnDeliveryDestination(
            self,
            "AccessLogBucket",
            name=f"kmzb-{site}-cloudfront-s3",
            destination_resource_arn=bucket_arn,  # logs under AWSLogs/<account>/CloudFront/
            output_format="json",
        )
        delivery = logs.CfnDelivery(
            self,
            "AccessLogDelivery",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.attr_arn,
            record_fields=list(CLOUDFRONT_LOG_FIELDS),
        )
        delivery.node.add_dependency(source)
        cdk.Tags.of(self).add("kmzb:site", site)


def checkov_skip(resource: Any, check: str, reason: str) -> None:
    """Skip one checkov check for this one resource (its template Metadata), with the reason."""
    node = resource if isinstance(resource, cdk.CfnResource) else resource.node.default_child
    assert isinstance(node, cdk.CfnResource)
    skips = list((node.get_metadata("checkov") or {}).get("skip", []))
    node.add_metadata("checkov", {"skip": [*skips, {"id": check, "comment": reason}]})


def skip_deployment_helper_policy(deployment: Any) -> None:
    """The CDK BucketDeployment helper's policy grants CloudFront invalidations on "*"."""
    policy = deployment.handler_role.node.try_find_child("DefaultPolicy")
    checkov_skip(
        policy.node.default_child,
        "CKV_AWS_111",
        "The CDK BucketDeployment helper: cloudfront:CreateInvalidation on *, the library's "
        "own grant, used only while deploying the site.",
    )


# Per-distribution checkov skips (the distribution's own Metadata), with the reason each one
# does not apply; tests/integration/test_templates_checkov.py proves each reason true.
V2_LOGGING_REASON = (
    "CloudFront standard logging v2 delivers this distribution's access logs to the site's log "
    "bucket (AWS::Logs::Delivery in stack {stack}-edge-logs, infra/protection.EdgeLogsStack) "
    "with fields chosen to leave out client addresses; checkov reads only the legacy Logging "
    "property, whose logs always hold c-ip."
)
DEFAULT_CERTIFICATE_REASON = (
    "No custom domain is configured: the distribution serves *.cloudfront.net with CloudFront's "
    "default certificate, for which CloudFront fixes the security policy at TLSv1 and it cannot "
    "be set. Give the site domain_name and certificate_arn: then TLSv1.2_2021 is set and "
    "checked."
)


def distribution_checkov_skips(distribution: Any, *, custom_certificate: bool) -> None:
    """CKV_AWS_86 always (v2 logging, see V2_LOGGING_REASON); CKV_AWS_174 only without a custom
    certificate (with one the distribution must require TLSv1.2_2021 and pass the check)."""
    stack = cdk.Stack.of(distribution).stack_name
    checkov_skip(distribution, "CKV_AWS_86", V2_LOGGING_REASON.format(stack=stack))
    if not custom_certificate:
        checkov_skip(distribution, "CKV_AWS_174", DEFAULT_CERTIFICATE_REASON)
