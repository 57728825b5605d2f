"""Every bad request gets a clear 4xx in our error format and changes nothing.

The format is RFC 9457's problem details (chalicelib/problems.py); the second half of this
file asks over real HTTP (the local API server, infra/local_api.py, in front of the app)."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chalicelib import workflow
from chalicelib.deployment import Deployment
from infra.engines import free_port
from tests.integration.conftest import token
from tests.integration.test_submission import KRAKOW, answer, post, stored_reports

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code", "message", "message_en", "error"}

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
    assert response.headers["Content-Type"] == "application/problem+json"
    body = answer(response)
    assert set(body) >= PROBLEM_MEMBERS
    assert (body["status"], body["code"], body["instance"]) == (status, code, "/v1/reports")
    assert body["type"] == f"https://kmzb.policja.gov.pl/problems/{code}"
    assert body["detail"] == body["message"]  # Polish unless English is asked for
    error = body["error"]  # deprecated, kept for one release
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


# --- over real HTTP -----------------------------------------------------------------------


@pytest.fixture
def api(deployment: Deployment) -> Iterator[str]:
    """The local API server (as `make run` starts it) of the app on the test deployment."""
    from chalice.config import Config

    from app import app
    from infra.local_api import create_server

    port = free_port()
    config = Config.create(chalice_stage="local", chalice_app=app, project_dir=str(ROOT))
    server = create_server(app, config, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{port}"
    server.shutdown()
    thread.join(10)


def call(
    api: str, method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any, dict[str, Any]]:
    """(status, headers, problem document) of one request to the local API server."""
    host, port = api.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
    sent = {"Content-Type": "application/json", **headers} if raw is not None else headers
    connection.request(method, path, body=raw, headers=sent)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.headers, json.loads(data) if data else {}


def problem(
    answer: tuple[int, Any, dict[str, Any]], status: int, code: str, path: str
) -> dict[str, Any]:
    """The problem document of `answer`, checked: RFC 9457 members, both messages, the
    deprecated `error` member, the content type."""
    got, headers, body = answer
    assert got == status, body
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["Cache-Control"] == "no-store"
    assert set(body) >= PROBLEM_MEMBERS, body
    assert body["type"] == f"https://kmzb.policja.gov.pl/problems/{code}"
    assert (body["status"], body["code"], body["instance"]) == (status, code, path)
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    assert body["error"] == {
        "code": code,
        "message": body["message"],
        "message_en": body["message_en"],
    }
    language = headers["Content-Language"]
    assert body["detail"] == (body["message"] if language == "pl" else body["message_en"])
    return body


CITIZEN_ERRORS: list[tuple[str, str, str, Any, dict[str, str], int, str]] = [
    ("malformed JSON", "POST", "/v1/reports", '{"category": ', {}, 400, "malformed_json"),
    ("repeated key", "POST", "/v1/reports", '{"a": 1, "a": 2}', {}, 400, "duplicate_key"),
    ("unknown parameter", "GET", "/v1/units?x=1", None, {}, 400, "unknown_parameter"),
    ("not a number", "GET", "/v1/units/locate?lat=abc&lon=1", None, {}, 400, "wrong_type"),
    ("too large", "POST", "/v1/reports", {"d": "x" * 17000}, {}, 413, "body_too_large"),
    ("not JSON", "POST", "/v1/reports", "a=b", {"Content-Type": "text/plain"}, 415,
     "unsupported_media_type"),
    ("compressed", "POST", "/v1/reports", KRAKOW, {"Content-Encoding": "gzip"}, 415,
     "unsupported_content_encoding"),
    ("Berlin", "POST", "/v1/reports", {**KRAKOW, "lat": 52.52, "lon": 13.405}, {}, 422,
     "outside_poland"),
    ("unknown field", "POST", "/v1/reports", {**KRAKOW, "x": 1}, {}, 422, "unknown_field"),
    ("no report", "GET", "/v1/reports/01ABC", None, {}, 404, "not_found"),
    ("no route", "GET", "/v1/nothing", None, {}, 404, "not_found"),
    ("no such report to confirm", "POST", "/v1/reports/01ABC/confirmations", None, {}, 404,
     "not_found"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "code"),
    [case[1:] for case in CITIZEN_ERRORS],
    ids=[case[0] for case in CITIZEN_ERRORS],
)
def test_every_error_over_http_is_a_problem_document(
    api: str,
    deployment: Deployment,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    problem(call(api, method, path, body, **headers), status, code, path.split("?")[0])
    assert stored_reports(deployment) == []


def test_a_405_over_http_keeps_allow_and_names_the_method(api: str) -> None:
    status, headers, body = call(api, "DELETE", "/v1/reports")
    problem((status, headers, body), 405, "method_not_allowed", "/v1/reports")
    assert headers["Allow"] == "POST"
    assert body["message"] == "Nieobsługiwana metoda: DELETE."


def test_a_429_over_http_keeps_retry_after(api: str) -> None:
    first = call(api, "POST", "/v1/reports", KRAKOW, **{"X-Forwarded-For": "198.51.100.77"})
    assert first[0] == 201
    again = call(api, "POST", "/v1/reports", KRAKOW, **{"X-Forwarded-For": "198.51.100.77"})
    problem(again, 429, "daily_limit", "/v1/reports")
    assert 0 < int(again[1]["Retry-After"]) <= 25 * 3600
    assert "112" in again[2]["message"] and "112" in again[2]["message_en"]


def test_accept_language_picks_the_title_and_detail_language(api: str) -> None:
    berlin = {**KRAKOW, "lat": 52.52, "lon": 13.405}
    for header, language in [
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("pl;q=0.4, en;q=0.6", "en"),
        ("en;q=0.5, pl", "pl"),
        ("de", "pl"),
        ("en;q=nonsense", "pl"),
        ("", "pl"),
    ]:
        answer = call(api, "POST", "/v1/reports", berlin, **{"Accept-Language": header})
        body = problem(answer, 422, "outside_poland", "/v1/reports")
        assert answer[1]["Content-Language"] == language
        assert answer[1]["Vary"] == "Accept-Language"
        english = language == "en"
        assert body["title"] == ("Point outside Poland" if english else "Punkt poza Polską")
        assert body["message"].startswith("Punkt leży poza granicami Polski")
        assert body["message_en"].startswith("The point lies outside Poland")
    # The gateway's own answers follow it too.
    answer = call(api, "GET", "/v1/nothing", **{"Accept-Language": "en-US"})
    assert problem(answer, 404, "not_found", "/v1/nothing")["title"] == "Not found"


def test_the_instance_is_the_path_never_the_query_with_its_token(api: str) -> None:
    answer = call(api, "GET", "/v1/reports/01ABCDEF?token=s3cret-tracking-token")
    body = problem(answer, 404, "not_found", "/v1/reports/01ABCDEF")
    assert "s3cret" not in json.dumps(body)


def bearer(role: str, unit: str = "1261") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, unit, name=f'{role} {unit}')}"}


def test_officer_refusals_over_http_are_problems(api: str) -> None:
    # 401: no token (the gateway's answer) and a bad one (the app's), each a problem.
    problem(call(api, "GET", "/v1/officer/me"), 401, "unauthorized", "/v1/officer/me")
    bad = call(api, "GET", "/v1/officer/me", **{"Authorization": "Bearer nope"})
    problem(bad, 401, "unauthorized", "/v1/officer/me")
    # RFC 6750 §3: each 401 names the scheme; a refused token is invalid_token.
    assert call(api, "GET", "/v1/officer/me")[1]["WWW-Authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in bad[1]["WWW-Authenticate"]
    # A report of Kraków's unit, then a 403 for another unit's officer and a 409 with the
    # report as it is now for an impossible move.
    made = call(api, "POST", "/v1/reports", KRAKOW, **{"X-Forwarded-For": "198.51.100.78"})
    report_id = made[2]["id"]
    path = f"/v1/officer/reports/{report_id}"
    other = call(api, "GET", path, **bearer("officer", "1262"))
    problem(other, 403, "forbidden", path)
    admin = call(api, "POST", path + "/status", {"status": workflow.VERIFYING, "version": 1},
                 **bearer("admin"))  # fmt: skip
    assert problem(admin, 403, "role_required", path + "/status")["message_en"].startswith(
        "Your role (admin)"
    )
    jump = call(api, "POST", path + "/status", {"status": workflow.CONFIRMED, "version": 1},
                **bearer("officer"))  # fmt: skip
    body = problem(jump, 409, "conflict", path + "/status")
    assert body["current"]["id"] == report_id and body["current"]["status_version"] == 1
    stale = call(api, "POST", path + "/status", {"status": workflow.VERIFYING, "version": 7},
                 **bearer("officer"))  # fmt: skip
    assert problem(stale, 409, "conflict", path + "/status")["current"]["status_version"] == 1


def test_a_503_over_http_is_a_problem_with_retry_after(api: str, unreachable: Deployment) -> None:
    answer = call(api, "GET", "/v1/health")
    problem(answer, 503, "storage_unavailable", "/v1/health")
    assert answer[1]["Retry-After"] == "5"
    answer = call(api, "POST", "/v1/reports", KRAKOW, **{"X-Forwarded-For": "198.51.100.79"})
    problem(answer, 503, "storage_unavailable", "/v1/reports")


def test_an_unexpected_failure_is_a_500_problem_that_shows_nothing_of_it(
    api: str, deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> Any:
        raise RuntimeError("internal detail: table kmzb-secret")

    monkeypatch.setattr(deployment.router, "units_view", broken)
    answer = call(api, "GET", "/v1/units", **{"Accept-Language": "en"})
    body = problem(answer, 500, "internal_error", "/v1/units")
    assert "secret" not in json.dumps(body) and "RuntimeError" not in json.dumps(body)
    assert body["title"] == "Internal error"


def test_a_domain_error_raised_in_a_view_reaches_the_middleware(
    client: Any, deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chalice answers any exception of a view with its own bare 500 unless it is a
    # ChaliceUnhandledError: web.Api's routes pass theirs on to web.problem_middleware.
    from chalicelib.errors import OutsidePoland

    def refuse(lat: float, lon: float, category: str | None = None) -> Any:
        raise OutsidePoland()

    monkeypatch.setattr(deployment.router, "place", refuse)
    response = client.http.get("/v1/units/locate?lat=50.06&lon=19.93")
    assert response.status_code == 422
    assert answer(response)["code"] == "outside_poland"
