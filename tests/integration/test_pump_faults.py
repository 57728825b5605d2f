"""Fault tests that count: every accepted report is notified exactly once, or dead-lettered
with a reason; none is skipped silently.

Real engines: DynamoDB Local (reports, stream, idempotency records) and moto's server (SNS,
SQS). The event pump runs in this process where a test steers it poll by poll, and as
`make run` starts it (`python -m infra.event_pump`) where SNS goes away under it or it is
killed with SIGKILL mid-publish. SNS "goes away" through a TCP gate in front of moto's
server that can refuse connections or accept them and never answer. Retry delays and the
function timeout are configured small so the whole file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from app import on_report_change
from chalicelib.deployment import Deployment
from chalicelib.topics import UnitTopics, topic_arn
from infra.engines import PROJECT_ROOT, Engine, free_port
from infra.event_pump import RetryPolicy, StreamPump, reports_stream_arn
from tests.integration.conftest import SECRET
from tests.integration.test_submission import KRAKOW, answer, post

UNIT = "kmp-1261"
# Retries 20 ms, 40 ms, … up to 200 ms apart: ten retries take about 1.5 s.
FAST = RetryPolicy(max_retries=10, base_delay=0.02, max_delay=0.2, function_timeout=3.0)


# --- the officers' side: what reached the unit's topic ----------------------------------------


class Officers:
    """A queue subscribed to the unit's topic, as an officer's phone and mailbox would be.
    Messages are taken and counted per report id (its id is in every SMS and e-mail)."""

    def __init__(self, deployment: Deployment, name: str) -> None:
        settings = deployment.settings
        self.sns = boto3.client(
            "sns", region_name=settings.region, endpoint_url=settings.sns_endpoint
        )
        self.sqs = boto3.client(
            "sqs", region_name=settings.region, endpoint_url=settings.sqs_endpoint
        )
        self.prefix = settings.topic_arn_prefix
        self.url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.texts: list[str] = []

    def create_topic(self) -> None:
        """Create (or recreate) the unit's topic and subscribe the queue to it."""
        topic = UnitTopics(self.sns, self.prefix).ensure(UNIT)
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=self.arn)

    def delete_topic(self) -> None:
        self.sns.delete_topic(TopicArn=topic_arn(self.prefix, UNIT))

    def received(self, report_ids: list[str]) -> Counter[str]:
        """How many notifications each report got so far."""
        while batch := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in batch:
                self.texts.append(json.loads(message["Body"])["Message"])
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return Counter(i for text in self.texts for i in report_ids if i in text)


def dead_letters(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def assert_each_once(officers: Officers, report_ids: list[str], letters: Path) -> None:
    """Every report notified exactly once or dead-lettered with a reason, never both."""
    notified = officers.received(report_ids)
    lettered = Counter(entry["report_id"] for entry in dead_letters(letters))
    for entry in dead_letters(letters):
        assert entry["reason"], entry
    outcomes = {i: (notified[i], lettered[i]) for i in report_ids}
    assert all(n + d == 1 for n, d in outcomes.values()), outcomes
    assert sum(notified.values()) + sum(lettered.values()) == len(report_ids)
    assert len(officers.texts) == sum(notified.values())  # nothing else was sent


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def submit(client: Any, count: int, description: str = "") -> list[str]:
    """`count` reports in Kraków (unit kmp-1261), each from its own client."""
    ids = []
    for _ in range(count):
        n = uuid.uuid4().int
        ip = f"2001:db8:{n % 65536:x}:{(n >> 16) % 65536:x}::1"
        body = {**KRAKOW, "description": description} if description else KRAKOW
        response = post(client, body, ip=ip)
        assert response.status_code == 201, response.body
        ids.append(answer(response)["id"])
    return ids


# --- the pump in this process -----------------------------------------------------------------


def in_process_pump(deployment: Deployment, state: Path, policy: RetryPolicy) -> StreamPump:
    settings = deployment.settings
    streams = boto3.client(
        "dynamodbstreams", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
    )
    arn = reports_stream_arn(deployment.dynamodb, settings.reports_table)
    return StreamPump(
        streams,
        arn,
        on_report_change,
        state / "event-pump.json",
        dead_letters=state / "dead-letters.jsonl",
        policy=policy,
    )


def pump_until(pump: StreamPump, condition: Callable[[], bool], timeout: float) -> bool:
    def step() -> bool:
        pump.poll()
        return condition()

    return wait_for(step, timeout, step=0.01)


def last_sequence(deployment: Deployment) -> str:
    streams = boto3.client(
        "dynamodbstreams",
        region_name=deployment.settings.region,
        endpoint_url=deployment.settings.dynamodb_endpoint,
    )
    arn = reports_stream_arn(deployment.dynamodb, deployment.settings.reports_table)
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    return str(records[-1]["dynamodb"]["SequenceNumber"])


@pytest.fixture
def officers(publishing: Deployment, tmp_path: Path) -> Officers:
    return Officers(publishing, f"officers-{uuid.uuid4().hex[:12]}")


def test_a_missing_topic_recreated_later_gets_every_report_of_a_failed_batch_once(
    client: Any,
    publishing: Deployment,
    officers: Officers,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The topic of kmp-1261 does not exist: every record of the batch fails.
    ids = submit(client, 4)
    pump = in_process_pump(publishing, tmp_path, FAST)
    pump_until(pump, lambda: False, timeout=0.6)  # several attempts of the whole batch
    assert officers.received(ids) == Counter()
    assert dead_letters(tmp_path / "dead-letters.jsonl") == []
    assert pump.positions == {}  # the checkpoint passed none of them
    log = capsys.readouterr().err
    assert ids[0] in log and "failed" in log  # each failure says so, with the report id

    officers.create_topic()
    assert pump_until(pump, lambda: sum(officers.received(ids).values()) == 4, timeout=10)
    pump.poll()
    pump.poll()
    assert_each_once(officers, ids, tmp_path / "dead-letters.jsonl")
    assert list(pump.positions.values()) == [last_sequence(publishing)]


def test_a_batch_whose_topic_stays_deleted_is_dead_lettered_record_by_record_with_reasons(
    client: Any,
    publishing: Deployment,
    officers: Officers,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    officers.create_topic()
    officers.delete_topic()
    secret = "Sąsiad spod 7 znów parkuje na trawniku"
    ids = submit(client, 4, description=secret)
    policy = RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05, function_timeout=3.0)
    pump = in_process_pump(publishing, tmp_path, policy)
    assert pump_until(pump, lambda: pump.dead_lettered == 4, timeout=10)

    letters = tmp_path / "dead-letters.jsonl"
    entries = dead_letters(letters)
    assert sorted(e["report_id"] for e in entries) == sorted(ids)
    for entry in entries:
        assert entry["event"] == "INSERT"
        assert entry["attempts"] == 4  # the first try and three retries
        assert entry["sequence_number"] and entry["shard_id"]
        assert "NotFound" in entry["reason"] or "not exist" in entry["reason"], entry
    # The key and the reason only: no image, no citizen's words.
    raw = letters.read_text("utf-8")
    assert secret not in raw and "NewImage" not in raw and "description" not in raw
    log = capsys.readouterr().err
    for report_id in ids:
        assert re.search(rf"gave up on report {report_id} .*dead-lettered", log), log
    assert secret not in log
    assert list(pump.positions.values()) == [last_sequence(publishing)]

    # The topic is back: dead letters stay dead letters (no second notification later).
    officers.create_topic()
    pump.poll()
    assert_each_once(officers, ids, letters)


def test_a_function_error_bisects_the_batch_and_lets_the_good_records_through(
    client: Any, publishing: Deployment, officers: Officers, tmp_path: Path
) -> None:
    # A handler that crashes (a function error, not a reported failure) on any batch that
    # holds the poisoned report: bisection narrows the batch down to it, the rest get through.
    officers.create_topic()
    ids = submit(client, 5)
    poisoned = ids[2]

    def crashing(event: dict[str, Any], context: Any) -> Any:
        keys = [r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]]
        if poisoned in keys:
            raise RuntimeError("the function crashed")
        return on_report_change(event, context)

    settings = publishing.settings
    streams = boto3.client(
        "dynamodbstreams", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
    )
    letters = tmp_path / "dead-letters.jsonl"
    pump = StreamPump(
        streams,
        reports_stream_arn(publishing.dynamodb, settings.reports_table),
        crashing,
        tmp_path / "event-pump.json",
        dead_letters=letters,
        policy=RetryPolicy(max_retries=4, base_delay=0.01, max_delay=0.05),
    )
    assert pump_until(pump, lambda: sum(officers.received(ids).values()) == 4, timeout=10)
    assert [e["report_id"] for e in dead_letters(letters)] == [poisoned]
    assert "RuntimeError: the function crashed" in dead_letters(letters)[0]["reason"]
    assert_each_once(officers, ids, letters)


# --- the pump as `make run` starts it -----------------------------------------------------------


class Gate:
    """A TCP gate in front of moto's server: `open` forwards, `shut` refuses connections,
    `stall` accepts them and never answers (a publish hangs mid-flight)."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self.mode = "open"
        self.stalled = 0
        self._connections: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._listen()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # shut
            if self.mode == "shut" or listener is not self._listener:
                connection.close()  # accepted as the listener was being closed
                return
            with self._lock:
                self._connections.append(connection)
                if self.mode == "stall":
                    self.stalled += 1
                    continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                connection.close()
                continue
            with self._lock:
                self._connections.append(upstream)
            for a, b in ((connection, upstream), (upstream, connection)):
                threading.Thread(target=self._copy, args=(a, b), daemon=True).start()

    @staticmethod
    def _copy(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def _drop_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with contextlib.suppress(OSError):  # wakes the copying threads, tells both ends
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def shut(self) -> None:
        self.mode = "shut"
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):  # wakes accept(); close() alone would not
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        self._drop_connections()

    def stall(self) -> None:
        self.mode = "stall"
        self._drop_connections()
        if self._listener is None:
            self._listen()

    def open(self) -> None:
        self.mode = "open"
        self._drop_connections()  # a stalled request stays lost, as a killed one would be
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.shut()


@pytest.fixture
def gate(moto_server: Engine) -> Iterator[Gate]:
    port = int(moto_server.url.rsplit(":", 1)[1])
    opened = Gate(port)
    yield opened
    opened.close()


class PumpProcess:
    """`python -m infra.event_pump` with the test deployment's settings, SNS through the gate."""

    def __init__(
        self, deployment: Deployment, gate: Gate, state: Path, name: str = "pump", **env: str
    ) -> None:
        s = deployment.settings
        self.state = state
        self.log = state / f"{name}.log"
        self.env = {
            **os.environ,
            "KMZB_CLIENT_KEY_SECRET": SECRET,
            "KMZB_DYNAMODB_ENDPOINT": s.dynamodb_endpoint or "",
            "KMZB_REPORTS_TABLE": s.reports_table,
            "KMZB_LIMITS_TABLE": s.limits_table,
            "KMZB_IDEMPOTENCY_TABLE": s.idempotency_table,
            "KMZB_AUDIT_TABLE": s.audit_table,
            "KMZB_TOPIC_ARN_PREFIX": s.topic_arn_prefix,
            "KMZB_SNS_ENDPOINT": gate.url,
            "KMZB_SQS_ENDPOINT": s.sqs_endpoint or "",
            "KMZB_S3_ENDPOINT": s.s3_endpoint or "",
            "KMZB_SITE_BUCKET": s.site_bucket,
            "KMZB_DATA_DIR": str(s.data_dir),
            "KMZB_GARRISONS": "malopolskie",  # the first feed build: one garrison, not 17
            "KMZB_STATE_DIR": str(state),
            "KMZB_PUMP_INTERVAL": "0.02",
            "KMZB_FEED_TICK": "3600",
            "KMZB_PUMP_MAX_RETRIES": str(FAST.max_retries),
            "KMZB_PUMP_RETRY_BASE": str(FAST.base_delay),
            "KMZB_PUMP_RETRY_MAX": str(FAST.max_delay),
            "KMZB_PUMP_FUNCTION_TIMEOUT": str(FAST.function_timeout),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        (self.state / "logs").mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "infra.event_pump"],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def dead_letters(self) -> Path:
        return self.state / "logs" / "event-pump-dead-letters.jsonl"

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace") if self.log.exists() else ""


@pytest.fixture
def pumps(publishing: Deployment, gate: Gate, tmp_path: Path) -> Iterator[list[PumpProcess]]:
    started: list[PumpProcess] = []
    yield started
    for pump in started:
        pump.stop()


def test_sns_unreachable_during_submissions_then_back_notifies_every_report_once(
    client: Any,
    publishing: Deployment,
    officers: Officers,
    gate: Gate,
    pumps: list[PumpProcess],
    tmp_path: Path,
) -> None:
    officers.create_topic()
    pump = PumpProcess(publishing, gate, tmp_path)
    pumps.append(pump)
    pump.start()
    before = submit(client, 2)
    assert wait_for(lambda: sum(officers.received(before).values()) == 2, timeout=30), pump.output()

    gate.shut()  # SNS unreachable
    during = submit(client, 6)
    wait_for(lambda: "failed" in pump.output(), timeout=5)
    time.sleep(0.5)  # the pump keeps retrying the batch, with backoff
    assert officers.received(during) == Counter(), pump.output()
    gate.open()  # SNS is back
    after = submit(client, 2)

    ids = before + during + after
    assert wait_for(lambda: sum(officers.received(ids).values()) == len(ids), timeout=30), (
        pump.output()
    )
    time.sleep(0.5)  # no second notification arrives late
    assert_each_once(officers, ids, pump.dead_letters)
    assert dead_letters(pump.dead_letters) == []
    for report_id in during:  # the outage did happen, and each failure was logged
        assert re.search(rf'"notification failed".*"report_id":"{report_id}"', pump.output())


def _in_progress_until(deployment: Deployment) -> float | None:
    """When the idempotency record left in progress expires (epoch seconds), if there is one."""
    table = deployment.settings.idempotency_table
    items = deployment.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
    for item in items:
        if item.get("status", {}).get("S") == "INPROGRESS":
            return int(item["in_progress_expiration"]["N"]) / 1000
    return None


def test_a_pump_killed_mid_publish_delivers_that_report_exactly_once_after_a_restart(
    client: Any,
    publishing: Deployment,
    officers: Officers,
    gate: Gate,
    pumps: list[PumpProcess],
    tmp_path: Path,
) -> None:
    officers.create_topic()
    gate.stall()  # SNS takes the request and never answers
    # A window longer than a restart takes here; ten quick retries (1.5 s) would not outlast it.
    window = {"KMZB_PUMP_FUNCTION_TIMEOUT": "5"}
    first = PumpProcess(publishing, gate, tmp_path, "first", **window)
    pumps.append(first)
    first.start()
    ids = submit(client, 3)
    # The first publish is under way: its idempotency record says INPROGRESS.
    assert wait_for(
        lambda: gate.stalled >= 1 and _in_progress_until(publishing) is not None, timeout=30
    ), first.output()
    first.kill()
    expires = _in_progress_until(publishing)
    assert expires is not None  # left behind, until the function timeout passes

    gate.open()
    second = PumpProcess(publishing, gate, tmp_path, "second", **window)
    pumps.append(second)
    second.start()
    assert wait_for(lambda: "reading" in second.output(), timeout=30), second.output()
    restarted_in_window = time.time() < expires - 0.5
    assert wait_for(lambda: sum(officers.received(ids).values()) == 3, timeout=30), second.output()
    time.sleep(0.5)
    assert_each_once(officers, ids, second.dead_letters)
    assert dead_letters(second.dead_letters) == []
    if restarted_in_window:  # (a machine this slow to start a process cannot show it)
        # It waited out the in-progress window rather than failing ten quick retries.
        assert "in progress elsewhere" in second.output(), second.output()


def test_a_record_in_progress_elsewhere_waits_the_function_timeout_and_is_no_failure(
    client: Any, publishing: Deployment, officers: Officers, tmp_path: Path
) -> None:
    # Another invocation holds the record's idempotency record: the pump waits the whole
    # in-progress window before each retry and never counts that as a failure, even with
    # no retries left.
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
    )

    officers.create_topic()
    ids = submit(client, 2)
    held_until = time.monotonic() + 0.8
    attempts: list[float] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        attempts.append(time.monotonic())
        if time.monotonic() < held_until:
            first = event["Records"][0]["dynamodb"]["SequenceNumber"]
            context.record_failures[first] = IdempotencyAlreadyInProgressError("held")
            return {"batchItemFailures": [{"itemIdentifier": first}]}
        return on_report_change(event, context)

    settings = publishing.settings
    streams = boto3.client(
        "dynamodbstreams", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
    )
    letters = tmp_path / "dead-letters.jsonl"
    pump = StreamPump(
        streams,
        reports_stream_arn(publishing.dynamodb, settings.reports_table),
        handler,
        tmp_path / "event-pump.json",
        dead_letters=letters,
        policy=RetryPolicy(max_retries=0, base_delay=0.01, max_delay=0.01, function_timeout=0.3),
    )
    assert pump_until(pump, lambda: sum(officers.received(ids).values()) == 2, timeout=10)
    assert dead_letters(letters) == []
    assert_each_once(officers, ids, letters)
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert len(attempts) >= 3 and all(gap >= 0.3 for gap in gaps), gaps
