"""The local event pump: DynamoDB Local's reports stream → the handlers Lambda would run.

Chalice's local server runs HTTP routes only. This reads the stream with
boto3's `dynamodbstreams` client, hands Lambda-shaped batches to the same
Chalice handler Lambda calls, and honours partial batch failures the way the
event source mapping does: the batch is retried from the first failed record,
a record failing `max_attempts` times goes to a dead-letter file. Its position
per shard is kept in a checkpoint file, so a restart neither replays history
nor loses records.

    python -m infra.event_pump      # as `make run` starts it; settings from KMZB_*
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


class LocalLambdaContext:
    """What handlers and powertools read of a Lambda context."""

    function_name = "kmzb-local-event-pump"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:kmzb-local"
    memory_limit_in_mb = 512
    log_group_name = "local"
    log_stream_name = "local"

    def __init__(self, timeout_ms: int = 60_000) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as boto3 returns it, shaped as Lambda delivers it."""
    shaped = dict(record)
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        body["ApproximateCreationDateTime"] = created.timestamp()
    shaped["dynamodb"] = body
    shaped["eventSourceARN"] = stream_arn
    return shaped


class StreamPump:
    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        handler: Handler,
        checkpoint: Path,
        batch_size: int = 100,
        max_attempts: int = 5,
        dead_letters: Path | None = None,
    ) -> None:
        self._streams = streams_client
        self.stream_arn = stream_arn
        self._handler = handler
        self._checkpoint = checkpoint
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._dead_letters = dead_letters
        self._iterators: dict[str, str] = {}
        self._attempts: dict[str, int] = {}
        self.positions: dict[str, str] = {}
        self.finished: set[str] = set()
        self._load()

    def _load(self) -> None:
        if not self._checkpoint.exists():
            return
        saved = json.loads(self._checkpoint.read_text("utf-8"))
        if saved.get("stream_arn") == self.stream_arn:  # a new table starts afresh
            self.positions = dict(saved.get("positions", {}))
            self.finished = set(saved.get("finished", []))

    def _save(self) -> None:
        state = {
            "stream_arn": self.stream_arn,
            "positions": self.positions,
            "finished": sorted(self.finished),
        }
        temporary = self._checkpoint.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1), "utf-8")
        temporary.replace(self._checkpoint)  # atomic: a crash never leaves half a file

    def _shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        start: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StreamArn": self.stream_arn}
            if start:
                kwargs["ExclusiveStartShardId"] = start
            description = self._streams.describe_stream(**kwargs)["StreamDescription"]
            shards.extend(description["Shards"])
            start = description.get("LastEvaluatedShardId")
            if not start:
                return shards

    def _iterator(self, shard_id: str) -> str:
        if shard_id in self._iterators:
            return self._iterators[shard_id]
        position = self.positions.get(shard_id)
        kwargs: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
        if position:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=position)
        else:
            kwargs.update(ShardIteratorType="TRIM_HORIZON")
        iterator = str(self._streams.get_shard_iterator(**kwargs)["ShardIterator"])
        self._iterators[shard_id] = iterator
        return iterator

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> bool:
        """Hand one batch to the handler; True when every record succeeded."""
        event = {"Records": [lambda_record(r, self.stream_arn) for r in records]}
        try:
            result = self._handler(event, LocalLambdaContext())
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:  # the whole batch failed, as when a Lambda invocation errors
            failed = {records[0]["dynamodb"]["SequenceNumber"]}
        for record in records:
            sequence = record["dynamodb"]["SequenceNumber"]
            if sequence not in failed:
                self.positions[shard_id] = sequence
                continue
            attempts = self._attempts.get(sequence, 0) + 1
            self._attempts[sequence] = attempts
            if attempts < self._max_attempts:
                return False
            self._dead_letter(record)  # give up on it, as an on-failure destination would
            self.positions[shard_id] = sequence
        return True

    def _dead_letter(self, record: dict[str, Any]) -> None:
        if self._dead_letters is not None:
            line = json.dumps(lambda_record(record, self.stream_arn), default=str)
            with open(self._dead_letters, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    def poll(self) -> int:
        """Deliver what the stream holds now; returns the number of records read."""
        delivered = 0
        shards = self._shards()
        known = {s["ShardId"] for s in shards}
        for shard in sorted(
            shards, key=lambda s: int(s["SequenceNumberRange"]["StartingSequenceNumber"])
        ):
            shard_id = shard["ShardId"]
            parent = shard.get("ParentShardId")
            if shard_id in self.finished or (parent in known and parent not in self.finished):
                continue
            renewed = False
            while True:
                try:
                    response = self._streams.get_records(
                        ShardIterator=self._iterator(shard_id), Limit=self._batch_size
                    )
                except (
                    self._streams.exceptions.ExpiredIteratorException,
                    # DynamoDB Local: an iterator taken at the end of a shard goes stale
                    # when the next sequence number is skipped (as a transaction does).
                    self._streams.exceptions.TrimmedDataAccessException,
                ):
                    self._iterators.pop(shard_id, None)
                    if renewed:
                        raise
                    renewed = True  # once, from the saved position
                    continue
                records = response.get("Records", [])
                next_iterator = response.get("NextShardIterator")
                if records:
                    delivered += len(records)
                    if not self._deliver(shard_id, records):
                        self._iterators.pop(shard_id, None)  # retry from the failed record
                        break
                if next_iterator is None:
                    self.finished.add(shard_id)
                    self._iterators.pop(shard_id, None)
                    break
                self._iterators[shard_id] = next_iterator
                if not records:
                    break
        self._save()
        return delivered

    def run(
        self,
        stop: threading.Event,
        interval: float,
        schedule: Callable[[], Any] | None = None,
        schedule_every: float = 60.0,
    ) -> None:
        """Poll until stopped; also run `schedule` (what EventBridge triggers in AWS)."""
        next_schedule = time.monotonic()
        while not stop.is_set():
            try:
                self.poll()
                if schedule is not None and time.monotonic() >= next_schedule:
                    next_schedule = time.monotonic() + schedule_every
                    schedule()
            except Exception as e:  # keep pumping: DynamoDB Local may be restarting
                print(f"event pump: {e}", file=sys.stderr, flush=True)
            stop.wait(interval)


def scheduled_event(rule: str) -> dict[str, Any]:
    """An EventBridge scheduled event, as a Chalice schedule handler receives it."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now().astimezone().isoformat(),
        "region": "eu-central-1",
        "resources": [f"arn:aws:events:eu-central-1:123456789012:rule/{rule}"],
        "detail": {},
    }


def reports_stream_arn(dynamodb_client: Any, table: str) -> str:
    description = dynamodb_client.describe_table(TableName=table)["Table"]
    return str(description["LatestStreamArn"])


def main() -> int:
    import boto3

    from app import on_report_change, refresh_feeds
    from chalicelib.deployment import Settings

    settings = Settings.from_env()
    state = Path(
        os.environ.get("KMZB_STATE_DIR") or Path(__file__).resolve().parent.parent / ".kmzb"
    )
    interval = float(os.environ.get("KMZB_PUMP_INTERVAL", "0.25"))
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
    )
    streams = boto3.client(
        "dynamodbstreams", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
    )
    pump = StreamPump(
        streams,
        reports_stream_arn(dynamodb, settings.reports_table),
        on_report_change,
        checkpoint=state / "event-pump.json",
        dead_letters=state / "logs" / "event-pump-dead-letters.jsonl",
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(f"event pump: reading {pump.stream_arn} every {interval} s", flush=True)
    print("event pump: refreshing the public feeds as the schedule would", flush=True)
    feed_tick = float(os.environ.get("KMZB_FEED_TICK", "2"))
    pump.run(
        stop,
        interval,
        schedule=lambda: refresh_feeds(scheduled_event("refresh-feeds"), LocalLambdaContext()),
        schedule_every=feed_tick,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
