"""Who hears of what: a topic per unit (officers' SMS and e-mail), the admins' alarm topic,
and the queue where messages SNS could not deliver end up."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs import Part
from infra.monitoring import operators_topic

DEAD_LETTER_RETENTION = cdk.Duration.days(14)


def dead_letter_queue(scope: Construct, logical_id: str, name: str) -> sqs.Queue:
    """An encrypted, TLS-only queue that keeps what failed for two weeks."""
    return sqs.Queue(
        scope,
        logical_id,
        queue_name=name,
        retention_period=DEAD_LETTER_RETENTION,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
    )


class Notifications(Part):
    """`unit_topics` (unit id → topic), `admin_topic`, `dead_letters` (undeliverable
    messages of officers' subscriptions, which `kmzb-admin subscribe` redrives here)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        garrison: str,
        names: dict[str, str],
        unit_ids: Sequence[str],
        admin_emails: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.admin_topic = self._admin_topic(garrison, names["admin_topic"], admin_emails)
        managed_key = kms.Alias.from_alias_name(self, "SnsManagedKey", "alias/aws/sns")
        self.dead_letters = dead_letter_queue(
            self, "NotificationDeadLetters", names["notification_dead_letters"]
        )
        self.unit_topics = {
            unit_id: sns.Topic(
                self,
                f"UnitTopic{unit_id.replace('-', '').replace('_', '')}",
                topic_name=names["topic_prefix"] + unit_id,
                display_name="KMZB",  # the SMS sender name where the country allows one
                master_key=managed_key,
                enforce_ssl=True,
            )
            for unit_id in unit_ids
        }
        self.dead_letters.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("sns.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.dead_letters.queue_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": cdk.Stack.of(self).format_arn(
                            service="sns", resource=names["topic_prefix"] + "*"
                        )
                    }
                },
            )
        )
        self.topic_arn_prefix = (
            f"arn:{cdk.Aws.PARTITION}:sns:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:"
            f"{names['topic_prefix']}"
        )

    def _admin_topic(self, garrison: str, name: str, emails: Sequence[str]) -> sns.Topic:
        return operators_topic(
            self,
            "AdminTopic",
            name=name,
            description=f"KMZB {garrison}: the admins' alarm topic",
            emails=emails,
        )
