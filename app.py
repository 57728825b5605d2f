"""KMZB API: thin routes that adapt HTTP to chalicelib."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice import AuthResponse, Cron, Rate, Response
from chalice.app import AuthRequest, Request

from chalicelib import (
    categories,
    confirmations,
    deployment,
    feed,
    limits,
    observability,
    officers,
    open311,
    open311_feed,
    open311_submit,
    openapi,
    overdue,
    reports,
    statuses,
    stream,
    units,
    workflow,
)
from chalicelib.auth import Identity, InvalidToken, Scope, authorize, bearer_token
from chalicelib.errors import Conflict, ReportNotFound, VersionConflict
from chalicelib.reports import Report
from chalicelib.settings import LOCAL_STAGE, reports_stream_arn
from chalicelib.web import (
    Api,
    client_address,
    json_response,
    parse_json_body,
    query_params,
)

# Api: Chalice whose one error middleware (web.problem_middleware) answers every refusal and
# failure of every route as an RFC 9457 problem; no route has an error decorator.
app = Api(app_name="kmzb")
observability.register(app)  # Logger, Metrics and Tracer, once for every function
ANY_CONTENT = ["*/*"]  # we answer a wrong Content-Type ourselves, in our error format


@app.middleware("http")
def deprecated_values(event: Any, get_response: Any) -> Response:
    """Release-1 status labels and times of day are still accepted for one release: a response
    to a request that used one carries `Deprecation: @<unix time>` (RFC 9745)."""
    response: Response = get_response(event)
    if statuses.legacy_request(event.query_params, event.raw_body):
        response.headers[statuses.DEPRECATION_HEADER] = statuses.DEPRECATION_VALUE
    return response


def _request() -> Request:
    request = app.current_request
    assert request is not None  # always set while a route runs
    return request


def _client_key() -> str:
    """The pseudonym of the requesting client (an HMAC of its address)."""
    request, here = _request(), deployment.current()
    through = here.came_through_proxies(request.headers.get(deployment.ORIGIN_HEADER))
    address = client_address(
        request.context, request.headers, here.settings.trusted_proxies, through
    )
    return limits.client_key(here.client_key_secret, address)


View = Callable[..., Response]


def accepts(*allowed: str) -> Callable[[View], View]:
    """Declares the query parameters a route takes (every route declares them, even none):
    an unknown, repeated or empty one is a 400 before the route runs.
    """
    names = frozenset(allowed)

    def declare(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Response:
            query_params(_request().query_params, names)
            return view(*args, **kwargs)

        checked.query_parameters = names  # type: ignore[attr-defined]
        return checked

    return declare


def _query() -> dict[str, str]:
    """The query parameters, already checked against the route's `accepts`."""
    raw = _request().query_params
    return query_params(raw, frozenset(raw or {}))


@app.route("/v1/health", methods=["GET"], content_types=ANY_CONTENT)
@accepts()
def health() -> Response:
    deployment.current().store.ping()
    return json_response(200, {"status": "ok"})


@app.route("/v1/categories", methods=["GET"], content_types=ANY_CONTENT)
@accepts()
def list_categories() -> Response:
    return json_response(200, categories.catalogue(), {"Cache-Control": "public, max-age=3600"})


@app.route("/v1/statuses", methods=["GET"], content_types=ANY_CONTENT)
@accepts()
def list_statuses() -> Response:
    return json_response(200, statuses.catalogue(), {"Cache-Control": "public, max-age=3600"})


@app.route("/v1/reports", methods=["POST"], content_types=ANY_CONTENT)
@accepts()
def submit_report() -> Response:
    request = _request()
    body = parse_json_body(
        request.raw_body,
        request.headers.get("content-type"),
        request.headers.get("content-encoding"),
    )
    here = deployment.current()
    now, secret = here.clock(), here.client_key_secret
    submission = reports.parse_submission(body, now)
    idempotency_key = reports.parse_idempotency_key(request.headers.get("idempotency-key"))
    placement = here.router.place(submission.lat, submission.lon, submission.category)
    client = _client_key()
    receipt = reports.submit(
        submission, placement, client, idempotency_key, now, here.store, secret
    )
    headers = {"Location": f"/v1/reports/{receipt.report.id}"}
    if receipt.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(201, reports.receipt_body(receipt.report, secret), headers)


def _no_query(view: View) -> View:
    """Declares no query parameter; the view refuses them itself, in Open311's error shape."""
    view.query_parameters = frozenset()  # type: ignore[attr-defined]
    return view


@app.route("/open311/v2/{document}", methods=["POST"], content_types=ANY_CONTENT)
@_no_query
def open311_post_request(document: str) -> Response:
    """GeoReport v2 `POST requests.{json|xml}`: a report through /v1/reports' own code
    (chalicelib/open311_submit.py), with an API key; refusals are Open311 errors."""
    request, here = _request(), deployment.current()
    fmt = open311_submit.document_format(document)
    try:
        if fmt is None:
            raise open311_submit.refuse_document()
        if request.query_params:  # refused in the specification's shape, not a problem
            raise open311_submit.refuse_query(list(request.query_params))
        raw = request.raw_body
        form = open311_submit.parse_form(
            raw.encode("utf-8") if isinstance(raw, str) else raw,
            request.headers.get("content-type"),
        )
        report = open311_submit.submit(
            form,
            here.clock(),
            here.open311_keys.find,
            here.router.place,
            _client_key(),
            here.store,
            here.client_key_secret,
        )
    except open311_submit.Open311Error as e:
        body, content_type = open311_submit.errors(
            e, fmt or "json", request.headers.get("accept-language")
        )
        headers: dict[str, str | list[str]] = {
            "Content-Type": content_type,
            "Cache-Control": "no-store",
        }
        if e.retry_after is not None:
            headers["Retry-After"] = str(e.retry_after)
        return Response(body, headers, e.status)
    body, content_type = open311_submit.created(report, fmt)
    return Response(body, {"Content-Type": content_type, "Cache-Control": "no-store"}, 201)


@app.route("/v1/reports/{report_id}", methods=["GET"], content_types=ANY_CONTENT)
@accepts("token")
def follow_report(report_id: str) -> Response:
    here = deployment.current()
    token = _query().get("token")
    if not reports.token_matches(here.client_key_secret, report_id, token):
        raise ReportNotFound()
    report = here.store.get(report_id)
    if report is None:
        raise ReportNotFound()
    return json_response(200, reports.tracking_view(report), {"Cache-Control": "no-store"})


@app.route("/v1/reports/{report_id}/confirmations", methods=["POST"], content_types=ANY_CONTENT)
@accepts()
def confirm_report(report_id: str) -> Response:
    here = deployment.current()
    count = confirmations.confirm(here.store, report_id, _client_key(), here.clock())
    return json_response(201, {"id": report_id, "confirmations": count})


@app.route("/v1/units", methods=["GET"], content_types=ANY_CONTENT)
@accepts()
def list_units() -> Response:
    return json_response(200, {"units": deployment.current().router.units_view()})


@app.route("/v1/units/locate", methods=["GET"], content_types=ANY_CONTENT)
@accepts("lat", "lon")
def locate_unit() -> Response:
    point = _query()
    lat, lon = units.parse_point_query(point.get("lat"), point.get("lon"))
    placement = deployment.current().router.place(lat, lon)
    return json_response(200, placement.as_dict())


def _open311(*segments: str) -> Response:
    """GeoReport v2, read side (docs/OPEN311.md): the published feeds, in the specification's
    JSON or XML; its errors are the specification's, not problem details."""
    here = deployment.current()
    request = _request()
    settings = here.settings
    feeds = open311_feed.reader(settings.region, settings.s3_endpoint, settings.site_bucket)
    local = settings.stage == LOCAL_STAGE
    base_url = open311_feed.base_url(request.headers, request.context or {}, local)
    status, content_type, body = open311_feed.serve(
        list(segments),
        dict(request.query_params or {}),
        here.router,
        feeds,
        base_url,
        here.clock(),
    )
    cache = "public, max-age=60" if status == 200 else "no-store"
    # A str body: API Gateway takes text, not bytes, for non-binary types.
    return Response(
        body.decode("utf-8"),
        status_code=status,
        headers={"Content-Type": content_type, "Cache-Control": cache},
    )


def _checks_its_own_query(view: View) -> View:
    """Open311 checks its query itself, to refuse in the specification's error shape."""
    view.query_parameters = open311.REQUESTS_PARAMETERS  # type: ignore[attr-defined]
    return view


@app.route("/open311/v2/{document}", methods=["GET"], content_types=ANY_CONTENT)
@_checks_its_own_query
def open311_document(document: str) -> Response:
    return _open311(document)


@app.route("/open311/v2/{collection}/{document}", methods=["GET"], content_types=ANY_CONTENT)
@_checks_its_own_query
def open311_item(collection: str, document: str) -> Response:
    return _open311(collection, document)


@app.route("/v1/openapi.json", methods=["GET"], content_types=ANY_CONTENT)
@accepts()
def openapi_document() -> Response:
    return json_response(200, openapi.DOCUMENT, {"Cache-Control": "public, max-age=300"})


@app.authorizer()
def officer_token(auth_request: AuthRequest) -> AuthResponse:
    """Verifies the officer's JWT. A failed check still reaches the route, marked unverified,
    so that the 401 has our error format everywhere; routes act only on verified identities."""
    try:
        identity = deployment.current().token_verifier.verify(bearer_token(auth_request.token))
    except InvalidToken as e:
        context = {"verified": "false", "reason": str(e)[:100]}
        return AuthResponse(routes=["*"], principal_id="anonymous", context=context)
    return AuthResponse(routes=["*"], principal_id=identity.sub, context=identity.as_context())


def _officer(action: str) -> Scope:
    """The verified caller's scope, if the role matrix lets them perform `action` (else 403);
    every officer route starts here."""
    identity = Identity.from_context(_request().context.get("authorizer"))
    return authorize(identity, deployment.current().router, action)


def _json_body() -> Any:
    request = _request()
    return parse_json_body(
        request.raw_body,
        request.headers.get("content-type"),
        request.headers.get("content-encoding"),
    )


OFFICER = {"authorizer": officer_token, "content_types": ANY_CONTENT}


@app.route("/v1/officer/me", methods=["GET"], **OFFICER)
@accepts()
def officer_me() -> Response:
    scope = _officer(workflow.READ)
    return json_response(200, officers.me(scope), {"Cache-Control": "no-store"})


@app.route("/v1/officer/reports", methods=["GET"], **OFFICER)
@accepts("status", "category", "from", "to", "overdue", "unit", "cursor", "limit")
def officer_reports() -> Response:
    scope, here = _officer(workflow.READ), deployment.current()
    params = _query()
    body = officers.list_reports(
        here.store, scope, here.router, params, here.deadlines, here.clock(), _cursor_secret()
    )
    return json_response(200, body, {"Cache-Control": "no-store"})


def _cursor_secret() -> bytes:
    return deployment.current().client_key_secret


@app.route("/v1/officer/reports/{report_id}", methods=["GET"], **OFFICER)
@accepts("unit")
def officer_report(report_id: str) -> Response:
    scope, here = _officer(workflow.READ), deployment.current()
    _viewing(scope)
    return _detail(scope, officers.load(here.store, scope, report_id), 200)


def _viewing(scope: Scope) -> None:
    """A report's routes take `?unit=` as the list does (the unit the panel is viewing): it
    must be one the caller may view."""
    unit = _query().get("unit")
    if unit is not None:
        officers.pick_unit(scope, deployment.current().router, unit)


@app.route("/v1/officer/reports/{report_id}/candidates", methods=["GET"], **OFFICER)
@accepts("unit")
def officer_duplicate_candidates(report_id: str) -> Response:
    scope, here = _officer(workflow.READ), deployment.current()
    _viewing(scope)
    report = officers.load(here.store, scope, report_id)
    body = officers.candidates(here.store, report)
    return json_response(200, body, {"Cache-Control": "no-store"})


def _detail(scope: Scope, report: Report, status: int) -> Response:
    here = deployment.current()
    body = officers.detail(report, here.store, scope, here.deadlines, here.clock())
    return json_response(status, body, {"Cache-Control": "no-store"})


def _change(report_id: str, action: str, apply: Any) -> Response:
    """Check the role, load, check scope, apply one change; a conflict is a 409 with the
    report's current state."""
    scope, here = _officer(action), deployment.current()
    body = _json_body()
    report = officers.load(here.store, scope, report_id)
    try:
        apply(scope, report, body, here)
    except (VersionConflict, Conflict) as e:
        # A conflict answers with the report as it is now, for the panel to show.
        fresh = officers.load(here.store, scope, report_id)
        current = officers.detail(fresh, here.store, scope, here.deadlines, here.clock())
        error = officers.stale() if isinstance(e, VersionConflict) else e
        error.extra = {"current": current}
        raise error from None
    return _detail(scope, officers.load(here.store, scope, report_id), 200)


@app.route("/v1/officer/reports/{report_id}/status", methods=["POST"], **OFFICER)
@accepts()
def officer_change_status(report_id: str) -> Response:
    return _change(
        report_id,
        workflow.STATUS,
        lambda scope, report, body, here: officers.change_status(
            here.store, scope, report, body, here.clock()
        ),
    )


@app.route("/v1/officer/reports/{report_id}/duplicate", methods=["POST"], **OFFICER)
@accepts()
def officer_mark_duplicate(report_id: str) -> Response:
    return _change(
        report_id,
        workflow.DUPLICATE,
        lambda scope, report, body, here: officers.mark_duplicate(
            here.store, scope, report, body, here.clock()
        ),
    )


@app.route("/v1/officer/reports/{report_id}/assign", methods=["POST"], **OFFICER)
@accepts()
def officer_assign(report_id: str) -> Response:
    return _change(
        report_id,
        workflow.ASSIGN,
        lambda scope, report, body, here: officers.assign(
            here.store, scope, report, body, here.clock()
        ),
    )


@app.route("/v1/officer/reports/{report_id}/notes", methods=["POST"], **OFFICER)
@accepts()
def officer_add_note(report_id: str) -> Response:
    scope, here = _officer(workflow.NOTE), deployment.current()
    body = _json_body()
    report = officers.load(here.store, scope, report_id)
    officers.add_note(here.store, scope, report, body, here.clock())
    return _detail(scope, report, 201)  # a note leaves the report itself unchanged


@app.route("/v1/officer/consultations", methods=["POST"], **OFFICER)
@accepts()
def officer_record_consultation() -> Response:
    scope, here = _officer(workflow.CONSULTATION), deployment.current()
    body = _json_body()
    report = officers.record_consultation(here.store, scope, here.router, body, here.clock())
    return _detail(scope, report, 201)


# Every morning at 07:00 UTC (8 or 9 in Warsaw): coordinators hear of overdue reports.
@app.schedule(Cron(0, 7, "*", "*", "?", "*"))
def remind_overdue(event: Any) -> dict[str, int]:
    return overdue.remind(deployment.current().reminders, event.context)


# Feeds changed since their last build (the stream handler builds at most once per debounce
# period) and the time-based rules (7 and 30 days) are caught up here.
@app.schedule(Rate(1, unit=Rate.MINUTES))
def refresh_feeds(event: Any) -> dict[str, list[str]]:
    return {"built": feed.refresh(deployment.current().feed_job)}


# The stream's ARN is known only once the table exists: infra sets it per stage (a placeholder
# only in the local stage; elsewhere a missing one stops the import).
REPORTS_STREAM_ARN = reports_stream_arn()


@app.on_dynamodb_record(stream_arn=REPORTS_STREAM_ARN, batch_size=100)
def on_report_change(event: Any) -> Any:
    return stream.handle_reports_stream(
        event.to_dict(), event.context, deployment.current().stream_job
    )
