"""The local event pump: DynamoDB Local's reports stream → the handlers Lambda would run.

Chalice's local server runs HTTP routes only. This reads the stream with
boto3's `dynamodbstreams` client, hands Lambda-shaped batches to the same
Chalice handler Lambda calls, and fails the way the garrison stack's event
source mapping does (`ReportBatchItemFailures`, `MaximumRetryAttempts` 10,
`BisectBatchOnFunctionError`, an on-failure destination):

- the records before the first failed one are done; the shard is read again
  from the first failed record after a backoff (doubling, capped), so a record
  is never passed while it is neither delivered nor dead-lettered;
- a function error (the handler raised) fails the whole batch and halves the
  next batch of that shard (bisection), until a batch succeeds;
- a record that failed `1 + max_retries` times is written, key and reason only,
  to the dead-letter file (the on-failure destination) with a log line, and
  only then passed;
- a record whose idempotency record is still in progress (a pump killed
  mid-publish) is retried only after the function timeout, when powertools
  lets it be taken over; such waits do not count as failures.

Its position per shard is kept in a checkpoint file, written after every batch,
so a restart neither replays history nor loses records.

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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


class LocalLambdaContext:
    """What handlers and powertools read of a Lambda context.

    `record_failures` is the pump's own: the stream handler puts each failed record's
    exception there, keyed by sequence number (a real Lambda context has no such thing).
    """

    function_name = "kmzb-local-event-pump"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:kmzb-local"
    memory_limit_in_mb = 512
    log_group_name = "local"
    log_stream_name = "local"

    def __init__(self, timeout_ms: int = 60_000) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_ms / 1000
        self.record_failures: dict[str, BaseException] = {}

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class RetryPolicy:
    """How failed records are retried (the event source mapping's settings, locally).

    max_retries: retries after the first attempt (`MaximumRetryAttempts`).
    base_delay, max_delay: seconds before the first retry, doubling up to max_delay.
    function_timeout: seconds, the invocation's timeout (`LocalLambdaContext`); an
        idempotency record left in progress by a killed invocation expires within it.
    """

    max_retries: int = 10
    base_delay: float = 0.5
    max_delay: float = 30.0
    function_timeout: float = 60.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after a record's `failures`-th failure."""
        return float(min(self.max_delay, self.base_delay * 2 ** max(0, failures - 1)))

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ[str] = os.environ) -> RetryPolicy:
        """KMZB_PUMP_MAX_RETRIES, KMZB_PUMP_RETRY_BASE, KMZB_PUMP_RETRY_MAX,
        KMZB_PUMP_FUNCTION_TIMEOUT (seconds); unset: the defaults above."""
        default = cls()
        return cls(
            max_retries=int(env.get("KMZB_PUMP_MAX_RETRIES", default.max_retries)),
            base_delay=float(env.get("KMZB_PUMP_RETRY_BASE", default.base_delay)),
            max_delay=float(env.get("KMZB_PUMP_RETRY_MAX", default.max_delay)),
            function_timeout=float(env.get("KMZB_PUMP_FUNCTION_TIMEOUT", default.function_timeout)),
        )


@dataclass
class _Failure:
    attempts: int = 0  # failures that count toward the retry limit
    first_at: str = ""
    reason: str = ""
    in_progress: bool = False  # the last failure: the idempotency record is in progress


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


def _is_in_progress(error: BaseException | None) -> bool:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
    )

    return isinstance(error, IdempotencyAlreadyInProgressError)


def _log(message: str) -> None:
    print(f"event pump: {message}", file=sys.stderr, flush=True)


@dataclass
class _Shard:
    retry_at: float = 0.0  # monotonic; the shard is not read before
    limit: int | None = None  # a bisected batch size, until a batch succeeds
    failures: dict[str, _Failure] = field(default_factory=dict)


class StreamPump:
    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        handler: Handler,
        checkpoint: Path,
        batch_size: int = 100,
        dead_letters: Path | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._streams = streams_client
        self.stream_arn = stream_arn
        self._handler = handler
        self._checkpoint = checkpoint
        self._batch_size = batch_size
        self._dead_letters = dead_letters
        self.policy = policy or RetryPolicy()
        self._iterators: dict[str, str] = {}
        self._state: dict[str, _Shard] = {}
        self.positions: dict[str, str] = {}
        self.finished: set[str] = set()
        self.dead_lettered = 0
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

    def _invoke(self, records: list[dict[str, Any]]) -> tuple[dict[str, BaseException | str], bool]:
        """Call the handler once; the failed records' errors (or reasons) by sequence
        number, and whether it was a function error (the handler raised)."""
        shaped = [lambda_record(r, self.stream_arn) for r in records]
        sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
        context = LocalLambdaContext(int(self.policy.function_timeout * 1000))
        try:
            result = self._handler({"Records": shaped}, context)
        except Exception as e:  # as when a Lambda invocation errors: the whole batch failed
            return {s: context.record_failures.get(s, e) for s in sequences}, True
        reported = (result or {}).get("batchItemFailures") if isinstance(result, dict) else []
        identifiers: list[str] = [
            str(item.get("itemIdentifier")) if isinstance(item, dict) else ""
            for item in (reported if isinstance(reported, list) else [])
        ]
        if any(i not in sequences for i in identifiers):  # Lambda: a malformed answer
            reason = f"the handler reported unknown items: {identifiers[:3]}"
            return {s: reason for s in sequences}, True
        return {
            s: context.record_failures.get(s, "reported as failed, no reason given")
            for s in identifiers
        }, False

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> bool:
        """Hand one batch to the handler; True when the shard may be read on at once."""
        from chalicelib.stream import failure_reason

        state = self._state.setdefault(shard_id, _Shard())
        failed, function_error = self._invoke(records)
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        for record in records:
            sequence = record["dynamodb"]["SequenceNumber"]
            error = failed.get(sequence)
            if error is None:
                continue
            failure = state.failures.setdefault(sequence, _Failure(first_at=now))
            failure.in_progress = not isinstance(error, str) and _is_in_progress(error)
            if not failure.in_progress:  # waiting for another invocation is not a failure
                failure.attempts += 1
            failure.reason = error if isinstance(error, str) else failure_reason(error, record)
        for record in records:
            sequence = record["dynamodb"]["SequenceNumber"]
            if sequence in failed:
                failure = state.failures[sequence]
                if failure.in_progress or failure.attempts <= self.policy.max_retries:
                    self._retry_later(shard_id, state, record, failure, function_error, records)
                    return False
                self._dead_letter(shard_id, record, failure)  # the on-failure destination
            state.failures.pop(sequence, None)
            self.positions[shard_id] = sequence
        state.limit = None  # a whole batch went through: full batches again
        return True

    def _retry_later(
        self,
        shard_id: str,
        state: _Shard,
        record: dict[str, Any],
        failure: _Failure,
        function_error: bool,
        records: list[dict[str, Any]],
    ) -> None:
        if failure.in_progress:
            # powertools lets another invocation take the record over once the in-progress
            # window (the killed invocation's remaining time) has passed.
            delay = self.policy.function_timeout + self.policy.base_delay
        else:
            delay = self.policy.delay(failure.attempts)
        if function_error and len(records) > 1:
            state.limit = max(1, len(records) // 2)  # BisectBatchOnFunctionError
        state.retry_at = time.monotonic() + delay
        what = "in progress elsewhere" if failure.in_progress else f"failed: {failure.reason}"
        _log(
            f"report {_report_id(record)} (sequence {record['dynamodb']['SequenceNumber']}) "
            f"{what}; attempt {failure.attempts} of {self.policy.max_retries + 1}, "
            f"retrying the shard from it in {delay:.2f} s"
            + (f" with batches of {state.limit}" if state.limit else "")
        )

    def _dead_letter(self, shard_id: str, record: dict[str, Any], failure: _Failure) -> None:
        """Keep the key and the reason (never the images: no citizen's text in a file),
        durably, before the checkpoint may pass the record."""
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "condition": "RetryAttemptsExhausted",
            "report_id": _report_id(record),
            "event": record.get("eventName"),
            "stream_arn": self.stream_arn,
            "shard_id": shard_id,
            "sequence_number": record["dynamodb"]["SequenceNumber"],
            "attempts": failure.attempts,
            "first_failure_at": failure.first_at,
            "reason": failure.reason,
        }
        if self._dead_letters is not None:
            self._dead_letters.parent.mkdir(parents=True, exist_ok=True)
            with open(self._dead_letters, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
        self.dead_lettered += 1
        _log(
            f"gave up on report {entry['report_id']} ({entry['event']}, sequence "
            f"{entry['sequence_number']}) after {failure.attempts} attempts: {failure.reason}; "
            + (f"dead-lettered to {self._dead_letters}" if self._dead_letters else "dropped")
        )

    def poll(self) -> int:
        """Deliver what the stream holds now; returns the number of records read.
        A shard waiting for a retry is not read before its time."""
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
            state = self._state.setdefault(shard_id, _Shard())
            if time.monotonic() < state.retry_at:
                continue
            renewed = False
            while True:
                try:
                    response = self._streams.get_records(
                        ShardIterator=self._iterator(shard_id),
                        Limit=state.limit or self._batch_size,
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
                    done = self._deliver(shard_id, records)
                    self._save()
                    if not done:
                        self._iterators.pop(shard_id, None)  # again from the failed record
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
                _log(str(e))
            stop.wait(interval)


def _report_id(record: dict[str, Any]) -> str | None:
    from chalicelib.stream import record_key

    return record_key(record)


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

    # The pump retries failed records itself (with backoff, then dead letters): botocore's
    # own retries would make one publish to an unreachable SNS take seconds.
    os.environ.setdefault("AWS_MAX_ATTEMPTS", "1")
    settings = Settings.from_env()
    policy = RetryPolicy.from_env()
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
        policy=policy,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(f"event pump: reading {pump.stream_arn} every {interval} s", flush=True)
    print(
        f"event pump: {policy.max_retries} retries from {policy.base_delay} s to "
        f"{policy.max_delay} s apart, function timeout {policy.function_timeout} s",
        flush=True,
    )
    print("event pump: refreshing the public feeds as the schedule would", flush=True)
    feed_tick = float(os.environ.get("KMZB_FEED_TICK", "2"))
    pump.run(
        stop,
        interval,
        schedule=lambda: refresh_feeds(
            scheduled_event("refresh-feeds"),
            LocalLambdaContext(int(policy.function_timeout * 1000)),
        ),
        schedule_every=feed_tick,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
