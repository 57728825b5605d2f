"""Warsaw wall-clock times become the instants a Warsaw clock shows them at."""

from datetime import UTC, datetime

import pytest

from chalicelib.wallclock import NonexistentTime, warsaw_instant


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        ("2026-01-15T12:00", "2026-01-15T11:00"),  # winter, +01:00
        ("2026-07-15T12:00", "2026-07-15T10:00"),  # summer, +02:00
        ("2026-10-25T01:30", "2026-10-24T23:30"),  # DST ends that night: still +02:00
        ("2026-10-25T02:30", "2026-10-25T00:30"),  # the repeated hour: the earlier, +02:00
        ("2026-10-25T03:30", "2026-10-25T02:30"),  # after the change, +01:00
        ("2026-03-29T01:59", "2026-03-29T00:59"),  # just before the gap, +01:00
        ("2026-03-29T03:00", "2026-03-29T01:00"),  # just after the gap, +02:00
        ("2027-03-28T04:00", "2027-03-28T02:00"),
    ],
)
def test_wall_time_uses_the_offset_in_force_then(wall, utc):
    instant = warsaw_instant(datetime.fromisoformat(wall))
    assert instant == datetime.fromisoformat(utc).replace(tzinfo=UTC)


@pytest.mark.parametrize("wall", ["2026-03-29T02:00", "2026-03-29T02:30", "2027-03-28T02:59"])
def test_a_time_in_the_spring_gap_is_refused(wall):
    with pytest.raises(NonexistentTime):
        warsaw_instant(datetime.fromisoformat(wall))
