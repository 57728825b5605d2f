"""Schemathesis drives the API over real HTTP from its OpenAPI document, with every check it
has, in every phase (examples, coverage, fuzzing, and the stateful phase that follows the
document's links): no input gives a 5xx, every schema-valid request is accepted, every
schema-invalid one refused, and every answer (status, media type, headers, body) is the one
the document declares.

The one check narrowed, with its reason: `positive_data_acceptance` runs as
`accepts_valid_requests` below, which lets a schema-valid request be refused only with the
refusals a schema cannot state (`UNSTATABLE`: a point inside the bounding box but outside
Poland's border, an instant in the future, a cursor the server did not issue, ...), each named
by its code. Deterministic (`derandomize`): CI never fails on a new random draw.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import positive_data_acceptance

from chalicelib.deployment import Deployment, use
from chalicelib.openapi import DOCUMENT
from infra.engines import Engine, free_port
from tests.integration.conftest import make_settings, token

COORDINATOR = token("coordinator", "1261", "malopolskie")
KRAKOW = (50.0614, 19.9366)  # unit 1261's city: the coordinator's own reports

# /open311 is the Open311 GeoReport v2 specification's contract (its own error shape, not
# problem details): tests/integration/test_open311_read.py drives it with a client from PyPI.
schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(path_regex="^/open311/")
# Narrowed, not dropped: see accepts_valid_requests.
schema.config.checks.positive_data_acceptance.enabled = False

# What a schema cannot state: the codes a schema-valid request may still be refused with, per
# operation. Anything else refused is a document that does not say what the server enforces.
UNSTATABLE: dict[str, frozenset[str]] = {
    # The border inside the bounding box, the sea for other categories, another deployment's
    # area, the clock (future instants, the offset in force on a given day, impossible dates
    # such as 02-31 that a pattern cannot rule out), and a key already used by this client.
    "submitReport": frozenset(
        {
            "outside_poland",
            "on_water",
            "outside_deployment",
            "occurred_in_future",
            "wrong_utc_offset",
            "invalid_datetime",
            "idempotency_key_reused",
        }
    ),
    "locateUnit": frozenset({"outside_poland", "outside_deployment"}),
    # The officer's own unit's area, today in Warsaw, impossible dates.
    "recordConsultation": frozenset(
        {"outside_poland", "on_water", "outside_unit", "meeting_in_future", "invalid_date"}
    ),
    # Which units exist and which the caller may view is the deployment's data; a cursor is
    # the server's; `from` after `to` compares two parameters; impossible dates.
    "listOfficerReports": frozenset({"unknown_unit", "invalid_cursor", "invalid_range"}),
    "getOfficerReport": frozenset({"unknown_unit"}),
    "listDuplicateCandidates": frozenset({"unknown_unit"}),
    # Which reports exist, which are open, what status they are in.
    "markReportDuplicate": frozenset(
        {"unknown_original", "self_duplicate", "original_closed", "duplicate_cycle"}
    ),
    "changeReportStatus": frozenset({"institution_required"}),
}


def _code(response: Any) -> str | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    code = body.get("code") or (body.get("error") or {}).get("code")
    return code if isinstance(code, str) else None


@schemathesis.check
def accepts_valid_requests(ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, but a 400/422 whose code is in UNSTATABLE for the operation
    is a refusal the document declares in words, not a schema-valid request refused."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        allowed = UNSTATABLE.get(case.operation.definition.raw.get("operationId", ""), frozenset())
        if response.status_code in (400, 422) and _code(response) in allowed:
            return None
        raise


@pytest.fixture(scope="module")
def api_url(dynamodb: Engine, data_dir: Path) -> Iterator[str]:
    """The local API Gateway (infra/local_api: API Gateway's own answers, as in AWS) in front
    of the app, on fresh tables, with a few reports in the coordinator's unit to work on."""
    from chalice.config import Config

    from app import app
    from infra.local_api import create_server

    here = Deployment(make_settings(dynamodb.url, data_dir))
    here.store.create_tables()
    use(here)
    port = free_port()
    server = create_server(app, Config.create(), "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for n in range(3):  # from other clients than the fuzzer's (one report a day each)
        answer = requests.post(
            f"{url}/v1/reports",
            json={"category": "vandalism", "lat": KRAKOW[0] + n / 1000, "lon": KRAKOW[1]},
            headers={"X-Forwarded-For": f"192.0.2.{n + 1}"},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
    yield url
    server.shutdown()
    use(None)


@schema.auth().apply_to(path_regex="^/v1/officer/")
class CoordinatorToken:
    """Officer routes are driven as a signed-in coordinator, to reach past the authorizer
    (`ignored_auth` still checks that without the token they are refused)."""

    def get(self, case: Any, context: Any) -> str:
        return COORDINATOR

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_generated_request_gets_a_declared_answer(case: Any, api_url: str) -> None:
    case.call_and_validate(base_url=api_url, additional_checks=[accepts_valid_requests])


# The operations the links join; the others (catalogues, health, the document, /me) lead
# nowhere and are covered above: as roots they would only spend the sequences' steps.
LINKED = (
    "submitReport",
    "followReport",
    "confirmReport",
    "listOfficerReports",
    "getOfficerReport",
    "listDuplicateCandidates",
    "changeReportStatus",
    "addReportNote",
    "assignReport",
    "markReportDuplicate",
    "recordConsultation",
)


class Workflow(schema.include(operation_id=list(LINKED)).as_state_machine()):  # type: ignore[misc]
    """Sequences along the document's links: a report submitted, then followed with its
    token and confirmed; the officer's list, a report's detail, a status change, a note, an
    assignment, a duplicate, a consultation recorded and read back."""

    url: str = ""

    # (operationId, status) of every answer: what the sequences reached.
    answered: ClassVar[Counter[tuple[str, int]]] = Counter()

    def after_call(self, response: Any, case: Any) -> None:
        super().after_call(response, case)
        self.answered[(case.operation.definition.raw["operationId"], response.status_code)] += 1

    clients = iter(range(1, 2**24))

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        # Every call from its own client, as through CloudFront and API Gateway (trusted
        # proxies: X-Forwarded-For): a report a day each, so sequences go past the 429.
        n = next(self.clients)
        address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        return {"base_url": self.url, "headers": {"X-Forwarded-For": address}}

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        super().validate_response(
            response, case, additional_checks=[accepts_valid_requests], **kwargs
        )


def test_stateful_sequences_along_the_links(api_url: str) -> None:
    Workflow.url = api_url
    Workflow.run(
        settings=settings(
            max_examples=20,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    reached = {operation for (operation, status), _ in Workflow.answered.items() if status < 300}
    # The sequences got somewhere: a report stored, and an operation that takes a report id
    # answered 2xx, which a random id never gets (it followed a link). Which of them is reached
    # depends on the draws and the day's state: asking for two was flaky in a fresh clone.
    assert "submitReport" in reached
    taking_an_id = set(LINKED) - {"submitReport", "listOfficerReports", "recordConsultation"}
    assert reached & taking_an_id, reached
