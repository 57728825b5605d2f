"""Every officer input at its extremes gets a clear 4xx in the error format: never a 500 (a date
that overflows), never a 503 (a value DynamoDB refuses), never silently clamped or ignored."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.deployment import Deployment, use
from infra.engines import Engine
from tests.integration.conftest import FakeClock, make_settings
from tests.integration.test_officers import auth, get, move, send
from tests.integration.test_officers import report as post_report
from tests.integration.test_submission import answer

_ADDRESSES = itertools.count(1)


@pytest.fixture(scope="module")
def shared(dynamodb: Engine, data_dir: Path, router: Any) -> Iterator[Deployment]:
    """One deployment for the whole module: these cases only read, or change a report of
    their own, so fresh tables per case would only cost time."""
    here = Deployment(
        make_settings(dynamodb.url, data_dir),
        clock=FakeClock(datetime(2026, 6, 10, 10, tzinfo=UTC)),
    )
    here.__dict__["router"] = router
    here.store.create_tables()
    yield here


@pytest.fixture
def deployment(shared: Deployment) -> Iterator[Deployment]:
    use(shared)
    yield shared
    use(None)


def report(client: Any) -> str:
    """A new report of Kraków from a client address of its own (one report a day each)."""
    n = next(_ADDRESSES)
    return post_report(client, ip=f"2001:db8:{n // 65536:x}:{n % 65536:x}::1")


def _count(deployment: Deployment) -> int:
    return sum(1 for _ in deployment.store.Report.scan(consistent_read=True))


HUGE = "9" * 400
LONG = "x" * 5000

# (parameter, value): each alone must be a 400 on GET /v1/officer/reports.
BAD_LIST_PARAMETERS = [
    *[
        (name, value)
        for name in ("from", "to")
        for value in (
            "0001-01-01",  # was a 500 (OverflowError)
            "9999-12-31",  # the day after overflows
            "1999-12-31",
            "2100-01-01",
            "2026-13-01",
            "2026-02-30",
            "2026-00-10",
            "20261129",  # other ISO 8601 forms Python would accept
            "2026-W48-1",
            "2026-11-29T00:00",
            "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0669",  # Arabic-Indic digits
            " 2026-11-29",
            "2026-11-29\u0000",
            "-2026-11-29",
            "+12026-11-29",
            LONG,
        )
    ],
    *[
        ("limit", value)
        for value in (
            "0",
            "-1",
            "-99999999999",
            "101",
            HUGE,
            "1e3",
            "1.5",
            "\u0665",  # Arabic-Indic five: int() would take it
            "5_0",  # int() would take it
            " 5",
            "+5",
            "abc",
            "0x10",
            "NaN",
            "Infinity",
            LONG,
        )
    ],
    *[
        ("status", value)
        for value in ("Zamknięte", "nowe", "Nowe\u0000", "Nowe ", "\ud7ff" * 10, LONG)
    ],
    *[("category", value) for value in ("nope", "SPEEDING", "ż" * 3000, "speeding\n")],
    *[("overdue", value) for value in ("yes", "TRUE", "1", "0", LONG)],
    *[("unit", value) for value in ("0000", "kmp-9999", "ü", "../1261", "12 61", LONG)],
    *[
        ("cursor", value)
        for value in (
            "!!!",
            "bm9wZQ",
            "a.b",
            "żółw",
            "e30." + "A" * 22,  # "{}" with a made-up signature
            LONG,
            "A" * 1600 + "." + "A" * 22,
        )
    ],
    ("unknown", "1"),
    ("from_date", "2026-01-01"),
]


def _query(**params: str) -> str:
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in params.items())


def _assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.body
    error = answer(response)["error"]
    assert error["code"] and error["message"] and error["message_en"]
    return dict(error)


@pytest.mark.parametrize(("name", "value"), BAD_LIST_PARAMETERS)
@pytest.mark.parametrize("role", ["officer", "admin"])
def test_every_list_parameter_at_its_extremes_is_a_400(
    client: Any, name: str, value: str, role: str
) -> None:
    params = {name: value}
    if role == "admin" and name != "unit":
        params["unit"] = "1261"
    response = get(client, f"/v1/officer/reports?{_query(**params)}", auth(role))
    _assert_error(response, 400)


@pytest.mark.parametrize(
    ("start", "end"), [("2026-06-10", "2026-06-01"), ("2099-12-31", "2000-01-01")]
)
def test_a_reversed_range_is_a_400(client: Any, start: str, end: str) -> None:
    response = get(client, f"/v1/officer/reports?from={start}&to={end}", auth())
    assert _assert_error(response, 400)["code"] == "invalid_range"


@pytest.mark.parametrize(
    "query",
    [
        "from=2000-01-01",
        "to=2099-12-31",
        "from=2000-01-01&to=2099-12-31",
        "limit=1",
        "limit=100",
        "limit=007",
        "overdue=false",
        "status=%C5%BBart%20lub%20pomy%C5%82ka",
        "unit=1261",
        "unit=kmp-1261",
    ],
)
def test_the_edges_of_every_range_are_accepted(client: Any, query: str) -> None:
    report(client)
    response = get(client, f"/v1/officer/reports?{query}", auth())
    assert response.status_code == 200, response.body
    assert isinstance(answer(response)["items"], list)


def test_an_admin_must_choose_a_unit(client: Any) -> None:
    response = get(client, "/v1/officer/reports", auth("admin"))
    assert _assert_error(response, 400)["code"] == "unit_required"


def test_an_officer_cannot_list_another_unit_by_naming_it(client: Any) -> None:
    for unit in ("2061", "kmp-2061", "1263"):
        response = get(client, f"/v1/officer/reports?unit={unit}", auth())
        assert _assert_error(response, 403)["code"] == "forbidden"


@pytest.mark.parametrize(
    "report_id",
    [
        "x",
        "0" * 300,
        "01ARZ3NDEKTSV4RRFFQ69G5FA",  # 25 characters
        "01ARZ3NDEKTSV4RRFFQ69G5FAVU",  # 27 characters; U is not Crockford
        "01arz3ndektsv4rrffq69g5fav",  # lower case
        "%C5%BC%C3%B3%C5%82w",
        "%ED%A0%80",  # an encoded lone surrogate
        "%00",
    ],
)
@pytest.mark.parametrize("suffix", ["", "/candidates"])
def test_a_report_id_that_is_not_one_is_404_without_a_lookup(
    client: Any, report_id: str, suffix: str
) -> None:
    response = get(client, f"/v1/officer/reports/{report_id}{suffix}", auth())
    assert _assert_error(response, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "verifying", "version": 10**40}, 400),  # DynamoDB refuses 39 digits
        ({"status": "verifying", "version": 2**31}, 400),
        ({"status": "verifying", "version": 0}, 400),
        ({"status": "verifying", "version": -1}, 400),
        ({"status": "verifying", "version": 1.5}, 400),  # 1.0 is 1 (test_schemathesis_found)
        ({"status": "verifying", "version": True}, 400),
        ({"status": "verifying", "version": None}, 400),
        ({"status": "verifying", "version": 1, "note": "\ud800"}, 422),  # a lone surrogate
        ({"status": "verifying", "version": 1, "note": "a\u0000b"}, 422),
        ({"status": "verifying", "version": 1, "note": "a\u0085b"}, 422),
        ({"status": "verifying", "version": 1, "note": "x" * 1001}, 422),
        ({"status": "verifying", "version": 1, "note": 5}, 400),
        ({"status": "verifying", "version": 1, "stauts": "x"}, 422),  # unknown field
        ({"status": "x" * 5000, "version": 1}, 422),
        ({"status": ["verifying"], "version": 1}, 400),
    ],
)
def test_a_status_change_at_its_extremes_is_refused_and_changes_nothing(
    client: Any, deployment: Any, body: dict[str, Any], status: int
) -> None:
    report_id = report(client)
    response = send(client, f"/v1/officer/reports/{report_id}/status", body, auth())
    _assert_error(response, status)
    stored = deployment.store.get(report_id)
    assert (stored.status, stored.status_version) == ("new", 1)
    assert deployment.store.audit(report_id) == []


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("notes", {"text": "\ud800"}, 422),
        ("notes", {"text": "\u200b\ufeff \u00a0\u3000"}, 422),  # blank once invisibles go
        ("notes", {"text": "x" * 1001}, 422),
        ("notes", {"text": None}, 422),
        ("notes", {"txt": "a"}, 422),
        ("notes", [], 400),
        ("notes", {"text": "\u2800\u3164\u115f\u1160\uffa0"}, 422),  # blank: fillers
        ("notes", {"text": "\u200e\u200f\u034f\ufe0f\U000e0020"}, 422),  # blank: marks, tags
        ("notes", {"text": "notatka \u202e odwrócona"}, 422),  # bidi override: Trojan source
        ("notes", {"text": "a \u2066izolat\u2069 b"}, 422),
        ("assign", {"assignee": "a\nb", "version": 1}, 422),
        ("assign", {"assignee": "No\u202ewak", "version": 1}, 422),
        ("assign", {"assignee": "Now\u2067ak", "version": 1}, 422),
        ("assign", {"assignee": "x" * 201, "version": 1}, 422),
        ("assign", {"assignee": "Nowak", "version": 10**40}, 400),
        ("duplicate", {"original_id": "x" * 5000, "version": 1}, 422),
        ("duplicate", {"original_id": "%00", "version": 1}, 422),
        ("duplicate", {"original_id": "\ud800" * 26, "version": 1}, 422),
        ("duplicate", {"original_id": 5, "version": 1}, 400),
    ],
)
def test_other_changes_at_their_extremes_are_refused(
    client: Any, deployment: Any, path: str, body: Any, status: int
) -> None:
    report_id = report(client)
    response = send(client, f"/v1/officer/reports/{report_id}/{path}", body, auth("coordinator"))
    _assert_error(response, status)
    assert deployment.store.audit(report_id) == []


@pytest.mark.parametrize(
    "institution",
    [
        "",
        "   ",
        "\ufeff",
        "\u200b\u200c\u200d",
        "\u00a0\u2060\u3000",
        "\t\n",
        None,
        "\u2800",
        "\u3164\uffa0",
        "\u200e\u202a\u2066",
        "\U000e0020",
    ],
)
def test_handing_over_to_a_blank_institution_is_refused(
    client: Any, deployment: Any, institution: str | None
) -> None:
    report_id = report(client)
    officer = auth()
    assert move(client, report_id, "verifying", 1, officer).status_code == 200
    assert move(client, report_id, "confirmed", 2, officer).status_code == 200
    more = {} if institution is None else {"institution": institution}
    refused = move(client, report_id, "confirmed_handed_over", 3, officer, **more)
    assert _assert_error(refused, 422)["code"] == "institution_required"
    assert deployment.store.get(report_id).status == "confirmed"


@pytest.mark.parametrize("institution", ["Zarząd\u202e Dróg", "\u2066ZDMK\u2069 Kraków"])
def test_an_institution_with_bidi_controls_is_refused(
    client: Any, deployment: Any, institution: str
) -> None:
    report_id = report(client)
    officer = auth()
    move(client, report_id, "verifying", 1, officer)
    move(client, report_id, "confirmed", 2, officer)
    refused = move(
        client,
        report_id,
        "confirmed_handed_over",
        3,
        officer,
        institution=institution,
    )
    assert _assert_error(refused, 422)["code"] == "invalid_characters"
    assert deployment.store.get(report_id).status == "confirmed"


@pytest.mark.parametrize("assignee", ["\u2800", "\u3164 \u115f", "\u200f\ufe0f", None, ""])
def test_an_assignee_of_invisible_characters_unassigns(
    client: Any, deployment: Any, assignee: Any
) -> None:
    report_id = report(client)
    coordinator = auth("coordinator")
    path = f"/v1/officer/reports/{report_id}/assign"
    assert send(client, path, {"assignee": "Nowak", "version": 1}, coordinator).status_code == 200
    version = deployment.store.get(report_id).status_version
    assert deployment.store.get(report_id).assignee == "Nowak"
    unassigned = send(client, path, {"assignee": assignee, "version": version}, coordinator)
    assert unassigned.status_code == 200, unassigned.text
    assert deployment.store.get(report_id).assignee is None


def test_an_institution_is_stored_trimmed_of_invisible_characters(client: Any) -> None:
    report_id = report(client)
    officer = auth()
    move(client, report_id, "verifying", 1, officer)
    move(client, report_id, "confirmed", 2, officer)
    handed = move(
        client,
        report_id,
        "confirmed_handed_over",
        3,
        officer,
        institution="\ufeff Zarząd Dróg Miasta Krakowa\u200b ",
    )
    assert answer(handed)["handed_to"] == "Zarząd Dróg Miasta Krakowa"


CONSULTATION = {
    "category": "public_drinking",
    "lat": 50.0614,
    "lon": 19.9366,
    "meeting_date": "2026-06-09",
    "meeting_place": "Debata społeczna, Rada Dzielnicy I",
}


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"meeting_date": "0001-01-01"}, 422),
        ({"meeting_date": "9999-12-31"}, 422),
        ({"meeting_date": "1999-12-31"}, 422),
        ({"meeting_date": "2026-06-11"}, 422),  # tomorrow in Warsaw
        ({"meeting_date": "2026-06-09T01:00:00+01:00"}, 422),
        ({"meeting_date": "09.06.2026"}, 422),
        ({"meeting_date": "20260609"}, 422),
        ({"meeting_date": "2026-02-30"}, 422),
        ({"meeting_date": ""}, 422),
        ({"meeting_date": 20260609}, 400),
        ({"meeting_place": "\u200b\ufeff "}, 422),
        ({"meeting_place": "\u2800\u3164"}, 422),
        ({"meeting_place": "\u200e\U000e0020\u034f"}, 422),
        ({"meeting_place": "Rada\u202e Dzielnicy"}, 422),
        ({"description": "opis \u2067x\u2069"}, 422),
        ({"meeting_place": "x" * 201}, 422),
        ({"description": "\ud800"}, 422),
        ({"description": "x" * 501}, 422),
        ({"lat": 1e400}, 400),  # JSON's huge number is Infinity in Python
        ({"lat": 10**400}, 422),
        ({"when": "today"}, 422),
    ],
)
def test_a_consultation_at_its_extremes_is_refused(
    client: Any, deployment: Any, changes: dict[str, Any], status: int
) -> None:
    before = _count(deployment)
    response = send(client, "/v1/officer/consultations", {**CONSULTATION, **changes}, auth())
    _assert_error(response, status)
    assert _count(deployment) == before


def test_a_consultation_date_is_a_date_and_comes_back_as_that_date(client: Any) -> None:
    created = send(
        client, "/v1/officer/consultations", {**CONSULTATION, "meeting_date": "2026-06-10"}, auth()
    )
    assert created.status_code == 201
    detail = answer(created)
    assert detail["meeting_date"] == "2026-06-10"  # the day itself, no time, no zone
    again = answer(get(client, f"/v1/officer/reports/{detail['id']}", auth()))
    assert again["meeting_date"] == "2026-06-10"
