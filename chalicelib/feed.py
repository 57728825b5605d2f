"""The public feed: which reports the public may see, and the files the map reads.

Pure functions build the files (docs/FEED.md describes them); `FeedWriter` puts
them in S3, immutable files first and the pointers last, so that a pointer never
names a missing object.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import categories, statuses
from chalicelib.categories import Visibility
from chalicelib.limits import WARSAW
from chalicelib.observability import count, milliseconds, seconds
from chalicelib.reports import TIMES_OF_DAY
from chalicelib.statuses import Public
from chalicelib.values import (  # PublicReport and PUBLIC_ATTRIBUTES were defined here
    PUBLIC_ATTRIBUTES,  # noqa: F401
    Clock,
    FeedInput,
    PublicReport,  # noqa: F401
    iso,
)

if TYPE_CHECKING:
    from chalicelib.storage import ReportStore
    from chalicelib.units import Router

FORMAT = "kmzb-compact-1"
SCALE = 100_000  # coordinates to about a metre
DAY0 = date(2016, 1, 1)  # KMZB went live in 2016
WEEKDAY_BITS = {"mon": 1, "tue": 2, "wed": 4, "thu": 8, "fri": 16, "sat": 32, "sun": 64}
# The status rules (always, never, for N days after the last change) are the catalogue's.
CONFIRMED_FAMILY = statuses.CONFIRMED_FAMILY
IMMUTABLE = "public, max-age=31536000, immutable"
POINTED = ("compact", "ids", "geojson")  # the files a garrison's pointer names
MANIFEST_KEY = "feeds/manifest.json"
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "403", "AccessDenied"})
SHORT = "public, max-age=60"


def publicly_visible(report: FeedInput, now: datetime) -> bool:
    """The KMZB rules of what the public map shows."""
    category = categories.get(report.category)
    if category is None or category.visibility is Visibility.NEVER:
        return False
    if category.visibility is Visibility.CONFIRMED_ONLY and report.status not in CONFIRMED_FAMILY:
        return False
    if report.duplicate_of:
        return False
    status = statuses.get(report.status)
    if status is None:  # a status we do not know
        return False
    if status.public is Public.ALWAYS:
        return True
    if status.public is Public.RECENTLY_CHANGED and status.public_days is not None:
        return now - report.modified_at <= timedelta(days=status.public_days)
    return False  # a prank or mistake


def _day(moment: datetime | None) -> int:
    if moment is None:
        return -1
    return (moment.astimezone(WARSAW).date() - DAY0).days


def _deltas(values: list[int]) -> list[int]:
    return [v - p for v, p in zip(values, [0, *values], strict=False)]


@dataclass(frozen=True)
class FeedFile:
    key: str
    body: bytes
    content_type: str
    cache_control: str


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:20]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def compact_feed(
    reports: Sequence[FeedInput], garrison: str, generated_at: str
) -> tuple[bytes, bytes]:
    """The map's feed and the ids in the same order (fetched only to confirm a report)."""
    items = sorted(reports, key=lambda r: (r.lat, r.lon, r.id))
    codes = [c.code for c in categories.CATEGORIES]
    category_index = {code: i for i, code in enumerate(codes)}
    status_index = {s: i for i, s in enumerate(statuses.CODES)}
    powiats = sorted({r.teryt for r in items})
    powiat_index = {t: i for i, t in enumerate(powiats)}
    time_index = {t: i for i, t in enumerate(TIMES_OF_DAY)}
    body = {
        "format": FORMAT,
        "garrison": garrison,
        "generated_at": generated_at,
        "count": len(items),
        "scale": SCALE,
        "day0": DAY0.isoformat(),
        "categories": codes,
        "statuses": list(statuses.CODES),
        "powiats": powiats,
        "times_of_day": list(TIMES_OF_DAY),
        "lat": _deltas([round(r.lat * SCALE) for r in items]),
        "lon": _deltas([round(r.lon * SCALE) for r in items]),
        "category": [category_index[r.category] for r in items],
        "status": [status_index[r.status] for r in items],
        "powiat": [powiat_index[r.teryt] for r in items],
        "created": [_day(r.created_at) for r in items],
        "modified": [_day(r.modified_at) for r in items],
        "occurred": [_day(r.occurred_at) for r in items],
        "time_of_day": [time_index.get(r.time_of_day or "", -1) for r in items],
        "days": [sum(WEEKDAY_BITS[d] for d in r.days_of_week) for r in items],
        "confirmations": [r.confirmations for r in items],
    }
    return _json(body), _json({"ids": [r.id for r in items]})


def geojson_feed(reports: Sequence[FeedInput]) -> bytes:
    """RFC 7946 open data: points in WGS 84, only public attributes."""
    features = []
    for r in sorted(reports, key=lambda r: r.id):
        category = categories.get(r.category)
        features.append(
            {
                "type": "Feature",
                "id": r.id,
                "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                "properties": {
                    "id": r.id,
                    "category": r.category,
                    "category_pl": category.name_pl if category else r.category,
                    "category_en": category.name_en if category else r.category,
                    "status": r.status,
                    **statuses.names(r.status),
                    "created_at": iso(r.created_at),
                    "modified_at": iso(r.modified_at),
                    "occurred_at": iso(r.occurred_at) if r.occurred_at else None,
                    "time_of_day": r.time_of_day,
                    "days_of_week": list(r.days_of_week),
                    "teryt": r.teryt,
                    "confirmations": r.confirmations,
                },
            }
        )
    return _json({"type": "FeatureCollection", "features": features})


@dataclass(frozen=True)
class GarrisonFeed:
    garrison: str
    pointer: dict[str, Any]
    files: tuple[FeedFile, ...]  # immutable files; the pointer is written after them

    def pointer_file(self) -> FeedFile:
        return FeedFile(
            f"feeds/{self.garrison}/current.json",
            _json(self.pointer),
            "application/json",
            SHORT,
        )


def build_garrison_feed(
    reports: Sequence[FeedInput], garrison: str, headquarters: str, now: datetime
) -> GarrisonFeed:
    visible = [r for r in reports if r.garrison == garrison and publicly_visible(r, now)]
    generated_at = iso(now)
    compact, ids = compact_feed(visible, garrison, generated_at)
    geojson = geojson_feed(visible)
    base = f"feeds/{garrison}/"
    compact_key = f"{base}{_digest(compact)}.json"
    files = (
        FeedFile(compact_key, compact, "application/json", IMMUTABLE),
        FeedFile(f"{base}{_digest(compact)}.ids.json", ids, "application/json", IMMUTABLE),
        FeedFile(f"{base}{_digest(geojson)}.geojson", geojson, "application/geo+json", IMMUTABLE),
    )
    pointer = {
        "garrison": garrison,
        "headquarters": headquarters,
        "generated_at": generated_at,
        "count": len(visible),
        "compact": "/" + files[0].key,
        "ids": "/" + files[1].key,
        "geojson": "/" + files[2].key,
    }
    return GarrisonFeed(garrison, pointer, files)


def manifest_file(pointers: list[dict[str, Any]], now: datetime) -> FeedFile:
    body = {"generated_at": iso(now), "garrisons": sorted(pointers, key=lambda p: p["garrison"])}
    return FeedFile(MANIFEST_KEY, _json(body), "application/json", SHORT)


class FeedWriter:
    """Writes feeds to the site's S3 bucket (at the edge: boto3's client is passed in)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    def put(self, file: FeedFile) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=file.key,
            Body=file.body,
            ContentType=file.content_type,
            CacheControl=file.cache_control,
        )

    def publish(self, feed: GarrisonFeed) -> None:
        for file in feed.files:
            self.put(file)
        self.put(feed.pointer_file())

    def exists(self, key: str) -> bool:
        """Whether the bucket holds `key` (one HEAD request). A 403 is a missing key too: the
        functions may read feeds/* but list the bucket only under a prefix condition, and S3
        answers 403 rather than 404 for a missing key to whoever may not list it."""
        from botocore.exceptions import ClientError

        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in MISSING_CODES:
                return False
            raise
        return True

    def intact(self, garrison: str) -> bool:
        """Whether the garrison's pointer exists and every file it names does: one GET and
        three HEADs. False sends the next `refresh` to rebuild the feed."""
        from botocore.exceptions import ClientError

        key = f"feeds/{garrison}/current.json"
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in MISSING_CODES:
                return False
            raise
        try:
            current = json.loads(body)
        except ValueError:
            return False
        names = [current.get(n) if isinstance(current, dict) else None for n in POINTED]
        return all(isinstance(n, str) and self.exists(n.lstrip("/")) for n in names)

    def pointers(self, garrisons: list[str]) -> list[dict[str, Any]]:
        found = []
        for garrison in garrisons:
            try:
                body = self._s3.get_object(
                    Bucket=self._bucket, Key=f"feeds/{garrison}/current.json"
                )["Body"].read()
            except self._s3.exceptions.NoSuchKey:
                continue
            found.append(json.loads(body))
        return found


# --- rebuilding (at the edge: a store, the site bucket's writer, the router, a clock) ------

REFRESH_AFTER_S = 3600  # time-based rules (7 and 30 days) need a rebuild now and then
# How often a refresh looks for missing feed objects: every scheduled run in AWS (once a
# minute), not at each of the local pump's 2-second ticks. By (bucket, garrison), per process.
CHECK_BUCKET_EVERY_S = 50
_bucket_checked_at: dict[tuple[str, str], float] = {}


@dataclass(frozen=True)
class FeedJob:
    """What building feeds uses, given by the composition root (chalicelib.deployment): the
    reports store (the feed's projection and the per-garrison build state), the site bucket's
    writer, the router (the garrisons served and their headquarters), a clock, and the debounce
    period in seconds (at most one build per garrison that often)."""

    store: ReportStore
    writer: FeedWriter
    router: Router
    clock: Clock
    debounce_seconds: float


def _missing_from_bucket(job: FeedJob, garrison: str, now: float) -> bool:
    """Whether the garrison's feed objects (garrison "": the manifest) are missing; checked at
    most every CHECK_BUCKET_EVERY_S while they are found intact, at every run while not."""
    key = (job.writer.bucket, garrison)
    last = _bucket_checked_at.get(key)
    if last is not None and 0 <= now - last < CHECK_BUCKET_EVERY_S:
        return False
    writer = job.writer
    missing = not (writer.intact(garrison) if garrison else writer.exists(MANIFEST_KEY))
    if missing:
        _bucket_checked_at.pop(key, None)
    else:
        _bucket_checked_at[key] = now
    return missing


def _build_claimed(job: FeedJob, garrison: str) -> None:
    try:
        rebuild(job, garrison)
    except Exception:
        job.store.release_feed_build(garrison)
        raise


def rebuild(job: FeedJob, garrison: str) -> GarrisonFeed:
    """Build one garrison's feed from DynamoDB, publish it, then refresh the manifest.
    Emits FeedBuilds (1) and FeedBuildDuration (milliseconds, reading to manifest)."""
    started = time.perf_counter()
    now = job.clock()
    reports = job.store.public_reports(garrison)
    headquarters = job.router.garrisons[garrison].headquarters
    feed = build_garrison_feed(reports, garrison, headquarters, now)
    writer = job.writer
    writer.publish(feed)
    writer.put(manifest_file(writer.pointers(sorted(job.router.served)), now))
    count("FeedBuilds")
    milliseconds("FeedBuildDuration", (time.perf_counter() - started) * 1000)
    return feed


def request_rebuilds(job: FeedJob, garrisons: set[str]) -> list[str]:
    """After changes: note them, and build at once where no build ran within the debounce
    period; the rest are built by the next `refresh`."""
    store, now = job.store, job.clock().timestamp()
    built = []
    for garrison in sorted(garrisons & job.router.served):
        store.mark_feed_wanted(garrison, now)
        if store.claim_feed_build(garrison, now, job.debounce_seconds):
            _build_claimed(job, garrison)
            built.append(garrison)
    return built


def refresh(job: FeedJob) -> list[str]:
    """Scheduled: build feeds changed since their last build, never built, getting old, or
    missing from the bucket (a deleted pointer or a file it names); write the manifest again
    if it is missing. Returns the garrisons built.

    Checking the bucket costs one GET and three HEADs per garrison and a HEAD of the manifest,
    at most every CHECK_BUCKET_EVERY_S: a feed deleted by mistake is back within one schedule
    period (a minute) instead of at the hourly rebuild.

    Emits FeedAge (seconds): how long ago the newest change not yet in its garrison's feed
    was made, the largest over the garrisons after this run (0 when every feed is current)."""
    store, now = job.store, job.clock().timestamp()
    writer = job.writer
    built = []
    lag = 0.0
    for garrison in sorted(job.router.served):
        wanted, last = store.feed_state(garrison)
        # A change in the very instant a build started may have been missed: >= rebuilds.
        changed = wanted is not None and (last is None or wanted >= last)
        due = (
            last is None
            or changed
            or now - last > REFRESH_AFTER_S
            or _missing_from_bucket(job, garrison, now)
        )
        if due and store.claim_feed_build(garrison, now, job.debounce_seconds):
            _build_claimed(job, garrison)
            built.append(garrison)
        elif changed and wanted is not None:  # another build holds it, or debounced
            lag = max(lag, now - wanted)
    seconds("FeedAge", lag)
    # A build above wrote the manifest already.
    if not built and _missing_from_bucket(job, "", now):
        served = sorted(job.router.served)
        writer.put(manifest_file(writer.pointers(served), job.clock()))
    return built
