"""The status catalogue: one source for codes, names, colours and public visibility; release-1
labels and times of day accepted on input (mapped to codes) and read from storage as codes."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib import statuses, workflow
from chalicelib.feed import publicly_visible
from chalicelib.reports import parse_submission
from tests.unit.test_feed import BASE

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
RELEASE_1 = {
    "Nowe": "new",
    "Weryfikacja": "verifying",
    "Potwierdzone": "confirmed",
    "Niepotwierdzone": "not_confirmed",
    "Żart lub pomyłka": "prank_or_mistake",
    "Potwierdzone (wyeliminowane)": "confirmed_eliminated",
    "Potwierdzone (przekazane poza Policję)": "confirmed_handed_over",
}
OLD_TIMES = {"rano": "morning", "dzien": "day", "wieczor": "evening", "noc": "night"}


def test_codes_are_stable_ascii_and_the_catalogue_serves_them_in_workflow_order() -> None:
    body = statuses.catalogue()
    codes = [s["code"] for s in body["statuses"]]
    assert codes == list(RELEASE_1.values()) == list(workflow.STATUSES)
    for status in body["statuses"]:
        assert status["code"].isascii() and status["code"].replace("_", "").isalpha()
        assert status["name_pl"] and status["name_en"]
        assert status["colour"].startswith("#") and len(status["colour"]) == 7
        assert status["public"] in {"always", "never", "recently_changed"}
        assert (status["public_days"] is not None) == (status["public"] == "recently_changed")
    assert [t["code"] for t in body["times_of_day"]] == ["morning", "day", "evening", "night"]
    json.dumps(body)  # served as JSON


def test_the_workflow_uses_the_catalogues_codes() -> None:
    assert {c for c in statuses.CODES if statuses.BY_CODE[c].closed} == workflow.CLOSED
    assert {frm for frm, _ in workflow.TRANSITIONS} | {to for _, to in workflow.TRANSITIONS} <= set(
        statuses.CODES
    )
    assert workflow.allowed_transitions("new", "officer") == ["verifying"]


@pytest.mark.parametrize(("label", "code"), RELEASE_1.items())
def test_a_release_1_label_maps_to_its_code_and_is_flagged_deprecated(
    label: str, code: str
) -> None:
    assert statuses.to_code(label) == (code, True)
    assert statuses.to_code(code) == (code, False)
    assert statuses.stored_code(label) == code == statuses.stored_code(code)
    assert statuses.name_pl(code) == label  # the names are release 1's labels
    assert statuses.uses_legacy_values({"status": label}, None)
    assert statuses.uses_legacy_values(None, {"status": label, "version": 1})
    assert not statuses.uses_legacy_values({"status": code}, {"status": code})


@pytest.mark.parametrize("value", ["nowe", "NEW", "New", "Nowe ", "", "potwierdzone", "closed"])
def test_anything_else_is_no_status(value: str) -> None:
    assert statuses.to_code(value) == (None, False)
    assert not statuses.uses_legacy_values({"status": value}, {"status": value})


@pytest.mark.parametrize(("old", "code"), OLD_TIMES.items())
def test_old_times_of_day_are_accepted_and_stored_as_codes(old: str, code: str) -> None:
    body = {"category": "speeding", "lat": 50.06, "lon": 19.94, "time_of_day": old}
    assert parse_submission(body, NOW).time_of_day == code
    assert parse_submission({**body, "time_of_day": code}, NOW).time_of_day == code
    assert statuses.stored_time(old) == code
    assert statuses.uses_legacy_values(None, body)
    assert not statuses.uses_legacy_values(None, {**body, "time_of_day": code})


def test_the_deprecation_header_is_rfc_9745s_date_form() -> None:
    value = statuses.DEPRECATION_VALUE
    assert value.startswith("@") and int(value[1:]) == int(statuses.DEPRECATED_SINCE.timestamp())


def test_the_site_server_passes_the_deprecation_header_on() -> None:
    from chalicelib.contract import RETURNED_HEADERS

    assert statuses.DEPRECATION_HEADER in RETURNED_HEADERS


def test_a_malformed_or_foreign_body_is_no_legacy_request() -> None:
    assert not statuses.legacy_request(None, b"{not json")
    assert not statuses.legacy_request(None, b"\xff\xfe")
    assert not statuses.legacy_request({}, b'["Nowe"]')
    assert statuses.legacy_request({}, json.dumps({"status": "Nowe"}).encode())


@pytest.mark.parametrize(
    ("code", "age_days", "public"),
    [
        ("new", 400, True),
        ("verifying", 400, True),
        ("confirmed", 400, True),
        ("confirmed_handed_over", 400, True),
        ("not_confirmed", 6, True),
        ("not_confirmed", 8, False),
        ("confirmed_eliminated", 29, True),
        ("confirmed_eliminated", 31, False),
        ("prank_or_mistake", 0, False),
        ("Nowe", 0, False),  # a label is no status of the feed: the store reads codes
    ],
)
def test_the_feed_follows_the_catalogues_visibility(code: str, age_days: int, public: bool) -> None:
    report = replace(BASE, status=code, modified_at=NOW - timedelta(days=age_days))
    assert publicly_visible(report, NOW) is public


def test_the_catalogue_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(statuses.__file__).read_text("utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "enum",
        "json",
        "typing",
    }
