"""Notification latency locally: from the 201 of `POST /v1/reports` to the message in the inbox.

Starts the whole local stack as `make run` does (`python -m infra.local_stack`
in a temporary state directory, on free ports), with the event pump polling the
reports stream every PUMP_INTERVAL seconds. Reports of a Kraków point go to the
API one at a time over HTTP, each from its own address (X-Forwarded-For behind a
trusted proxy, so that the daily limit never refuses). The clock starts when the
201 arrives and stops when the unit's SQS inbox on moto hands over the message
whose SMS text ends with the report's id; the inbox is read with short long
polls, which moto answers as soon as a message lands.

A poller puts its interval into the latency, so latencies are given also as
multiples of the interval. In the first pass each report waits a random time of
up to one interval after the one before has arrived, so that reports meet the
pump anywhere in its cycle, as independent citizens' reports do: they wait half an
interval on average for the next poll, and the fastest shows what a poll that
finds a report at once costs. The second pass posts each report as soon as the
one before has arrived, in step with the pump: a report stored while the poll
that delivered the one before is still reading the stream (it reads again after
every batch it hands over) goes out with that poll within milliseconds; one
stored just after that read waits nearly a whole interval. The latencies are
then two clusters, and which one the median falls in turns on a race of a few
milliseconds, so that pass gives the share in the fast cluster too. moto stamps
each SNS message when it is published (millisecond precision, the same
machine's clock), which gives the part of the latency after the publish: SNS
to SQS in moto, and the inbox read.

    python -m bench.notification_latency
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    DUMMY_AWS_ENV,
    PROJECT_ROOT,
    Measurement,
    addresses,
    main_for,
    median,
    percentile,
    use_dummy_aws_env,
)
from infra.engines import free_port

UNIT = "kmp-1261"
REPORT = {"category": "illegal_parking", "lat": 50.0614, "lon": 19.9366}
PUMP_INTERVAL = 0.25  # seconds
WARMUP = 5
REPORTS = 200  # in each pass
SEED = 20260610
RECEIVE_WAIT = 1  # seconds, each long poll of the inbox
DELIVERY_TIMEOUT = 30.0  # seconds for one report to reach the inbox before giving up
START_TIMEOUT = 180.0  # seconds for the stack to start (it creates every unit's topic)
START_ATTEMPTS = 2


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class Sample:
    latency: float  # seconds from the 201 to the message in hand
    to_publish: float  # seconds from the 201 to moto's stamp of the SNS publish


def stack_environment(state: Path) -> dict[str, str]:
    # A clean KMZB_* environment: the stack's own defaults, as a first `make run` has.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KMZB_")}
    env.update(DUMMY_AWS_ENV)
    env.update(
        {
            "KMZB_STATE_DIR": str(state),
            "KMZB_API_PORT": str(free_port()),
            "KMZB_SITE_PORT": str(free_port()),
            "KMZB_DYNAMODB_PORT": str(free_port()),
            "KMZB_MOTO_PORT": str(free_port()),
            "KMZB_TRUSTED_PROXY": "true",
            "KMZB_PUMP_INTERVAL": str(PUMP_INTERVAL),
        }
    )
    return env


def topic_arn_prefix(env: dict[str, str]) -> str:
    """The unit topics' prefix the stack derives from this environment."""
    from chalicelib.deployment import Settings

    # The stack makes its own secret; the prefix does not depend on it.
    return Settings.from_env({**env, "KMZB_CLIENT_KEY_SECRET": "x" * 32}).topic_arn_prefix


def log_tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text("utf-8", errors="replace").splitlines()[-lines:])


def wait_for_addresses(state: Path, stack: subprocess.Popen[bytes], log: Path) -> dict[str, str]:
    deadline = time.monotonic() + START_TIMEOUT
    path = state / "local.json"
    while time.monotonic() < deadline:
        if stack.poll() is not None:
            raise BenchError(f"the local stack exited with {stack.returncode}:\n{log_tail(log)}")
        if path.exists():
            return dict(json.loads(path.read_text("utf-8")))
        time.sleep(0.3)
    raise BenchError(f"the local stack did not start in {START_TIMEOUT:.0f} s:\n{log_tail(log)}")


def stop_stack(stack: subprocess.Popen[bytes]) -> None:
    if stack.poll() is None:
        stack.send_signal(signal.SIGTERM)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)  # the stack and the engines it started
            stack.wait()


def post_report(api: str, address: str) -> str:
    """Submit one report from `address`; returns its id once the 201 has arrived."""
    request = urllib.request.Request(
        api + "/reports",
        data=json.dumps(REPORT).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
            status = response.status
    except urllib.error.HTTPError as e:
        raise BenchError(f"POST /v1/reports answered {e.code}: {e.read()!r}") from e
    if status != 201:
        raise BenchError(f"POST /v1/reports answered {status}: {body!r}")
    return str(body["id"])


def moto_stamp(text: str) -> float:
    """moto's SNS Timestamp ("2026-06-10T10:00:00.123Z", UTC) as Unix seconds."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


@dataclass
class Inbox:
    sqs: Any
    url: str
    others: int = 0  # messages of reports other than the awaited one

    def wait_for(self, report_id: str, timeout: float = DELIVERY_TIMEOUT) -> tuple[float, float]:
        """perf_counter when the report's message was received, and moto's publish stamp."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            messages = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=RECEIVE_WAIT
            ).get("Messages", [])
            received = time.perf_counter()
            if not messages:
                continue
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
            found = None
            for message in messages:
                envelope = json.loads(message["Body"])
                if json.loads(envelope["Message"])["sms"].endswith(report_id):
                    found = moto_stamp(envelope["Timestamp"])
                else:
                    self.others += 1
            if found is not None:
                return received, found
        raise BenchError(f"report {report_id} did not reach the inbox in {timeout:.0f} s")


def measure_reports(
    api: str,
    inbox: Inbox,
    count: int,
    clients: Iterator[str],
    pauses: random.Random | None = None,
) -> list[Sample]:
    """One report at a time; with `pauses`, a random pause of up to an interval before each."""
    samples = []
    for _ in range(count):
        if pauses is not None:
            time.sleep(pauses.uniform(0, PUMP_INTERVAL))
        report_id = post_report(api, next(clients))
        answered, answered_wall = time.perf_counter(), time.time()
        received, published_wall = inbox.wait_for(report_id)
        samples.append(Sample(received - answered, published_wall - answered_wall))
    return samples


def measure(stack: dict[str, str], prefix: str, reports: int) -> list[Measurement]:
    import boto3

    from infra.local_inbox import inbox_name

    sqs = boto3.client(
        "sqs",
        endpoint_url=stack["moto"],
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    queue_url = sqs.get_queue_url(QueueName=inbox_name(prefix, UNIT))["QueueUrl"]
    inbox = Inbox(sqs, queue_url)
    api = stack["api"]
    clients = addresses()
    measure_reports(api, inbox, WARMUP, clients)
    inbox.others = 0
    scattered = measure_reports(api, inbox, reports, clients, random.Random(SEED))
    in_a_row = measure_reports(api, inbox, reports, clients)
    if inbox.others:
        print(
            f"notification_latency: {inbox.others} unexpected messages in the inbox",
            file=sys.stderr,
            flush=True,
        )
    random_moments = [s.latency for s in scattered]
    back_to_back = [s.latency for s in in_a_row]
    after_publish = [s.latency - s.to_publish for s in scattered + in_a_row]
    interval_ms = f"{PUMP_INTERVAL * 1e3:.0f} ms"
    first = f"Notification latency, {reports} reports at random moments"
    second = f"Notification latency, {reports} reports back to back"
    caught = sum(t < PUMP_INTERVAL / 2 for t in back_to_back) / len(back_to_back)
    return [
        Measurement(
            f"{first}: median ÷ pump interval ({interval_ms})",
            median(random_moments) / PUMP_INTERVAL,
            "x",
        ),
        Measurement(
            f"{first}: p99 ÷ pump interval",
            percentile(random_moments, 0.99) / PUMP_INTERVAL,
            "x",
        ),
        Measurement(f"{first}: median", median(random_moments) * 1e3, "ms"),
        Measurement(f"{first}: p99", percentile(random_moments, 0.99) * 1e3, "ms"),
        Measurement(f"{first}: min", min(random_moments) * 1e3, "ms"),
        Measurement(f"{second}: median ÷ pump interval", median(back_to_back) / PUMP_INTERVAL, "x"),
        Measurement(
            f"{second}: p99 ÷ pump interval",
            percentile(back_to_back, 0.99) / PUMP_INTERVAL,
            "x",
        ),
        Measurement(
            f"{second}: share delivered within half an interval",
            caught * 100,
            "%",
        ),
        Measurement(
            "Notification latency: SNS publish (moto's stamp) → message in hand, median",
            median(after_publish) * 1e3,
            "ms",
        ),
    ]


def start_stack(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "infra.local_stack"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, to be stopped as one
        )


def run(reports: int = REPORTS) -> list[Measurement]:
    use_dummy_aws_env()
    for attempt in range(1, START_ATTEMPTS + 1):
        with tempfile.TemporaryDirectory(prefix="kmzb-bench-") as directory:
            state = Path(directory)
            env = stack_environment(state)
            log = state / "stack.log"
            print("notification_latency: starting the local stack ...", file=sys.stderr, flush=True)
            stack = start_stack(env, log)
            try:
                try:
                    stack_addresses = wait_for_addresses(state, stack, log)
                except BenchError as e:
                    if attempt == START_ATTEMPTS:
                        raise
                    # A free port may be taken meanwhile (by an outgoing connection, say).
                    print(f"notification_latency: {e}\ntrying again", file=sys.stderr, flush=True)
                    continue
                print("notification_latency: measuring ...", file=sys.stderr, flush=True)
                return measure(stack_addresses, topic_arn_prefix(env), reports)
            finally:
                stop_stack(stack)
    raise BenchError("the local stack did not start")


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
