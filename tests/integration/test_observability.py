"""What operators count: the business metrics (EMF, namespace KMZB) each function emits.

Metrics are off in the local stage (no EMF on the tests' stdout); these tests turn them on
and read the EMF documents powertools prints to stdout after each invocation.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib import feed, workflow
from chalicelib.deployment import Deployment
from chalicelib.observability import METRIC_NAMES, metrics
from tests.integration.conftest import FakeClock, token
from tests.integration.test_notifications import _inbox, _pump
from tests.integration.test_submission import KRAKOW, post


@pytest.fixture
def emf(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Metrics on; `emf()` returns the documents printed since the last call."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()  # nothing left over from code run outside a handler
    capsys.readouterr()

    def documents() -> list[dict[str, Any]]:
        found = []
        for line in capsys.readouterr().out.splitlines():
            if line.startswith("{") and '"_aws"' in line:
                found.append(json.loads(line))
        return found

    yield documents
    metrics.clear_metrics()


def totals(documents: list[dict[str, Any]]) -> dict[str, float]:
    """Each KMZB metric's sum over the documents (ColdStart and others left out)."""
    found: dict[str, float] = {}
    for doc in documents:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            if directive["Namespace"] != "KMZB":
                continue
            for metric in directive["Metrics"]:
                value = doc[metric["Name"]]
                values = value if isinstance(value, list) else [value]
                found[metric["Name"]] = found.get(metric["Name"], 0) + sum(values)
    return {k: v for k, v in found.items() if k in METRIC_NAMES}


def test_a_submission_counts_as_accepted_or_refused_by_reason(client: Any, emf: Any) -> None:
    assert post(client, KRAKOW, ip="203.0.113.1").status_code == 201
    documents = emf()
    (accepted,) = [d for d in documents if totals([d])]  # (and the cold start's, first)
    assert totals([accepted]) == {"ReportsAccepted": 1}
    assert accepted["service"] == "kmzb" and accepted["garrison"] == "local"
    (directive,) = accepted["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "KMZB"
    assert set(directive["Dimensions"][0]) == {"service", "garrison"}

    assert post(client, {**KRAKOW, "category": "speeding"}, ip="203.0.113.1").status_code == 429
    assert totals(emf()) == {"ReportsRefusedDailyLimit": 1}

    refusals = [
        {**KRAKOW, "lat": 48.0},  # outside Poland
        {**KRAKOW, "category": "no_such_category"},
        "{not json",
        {**KRAKOW, "surprise": 1},
    ]
    for body in refusals:
        assert 400 <= post(client, body, ip="203.0.113.2").status_code < 500
    assert totals(emf()) == {"ReportsRefusedValidation": len(refusals)}


def test_a_replayed_submission_and_other_requests_count_nothing_more(client: Any, emf: Any) -> None:
    key = {"idempotency-key": "0f5b3c1e-6a2d-4c1f-9e07-3d1c2b4a5e60"}
    assert post(client, KRAKOW, ip="203.0.113.3", **key).status_code == 201
    replay = post(client, KRAKOW, ip="203.0.113.3", **key)
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert client.http.get("/v1/categories").status_code == 200
    assert totals(emf()) == {"ReportsAccepted": 1}


def test_officers_status_changes_are_counted(client: Any, emf: Any) -> None:
    report = json.loads(post(client, KRAKOW, ip="203.0.113.4").body)
    emf()
    response = client.http.post(
        f"/v1/officer/reports/{report['id']}/status",
        headers={"authorization": f"Bearer {token('officer')}", "content-type": "application/json"},
        body=json.dumps({"status": workflow.VERIFYING, "version": 1}),
    )
    assert response.status_code == 200, response.body
    assert totals(emf()) == {"StatusChanges": 1}


def test_the_feed_schedule_counts_builds_their_duration_and_the_feeds_age(
    client: Any, publishing: Deployment, emf: Any
) -> None:
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    built = client.lambda_.invoke("refresh_feeds", event).payload["built"]
    assert len(built) == 17  # every garrison's first feed
    documents = emf()
    found = totals(documents)
    assert found["FeedBuilds"] == 17 and found["FeedBuildDuration"] > 0
    assert found["FeedAge"] == 0  # every feed current
    units = {
        m["Name"]: m["Unit"]
        for doc in documents
        for d in doc["_aws"]["CloudWatchMetrics"]
        for m in d["Metrics"]
    }
    assert units["FeedBuildDuration"] == "Milliseconds" and units["FeedAge"] == "Seconds"


def test_the_feeds_age_is_how_long_ago_the_change_it_does_not_show_yet_was_made(
    client: Any, publishing: Deployment, clock: FakeClock, emf: Any
) -> None:
    publishing.settings = replace(publishing.settings, feed_debounce_seconds=60)
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    client.lambda_.invoke("refresh_feeds", event)  # every feed built: within the debounce now
    post(client, KRAKOW, ip="203.0.113.7")
    assert feed.request_rebuilds(publishing.feed_job, {"malopolskie"}) == []  # as the stream
    emf()
    clock.now += timedelta(seconds=25)
    assert client.lambda_.invoke("refresh_feeds", event).payload["built"] == []  # debounced
    assert totals(emf())["FeedAge"] == 25
    clock.now += timedelta(seconds=40)  # the debounce is over: built, current again
    assert client.lambda_.invoke("refresh_feeds", event).payload["built"] == ["malopolskie"]
    assert totals(emf())["FeedAge"] == 0


def test_the_stream_counts_notifications_published_and_failed(
    client: Any, notifying: Deployment, tmp_path: Path, emf: Any
) -> None:
    _inbox(notifying, "kmp-1261")
    assert post(client, KRAKOW, ip="203.0.113.5").status_code == 201
    # Białystok's unit has no topic here: its notification fails.
    assert (
        post(client, {**KRAKOW, "lat": 53.1325, "lon": 23.1688}, ip="203.0.113.6").status_code
        == 201
    )
    emf()
    _pump(notifying, tmp_path / "checkpoint.json").poll()
    found = totals(emf())
    assert found["NotificationsPublished"] == 1
    assert found["NotificationsFailed"] >= 1
