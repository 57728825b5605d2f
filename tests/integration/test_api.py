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


def _routes_with_a_report(client: Any) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(method, path) of every route, with a real report id (a Kraków report, the officer's
    own unit), and the officer's headers."""
    from tests.integration.test_officers import auth
    from tests.integration.test_submission import KRAKOW, post

    receipt = answer(post(client, KRAKOW, ip="203.0.113.77"))
    report_id = receipt["id"]
    paths = [
        ("get", "/v1/health"),
        ("get", "/v1/categories"),
        ("get", "/v1/statuses"),
        ("post", "/v1/reports"),
        ("get", f"/v1/reports/{report_id}"),
        ("post", f"/v1/reports/{report_id}/confirmations"),
        ("get", "/v1/units"),
        ("get", "/v1/units/locate"),
        ("get", "/v1/openapi.json"),
        ("get", "/v1/officer/me"),
        ("get", "/v1/officer/reports"),
        ("get", f"/v1/officer/reports/{report_id}"),
        ("get", f"/v1/officer/reports/{report_id}/candidates"),
        ("post", f"/v1/officer/reports/{report_id}/status"),
        ("post", f"/v1/officer/reports/{report_id}/duplicate"),
        ("post", f"/v1/officer/reports/{report_id}/assign"),
        ("post", f"/v1/officer/reports/{report_id}/notes"),
        ("post", "/v1/officer/consultations"),
        ("get", "/open311/v2/services.json"),
        ("get", "/open311/v2/services/vandalism.json"),
        ("post", "/open311/v2/requests.json"),
    ]
    return paths, {**auth(), "content-type": "application/json"}


def test_every_route_declares_its_query_parameters() -> None:
    from app import app

    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if method != "OPTIONS":
                assert isinstance(
                    getattr(entry.view_function, "query_parameters", None), frozenset
                ), (
                    method,
                    path,
                )


def test_an_unknown_query_parameter_is_a_400_on_every_route(client: Any) -> None:
    paths, headers = _routes_with_a_report(client)
    from app import app

    assert len(paths) == sum(len(m) - ("OPTIONS" in m) for m in app.routes.values())
    for method, path in paths:
        for query in ("foo=1", "x=", "lat=50&lon=20&lat2=1", "token=a&unit=1261&v=2"):
            if path.endswith("/locate") and query.startswith("lat="):
                query = "lat=50&lon=20&Lat=1"
            response = getattr(client.http, method)(f"{path}?{query}", headers=headers, body="{}")
            assert response.status_code == 400, (method, path, query, response.body)
            if path.startswith("/open311/"):  # the specification's errors (docs/OPEN311.md)
                assert answer(response)[0]["code"] == 400, (path, query)
                continue
            assert answer(response)["error"]["code"] == "unknown_parameter", (path, query)


def test_a_repeated_query_parameter_is_a_400_not_its_last_value(client: Any) -> None:
    from tests.integration.test_officers import auth
    from tests.integration.test_submission import KRAKOW, post

    receipt = answer(post(client, KRAKOW, ip="203.0.113.78"))
    real = receipt["tracking_token"]
    officer = auth()
    cases = [
        ("/v1/officer/reports?status=new&status=verifying", officer),
        ("/v1/officer/reports?limit=5&limit=6", officer),
        ("/v1/officer/reports?limit=5&status=new&limit=5", officer),
        ("/v1/units/locate?lat=50.06&lat=52.2&lon=19.93", {}),
        ("/v1/units/locate?lat=50.06&lon=19.93&lon=19.93", {}),
        (f"/v1/reports/{receipt['id']}?token=x&token={real}", {}),
        (f"/v1/reports/{receipt['id']}?token={real}&token={real}", {}),
        (f"/v1/officer/reports/{receipt['id']}?unit=1261&unit=1465", officer),
    ]
    for url, headers in cases:
        response = client.http.get(url, headers=headers)
        assert response.status_code == 400, (url, response.body)
        error = answer(response)["error"]
        assert error["code"] == "duplicate_parameter", url
        assert error["message"] and error["message_en"]
    # Given once each, the same requests succeed.
    assert client.http.get(f"/v1/reports/{receipt['id']}?token={real}").status_code == 200
    assert client.http.get("/v1/units/locate?lat=50.06&lon=19.93").status_code == 200
    ok = client.http.get("/v1/officer/reports?status=new&limit=5", headers=officer)
    assert ok.status_code == 200


def test_locate_takes_only_plain_ascii_decimal_coordinates(client: Any) -> None:
    bad = [
        "lat=%D9%A5%D9%A0&lon=19.93",  # Arabic-Indic digits: "50"
        "lat=50.06&lon=%EF%BC%91%EF%BC%99",  # full-width "19"
        "lat=%2050.06&lon=19.93",  # leading space
        "lat=50.06%20&lon=19.93",  # trailing space
        "lat=50.06%0A&lon=19.93",  # trailing newline
        "lat=5e1&lon=19.93",
        "lat=5_0&lon=19.93",
        "lat=50.0.6&lon=19.93",
        "lat=nan&lon=19.93",
        "lat=50.06&lon=infinity",
        "lat=0x32&lon=19.93",
        "lat=50.06&lon=--19",
    ]
    for query in bad:
        response = client.http.get(f"/v1/units/locate?{query}")
        assert response.status_code == 400, (query, response.body)
        assert answer(response)["error"]["code"] == "wrong_type", query
    for query in (
        "lat=50.06&lon=19.93",
        "lat=%2B50.06&lon=19.9300",
        "lat=50.&lon=19.93",
        "lat=50&lon=20",
    ):
        response = client.http.get(f"/v1/units/locate?{query}")
        assert response.status_code == 200, (query, response.body)
