"""Citizens confirm someone else's open report: never a closed one, never their own."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import workflow
from chalicelib.deployment import Deployment
from tests.integration.test_officers import auth, move
from tests.integration.test_submission import KRAKOW, answer, post

REPORTER = "203.0.113.40"


def confirm(client: Any, report_id: str, ip: str) -> Any:
    return client.http.post(
        f"/v1/reports/{report_id}/confirmations", headers={"x-forwarded-for": ip}
    )


def _refused(response: Any, code: str) -> None:
    assert response.status_code == 409, response.body
    error = answer(response)["error"]
    assert error["code"] == code
    assert error["message"] and error["message_en"]


def _report(client: Any, ip: str = REPORTER) -> str:
    response = post(client, KRAKOW, ip=ip)
    assert response.status_code == 201, response.body
    return str(answer(response)["id"])


# Each closed status the public map still shows, with the moves that reach it.
CLOSED_PATHS = [
    [workflow.VERIFYING, workflow.NOT_CONFIRMED],
    [workflow.VERIFYING, workflow.CONFIRMED, workflow.CONFIRMED_ELIMINATED],
    [workflow.VERIFYING, workflow.CONFIRMED, workflow.CONFIRMED_HANDED_OVER],
]


@pytest.mark.parametrize("path", CLOSED_PATHS, ids=lambda p: p[-1])
def test_a_closed_report_cannot_be_confirmed(
    client: Any, deployment: Deployment, path: list[str]
) -> None:
    report_id = _report(client)
    assert confirm(client, report_id, "198.51.100.10").status_code == 201  # open: counted
    officer = auth()
    for version, status in enumerate(path, start=1):
        more = {"institution": "Straż Miejska"} if status == workflow.CONFIRMED_HANDED_OVER else {}
        moved = move(client, report_id, status, version, officer, **more)
        assert moved.status_code == 200, moved.body
    assert path[-1] in workflow.CLOSED
    _refused(confirm(client, report_id, "198.51.100.11"), "report_closed")
    _refused(confirm(client, report_id, "2001:db8:77::1"), "report_closed")
    assert deployment.store.get(report_id).confirmations == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "same_client",
    [REPORTER, f" {REPORTER}", "::ffff:203.0.113.40"],  # one client, however it is spelt
)
def test_the_reporter_cannot_confirm_their_own_report(
    client: Any, deployment: Deployment, same_client: str
) -> None:
    report_id = _report(client)
    _refused(confirm(client, report_id, same_client), "own_report")
    assert deployment.store.get(report_id).confirmations == 0  # type: ignore[union-attr]
    # Everyone else still may, and the reporter may confirm someone else's report.
    assert confirm(client, report_id, "198.51.100.20").status_code == 201
    other = _report(client, ip="198.51.100.21")
    assert confirm(client, other, REPORTER).status_code == 201


def test_an_ipv6_reporter_is_one_client_for_its_whole_64(
    client: Any, deployment: Deployment
) -> None:
    report_id = _report(client, ip="2001:db8:1:2::5")
    _refused(confirm(client, report_id, "2001:db8:1:2::99"), "own_report")
    assert confirm(client, report_id, "2001:db8:1:3::5").status_code == 201


def test_the_reporter_marker_holds_no_address(client: Any, deployment: Deployment) -> None:
    report_id = _report(client, ip="192.0.2.123")
    keys = [item.key for item in deployment.store.Limit.scan(consistent_read=True)]
    mine = [key for key in keys if key.startswith(f"reported#{report_id}#")]
    assert len(mine) == 1
    assert "192.0.2.123" not in mine[0]
