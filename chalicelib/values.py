"""Value types that several modules share: a stored report, what the feed reads of one, the
outcome of storing one, and the clock every job is given.

Imports only the standard library, never a service (storage, feed, stream, the deployment):
domain modules, storage and jobs all depend on this module, and it on none of them. Statuses
live in chalicelib.statuses, the same kind of module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import Enum

Clock = Callable[[], datetime]  # the current instant, timezone-aware

SOURCE_CITIZEN_WEB = "citizen_web"
SOURCE_CONSULTATION = "consultation"


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC, millisecond precision: sorts as text in DynamoDB keys."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Report:
    id: str
    category: str
    lat: float
    lon: float
    teryt: str
    powiat_name: str
    unit_id: str
    unit_name: str
    unit_teryt: str
    garrison: str
    status: str
    status_version: int
    created_at: datetime
    modified_at: datetime
    source: str = SOURCE_CITIZEN_WEB
    description: str | None = None
    occurred_at: datetime | None = None
    time_of_day: str | None = None
    days_of_week: tuple[str, ...] = field(default=())
    request_hash: str | None = None
    assignee: str | None = None
    duplicate_of: str | None = None
    handed_to: str | None = None
    meeting_date: str | None = None  # consultations (plane 2): when and where it was raised
    meeting_place: str | None = None
    confirmations: int = 0  # citizens who confirmed it instead of reporting it again


class InsertOutcome(Enum):
    STORED = "stored"
    LIMIT_REACHED = "limit_reached"
    ID_TAKEN = "id_taken"
    CEILING_REACHED = "ceiling_reached"  # an Open311 API key's daily ceiling


@dataclass(frozen=True)
class PublicReport:
    """What the feed reads of a stored report: the public attributes and what decides whether
    the public may see it. Descriptions, notes and anything about people are not among them."""

    id: str
    category: str
    status: str
    lat: float
    lon: float
    teryt: str
    garrison: str
    created_at: datetime
    modified_at: datetime
    occurred_at: datetime | None = None
    time_of_day: str | None = None
    days_of_week: tuple[str, ...] = ()
    confirmations: int = 0
    duplicate_of: str | None = None


# The attributes a feed build asks DynamoDB for (the Query projects only these).
PUBLIC_ATTRIBUTES = tuple(f.name for f in fields(PublicReport))
FeedInput = Report | PublicReport
