"""Open311 `POST requests` over real HTTP (infra/local_api), with keys made by kmzb-admin.

The client is civicbot (PyPI), a GeoReport v2 client nobody here wrote; nothing in it is
patched. The others on PyPI cannot post on Python 3.11 (georeport 0.3 reads only; open311 1.1
and three 0.8 are Python 2 code).
"""

from __future__ import annotations

import io
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib import reports
from chalicelib.deployment import Deployment
from infra import admin
from infra.engines import free_port
from tests.integration.test_notifications import _inbox, _pump, _read

KRAKOW = (50.0614, 19.9366)


@pytest.fixture
def api(notifying: Deployment) -> Iterator[str]:
    """The local API Gateway in front of the app, on the test deployment's fresh tables."""
    from chalice.config import Config

    from app import app
    from infra.local_api import create_server

    port = free_port()
    server = create_server(app, Config.create(), "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/open311/v2"
    server.shutdown()


def kmzb_admin(deployment: Deployment, tmp_path: Path, *argv: str) -> str:
    """Run `kmzb-admin <argv>` against the test deployment's tables; its standard output."""
    settings = deployment.settings
    env = {
        "KMZB_STATE_DIR": str(tmp_path / "no-local-stack"),
        "KMZB_DYNAMODB_ENDPOINT": settings.dynamodb_endpoint or "",
        "KMZB_LIMITS_TABLE": settings.limits_table,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }
    out = io.StringIO()
    assert admin.run(list(argv), env, out) == 0, out.getvalue()
    return out.getvalue()


def new_key(deployment: Deployment, tmp_path: Path, name: str, limit: int = 100) -> str:
    printed = kmzb_admin(
        deployment,
        tmp_path,
        "open311",
        "keys",
        "create",
        "--name",
        name,
        "--daily-limit",
        str(limit),
    )
    return printed.strip().splitlines()[-1]


def post(api: str, key: str | None, ip: str, fmt: str = "json", **fields: Any) -> Any:
    form: dict[str, Any] = {"service_code": "illegal_parking", "lat": KRAKOW[0], "long": KRAKOW[1]}
    if key is not None:
        form["api_key"] = key
    form.update(fields)
    return requests.post(
        f"{api}/requests.{fmt}", data=form, headers={"X-Forwarded-For": ip}, timeout=30
    )


def only_error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    assert set(body[0]) == {"code", "description"}
    assert body[0]["code"] == response.status_code
    return dict(body[0])


def test_a_pypi_client_posts_with_a_kmzb_admin_key_and_the_report_is_like_any_other(
    api: str, notifying: Deployment, tmp_path: Path
) -> None:
    from civicbot.http import HttpTransport, RateLimiter
    from civicbot.open311 import CONFIRM_TOKEN, Open311Client
    from civicbot.registry import Endpoint

    key = new_key(notifying, tmp_path, "Zarząd Dróg Miasta Krakowa")
    listing = kmzb_admin(notifying, tmp_path, "open311", "keys", "list")
    assert "Zarząd Dróg Miasta Krakowa" in listing and key not in listing
    _inbox(notifying, "kmp-1261")

    endpoint = Endpoint(id="kmzb", name="KMZB", base_url=api, write=True)
    client = Open311Client(endpoint, HttpTransport(rate_limiter=RateLimiter(min_interval=0)))
    sent = client.create_request(
        "illegal_parking",
        dry_run=False,
        confirm=CONFIRM_TOKEN,
        api_key=key,
        lat=KRAKOW[0],
        lng=KRAKOW[1],
        description="Samochody na chodniku",
        email="jan@example.com",
        attributes={"time_of_day": "night", "days_of_week": ["sat", "fri"]},
    )
    [answer] = sent.response
    report_id = answer["service_request_id"]
    assert answer["token"] is None
    assert "KMP" in answer["service_notice"] or "Kraków" in answer["service_notice"]
    secret = notifying.client_key_secret
    assert reports.tracking_token(secret, report_id) not in json.dumps(sent.response)

    stored = notifying.store.get(report_id)
    assert stored is not None
    assert (stored.category, stored.unit_id, stored.status) == (
        "illegal_parking",
        "kmp-1261",
        "new",
    )
    assert stored.description == "Samochody na chodniku"
    assert (stored.time_of_day, stored.days_of_week) == ("night", ("fri", "sat"))
    assert "jan@example.com" not in repr(stored)  # the reporter's e-mail is not kept

    # The same stream and notification path as /v1/reports.
    assert _pump(notifying, tmp_path / "checkpoint.json").poll() == 1
    (message,) = _read(notifying)
    assert message.attributes["event"] == "report_created"
    assert message.sms.endswith(report_id)


def test_a_revoked_or_unknown_key_is_403_and_a_missing_one_400_and_nothing_is_stored(
    api: str, notifying: Deployment, tmp_path: Path
) -> None:
    key = new_key(notifying, tmp_path, "Straż Miejska")
    digest_id = kmzb_admin(notifying, tmp_path, "open311", "keys", "list").splitlines()[1]
    printed = kmzb_admin(notifying, tmp_path, "open311", "keys", "revoke", digest_id.split()[0])
    assert printed.startswith("revoked key")
    listing = kmzb_admin(notifying, tmp_path, "open311", "keys", "list")
    assert listing.splitlines()[1].split("\t")[-1] != "-"  # revoked at

    for n, given in enumerate((key, "kmzb311_" + "A" * 43, "not-a-key", key + "x")):
        response = post(api, given, f"192.0.2.{n + 1}")
        assert response.status_code == 403, response.text
        assert "api_key" in only_error(response)["description"]
    response = post(api, key, "192.0.2.9", fmt="xml")
    assert response.status_code == 403
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root[0].tag == "error" and root[0].findtext("code") == "403"
    response = post(api, None, "192.0.2.10")
    assert response.status_code == 400 and "api_key" in only_error(response)["description"]
    # None of them was stored: each of these addresses can still report today.
    fresh = new_key(notifying, tmp_path, "Nadleśnictwo")
    for n in (1, 2, 9, 10):
        assert post(api, fresh, f"192.0.2.{n}").status_code == 201


def test_the_key_ceiling_and_the_address_limit_are_charged_with_the_report_or_not_at_all(
    api: str, notifying: Deployment, tmp_path: Path
) -> None:
    key = new_key(notifying, tmp_path, "Miasto", limit=2)
    assert post(api, key, "198.51.100.1").status_code == 201
    # The address limit (one report per address and Warsaw day) still applies...
    again = post(api, key, "198.51.100.1")
    assert again.status_code == 429, again.text
    assert int(again.headers["Retry-After"]) > 0
    only_error(again)
    # ...and that refusal did not use the key's ceiling of 2.
    assert post(api, key, "198.51.100.2").status_code == 201
    full = post(api, key, "198.51.100.3", fmt="xml")
    assert full.status_code == 429 and int(full.headers["Retry-After"]) > 0
    assert "2" in (ET.fromstring(full.content).findtext("error/description") or "")
    # The ceiling's refusal did not use that address's report of the day.
    other = new_key(notifying, tmp_path, "Gmina")
    assert post(api, other, "198.51.100.3").status_code == 201


def test_bad_requests_answer_in_open311_terms(
    api: str, notifying: Deployment, tmp_path: Path
) -> None:
    key = new_key(notifying, tmp_path, "Powiat")
    unknown = post(api, key, "203.0.113.1", service_code="no_such_service")
    assert unknown.status_code == 404, unknown.text
    only_error(unknown)
    address_only = requests.post(
        f"{api}/requests.json",
        data={"api_key": key, "service_code": "illegal_parking", "address_string": "Rynek 1"},
        timeout=30,
    )
    assert address_only.status_code == 400
    assert (
        "geocode" in only_error(address_only)["description"]
        or "adres" in (only_error(address_only)["description"])
    )
    invalid = post(api, key, "203.0.113.2", **{"attribute[time_of_day]": "teatime"})
    assert invalid.status_code == 400
    only_error(invalid)
    outside = post(api, key, "203.0.113.3", lat="48.0", long="10.0")
    assert outside.status_code == 400
    as_json = requests.post(f"{api}/requests.json", json={"api_key": key}, timeout=30)
    assert as_json.status_code == 400
    in_query = requests.post(
        f"{api}/requests.json?api_key={key}", data={"service_code": "x"}, timeout=30
    )
    assert in_query.status_code == 400 and "api_key" in only_error(in_query)["description"]
    wrong_document = requests.post(f"{api}/services.json", data={"api_key": key}, timeout=30)
    assert wrong_document.status_code == 404
    english = requests.post(
        f"{api}/requests.json", data={"api_key": key}, headers={"Accept-Language": "en"}, timeout=30
    )
    assert only_error(english)["description"] == "Parameter service_code is missing."

    created = post(api, key, "203.0.113.4", fmt="xml")
    assert created.status_code == 201, created.text
    assert created.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(created.content)
    assert root.tag == "service_requests"
    [request] = list(root)
    assert [c.tag for c in request] == ["service_request_id", "service_notice", "token"]
    assert notifying.store.get(request.findtext("service_request_id") or "") is not None
