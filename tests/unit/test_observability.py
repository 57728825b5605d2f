"""Observability costs nothing at import and nothing where X-Ray does not listen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.observability import METRIC_NAMES, _error_code, count, tracing_enabled

ROOT = Path(__file__).resolve().parents[2]
LAMBDA = {"LAMBDA_TASK_ROOT": "/var/task", "KMZB_STAGE": "opolskie"}


def test_importing_the_app_imports_neither_the_xray_sdk_nor_the_aws_clients() -> None:
    code = (
        "import sys, app; "
        "print(sorted(m for m in ('aws_xray_sdk', 'boto3', 'pynamodb', 'botocore.client') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("env", "traced"),
    [
        (LAMBDA, True),
        ({**LAMBDA, "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({**LAMBDA, "POWERTOOLS_TRACE_DISABLED": "1"}, False),
        ({**LAMBDA, "KMZB_STAGE": "local"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, False),  # no stage: local
        ({"KMZB_STAGE": "opolskie"}, False),  # not inside Lambda
        ({**LAMBDA, "AWS_CHALICE_CLI_MODE": "true"}, False),  # chalice local
        ({**LAMBDA, "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_traces_are_sent_only_inside_lambda_outside_the_local_stage(
    env: dict[str, str], traced: bool
) -> None:
    assert tracing_enabled(env) is traced


def test_only_the_contracts_metric_names_can_be_counted() -> None:
    assert "ReportsAccepted" in METRIC_NAMES and len(METRIC_NAMES) == 13
    with pytest.raises(AssertionError):
        count("ReportsAcepted")  # a typo would be a metric nobody graphs


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"code": "daily_limit", "error": {"code": "daily_limit"}}', "daily_limit"),
        ('{"error": {"code": "invalid_category"}}', "invalid_category"),
        (b'{"type": "/problems/x", "code": "outside_poland"}', "outside_poland"),
        ("not json", None),
        ("[1, 2]", None),
        ({"code": 5}, None),
    ],
)
def test_a_refusals_code_is_read_from_problem_details_or_the_legacy_member(
    body: object, code: str | None
) -> None:
    assert _error_code(body) == code


class _Context:
    function_name = "kmzb-opolskie-APIHandler"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:210987654321:function:x"
    memory_limit_in_mb = 512
    aws_request_id = "lambda-request-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30000


def _api_event(request_id: str) -> dict[str, object]:
    headers = {"Accept": "application/json"}
    return {
        "resource": "/v1/categories",
        "path": "/v1/categories",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/v1/categories",
            "httpMethod": "GET",
            "path": "/api/v1/categories",
            "stage": "api",
            "requestId": request_id,
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def test_every_log_line_of_a_request_carries_its_api_gateway_request_id_and_the_lambda_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app import app
    from chalicelib.observability import logger

    for request_id in ("api-request-1", "api-request-2"):
        answer = app(_api_event(request_id), _Context())
        assert answer["statusCode"] == 200
        keys = logger.get_current_keys()
        assert logger.get_correlation_id() == request_id
        assert keys["function_request_id"] == "lambda-request-1"
        assert keys["function_name"] == "kmzb-opolskie-APIHandler"
        assert isinstance(keys["cold_start"], bool)
    # Metrics are off in the local stage: not even the ColdStart metric is printed.
    assert '"_aws"' not in capsys.readouterr().out


def test_the_functions_emit_what_the_dashboard_and_alarms_read() -> None:
    """The runtime's names, namespace and dimensions are the monitoring construct's (read from
    infra/monitoring.py's source: importing it starts the CDK's node process)."""
    import ast

    from chalicelib import observability

    source = ast.parse((ROOT / "infra" / "monitoring.py").read_text("utf-8"))
    constants: dict[str, object] = {}
    for node in source.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    graphed = {
        name
        for group in ("REPORT_METRICS", "NOTIFICATION_METRICS", "OFFICER_METRICS", "FEED_METRICS")
        for name in constants[group]  # type: ignore[attr-defined]
    }
    assert graphed == METRIC_NAMES
    assert constants["NAMESPACE"] == observability.NAMESPACE == "KMZB"
    assert constants["SERVICE"] == observability.SERVICE == "kmzb"
