"""Citizen reports: validating a submission, storing it under the daily limit, following it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from chalicelib import categories, plaintext, statuses, workflow
from chalicelib.errors import (
    DailyLimitReached,
    ValidationFailed,
    known_fields,
    wrong_type,
)
from chalicelib.limits import limit_key, warsaw_day
from chalicelib.units import Placement, parse_coordinate
from chalicelib.values import (  # moved there (it imports no service); re-exported here
    SOURCE_CITIZEN_WEB,  # noqa: F401
    SOURCE_CONSULTATION,  # noqa: F401
    InsertOutcome,
    Report,
    iso,
)
from chalicelib.wallclock import format_offset, warsaw_offset_at

MAX_DESCRIPTION = 500
TIMES_OF_DAY = statuses.TIME_CODES  # morning, day, evening, night
DAYS_OF_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SUBMISSION_FIELDS = frozenset(
    {"category", "lat", "lon", "description", "occurred_at", "time_of_day", "days_of_week"}
)
# Phones and PCs drift; "not in the future" allows this much.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_OCCURRENCE = datetime(2000, 1, 1, tzinfo=UTC)
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Submission:
    category: str
    lat: float
    lon: float
    description: str | None = None
    occurred_at: datetime | None = None
    time_of_day: str | None = None
    days_of_week: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """A digest of the request's meaning, to tell a retry from a different request."""
        canonical = json.dumps(
            [
                self.category,
                self.lat,
                self.lon,
                self.description,
                iso(self.occurred_at) if self.occurred_at else None,
                self.time_of_day,
                list(self.days_of_week),
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def new_report(
    report_id: str,
    category: str,
    lat: float,
    lon: float,
    placement: Placement,
    now: datetime,
    **details: Any,
) -> Report:
    """A report as it arrives: status `new`, version 1, routed to the placement's unit."""
    return Report(
        id=report_id,
        category=category,
        lat=lat,
        lon=lon,
        teryt=placement.powiat.teryt,
        powiat_name=placement.powiat.name,
        unit_id=placement.unit.id,
        unit_name=placement.unit.name,
        unit_teryt=placement.unit.teryt,
        garrison=placement.garrison.id,
        status=workflow.NEW,
        status_version=1,
        created_at=now,
        modified_at=now,
        **details,
    )


# --- validation -------------------------------------------------------------


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise wrong_type(name, "string")
    return value


def clean_description(raw: str) -> str | None:
    """The description as stored (`plaintext.clean`: the browser trims and counts alike), or
    None when nothing but white space and invisible characters was typed; a 422 for control
    characters, bidi controls (`plaintext.has_forbidden_characters`) or more than
    `MAX_DESCRIPTION` code points."""
    text = plaintext.clean(raw)
    if plaintext.has_forbidden_characters(text, multiline=True):
        raise ValidationFailed("invalid_characters")
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed("description_too_long", limit=MAX_DESCRIPTION, length=len(text))
    return text or None


# Strict ISO 8601: date, `T`, HH:MM[:SS[.fraction]], then `Z` or ±HH:MM; ASCII digits only and
# nothing after it (no seconds in the offset, no trailing NUL, which CPython's fromisoformat
# would otherwise let through). Without an offset (or a time) it is a distinct error.
_OCCURRED_AT = re.compile(
    r"(?P<local>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?)"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?",
    re.ASCII,
)


def _bad_datetime() -> ValidationFailed:
    return ValidationFailed("invalid_datetime")


def parse_occurred_at(raw: str, now: datetime) -> datetime:
    """`occurred_at` as a UTC instant; any other text is a 422.

    Accepted: `YYYY-MM-DDTHH:MM[:SS[.ffffff]]` followed by `Z`, `+00:00`, or exactly the offset
    in force in Europe/Warsaw at that instant (`wallclock.warsaw_offset_at`: +01:00 in winter,
    +02:00 in summer). Anything else is refused: other syntax (`invalid_datetime`), no offset
    (`datetime_without_timezone`: the server never guesses a wall time), another offset
    (`wrong_utc_offset`, naming the offset in force; this also refuses a Warsaw wall time in the
    spring gap, which no offset in force can express). Clients convert the citizen's Warsaw wall
    time with the offset in force then (the site: static_site/wallclock.js, the rules of
    chalicelib/wallclock.py; the autumn hour is the earlier instant, +02:00). The future
    (beyond `CLOCK_SKEW`) and times before 2000 are refused too.
    """
    match = _OCCURRED_AT.fullmatch(raw)
    if match is None:
        raise _bad_datetime()
    if match["offset"] is None:
        raise ValidationFailed("datetime_without_timezone")
    if "T" not in match["local"]:
        raise _bad_datetime()
    try:
        given = datetime.fromisoformat(raw)
        moment = given.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _bad_datetime() from None
    if moment < EARLIEST_OCCURRENCE:
        raise ValidationFailed("invalid_datetime", "too_early")
    if moment > now + CLOCK_SKEW:
        raise ValidationFailed("occurred_in_future")
    in_force = warsaw_offset_at(moment)
    if match["offset"] not in ("Z", "+00:00", format_offset(in_force)):
        expected = format_offset(in_force)
        raise ValidationFailed("wrong_utc_offset", expected=expected, given=match["offset"])
    return moment


def _days_of_week(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise wrong_type("days_of_week", "list_of_strings")
    unknown = [d for d in value if d not in DAYS_OF_WEEK]
    if unknown:
        raise ValidationFailed("invalid_days_of_week", allowed=", ".join(DAYS_OF_WEEK))
    return tuple(d for d in DAYS_OF_WEEK if d in value)


def parse_point(body: dict[str, Any]) -> tuple[float, float]:
    """`lat` and `lon` of a JSON body: missing is a 422, not a number a 400, out of range 422."""
    for name in ("lat", "lon"):
        if name not in body:
            raise ValidationFailed("missing_field", name=name)
        value = body[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong_type(name, "number")
    return parse_coordinate(body["lat"], "lat"), parse_coordinate(body["lon"], "lon")


def parse_submission(body: Any, now: datetime) -> Submission:
    """Validate a citizen's report; every problem is a ValidationFailed."""
    body = known_fields(body, SUBMISSION_FIELDS)
    if "category" not in body:
        raise ValidationFailed("missing_field", name="category")
    code = _optional_str(body, "category")
    category = categories.get(code or "")
    if category is None:
        raise ValidationFailed("unknown_category")
    if not category.active:
        raise ValidationFailed(
            "inactive_category", name_pl=category.name_pl, name_en=category.name_en
        )
    lat, lon = parse_point(body)
    description = _optional_str(body, "description")
    occurred = _optional_str(body, "occurred_at")
    given_time = _optional_str(body, "time_of_day")
    time_of_day = None
    if given_time is not None:
        # A code, or for one release an old value (rano, dzien, …: the route adds the
        # Deprecation header); stored as the code either way.
        time_of_day, _ = statuses.time_to_code(given_time)
    if given_time is not None and time_of_day is None:
        raise ValidationFailed("invalid_time_of_day", allowed=", ".join(TIMES_OF_DAY))
    return Submission(
        category=category.code,
        lat=lat,
        lon=lon,
        description=clean_description(description) if description is not None else None,
        occurred_at=parse_occurred_at(occurred, now) if occurred is not None else None,
        time_of_day=time_of_day,
        days_of_week=_days_of_week(body.get("days_of_week")),
    )


def parse_idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not 1 <= len(raw) <= 255 or not raw.isascii() or not raw.isprintable():
        raise ValidationFailed("invalid_idempotency_key")
    return raw


# --- identifiers and tokens -------------------------------------------------


def _crockford(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        chars.append(CROCKFORD[digit])
    return "".join(reversed(chars))


def new_report_id(now: datetime) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, 26 characters, sortable by time."""
    millis = int(now.timestamp() * 1000)
    return _crockford(millis.to_bytes(6, "big") + os.urandom(10), 26)


def idempotent_report_id(secret: bytes, client: str, idempotency_key: str) -> str:
    """The same client retrying with the same key always names the same report."""
    digest = hmac.new(secret, f"idem\0{client}\0{idempotency_key}".encode(), hashlib.sha256)
    return _crockford(digest.digest()[:17], 26)


def tracking_token(secret: bytes, report_id: str) -> str:
    """Derived, not stored: whoever holds it may follow the report."""
    digest = hmac.new(secret, f"track\0{report_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode("ascii")


def looks_like_report_id(text: str) -> bool:
    return len(text) == 26 and all(ch in CROCKFORD for ch in text)


def token_matches(secret: bytes, report_id: str, token: str | None) -> bool:
    if not token or not looks_like_report_id(report_id):
        return False
    expected = tracking_token(secret, report_id).encode("ascii")
    return hmac.compare_digest(expected, token.encode("utf-8", "replace"))


# --- submitting and following -----------------------------------------------


class ReportStorage(Protocol):
    def insert_charging_limit(
        self, report: Report, limit_key: str, expires_at: datetime, now: datetime
    ) -> InsertOutcome: ...

    def get(self, report_id: str) -> Report | None: ...


@dataclass(frozen=True)
class Receipt:
    report: Report
    replayed: bool


def submit(
    submission: Submission,
    placement: Placement,
    client: str,
    idempotency_key: str | None,
    now: datetime,
    storage: ReportStorage,
    secret: bytes,
) -> Receipt:
    """Store a report and charge the client's daily limit, both or neither."""
    day = warsaw_day(now)
    if idempotency_key is None:
        report_id = new_report_id(now)
    else:
        report_id = idempotent_report_id(secret, client, idempotency_key)
    report = new_report(
        report_id,
        submission.category,
        submission.lat,
        submission.lon,
        placement,
        now,
        description=submission.description,
        occurred_at=submission.occurred_at,
        time_of_day=submission.time_of_day,
        days_of_week=submission.days_of_week,
        request_hash=submission.fingerprint() if idempotency_key is not None else None,
    )
    outcome = storage.insert_charging_limit(report, limit_key(client), day.ends_at, now)
    if outcome is InsertOutcome.STORED:
        return Receipt(report, replayed=False)
    if outcome is InsertOutcome.ID_TAKEN:
        first = storage.get(report_id)
        if first is None or first.request_hash != report.request_hash:
            raise ValidationFailed("idempotency_key_reused")
        return Receipt(first, replayed=True)
    seconds = day.seconds_left(now)
    # Say what is counted: the client's network address (IPv6: its /64), not a device.
    raise DailyLimitReached(seconds)


def receipt_body(report: Report, secret: bytes) -> dict[str, Any]:
    """The 201 answer to a submission (and to its idempotent retries)."""
    return {
        "id": report.id,
        "status": workflow.NEW,
        **statuses.names(workflow.NEW),
        "category": report.category,
        "unit": {"id": report.unit_id, "name": report.unit_name, "teryt": report.unit_teryt},
        "garrison": report.garrison,
        "created_at": iso(report.created_at),
        "tracking_token": tracking_token(secret, report.id),
    }


def tracking_view(report: Report) -> dict[str, Any]:
    """What the reporter sees when following their report: no description, no officers.
    The place (`lat`, `lon`, degrees) is the reporter's own and public on the map anyway."""
    view: dict[str, Any] = {
        "id": report.id,
        "status": report.status,
        **statuses.names(report.status),
        "category": report.category,
        "lat": report.lat,
        "lon": report.lon,
        "unit": {"id": report.unit_id, "name": report.unit_name, "teryt": report.unit_teryt},
        "garrison": report.garrison,
        "created_at": iso(report.created_at),
        "modified_at": iso(report.modified_at),
    }
    if report.occurred_at is not None:
        view["occurred_at"] = iso(report.occurred_at)
    return view
