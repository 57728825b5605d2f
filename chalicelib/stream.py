"""The reports table's stream: each change becomes, at most once, a notification to the unit.

Partial batch failures (powertools BatchProcessor): a record that fails is
reported back and retried alone; the rest of the batch is not redelivered.
Exactly once (powertools Idempotency, keyed by report id and event): a record
delivered again after it was published publishes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from chalicelib import feed, notify

if TYPE_CHECKING:
    from chalicelib.deployment import Deployment

log = Logger(service="kmzb")

# Long enough to cover the stream's 24-hour retention and any replay of it.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600


class IdempotentNotifier:
    def __init__(self, publisher: notify.Publisher, dynamodb_client: Any, table: str) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self.config = IdempotencyConfig(
            event_key_jmespath="[report_id, event]", expires_after_seconds=IDEMPOTENCY_SECONDS
        )
        persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb_client)

        @idempotent_function(
            data_keyword_argument="key", persistence_store=persistence, config=self.config
        )
        def send_once(key: dict[str, str], notification: notify.Notification) -> str:
            return publisher.publish(notification)

        self._send_once = send_once

    def send(self, notification: notify.Notification) -> str:
        key = {"report_id": notification.report_id, "event": notification.event}
        return str(self._send_once(key=key, notification=notification))


def handle_reports_stream(event: dict[str, Any], context: Any, deployment: Deployment) -> Any:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    settings = deployment.settings
    notifier = deployment.notifier
    if context is not None:
        notifier.config.register_lambda_context(context)

    def record_handler(record: Any) -> None:
        name = record.raw_event.get("eventName")
        image = record.dynamodb.new_image if name in ("INSERT", "MODIFY") else {}
        notification = notify.notification_for_stream_record(
            name,
            image,
            settings.panel_url,
            take_up_days=settings.take_up_days,
            verify_days=settings.verify_days,
        )
        if notification is not None:
            notifier.send(notification)

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    changed = {
        image["garrison"]["S"]
        for record in event.get("Records", [])
        for image in (record["dynamodb"].get("NewImage"), record["dynamodb"].get("OldImage"))
        if image and "garrison" in image
    }
    try:
        feed.request_rebuilds(deployment, changed)
    except Exception:  # the scheduled refresh builds what is still wanted
        log.exception("feed rebuild failed", extra={"garrisons": sorted(changed)})
    return response
