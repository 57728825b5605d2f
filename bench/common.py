"""What the benchmarks share: measurements, their Markdown table, statistics, a dummy AWS setup.

A benchmark measures ratios against a baseline taken in the same run, so that
the machine's speed cancels out; its targets are checked here and reported,
never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import itertools
import json
import math
import os
import statistics
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.deployment import Settings
from infra.engines import free_port, start_dynamodb_local, start_moto_server

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"

# Only local engines are ever reached: these keep botocore from looking for real ones.
DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
}


def use_dummy_aws_env() -> None:
    """Point this process (and the subprocesses it starts) at dummy AWS credentials."""
    os.environ.update(DUMMY_AWS_ENV)
    os.environ.pop("AWS_PROFILE", None)


@dataclass(frozen=True)
class Measurement:
    name: str
    value: float
    unit: str  # "x" (a ratio), "µs", "ms", "s", "%", "/s" (a rate) or "B" (bytes)
    limit: float | None = None  # the target: value at most this; None for context only

    @property
    def met(self) -> bool | None:
        return None if self.limit is None else self.value <= self.limit

    def shown(self, value: float | None = None) -> str:
        value = self.value if value is None else value
        if self.unit == "x":
            return f"{value:.2f}×"
        return f"{value:.3g} {self.unit}" if value < 100 else f"{value:.0f} {self.unit}"


def markdown_table(measurements: Iterable[Measurement]) -> str:
    lines = ["| Measurement | Measured | Target | Met |", "|---|---:|---:|:---:|"]
    for m in measurements:
        target = "—" if m.limit is None else "≤ " + m.shown(m.limit)
        met = {None: "", True: "yes", False: "**no**"}[m.met]
        lines.append(f"| {m.name} | {m.shown()} | {target} | {met} |")
    return "\n".join(lines) + "\n"


def to_json(measurements: Iterable[Measurement]) -> str:
    return json.dumps([dataclasses.asdict(m) for m in measurements], ensure_ascii=False)


def from_json(text: str) -> list[Measurement]:
    rows: list[dict[str, Any]] = json.loads(text)
    return [Measurement(**row) for row in rows]


def main_for(run: Callable[[], list[Measurement]]) -> None:
    """A benchmark's command line: its Markdown table, or with --json what run_all reads."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()
    measurements = run()
    print(to_json(measurements) if args.json else markdown_table(measurements), end="")


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


Timer = Callable[[], float]  # one timed run, in seconds


def measure_interleaved(timers: dict[str, Timer], samples: int) -> dict[str, list[float]]:
    """`samples` timings of each, taken in turn (order rotating) so that noise hits all alike."""
    results: dict[str, list[float]] = {name: [] for name in timers}
    names = list(timers)
    for i in range(samples):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            results[name].append(timers[name]())
    return results


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with `fraction` of them at or below it."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def addresses() -> Iterator[str]:
    """Distinct client addresses, 10.0.0.1 upwards: each has its own daily limit."""
    for n in itertools.count(1):
        yield str(ipaddress.IPv4Address(0x0A000000 + n))


def bench_settings(dynamodb_url: str, moto_url: str | None = None, **env: str) -> Settings:
    """A deployment of fresh tables (and, with moto, its own bucket) for one benchmark."""
    prefix = f"bench{uuid.uuid4().hex[:10]}"
    base = {
        "KMZB_CLIENT_KEY_SECRET": "bench-secret-for-client-keys",
        "KMZB_DYNAMODB_ENDPOINT": dynamodb_url,
        "KMZB_REPORTS_TABLE": f"{prefix}-reports",
        "KMZB_LIMITS_TABLE": f"{prefix}-limits",
        "KMZB_IDEMPOTENCY_TABLE": f"{prefix}-idempotency",
        "KMZB_AUDIT_TABLE": f"{prefix}-audit",
        "KMZB_TRUSTED_PROXY": "true",
        "KMZB_DATA_DIR": str(PROJECT_ROOT / "data"),
    }
    if moto_url is not None:  # SNS, SQS and S3 on moto, never a real account
        base.update(
            KMZB_SNS_ENDPOINT=moto_url,
            KMZB_SQS_ENDPOINT=moto_url,
            KMZB_S3_ENDPOINT=moto_url,
            KMZB_SITE_BUCKET=f"{prefix}-site",
        )
    return Settings.from_env({**base, **env})


def with_engines(
    name: str, measure: Callable[[str, str | None], list[Measurement]], moto: bool = True
) -> list[Measurement]:
    """Start DynamoDB Local (and moto's server), measure, and stop them whatever happens."""
    use_dummy_aws_env()
    print(f"{name}: starting the local engines ...", file=sys.stderr, flush=True)
    with ExitStack() as stack:
        dynamodb = start_dynamodb_local(free_port())
        stack.callback(dynamodb.stop)
        moto_url = None
        if moto:
            server = start_moto_server(free_port())
            stack.callback(server.stop)
            moto_url = server.url
        print(f"{name}: measuring ...", file=sys.stderr, flush=True)
        return measure(dynamodb.url, moto_url)
