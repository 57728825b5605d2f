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


@dataclass(frozen=True)
class Subscription:
    arn: str
    protocol: str
    endpoint: str
    categories: tuple[str, ...]  # empty: every category


def category_filter(categories: tuple[str, ...]) -> str | None:
    """An SNS filter policy on the message attribute `category`."""
    return json.dumps({"category": sorted(categories)}) if categories else None


class UnitTopics:
    """Create unit topics and manage their subscriptions (admin use and the local stack)."""

    def __init__(self, client: Any, topic_arn_prefix: str) -> None:
        self._client = client
        self._prefix = topic_arn_prefix

    def ensure(self, unit_id: str) -> str:
        """Create the unit's topic if missing (CreateTopic is idempotent)."""
        response = self._client.create_topic(Name=topic_name(self._prefix, unit_id))
        return str(response["TopicArn"])

    def subscribe(
        self, unit_id: str, protocol: str, endpoint: str, categories: tuple[str, ...] = ()
    ) -> str:
        attributes = {}
        policy = category_filter(categories)
        if policy:
            attributes["FilterPolicy"] = policy
        response = self._client.subscribe(
            TopicArn=topic_arn(self._prefix, unit_id),
            Protocol=protocol,
            Endpoint=endpoint,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )
        return str(response["SubscriptionArn"])

    def subscriptions(self, unit_id: str) -> list[Subscription]:
        found = []
        paginator = self._client.get_paginator("list_subscriptions_by_topic")
        for page in paginator.paginate(TopicArn=topic_arn(self._prefix, unit_id)):
            for item in page["Subscriptions"]:
                arn = item["SubscriptionArn"]
                categories: tuple[str, ...] = ()
                if arn.startswith("arn:"):
                    attributes = self._client.get_subscription_attributes(SubscriptionArn=arn)
                    policy = attributes["Attributes"].get("FilterPolicy")
                    if policy:
                        categories = tuple(json.loads(policy).get("category", ()))
                found.append(Subscription(arn, item["Protocol"], item["Endpoint"], categories))
        return found

    def unsubscribe(self, subscription_arn: str) -> None:
        self._client.unsubscribe(SubscriptionArn=subscription_arn)
