"""Page cursors are signed and bound to their query: any cursor the server did not issue for
this very query (unit, index, filters) is a 400 `invalid_cursor`, never a 503, and a cursor
can never make the query read another unit's reports."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from chalicelib import officers
from chalicelib.deployment import Deployment
from tests.integration.test_officers import BIALYSTOK, auth, get, report
from tests.integration.test_submission import answer

LIST = "/v1/officer/reports"


def _page(client: Any, query: str, headers: dict[str, str]) -> Any:
    return get(client, f"{LIST}?{query}", headers)


def _refused(response: Any) -> None:
    assert response.status_code == 400, response.body
    assert answer(response)["error"]["code"] == "invalid_cursor"


@pytest.fixture
def reports(client: Any) -> dict[str, list[str]]:
    krakow = [report(client, ip=f"203.0.113.{i}") for i in range(1, 4)]
    bialystok = [report(client, BIALYSTOK, f"203.0.113.{i}") for i in range(11, 14)]
    return {"1261": krakow, "2061": bialystok}


def test_pages_follow_one_another_to_the_end(client: Any, reports: dict[str, list[str]]) -> None:
    seen: list[str] = []
    query = "limit=1"
    while True:
        page = answer(_page(client, query, auth()))
        seen.extend(i["id"] for i in page["items"])
        if page["next_cursor"] is None:
            break
        query = f"limit=1&cursor={page['next_cursor']}"
    assert sorted(seen) == sorted(reports["1261"])  # each once (same instant: any order)


def test_a_cursor_is_bound_to_its_query(client: Any, reports: dict[str, list[str]]) -> None:
    cursor = answer(_page(client, "limit=1", auth()))["next_cursor"]
    assert _page(client, f"limit=2&cursor={cursor}", auth()).status_code == 200  # size may vary
    for other_query in (
        "status=new",  # another index
        "category=illegal_parking",
        "from=2026-06-01",
        "to=2026-06-30",
        "overdue=true",
    ):
        _refused(_page(client, f"limit=1&{other_query}&cursor={cursor}", auth()))


def test_another_units_cursor_is_refused(client: Any, reports: dict[str, list[str]]) -> None:
    bialystok = auth(unit="2061", garrison="podlaskie")
    theirs = answer(_page(client, "limit=1", bialystok))["next_cursor"]
    ours = answer(_page(client, "limit=1", auth()))["next_cursor"]
    _refused(_page(client, f"limit=1&cursor={theirs}", auth()))
    # Their position with our signature, and ours with theirs.
    _refused(_page(client, f"cursor={theirs.split('.')[0]}.{ours.split('.')[1]}", auth()))
    _refused(_page(client, f"cursor={ours.split('.')[0]}.{theirs.split('.')[1]}", auth()))
    # An admin's cursor for one unit does not page another.
    admin = auth("admin")
    krakow = answer(_page(client, "unit=1261&limit=1", admin))["next_cursor"]
    _refused(_page(client, f"unit=1263&limit=1&cursor={krakow}", admin))


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_an_edited_or_forged_cursor_is_refused(
    client: Any, deployment: Deployment, reports: dict[str, list[str]]
) -> None:
    cursor = answer(_page(client, "limit=1", auth()))["next_cursor"]
    raw, mac = cursor.split(".")
    flipped = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    forged_key = {
        "id": {"S": reports["2061"][0]},
        "unit_id": {"S": "kpp-2061"},
        "created_at": {"S": "2026-06-10T10:00:00.000Z"},
    }
    binding = ["kmp-1261", "", "", "", "", ""]
    for bad in (
        f"{flipped}.{mac}",
        f"{raw}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        raw,
        f"{raw}.",
        f".{mac}",
        f"{raw}.{mac}.{mac}",
        f"{_b64(forged_key)}.{mac}",
        f"{_b64({'id': {'N': '1'}})}.{mac}",
        # Well signed, but with another deployment's secret.
        officers.sign_cursor(b"another-deployments-secret", binding, raw),
        officers.sign_cursor(b"another-deployments-secret", binding, _b64(forged_key)),
    ):
        response = _page(client, f"limit=1&cursor={bad}", auth())
        _refused(response)


def test_only_a_valid_signature_reaches_the_database(deployment: Deployment) -> None:
    secret, binding = b"s" * 32, ["kmp-1261", "new", "", "2026-06-01", "", ""]
    signed = officers.sign_cursor(secret, binding, "eyJhIjogMX0")
    assert signed is not None
    assert officers.open_cursor(secret, binding, signed) == "eyJhIjogMX0"
    for changed in (
        ["kmp-2061", "new", "", "2026-06-01", "", ""],
        ["kmp-1261", "", "", "2026-06-01", "", ""],
        ["kmp-1261", "new", "speeding", "2026-06-01", "", ""],
        ["kmp-1261", "new", "", "2026-06-02", "", ""],
        ["kmp-1261", "new", "", "2026-06-01", "2026-06-30", ""],
        ["kmp-1261", "new", "", "2026-06-01", "", "overdue"],
    ):
        with pytest.raises(officers.InvalidCursor):
            officers.open_cursor(secret, changed, signed)
