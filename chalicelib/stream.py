"""The reports table's stream: each change becomes, at most once, a notification to the unit.

Partial batch failures (powertools BatchProcessor): a record that fails is
reported back and retried; the records before it are not redelivered. When every
record fails (SNS down, the unit's topic missing) every one is reported as failed,
not raised as a function error, so the invoker retries exactly those records and
each failure is logged with its report id (never the description).
Exactly once (powertools Idempotency, keyed by report id and event): a record
delivered again after it was published publishes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib import feed, notify
from chalicelib.observability import count
from chalicelib.observability import logger as log

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


@dataclass(frozen=True)
class StreamJob:
    """What the stream handler uses, given by the composition root (chalicelib.deployment):
    the idempotent notifier, the feed builds to request, and what the messages say (the
    panel's address, the deadlines in days)."""

    notifier: IdempotentNotifier
    feeds: feed.FeedJob
    panel_url: str
    take_up_days: int
    verify_days: int


def handle_reports_stream(event: dict[str, Any], context: Any, job: StreamJob) -> Any:
    """Notify the units of a batch of stream records; returns `{"batchItemFailures": [...]}`
    (the failed records' sequence numbers). Never raises for a failed record. Emits
    NotificationsPublished (each notification sent) and NotificationsFailed (each failed
    record).

    Each failure is logged (`notification failed`: report id, event, sequence number,
    error). A context with a `record_failures` dict (the local event pump's) also receives
    each failed record's exception, keyed by sequence number: Lambda's event source mapping
    sees only the identifiers, the local pump uses the exceptions for its dead-letter reasons
    and to wait out an idempotency record left in progress by a killed invocation.
    """
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    notifier = job.notifier
    if context is not None:
        notifier.config.register_lambda_context(context)
    failures: dict[str, tuple[Any, BaseException]] = {}

    def record_handler(record: Any) -> None:
        try:
            name = record.raw_event.get("eventName")
            image = record.dynamodb.new_image if name in ("INSERT", "MODIFY") else {}
            notification = notify.notification_for_stream_record(
                name,
                image,
                job.panel_url,
                take_up_days=job.take_up_days,
                verify_days=job.verify_days,
            )
            if notification is not None:
                notifier.send(notification)
                count("NotificationsPublished")
        except Exception as e:
            failures[record.dynamodb.sequence_number] = (record.raw_event, e)
            raise

    # Not raising when every record failed: that would be a function error, and the
    # invoker would learn nothing about which records failed or why.
    processor = BatchProcessor(
        event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
    )
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    if failures:
        count("NotificationsFailed", len(failures))
    for sequence, (raw, error) in failures.items():
        log.error(
            "notification failed",
            extra={
                "report_id": record_key(raw),
                "event": raw.get("eventName"),
                "sequence_number": sequence,
                "error": failure_reason(error, raw),
            },
        )
    sink = getattr(context, "record_failures", None)
    if isinstance(sink, dict):
        sink.update({sequence: error for sequence, (_, error) in failures.items()})
    changed = {
        image["garrison"]["S"]
        for record in event.get("Records", [])
        for image in (record["dynamodb"].get("NewImage"), record["dynamodb"].get("OldImage"))
        if image and "garrison" in image
    }
    try:
        feed.request_rebuilds(job.feeds, changed)
    except Exception:  # the scheduled refresh builds what is still wanted
        log.exception("feed rebuild failed", extra={"garrisons": sorted(changed)})
    return response


def record_key(raw: dict[str, Any]) -> str | None:
    """The report id of a stream record (Lambda-shaped), from its key."""
    key = (raw.get("dynamodb") or {}).get("Keys") or {}
    value = key.get("id") or {}
    return value.get("S") if isinstance(value, dict) else None


MAX_REASON_CHARS = 300
# Attributes that name things (ids, codes, dates): kept in a reason. Any other text of a
# report (the description, free text to come) is blanked out of it.
NAMING_ATTRIBUTES = frozenset(
    {
        "id",
        "unit_id",
        "unit_teryt",
        "unit_name",
        "teryt",
        "powiat_name",
        "garrison",
        "category",
        "status",
        "unit_status",
        "source",
        "created_at",
        "modified_at",
    }
)


def failure_reason(error: BaseException | str, raw: dict[str, Any]) -> str:
    """`<ExceptionType>: <message>` on one line, at most 300 characters, with the record's
    free text blanked out: a reason goes to logs and dead letters, the citizen's words never
    do."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    body = raw.get("dynamodb") or {}
    for image in (body.get("NewImage"), body.get("OldImage")):
        for name, value in (image or {}).items():
            words = value.get("S") if isinstance(value, dict) else None
            if name not in NAMING_ATTRIBUTES and isinstance(words, str) and words.strip():
                # As given, as Python and JSON would quote it, and on one line.
                for form in (
                    words,
                    repr(words)[1:-1],
                    json.dumps(words)[1:-1],
                    json.dumps(words, ensure_ascii=False)[1:-1],
                    " ".join(words.split()),
                ):
                    text = text.replace(form, "…")
    text = " ".join(text.split())  # one line
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
