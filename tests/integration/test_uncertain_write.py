"""DynamoDB commits a submission, then its answer is lost (a timeout, a dropped connection):
the citizen's 503 says the report may be stored and that a retry with the same
Idempotency-Key returns its receipt, which it does; a retry without the key is the day's
second report. A failure that certainly wrote nothing keeps the plain 503."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from chalicelib.deployment import Deployment
from tests.integration.test_submission import KRAKOW, answer, post, stored_reports


@contextmanager
def answers_lost(deployment: Deployment, error: Exception) -> Iterator[None]:
    """DynamoDB Local really runs each TransactWriteItems; then the answer never arrives."""
    events = deployment.store._connection.client.meta.events

    def lose(**_: Any) -> None:
        raise error

    events.register("after-call.dynamodb.TransactWriteItems", lose, unique_id="lose-answer")
    try:
        yield
    finally:
        events.unregister("after-call.dynamodb.TransactWriteItems", unique_id="lose-answer")


LOST = [
    ReadTimeoutError(endpoint_url="http://dynamodb"),
    ConnectionClosedError(endpoint_url="http://dynamodb"),
]


@pytest.mark.parametrize("error", LOST, ids=["read-timeout", "connection-closed"])
def test_a_lost_answer_says_the_report_may_be_stored_and_the_key_gets_the_receipt(
    client: Any, deployment: Deployment, error: Exception
) -> None:
    with answers_lost(deployment, error):
        first = post(client, KRAKOW, **{"Idempotency-Key": "form-attempt-1"})
    assert first.status_code == 503
    assert first.headers["Retry-After"]
    body = answer(first)["error"]
    assert body["code"] == "storage_unavailable"
    assert "Idempotency-Key" in body["message"] and "Idempotency-Key" in body["message_en"]
    assert "mogło" in body["message"] and "may have been" in body["message_en"]
    (stored,) = stored_reports(deployment)  # it was in fact committed

    without_key = post(client, KRAKOW)
    assert without_key.status_code == 429
    replayed = post(client, KRAKOW, **{"Idempotency-Key": "form-attempt-1"})
    assert replayed.status_code == 201
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert answer(replayed)["id"] == stored.id
    assert len(stored_reports(deployment)) == 1


def test_a_failure_that_wrote_nothing_keeps_the_plain_503(
    client: Any, deployment: Deployment
) -> None:
    deployment.store.Report.delete_table()  # a 400 ResourceNotFound: nothing was written
    response = post(client, KRAKOW, **{"Idempotency-Key": "form-attempt-1"})
    assert response.status_code == 503
    body = answer(response)["error"]
    assert "Idempotency-Key" not in body["message_en"]
