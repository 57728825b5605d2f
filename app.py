"""KMZB API: thin routes that adapt HTTP to chalicelib."""

from __future__ import annotations

import os
from typing import Any

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib import categories, deployment, limits, openapi, reports, stream, units
from chalicelib.errors import not_found
from chalicelib.web import (
    api_view,
    client_address,
    json_response,
    normalise_framework_error,
    parse_json_body,
)

app = Chalice(app_name="kmzb")
ANY_CONTENT = ["*/*"]  # we answer a wrong Content-Type ourselves, in our error format


@app.middleware("http")
def framework_errors(event: Any, get_response: Any) -> Response:
    return normalise_framework_error(get_response(event))


def _request() -> Request:
    request = app.current_request
    assert request is not None  # always set while a route runs
    return request


def _query(name: str) -> str | None:
    params = _request().query_params
    return params.get(name) if params is not None else None


@app.route("/v1/health", methods=["GET"], content_types=ANY_CONTENT)
@api_view
def health() -> Response:
    deployment.current().store.ping()
    return json_response(200, {"status": "ok"})


@app.route("/v1/categories", methods=["GET"], content_types=ANY_CONTENT)
@api_view
def list_categories() -> Response:
    body = {"categories": [c.as_dict() for c in categories.CATEGORIES]}
    return json_response(200, body, {"Cache-Control": "public, max-age=3600"})


@app.route("/v1/reports", methods=["POST"], content_types=ANY_CONTENT)
@api_view
def submit_report() -> Response:
    request = _request()
    body = parse_json_body(request.raw_body, request.headers.get("content-type"))
    here = deployment.current()
    settings, now = here.settings, here.clock()
    submission = reports.parse_submission(body, now)
    idempotency_key = reports.parse_idempotency_key(request.headers.get("idempotency-key"))
    placement = here.router.place(submission.lat, submission.lon)
    client = limits.client_key(
        settings.client_key_secret,
        client_address(request.context, request.headers, settings.trusted_proxy),
    )
    receipt = reports.submit(
        submission, placement, client, idempotency_key, now, here.store, settings.client_key_secret
    )
    headers = {"Location": f"/v1/reports/{receipt.report.id}"}
    if receipt.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(
        201, reports.receipt_body(receipt.report, settings.client_key_secret), headers
    )


@app.route("/v1/reports/{report_id}", methods=["GET"], content_types=ANY_CONTENT)
@api_view
def follow_report(report_id: str) -> Response:
    here = deployment.current()
    token = _query("token")
    if not reports.token_matches(here.settings.client_key_secret, report_id, token):
        raise not_found()
    report = here.store.get(report_id)
    if report is None:
        raise not_found()
    return json_response(200, reports.tracking_view(report), {"Cache-Control": "no-store"})


@app.route("/v1/units", methods=["GET"], content_types=ANY_CONTENT)
@api_view
def list_units() -> Response:
    return json_response(200, {"units": deployment.current().router.units_view()})


@app.route("/v1/units/locate", methods=["GET"], content_types=ANY_CONTENT)
@api_view
def locate_unit() -> Response:
    lat, lon = units.parse_point_query(_query("lat"), _query("lon"))
    placement = deployment.current().router.place(lat, lon)
    return json_response(200, placement.as_dict())


@app.route("/v1/openapi.json", methods=["GET"], content_types=ANY_CONTENT)
@api_view
def openapi_document() -> Response:
    return json_response(200, openapi.DOCUMENT, {"Cache-Control": "public, max-age=300"})


# The stream's ARN is known only once the table exists: infra sets it per stage.
REPORTS_STREAM_ARN = os.environ.get(
    "KMZB_REPORTS_STREAM_ARN",
    "arn:aws:dynamodb:eu-central-1:123456789012:table/kmzb-reports/stream/local",
)


@app.on_dynamodb_record(stream_arn=REPORTS_STREAM_ARN, batch_size=100)
def on_report_change(event: Any) -> Any:
    return stream.handle_reports_stream(event.to_dict(), event.context, deployment.current())
