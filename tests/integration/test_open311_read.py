"""Open311 GeoReport v2, read side, over real HTTP against the local API Gateway
(infra/local_api), driven by `georeport` from PyPI (a client nobody here wrote; patched in
nothing). Reports are submitted through /v1/reports, published to the site bucket on moto's
server as the stream handler would, and read back only from the published feed."""

from __future__ import annotations

import json
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from georeport import GeoReport

from chalicelib import feed
from chalicelib.deployment import Deployment, use
from chalicelib.values import PublicReport
from infra.engines import Engine, free_port
from tests.integration.conftest import make_settings
from tests.integration.test_templates import one, templates  # noqa: F401 (a fixture)

KRAKOW = (50.0614, 19.9366)
SECRET_TEXT = "TAJNY-OPIS-OBYWATELA"
# A key or element that would carry a citizen's text, a note, a file or a person.
FORBIDDEN = (
    'description":',  # only a service's description may exist (services, not requests)
    "notes",
    "note",
    "reporter",
    "attachments",
    "media_url",
    "token",
    "assignee",
    "officer",
)


@pytest.fixture(scope="module")
def open311_url(dynamodb: Engine, moto_server: Engine, data_dir: Path) -> Iterator[str]:
    import boto3
    from chalice.config import Config

    from app import app
    from infra.local_api import create_server
    from infra.local_site import ensure_bucket

    bucket = f"site-{uuid.uuid4().hex[:12]}"
    here = Deployment(make_settings(dynamodb.url, data_dir))
    here.settings = replace(here.settings, s3_endpoint=moto_server.url, site_bucket=bucket)
    s3 = boto3.client("s3", region_name="eu-central-1", endpoint_url=moto_server.url)
    ensure_bucket(s3, bucket, "eu-central-1")
    here.store.create_tables()
    use(here)
    port = free_port()
    server = create_server(app, Config.create(), "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for n, category in enumerate(("vandalism", "vandalism", "illegal_parking")):
        answer = requests.post(
            f"{url}/v1/reports",
            json={
                "category": category,
                "lat": KRAKOW[0] + n / 1000,
                "lon": KRAKOW[1],
                "description": f"{SECRET_TEXT} {n}",
                "time_of_day": "night",
            },
            headers={"X-Forwarded-For": f"192.0.2.{n + 1}"},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
    # Kraków's garrison from DynamoDB, as the stream handler builds it.
    now = here.clock()
    reports = here.store.public_reports("malopolskie")
    here.feed_writer.publish(
        feed.build_garrison_feed(reports, "malopolskie", "KWP w Krakowie", now)
    )
    # Katowice's from values: one open, one closed, one too old for the default 90 days.
    katowice = [
        PublicReport("KAT-OPEN", "vandalism", "verifying", 50.26, 19.02, "2469", "slaskie",
                     now - timedelta(days=1), now - timedelta(days=1)),
        PublicReport("KAT-CLOSED", "vandalism", "confirmed_eliminated", 50.27, 19.03, "2469",
                     "slaskie", now - timedelta(days=5), now - timedelta(days=2)),
        PublicReport("KAT-OLD", "illegal_parking", "confirmed", 50.25, 19.01, "2469",
                     "slaskie", now - timedelta(days=120), now - timedelta(days=120)),
    ]  # fmt: skip
    here.feed_writer.publish(feed.build_garrison_feed(katowice, "slaskie", "KWP Katowice", now))
    yield f"{url}/open311/v2"
    server.shutdown()
    use(None)


def client(url: str, garrison: str = "malopolskie", fmt: str = "json") -> GeoReport:
    return GeoReport(url, jurisdiction=garrison, output_format=fmt)


def test_services_need_no_jurisdiction_where_requests_do(open311_url: str) -> None:
    """This deployment serves every garrison (as `make run` does): the services are the same
    in each, the requests are not."""
    for path in ("services.json", "services/vandalism.xml", "discovery.json"):
        assert requests.get(f"{open311_url}/{path}", timeout=10).status_code == 200, path
    for path in ("requests.json", "requests/KAT-OPEN.json", "requests.xml"):
        assert requests.get(f"{open311_url}/{path}", timeout=10).status_code == 400, path
    plain = GeoReport(open311_url).get_service_list()
    assert plain == client(open311_url).get_service_list()


def test_discovery(open311_url: str) -> None:
    answer = requests.get(f"{open311_url}/discovery.json", timeout=10)
    assert answer.status_code == 200
    document = answer.json()
    endpoint = document["endpoints"][0]
    assert endpoint["url"] == open311_url
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    tree = ET.fromstring(requests.get(f"{open311_url}/discovery.xml", timeout=10).content)
    assert tree.tag == "discovery"
    assert tree.find("endpoints/endpoint/formats/format") is not None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_a_definition(open311_url: str, fmt: str) -> None:
    services = client(open311_url, fmt=fmt).get_service_list()
    codes = [s["service_code"] for s in services]
    assert "vandalism" in codes and "speeding" in codes
    vandalism = services[codes.index("vandalism")]
    assert vandalism["service_name"] == "Akty wandalizmu"
    assert vandalism["type"] == "realtime"
    definition = client(open311_url, fmt=fmt).get_service_definition("vandalism")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["occurred_at", "time_of_day", "days_of_week"]
    assert [a["datatype"] for a in attributes] == ["datetime", "singlevaluelist", "multivaluelist"]


def test_requests_with_filters(open311_url: str) -> None:
    krakow = client(open311_url)
    listed = krakow.get_service_requests()
    assert len(listed) == 3
    assert {r["service_code"] for r in listed} == {"vandalism", "illegal_parking"}
    assert all(r["status"] == "open" and r["status_notes"] == "Nowe" for r in listed)
    assert all(r["agency_responsible"] and r["address"] == "Kraków" for r in listed)
    assert len(krakow.get_service_requests(service_code="illegal_parking")) == 1
    assert krakow.get_service_requests(status="closed") == []
    ids = [r["service_request_id"] for r in listed]
    chosen = krakow.get_service_requests(service_request_id=f"{ids[0]},{ids[2]}")
    assert {r["service_request_id"] for r in chosen} == {ids[0], ids[2]}

    katowice = client(open311_url, "slaskie")
    assert [r["service_request_id"] for r in katowice.get_service_requests()] == [
        "KAT-OPEN",
        "KAT-CLOSED",
    ]
    assert [r["service_request_id"] for r in katowice.get_service_requests(status="closed")] == [
        "KAT-CLOSED"
    ]
    old = datetime.now(UTC) - timedelta(days=150)
    within = katowice.get_service_requests(
        start_date=old.isoformat(), end_date=(old + timedelta(days=60)).isoformat()
    )
    assert [r["service_request_id"] for r in within] == ["KAT-OLD"]
    paged = requests.get(
        f"{open311_url}/requests.json",
        params={"jurisdiction_id": "slaskie", "page_size": "1", "page": "2"},
        timeout=10,
    ).json()
    assert [r["service_request_id"] for r in paged] == ["KAT-CLOSED"]


def test_one_request_in_both_formats(open311_url: str) -> None:
    one = client(open311_url, "slaskie").get_service_request("KAT-CLOSED")
    assert one["status"] == "closed" and one["status_notes"] == "Potwierdzone (wyeliminowane)"
    assert one["lat"] == 50.27 and one["long"] == 19.03
    xml_one = client(open311_url, "slaskie", "xml").get_service_request("KAT-CLOSED")
    assert xml_one["service_request_id"] == "KAT-CLOSED" and xml_one["status"] == "closed"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("requests.json?jurisdiction_id=slaskie&start_date=2026-01-01T00:00:00Z"
         "&end_date=2026-06-01T00:00:00Z", 400),
        ("requests.json", 400),  # several garrisons: jurisdiction_id required
        ("requests.json?jurisdiction_id=atlantis", 404),
        ("requests/NOPE.json?jurisdiction_id=slaskie", 404),
        ("services/nope.xml?jurisdiction_id=slaskie", 404),
        ("services.html?jurisdiction_id=slaskie", 404),
        ("services.json?jurisdiction_id=slaskie&foo=1", 400),
    ],
)  # fmt: skip
def test_errors_have_the_specifications_shape(open311_url: str, path: str, status: int) -> None:
    answer = requests.get(f"{open311_url}/{path}", timeout=10)
    assert answer.status_code == status
    if ".xml" in path:
        tree = ET.fromstring(answer.content)
        assert tree.tag == "errors" and tree.findtext("error/code") == str(status)
        assert tree.findtext("error/description")
    else:
        body = answer.json()
        assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]


def test_no_description_note_or_person_ever_appears(open311_url: str) -> None:
    texts = []
    for garrison in ("malopolskie", "slaskie"):
        for fmt in ("json", "xml"):
            base = f"{open311_url}/requests"
            listed = requests.get(f"{base}.{fmt}", {"jurisdiction_id": garrison}, timeout=10)
            texts.append(listed.text)
            for item in client(open311_url, garrison).get_service_requests():
                one = requests.get(
                    f"{base}/{item['service_request_id']}.{fmt}",
                    {"jurisdiction_id": garrison},
                    timeout=10,
                )
                texts.append(one.text)
    for text in texts:
        assert SECRET_TEXT not in text
        lowered = text.lower()
        for word in FORBIDDEN:
            assert f'"{word}' not in lowered and f"<{word}" not in lowered, word
    records = json.loads(texts[0])
    assert set(records[0]) == {
        "service_request_id", "status", "status_notes", "service_name", "service_code",
        "agency_responsible", "requested_datetime", "updated_datetime", "address", "lat", "long",
    }  # fmt: skip


def test_cloudfront_routes_open311_to_the_api_as_it_routes_v1(
    templates: dict[str, dict[str, Any]],  # noqa: F811 (the fixture imported above)
) -> None:
    """In AWS `/open311/*` reaches the API through the distribution exactly as `/v1/*` does
    (same origin, origin header, policies), so the specification's paths work on the site's
    own address. Reads the synthesized template (`make synth`, which `make test` runs first)."""
    template = templates["malopolskie"]
    distribution = one(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    behaviours = {b["PathPattern"]: b for b in distribution["CacheBehaviors"]}
    v1, open311 = behaviours["/v1/*"], behaviours["/open311/*"]
    assert {k: v for k, v in open311.items() if k != "PathPattern"} == {
        k: v for k, v in v1.items() if k != "PathPattern"
    }


def test_the_reader_caches_the_pointer_a_minute_and_each_feed_once(moto_server: Engine) -> None:
    """GET requests read S3, never DynamoDB, and S3 at most once a minute per garrison: a new
    feed shows after the pointer's minute; an unchanged pointer re-reads no GeoJSON."""
    import boto3

    from chalicelib.feed import FeedWriter
    from chalicelib.open311_feed import PublicFeedReader
    from infra.local_site import ensure_bucket

    bucket = f"site-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", region_name="eu-central-1", endpoint_url=moto_server.url)
    ensure_bucket(s3, bucket, "eu-central-1")
    writer = FeedWriter(s3, bucket)
    now = datetime.now(UTC)

    def publish(*ids: str) -> None:
        reports = [
            PublicReport(i, "vandalism", "new", 50.0, 19.9, "1261", "malopolskie", now, now)
            for i in ids
        ]
        writer.publish(feed.build_garrison_feed(reports, "malopolskie", "KWP", now))

    gets: list[str] = []
    s3.meta.events.register(
        "before-call.s3.GetObject", lambda params, **_: gets.append(params["url_path"])
    )
    seconds = [0.0]
    reader = PublicFeedReader(s3, bucket, ttl=60, clock=lambda: seconds[0])
    assert reader.features("malopolskie") == []  # no feed yet
    publish("R1")
    seconds[0] = 30
    assert reader.features("malopolskie") == []  # the pointer's minute is not over
    seconds[0] = 61
    assert [f["id"] for f in reader.features("malopolskie")] == ["R1"]
    read = len(gets)
    seconds[0] = 122
    assert [f["id"] for f in reader.features("malopolskie")] == ["R1"]
    assert len(gets) == read + 1  # the pointer only: the GeoJSON is immutable
    publish("R1", "R2")
    seconds[0] = 183
    assert [f["id"] for f in reader.features("malopolskie")] == ["R1", "R2"]
