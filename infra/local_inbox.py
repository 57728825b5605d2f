"""Local inboxes: each unit's topic on moto's server delivers into an SQS queue of its own.

Officers get SMS and e-mail in AWS; locally `kmzb-admin inbox --unit TERYT` reads
the queue. moto hands an SQS subscriber only the `sqs` (or `default`) text of a
JSON-structured message, so the notification carries both texts in its `sqs` text.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from chalicelib.topics import UnitTopics, topic_name


def inbox_name(topic_arn_prefix: str, unit_id: str) -> str:
    """The queue beside the unit's topic (named after it, so deployments never share one)."""
    return topic_name(topic_arn_prefix, unit_id) + "-inbox"


@dataclass(frozen=True)
class InboxMessage:
    sent_at: str
    attributes: dict[str, str]
    sms: str
    email_subject: str
    email_body: str


def ensure_inbox(sns: Any, sqs: Any, topic_arn_prefix: str, unit_id: str) -> None:
    topic = UnitTopics(sns, topic_arn_prefix).ensure(unit_id)
    queue_url = sqs.create_queue(QueueName=inbox_name(topic_arn_prefix, unit_id))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    existing = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    if not any(s["Endpoint"] == queue_arn for s in existing):
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)


def ensure_inboxes(sns: Any, sqs: Any, topic_arn_prefix: str, unit_ids: list[str]) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda u: ensure_inbox(sns, sqs, topic_arn_prefix, u), unit_ids))


def read_inbox(sqs: Any, topic_arn_prefix: str, unit_id: str) -> list[InboxMessage]:
    """Every message in the unit's inbox, oldest first; they stay there to be read again."""
    queue_url = sqs.get_queue_url(QueueName=inbox_name(topic_arn_prefix, unit_id))["QueueUrl"]
    received: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            break
        received.extend(batch)
    if received:  # make them visible again: reading is not taking
        for start in range(0, len(received), 10):
            sqs.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(received[start : start + 10])
                ],
            )
    messages = []
    for message in received:
        envelope = json.loads(message["Body"])
        texts = json.loads(envelope["Message"])
        attributes = {
            name: value.get("Value", "")
            for name, value in envelope.get("MessageAttributes", {}).items()
        }
        messages.append(
            InboxMessage(
                sent_at=envelope.get("Timestamp", ""),
                attributes=attributes,
                sms=texts["sms"],
                email_subject=texts["email"]["subject"],
                email_body=texts["email"]["body"],
            )
        )
    return sorted(messages, key=lambda m: m.sent_at)


def main() -> int:
    """Create every unit's topic and inbox on the local stack (`make run` calls this)."""
    import boto3

    from chalicelib.deployment import Deployment, Settings

    settings = Settings.from_env()
    from botocore.config import Config

    # moto's server now and then answers a burst with a 500: retry those.
    retries = Config(retries={"mode": "standard", "max_attempts": 6})
    sns = boto3.client(
        "sns", region_name=settings.region, endpoint_url=settings.sns_endpoint, config=retries
    )
    sqs = boto3.client(
        "sqs", region_name=settings.region, endpoint_url=settings.sqs_endpoint, config=retries
    )
    units = [u.id for u in Deployment(settings).router.units]
    ensure_inboxes(sns, sqs, settings.topic_arn_prefix, units)
    print(f"{len(units)} unit topics with local inboxes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
