"""Notify handler throughput: records per second in 100-record stream batches, vs bare publishes.

The handler is the reports stream's Lambda (`app.on_report_change`), called
with Lambda-shaped batches of 100 INSERT records of new Kraków reports (fresh
report ids every batch, so idempotency never short-circuits), as the event
pump or Lambda would call it. It builds each report's notification, records it
in powertools Idempotency's table on DynamoDB Local (two writes per record) and
publishes it to the unit's topic on moto's server. The baseline is 100 plain
boto3 `sns.publish` calls of the same notifications, with exactly the arguments
the handler's publisher sends, to the same topic. The topic delivers to the
unit's SQS inbox, as in `make run`, for both; the inbox is emptied between
rounds, outside the timings. Rounds alternate, their order rotating, so that
noise hits both alike. One further batch runs under cProfile to see where the
handler's time goes (the profiler slows Python code more than waits on
sockets, so the shares are a rough guide).

    python -m bench.notify_throughput
"""

from __future__ import annotations

import cProfile
import itertools
import pstats
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.common import (
    Measurement,
    bench_settings,
    main_for,
    measure_interleaved,
    median,
    with_engines,
)

SECRET = "bench-secret-for-client-keys"
UNIT = "kmp-1261"
KRAKOW = (50.0614, 19.9366)
BATCH = 100
WARMUP_ROUNDS = 2
ROUNDS = 5  # of each kind
STREAM_ARN = "arn:aws:dynamodb:eu-central-1:123456789012:table/bench-reports/stream/local"
DESCRIPTION = "Samochody parkują na chodniku przy przejściu dla pieszych, codziennie rano."


class BenchError(RuntimeError):
    pass


@dataclass
class Reports:
    """New Kraków reports, as stored items (DynamoDB JSON) and as the handler reads them."""

    placement: Any  # chalicelib.units.Placement of the point
    panel_url: str
    take_up_days: int
    verify_days: int
    sequence: Iterator[int] = field(default_factory=lambda: itertools.count(10**20))

    def image(self, report_id: str, now: datetime) -> dict[str, Any]:
        """The item `ReportStore` writes for a new report (pynamodb leaves out empty ones)."""
        from chalicelib import workflow
        from chalicelib.reports import SOURCE_CITIZEN_WEB, iso

        p = self.placement
        return {
            "id": {"S": report_id},
            "category": {"S": "illegal_parking"},
            "lat": {"N": str(KRAKOW[0])},
            "lon": {"N": str(KRAKOW[1])},
            "teryt": {"S": p.powiat.teryt},
            "powiat_name": {"S": p.powiat.name},
            "unit_id": {"S": p.unit.id},
            "unit_name": {"S": p.unit.name},
            "unit_teryt": {"S": p.unit.teryt},
            "unit_status": {"S": f"{p.unit.id}#{workflow.NEW}"},
            "garrison": {"S": p.garrison.id},
            "status": {"S": workflow.NEW},
            "status_version": {"N": "1"},
            "created_at": {"S": iso(now)},
            "modified_at": {"S": iso(now)},
            "source": {"S": SOURCE_CITIZEN_WEB},
            "description": {"S": DESCRIPTION},
        }

    def images(self, count: int) -> list[dict[str, Any]]:
        from chalicelib.reports import new_report_id

        now = datetime.now(UTC)
        return [self.image(new_report_id(now), now) for _ in range(count)]

    def stream_event(self, count: int) -> dict[str, Any]:
        """A batch as Lambda delivers it from the reports table's stream."""
        records = []
        for image in self.images(count):
            records.append(
                {
                    "eventID": uuid.uuid4().hex,
                    "eventName": "INSERT",
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": "eu-central-1",
                    "eventSourceARN": STREAM_ARN,
                    "dynamodb": {
                        "ApproximateCreationDateTime": time.time(),
                        "Keys": {"id": image["id"]},
                        "NewImage": image,
                        "SequenceNumber": str(next(self.sequence)),
                        "SizeBytes": 600,
                        "StreamViewType": "NEW_AND_OLD_IMAGES",
                    },
                }
            )
        return {"Records": records}

    def notifications(self, count: int) -> list[Any]:
        """What the handler would publish for `count` new reports."""
        from boto3.dynamodb.types import TypeDeserializer

        from chalicelib.notify import notification_for_new_report

        deserializer = TypeDeserializer()
        return [
            notification_for_new_report(
                {name: deserializer.deserialize(value) for name, value in image.items()},
                self.panel_url,
                self.take_up_days,
                self.verify_days,
            )
            for image in self.images(count)
        ]


@dataclass
class Inbox:
    """The unit's SQS inbox: checks a round delivered every message, then empties it."""

    sqs: Any
    url: str

    def check_and_empty(self, expected: int) -> None:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        found = int(attributes["ApproximateNumberOfMessages"])
        if found != expected:
            raise BenchError(f"the inbox holds {found} messages, not {expected}")
        # PurgeQueue is allowed once a minute: take the messages out instead.
        taken = 0
        while batch := self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", []):
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
                ],
            )
            taken += len(batch)
        if taken != expected:
            raise BenchError(f"took {taken} messages out of the inbox, not {expected}")


@dataclass
class HandlerBatch:
    """Times `app.on_report_change` on one batch of new reports."""

    reports: Reports
    inbox: Inbox
    size: int = BATCH

    def __call__(self) -> float:
        from app import on_report_change
        from infra.event_pump import LocalLambdaContext

        event = self.reports.stream_event(self.size)
        context = LocalLambdaContext()
        start = time.perf_counter()
        result = on_report_change(event, context)
        elapsed = time.perf_counter() - start
        failures = (result or {}).get("batchItemFailures")
        if failures:
            raise BenchError(f"{len(failures)} records failed: {failures[:3]}")
        self.inbox.check_and_empty(self.size)
        return elapsed


@dataclass
class BarePublishes:
    """Times the same notifications' `sns.publish` calls, one after another, with boto3."""

    sns: Any
    topic_arn_prefix: str
    reports: Reports
    inbox: Inbox
    size: int = BATCH

    def __call__(self) -> float:
        from chalicelib.topics import topic_arn

        calls = [
            {
                "TopicArn": topic_arn(self.topic_arn_prefix, n.topic_unit),
                "Message": n.sns_message(),
                "MessageStructure": "json",
                "Subject": n.email_subject,
                "MessageAttributes": {
                    name: {"DataType": "String", "StringValue": value}
                    for name, value in n.attributes.items()
                },
            }
            for n in self.reports.notifications(self.size)
        ]
        start = time.perf_counter()
        for call in calls:
            self.sns.publish(**call)
        elapsed = time.perf_counter() - start
        self.inbox.check_and_empty(self.size)
        return elapsed


def profile_shares(batch: HandlerBatch) -> tuple[float, float]:
    """Shares of one profiled batch spent in the idempotency records and in SNS publishes."""
    from app import on_report_change
    from infra.event_pump import LocalLambdaContext

    event = batch.reports.stream_event(batch.size)
    profile = cProfile.Profile()
    result = profile.runcall(on_report_change, event, LocalLambdaContext())
    if (result or {}).get("batchItemFailures"):
        raise BenchError("records failed in the profiled batch")
    batch.inbox.check_and_empty(batch.size)
    stats = pstats.Stats(profile)
    idempotency = publish = 0.0
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        path, cumulative = filename.replace("\\", "/"), row[3]
        if path.endswith("idempotency/persistence/base.py") and function in (
            "save_inprogress",
            "save_success",
        ):
            idempotency += cumulative
        elif path.endswith("chalicelib/topics.py") and function == "publish":
            publish += cumulative
    total: float = stats.total_tt  # type: ignore[attr-defined]
    return idempotency / total, publish / total


def measure(dynamodb_url: str, moto_url: str, rounds: int = ROUNDS) -> list[Measurement]:
    import boto3

    from chalicelib.deployment import Deployment, use
    from chalicelib.topics import UnitTopics
    from infra.local_inbox import ensure_inbox, inbox_name
    from infra.local_site import ensure_bucket

    # The handler also rebuilds the changed garrisons' feeds (debounced), as in `make run`:
    # into a bucket on moto, never a real one.
    settings = bench_settings(dynamodb_url, moto_url, KMZB_CLIENT_KEY_SECRET=SECRET)
    deployment = Deployment(settings)
    deployment.store.create_tables()
    use(deployment)
    try:

        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=moto_url,
                region_name=settings.region,
                aws_access_key_id="local",
                aws_secret_access_key="local",
            )

        sns, sqs = client("sns"), client("sqs")
        ensure_bucket(client("s3"), settings.site_bucket, settings.region)
        UnitTopics(deployment.sns, settings.topic_arn_prefix).ensure(UNIT)
        ensure_inbox(sns, sqs, settings.topic_arn_prefix, UNIT)
        queue_url = sqs.get_queue_url(QueueName=inbox_name(settings.topic_arn_prefix, UNIT))
        inbox = Inbox(sqs, queue_url["QueueUrl"])
        placement = deployment.router.place(*KRAKOW)
        if placement.unit.id != UNIT:
            raise BenchError(f"{KRAKOW} is served by {placement.unit.id}, not {UNIT}")
        reports = Reports(
            placement, settings.panel_url, settings.take_up_days, settings.verify_days
        )
        handler = HandlerBatch(reports, inbox)
        bare = BarePublishes(sns, settings.topic_arn_prefix, reports, inbox)
        for _ in range(WARMUP_ROUNDS):
            handler()
            bare()
        timings = measure_interleaved({"handler": handler, "bare": bare}, rounds)
        idempotency_share, publish_share = profile_shares(handler)
    finally:
        use(None)
    handler_s, bare_s = median(timings["handler"]), median(timings["bare"])
    return [
        Measurement(
            f"Notify handler: time ÷ bare `sns.publish` time ({BATCH} records, medians)",
            handler_s / bare_s,
            "x",
        ),
        Measurement(
            f"Notify handler: records per second ({BATCH}-record batches, median of {rounds})",
            BATCH / handler_s,
            "/s",
        ),
        Measurement(
            f"Bare `sns.publish`: calls per second ({BATCH} in a row, median of {rounds})",
            BATCH / bare_s,
            "/s",
        ),
        Measurement(
            "Notify handler: share in idempotency records (2 DynamoDB writes each; cProfile)",
            idempotency_share * 100,
            "%",
        ),
        Measurement(
            "Notify handler: share in `sns.publish` (cProfile, one batch)",
            publish_share * 100,
            "%",
        ),
    ]


def run() -> list[Measurement]:
    return with_engines("notify_throughput", lambda dynamodb, moto: measure(dynamodb, str(moto)))


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
