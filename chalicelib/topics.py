"""SNS at the edge: the unit topics, publishing to them, and officers' subscriptions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.notify import Notification


def topic_arn(prefix: str, unit_id: str) -> str:
    return prefix + unit_id


def topic_name(prefix: str, unit_id: str) -> str:
    return topic_arn(prefix, unit_id).rsplit(":", 1)[-1]


class SnsPublisher:
    def __init__(self, client: Any, topic_arn_prefix: str) -> None:
        self._client = client
        self._prefix = topic_arn_prefix

    def publish(self, notification: Notification) -> str:
        response = self._client.publish(
            TopicArn=topic_arn(self._prefix, notification.topic_unit),
            Message=notification.sns_message(),
            MessageStructure="json",
            Subject=notification.email_subject,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in notification.attributes.items()
            },
        )
        return str(response["MessageId"])


OFFICER_EVENTS = ("report_created",)
COORDINATOR_EVENTS = ("report_created", "overdue_summary")


@dataclass(frozen=True)
class Subscription:
    arn: str
    protocol: str
    endpoint: str
    events: tuple[str, ...]  # empty: everything published to the topic
    categories: tuple[str, ...]  # empty: every category


def filter_policy(events: tuple[str, ...], categories: tuple[str, ...]) -> str:
    """An SNS filter policy on the message attributes `event` and `category`.

    A category filter applies to report events only, so that a coordinator's
    overdue summaries (which have no category) still arrive.
    """
    if not categories:
        return json.dumps({"event": sorted(events)})
    reports = {"event": ["report_created"], "category": sorted(categories)}
    others = sorted(set(events) - {"report_created"})
    if not others:
        return json.dumps(reports)
    return json.dumps({"$or": [reports, {"event": others}]})


class UnitTopics:
    """Create unit topics and manage their subscriptions (admin use and the local stack)."""

    def __init__(
        self, client: Any, topic_arn_prefix: str, dead_letters_arn: str | None = None
    ) -> None:
        self._client = client
        self._prefix = topic_arn_prefix
        self._dead_letters = dead_letters_arn

    def ensure(self, unit_id: str) -> str:
        """Create the unit's topic if missing (CreateTopic is idempotent)."""
        response = self._client.create_topic(Name=topic_name(self._prefix, unit_id))
        return str(response["TopicArn"])

    def subscribe(
        self,
        unit_id: str,
        protocol: str,
        endpoint: str,
        categories: tuple[str, ...] = (),
        events: tuple[str, ...] = OFFICER_EVENTS,
    ) -> str:
        response = self._client.subscribe(
            TopicArn=topic_arn(self._prefix, unit_id),
            Protocol=protocol,
            Endpoint=endpoint,
            Attributes=self._subscription_attributes(events, categories),
            ReturnSubscriptionArn=True,
        )
        return str(response["SubscriptionArn"])

    def _subscription_attributes(
        self, events: tuple[str, ...], categories: tuple[str, ...]
    ) -> dict[str, str]:
        attributes = {"FilterPolicy": filter_policy(events, categories)}
        if self._dead_letters:
            # Messages SNS cannot deliver (a dead number, a full mailbox) wait here for the
            # admins instead of vanishing; an alarm watches the queue.
            attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": self._dead_letters})
        return attributes

    def subscriptions(self, unit_id: str) -> list[Subscription]:
        found = []
        paginator = self._client.get_paginator("list_subscriptions_by_topic")
        for page in paginator.paginate(TopicArn=topic_arn(self._prefix, unit_id)):
            for item in page["Subscriptions"]:
                arn = item["SubscriptionArn"]
                events: set[str] = set()
                categories: tuple[str, ...] = ()
                if arn.startswith("arn:"):
                    attributes = self._client.get_subscription_attributes(SubscriptionArn=arn)
                    policy = json.loads(attributes["Attributes"].get("FilterPolicy") or "{}")
                    for part in policy.get("$or", [policy]):
                        events.update(part.get("event", ()))
                        categories = categories or tuple(part.get("category", ()))
                found.append(
                    Subscription(
                        arn, item["Protocol"], item["Endpoint"], tuple(sorted(events)), categories
                    )
                )
        return found

    def unsubscribe(self, subscription_arn: str) -> None:
        self._client.unsubscribe(SubscriptionArn=subscription_arn)
