"""Open311 GeoReport v2 read side: mapping and both formats (chalicelib/open311.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import categories, open311
from chalicelib.open311 import Open311Error, Place

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PLACES = {"1261": Place("Komenda Miejska Policji w Krakowie", "Kraków")}
FORBIDDEN = ("description", "note", "notes", "reporter", "attachments", "media_url", "phone")


def feature(id_: str, created: str, status: str = "new", category: str = "vandalism") -> dict:
    return {
        "type": "Feature",
        "id": id_,
        "geometry": {"type": "Point", "coordinates": [19.9366, 50.0614]},
        "properties": {
            "id": id_,
            "category": category,
            "status": status,
            "created_at": created,
            "modified_at": created,
            "teryt": "1261",
            "confirmations": 2,
            # Fields a record must never copy even if a feed carried them:
            "description": "secret text",
            "reporter": "Jan",
        },
    }


def records() -> list[dict[str, Any]]:
    return [
        open311.request_record(feature("A1", "2026-11-29T10:00:00.000Z"), PLACES),
        open311.request_record(
            feature("A2", "2026-10-01T10:00:00.000Z", "confirmed_eliminated", "speeding"), PLACES
        ),
        open311.request_record(feature("A3", "2026-06-01T10:00:00.000Z"), PLACES),
    ]


def test_a_request_record_has_exactly_the_public_fields() -> None:
    record = records()[0]
    assert tuple(record) == open311.REQUEST_FIELDS
    assert record["status"] == "open" and record["status_notes"] == "Nowe"
    assert record["lat"] == 50.0614 and record["long"] == 19.9366
    assert record["address"] == "Kraków"
    assert record["agency_responsible"] == "Komenda Miejska Policji w Krakowie"
    assert records()[1]["status"] == "closed"
    text = json.dumps(records())
    for word in FORBIDDEN:
        assert f'"{word}"' not in text
    assert "secret text" not in text and "Jan" not in text


def test_services_are_the_active_categories() -> None:
    listed = open311.services()
    assert [s["service_code"] for s in listed] == [
        c.code for c in categories.CATEGORIES if c.active
    ]
    for s in listed:
        assert set(s) == {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        }
        assert s["type"] == "realtime" and s["metadata"] is True
        keywords = s["keywords"].split(", ")
        assert len(keywords) == len(set(keywords)) >= 1, s["keywords"]


def test_service_definition_attributes() -> None:
    definition = open311.service_definition("vandalism")
    by_code = {a["code"]: a for a in definition["attributes"]}
    assert by_code["occurred_at"]["datatype"] == "datetime"
    assert by_code["time_of_day"]["datatype"] == "singlevaluelist"
    assert {v["key"] for v in by_code["time_of_day"]["values"]} == {
        "morning",
        "day",
        "evening",
        "night",
    }
    assert by_code["days_of_week"]["datatype"] == "multivaluelist"
    assert by_code["days_of_week"]["values"][0] == {"key": "mon", "name": "poniedziałek"}
    for unknown in ("nope", "", "VANDALISM"):
        with pytest.raises(Open311Error) as e:
            open311.service_definition(unknown)
        assert e.value.status == 404


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ({}, ["A1", "A2"]),  # the last 90 days by default
        ({"status": "open"}, ["A1"]),
        ({"status": "closed"}, ["A2"]),
        ({"status": "open,closed"}, ["A1", "A2"]),
        ({"service_code": "speeding"}, ["A2"]),
        ({"start_date": "2026-05-15T00:00:00Z", "end_date": "2026-07-01T00:00:00+02:00"}, ["A3"]),
        ({"start_date": "2026-09-15T00:00:00Z"}, ["A1", "A2"]),  # to 90 days later
        ({"end_date": "2026-10-02T00:00:00Z"}, ["A2"]),  # from 90 days before
        ({"service_request_id": "A3,A1"}, ["A1", "A3"]),  # overrides the other filters
        ({"service_request_id": "A3", "status": "open"}, ["A3"]),
        ({"page_size": "1"}, ["A1"]),
        ({"page_size": "1", "page": "2"}, ["A2"]),
        ({"page_size": "1", "page": "3"}, []),
    ],
)
def test_request_filters(query: dict[str, str], ids: list[str]) -> None:
    chosen = open311.select_requests(records(), query, NOW)
    assert [r["service_request_id"] for r in chosen] == ids


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # > 90 days
        {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"end_date": "2026-06-01T00:00:00"},  # no offset
        {"status": "pending"},
        {"service_code": ","},
        {"page": "0"},
        {"page_size": "1001"},
        {"page": "-1"},
        {"foo": "1"},
        {"service_request_id": ","},
    ],
)
def test_bad_filters_are_400(query: dict[str, str]) -> None:
    with pytest.raises(Open311Error) as e:
        open311.select_requests(records(), query, NOW)
    assert e.value.status == 400


def test_at_most_1000_results() -> None:
    many = [
        open311.request_record(feature(f"B{i:04}", "2026-11-29T10:00:00.000Z"), PLACES)
        for i in range(1200)
    ]
    assert len(open311.select_requests(many, {}, NOW)) == 1000


@pytest.mark.parametrize(
    ("segment", "expected"),
    [("services.json", ("services", "json")), ("requests.xml", ("requests", "xml"))],
)
def test_the_format_is_the_extension(segment: str, expected: tuple[str, str]) -> None:
    assert open311.parse_document(segment) == expected


@pytest.mark.parametrize("segment", ["services", "services.html", ".json", "services.JSON"])
def test_an_unknown_format_is_404(segment: str) -> None:
    with pytest.raises(Open311Error) as e:
        open311.parse_document(segment)
    assert e.value.status == 404


def _xml(root: str, value: Any) -> ET.Element:
    body, content_type = open311.render("xml", root, value)
    assert content_type.startswith("text/xml")
    return ET.fromstring(body)


def test_xml_services_structure() -> None:
    tree = _xml("services", open311.services())
    assert tree.tag == "services"
    assert {child.tag for child in tree} == {"service"}
    first = tree[0]
    assert [c.tag for c in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "true"


def test_xml_service_definition_structure() -> None:
    tree = _xml("service_definition", open311.service_definition("vandalism"))
    assert tree.tag == "service_definition"
    assert tree.findtext("service_code") == "vandalism"
    attributes = tree.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == [
        "occurred_at",
        "time_of_day",
        "days_of_week",
    ]
    for a in attributes:
        assert {"variable", "code", "datatype", "required", "order", "description"} <= {
            c.tag for c in a
        }
    values = tree.findall("attributes/attribute[code='days_of_week']/values/value")
    assert len(values) == 7
    assert (values[0].findtext("key"), values[0].findtext("name")) == ("mon", "poniedziałek")


def test_xml_requests_structure() -> None:
    tree = _xml("service_requests", records())
    assert tree.tag == "service_requests"
    assert [r.tag for r in tree] == ["request"] * 3
    assert [c.tag for c in tree[0]] == list(open311.REQUEST_FIELDS)
    assert tree[0].findtext("lat") == "50.0614"


def test_xml_discovery_structure() -> None:
    tree = _xml("discovery", open311.discovery("http://x/open311/v2", "KWP"))
    assert [c.tag for c in tree] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = tree.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == open311.SPECIFICATION
    assert endpoint.findtext("url") == "http://x/open311/v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_errors_in_both_formats() -> None:
    status, content_type, body = open311.error_response(400, "zły / bad")
    assert status == 400 and content_type.startswith("application/json")
    assert json.loads(body) == [{"code": 400, "description": "zły / bad"}]
    status, content_type, body = open311.error_response(404, "brak", "xml")
    tree = ET.fromstring(body)
    assert tree.tag == "errors" and [e.tag for e in tree] == ["error"]
    assert [c.tag for c in tree[0]] == ["code", "description"]
    assert tree[0].findtext("code") == "404"
