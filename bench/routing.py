"""Routing: point → powiat lookups per second, and how long the index takes to build.

Points are uniform in Poland's bounding box (fixed seed), so a good share of
them fall outside Poland (the sea, the neighbours), where `locate` also looks
for a powiat within the border tolerance.

    python -m bench.routing
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import PROJECT_ROOT, Measurement, main_for, median

POWIATY = PROJECT_ROOT / "data" / "boundaries" / "powiaty.geojson"
LAT_RANGE = (49.0, 54.84)
LON_RANGE = (14.12, 24.15)
POINTS = 100_000
SEED = 20260610
LOOKUP_PASSES = 5
BUILDS = 7
TARGET_LOOKUP_US = 20.0
TARGET_BUILD_MS = 100.0

Point = tuple[float, float]


def random_points(count: int = POINTS, seed: int = SEED) -> list[Point]:
    rng = random.Random(seed)
    return [(rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE)) for _ in range(count)]


def microseconds_per_point(lookup: Callable[[float, float], object], points: list[Point]) -> float:
    start = time.perf_counter()
    for lat, lon in points:
        lookup(lat, lon)
    return (time.perf_counter() - start) / len(points) * 1e6


def median_ms(action: Callable[[], object], times: int) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return median(samples) * 1e3


def load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        collection: dict[str, Any] = json.load(f)
    return collection


def run(
    points: int = POINTS, passes: int = LOOKUP_PASSES, builds: int = BUILDS
) -> list[Measurement]:
    from chalicelib.geo import PowiatIndex
    from chalicelib.units import Router

    print("routing: measuring ...", file=sys.stderr, flush=True)
    collection = load(POWIATY)
    build_ms = median_ms(lambda: PowiatIndex.from_geojson(collection), builds)
    from_file_ms = median_ms(lambda: PowiatIndex.from_file(POWIATY), builds)
    garrisons = POWIATY.parent.parent / "garrisons.json"
    # What the first routing request of a cold function pays: powiats, zones, garrisons.
    router_ms = median_ms(lambda: Router.from_files(POWIATY, garrisons), builds)

    index = PowiatIndex.from_geojson(collection)
    sample = random_points(points)

    router = Router.from_files(POWIATY, garrisons)

    def locate(lat: float, lon: float) -> object:
        return router.find(lat, lon)[0]  # the zones of terytorium.geojson, then the powiats

    locate_us = median([microseconds_per_point(locate, sample) for _ in range(passes)])
    containing_us = median(
        [microseconds_per_point(index.containing, sample) for _ in range(passes)]
    )
    placed = 100 * sum(locate(lat, lon) is not None for lat, lon in sample) / len(sample)
    return [
        Measurement(
            f"Routing: `locate` per point ({points:,} random points)",
            locate_us,
            "µs",
            TARGET_LOOKUP_US,
        ),
        Measurement(
            f"Routing: `containing` per point ({points:,} random points)",
            containing_us,
            "µs",
            TARGET_LOOKUP_US,
        ),
        Measurement("Routing: share of the random points placed in a powiat", placed, "%"),
        Measurement("Index build from parsed GeoJSON (median)", build_ms, "ms", TARGET_BUILD_MS),
        Measurement("Index load + parse + build from file (median)", from_file_ms, "ms"),
        Measurement(
            "Router from files: powiats + terytorium zones + garrisons (median)", router_ms, "ms"
        ),
    ]


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
