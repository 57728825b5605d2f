"""Cold start: importing the app against importing the AWS libraries it stands on.

Each sample is the wall time of a fresh interpreter, run from the project root,
that imports the app (`python -c "import app"`) or just boto3 and pynamodb's
models. The two alternate so that machine noise hits both equally. The app
defers boto3, pynamodb and the boundary files to the first request that needs
them, so it should cost little more than the baseline; the baseline is what any
Lambda storing reports in DynamoDB pays anyway (on its first request here).

    python -m bench.cold_start
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import DUMMY_AWS_ENV, PROJECT_ROOT, Measurement, main_for, median

APP = "import app"
BASELINE = "import boto3, pynamodb.models"
RUNS = 15
TARGET_RATIO = 1.0  # issue 11: with Logger, Metrics and Tracer registered


def wall_time(code: str) -> float:
    """Seconds a fresh interpreter takes to run `code` and exit."""
    env = {**os.environ, **DUMMY_AWS_ENV}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"python -c {code!r} failed:\n{result.stderr.decode(errors='replace')}")
    return elapsed


def run(runs: int = RUNS) -> list[Measurement]:
    print("cold_start: measuring ...", file=sys.stderr, flush=True)
    # One unmeasured run of each fills the bytecode caches and the page cache.
    wall_time(APP)
    wall_time(BASELINE)
    app: list[float] = []
    baseline: list[float] = []
    for i in range(runs):
        pair = [(app, APP), (baseline, BASELINE)]
        for samples, code in pair if i % 2 == 0 else reversed(pair):
            samples.append(wall_time(code))
    return [
        Measurement(
            "Cold start: `import app` ÷ `import boto3, pynamodb.models` (medians)",
            median(app) / median(baseline),
            "x",
            TARGET_RATIO,
        ),
        Measurement("Cold start: `import app` median", median(app) * 1e3, "ms"),
        Measurement(
            "Cold start: `import boto3, pynamodb.models` median", median(baseline) * 1e3, "ms"
        ),
    ]


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
