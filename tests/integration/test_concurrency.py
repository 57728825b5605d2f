"""Twenty simultaneous submissions from one client, each in its own process (as in Lambda)."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.deployment import Deployment
from tests.integration.conftest import race
from tests.integration.test_submission import KRAKOW, stored_reports

ATTEMPTS = 20


def _submit(client: Any) -> Any:
    return client.http.post(
        "/v1/reports",
        headers={"content-type": "application/json", "x-forwarded-for": "203.0.113.20"},
        body=json.dumps(KRAKOW),
    )


def test_twenty_concurrent_submissions_from_one_client_store_exactly_one_report(
    deployment: Deployment,
) -> None:
    statuses = race(deployment, _submit, ATTEMPTS)
    assert statuses.count(201) == 1
    assert statuses.count(429) == ATTEMPTS - 1
    assert len(stored_reports(deployment)) == 1
