"""Warsaw wall-clock times become the instants a Warsaw clock shows them at.

The cases are shared with the browser's tests (tests/js/wallclock.test.mjs), so that
chalicelib/wallclock.py and static_site/wallclock.js cannot drift apart.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.wallclock import NonexistentTime, warsaw_instant

CASES = json.loads((Path(__file__).parents[1] / "wallclock_cases.json").read_text("utf-8"))


@pytest.mark.parametrize(
    "case", CASES["instants"], ids=[f"{c['wall']} ({c['note']})" for c in CASES["instants"]]
)
def test_wall_time_uses_the_offset_in_force_then(case):
    instant = warsaw_instant(datetime.fromisoformat(case["wall"]))
    assert instant == datetime.fromisoformat(case["utc"]).replace(tzinfo=UTC)


@pytest.mark.parametrize("wall", CASES["nonexistent"])
def test_a_time_in_the_spring_gap_is_refused(wall):
    with pytest.raises(NonexistentTime):
        warsaw_instant(datetime.fromisoformat(wall))


def test_the_shared_cases_cover_both_changes_and_the_gap():
    walls = [c["wall"] for c in CASES["instants"]]
    assert any(w.startswith("2026-10-25T02:") for w in walls)  # the repeated hour
    assert any(w.startswith("2026-03-29T") for w in walls)  # around the gap
    assert len(CASES["nonexistent"]) >= 3
