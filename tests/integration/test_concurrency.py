"""Twenty simultaneous submissions from one client, each in its own process (as in Lambda)."""

from __future__ import annotations

import json
import multiprocessing
from typing import Any

from chalicelib.deployment import Deployment, use
from tests.integration.test_submission import KRAKOW, stored_reports

ATTEMPTS = 20


def _submit(settings: Any, start: Any, results: Any) -> None:
    from chalice.test import Client

    from app import app

    # A fresh deployment: no HTTP connection is shared with the parent process.
    use(Deployment(settings))
    with Client(app) as client:
        start.wait()
        response = client.http.post(
            "/v1/reports",
            headers={"content-type": "application/json", "x-forwarded-for": "203.0.113.20"},
            body=json.dumps(KRAKOW),
        )
    results.put(response.status_code)


def test_twenty_concurrent_submissions_from_one_client_store_exactly_one_report(
    deployment: Deployment,
) -> None:
    import app  # noqa: F401 - imported once here, inherited by every forked process

    context = multiprocessing.get_context("fork")
    start = context.Barrier(ATTEMPTS)
    results = context.Queue()
    processes = [
        context.Process(target=_submit, args=(deployment.settings, start, results))
        for _ in range(ATTEMPTS)
    ]
    for process in processes:
        process.start()
    statuses = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)

    assert statuses.count(201) == 1
    assert statuses.count(429) == ATTEMPTS - 1
    assert len(stored_reports(deployment)) == 1
