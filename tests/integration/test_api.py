"""The read-only endpoints and the OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.openapi import DOCUMENT
from tests.integration.test_submission import answer


def test_health_is_ok_when_dynamodb_answers(client: Any) -> None:
    response = client.http.get("/v1/health")
    assert response.status_code == 200
    assert answer(response) == {"status": "ok"}


def test_categories_list_codes_names_and_visibility(client: Any) -> None:
    body = answer(client.http.get("/v1/categories"))
    by_code = {c["code"]: c for c in body["categories"]}
    assert len(by_code) == 27
    assert by_code["begging"]["name_pl"] == "Żebractwo"
    assert by_code["drug_use"]["public_visibility"] == "never"
    assert by_code["dangerous_venue"]["public_visibility"] == "confirmed_only"
    assert all(c["active"] for c in body["categories"])


def test_locate_names_the_unit_and_garrison_of_a_point(client: Any) -> None:
    body = answer(client.http.get("/v1/units/locate?lat=52.2297&lon=21.0122"))
    assert body["powiat"] == {"teryt": "1465", "name": "Warszawa"}
    assert body["unit"]["teryt"] == "1465"
    assert body["garrison"]["id"] == "stoleczny"
    assert body["garrison"]["headquarters"] == "Komenda Stołeczna Policji"


def test_units_lists_every_unit_with_its_powiats(client: Any) -> None:
    units = answer(client.http.get("/v1/units"))["units"]
    assert len(units) == 380
    krakow = next(u for u in units if u["teryt"] == "1261")
    assert krakow["garrison"] == "malopolskie"
    assert krakow["powiats"] == [{"teryt": "1261", "name": "Kraków", "kind": "city"}]


def test_every_route_is_in_the_openapi_document_and_nothing_else(client: Any) -> None:
    from app import app

    routes = {
        (path, method.lower())
        for path, methods in app.routes.items()
        for method in methods
        if method != "OPTIONS"
    }
    documented = {
        (path, method) for path, operations in DOCUMENT["paths"].items() for method in operations
    }
    assert routes == documented
    served = answer(client.http.get("/v1/openapi.json"))
    assert served["paths"].keys() == DOCUMENT["paths"].keys()
    for path, operations in DOCUMENT["paths"].items():
        for operation in operations.values():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path))
