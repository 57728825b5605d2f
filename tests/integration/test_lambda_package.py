"""The deployment package itself, run as Lambda would run it: only what the zip holds on the
path, the stage's environment, and AWS played by DynamoDB Local and moto's server (the HMAC
secret in Secrets Manager, the panel's client id in SSM).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3

from chalicelib import limits
from chalicelib.deployment import Settings
from chalicelib.storage import ReportStore
from infra import dev_issuer, stages
from infra.engines import Engine
from infra.templates import CDK_OUT, TEMPLATES, synth
from tests.integration.conftest import ISSUER_STATE, token

GARRISON = "malopolskie"

# Runs in `python -I -S`: no site-packages, no PYTHONPATH; the package is the whole world.
HANDLER = """
import json, sys
sys.path.insert(0, sys.argv[1])
import app

class Context:
    function_name = "kmzb-malopolskie-APIHandler"
    aws_request_id = "test"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:x"
    memory_limit_in_mb = 512
    def get_remaining_time_in_millis(self):
        return 30000

answers = []
for handler, event in json.load(sys.stdin):
    answers.append(getattr(app, handler)(event, Context()))
json.dump(answers, sys.stdout)
"""


def package(tmp_path: Path) -> Path:
    if not (TEMPLATES / f"{GARRISON}.json").exists():
        synth([GARRISON])
    manifest = json.loads((CDK_OUT / f"{GARRISON}.assets.json").read_text("utf-8"))
    for asset in manifest["files"].values():
        path = CDK_OUT / asset["source"]["path"]
        if path.suffix == ".zip" and "app.py" in zipfile.ZipFile(path).namelist():
            zipfile.ZipFile(path).extractall(tmp_path / "task")
            return tmp_path / "task"
    raise AssertionError("no function package among the stack's assets")


def report_event(body: dict[str, Any], forwarded: str, origin_secret: str | None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded}
    if origin_secret is not None:
        headers["X-Kmzb-Origin"] = origin_secret  # CloudFront's custom origin header
    return {
        "resource": "/v1/reports",
        "path": "/v1/reports",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/v1/reports",
            "httpMethod": "POST",
            "path": "/api/v1/reports",
            "stage": "api",
            "requestId": "r1",
            "identity": {"sourceIp": forwarded.rsplit(", ", 1)[-1]},
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def test_the_packaged_functions_take_a_report_and_check_an_officers_token(
    tmp_path: Path, dynamodb: Engine, moto_server: Engine
) -> None:
    task = package(tmp_path)
    suffix = uuid.uuid4().hex[:6]
    secret_value = uuid.uuid4().hex * 2
    secret_name = f"kmzb/{GARRISON}-{suffix}/client-key"
    origin_name = f"kmzb/{GARRISON}-{suffix}/origin-verify"
    origin_value = uuid.uuid4().hex
    parameter = f"/kmzb/{GARRISON}-{suffix}/panel-client-id"
    region = "eu-central-1"
    secrets = boto3.client("secretsmanager", region_name=region, endpoint_url=moto_server.url)
    secrets.create_secret(Name=secret_name, SecretString=secret_value)
    secrets.create_secret(Name=origin_name, SecretString=origin_value)
    boto3.client("ssm", region_name=region, endpoint_url=moto_server.url).put_parameter(
        Name=parameter, Value=dev_issuer.AUDIENCE, Type="String"
    )
    environment = {
        **stages.environment(GARRISON),
        **{
            name: f"{value}-{suffix}"
            for name, value in stages.environment(GARRISON).items()
            if name.endswith("_TABLE")
        },
        "KMZB_CLIENT_KEY_SECRET_NAME": secret_name,
        "KMZB_ORIGIN_SECRET_NAME": origin_name,
        "KMZB_JWT_AUDIENCE_PARAMETER": parameter,
        "KMZB_JWT_ISSUER": dev_issuer.ISSUER,
        # What only the stack knows: outside the local stage the settings demand them.
        "KMZB_TOPIC_ARN_PREFIX": f"arn:aws:sns:{region}:210987654321:kmzb-{GARRISON}-unit-",
        "KMZB_SITE_BUCKET": f"kmzb-{GARRISON}-site-{suffix}",
        "KMZB_REPORTS_STREAM_ARN": (
            f"arn:aws:dynamodb:{region}:210987654321:table/kmzb-{GARRISON}-reports/stream/x"
        ),
        "KMZB_JWKS_URL": dev_issuer.jwks_url(ISSUER_STATE),
        "KMZB_DATA_DIR": str(task / "kmzb_data"),
        "KMZB_UNITS_FILE": str(task / "kmzb_data" / "units" / f"{GARRISON}.json"),
        "KMZB_DYNAMODB_ENDPOINT": dynamodb.url,
        "KMZB_SECRETS_ENDPOINT": moto_server.url,
        "KMZB_SSM_ENDPOINT": moto_server.url,
        "KMZB_SNS_ENDPOINT": moto_server.url,
        "KMZB_S3_ENDPOINT": moto_server.url,
    }
    settings = Settings.from_env(environment)
    store = ReportStore(settings)
    store.create_tables()

    viewer = "203.0.113.70"
    report = {"category": "illegal_parking", "lat": 50.0614, "lon": 19.9366}
    methods = "arn:aws:execute-api:eu-central-1:123456789012:abc/api/GET/v1/officer/me"
    caller = "192.0.2.44"  # calls API Gateway directly, claiming to be someone else
    events = [
        ("app", report_event(report, f"198.51.100.1, {viewer}, 130.176.1.1", origin_value)),
        ("app", report_event(report, f"198.51.100.2, {viewer}, 130.176.9.9", origin_value)),
        ("app", report_event(report, f"198.51.100.3, 203.0.113.3, {caller}", None)),
        ("app", report_event(report, f"198.51.100.4, 203.0.113.4, {caller}", "guess")),
        (
            "officer_token",
            {
                "type": "TOKEN",
                "authorizationToken": f"Bearer {token('officer')}",
                "methodArn": methods,
            },
        ),
    ]
    aws = {"AWS_REGION": region, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", HANDLER, str(task)],
        input=json.dumps(events),
        env={"PATH": os.environ["PATH"], **aws, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    *printed, last = result.stdout.splitlines()  # the functions' EMF metrics, then answers
    first, second, direct, guessed, authorizer = json.loads(last)
    # Outside the local stage metrics are on: EMF in namespace KMZB, this garrison's.
    emf = [json.loads(line) for line in printed if line.startswith("{") and '"_aws"' in line]
    counted = [doc for doc in emf if "ReportsAccepted" in doc]
    assert counted and {doc["garrison"] for doc in counted} == {GARRISON}, printed
    values = [doc["ReportsAccepted"] for doc in counted]  # a number, or a list of them
    assert sum(sum(v) if isinstance(v, list) else v for v in values) == 2  # first and direct
    assert any("ReportsRefusedDailyLimit" in doc for doc in emf)

    assert first["statusCode"] == 201, first
    assert json.loads(first["body"])["unit"]["id"] == "kmp-1261"
    # Behind CloudFront and API Gateway the viewer is second from the end: the same viewer
    # through another edge is the same client, keyed with the secret from Secrets Manager.
    assert second["statusCode"] == 429, second
    limit_keys = [item.key for item in store.Limit.scan()]
    assert any(limits.client_key(secret_value.encode(), viewer) in k for k in limit_keys)
    # Around CloudFront (no origin secret, or a wrong one) the forwarded addresses are not
    # believed: the caller is its own client, and a made-up address does not reset its limit.
    assert direct["statusCode"] == 201 and guessed["statusCode"] == 429, (direct, guessed)
    assert any(limits.client_key(secret_value.encode(), caller) in k for k in limit_keys)

    # The authorizer read the app client's id from SSM and verified the officer's token.
    assert authorizer["context"]["verified"] == "true", authorizer
    assert authorizer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
