"""The Chalice app of a garrison: its functions, API Gateway, the stream trigger and logs.

Chalice's CDK construct packages app.py and imports the resulting SAM template; the
stage configuration comes from infra.stages (generated at synthesis, never committed) with
what only the stack knows added on top (the stream's ARN, the bucket, the user pool).
What Chalice leaves out (the stream trigger's failure handling, log retention, API
Gateway's own error answers, throttling and access logs) is set here through the
construct's escape hatch, on the resources' Chalice logical ids.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib import problems
from chalicelib.contract import resource_names
from infra import stages
from infra.constructs import Part
from infra.constructs.notifications import dead_letter_queue
from infra.protection import API_ACCESS_LOG_FORMAT, Protection

PROJECT_ROOT = stages.PROJECT_ROOT
CHALICE_FUNCTIONS = (
    "APIHandler",
    "OfficerToken",
    "OnReportChange",
    "RefreshFeeds",
    "RemindOverdue",
)
# Functions whose messages link to the officer panel (the API must not: the distribution
# in front of the API would depend on it).
LINKING_FUNCTIONS = ("OnReportChange", "RemindOverdue")
# Seconds; the rest have the stage's lambda_timeout.
FUNCTION_TIMEOUTS = {"OnReportChange": 120, "RefreshFeeds": 120, "RemindOverdue": 300}
# The stream trigger: partial batch failures, bounded retries, bisection, a dead-letter queue.
STREAM_RETRIES = 10
STREAM_MAX_RECORD_AGE_SECONDS = 86400

# Answers API Gateway gives itself (no Authorization header, unknown route, throttling), as
# problem details from the one table of refusals (chalicelib/problems.py), in Polish (a
# gateway response cannot choose by Accept-Language). An unknown route is API Gateway's
# "missing authentication token" (403): a 404 here. Kind → (status to set, code, variant).
GATEWAY_PROBLEMS: dict[str, tuple[int | None, str, str]] = {
    "DEFAULT_4XX": (None, "request_rejected", ""),
    "DEFAULT_5XX": (None, "service_unavailable", ""),
    "UNAUTHORIZED": (None, "unauthorized", "gateway"),
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found", "gateway"),
    "THROTTLED": (None, "throttled", ""),
}
# Kind → (status, code, Polish, English): what infra/local_api answers the same way.
GATEWAY_MESSAGES = {
    kind: (
        str(status) if status else None,
        code,
        problems.message_of(problems.refusal(code, variant), "pl"),
        problems.message_of(problems.refusal(code, variant), "en"),
    )
    for kind, (status, code, variant) in GATEWAY_PROBLEMS.items()
}


class Api(Part):
    """`app` (Chalice's construct: `app.get_resource("APIHandler")` etc.), `stream_dead_letters`,
    `domain` (API Gateway's host name, for the distribution's origin)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        garrison: str,
        reports_stream_arn: str,
        topic_arn_prefix: str,
        site_bucket: str,
        issuer: str,
        protection: Protection,
    ) -> None:
        super().__init__(scope, construct_id)
        self.garrison = garrison
        names = resource_names(garrison)
        self.stream_dead_letters = dead_letter_queue(
            self, "ReportsStreamDeadLetters", names["stream_dead_letters"]
        )
        self.environment = {
            "KMZB_REPORTS_STREAM_ARN": reports_stream_arn,
            "KMZB_TOPIC_ARN_PREFIX": topic_arn_prefix,
            "KMZB_SITE_BUCKET": site_bucket,
            "KMZB_JWT_ISSUER": issuer,
        }
        self.app = _chalice_app(self, stages.chalice_stage(garrison, self.environment))
        for function, seconds in FUNCTION_TIMEOUTS.items():
            self.app.get_resource(function).add_property_override("Timeout", seconds)
        self._stream_trigger()
        self._log_groups()
        self._gateway_responses()
        self._api_stage(protection)
        rest_api = self.app.get_resource("RestAPI")
        self.domain = cdk.Fn.sub(
            "${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}", {"Api": rest_api.ref}
        )

    def function_name(self, function: str) -> str:
        """A Chalice function's deployed name (a token), e.g. for its metrics' dimension."""
        return str(self.app.get_resource(function).ref)

    def link_panel(self, panel_url: str) -> None:
        """Tell the functions that write to officers where the panel is."""
        for function in LINKING_FUNCTIONS:
            self.app.add_environment_variable("KMZB_PANEL_URL", panel_url, function)

    def _stream_trigger(self) -> None:
        """What Chalice leaves out of the stream trigger, through the escape hatch."""
        handler = self.app.get_resource("OnReportChange")
        base = "Events.OnReportChangeDynamodbEventSource.Properties."
        for name, value in {
            "StartingPosition": "TRIM_HORIZON",
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "MaximumRetryAttempts": STREAM_RETRIES,
            "BisectBatchOnFunctionError": True,
            "MaximumRecordAgeInSeconds": STREAM_MAX_RECORD_AGE_SECONDS,
            "DestinationConfig": {
                "OnFailure": {"Type": "SQS", "Destination": self.stream_dead_letters.queue_arn}
            },
        }.items():
            handler.add_property_override(base + name, value)

    def _log_groups(self) -> None:
        for function in CHALICE_FUNCTIONS:
            logs.CfnLogGroup(
                self,
                f"{function}Logs",
                log_group_name=cdk.Fn.sub(
                    "/aws/lambda/${Function}", {"Function": self.app.get_resource(function).ref}
                ),
                retention_in_days=stages.LOG_RETENTION_DAYS,
            )

    def _gateway_responses(self) -> None:
        responses = {}
        for kind, (status, code, variant) in GATEWAY_PROBLEMS.items():
            problem = problems.render(problems.refusal(code, variant), status=status)
            headers = {name: f"'{value}'" for name, value in problem.headers.items()}
            responses[kind] = {
                "ResponseTemplates": {
                    "application/json": json.dumps(problem.body, ensure_ascii=False)
                },
                "ResponseParameters": {"Headers": headers},
                **({"StatusCode": str(status)} if status else {}),
            }
        api = self.app.get_resource("RestAPI")
        api.add_property_override("Name", f"kmzb-{self.garrison}")
        api.add_property_override("GatewayResponses", responses)
        api.add_property_override("TracingEnabled", True)

    def _api_stage(self, protection: Protection) -> None:
        """Stage throttling to match APIHandler's reserved concurrency, and access logs
        without client addresses (infra/protection.API_ACCESS_LOG_FORMAT)."""
        access_logs = logs.CfnLogGroup(
            self,
            "ApiAccessLogs",
            log_group_name=f"/aws/apigateway/kmzb-{self.garrison}-access",
            retention_in_days=stages.LOG_RETENTION_DAYS,
        )
        api = self.app.get_resource("RestAPI")
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": protection.throttle_rate,
                    "ThrottlingBurstLimit": protection.throttle_burst,
                    "MetricsEnabled": True,
                }
            ],
        )
        api.add_property_override(
            "AccessLogSetting",
            {"DestinationArn": access_logs.attr_arn, "Format": API_ACCESS_LOG_FORMAT},
        )


class _GarrisonChalice(Chalice):
    """Chalice's construct names the stage after its scope's path; here: the stack's id."""

    def _package_app(self) -> None:
        self.stage_name = cdk.Stack.of(self).node.id
        super()._package_app()


def _chalice_app(scope: Construct, stage_config: dict[str, Any]) -> Chalice:
    # Chalice imports app.py to package it, and Python would hand the next stack the
    # module (and the stream ARN) imported for the previous one.
    sys.modules.pop("app", None)
    return _GarrisonChalice(scope, "App", source_dir=str(PROJECT_ROOT), stage_config=stage_config)


__all__ = ["CHALICE_FUNCTIONS", "GATEWAY_MESSAGES", "LINKING_FUNCTIONS", "Api"]
