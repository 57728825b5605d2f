"""Open311 POST requests: the form, its mapping onto /v1/reports' body, the answers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib import open311_keys, reports
from chalicelib.errors import DailyLimitReached, ValidationFailed
from chalicelib.open311_submit import (
    FORM_TYPE,
    Open311Error,
    created,
    document_format,
    errors,
    from_domain,
    parse_form,
)
from chalicelib.values import Report

NOW = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
BASE = {"api_key": "kmzb311_x", "service_code": "vandalism", "lat": "50.06", "long": "19.94"}


def form(pairs: Any = None, **fields: str) -> bytes:
    return urlencode(pairs if pairs is not None else {**BASE, **fields}, doseq=True).encode()


def refused(raw: bytes, content_type: str = FORM_TYPE) -> Open311Error:
    with pytest.raises(Open311Error) as caught:
        parse_form(raw, content_type)
    return caught.value


def test_a_full_form_maps_onto_the_v1_body_and_passes_its_validation() -> None:
    pairs = [
        *BASE.items(),
        ("description", "  Ciemno, brak oświetlenia  "),
        ("attribute[occurred_at]", "2026-06-09T22:30:00+02:00"),
        ("attribute[time_of_day]", "night"),
        ("attribute[days_of_week][]", "sat"),
        ("attribute[days_of_week][]", "fri"),
        ("jurisdiction_id", "malopolskie"),
        ("email", "jan@example.com"),  # accepted, never stored
        ("address_string", "Rynek 1"),
    ]
    request = parse_form(form(pairs), "application/x-www-form-urlencoded; charset=UTF-8")
    assert request.api_key == "kmzb311_x"
    assert request.jurisdiction_id == "malopolskie"
    assert request.body == {
        "category": "vandalism",
        "lat": 50.06,
        "lon": 19.94,
        "description": "  Ciemno, brak oświetlenia  ",
        "occurred_at": "2026-06-09T22:30:00+02:00",
        "time_of_day": "night",
        "days_of_week": ["sat", "fri"],
    }
    assert "email" not in json.dumps(request.body)
    submission = reports.parse_submission(request.body, NOW)
    assert submission.days_of_week == ("fri", "sat")
    assert submission.description == "Ciemno, brak oświetlenia"
    assert submission.occurred_at == datetime(2026, 6, 9, 20, 30, tzinfo=UTC)


def test_a_single_days_of_week_value_and_empty_optionals() -> None:
    request = parse_form(
        form({**BASE, "attribute[days_of_week]": "mon", "description": "", "jurisdiction_id": ""}),
        FORM_TYPE,
    )
    assert request.body["days_of_week"] == ["mon"]
    assert "description" not in request.body and request.jurisdiction_id is None


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"api_key": ""}, "api_key"),
        ({"service_code": ""}, "service_code"),
        ({"lat": ""}, "address"),
        ({"long": ""}, "address"),
        ({"lat": "", "long": "", "address_string": "ul. Floriańska 1, Kraków"}, "geocode"),
        ({"lat": "nan"}, "lat must be a number"),
        ({"long": "inf"}, "long must be a number"),
        ({"lat": "5_0"}, "lat must be a number"),
        ({"lat": " 50"}, "lat must be a number"),
        ({"lat": "50,06"}, "lat must be a number"),
        ({"service_name": "x"}, "Unknown parameter: service_name"),
        ({"attribute[colour]": "red"}, "Unknown attribute"),
        ({"attribute[time_of_day][]": "night"}, "Unknown attribute"),
    ],
)
def test_missing_or_invalid_parameters_are_400(fields: dict[str, str], says: str) -> None:
    error = refused(form(**fields))
    assert error.status == 400
    assert says in error.en


def test_a_repeated_field_is_400_not_its_last_value() -> None:
    for name in ("service_code", "lat", "api_key"):
        error = refused(form([*BASE.items(), (name, BASE[name])]))
        assert error.status == 400 and "repeated" in error.en
    pairs = [*BASE.items(), ("attribute[time_of_day]", "day"), ("attribute[time_of_day]", "night")]
    assert "repeated" in refused(form(pairs)).en


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "multipart/form-data; boundary=x", "text/plain"]
)
def test_only_a_url_encoded_form_is_taken(content_type: str | None) -> None:
    error = refused(form(), content_type)  # type: ignore[arg-type]
    assert error.status == 400 and FORM_TYPE in error.en


@pytest.mark.parametrize("raw", [b"api_key=\xff\xfe", b"a" * 20000, b"&&=&"])
def test_a_malformed_body_is_400(raw: bytes) -> None:
    assert refused(raw).status == 400


def test_the_document_names_the_format() -> None:
    assert document_format("requests.json") == "json"
    assert document_format("requests.xml") == "xml"
    for other in ("requests", "requests.html", "services.json", "requests.json.xml", ".json"):
        assert document_format(other) is None


def test_kmzb_refusals_become_open311_statuses() -> None:
    assert from_domain(ValidationFailed("unknown_category")).status == 404
    assert (
        from_domain(ValidationFailed("inactive_category", name_pl="a", name_en="b")).status == 404
    )
    assert from_domain(ValidationFailed("invalid_time_of_day", allowed="x")).status == 400
    assert from_domain(ValidationFailed("description_too_long", limit=1, length=2)).status == 400
    limit = from_domain(DailyLimitReached(3600))
    assert (limit.status, limit.retry_after) == (429, 3600)


def _report() -> Report:
    return Report(
        id="01J0000000000000000000000A",
        category="vandalism",
        lat=50.06,
        lon=19.94,
        teryt="1261",
        powiat_name="Kraków",
        unit_id="1261",
        unit_name="KMP Kraków & <okolice>",
        unit_teryt="1261",
        garrison="malopolskie",
        status="new",
        status_version=1,
        created_at=NOW,
        modified_at=NOW,
    )


def test_the_answer_has_the_id_a_notice_and_never_a_token() -> None:
    body, content_type = created(_report(), "json")
    assert content_type.startswith("application/json")
    [row] = json.loads(body)
    assert row["service_request_id"] == "01J0000000000000000000000A"
    assert row["token"] is None and "KMP Kraków" in row["service_notice"]
    body, content_type = created(_report(), "xml")
    assert content_type.startswith("text/xml")
    root = ET.fromstring(body)
    assert root.tag == "service_requests"
    [request] = list(root)
    assert request.tag == "request"
    assert [c.tag for c in request] == ["service_request_id", "service_notice", "token"]
    assert request.findtext("token") == ""
    assert "<okolice>" in (request.findtext("service_notice") or "")


def test_errors_in_json_and_xml_pick_the_language() -> None:
    error = Open311Error(403, "Zły klucz.", "Bad key.")
    body, _ = errors(error, "json", None)
    assert json.loads(body) == [{"code": 403, "description": "Zły klucz."}]
    body, _ = errors(error, "json", "en-GB,en;q=0.9")
    assert json.loads(body) == [{"code": 403, "description": "Bad key."}]
    body, _ = errors(error, "xml", "en")
    root = ET.fromstring(body)
    assert root.tag == "errors"
    assert [(e.tag, e.findtext("code"), e.findtext("description")) for e in root] == [
        ("error", "403", "Bad key.")
    ]


def test_keys_are_random_and_stored_as_their_sha256() -> None:
    first, second = open311_keys.new_key(), open311_keys.new_key()
    assert first != second and first.startswith("kmzb311_") and len(first) == 51
    import hashlib

    assert open311_keys.digest(first) == hashlib.sha256(first.encode()).hexdigest()
    assert open311_keys.quota_key("ab", NOW) == "open311quota#ab#2026-06-10"
    # Warsaw's day, not UTC's: 23:30 UTC on 10 June is 11 June in Warsaw.
    late = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)
    assert open311_keys.quota_key("ab", late).endswith("#2026-06-11")
