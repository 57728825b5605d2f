"""The OpenAPI document states what the server enforces: its bounding box is the data's, its
text patterns agree with the server's text rules, every operation is named and tagged, and
every error answer is the shared Problem schema (schemathesis then checks it over HTTP)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib import officers
from chalicelib.errors import DomainError
from chalicelib.openapi import DOCUMENT, POLAND_BOX, PROBLEM, text


def _points(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    found: list[tuple[float, float]] = []

    def walk(value: Any) -> None:
        if isinstance(value[0], int | float):
            found.append((value[1], value[0]))
        else:
            for item in value:
                walk(item)

    walk(geometry["coordinates"])
    return found


def test_the_bounding_box_is_the_smallest_around_every_point_the_router_accepts(
    data_dir: Path,
) -> None:
    points: list[tuple[float, float]] = []
    for name in ("powiaty", "terytorium"):
        layer = json.loads((data_dir / "boundaries" / f"{name}.geojson").read_text())
        for feature in layer["features"]:
            # terytorium's zones abroad (inside a powiat polygon) are refused.
            if feature["properties"].get("kind") != "abroad":
                points.extend(_points(feature["geometry"]))
    for index, axis in enumerate(("lat", "lon")):
        low, high = POLAND_BOX[axis]
        values = [p[index] for p in points]
        # Every accepted point inside the box, the box at most 0.01 degrees wider.
        assert low <= min(values) < low + 0.01, axis
        assert high - 0.01 < max(values) <= high, axis


def test_the_day_pattern_is_the_server_s_range() -> None:
    assert (officers.FIRST_DAY.isoformat(), officers.LAST_DAY.isoformat()) == (
        "2000-01-01",
        "2099-12-31",
    )


def _server_reads(value: str, limit: int, multiline: bool, required: bool) -> bool:
    try:
        officers._text({"f": value}, "f", limit, multiline=multiline, required=required)
    except DomainError:
        return False
    return True


TEXTS = [
    "",
    " ",
    "\u2800",
    "\u3164\u200b",
    "a",
    " a ",
    "\ta\n",
    "a\tb",
    "a\nb",
    "a\r\nb",
    "a\u202eb",
    "\u202ea",
    "a\u2066",
    "a\x00b",
    "a\x0bb",
    "a\x85b",
    "zażółć gęślą jaźń",
    "😀",
]


@pytest.mark.parametrize("multiline", [True, False])
@pytest.mark.parametrize("required", [True, False])
def test_a_text_pattern_accepts_what_the_server_accepts(multiline: bool, required: bool) -> None:
    limit = 5
    pattern = text(limit, multiline=multiline, blank_allowed=not required, description="")
    cases = [
        *TEXTS,
        "x" * limit,
        "x" * (limit + 1),
        f"  {'x' * limit}\n ",
        f"x{' ' * (limit - 2)}x",
    ]
    for value in cases:
        stated = re.search(pattern["pattern"], value) is not None
        assert stated == _server_reads(value, limit, multiline, required), repr(value)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_operation_has_a_unique_operation_id_and_a_tag() -> None:
    ids = [operation["operationId"] for _, _, operation in _operations()]
    assert len(ids) == len(set(ids))
    known = {tag["name"] for tag in DOCUMENT["tags"]}
    for _, _, operation in _operations():
        assert operation["tags"] and set(operation["tags"]) <= known


def test_every_error_answer_is_a_problem_document() -> None:
    for path, method, operation in _operations():
        if path.startswith("/open311/"):
            continue  # the GeoReport v2 specification's errors (docs/OPEN311.md)
        for status, response in operation["responses"].items():
            if int(status) < 400:
                assert PROBLEM not in response.get("content", {})
                continue
            schema = response["content"][PROBLEM]["schema"]
            assert schema["allOf"][0]["$ref"] in (
                "#/components/schemas/Problem",
                "#/components/schemas/Conflict",
            ), (path, method, status)
            assert schema["allOf"][1] == {"properties": {"status": {"const": int(status)}}}


def test_every_query_parameter_must_have_a_value() -> None:
    for _, _, operation in _operations():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter["schema"].get("type") == "string":
                assert parameter["schema"]["minLength"] == 1


OCCURRED = [
    "2026-07-01T18:30:00+02:00",
    "2026-01-15T18:30+01:00",
    "2026-01-15T18:30Z",
    "2026-01-15T18:30:00.123456+00:00",
    "1999-12-31T23:00Z",
    "2026-13-01T00:00Z",
    "2026-01-01T24:00Z",
    "2026-01-01T10:00:60Z",
    "2026-07-01T18:30:00-00:00",
    "2026-07-01T18:30:00+03:00",
    "2026-07-01T18:30:00",
    "2026-07-01",
    "2026-07-01T18:30:00+02:00\x00",
]


@pytest.mark.parametrize("value", OCCURRED)
def test_the_occurred_at_pattern_refuses_only_what_the_server_refuses(value: str) -> None:
    """Whatever the server accepts matches the pattern, and what the pattern refuses the
    server refuses (what it cannot state, the offset in force on a day, stays a 422)."""
    from datetime import UTC, datetime

    from chalicelib import reports
    from chalicelib.openapi import SCHEMAS

    pattern = SCHEMAS["Submission"]["properties"]["occurred_at"]["pattern"]
    try:
        reports.parse_occurred_at(value, datetime(2026, 11, 30, 12, tzinfo=UTC))
        accepted = True
    except DomainError:
        accepted = False
    # Accepted implies stated; refused by the pattern implies refused by the server.
    assert re.search(pattern, value) is not None or not accepted


def test_a_tracking_token_and_a_report_id_match_their_patterns() -> None:
    from datetime import UTC, datetime

    from chalicelib import reports
    from chalicelib.openapi import ID, TRACKING_TOKEN

    for n in range(50):
        report_id = reports.new_report_id(datetime(2026, 1, 1, n % 24, tzinfo=UTC))
        assert re.search(ID["pattern"], report_id)
        assert re.search(TRACKING_TOKEN["pattern"], reports.tracking_token(bytes([n]), report_id))
