"""Synthetic reports spread over Poland, for the feed and map benchmarks.

Deterministic for a seed: the same seed gives the same reports, ids included.
Points are a mix of dense spots around the cities with powiat rights (weighted
by the city's area, a stand-in for its population) and points uniform over the
country, each kept only where the router places it (so every report has the
powiat, unit and garrison a real submission would get). The mix of categories
leans on the road ones (about two thirds, as in KMZB's statistics), statuses
are mostly new, in verification or confirmed, and dates spread over the two
years before `NOW`.

    python -m bench.synthetic [N]      # prints a summary of N reports (default 10,000)
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import PROJECT_ROOT
from chalicelib import workflow
from chalicelib.errors import ApiError
from chalicelib.feed import publicly_visible
from chalicelib.reports import CROCKFORD, DAYS_OF_WEEK, TIMES_OF_DAY, Report, new_report
from chalicelib.units import Router

DATA = PROJECT_ROOT / "data"
POWIATY = DATA / "boundaries" / "powiaty.geojson"
GARRISONS = DATA / "garrisons.json"
SEED = 20261123
NOW = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)  # the benchmarks' clock: fixed, for repeatability
SPAN = timedelta(days=730)  # reports were created within the two years before NOW

# Code → weight. Road categories (the first eight) weigh about 64 % of the total.
CATEGORY_WEIGHTS: dict[str, float] = {
    "speeding": 28.0,
    "illegal_parking": 16.0,
    "road_infrastructure": 7.0,
    "traffic_organisation": 5.0,
    "illegal_racing": 5.0,
    "wildlife_collisions": 1.5,
    "level_crossing": 0.8,
    "track_crossing": 0.7,
    "public_drinking": 9.0,
    "vandalism": 4.0,
    "illegal_dumping": 4.0,
    "minors_at_risk": 3.0,
    "stray_dogs": 2.5,
    "begging": 2.0,
    "homeless_in_need": 1.5,
    "greenery_damage": 1.5,
    "drug_use": 1.5,  # never public
    "animal_cruelty": 1.0,  # never public
    "illegal_logging": 1.0,
    "quads_in_forest": 1.0,
    "grass_burning": 1.0,
    "wild_swimming": 0.8,
    "dangerous_venue": 0.5,  # public once confirmed
    "dangerous_waterside": 0.5,
    "dangerous_water": 0.3,
    "poaching": 0.3,
    "drownings": 0.2,
}
STATUS_WEIGHTS: dict[str, float] = {
    workflow.NEW: 22.0,
    workflow.VERIFYING: 22.0,
    workflow.CONFIRMED: 38.0,
    workflow.CONFIRMED_HANDED_OVER: 4.0,
    workflow.CONFIRMED_ELIMINATED: 7.0,
    workflow.NOT_CONFIRMED: 5.0,
    workflow.PRANK_OR_MISTAKE: 2.0,
}
STATUS_VERSION = {
    workflow.NEW: 1,
    workflow.VERIFYING: 2,
    workflow.CONFIRMED: 3,
    workflow.CONFIRMED_HANDED_OVER: 4,
    workflow.CONFIRMED_ELIMINATED: 4,
    workflow.NOT_CONFIRMED: 3,
    workflow.PRANK_OR_MISTAKE: 2,
}
CITY_SHARE = 0.6  # of the points: around cities; the rest uniform over the country
CITY_SIGMA_DEG = 0.035  # spread around a city's centre (about 4 km north-south)
DESCRIPTIONS = (
    "Samochody parkują na chodniku przy przejściu dla pieszych, codziennie rano.",
    "Kierowcy znacznie przekraczają prędkość na prostym odcinku przy szkole.",
    "Grupa osób spożywa alkohol na placu zabaw wieczorami.",
    "Brak oznakowania przejścia, słabe oświetlenie.",
    "Wyścigi samochodów na parkingu przy centrum handlowym w weekendy.",
)
# Confirmations: most reports have none, a few many.
CONFIRMATION_WEIGHTS = (70.0, 12.0, 7.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.5)

Box = tuple[float, float, float, float]  # south, west, north, east


@dataclass(frozen=True)
class Area:
    teryt: str
    kind: str
    garrison: str
    box: Box
    centre: tuple[float, float]  # lat, lon
    area: float  # in square degrees of longitude × latitude, scaled by cos(latitude)


def _outer_rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def _ring_area_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """Signed area (shoelace, in degrees²) and centroid (lon, lat) of a ring."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    a /= 2
    if a == 0:
        return 0.0, ring[0][0], ring[0][1]
    return a, cx / (6 * a), cy / (6 * a)


def load_areas(path: Path = POWIATY, garrisons_path: Path = GARRISONS) -> list[Area]:
    with open(path, encoding="utf-8") as f:
        collection = json.load(f)
    with open(garrisons_path, encoding="utf-8") as f:
        garrison_of = {t: g["garrison"] for g in json.load(f) for t in g["powiats"]}
    areas = []
    for feature in collection["features"]:
        props = feature["properties"]
        rings = _outer_rings(feature["geometry"])
        lons = [x for ring in rings for x, _ in ring]
        lats = [y for ring in rings for _, y in ring]
        parts = [_ring_area_centroid(ring) for ring in rings]
        total = sum(abs(a) for a, _, _ in parts)
        lon = sum(abs(a) * x for a, x, _ in parts) / total
        lat = sum(abs(a) * y for a, _, y in parts) / total
        areas.append(
            Area(
                teryt=str(props["teryt"]),
                kind=str(props["kind"]),
                garrison=garrison_of[str(props["teryt"])],
                box=(min(lats), min(lons), max(lats), max(lons)),
                centre=(lat, lon),
                area=total * math.cos(math.radians(lat)),
            )
        )
    return areas


def load_router() -> Router:
    return Router.from_files(POWIATY, GARRISONS)


def ulid(moment: datetime, rng: random.Random) -> str:
    """A report id as `chalicelib.reports.new_report_id` makes it (48 bits of milliseconds,
    80 random bits, Crockford's base 32), but with the random bits from `rng`."""
    number = (int(moment.timestamp() * 1000) << 80) | rng.getrandbits(80)
    chars = []
    for _ in range(26):
        number, digit = divmod(number, 32)
        chars.append(CROCKFORD[digit])
    return "".join(reversed(chars))


class Generator:
    """Reports for the garrisons given (all by default), one after another."""

    def __init__(
        self,
        seed: int = SEED,
        garrisons: Sequence[str] | None = None,
        now: datetime = NOW,
        router: Router | None = None,
        areas: list[Area] | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.router = router or load_router()
        every = areas if areas is not None else load_areas()
        self.garrisons = frozenset(garrisons) if garrisons else None
        mine = [a for a in every if self.garrisons is None or a.garrison in self.garrisons]
        if not mine:
            raise ValueError(f"no powiats in garrisons {garrisons}")
        self.cities = [a for a in mine if a.kind == "city"] or mine
        self.city_weights = list(_cumulative([a.area for a in self.cities]))
        boxes = [a.box for a in mine]
        self.box: Box = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        self.categories = list(CATEGORY_WEIGHTS)
        self.category_weights = list(_cumulative(CATEGORY_WEIGHTS.values()))
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = list(_cumulative(STATUS_WEIGHTS.values()))
        self.confirmation_weights = list(_cumulative(CONFIRMATION_WEIGHTS))

    def _point(self) -> tuple[float, float]:
        rng = self.rng
        if rng.random() < CITY_SHARE:
            city = rng.choices(self.cities, cum_weights=self.city_weights)[0]
            lat = rng.gauss(city.centre[0], CITY_SIGMA_DEG)
            lon = rng.gauss(city.centre[1], CITY_SIGMA_DEG / math.cos(math.radians(lat)))
        else:
            south, west, north, east = self.box
            lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        return round(lat, 6), round(lon, 6)  # as the report form sends them

    def report(self) -> Report:
        rng = self.rng
        while True:
            lat, lon = self._point()
            if self.router.index.containing(lat, lon) is None:
                continue  # outside Poland: a submission would be refused
            try:
                placement = self.router.place(lat, lon)
            except ApiError:
                continue
            if self.garrisons is None or placement.garrison.id in self.garrisons:
                break
        created = self.now - timedelta(seconds=rng.uniform(60, SPAN.total_seconds()))
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        status = rng.choices(self.statuses, cum_weights=self.status_weights)[0]
        modified = created
        if status != workflow.NEW:
            age = (self.now - created).total_seconds()
            modified = created + timedelta(seconds=rng.uniform(0, min(age, 60 * 86400)))
            modified = modified.replace(microsecond=modified.microsecond // 1000 * 1000)
        occurred = None
        if rng.random() < 0.3:
            occurred = created - timedelta(minutes=rng.randrange(10, 14 * 24 * 60))
            occurred = occurred.replace(second=0, microsecond=0)
        time_of_day = rng.choice(TIMES_OF_DAY) if rng.random() < 0.35 else None
        days: tuple[str, ...] = ()
        if rng.random() < 0.25:
            days = tuple(d for d in DAYS_OF_WEEK if rng.random() < 0.4) or ("fri",)
        duplicate_of = None
        if status == workflow.NOT_CONFIRMED and rng.random() < 0.2:
            duplicate_of = ulid(created - timedelta(days=rng.uniform(1, 90)), rng)
        arrived = new_report(
            ulid(created, rng),
            rng.choices(self.categories, cum_weights=self.category_weights)[0],
            lat,
            lon,
            placement,
            created,
            description=rng.choice(DESCRIPTIONS) if rng.random() < 0.5 else None,
            occurred_at=occurred,
            time_of_day=time_of_day,
            days_of_week=days,
            request_hash=f"{rng.getrandbits(256):064x}" if rng.random() < 0.5 else None,
            duplicate_of=duplicate_of,
            confirmations=rng.choices(range(9), cum_weights=self.confirmation_weights)[0],
        )
        # ... and where the workflow has taken it since.
        return replace(
            arrived, status=status, status_version=STATUS_VERSION[status], modified_at=modified
        )

    def __iter__(self) -> Iterator[Report]:
        while True:
            yield self.report()


def _cumulative(weights: Any) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def reports(
    count: int, seed: int = SEED, garrisons: Sequence[str] | None = None, now: datetime = NOW
) -> list[Report]:
    """`count` reports of any status (some of them not public)."""
    generator = Generator(seed, garrisons, now)
    return [generator.report() for _ in range(count)]


def public_reports(
    count: int, seed: int = SEED, garrisons: Sequence[str] | None = None, now: datetime = NOW
) -> list[Report]:
    """`count` reports the public feed shows at `now` (the others are drawn and left out)."""
    generator = Generator(seed, garrisons, now)
    found: list[Report] = []
    while len(found) < count:
        report = generator.report()
        if publicly_visible(report, now):
            found.append(report)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--garrison", action="append")
    args = parser.parse_args()
    start = time.perf_counter()
    made = reports(args.count, args.seed, args.garrison)
    elapsed = time.perf_counter() - start
    n = len(made)
    public = sum(publicly_visible(r, NOW) for r in made)
    print(f"{n:,} reports in {elapsed:.1f} s; {100 * public / n:.1f} % public at {NOW:%Y-%m-%d}")
    for title, counter in (
        ("garrisons", Counter(r.garrison for r in made)),
        ("categories", Counter(r.category for r in made)),
        ("statuses", Counter(r.status for r in made)),
    ):
        shares = ", ".join(f"{k} {100 * v / n:.1f} %" for k, v in counter.most_common(8))
        print(f"{title}: {shares}", file=sys.stdout)


if __name__ == "__main__":
    main()
