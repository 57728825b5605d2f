"""The KMZB status catalogue: stable codes, names, colours and public visibility, written once.

Codes are what is stored, indexed (`unit_status` = `<unit id>#<code>`), published in the feed
and exchanged through the API; names are only shown. `GET /v1/statuses` serves
`catalogue()`; the map and the panel read it instead of keeping copies. Until release 2 ends
the API also accepts the Polish labels that were stored before (`LEGACY_LABELS`) and the old
`time_of_day` values (`LEGACY_TIMES_OF_DAY`), mapped to codes, and says so with a
`Deprecation` header (`DEPRECATION_HEADER`, RFC 9745). `kmzb-admin migrate`
(infra/migrate.py) rewrites stored labels to codes.

Imports nothing but the standard library: every layer may use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Public(StrEnum):
    """When a report in a status may appear on the public map (categories may restrict more)."""

    ALWAYS = "always"
    NEVER = "never"
    # While its last change is at most `public_days` old.
    RECENTLY_CHANGED = "recently_changed"


@dataclass(frozen=True)
class Status:
    code: str
    name_pl: str
    name_en: str
    colour: str  # the map's and the panel's marker colour, #rrggbb
    public: Public
    closed: bool  # nothing left to do: no confirmations, assignments or duplicates of it
    legacy_label: str  # the Polish label stored and accepted before the codes
    public_days: int | None = None  # with Public.RECENTLY_CHANGED
    confirmed: bool = False  # the "confirmed" family (categories shown only once confirmed)
    glyph: str | None = None  # drawn on the marker, for readers who cannot tell colours
    note_pl: str | None = None  # what the status means for the public, briefly
    note_en: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name_pl": self.name_pl,
            "name_en": self.name_en,
            "colour": self.colour,
            "public": self.public.value,
            "public_days": self.public_days,
            "closed": self.closed,
            "confirmed": self.confirmed,
            "glyph": self.glyph,
            "note_pl": self.note_pl,
            "note_en": self.note_en,
        }


NEW = "new"
VERIFYING = "verifying"
CONFIRMED = "confirmed"
NOT_CONFIRMED = "not_confirmed"
PRANK_OR_MISTAKE = "prank_or_mistake"
CONFIRMED_ELIMINATED = "confirmed_eliminated"
CONFIRMED_HANDED_OVER = "confirmed_handed_over"

# In workflow order (also the legend's and the feed dictionary's order).
STATUSES: tuple[Status, ...] = (
    Status(NEW, "Nowe", "New", "#2e7d32", Public.ALWAYS, closed=False, legacy_label="Nowe"),
    Status(
        VERIFYING,
        "Weryfikacja",
        "Under verification",
        "#f9c80e",
        Public.ALWAYS,
        closed=False,
        legacy_label="Weryfikacja",
    ),
    Status(
        CONFIRMED,
        "Potwierdzone",
        "Confirmed",
        "#c62828",
        Public.ALWAYS,
        closed=False,
        legacy_label="Potwierdzone",
        confirmed=True,
    ),
    Status(
        NOT_CONFIRMED,
        "Niepotwierdzone",
        "Not confirmed",
        "#8a8a8a",
        Public.RECENTLY_CHANGED,
        closed=True,
        legacy_label="Niepotwierdzone",
        public_days=7,
    ),
    Status(
        PRANK_OR_MISTAKE,
        "Żart lub pomyłka",
        "Prank or mistake",
        "#7b3fa0",
        Public.NEVER,
        closed=True,
        legacy_label="Żart lub pomyłka",
    ),
    Status(
        CONFIRMED_ELIMINATED,
        "Potwierdzone (wyeliminowane)",
        "Confirmed (eliminated)",
        "#1565c0",
        Public.RECENTLY_CHANGED,
        closed=True,
        legacy_label="Potwierdzone (wyeliminowane)",
        public_days=30,
        confirmed=True,
        glyph="✓",
        note_pl="zagrożenie usunięte",
        note_en="the threat has been removed",
    ),
    Status(
        CONFIRMED_HANDED_OVER,
        "Potwierdzone (przekazane poza Policję)",
        "Confirmed (handed over outside the Police)",
        "#8d5a2b",
        Public.ALWAYS,
        closed=True,
        legacy_label="Potwierdzone (przekazane poza Policję)",
        confirmed=True,
        glyph="→",
        note_pl="sprawę prowadzi inna instytucja",
        note_en="another institution handles it",
    ),
)

CODES: tuple[str, ...] = tuple(s.code for s in STATUSES)
BY_CODE: dict[str, Status] = {s.code: s for s in STATUSES}
CLOSED: frozenset[str] = frozenset(s.code for s in STATUSES if s.closed)
OPEN: tuple[str, ...] = tuple(s.code for s in STATUSES if not s.closed)
CONFIRMED_FAMILY: frozenset[str] = frozenset(s.code for s in STATUSES if s.confirmed)
# Release 1's stored and accepted values: label -> code.
LEGACY_LABELS: dict[str, str] = {s.legacy_label: s.code for s in STATUSES}

# Times of day a citizen may give (`time_of_day`): code -> (Polish, English) name.
TIMES_OF_DAY: dict[str, tuple[str, str]] = {
    "morning": ("rano", "morning"),
    "day": ("dzień", "day"),
    "evening": ("wieczór", "evening"),
    "night": ("noc", "night"),
}
TIME_CODES: tuple[str, ...] = tuple(TIMES_OF_DAY)
LEGACY_TIMES_OF_DAY: dict[str, str] = {
    "rano": "morning",
    "dzien": "day",
    "wieczor": "evening",
    "noc": "night",
}

# RFC 9745: the old labels and times of day are deprecated since this instant (the release
# that introduced the codes), sent as `Deprecation: @<unix seconds>` where one was used.
DEPRECATED_SINCE = datetime(2026, 11, 30, tzinfo=UTC)
DEPRECATION_HEADER = "Deprecation"
DEPRECATION_VALUE = f"@{int(DEPRECATED_SINCE.timestamp())}"


def get(code: str) -> Status | None:
    return BY_CODE.get(code)


def name_pl(code: str) -> str:
    """The Polish name of a status code; an unknown code stands for itself."""
    status = BY_CODE.get(code)
    return status.name_pl if status else code


def name_en(code: str) -> str:
    """The English name of a status code; an unknown code stands for itself."""
    status = BY_CODE.get(code)
    return status.name_en if status else code


def names(code: str) -> dict[str, str]:
    """`{"status_pl", "status_en"}` for a response beside the code."""
    status = BY_CODE.get(code)
    return {
        "status_pl": status.name_pl if status else code,
        "status_en": status.name_en if status else code,
    }


def to_code(value: str) -> tuple[str | None, bool]:
    """An input status as (code, deprecated): a code as is, a release-1 label mapped (True);
    anything else (None, False)."""
    if value in BY_CODE:
        return value, False
    code = LEGACY_LABELS.get(value)
    return (code, True) if code else (None, False)


def time_to_code(value: str) -> tuple[str | None, bool]:
    """An input time of day as (code, deprecated), like `to_code`."""
    if value in TIMES_OF_DAY:
        return value, False
    code = LEGACY_TIMES_OF_DAY.get(value)
    return (code, True) if code else (None, False)


def stored_code(value: str) -> str:
    """A status as read from storage: a label not yet migrated reads as its code."""
    return LEGACY_LABELS.get(value, value)


def stored_time(value: str | None) -> str | None:
    """A time of day as read from storage, migrated or not."""
    return LEGACY_TIMES_OF_DAY.get(value, value) if value is not None else None


def stored_forms(codes: Iterable[str]) -> tuple[str, ...]:
    """The values a stored status in `codes` may hold until `kmzb-admin migrate` ran: the codes
    and their release-1 labels (for conditions and filters in DynamoDB)."""
    wanted = tuple(codes)
    return wanted + tuple(BY_CODE[c].legacy_label for c in wanted if c in BY_CODE)


def uses_legacy_values(query: Mapping[str, Any] | None, body: Any) -> bool:
    """Whether a request gave a release-1 value where a code is now expected: `?status=`, or a
    JSON body's `status` or `time_of_day`. The API then answers with the Deprecation header."""
    if query and query.get("status") in LEGACY_LABELS:
        return True
    if isinstance(body, dict):
        status, time = body.get("status"), body.get("time_of_day")
        return (isinstance(status, str) and status in LEGACY_LABELS) or (
            isinstance(time, str) and time in LEGACY_TIMES_OF_DAY
        )
    return False


def legacy_request(query: Mapping[str, Any] | None, raw_body: bytes | None) -> bool:
    """`uses_legacy_values` for an HTTP request as it arrived (the body JSON or not)."""
    body = None
    if raw_body and len(raw_body) <= 1 << 16:
        try:
            body = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError):
            body = None  # the route answers for a malformed body
    return uses_legacy_values(query, body)


def catalogue() -> dict[str, Any]:
    """GET /v1/statuses' answer: every status in workflow order, and the times of day."""
    return {
        "statuses": [s.as_dict() for s in STATUSES],
        "times_of_day": [
            {"code": code, "name_pl": pl, "name_en": en} for code, (pl, en) in TIMES_OF_DAY.items()
        ],
    }
