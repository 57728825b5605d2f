"""Wall-clock times in Warsaw → instants, by the offset in force at that moment.

A time typed by a citizen or an officer ("2026-10-25 01:30") means Warsaw's clock on that day.
The browser (`static_site/wallclock.js`) and this module follow the same rules:

- the offset is the one in force at that wall time in Europe/Warsaw (IANA tz database):
  +01:00 in winter (CET), +02:00 in summer (CEST);
- a time in the spring gap (the last Sunday of March, 02:00-02:59) does not exist and is
  refused (`NonexistentTime`);
- a time in the autumn hour (the last Sunday of October, 02:00-02:59, which happens twice)
  takes the earlier instant, i.e. the summer offset +02:00 (Python's `fold=0`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


class NonexistentTime(ValueError):
    """The wall time falls in the spring-forward gap: Warsaw's clocks never show it."""


def warsaw_instant(wall: datetime) -> datetime:
    """The UTC instant of a naive wall-clock time in Warsaw.

    Raises NonexistentTime for a time in the spring gap; an ambiguous autumn time is the
    earlier of its two instants (+02:00).
    """
    local = wall.replace(tzinfo=WARSAW, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(WARSAW).replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise NonexistentTime(wall.isoformat())
    return instant


def warsaw_offset_at(instant: datetime) -> timedelta:
    """The UTC offset in force in Warsaw at an aware `instant`: +01:00 (CET) or +02:00 (CEST)
    in our era (the IANA tz database's rules, so also the right one for past years)."""
    offset = instant.astimezone(WARSAW).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset


def format_offset(offset: timedelta) -> str:
    """`+HH:MM` / `-HH:MM` as in ISO 8601 (whole minutes; seconds are dropped)."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"
