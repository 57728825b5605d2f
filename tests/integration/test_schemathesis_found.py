"""Server bugs schemathesis found, each fixed as a kind and kept here with cases of our own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_officers import answer, auth, report


def _status(client: Any, report_id: str, version: str) -> Any:
    body = '{"status": "verifying", "version": ' + version + "}"  # the number as written
    return client.http.post(
        f"/v1/officer/reports/{report_id}/status",
        headers={**auth("coordinator"), "content-type": "application/json"},
        body=body,
    )


@pytest.mark.parametrize("version", ["1.0", "1e0", "10e-1", "1.000"])
def test_a_whole_number_written_with_a_fraction_is_that_integer(client: Any, version: str) -> None:
    """JSON has one number type: `1.0` is the integer 1 (JSON Schema's `integer` agrees, and
    schemathesis sends such values), so a version written 1.0 is version 1, not a 400."""
    moved = _status(client, report(client), version)
    assert moved.status_code == 200, moved.body
    assert answer(moved)["status_version"] == 2


@pytest.mark.parametrize("version", ["1.5", "true", '"1"', "2147483648.0", "0.0", "1e400"])
def test_a_version_that_is_not_a_whole_number_in_range_is_still_refused(
    client: Any, version: str
) -> None:
    assert _status(client, report(client), version).status_code == 400
