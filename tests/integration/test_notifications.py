"""Stored reports reach the unit's officers through SNS: once, filtered, and despite failures."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3

from app import on_report_change
from chalicelib.deployment import Deployment
from chalicelib.topics import UnitTopics
from infra.engines import free_port
from infra.event_pump import LocalLambdaContext, RetryPolicy, StreamPump, reports_stream_arn
from infra.local_inbox import ensure_inbox, read_inbox
from tests.integration.test_submission import KRAKOW, answer, post

ROAD = [
    "speeding",
    "illegal_racing",
    "illegal_parking",
    "traffic_organisation",
    "road_infrastructure",
]


def _client(deployment: Deployment, service: str) -> Any:
    settings = deployment.settings
    endpoint = settings.sns_endpoint if service == "sns" else settings.sqs_endpoint
    return boto3.client(service, region_name=settings.region, endpoint_url=endpoint)


# Retries at once, so that each poll below is one attempt.
AT_ONCE = RetryPolicy(base_delay=0, max_delay=0)


def _pump(deployment: Deployment, checkpoint: Path) -> StreamPump:
    settings = deployment.settings
    streams = boto3.client(
        "dynamodbstreams", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
    )
    arn = reports_stream_arn(deployment.dynamodb, settings.reports_table)
    return StreamPump(
        streams,
        arn,
        on_report_change,
        checkpoint,
        dead_letters=checkpoint.with_suffix(".dlq"),
        policy=AT_ONCE,
    )


def _inbox(deployment: Deployment, unit_id: str) -> None:
    settings = deployment.settings
    ensure_inbox(
        _client(deployment, "sns"), _client(deployment, "sqs"), settings.topic_arn_prefix, unit_id
    )


def _read(deployment: Deployment) -> list[Any]:
    return read_inbox(_client(deployment, "sqs"), deployment.settings.topic_arn_prefix, "kmp-1261")


def _queue_messages(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        messages.extend(json.loads(m["Body"]) for m in batch)
    return messages


def test_a_new_report_reaches_its_units_inbox_once_with_attributes_and_texts(
    client: Any, notifying: Deployment, tmp_path: Path
) -> None:
    _inbox(notifying, "kmp-1261")
    receipt = answer(post(client, {**KRAKOW, "description": "Samochody na chodniku"}))
    pump = _pump(notifying, tmp_path / "checkpoint.json")
    assert pump.poll() == 1

    (message,) = _read(notifying)
    assert message.attributes == {
        "garrison": "malopolskie",
        "unit": "kmp-1261",
        "category": "illegal_parking",
        "event": "report_created",
    }
    assert "Nieprawidlowe parkowanie, Krakow" in message.sms
    assert message.sms.endswith(receipt["id"])
    assert len(message.sms) <= 160
    assert "Samochody na chodniku" in message.email_body
    # Reading the inbox does not empty it.
    assert len(_read(notifying)) == 1


def test_filter_policies_send_road_reports_to_traffic_officers_only(
    client: Any, notifying: Deployment, tmp_path: Path
) -> None:
    sns, sqs = _client(notifying, "sns"), _client(notifying, "sqs")
    topics = UnitTopics(sns, notifying.settings.topic_arn_prefix)
    topics.ensure("kmp-1261")
    queues = {}
    for name, wanted in (("traffic", tuple(ROAD)), ("social", ("begging", "homeless_in_need"))):
        url = sqs.create_queue(QueueName=f"{tmp_path.name}-{name}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        topics.subscribe("kmp-1261", "sqs", arn["Attributes"]["QueueArn"], wanted)
        queues[name] = url

    assert post(client, {**KRAKOW, "category": "speeding"}, ip="203.0.113.1").status_code == 201
    assert post(client, {**KRAKOW, "category": "begging"}, ip="203.0.113.2").status_code == 201
    assert _pump(notifying, tmp_path / "checkpoint.json").poll() == 2

    def categories_in(queue: str) -> list[str]:
        return [m["MessageAttributes"]["category"]["Value"] for m in _queue_messages(sqs, queue)]

    assert categories_in(queues["traffic"]) == ["speeding"]
    assert categories_in(queues["social"]) == ["begging"]


def test_with_sns_down_the_report_is_kept_and_published_exactly_once_after_recovery(
    client: Any, notifying: Deployment, tmp_path: Path
) -> None:
    _inbox(notifying, "kmp-1261")
    working = notifying.settings
    notifying.settings = replace(working, sns_endpoint=f"http://127.0.0.1:{free_port()}")
    for cached in ("sns", "notifier"):
        notifying.__dict__.pop(cached, None)

    response = post(client, KRAKOW)
    assert response.status_code == 201  # the API never waits for SNS
    report_id = answer(response)["id"]
    assert notifying.store.get(report_id) is not None

    checkpoint = tmp_path / "checkpoint.json"
    pump = _pump(notifying, checkpoint)
    assert pump.poll() == 1  # read, failed, not checkpointed
    assert pump.positions == {}
    assert _read(notifying) == []

    notifying.settings = working
    for cached in ("sns", "notifier"):
        notifying.__dict__.pop(cached, None)
    assert pump.poll() == 1  # retried from the failed record
    assert len(_read(notifying)) == 1
    assert pump.poll() == 0

    # A replay of the whole stream (a new reader from the start) publishes nothing new.
    replay = _pump(notifying, tmp_path / "replay.json")
    assert replay.poll() == 1
    assert len(_read(notifying)) == 1


def test_one_failing_record_does_not_fail_the_rest_of_the_batch(
    client: Any, notifying: Deployment, tmp_path: Path
) -> None:
    _inbox(notifying, "kmp-1261")
    assert post(client, KRAKOW, ip="203.0.113.1").status_code == 201
    # A report of a unit whose topic does not exist: its publish fails.
    assert (
        post(client, {**KRAKOW, "lat": 53.1325, "lon": 23.1688}, ip="203.0.113.2").status_code
        == 201
    )
    streams = boto3.client(
        "dynamodbstreams",
        region_name="eu-central-1",
        endpoint_url=notifying.settings.dynamodb_endpoint,
    )
    arn = reports_stream_arn(notifying.dynamodb, notifying.settings.reports_table)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    event = {
        "Records": [
            {
                **r,
                "eventSourceARN": arn,
                "dynamodb": {**r["dynamodb"], "ApproximateCreationDateTime": 0},
            }
            for r in records
        ]
    }

    result = on_report_change(event, LocalLambdaContext())

    bialystok = next(r for r in records if r["dynamodb"]["NewImage"]["teryt"]["S"] == "2061")
    assert result == {
        "batchItemFailures": [{"itemIdentifier": bialystok["dynamodb"]["SequenceNumber"]}]
    }
    assert len(_read(notifying)) == 1


def test_the_pump_resumes_where_it_stopped_after_a_restart(
    client: Any, notifying: Deployment, tmp_path: Path
) -> None:
    _inbox(notifying, "kmp-1261")
    checkpoint = tmp_path / "checkpoint.json"
    assert post(client, KRAKOW, ip="203.0.113.1").status_code == 201
    assert _pump(notifying, checkpoint).poll() == 1

    restarted = _pump(notifying, checkpoint)
    assert restarted.poll() == 0  # no replay of what was delivered
    assert post(client, KRAKOW, ip="203.0.113.2").status_code == 201
    assert restarted.poll() == 1  # nothing lost either
    assert len(_read(notifying)) == 2


def test_when_every_record_fails_each_is_reported_and_logged_not_raised(
    client: Any, publishing: Deployment, caplog: Any
) -> None:
    # Two reports of a unit whose topic does not exist: the whole batch fails. Raising
    # (powertools' default) would tell the invoker nothing about which records or why.
    secret = "Opis, który nie trafia do logów"
    bialystok = {**KRAKOW, "lat": 53.1325, "lon": 23.1688, "description": secret}
    ids = [answer(post(client, bialystok, ip=f"203.0.113.{n}"))["id"] for n in (1, 2)]
    streams = boto3.client(
        "dynamodbstreams",
        region_name="eu-central-1",
        endpoint_url=publishing.settings.dynamodb_endpoint,
    )
    arn = reports_stream_arn(publishing.dynamodb, publishing.settings.reports_table)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    event = {"Records": [{**r, "eventSourceARN": arn} for r in records]}
    for record in event["Records"]:
        record["dynamodb"] = {**record["dynamodb"], "ApproximateCreationDateTime": 0}
    context = LocalLambdaContext()

    result = on_report_change(event, context)

    sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert result == {"batchItemFailures": [{"itemIdentifier": s} for s in sequences]}
    assert sorted(context.record_failures) == sorted(sequences)
    assert all(
        "NotFound" in type(e).__name__ or "not exist" in str(e).lower()
        for e in context.record_failures.values()
    ), context.record_failures
    logged = [r for r in caplog.records if r.getMessage() == "notification failed"]
    assert sorted(r.report_id for r in logged) == sorted(ids)
    assert all(r.levelname == "ERROR" and r.sequence_number in sequences for r in logged)
    assert all("NotFound" in r.error for r in logged)
    assert all(secret not in str(vars(r)) for r in logged)
