"""Feed build: rebuilding a garrison's feed of 50,000 reports, against the bare Query of them.

DynamoDB Local (in memory) holds 50,000 synthetic reports of one garrison
(bench/synthetic.py, all statuses: the rebuild leaves out what is not public),
written with boto3 `batch_write_item` in the very shape `ReportStore` stores
(`storage._to_item`, serialised by pynamodb). The site's bucket is on moto's
server. `chalicelib.feed.rebuild` reads the garrison's reports by the
by_garrison_modified index (only the feed's attributes, `feed.PUBLIC_ATTRIBUTES`),
builds the compact, ids and GeoJSON files, puts them and the pointer in S3 and
refreshes the manifest. The baseline is a bare paginated boto3 Query of the same
index and key (every page, whole items, nothing done with them); a second one
projects the feed's attributes, as the rebuild does. Rounds alternate, their
order rotating, after a light warm-up (the router, the clients, a one-page
Query of each kind). During each timed rebuild the functions it calls are
wrapped in timers, to show where its time goes (about 15 ms in all, nearly all
of it `_public_report`'s, once for each item).

DynamoDB Local serves each 1 MB page in time that grows with the items left
after it, unlike DynamoDB, so most of a Query's time here is the engine's. The
answers of one Query are kept and botocore's parsing of them timed apart: the
rebuild's ratio with the engine's serving time taken out of both (as if the
server answered at once: the whole-item Query's for the baseline, the projected
Query's for the rebuild) bounds what DynamoDB itself would give from above.

    python -m bench.feed_build
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from bench import synthetic
from bench.common import (
    Measurement,
    Timer,
    bench_settings,
    main_for,
    measure_interleaved,
    median,
    with_engines,
)
from chalicelib.deployment import Deployment
from chalicelib.reports import Report
from infra.local_site import ensure_bucket

GARRISON = "malopolskie"
REPORTS = 50_000
ROUNDS = 3  # of each kind
LOAD_THREADS = 4
BATCH = 25  # batch_write_item's limit
REGION = "eu-central-1"
TARGET_RATIO = 1.5
PARSE_REPEATS = 3


class BenchError(RuntimeError):
    pass


def client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def make_deployment(dynamodb_url: str, s3_url: str) -> Deployment:
    settings = bench_settings(dynamodb_url, s3_url, AWS_REGION=REGION)
    return Deployment(settings, clock=lambda: synthetic.NOW)


def load(deployment: Deployment, dynamodb: Any, reports: list[Report]) -> None:
    """Write the reports as ReportStore would store them, 25 to a batch, in a few threads."""
    from chalicelib.storage import _to_item

    model = deployment.store.Report
    table = deployment.settings.reports_table
    items = [_to_item(model, r).serialize() for r in reports]
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]

    def write(batch: list[dict[str, Any]]) -> None:
        requests = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        for attempt in range(20):
            answer = dynamodb.batch_write_item(RequestItems=requests)
            requests = answer.get("UnprocessedItems") or {}
            if not requests:
                return
            time.sleep(0.05 * (attempt + 1))
        raise BenchError("batch_write_item kept leaving items unprocessed")

    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        list(pool.map(write, batches))


def bare_query(dynamodb: Any, table: str, garrison: str, projection: tuple[str, ...] = ()) -> int:
    """Every page of the garrison's reports by the index, as boto3 gives them: the item count.
    With a projection, only those attributes."""
    arguments: dict[str, Any] = {
        "TableName": table,
        "IndexName": "by_garrison_modified",
        "KeyConditionExpression": "#garrison = :g",
        "ExpressionAttributeNames": {"#garrison": "garrison"},
        "ExpressionAttributeValues": {":g": {"S": garrison}},
    }
    if projection:
        names = {f"#p{i}": name for i, name in enumerate(projection)}
        arguments["ProjectionExpression"] = ", ".join(names)
        arguments["ExpressionAttributeNames"].update(names)
    count = 0
    while True:
        page = dynamodb.query(**arguments)
        count += len(page["Items"])
        if "LastEvaluatedKey" not in page:
            return count
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def timed(action: Callable[[], object]) -> Timer:
    def timer() -> float:
        start = time.perf_counter()
        action()
        return time.perf_counter() - start

    return timer


class StepTimer:
    """Times the steps of `feed.rebuild` while it runs, by wrapping the functions it calls."""

    def __init__(self, deployment: Deployment) -> None:
        from chalicelib import feed, storage

        self.took: dict[str, float] = {}
        store, writer = deployment.store, deployment.feed_writer
        # (owner, attribute): each call's time adds to the attribute's count.
        self.targets: list[tuple[Any, str]] = [
            (storage, "_public_report"),
            (store, "public_reports"),
            (feed, "build_garrison_feed"),
            (feed, "compact_feed"),
            (feed, "geojson_feed"),
            (writer, "publish"),
        ]
        self.saved: list[tuple[Any, str, Any]] = []

    def _wrap(self, function: Callable[..., Any], name: str) -> Callable[..., Any]:
        took = self.took

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                took[name] = took.get(name, 0.0) + time.perf_counter() - start

        return timed_call

    def __enter__(self) -> StepTimer:
        self.took.clear()
        for owner, attribute in self.targets:
            self.saved.append((owner, attribute, vars(owner).get(attribute)))
            setattr(owner, attribute, self._wrap(getattr(owner, attribute), attribute))
        return self

    def __exit__(self, *_: object) -> None:
        for owner, attribute, before in reversed(self.saved):
            if before is None:
                delattr(owner, attribute)  # an instance's method: the class's shows again
            else:
                setattr(owner, attribute, before)
        self.saved.clear()

    def steps(self, total: float) -> dict[str, float]:
        """Seconds in each step of a rebuild that took `total`."""
        t = self.took
        parts = {
            "Query of the feed's attributes (low-level items)": (
                t["public_reports"] - t["_public_report"]
            ),
            "items → PublicReport (_public_report)": t["_public_report"],
            "compact + ids JSON": t["compact_feed"],
            "GeoJSON": t["geojson_feed"],
            "public filter, hashes": (
                t["build_garrison_feed"] - t["compact_feed"] - t["geojson_feed"]
            ),
            "S3 puts (3 files + pointer)": t["publish"],
        }
        parts["manifest (17 pointers read, put), the rest"] = total - sum(parts.values())
        return parts


class ResponseCapture:
    """Keeps the raw answers to a client's Queries, to time botocore's parsing of them apart."""

    def __init__(self, dynamodb: Any) -> None:
        self.events = dynamodb.meta.events
        self.answers: list[tuple[Any, dict[str, Any]]] = []

    def keep(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        self.answers.append((operation_model, dict(response_dict)))

    def __enter__(self) -> ResponseCapture:
        self.events.register("before-parse.dynamodb.Query", self.keep)
        return self

    def __exit__(self, *_: object) -> None:
        self.events.unregister("before-parse.dynamodb.Query", self.keep)

    def parse_seconds(self) -> float:
        """How long botocore takes to parse the kept answers (the client's share of a Query):
        the median of PARSE_REPEATS parses, as one alone varies by a second or more here."""
        from botocore.parsers import create_parser

        took = []
        for _ in range(PARSE_REPEATS):
            start = time.perf_counter()
            for operation_model, response_dict in self.answers:
                parser = create_parser(operation_model.service_model.resolved_protocol)
                parser.parse(response_dict, operation_model.output_shape)
            took.append(time.perf_counter() - start)
        return median(took)


def measure(dynamodb_url: str, s3_url: str, rounds: int = ROUNDS) -> list[Measurement]:
    from chalicelib import feed

    deployment = make_deployment(dynamodb_url, s3_url)
    deployment.store.create_tables()
    ensure_bucket(client("s3", s3_url), deployment.settings.site_bucket, REGION)
    dynamodb = client("dynamodb", dynamodb_url)
    table = deployment.settings.reports_table

    start = time.perf_counter()
    reports = synthetic.reports(REPORTS, garrisons=[GARRISON])
    generated = time.perf_counter() - start
    load(deployment, dynamodb, reports)
    loaded = time.perf_counter() - start
    print(
        f"feed_build: {REPORTS:,} reports generated in {generated:.1f} s, "
        f"loaded in {loaded - generated:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    public = sum(feed.publicly_visible(r, synthetic.NOW) for r in reports)
    del reports
    step_rounds: list[dict[str, float]] = []

    def rebuild() -> float:
        with StepTimer(deployment) as steps:
            start = time.perf_counter()
            built = feed.rebuild(deployment.feed_job, GARRISON)
            took = time.perf_counter() - start
        if built.pointer["count"] != public:
            raise BenchError(f"the feed holds {built.pointer['count']} reports, not {public}")
        step_rounds.append(steps.steps(took))
        return took

    def query() -> None:
        if (found := bare_query(dynamodb, table, GARRISON)) != REPORTS:
            raise BenchError(f"the Query found {found} items, not {REPORTS}")

    def projected_query() -> None:
        found = bare_query(dynamodb, table, GARRISON, feed.PUBLIC_ATTRIBUTES)
        if found != REPORTS:
            raise BenchError(f"the projected Query found {found} items, not {REPORTS}")

    # A light warm-up: what is made on first use (the router, the S3 client, boto3's and
    # pynamodb's models) and a page of each kind of Query.
    if GARRISON not in deployment.router.served:
        raise BenchError(f"{GARRISON} is not a garrison")
    deployment.feed_writer.pointers([GARRISON])
    deployment.store.public_reports(GARRISON, page_size=10)
    dynamodb.query(
        TableName=table,
        IndexName="by_garrison_modified",
        KeyConditionExpression="garrison = :g",
        ExpressionAttributeValues={":g": {"S": GARRISON}},
        Limit=10,
    )
    print("feed_build: measuring ...", file=sys.stderr, flush=True)
    timers: dict[str, Timer] = {
        "rebuild": rebuild,
        "query": timed(query),
        "projected": timed(projected_query),
    }
    timings = measure_interleaved(timers, rounds - 1)
    # The last round's Queries keep their answers, to time botocore's parsing apart.
    parsing: dict[str, float] = {}
    for name in ("query", "projected"):
        with ResponseCapture(dynamodb) as capture:
            timings[name].append(timers[name]())
        parsing[name] = capture.parse_seconds()
    timings["rebuild"].append(rebuild())
    took = {name: median([r[name] for r in step_rounds]) for name in step_rounds[0]}
    print(
        f"feed_build: rebuilds {', '.join(f'{t:.2f}' for t in timings['rebuild'])} s; "
        f"Queries {', '.join(f'{t:.2f}' for t in timings['query'])} s; "
        f"projected {', '.join(f'{t:.2f}' for t in timings['projected'])} s; "
        f"parsed by botocore in {parsing['query']:.2f} s and {parsing['projected']:.2f} s",
        file=sys.stderr,
    )
    bare, full = median(timings["query"]), median(timings["rebuild"])
    projected = median(timings["projected"])
    # Were the server to answer at once, a Query would cost the client its parsing alone.
    server, projected_server = bare - parsing["query"], projected - parsing["projected"]
    label = f"{REPORTS:,} reports, {public:,} public"
    return [
        Measurement(
            f"Feed build: rebuild ÷ bare paginated Query ({label}, medians of {rounds})",
            full / bare,
            "x",
            TARGET_RATIO,
        ),
        Measurement("Feed build: rebuild, median", full, "s"),
        Measurement("Feed build: bare Query (boto3, all pages), median", bare, "s"),
        Measurement(
            "Feed build: rebuild ÷ bare Query of the feed's attributes only", full / projected, "x"
        ),
        Measurement("Feed build: bare Query of the feed's attributes, median", projected, "s"),
        Measurement(
            "Feed build: rebuild − bare Query of the feed's attributes (the rebuild's own work)",
            full - projected,
            "s",
        ),
        Measurement(
            "Feed build: bare Query, botocore parsing only (DynamoDB Local's serving left out)",
            parsing["query"],
            "s",
        ),
        Measurement(
            "Feed build: rebuild ÷ bare Query, both less DynamoDB Local's serving time",
            (full - projected_server) / (bare - server),
            "x",
        ),
        *[
            Measurement(f"Feed build, rebuild step: {name} (median)", seconds, "s")
            for name, seconds in took.items()
        ],
    ]


def run() -> list[Measurement]:
    return with_engines("feed_build", lambda dynamodb, moto: measure(dynamodb, str(moto)))


def main() -> None:
    main_for(run)


if __name__ == "__main__":
    main()
