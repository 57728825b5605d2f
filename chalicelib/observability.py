"""The service's one Logger, its Metrics and its (lazy) Tracer, and the Chalice middleware
that registers them once for every function (app.py: `register(app)`).

- Logs: powertools `Logger(service="kmzb")`, the only one (web, stream and overdue log
  through it). Each invocation adds the Lambda context (function, request id, `cold_start`)
  and, for API requests, API Gateway's request id as `correlation_id`.
- Metrics: CloudWatch EMF in namespace `KMZB` with the default dimensions `service="kmzb"`
  and `garrison=<KMZB_STAGE>`, the names in METRIC_NAMES: what infra/monitoring.py's
  dashboard and alarms read (a unit test keeps the two equal). Flushed after each
  invocation, with a `ColdStart` metric on the first. In the `local` stage (make run, tests)
  they are off unless POWERTOOLS_METRICS_DISABLED=false: EMF goes to stdout.
- Traces: powertools `Tracer`, built on the first invocation only where X-Ray listens (inside
  Lambda, not disabled by POWERTOOLS_TRACE_DISABLED, not the local stage): importing the app
  never imports the X-Ray SDK, and neither does anything that runs locally.
- Submissions: `submission_outcomes` counts POST /v1/reports by its answer, so that every
  refusal is counted wherever in the domain it was decided.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "kmzb"
NAMESPACE = "KMZB"
METRIC_NAMES = frozenset(
    {
        "ReportsAccepted",
        "ReportsRefusedDailyLimit",
        "ReportsRefusedNetworkCeiling",
        "ReportsRefusedProofOfWork",
        "ReportsRefusedValidation",
        "NotificationsPublished",
        "NotificationsFailed",
        "NotificationsDeadLettered",
        "FeedBuilds",
        "StatusChanges",
        "AttachmentsRefused",
        "FeedBuildDuration",
        "FeedAge",
    }
)
# A refused submission's error code → its metric; any other 4xx is a validation refusal.
REFUSAL_METRICS = {
    "daily_limit": "ReportsRefusedDailyLimit",
    "network_ceiling": "ReportsRefusedNetworkCeiling",
    "proof_of_work": "ReportsRefusedProofOfWork",
}


def _stage() -> str:
    return os.environ.get("KMZB_STAGE", "").strip() or "local"


if _stage() == "local":
    # make run and the tests: no EMF on stdout unless asked for.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
metrics.set_default_dimensions(garrison=_stage())


def count(name: str, value: int = 1) -> None:
    """Add `value` to the count metric `name` (one of METRIC_NAMES) of this invocation."""
    assert name in METRIC_NAMES, name
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def milliseconds(name: str, value: float) -> None:
    assert name in METRIC_NAMES, name
    metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=round(value, 3))


def seconds(name: str, value: float) -> None:
    assert name in METRIC_NAMES, name
    metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=round(value, 3))


# --- traces: built on first use, only where X-Ray listens ---------------------

_tracer: Any = None


def tracing_enabled(env: Any = os.environ) -> bool:
    """Whether this process sends traces: inside Lambda (LAMBDA_TASK_ROOT), outside the local
    stage, not under `chalice local` or SAM, and not POWERTOOLS_TRACE_DISABLED."""
    disabled = env.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower()
    return (
        disabled not in ("1", "true", "yes", "on")
        and bool(env.get("LAMBDA_TASK_ROOT"))
        and not env.get("AWS_CHALICE_CLI_MODE")
        and not env.get("AWS_SAM_LOCAL")
        and (env.get("KMZB_STAGE", "").strip() or "local") != "local"
    )


def tracer() -> Any:
    """The service's powertools Tracer (imports the X-Ray SDK: call only when tracing)."""
    global _tracer
    if _tracer is None:
        from aws_lambda_powertools import Tracer

        # boto3/botocore calls become subsegments; nothing else is patched.
        _tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
    return _tracer


def _traced(handler: Callable[..., Any]) -> Callable[..., Any]:
    if not tracing_enabled():
        return handler
    # A Chalice Response is no JSON for X-Ray's metadata: responses are not captured.
    traced: Callable[..., Any] = tracer().capture_lambda_handler(handler, capture_response=False)
    return traced


def register(app: Any) -> None:
    """Register Logger, Metrics and Tracer once for every function of `app` (http, scheduled,
    dynamodb stream, s3, sqs, sns…: Chalice's 'all'), outermost first: logs with the Lambda
    context, metrics flushed after the handler, traces, and (http) a submission's outcome."""
    from chalice import ConvertToMiddleware

    app.register_middleware(
        ConvertToMiddleware(
            logger.inject_lambda_context(
                correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
            )
        ),
        "all",
    )
    log_metrics = ConvertToMiddleware(metrics.log_metrics(capture_cold_start_metric=True))
    # powertools prints the ColdStart metric even when metrics are off: not then.
    log_metrics_quietly = ConvertToMiddleware(metrics.log_metrics)

    def flush_metrics(event: Any, get_response: Callable[[Any], Any]) -> Any:
        flush = log_metrics_quietly if is_metrics_disabled() else log_metrics
        # Most GETs change nothing and have no metrics: not worth a warning each.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            return flush(event, get_response)

    app.register_middleware(flush_metrics, "all")
    app.register_middleware(ConvertToMiddleware(_traced), "all")
    # Inside the metrics' flush, outside the routes' own middleware (the answer is final).
    app.register_middleware(submission_outcomes, "http")


def submission_outcomes(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice http middleware: counts a POST /v1/reports by its answer: 201 (not an
    idempotent replay) ReportsAccepted; 4xx by its error code (REFUSAL_METRICS), any other 4xx
    ReportsRefusedValidation. A 5xx is not the client's doing and counts as neither."""
    response = get_response(event)
    if event.method != "POST" or event.path != "/v1/reports":
        return response
    status = response.status_code
    if status == 201:
        replayed = {k.lower(): v for k, v in (response.headers or {}).items()}.get(
            "idempotent-replayed"
        )
        if replayed != "true":
            count("ReportsAccepted")
    elif 400 <= status < 500:
        code = _error_code(response.body)
        count(REFUSAL_METRICS.get(code or "", "ReportsRefusedValidation"))
    return response


def _error_code(body: Any) -> str | None:
    """The `code` of an error body (problem details, or the legacy `error` member)."""
    if isinstance(body, bytes | str):
        import json

        try:
            body = json.loads(body)
        except ValueError:
            return None
    if not isinstance(body, dict):
        return None
    code = body.get("code") or (body.get("error") or {}).get("code")
    return code if isinstance(code, str) else None
