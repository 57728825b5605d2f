"""What officers do with their unit's reports: list, read, move through the workflow, annotate.

Every route first calls `auth.authorize` (claims against this deployment, then the role
matrix in `workflow.ROLE_ACTIONS`), which gives the caller's `Scope`: an officer or
coordinator sees only their own unit's reports, an admin those of their garrison. Every
change goes through storage.change, which writes the audit entry in the same transaction.

Every input is checked here before DynamoDB sees it: a client's mistake is a 400 or 422,
never a 503 (a value DynamoDB refuses) or a 500 (a date out of range).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import categories, plaintext, statuses, workflow
from chalicelib.auth import Scope, forbidden
from chalicelib.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidCursor,
    StaleReport,
    ValidationFailed,
    known_fields,
    not_found,
    wrong_type,
)
from chalicelib.limits import WARSAW
from chalicelib.observability import count
from chalicelib.reports import (
    MAX_DESCRIPTION,
    SOURCE_CONSULTATION,
    Report,
    iso,
    looks_like_report_id,
    new_report,
    new_report_id,
    parse_point,
)
from chalicelib.units import Router, Unit
from chalicelib.wallclock import warsaw_instant
from chalicelib.workflow import Deadlines

if TYPE_CHECKING:  # storage imports pynamodb: keep it out of cold start
    from chalicelib.storage import ReportStore

MAX_NOTE = 1000
MAX_LINE = 200  # one-line fields: institution, assignee, meeting place
MAX_PAGE = 100
# Dates officers filter by or record: the service's era. Outside it a date is a mistake, and
# at the extremes (0001-01-01, 9999-12-31) the conversion to instants would overflow.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
DAY_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LIMIT_PATTERN = re.compile(r"[0-9]{1,3}")
UNIT_PATTERN = re.compile(r"[A-Za-z0-9-]{1,40}")
CURSOR_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,1500}\.[A-Za-z0-9_-]{22}")
MAX_VERSION = 2**31 - 1
CANDIDATE_RADIUS_M = 500.0
MAX_CANDIDATES = 20
MAX_CHAIN = 50  # duplicate chains followed at most this far (they are one step in practice)
OPEN_STATUSES = statuses.OPEN


def me(scope: Scope) -> dict[str, Any]:
    """`{sub, name, role, unit, units, garrison}`: `unit` is the own unit (null for an
    admin), `units` every unit the caller may view (`{id, name, teryt}`)."""
    identity = scope.identity
    return {
        "sub": identity.sub,
        "name": identity.name,
        "role": identity.role,
        "unit": scope.own_unit.summary() if scope.own_unit else None,
        "units": [u.summary() for u in scope.units],
        "garrison": identity.garrison,
    }


def load(store: ReportStore, scope: Scope, report_id: str) -> Report:
    """The report if the caller may view it: 404 for no such report (anything that is not
    a report id is not looked up at all), 403 for another unit's or garrison's."""
    report = store.get(report_id) if looks_like_report_id(report_id) else None
    if report is None:
        raise not_found()
    if not scope.may_view(report):
        raise forbidden()
    return report


def summary(report: Report, deadlines: Deadlines, now: datetime) -> dict[str, Any]:
    """A list item: `status` is the code, `status_pl`/`status_en` its names."""
    due = deadlines.due(report.status, report.created_at)
    return {
        "id": report.id,
        "category": report.category,
        "status": report.status,
        **statuses.names(report.status),
        "lat": report.lat,
        "lon": report.lon,
        "teryt": report.teryt,
        "powiat_name": report.powiat_name,
        "unit": {"id": report.unit_id, "name": report.unit_name, "teryt": report.unit_teryt},
        "created_at": iso(report.created_at),
        "modified_at": iso(report.modified_at),
        "source": report.source,
        "overdue": due is not None and now > due,
        "due_at": iso(due) if due else None,
        "assignee": report.assignee,
    }


def detail(
    report: Report, store: ReportStore, scope: Scope, deadlines: Deadlines, now: datetime
) -> dict[str, Any]:
    """The report with what the caller may do with it (`transitions`, `actions`, from the
    role matrix) and its audit trail: every entry names the subject (`by`, the token's
    immutable `sub`) and the display name it had then (`by_name`)."""
    role = scope.role
    entries = store.audit(report.id) if workflow.may_act(role, workflow.READ_AUDIT) else []
    return {
        **summary(report, deadlines, now),
        "description": report.description,
        "occurred_at": iso(report.occurred_at) if report.occurred_at else None,
        "time_of_day": report.time_of_day,
        "days_of_week": list(report.days_of_week),
        "meeting_date": report.meeting_date,
        "meeting_place": report.meeting_place,
        "status_version": report.status_version,
        "confirmations": report.confirmations,
        "allowed_transitions": workflow.allowed_transitions(report.status, role),
        "transitions": workflow.transitions_view(report.status, role),
        "actions": workflow.report_actions(report.status, role),
        "duplicate_of": report.duplicate_of,
        "handed_to": report.handed_to,
        "notes": [
            {"at": iso(e.at), "by": e.by, "by_name": e.by_name, "text": e.note}
            for e in entries
            if e.action == "note"
        ],
        "audit": [e.as_dict() for e in entries],
    }


# --- input ------------------------------------------------------------------


def _text(
    body: dict[str, Any],
    name: str,
    limit: int = MAX_NOTE,
    *,
    multiline: bool = True,
    required: bool = False,
) -> str | None:
    """A free-text field cleaned as `plaintext.clean` (the browser trims the same way): None
    when absent or blank (a 422 if `required`); control characters (but line breaks and tabs
    in a multi-line field), lone surrogates, which DynamoDB cannot store, and bidi controls,
    which reorder what the panel shows, are a 422 (`plaintext.has_forbidden_characters`)."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise wrong_type(name, "string")
    text = plaintext.clean(value or "")
    if plaintext.is_blank(text):
        if required:
            raise ValidationFailed("missing_field", "blank", name=name)
        return None
    if plaintext.has_forbidden_characters(text, multiline=multiline):
        raise ValidationFailed("invalid_characters", "field", name=name)
    if len(text) > limit:
        raise ValidationFailed("too_long", name=name, limit=limit, length=len(text))
    return text


def _version(body: dict[str, Any]) -> int:
    version = body.get("version")
    # JSON has one kind of number: 3.0 is the integer 3 (as JSON Schema's "integer" says).
    if isinstance(version, float) and version.is_integer():
        version = int(version)
    if isinstance(version, bool) or not isinstance(version, int):
        raise wrong_type("version", "integer")
    if not 1 <= version <= MAX_VERSION:
        raise ValidationFailed("out_of_range", name="version", maximum=MAX_VERSION)
    return version


def _day(raw: str | None, name: str, *, query: bool = True) -> date | None:
    """A calendar date YYYY-MM-DD between FIRST_DAY and LAST_DAY; anything else (other ISO
    forms such as 20261129 or 2026-W48-1, non-ASCII digits, the extremes) is refused: a 400
    for a query parameter, a 422 for a body field."""
    if raw is None:
        return None
    try:
        if not DAY_PATTERN.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise (
            ValidationFailed("wrong_type", "parameter_date", name=name)
            if query
            else ValidationFailed("invalid_date", name=name)
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed(
            "out_of_range",
            "parameter_date" if query else "date",
            name=name,
            first=FIRST_DAY,
            last=LAST_DAY,
        )
    return day


def stale() -> StaleReport:
    return StaleReport()


def _status_names(status: str) -> dict[str, str]:
    """A status's names, as a message names it (`status_pl`, `status_en`)."""
    return {"status_pl": statuses.name_pl(status), "status_en": statuses.name_en(status)}


# --- changes ------------------------------------------------------------------


def _entry(scope: Scope, report: Report, now: datetime, action: str, **more: Any) -> Any:
    identity = scope.identity
    return workflow.AuditEntry(report.id, now, identity.sub, identity.name, action, **more)


def change_status(
    store: ReportStore, scope: Scope, report: Report, body: Any, now: datetime
) -> None:
    """`{status, version, note?, institution?}` (`status` a code, or for one release its
    Polish label); reopening a duplicate makes it a report of
    its own again (`duplicate_of` is cleared)."""
    workflow.require(scope.role, workflow.STATUS)
    body = known_fields(body, frozenset({"status", "version", "note", "institution"}))
    given = body.get("status")
    if not isinstance(given, str):
        raise wrong_type("status", "string")
    # A release-1 Polish label is still accepted (the route adds the Deprecation header).
    code, _ = statuses.to_code(given)
    to = code or given
    version = _version(body)
    note = _text(body, "note")
    institution = _text(body, "institution", MAX_LINE, multiline=False)
    workflow.check_transition(report.status, to, scope.role, institution)
    changes: dict[str, Any] = {"status": to}
    if to == workflow.CONFIRMED_HANDED_OVER:
        changes["handed_to"] = institution
    if to not in workflow.CLOSED and report.duplicate_of is not None:
        changes["duplicate_of"] = None
    entry = _entry(scope, report, now, "status", from_status=report.status, to_status=to, note=note)
    store.change(report, version, changes, entry)
    count("StatusChanges")


def _leads_to(store: ReportStore, start: Report, target_id: str) -> bool:
    """Whether following `duplicate_of` from `start` reaches `target_id` (or loops, or runs
    longer than MAX_CHAIN): marking `target_id` a duplicate of `start` would close a cycle."""
    seen = {start.id}
    current = start
    for _ in range(MAX_CHAIN):
        following = current.duplicate_of
        if following is None:
            return False
        if following == target_id or following in seen:
            return True
        seen.add(following)
        nxt = store.get(following) if looks_like_report_id(following) else None
        if nxt is None:
            return False
        current = nxt
    return True


def mark_duplicate(
    store: ReportStore, scope: Scope, report: Report, body: Any, now: datetime
) -> None:
    """`{original_id, version, note?}`: close the report as `not_confirmed`, pointing to an
    open report of the same unit that does not itself lead back to it (no cycles)."""
    workflow.require(scope.role, workflow.DUPLICATE)
    body = known_fields(body, frozenset({"original_id", "version", "note"}))
    original_id = body.get("original_id")
    if not isinstance(original_id, str):
        raise wrong_type("original_id", "string")
    version = _version(body)
    note = _text(body, "note")
    if original_id == report.id:
        raise ValidationFailed("self_duplicate")
    original = store.get(original_id) if looks_like_report_id(original_id) else None
    if original is None:
        raise ValidationFailed("unknown_original")
    if not scope.may_view(original) or original.unit_id != report.unit_id:
        raise forbidden()
    if report.status not in workflow.DUPLICATE_FROM:
        raise Conflict("duplicate_from", **_status_names(report.status))
    if original.status in workflow.CLOSED:
        raise ValidationFailed(
            "original_closed", report_id=original.id, **_status_names(original.status)
        )
    if _leads_to(store, original, report.id):
        raise ValidationFailed("duplicate_cycle", report_id=original.id)
    entry = _entry(
        scope,
        report,
        now,
        "duplicate",
        from_status=report.status,
        to_status=workflow.NOT_CONFIRMED,
        note=note,
        original_id=original.id,
    )
    changes = {"status": workflow.NOT_CONFIRMED, "duplicate_of": original.id}
    # The original must still be as read: two reports marked as each other's duplicates at
    # the same moment cannot both succeed.
    store.change(report, version, changes, entry, unchanged=(original.id, original.status_version))
    count("StatusChanges")  # closed as not confirmed


def assign(store: ReportStore, scope: Scope, report: Report, body: Any, now: datetime) -> None:
    """`{assignee, version}` (coordinators; a blank or null assignee unassigns), open reports."""
    workflow.require(scope.role, workflow.ASSIGN)
    body = known_fields(body, frozenset({"assignee", "version"}))
    version = _version(body)
    assignee = _text(body, "assignee", MAX_LINE, multiline=False)
    if report.status in workflow.CLOSED:
        raise Conflict("assign_closed", **_status_names(report.status))
    entry = _entry(scope, report, now, "assign", note=assignee)
    store.change(report, version, {"assignee": assignee}, entry)


def add_note(store: ReportStore, scope: Scope, report: Report, body: Any, now: datetime) -> None:
    """`{text}`: an audit entry of its own; the report's version does not change."""
    workflow.require(scope.role, workflow.NOTE)
    text = _text(known_fields(body, frozenset({"text"})), "text", required=True)
    store.add_audit(_entry(scope, report, now, "note", note=text))


# --- the list and its cursors --------------------------------------------------------


def _cursor_mac(secret: bytes, binding: list[str], raw: str) -> str:
    message = json.dumps(["cursor", binding, raw], ensure_ascii=True).encode("ascii")
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign_cursor(secret: bytes, binding: list[str], raw: str | None) -> str | None:
    """The storage's page position with an HMAC over it and the query it belongs to (unit,
    index, filters), so that a client can hand it back but neither forge nor move it."""
    if raw is None:
        return None
    return f"{raw}.{_cursor_mac(secret, binding, raw)}"


def open_cursor(secret: bytes, binding: list[str], cursor: str | None) -> str | None:
    """The storage's position from a cursor this deployment issued for this very query;
    anything else (edited, from another query, unit or deployment) is InvalidCursor."""
    if cursor is None:
        return None
    if not CURSOR_PATTERN.fullmatch(cursor):
        raise InvalidCursor(cursor[:100])
    raw, mac = cursor.rsplit(".", 1)
    if not hmac.compare_digest(mac, _cursor_mac(secret, binding, raw)):
        raise InvalidCursor(cursor[:100])
    return raw


def _invalid_cursor() -> DomainError:
    return ValidationFailed("invalid_cursor")


def _query_text(params: dict[str, str], name: str, limit: int = 100) -> str | None:
    value = params.get(name)
    if value is not None and (len(value) > limit or not value.isprintable()):
        raise ValidationFailed("wrong_type", "parameter_value", name=name)
    return value


def pick_unit(scope: Scope, router: Router, reference: str | None) -> Unit:
    """The unit a list shows: `?unit=` (an id or a TERYT) among those the caller may view, or
    the own unit; an admin must choose."""
    if reference is None:
        if scope.own_unit is None:
            raise ValidationFailed("unit_required")
        return scope.own_unit
    if not UNIT_PATTERN.fullmatch(reference):
        raise ValidationFailed("wrong_type", "parameter_unit", name="unit")
    unit = router.unit_by_reference(reference)
    if unit is None:
        raise ValidationFailed("unknown_unit")
    if unit not in scope.units:
        raise Forbidden("unit", unit=unit.name)
    return unit


def _day_start(day: date) -> datetime:
    return warsaw_instant(datetime.combine(day, datetime.min.time()))


def list_reports(
    store: ReportStore,
    scope: Scope,
    router: Router,
    params: dict[str, str],
    deadlines: Deadlines,
    now: datetime,
    secret: bytes,
) -> dict[str, Any]:
    """One page of a unit's reports, newest first: `{items, next_cursor}`. Every parameter
    is checked before the query; a bad one is a 400 in the error format."""
    given_status = _query_text(params, "status")
    status = None
    if given_status is not None:
        # A code, or for one release a Polish label (the route adds the Deprecation header).
        status, _ = statuses.to_code(given_status)
        if status is None:
            raise ValidationFailed("unknown_status", "parameter")
    category = _query_text(params, "category")
    if category is not None and categories.get(category) is None:
        raise ValidationFailed("unknown_category", "parameter")
    raw_limit = _query_text(params, "limit")
    if raw_limit is None:
        limit = 50
    elif LIMIT_PATTERN.fullmatch(raw_limit) and 1 <= int(raw_limit) <= MAX_PAGE:
        limit = int(raw_limit)
    else:
        raise ValidationFailed("wrong_type", "parameter_limit", name="limit", max_page=MAX_PAGE)
    start = _day(_query_text(params, "from"), "from")
    end = _day(_query_text(params, "to"), "to")
    if start and end and start > end:
        raise ValidationFailed("invalid_range")
    overdue = _query_text(params, "overdue")
    if overdue not in (None, "true", "false"):
        raise ValidationFailed("wrong_type", "parameter_boolean", name="overdue")
    unit = pick_unit(scope, router, _query_text(params, "unit"))
    created_from = iso(_day_start(start)) if start else None
    created_to = iso(_day_start(end + timedelta(days=1))) if end else None
    overdue_only = overdue == "true"
    # The cursor belongs to this query: the unit, the index (by status or not), the filters.
    binding = [
        unit.id,
        status or "",
        category or "",
        start.isoformat() if start else "",
        end.isoformat() if end else "",
        "overdue" if overdue_only else "",
    ]
    raw_cursor = params.get("cursor")
    try:
        position = open_cursor(secret, binding, raw_cursor)
    except InvalidCursor:
        raise _invalid_cursor() from None
    extra = None
    if overdue_only:
        # Nothing younger than the shorter deadline can be late (an hour's slack for DST);
        # the exact check is per report below.
        youngest = iso(now - timedelta(days=deadlines.take_up_days) + timedelta(hours=1))
        created_to = min(created_to, youngest) if created_to else youngest
        # Labels too: a report not yet migrated (`kmzb-admin migrate`) is still overdue.
        deadlined = statuses.stored_forms((workflow.NEW, workflow.VERIFYING))
        extra = store.Report.status.is_in(*deadlined)
    if created_from and created_to and created_from > created_to:
        return {"items": [], "next_cursor": None}  # an empty window
    try:
        page, following = store.unit_reports(
            unit.id,
            status=status,
            category=category,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
            cursor=position,
            extra_filter=extra,
        )
    except InvalidCursor:
        raise _invalid_cursor() from None
    items = [summary(r, deadlines, now) for r in page]
    if overdue_only:
        items = [i for i in items if i["overdue"]]
    return {"items": items, "next_cursor": sign_cursor(secret, binding, following)}


# --- duplicate candidates --------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def candidates(store: ReportStore, report: Report) -> dict[str, Any]:
    """`{"candidates": [{id, category, status, status_pl, status_en, created_at, lat, lon,
    distance_m}]}`: open reports of the report's unit within CANDIDATE_RADIUS_M, nearest first
    (then newest), at most MAX_CANDIDATES, without the report itself or any report that would
    close a cycle."""
    dlat = CANDIDATE_RADIUS_M / 111_000 * 1.01  # a degree of latitude is at least 110.5 km
    dlon = dlat / max(0.01, math.cos(math.radians(min(89.0, abs(report.lat) + dlat))))
    near = store.open_reports_near(
        report.unit_id,
        OPEN_STATUSES,
        report.lat - dlat,
        report.lon - dlon,
        report.lat + dlat,
        report.lon + dlon,
    )
    found = []
    for other in near:
        if other.id == report.id:
            continue
        metres = distance_m(report.lat, report.lon, other.lat, other.lon)
        if metres > CANDIDATE_RADIUS_M:
            continue
        found.append((metres, other))
    found.sort(key=lambda pair: (pair[0], -pair[1].created_at.timestamp()))
    chosen: list[dict[str, Any]] = []
    for metres, other in found:
        if len(chosen) == MAX_CANDIDATES:
            break
        if _leads_to(store, other, report.id):
            continue
        chosen.append(
            {
                "id": other.id,
                "category": other.category,
                "status": other.status,
                **statuses.names(other.status),
                "created_at": iso(other.created_at),
                "lat": other.lat,
                "lon": other.lon,
                "distance_m": round(metres, 1),
            }
        )
    return {"candidates": chosen}


# --- consultations (plane 2) -------------------------------------------------------------

CONSULTATION_FIELDS = frozenset(
    {"category", "lat", "lon", "description", "meeting_date", "meeting_place"}
)


def record_consultation(
    store: ReportStore, scope: Scope, router: Router, body: Any, now: datetime
) -> Report:
    """Plane 2: a threat raised at a meeting or public debate, recorded by an officer.

    `meeting_date` is a calendar date `YYYY-MM-DD` (not a time: stored and returned as that
    same string), not after today in Warsaw; `meeting_place` is required and not blank."""
    workflow.require(scope.role, workflow.CONSULTATION)
    body = known_fields(body, CONSULTATION_FIELDS)
    code = body.get("category")
    category = categories.get(code) if isinstance(code, str) else None
    if category is None:
        raise ValidationFailed("unknown_category", "short")
    lat, lon = parse_point(body)
    raw_meeting = body.get("meeting_date")
    if raw_meeting is not None and not isinstance(raw_meeting, str):
        raise wrong_type("meeting_date", "date_string")
    place = _text(body, "meeting_place", MAX_LINE, multiline=False)
    if raw_meeting is None or not place:
        raise ValidationFailed("missing_field", "meeting")
    meeting = _day(raw_meeting, "meeting_date", query=False)
    assert meeting is not None
    if meeting > now.astimezone(WARSAW).date():
        raise ValidationFailed("meeting_in_future")
    description = _text(body, "description", MAX_DESCRIPTION)
    placement = router.place(lat, lon, category.code)
    own = scope.own_unit
    if own is None or placement.unit.id != own.id:
        raise ValidationFailed("outside_unit", unit=placement.unit.name)
    report = new_report(
        new_report_id(now),
        category.code,
        lat,
        lon,
        placement,
        now,
        source=SOURCE_CONSULTATION,
        description=description,
        meeting_date=meeting.isoformat(),
        meeting_place=place,
    )
    store.insert(report)
    store.add_audit(
        _entry(
            scope, report, now, "consultation", from_status=None, to_status=workflow.NEW, note=place
        )
    )
    return report
