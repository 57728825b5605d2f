"""A garrison's Chalice stage, made at synthesis: configuration and least-privilege policy.

.chalice/config.json (committed) holds only the `local` stage. A garrison's stage is
`chalice_stage(garrison, ...)`: infra.constructs.api passes it to Chalice's CDK construct
when the stack is synthesized (so `make synth` and `make deploy` make it), and its IAM
policy is written to build/chalice/policy-<garrison>.json (git-ignored), the file the
construct's `chalice package` reads. Every name a garrison's resources carry is fixed by
chalicelib.contract.resource_names, so that the policy can name each resource instead of
`*`. Chalice's generated policy cannot see pynamodb's or powertools' calls, hence
`autogen_policy: false`.

    python -m infra.stages           # write every garrison's policy file (to read them)
    python -m infra.stages --check   # exit 1 if .chalice/ holds more than the local stage

The check matters: a garrison's stage left in .chalice/config.json (an old checkout's)
would be merged by Chalice under the generated one, its per-function settings first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from chalicelib.contract import API_STAGE, LAMBDA_DATA_DIR, resource_names
from infra.paths import PROJECT_ROOT

CHALICE_DIR = PROJECT_ROOT / ".chalice"
GENERATED_DIR = PROJECT_ROOT / "build" / "chalice"
# Log retention is set by the stack (infra.constructs.api): Chalice 1.34's
# log_retention_in_days names the API handler's log group after a resource that does not exist.
LOG_RETENTION_DAYS = 90
ACCOUNT_REGION = "*:*"  # a stage is deployable to any account and region; names stay exact
# What .chalice/config.json holds: `chalice local` and the tests' in-process app.
LOCAL_CONFIG = {
    "version": "2.0",
    "app_name": "kmzb",
    "stages": {
        "local": {
            "api_gateway_stage": API_STAGE,
            "environment_variables": {"KMZB_STAGE": "local"},
        }
    },
}


def environment(garrison: str) -> dict[str, str]:
    """The functions' environment in a garrison's stage (before what only the stack knows)."""
    n = resource_names(garrison)
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
    n = resource_names(garrison)
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


def chalice_stage(
    garrison: str, stack_values: dict[str, str], out: Path = GENERATED_DIR
) -> dict[str, Any]:
    """The stage configuration of a garrison for Chalice's construct: `stack_values` (the
    environment only the stack knows) over `environment(garrison)`; writes its policy file."""
    out.mkdir(parents=True, exist_ok=True)
    policy_file = out / f"policy-{garrison}.json"
    text = json.dumps(policy(garrison), indent=2) + "\n"
    if not policy_file.exists() or policy_file.read_text("utf-8") != text:
        policy_file.write_text(text, "utf-8")
    return {
        "api_gateway_stage": API_STAGE,
        "api_gateway_endpoint_type": "REGIONAL",  # CloudFront in front is the only CDN
        "autogen_policy": False,
        "iam_policy_file": str(policy_file),  # absolute: Chalice joins it to .chalice/
        "xray": True,
        "lambda_memory_size": 512,
        "lambda_timeout": 30,  # longer ones: infra.constructs.api.FUNCTION_TIMEOUTS
        "environment_variables": {**environment(garrison), **stack_values},
    }


def stale_chalice_files(chalice_dir: Path = CHALICE_DIR) -> list[str]:
    """What in .chalice/ is not the local stage's: a config that differs from LOCAL_CONFIG,
    policy files (each garrison's is generated into build/chalice/)."""
    stale = []
    config = chalice_dir / "config.json"
    try:
        current = json.loads(config.read_text("utf-8"))
    except (OSError, ValueError):
        current = None
    if current != LOCAL_CONFIG:
        stale.append(config.name)
    stale += sorted(p.name for p in chalice_dir.glob("policy-*.json"))
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check .chalice/")
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "data")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_chalice_files()
        if stale:
            print(
                f".chalice/ holds more than the local stage: {', '.join(stale)} (a garrison's "
                "stage and policy are generated at synthesis: keep only the local stage, "
                "see infra/stages.py)",
                file=sys.stderr,
            )
            return 1
        return 0
    from infra.unit_config import garrison_slugs

    for slug in garrison_slugs(args.data_dir):
        chalice_stage(slug, {})
    print(f"policies in {GENERATED_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
