"""A garrison's data: the DynamoDB tables, as the code's models declare them, and its secrets."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs import Part

# Logical id → (the names' key, kept when the stack goes). Reports and their audit trail
# outlive the stack; limits and idempotency keys expire anyway.
TABLES = {
    "ReportsTable": ("reports_table", True),
    "LimitsTable": ("limits_table", False),
    "IdempotencyTable": ("idempotency_table", False),
    "AuditTable": ("audit_table", True),
}


class Data(Part):
    """The tables (`tables`, by logical id), the client-key HMAC secret (`client_key`) and
    the secret CloudFront sends to the API (`origin_secret`)."""

    def __init__(self, scope: Construct, construct_id: str, *, names: dict[str, str]) -> None:
        super().__init__(scope, construct_id)
        models = table_models(names)
        self.tables: dict[str, dynamodb.CfnTable] = {}
        for logical_id, (key, protected) in TABLES.items():
            table = dynamodb.CfnTable(
                self,
                logical_id,
                deletion_protection_enabled=protected,
                **table_properties(models[key]),
            )
            table.apply_removal_policy(
                cdk.RemovalPolicy.RETAIN if protected else cdk.RemovalPolicy.DESTROY
            )
            self.tables[logical_id] = table
        self.client_key = self._generated_secret(
            "ClientKeySecret",
            names["secret"],
            "HMAC key of client addresses (daily limits, tracking tokens).",
            length=64,
        )
        self.client_key.apply_removal_policy(cdk.RemovalPolicy.RETAIN)  # rotating it voids links
        # CloudFront sends it to the API: requests without it went around CloudFront, and
        # their X-Forwarded-For (which decides the daily limit's client) is not believed.
        self.origin_secret = self._generated_secret(
            "OriginSecret",
            names["origin_secret"],
            "Sent by CloudFront to the API: the request came through CloudFront.",
            length=48,
        )

    @property
    def reports(self) -> dynamodb.CfnTable:
        return self.tables["ReportsTable"]

    def _generated_secret(
        self, logical_id: str, name: str, description: str, length: int
    ) -> secretsmanager.Secret:
        return secretsmanager.Secret(
            self,
            logical_id,
            secret_name=name,
            description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=length, exclude_punctuation=True
            ),
        )


def table_models(names: dict[str, str]) -> dict[str, Any]:
    """The pynamodb models of a garrison's tables, by the names' key.

    The models are the one definition of keys and indexes: the stack asks them rather than
    repeating them (pynamodb only; no AWS client is made).
    """
    from chalicelib.deployment import Settings
    from chalicelib.storage import build_models

    settings = Settings.from_env(
        {
            "KMZB_CLIENT_KEY_SECRET_NAME": names["secret"],
            "KMZB_REPORTS_TABLE": names["reports_table"],
            "KMZB_LIMITS_TABLE": names["limits_table"],
            "KMZB_IDEMPOTENCY_TABLE": names["idempotency_table"],
            "KMZB_AUDIT_TABLE": names["audit_table"],
        }
    )
    report, limit, idempotency, audit, *_ = build_models(settings)
    return {
        "reports_table": report,
        "limits_table": limit,
        "idempotency_table": idempotency,
        "audit_table": audit,
    }


def table_properties(model: Any) -> dict[str, Any]:
    """CfnTable properties for a pynamodb model: keys and indexes exactly as the code uses them."""
    schema = model._get_schema()

    def keys(key_schema: list[dict[str, str]]) -> list[Any]:
        return [
            dynamodb.CfnTable.KeySchemaProperty(
                attribute_name=k["AttributeName"], key_type=k["KeyType"]
            )
            for k in sorted(key_schema, key=lambda k: k["KeyType"])  # HASH before RANGE
        ]

    properties: dict[str, Any] = {
        "table_name": model.Meta.table_name,
        "billing_mode": "PAY_PER_REQUEST",
        "key_schema": keys(schema["key_schema"]),
        "attribute_definitions": [
            dynamodb.CfnTable.AttributeDefinitionProperty(
                attribute_name=a["AttributeName"], attribute_type=a["AttributeType"]
            )
            for a in schema["attribute_definitions"]
        ],
        "point_in_time_recovery_specification": (
            dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                point_in_time_recovery_enabled=True
            )
        ),
        "sse_specification": dynamodb.CfnTable.SSESpecificationProperty(
            sse_enabled=True, sse_type="KMS"
        ),
    }
    indexes = schema.get("global_secondary_indexes") or []
    if indexes:
        properties["global_secondary_indexes"] = [
            dynamodb.CfnTable.GlobalSecondaryIndexProperty(
                index_name=index["index_name"],
                key_schema=keys(index["key_schema"]),
                projection=dynamodb.CfnTable.ProjectionProperty(
                    projection_type=index["projection"]["ProjectionType"]
                ),
            )
            for index in indexes
        ]
    stream = getattr(model.Meta, "stream_view_type", None)
    if stream:
        properties["stream_specification"] = dynamodb.CfnTable.StreamSpecificationProperty(
            stream_view_type=stream
        )
    ttl = model._ttl_attribute()
    if ttl is not None:
        properties["time_to_live_specification"] = (
            dynamodb.CfnTable.TimeToLiveSpecificationProperty(
                attribute_name=ttl.attr_name, enabled=True
            )
        )
    return properties
