"""Local inboxes: each unit's topic on moto's server delivers into an SQS queue of its own.

Officers get SMS and e-mail in AWS; locally `kmzb-admin inbox --unit TERYT` reads
the queue. moto hands an SQS subscriber only the `sqs` (or `default`) text of a
JSON-structured message, so the notification carries both texts in its `sqs` text.

moto keeps everything in memory, so across a restart of `make run` (its state folder,
`.kmzb/`, is kept):
- inboxes are saved when the stack stops (`inboxes.json`, after the event pump has stopped)
  and put back when it starts, before the pump runs; a stack killed without stopping loses
  what arrived since it started;
- officers' subscriptions are recorded by `kmzb-admin subscribe`/`unsubscribe` as they are
  made (`subscriptions.json`) and made again when the stack starts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.topics import UnitTopics, topic_name

_SUBSCRIBING = threading.Lock()
INBOXES_FILE = "inboxes.json"
SUBSCRIPTIONS_FILE = "subscriptions.json"


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
    # moto's server iterates its subscriptions unguarded: two subscribes at once may fail
    # with a 500 (an HTML page botocore cannot parse, so not retried). One at a time.
    with _SUBSCRIBING:
        existing = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        if not any(s["Endpoint"] == queue_arn for s in existing):
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)


def ensure_inboxes(sns: Any, sqs: Any, topic_arn_prefix: str, unit_ids: list[str]) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda u: ensure_inbox(sns, sqs, topic_arn_prefix, u), unit_ids))


def _peek(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message in a queue, left there (visible again at once)."""
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
    return received


def read_inbox(sqs: Any, topic_arn_prefix: str, unit_id: str) -> list[InboxMessage]:
    """Every message in the unit's inbox, oldest first; they stay there to be read again."""
    queue_url = sqs.get_queue_url(QueueName=inbox_name(topic_arn_prefix, unit_id))["QueueUrl"]
    messages = []
    for message in _peek(sqs, queue_url):
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


def _write_json(path: Path, value: Any) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", "utf-8")
    temporary.replace(path)  # atomic: a crash leaves the previous file whole


def _sent_at(body: str) -> str:
    try:
        return str(json.loads(body).get("Timestamp", ""))
    except (ValueError, AttributeError):
        return ""


def save_inboxes(sqs: Any, topic_arn_prefix: str, path: Path) -> int:
    """Write every unit inbox's messages (the SNS envelopes, oldest first) to `path`;
    returns their number. The queues keep them."""
    prefix = topic_name(topic_arn_prefix, "")
    urls = [
        url
        for url in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])
        if url.endswith("-inbox")
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        peeked = list(pool.map(lambda url: _peek(sqs, url), urls))
    inboxes = {
        url.rsplit("/", 1)[-1]: sorted((m["Body"] for m in messages), key=_sent_at)
        for url, messages in zip(urls, peeked, strict=True)
        if messages
    }
    _write_json(path, {"inboxes": inboxes})
    return sum(len(bodies) for bodies in inboxes.values())


def restore_inboxes(sqs: Any, path: Path) -> int:
    """Put the messages saved by `save_inboxes` back into their queues (created if missing),
    oldest first; a queue that already holds messages is left alone. Returns the number put."""
    if not path.exists():
        return 0
    saved = json.loads(path.read_text("utf-8")).get("inboxes", {})
    restored = 0
    for name, bodies in sorted(saved.items()):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        held = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if any(int(count) for count in held.values()):
            continue  # moto kept them: nothing was lost
        for start in range(0, len(bodies), 10):
            entries = [
                {"Id": str(i), "MessageBody": body}
                for i, body in enumerate(bodies[start : start + 10])
            ]
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
        restored += len(bodies)
    return restored


@dataclass(frozen=True)
class RecordedSubscription:
    unit: str
    protocol: str
    endpoint: str
    categories: tuple[str, ...]
    events: tuple[str, ...]


@contextlib.contextmanager
def _recorded(state: Path) -> Iterator[list[RecordedSubscription]]:
    """The recorded subscriptions, to change in place; written back atomically, one writer
    at a time (two admins' commands at once do not lose each other's change)."""
    state.mkdir(parents=True, exist_ok=True)
    path = state / SUBSCRIPTIONS_FILE
    with open(state / (SUBSCRIPTIONS_FILE + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subscriptions = recorded_subscriptions(state)
        yield subscriptions
        _write_json(
            path,
            {
                "subscriptions": [
                    {**s.__dict__, "categories": list(s.categories), "events": list(s.events)}
                    for s in subscriptions
                ]
            },
        )
        os.chmod(path, 0o600)  # officers' phone numbers and addresses


def recorded_subscriptions(state: Path) -> list[RecordedSubscription]:
    path = state / SUBSCRIPTIONS_FILE
    if not path.exists():
        return []
    return [
        RecordedSubscription(
            s["unit"], s["protocol"], s["endpoint"], tuple(s["categories"]), tuple(s["events"])
        )
        for s in json.loads(path.read_text("utf-8")).get("subscriptions", [])
    ]


def record_subscription(state: Path, subscription: RecordedSubscription) -> None:
    """Remember a subscription made on the local stack, replacing one to the same endpoint."""
    with _recorded(state) as subscriptions:
        subscriptions[:] = [
            s
            for s in subscriptions
            if (s.unit, s.protocol, s.endpoint)
            != (subscription.unit, subscription.protocol, subscription.endpoint)
        ]
        subscriptions.append(subscription)


def forget_subscription(state: Path, unit_id: str, endpoint: str) -> None:
    with _recorded(state) as subscriptions:
        subscriptions[:] = [s for s in subscriptions if (s.unit, s.endpoint) != (unit_id, endpoint)]


def restore_subscriptions(topics: UnitTopics, state: Path) -> int:
    """Make the recorded subscriptions again where the topic lacks them; returns how many."""
    made = 0
    existing: dict[str, set[tuple[str, str]]] = {}
    for s in recorded_subscriptions(state):
        if s.unit not in existing:
            topics.ensure(s.unit)
            existing[s.unit] = {(x.protocol, x.endpoint) for x in topics.subscriptions(s.unit)}
        if (s.protocol, s.endpoint) not in existing[s.unit]:
            topics.subscribe(s.unit, s.protocol, s.endpoint, s.categories, s.events)
            made += 1
    return made


def main() -> int:
    """Create every unit's topic and inbox on the local stack (`make run` calls this), and put
    back what the state folder keeps of them: saved messages, recorded subscriptions."""
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
    state = Path(os.environ["KMZB_STATE_DIR"]) if os.environ.get("KMZB_STATE_DIR") else None
    if state is not None:
        messages = restore_inboxes(sqs, state / INBOXES_FILE)
        topics = UnitTopics(sns, settings.topic_arn_prefix, settings.notification_dead_letters_arn)
        subscriptions = restore_subscriptions(topics, state)
        print(f"restored from {state}: inbox messages {messages}, subscriptions {subscriptions}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
