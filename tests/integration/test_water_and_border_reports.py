"""Through the API: reports on Polish water and just across the border (DynamoDB Local)."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.deployment import Deployment

ZATOKA_PUCKA = {"lat": 54.68, "lon": 18.55}
GORLITZ = {"lat": 51.1555, "lon": 14.9880}


def post(client: Any, body: Any, ip: str) -> Any:
    return client.http.post(
        "/v1/reports",
        headers={"content-type": "application/json", "x-forwarded-for": ip},
        body=json.dumps(body),
    )


def stored(deployment: Deployment) -> list[Any]:
    return list(deployment.store.Report.scan(consistent_read=True))


def test_a_dangerous_water_report_in_zatoka_pucka_goes_to_puck(
    client: Any, deployment: Deployment
) -> None:
    response = post(client, {"category": "dangerous_water", **ZATOKA_PUCKA}, "203.0.113.21")
    assert response.status_code == 201, response.body
    receipt = json.loads(response.body)
    assert receipt["unit"]["id"] == "kpp-2211"
    assert receipt["garrison"] == "pomorskie"
    located = client.http.get("/v1/units/locate?lat=54.68&lon=18.55")
    assert located.status_code == 200
    assert json.loads(located.body)["unit"]["id"] == "kpp-2211"


def test_a_category_not_about_water_on_open_water_is_refused_and_charges_nothing(
    client: Any, deployment: Deployment
) -> None:
    ip = "203.0.113.22"
    refused = post(client, {"category": "illegal_parking", **ZATOKA_PUCKA}, ip)
    assert refused.status_code == 422
    error = json.loads(refused.body)["error"]
    assert error["code"] == "on_water"
    assert "Miejsca niebezpieczne na wodach" in error["message"]
    assert stored(deployment) == []
    assert post(client, {"category": "drownings", **ZATOKA_PUCKA}, ip).status_code == 201


def test_a_report_from_gorlitz_is_refused_as_outside_poland(
    client: Any, deployment: Deployment
) -> None:
    for category in ("illegal_parking", "dangerous_water"):
        refused = post(client, {"category": category, **GORLITZ}, "203.0.113.23")
        assert refused.status_code == 422
        assert json.loads(refused.body)["error"]["code"] == "outside_poland"
    located = client.http.get("/v1/units/locate?lat=51.1555&lon=14.988")
    assert located.status_code == 422
    assert stored(deployment) == []
