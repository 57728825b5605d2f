"""Every bad request gets a clear 4xx in our error format and changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.deployment import Deployment
from infra.engines import free_port
from tests.integration.test_submission import KRAKOW, answer, post, stored_reports

BAD_REQUESTS: list[tuple[str, Any, dict[str, str], int, str]] = [
    ("malformed JSON", '{"category": "speeding", ', {}, 400, "malformed_json"),
    ("not UTF-8", b'{"category": "\xff"}', {}, 400, "malformed_json"),
    ("NaN", '{"category": "speeding", "lat": NaN, "lon": 20}', {}, 400, "malformed_json"),
    ("a JSON list", "[1, 2]", {}, 400, "body_not_object"),
    ("latitude as text", {**KRAKOW, "lat": "50.06"}, {}, 400, "wrong_type"),
    ("category as number", {**KRAKOW, "category": 7}, {}, 400, "wrong_type"),
    ("body over 16 KiB", {**KRAKOW, "description": "x" * 17000}, {}, 413, "body_too_large"),
    ("form data", "a=b", {"content-type": "text/plain"}, 415, "unsupported_media_type"),
    (
        "said gzip, sent plain",
        KRAKOW,
        {"Content-Encoding": "gzip"},
        415,
        "unsupported_content_encoding",
    ),
    ("missing category", {"lat": 50.06, "lon": 19.93}, {}, 422, "missing_field"),
    ("unknown category", {**KRAKOW, "category": "ufo"}, {}, 422, "unknown_category"),
    ("latitude out of range", {**KRAKOW, "lat": 95}, {}, 422, "invalid_coordinates"),
    ("a point in Berlin", {**KRAKOW, "lat": 52.52, "lon": 13.405}, {}, 422, "outside_poland"),
    ("long description", {**KRAKOW, "description": "a" * 501}, {}, 422, "description_too_long"),
    ("control character", {**KRAKOW, "description": "a\u0000b"}, {}, 422, "invalid_characters"),
    ("future event", {**KRAKOW, "occurred_at": "2099-01-01T00:00Z"}, {}, 422, "occurred_in_future"),
    ("no zone", {**KRAKOW, "occurred_at": "2026-01-01"}, {}, 422, "datetime_without_timezone"),
    ("unknown time of day", {**KRAKOW, "time_of_day": "midday"}, {}, 422, "invalid_time_of_day"),
    ("unknown weekday", {**KRAKOW, "days_of_week": ["monday"]}, {}, 422, "invalid_days_of_week"),
    ("unknown field", {**KRAKOW, "reporter_email": "a@b.pl"}, {}, 422, "unknown_field"),
    ("bad idempotency key", KRAKOW, {"Idempotency-Key": "x" * 300}, 400, "invalid_idempotency_key"),
]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_a_bad_submission_gets_a_clear_error_and_changes_nothing(
    client: Any, deployment: Deployment, body: Any, headers: dict[str, str], status: int, code: str
) -> None:
    response = post(client, body, **headers)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    error = answer(response)["error"]
    assert error["code"] == code
    assert error["message"] and error["message_en"] and error["message"] != error["message_en"]
    assert stored_reports(deployment) == []
    # Nothing was charged either: the client may still report today.
    assert post(client, KRAKOW).status_code == 201


def test_a_request_without_content_type_is_refused(client: Any) -> None:
    response = client.http.post("/v1/reports", body=json.dumps(KRAKOW))
    assert response.status_code == 415


def test_an_unsupported_method_gets_405_in_our_format(client: Any) -> None:
    response = client.http.delete("/v1/reports")
    assert response.status_code == 405
    assert answer(response)["error"]["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "POST"


def test_a_405_names_the_method_in_each_language(client: Any) -> None:
    for path, allow in [("/v1/reports", "POST"), ("/v1/health", "GET"), ("/v1/units", "GET")]:
        for method in ("PUT", "PATCH", "DELETE", "TRACE"):
            response = client.http.request(method, path)
            assert response.status_code == 405
            assert response.headers["Allow"] == allow
            assert answer(response)["error"] == {
                "code": "method_not_allowed",
                "message": f"Nieobsługiwana metoda: {method}.",
                "message_en": f"Unsupported method: {method}.",
            }


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("lat=52.52&lon=13.405", 422, "outside_poland"),
        ("lon=21.0", 422, "missing_field"),
        ("lat=abc&lon=21.0", 400, "wrong_type"),
        ("lat=nan&lon=21.0", 400, "wrong_type"),  # only plain decimals are numbers
        ("lat=52.2&lon=200", 422, "invalid_coordinates"),
    ],
)
def test_locating_a_bad_point_is_refused(client: Any, query: str, status: int, code: str) -> None:
    response = client.http.get(f"/v1/units/locate?{query}")
    assert response.status_code == status
    assert answer(response)["error"]["code"] == code


@pytest.fixture
def unreachable(deployment: Deployment) -> Deployment:
    """The deployment, pointed at a port where no DynamoDB answers."""
    deployment.settings = replace(
        deployment.settings, dynamodb_endpoint=f"http://127.0.0.1:{free_port()}"
    )
    deployment.__dict__.pop("store", None)
    return deployment


def test_health_is_503_when_dynamodb_does_not_answer(client: Any, unreachable: Deployment) -> None:
    response = client.http.get("/v1/health")
    assert response.status_code == 503
    assert answer(response)["error"]["code"] == "storage_unavailable"


def test_a_submission_is_503_not_500_when_dynamodb_does_not_answer(
    client: Any, unreachable: Deployment
) -> None:
    response = post(client, KRAKOW)
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    tracked = client.http.get("/v1/reports/01ABC?token=x")
    assert tracked.status_code == 404  # a wrong token never reaches the database
