"""The public feed in S3: built from DynamoDB, published safely, read by anyone."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyogrio.raw
import pytest

from chalicelib import feed
from chalicelib.deployment import Deployment
from tests.integration.conftest import FakeClock, token
from tests.integration.test_notifications import _inbox, _pump
from tests.integration.test_submission import KRAKOW, answer, post


def anonymous(deployment: Deployment, key: str) -> tuple[int, dict[str, str], bytes]:
    """GET an object without credentials, as a browser (or CloudFront's origin) would."""
    url = f"{deployment.settings.s3_endpoint}/{deployment.settings.site_bucket}/{key.lstrip('/')}"
    with urllib.request.urlopen(url, timeout=10) as response:
        headers = {k.lower(): v for k, v in response.headers.items()}
        return response.status, headers, response.read()


def pointer(deployment: Deployment, garrison: str = "malopolskie") -> dict[str, Any]:
    return dict(json.loads(anonymous(deployment, f"feeds/{garrison}/current.json")[2]))


def test_a_rebuild_publishes_immutable_files_then_the_pointer_and_the_manifest(
    client: Any, publishing: Deployment
) -> None:
    report_id = answer(post(client, KRAKOW))["id"]
    feed.rebuild(publishing.feed_job, "malopolskie")
    current = pointer(publishing)
    assert current["count"] == 1
    for name, content_type in (
        ("compact", "application/json"),
        ("ids", "application/json"),
        ("geojson", "application/geo+json"),
    ):
        status, headers, _ = anonymous(publishing, current[name])
        assert status == 200
        assert headers["content-type"] == content_type
        assert "immutable" in headers["cache-control"]
    assert report_id in anonymous(publishing, current["ids"])[2].decode()
    manifest = json.loads(anonymous(publishing, "feeds/manifest.json")[2])
    assert [g["garrison"] for g in manifest["garrisons"]] == ["malopolskie"]
    assert manifest["garrisons"][0]["compact"] == current["compact"]


def test_a_failed_write_never_leaves_the_pointer_naming_a_missing_object(
    client: Any, publishing: Deployment, clock: FakeClock
) -> None:
    post(client, KRAKOW, ip="203.0.113.1")
    feed.rebuild(publishing.feed_job, "malopolskie")
    before = pointer(publishing)

    post(client, KRAKOW, ip="203.0.113.2")
    writer = publishing.feed_writer
    original_put = writer.put

    def crash_on_geojson(file: feed.FeedFile) -> None:
        if file.key.endswith(".geojson"):
            raise ConnectionError("S3 went away")
        original_put(file)

    writer.put = crash_on_geojson  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        feed.rebuild(publishing.feed_job, "malopolskie")
    writer.put = original_put  # type: ignore[method-assign]
    assert pointer(publishing) == before
    for name in ("compact", "ids", "geojson"):
        assert anonymous(publishing, before[name])[0] == 200


def test_the_geojson_is_open_data_a_gis_reader_understands(
    client: Any, publishing: Deployment, tmp_path: Path
) -> None:
    post(client, {**KRAKOW, "time_of_day": "night", "days_of_week": ["fri", "sat"]}, ip="1.1.1.1")
    post(client, {**KRAKOW, "category": "begging", "lat": 50.05, "lon": 19.95}, ip="1.1.1.2")
    feed.rebuild(publishing.feed_job, "malopolskie")
    path = tmp_path / "malopolskie.geojson"
    path.write_bytes(anonymous(publishing, pointer(publishing)["geojson"])[2])

    meta, _, geometry, fields = pyogrio.raw.read(path)
    columns = dict(zip(meta["fields"], fields, strict=True))
    assert meta["geometry_type"] == "Point"
    assert meta["crs"] == "EPSG:4326"
    assert len(geometry) == 2
    assert sorted(columns["category"]) == ["begging", "illegal_parking"]
    assert set(columns["teryt"]) == {"1261"}
    assert set(columns["status"]) == {"new"}
    assert "description" not in meta["fields"]
    assert "Nieprawidłowe parkowanie" in list(columns["category_pl"])


def test_changes_rebuild_at_most_once_per_debounce_period_and_the_schedule_catches_up(
    client: Any, publishing: Deployment, clock: FakeClock
) -> None:
    publishing.settings = replace(publishing.settings, feed_debounce_seconds=60)
    assert len(feed.refresh(publishing.feed_job)) == 17  # every garrison's first feed
    post(client, KRAKOW)
    # (as the stream would)
    assert feed.request_rebuilds(publishing.feed_job, {"malopolskie"}) == []
    assert pointer(publishing)["count"] == 0
    assert feed.refresh(publishing.feed_job) == []  # still within it
    clock.now += timedelta(seconds=61)
    assert feed.refresh(publishing.feed_job) == ["malopolskie"]  # changed since: built
    assert pointer(publishing)["count"] == 1
    clock.now += timedelta(seconds=61)
    assert feed.refresh(publishing.feed_job) == []  # nothing changed since


def test_a_citizens_report_reaches_the_public_feed_through_the_stream(
    client: Any, publishing: Deployment, tmp_path: Path
) -> None:
    _inbox(publishing, "kmp-1261")
    report_id = answer(post(client, {**KRAKOW, "description": "prywatny opis"}))["id"]
    assert _pump(publishing, tmp_path / "checkpoint.json").poll() == 1
    current = pointer(publishing)
    assert current["count"] == 1
    assert report_id in anonymous(publishing, current["ids"])[2].decode()
    assert b"prywatny opis" not in anonymous(publishing, current["compact"])[2]


def confirm(client: Any, report_id: str, ip: str = "198.51.100.1") -> Any:
    return client.http.post(
        f"/v1/reports/{report_id}/confirmations", headers={"x-forwarded-for": ip}
    )


def test_citizens_confirm_a_public_report_once_each_at_most_ten_a_day(
    client: Any, publishing: Deployment
) -> None:
    targets = [answer(post(client, KRAKOW, ip=f"203.0.113.{i}"))["id"] for i in range(11)]
    first = confirm(client, targets[0])
    assert first.status_code == 201
    assert answer(first) == {"id": targets[0], "confirmations": 1}
    assert answer(confirm(client, targets[0], ip="198.51.100.2"))["confirmations"] == 2
    again = confirm(client, targets[0])
    assert again.status_code == 409
    assert answer(again)["error"]["code"] == "already_confirmed"
    for target in targets[1:10]:
        assert confirm(client, target).status_code == 201
    limited = confirm(client, targets[10])
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert publishing.store.get(targets[10]).confirmations == 0  # type: ignore[union-attr]
    feed.rebuild(publishing.feed_job, "malopolskie")
    compact = json.loads(anonymous(publishing, pointer(publishing)["compact"])[2])
    assert sorted(compact["confirmations"], reverse=True)[:2] == [2, 1]


def test_only_reports_on_the_public_map_can_be_confirmed(
    client: Any, publishing: Deployment
) -> None:
    hidden = answer(post(client, {**KRAKOW, "category": "drug_use"}, ip="203.0.113.1"))["id"]
    assert confirm(client, hidden).status_code == 404
    assert confirm(client, "01ZZZZZZZZZZZZZZZZZZZZZZZZ").status_code == 404
    assert confirm(client, "not-an-id").status_code == 404
    prank = answer(post(client, KRAKOW, ip="203.0.113.2"))["id"]
    coordinator = {
        "Authorization": f"Bearer {token('coordinator')}",
        "content-type": "application/json",
    }
    body = json.dumps({"status": "prank_or_mistake", "version": 1})
    assert (
        client.http.post(
            f"/v1/officer/reports/{prank}/status", headers=coordinator, body=body
        ).status_code
        == 200
    )
    assert confirm(client, prank).status_code == 404


def test_a_feed_build_reads_the_public_attributes_of_every_report_and_nothing_else(
    client: Any, deployment: Deployment, clock: FakeClock
) -> None:
    body = {
        **KRAKOW,
        "category": "speeding",
        "description": "Tajny opis dla policji.",
        "occurred_at": (clock.now - timedelta(days=1)).isoformat(),
        "time_of_day": "night",
        "days_of_week": ["fri", "sat"],
    }
    first = answer(post(client, body))["id"]
    second = answer(post(client, KRAKOW, ip="203.0.113.99"))["id"]
    read = {r.id: r for r in deployment.store.public_reports("malopolskie")}
    assert set(read) == {first, second}
    for report_id, public in read.items():
        stored = deployment.store.get(report_id)
        assert stored is not None
        assert public == feed.PublicReport(
            **{name: getattr(stored, name) for name in feed.PUBLIC_ATTRIBUTES}
        )
    assert read[first].days_of_week == ("fri", "sat") and read[first].time_of_day == "night"
    assert read[first].occurred_at is not None
    assert not hasattr(read[first], "description")
    assert deployment.store.public_reports("pomorskie") == []
    paged = deployment.store.public_reports("malopolskie", page_size=1)  # a page each
    assert sorted(paged, key=lambda r: r.id) == sorted(read.values(), key=lambda r: r.id)
