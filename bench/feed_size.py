"""Feed size: gzipped bytes per report of the compact feed against the same reports as GeoJSON.

300,000 synthetic public reports spread over Poland (bench/synthetic.py) are
built into every garrison's feed files with `chalicelib.feed.build_garrison_feed`,
as a rebuild would. Each file is gzipped at level 6 (what CloudFront's
compression comes close to) and the sizes are summed over the garrisons. The
map loads only the compact files; the ids files are read only to confirm a
report, so they are reported apart (and together with the compact ones).

    python -m bench.feed_size
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import defaultdict
from dataclasses import dataclass

from bench import synthetic
from bench.common import Measurement, main_for
from chalicelib.feed import GarrisonFeed, build_garrison_feed
from chalicelib.reports import Report

REPORTS = 300_000
GZIP_LEVEL = 6
TARGET_RATIO = 0.25


@dataclass
class Sizes:
    raw: int = 0
    gzipped: int = 0

    def add(self, body: bytes) -> None:
        self.raw += len(body)
        self.gzipped += len(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))


def build_feeds(reports: list[Report]) -> list[GarrisonFeed]:
    router = synthetic.load_router()
    by_garrison: dict[str, list[Report]] = defaultdict(list)
    for report in reports:
        by_garrison[report.garrison].append(report)
    return [
        build_garrison_feed(items, garrison, router.garrisons[garrison].headquarters, synthetic.NOW)
        for garrison, items in sorted(by_garrison.items())
    ]


def column_shares(feeds: list[GarrisonFeed]) -> dict[str, int]:
    """Gzipped bytes of each column of the compact feeds, each compressed alone (a guide to
    what dominates: compressed together they share a little context)."""
    shares: dict[str, int] = defaultdict(int)
    for feed in feeds:
        body = json.loads(feed.files[0].body)
        for name, value in body.items():
            if isinstance(value, list) and len(value) == body["count"]:
                text = json.dumps(value, separators=(",", ":")).encode()
                shares[name] += len(gzip.compress(text, compresslevel=GZIP_LEVEL, mtime=0))
    return dict(shares)


def measure(count: int = REPORTS) -> list[Measurement]:
    print(f"feed_size: generating {count:,} public reports ...", file=sys.stderr, flush=True)
    reports = synthetic.public_reports(count)
    print("feed_size: building the feeds ...", file=sys.stderr, flush=True)
    feeds = build_feeds(reports)
    shown = sum(int(f.pointer["count"]) for f in feeds)
    if shown != count:
        raise RuntimeError(f"the feeds hold {shown} reports, not {count}")
    compact, ids, geojson = Sizes(), Sizes(), Sizes()
    for feed in feeds:
        compact_file, ids_file, geojson_file = feed.files
        compact.add(compact_file.body)
        ids.add(ids_file.body)
        geojson.add(geojson_file.body)
    per = 1 / count
    columns = column_shares(feeds)
    print(
        "feed_size: gzipped bytes per report by column (alone): "
        + ", ".join(f"{k} {v * per:.2f}" for k, v in sorted(columns.items(), key=lambda kv: -kv[1]))
        + f"; ids {ids.gzipped * per:.2f}",
        file=sys.stderr,
    )
    label = f"{count:,} reports, {len(feeds)} garrisons, gzip -{GZIP_LEVEL}"
    return [
        Measurement(
            f"Feed size: compact ÷ GeoJSON, gzipped ({label})",
            compact.gzipped / geojson.gzipped,
            "x",
            TARGET_RATIO,
        ),
        Measurement(
            "Feed size: (compact + ids) ÷ GeoJSON, gzipped",
            (compact.gzipped + ids.gzipped) / geojson.gzipped,
            "x",
        ),
        Measurement("Feed size: compact, gzipped, per report", compact.gzipped * per, "B"),
        Measurement("Feed size: ids, gzipped, per report", ids.gzipped * per, "B"),
        Measurement("Feed size: GeoJSON, gzipped, per report", geojson.gzipped * per, "B"),
        Measurement("Feed size: compact, raw, per report", compact.raw * per, "B"),
        Measurement("Feed size: GeoJSON, raw, per report", geojson.raw * per, "B"),
    ]


def run() -> list[Measurement]:
    return measure()


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
