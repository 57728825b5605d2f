"""A garrison's feed objects deleted from the bucket come back by themselves at the next
scheduled refresh (once a minute), with every public report, and nothing is rebuilt when
nothing is missing."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.deployment import Deployment
from infra.event_pump import LocalLambdaContext, scheduled_event
from tests.integration.conftest import FakeClock
from tests.integration.test_feed import anonymous, pointer
from tests.integration.test_submission import KRAKOW, answer, post

GARRISON = "malopolskie"
REFRESH_PERIOD = timedelta(minutes=1)  # app.refresh_feeds: Rate(1, MINUTES)


@pytest.fixture
def garrison_deployment(publishing: Deployment) -> Deployment:
    """One garrison's deployment, as in AWS (the session's router serves all 17)."""
    router = copy.copy(publishing.router)
    router.served = frozenset({GARRISON})
    publishing.__dict__["router"] = router
    return publishing


def scheduled_refresh() -> list[str]:
    """app.refresh_feeds as EventBridge (locally: the event pump) calls it."""
    from app import refresh_feeds

    built = refresh_feeds(scheduled_event("refresh-feeds"), LocalLambdaContext(60_000))
    return list(built["built"])


def _s3(deployment: Deployment) -> Any:
    s = deployment.settings
    return boto3.client("s3", region_name=s.region, endpoint_url=s.s3_endpoint)


def keys(deployment: Deployment, prefix: str) -> list[str]:
    s3, bucket = _s3(deployment), deployment.settings.site_bucket
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def delete(deployment: Deployment, what: str) -> None:
    """Delete a garrison's feed objects as an operator's mistake or a lifecycle rule would."""
    s3, bucket = _s3(deployment), deployment.settings.site_bucket
    current = pointer(deployment)
    named = {
        "everything": keys(deployment, f"feeds/{GARRISON}/"),
        "pointer": [f"feeds/{GARRISON}/current.json"],
        "compact": [current["compact"].lstrip("/")],
        "geojson": [current["geojson"].lstrip("/")],
        "ids": [current["ids"].lstrip("/")],
        "manifest": ["feeds/manifest.json"],
    }[what]
    for key in named:
        s3.delete_object(Bucket=bucket, Key=key)


def published(deployment: Deployment) -> dict[str, Any]:
    """The garrison's feed as the map reads it: manifest → pointer → files, all present."""
    manifest = json.loads(anonymous(deployment, "feeds/manifest.json")[2])
    [entry] = [g for g in manifest["garrisons"] if g["garrison"] == GARRISON]
    current = pointer(deployment)
    assert entry["compact"] == current["compact"]
    for name in ("compact", "ids", "geojson"):
        assert anonymous(deployment, current[name])[0] == 200
    return current


@pytest.mark.parametrize("what", ["everything", "pointer", "compact", "geojson", "ids", "manifest"])
def test_deleted_feed_objects_come_back_within_one_refresh_period(
    client: Any, garrison_deployment: Deployment, clock: FakeClock, what: str
) -> None:
    publishing = garrison_deployment
    report_ids = [answer(post(client, KRAKOW, ip=f"203.0.113.{n}"))["id"] for n in (1, 2)]
    assert scheduled_refresh() == [GARRISON]
    before = published(publishing)
    assert before["count"] == 2
    clock.now += REFRESH_PERIOD
    assert scheduled_refresh() == []  # nothing changed, nothing missing: nothing rebuilt

    delete(publishing, what)
    clock.now += REFRESH_PERIOD
    # A lost manifest is written again from the pointers; the feed itself needs no build.
    assert scheduled_refresh() == ([] if what == "manifest" else [GARRISON])
    after = published(publishing)
    assert after["count"] == 2
    ids = json.loads(anonymous(publishing, after["ids"])[2])["ids"]
    assert sorted(ids) == sorted(report_ids)
    clock.now += REFRESH_PERIOD
    assert scheduled_refresh() == []  # recovered: back to building only on changes


def test_the_bucket_is_looked_at_once_a_schedule_period_not_at_every_local_tick(
    client: Any, garrison_deployment: Deployment, clock: FakeClock
) -> None:
    publishing = garrison_deployment
    answer(post(client, KRAKOW, ip="203.0.113.1"))
    assert scheduled_refresh() == [GARRISON]
    clock.now += REFRESH_PERIOD
    assert scheduled_refresh() == []  # looked: all there
    delete(publishing, "everything")
    for _ in range(5):  # the local pump's 2-second ticks: the bucket is not asked again yet
        clock.now += timedelta(seconds=2)
        assert scheduled_refresh() == []
    clock.now += REFRESH_PERIOD - timedelta(seconds=10)
    assert scheduled_refresh() == [GARRISON]
    assert published(publishing)["count"] == 1
