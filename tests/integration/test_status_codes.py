"""The API speaks status and time-of-day codes; for one release it still accepts release 1's
Polish labels and old times of day, stores codes, and says `Deprecation: @<unix time>`."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import statuses
from chalicelib.deployment import Deployment
from tests.integration.test_officers import auth, get, move, report
from tests.integration.test_submission import KRAKOW, answer, post

DEPRECATION = statuses.DEPRECATION_VALUE


def test_get_statuses_serves_the_catalogue(client: Any) -> None:
    response = client.http.get("/v1/statuses")
    assert response.status_code == 200
    assert "Deprecation" not in response.headers
    body = answer(response)
    assert [s["code"] for s in body["statuses"]] == list(statuses.CODES)
    handed = body["statuses"][-1]
    assert handed["name_pl"] == "Potwierdzone (przekazane poza Policję)"
    assert (handed["public"], handed["closed"], handed["colour"]) == ("always", True, "#8d5a2b")
    assert [t["code"] for t in body["times_of_day"]] == ["morning", "day", "evening", "night"]


@pytest.mark.parametrize(
    ("old", "code"),
    [("rano", "morning"), ("dzien", "day"), ("wieczor", "evening"), ("noc", "night")],
)
def test_an_old_time_of_day_is_stored_as_its_code_with_a_deprecation_header(
    client: Any, deployment: Deployment, old: str, code: str
) -> None:
    response = post(client, {**KRAKOW, "time_of_day": old})
    assert response.status_code == 201
    assert response.headers["Deprecation"] == DEPRECATION
    receipt = answer(response)
    assert (receipt["status"], receipt["status_pl"], receipt["status_en"]) == ("new", "Nowe", "New")
    assert deployment.store.get(receipt["id"]).time_of_day == code  # type: ignore[union-attr]
    fresh = post(client, {**KRAKOW, "time_of_day": code}, ip="203.0.113.200")
    assert fresh.status_code == 201 and "Deprecation" not in fresh.headers


@pytest.mark.parametrize("value", ["Rano", "evening ", "wieczorem", "morning\u0000"])
def test_anything_else_is_still_a_422(client: Any, value: str) -> None:
    response = post(client, {**KRAKOW, "time_of_day": value})
    assert response.status_code == 422
    assert answer(response)["error"]["code"] == "invalid_time_of_day"


def test_a_status_change_by_label_stores_the_code_with_a_deprecation_header(
    client: Any, deployment: Deployment
) -> None:
    report_id = report(client)
    officer = auth()
    response = move(client, report_id, "Weryfikacja", 1, officer)
    assert response.status_code == 200
    assert response.headers["Deprecation"] == DEPRECATION
    detail = answer(response)
    assert (detail["status"], detail["status_pl"], detail["status_en"]) == (
        "verifying",
        "Weryfikacja",
        "Under verification",
    )
    assert detail["audit"][-1]["to_status"] == "verifying"
    stored = deployment.store.get(report_id)
    assert stored is not None and stored.status == "verifying"
    by_code = move(client, report_id, "confirmed", 2, officer)
    assert by_code.status_code == 200 and "Deprecation" not in by_code.headers
    # A refused move by label is refused as it would be by code, and still flagged.
    refused = move(client, report_id, "Nowe", 3, officer)
    assert refused.status_code == 409
    assert refused.headers["Deprecation"] == DEPRECATION
    assert answer(refused)["current"]["status"] == "confirmed"


def test_a_status_filter_by_label_lists_by_code_with_a_deprecation_header(client: Any) -> None:
    report_id = report(client)
    officer = auth()
    for query, deprecated in (("status=new", False), ("status=Nowe", True)):
        response = get(client, f"/v1/officer/reports?{query}", officer)
        assert response.status_code == 200
        assert ("Deprecation" in response.headers) is deprecated
        items = answer(response)["items"]
        assert [i["id"] for i in items] == [report_id]
        assert (items[0]["status"], items[0]["status_pl"]) == ("new", "Nowe")
    unknown = get(client, "/v1/officer/reports?status=nowe", officer)
    assert unknown.status_code == 400 and "Deprecation" not in unknown.headers


def test_the_tracking_view_gives_the_code_and_both_names(client: Any) -> None:
    receipt = answer(post(client, KRAKOW))
    followed = answer(
        client.http.get(f"/v1/reports/{receipt['id']}?token={receipt['tracking_token']}")
    )
    assert (followed["status"], followed["status_pl"], followed["status_en"]) == (
        "new",
        "Nowe",
        "New",
    )
