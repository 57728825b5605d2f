"""Submission overhead: `POST /v1/reports` against a bare DynamoDB transaction of the same items.

Both run against one DynamoDB Local (in memory) in the same process, taken in
turn so that machine noise hits them equally. The handler is called through
Chalice's test client, each request from its own address (via X-Forwarded-For
behind a trusted proxy) so that the daily limit never refuses. The baseline is
a plain boto3 `transact_write_items` of a limit record and a report with the
attributes the handler stored (read back after the warm-up), under the same
conditions. With an Idempotency-Key the handler also stores a request hash,
which the baseline leaves out.

    python -m bench.submission
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from chalice.test import Client

from app import app
from bench.common import (
    PROJECT_ROOT,
    Measurement,
    addresses,
    bench_settings,
    main_for,
    measure_interleaved,
    median,
    percentile,
    with_engines,
)
from chalicelib.deployment import Deployment, use
from chalicelib.reports import new_report_id

SECRET = "bench-secret-for-client-keys"
BODY = json.dumps({"category": "speeding", "lat": 50.0614, "lon": 19.9366})
WARMUP = 50
SAMPLES = 500  # of each kind
TARGET_RATIO = 1.5


class BenchError(RuntimeError):
    pass


@dataclass
class Handler:
    """Times one `POST /v1/reports` through Chalice's test client."""

    client: Any
    idempotent: bool
    addresses: Iterator[str]  # shared by every Handler: each request is a new client
    last_id: str | None = None

    def __call__(self) -> float:
        headers = {"content-type": "application/json", "x-forwarded-for": next(self.addresses)}
        if self.idempotent:
            headers["idempotency-key"] = uuid.uuid4().hex
        start = time.perf_counter()
        response = self.client.http.post("/v1/reports", headers=headers, body=BODY)
        elapsed = time.perf_counter() - start
        if response.status_code != 201:
            raise BenchError(f"POST /v1/reports answered {response.status_code}: {response.body!r}")
        self.last_id = json.loads(response.body)["id"]
        return elapsed


@dataclass
class BareTransaction:
    """Times one boto3 `transact_write_items` of a limit record and a report."""

    dynamodb: Any
    limits_table: str
    reports_table: str
    report: dict[str, Any]  # a stored report item, in DynamoDB's JSON; its id is replaced

    def __call__(self) -> float:
        now = datetime.now(UTC)
        expires_at = int((now + timedelta(days=1)).timestamp())
        items = [
            {
                "Put": {
                    "TableName": self.limits_table,
                    "Item": {
                        "key": {"S": f"report#{uuid.uuid4().hex}"},
                        "expires_at": {"N": str(expires_at)},
                    },
                    "ConditionExpression": "attribute_not_exists(#k) OR expires_at <= :now",
                    "ExpressionAttributeNames": {"#k": "key"},
                    "ExpressionAttributeValues": {":now": {"N": str(int(now.timestamp()))}},
                }
            },
            {
                "Put": {
                    "TableName": self.reports_table,
                    "Item": {**self.report, "id": {"S": new_report_id(now)}},
                    "ConditionExpression": "attribute_not_exists(id)",
                }
            },
        ]
        start = time.perf_counter()
        self.dynamodb.transact_write_items(TransactItems=items)
        return time.perf_counter() - start


def _summary(label: str, samples: list[float], baseline: list[float]) -> list[Measurement]:
    ratio = median(samples) / median(baseline)
    return [
        Measurement(f"{label}: median ÷ bare transaction median", ratio, "x", TARGET_RATIO),
        Measurement(f"{label}: median", median(samples) * 1e3, "ms"),
        Measurement(f"{label}: p99", percentile(samples, 0.99) * 1e3, "ms"),
    ]


def measure(dynamodb_url: str, warmup: int = WARMUP, samples: int = SAMPLES) -> list[Measurement]:
    settings = bench_settings(dynamodb_url, KMZB_CLIENT_KEY_SECRET=SECRET)
    deployment = Deployment(settings)
    deployment.store.create_tables()
    use(deployment)
    try:
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=dynamodb_url,
            region_name="eu-central-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        with Client(app, project_dir=str(PROJECT_ROOT)) as client:
            clients = addresses()
            handler = Handler(client, idempotent=False, addresses=clients)
            idempotent = Handler(client, idempotent=True, addresses=clients)
            for _ in range(warmup):
                handler()
                idempotent()
            assert handler.last_id is not None
            stored = dynamodb.get_item(
                TableName=settings.reports_table,
                Key={"id": {"S": handler.last_id}},
                ConsistentRead=True,
            )["Item"]
            bare = BareTransaction(dynamodb, settings.limits_table, settings.reports_table, stored)
            for _ in range(warmup):
                bare()
            timings = measure_interleaved(
                {"handler": handler, "idempotent": idempotent, "bare": bare}, samples
            )
    finally:
        use(None)
    baseline = timings["bare"]
    return [
        *_summary("Submission", timings["handler"], baseline),
        *_summary("Submission with Idempotency-Key", timings["idempotent"], baseline),
        Measurement("Bare transact_write_items: median", median(baseline) * 1e3, "ms"),
        Measurement("Bare transact_write_items: p99", percentile(baseline, 0.99) * 1e3, "ms"),
    ]


def run() -> list[Measurement]:
    return with_engines("submission", lambda dynamodb, _: measure(dynamodb), moto=False)


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
