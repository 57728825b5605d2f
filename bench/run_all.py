"""Run every benchmark, print one Markdown table and keep it in bench/results/latest.md.

    python -m bench.run_all      (what `make bench` runs)

Each benchmark runs in its own interpreter, as it would alone: what one loads
(boto3's models, say) would otherwise slow another's garbage collections.
Exits with status 0 whether or not the targets are met: the table says which are.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench.common import (
    DUMMY_AWS_ENV,
    PROJECT_ROOT,
    RESULTS_DIR,
    Measurement,
    from_json,
    markdown_table,
)

BENCHMARKS = (
    "bench.submission",
    "bench.cold_start",
    "bench.routing",
    "bench.notify_throughput",
    "bench.notification_latency",
    "bench.feed_size",
    "bench.feed_build",
    "bench.map_load",
    "bench.page_weight",
    "bench.package_size",
)


def run_benchmark(module: str) -> list[Measurement]:
    """Run `python -m module --json` from the project root; its progress goes to our stderr."""
    result = subprocess.run(
        [sys.executable, "-m", module, "--json"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **DUMMY_AWS_ENV},
        stdout=subprocess.PIPE,
        check=True,
    )
    return from_json(result.stdout.decode("utf-8"))


def environment() -> str:
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
        f"{platform.system()} {platform.machine()} · {os.cpu_count()} CPUs"
    )


def main() -> None:
    start = time.perf_counter()
    measurements = [m for module in BENCHMARKS for m in run_benchmark(module)]
    elapsed = time.perf_counter() - start
    report = (
        "# Benchmarks\n\n"
        f"{environment()} · `python -m bench.run_all` took {elapsed:.0f} s\n\n"
        f"{markdown_table(measurements)}"
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.md").write_text(report, encoding="utf-8")
    sys.stdout.write(report)
    sys.stdout.flush()
    missed = [m.name for m in measurements if m.met is False]
    print(
        f"\nMissed targets: {', '.join(missed)}" if missed else "\nAll targets met.",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
