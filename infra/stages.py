"""The Chalice stages: one per garrison plus `local`, each with its own least-privilege policy.

    python -m infra.stages           # rewrite .chalice/config.json and .chalice/policy-*.json
    python -m infra.stages --check   # exit 1 if they differ from what this module says

Every name a garrison's resources carry is fixed here (tables, topics, queues,
bucket, secret), so that the IAM policy can name each resource instead of `*`.
Chalice's generated policy cannot see pynamodb's or powertools' calls, hence
`autogen_policy: false` and a policy file per stage. Values known only once the
stack exists (the stream's ARN, the bucket, the user pool) are added per stack by
`infra.garrison_stack` on top of the environment written here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from infra.engines import PROJECT_ROOT

CHALICE_DIR = PROJECT_ROOT / ".chalice"
LAMBDA_DATA_DIR = "/var/task/kmzb_data"  # vendor/kmzb_data in the package (infra.lambda_data)
# Log retention is set by the stack (infra.garrison_stack): Chalice 1.34's
# log_retention_in_days names the API handler's log group after a resource that does not exist.
LOG_RETENTION_DAYS = 90
ACCOUNT_REGION = "*:*"  # a stage is deployable to any account and region; names stay exact


def names(garrison: str) -> dict[str, str]:
    """The names of a garrison's resources; the bucket gets `-<account>-<region>` appended."""
    prefix = f"kmzb-{garrison}"
    return {
        "reports_table": f"{prefix}-reports",
        "limits_table": f"{prefix}-limits",
        "idempotency_table": f"{prefix}-idempotency",
        "audit_table": f"{prefix}-audit",
        "topic_prefix": f"{prefix}-unit-",
        "admin_topic": f"{prefix}-admins",
        "stream_dead_letters": f"{prefix}-reports-stream-dlq",
        "notification_dead_letters": f"{prefix}-notifications-dlq",
        "bucket_prefix": f"{prefix}-site-",
        "secret": f"kmzb/{garrison}/client-key",
        "origin_secret": f"kmzb/{garrison}/origin-verify",
        "panel_client_parameter": f"/kmzb/{garrison}/panel-client-id",
    }


def environment(garrison: str) -> dict[str, str]:
    n = names(garrison)
    return {
        "KMZB_STAGE": garrison,
        "KMZB_GARRISONS": garrison,
        "KMZB_REPORTS_TABLE": n["reports_table"],
        "KMZB_LIMITS_TABLE": n["limits_table"],
        "KMZB_IDEMPOTENCY_TABLE": n["idempotency_table"],
        "KMZB_AUDIT_TABLE": n["audit_table"],
        "KMZB_CLIENT_KEY_SECRET_NAME": n["secret"],
        "KMZB_ORIGIN_SECRET_NAME": n["origin_secret"],
        "KMZB_JWT_AUDIENCE_PARAMETER": n["panel_client_parameter"],
        # CloudFront appends the viewer, then API Gateway appends CloudFront's edge.
        "KMZB_TRUSTED_PROXY": "2",
        "KMZB_DATA_DIR": LAMBDA_DATA_DIR,
        "KMZB_UNITS_FILE": f"{LAMBDA_DATA_DIR}/units/{garrison}.json",
        "POWERTOOLS_SERVICE_NAME": "kmzb",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{ACCOUNT_REGION}:{resource}"


def policy(garrison: str) -> dict[str, Any]:
    """What the garrison's functions may do, resource by resource."""
    n = names(garrison)
    tables = [n["reports_table"], n["limits_table"], n["idempotency_table"], n["audit_table"]]
    table_arns = [_arn("dynamodb", f"table/{t}") for t in tables]
    bucket = f"arn:aws:s3:::{n['bucket_prefix']}*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": _arn("logs", "log-group:/aws/lambda/kmzb-" + garrison + "-*"),
            },
            {
                "Sid": "Tables",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:ConditionCheckItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:DescribeTable",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:Query",
                    "dynamodb:UpdateItem",
                ],
                "Resource": table_arns + [f"{arn}/index/*" for arn in table_arns[:1]],
            },
            {
                "Sid": "ReportsStream",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                "Resource": _arn("dynamodb", f"table/{n['reports_table']}/stream/*"),
            },
            {
                "Sid": "UnitTopics",
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": _arn("sns", n["topic_prefix"] + "*"),
            },
            {
                "Sid": "StreamDeadLetters",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                "Resource": _arn("sqs", n["stream_dead_letters"]),
            },
            {
                "Sid": "FeedObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"{bucket}/feeds/*",
            },
            {
                # Without it a missing manifest reads as AccessDenied instead of NoSuchKey.
                "Sid": "FeedListing",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": bucket,
                "Condition": {"StringLike": {"s3:prefix": ["feeds/*"]}},
            },
            {
                "Sid": "Secrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [
                    _arn("secretsmanager", f"secret:{n['secret']}-*"),
                    _arn("secretsmanager", f"secret:{n['origin_secret']}-*"),
                ],
            },
            {
                "Sid": "PanelClientId",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": _arn("ssm", f"parameter{n['panel_client_parameter']}"),
            },
            {
                # X-Ray accepts no resource narrower than `*`.
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                "Resource": "*",
            },
        ],
    }


def stage(garrison: str) -> dict[str, Any]:
    return {
        "api_gateway_stage": "api",
        "api_gateway_endpoint_type": "REGIONAL",  # CloudFront in front is the only CDN
        "autogen_policy": False,
        "iam_policy_file": f"policy-{garrison}.json",
        "xray": True,
        "lambda_memory_size": 512,
        "lambda_timeout": 30,
        "environment_variables": environment(garrison),
        "lambda_functions": {
            "on_report_change": {"lambda_timeout": 120},
            "refresh_feeds": {"lambda_timeout": 120},
            "remind_overdue": {"lambda_timeout": 300},
        },
    }


def files(slugs: list[str]) -> dict[Path, str]:
    """Every file this module owns, path → content."""
    config = {
        "version": "2.0",
        "app_name": "kmzb",
        "stages": {
            "local": {
                "api_gateway_stage": "api",
                "environment_variables": {"KMZB_STAGE": "local"},
            },
            **{slug: stage(slug) for slug in slugs},
        },
    }
    out = {CHALICE_DIR / "config.json": json.dumps(config, indent=2, ensure_ascii=False) + "\n"}
    for slug in slugs:
        out[CHALICE_DIR / f"policy-{slug}.json"] = json.dumps(policy(slug), indent=2) + "\n"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare")
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "data")
    args = parser.parse_args(argv)
    stale = []
    from infra.unit_config import garrison_slugs

    for path, content in files(garrison_slugs(args.data_dir)).items():
        current = path.read_text("utf-8") if path.exists() else None
        if current == content:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(content, "utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)} (run python -m infra.stages)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
