"""What officers do with their unit's reports: list, read, move through the workflow, annotate.

Scoping: an officer or coordinator sees only their own unit's reports, an admin
those of their garrison. Every change goes through storage.change, which writes
the audit entry in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import categories, workflow
from chalicelib.auth import Identity, forbidden
from chalicelib.errors import (
    ApiError,
    InvalidCursor,
    bad_request,
    invalid,
    json_object,
    not_found,
    wrong_type,
)
from chalicelib.limits import WARSAW
from chalicelib.reports import (
    SOURCE_CONSULTATION,
    Report,
    clean_description,
    iso,
    new_report,
    new_report_id,
    parse_point,
)
from chalicelib.units import Router, Unit
from chalicelib.workflow import Deadlines

if TYPE_CHECKING:  # storage imports pynamodb: keep it out of cold start
    from chalicelib.storage import ReportStore

MAX_NOTE = 1000
MAX_PAGE = 100


def me(identity: Identity, router: Router) -> dict[str, Any]:
    unit = router.unit_by_reference(identity.unit_teryt) if identity.unit_teryt else None
    return {
        "sub": identity.sub,
        "name": identity.name,
        "role": identity.role,
        "unit": unit.summary() if unit else None,
        "garrison": identity.garrison,
    }


def unit_of(identity: Identity, router: Router) -> Unit:
    unit = router.unit_by_reference(identity.unit_teryt)
    if unit is None:
        raise forbidden()
    return unit


def check_scope(identity: Identity, report: Report, router: Router) -> None:
    if identity.role == "admin":
        if report.garrison != identity.garrison:
            raise forbidden()
    elif report.unit_id != unit_of(identity, router).id:
        raise forbidden()


def load(store: ReportStore, identity: Identity, report_id: str, router: Router) -> Report:
    report = store.get(report_id) if len(report_id) <= 64 else None
    if report is None:
        raise not_found()
    check_scope(identity, report, router)
    return report


def summary(report: Report, deadlines: Deadlines, now: datetime) -> dict[str, Any]:
    due = deadlines.due(report.status, report.created_at)
    return {
        "id": report.id,
        "category": report.category,
        "status": report.status,
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
    report: Report, store: ReportStore, identity: Identity, deadlines: Deadlines, now: datetime
) -> dict[str, Any]:
    entries = store.audit(report.id)
    return {
        **summary(report, deadlines, now),
        "description": report.description,
        "occurred_at": iso(report.occurred_at) if report.occurred_at else None,
        "time_of_day": report.time_of_day,
        "days_of_week": list(report.days_of_week),
        "meeting_date": report.meeting_date,
        "meeting_place": report.meeting_place,
        "status_version": report.status_version,
        "allowed_transitions": []
        if identity.role == "admin"
        else workflow.allowed_transitions(report.status, identity.role),
        "duplicate_of": report.duplicate_of,
        "handed_to": report.handed_to,
        "notes": [
            {"at": e.as_dict()["at"], "by": e.by_name or e.by, "text": e.note}
            for e in entries
            if e.action == "note"
        ],
        "audit": [e.as_dict() for e in entries],
    }


def _text(body: dict[str, Any], name: str, limit: int = MAX_NOTE) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise wrong_type(name, "tekstu", "a string")
    text = value.strip()
    if len(text) > limit:
        raise invalid(
            "too_long",
            f"Pole „{name}” może mieć najwyżej {limit} znaków.",
            f"Field '{name}' may have at most {limit} characters.",
        )
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise invalid(
            "invalid_characters",
            f"Pole „{name}” zawiera znaki sterujące.",
            f"Field '{name}' contains control characters.",
        )
    return text or None


def _version(body: dict[str, Any]) -> int:
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise wrong_type("version", "liczby całkowitej (wersji zgłoszenia)", "an integer")
    return version


def stale() -> ApiError:
    return workflow.conflict(
        "Zgłoszenie zmienił w międzyczasie ktoś inny. Sprawdź jego obecny stan.",
        "Someone else changed the report meanwhile. Check its current state.",
    )


def change_status(
    store: ReportStore,
    identity: Identity,
    report: Report,
    body: Any,
    now: datetime,
) -> None:
    body = json_object(body)
    to = body.get("status")
    if not isinstance(to, str):
        raise wrong_type("status", "tekstu", "a string")
    version = _version(body)
    note = _text(body, "note")
    institution = _text(body, "institution", 200)
    if identity.role == "admin":
        raise ApiError(
            403,
            "role_required",
            "Administrator nie zmienia statusów zgłoszeń.",
            "An admin does not change reports' statuses.",
        )
    workflow.check_transition(report.status, to, identity.role, institution)
    changes: dict[str, Any] = {"status": to}
    if to == workflow.CONFIRMED_HANDED_OVER:
        changes["handed_to"] = institution
    entry = workflow.AuditEntry(
        report.id, now, identity.sub, identity.name, "status", report.status, to, note
    )
    store.change(report, version, changes, entry)


def mark_duplicate(
    store: ReportStore, identity: Identity, report: Report, body: Any, router: Router, now: datetime
) -> None:
    body = json_object(body)
    original_id = body.get("original_id")
    if not isinstance(original_id, str):
        raise wrong_type("original_id", "tekstu", "a string")
    version = _version(body)
    if original_id == report.id:
        raise invalid(
            "self_duplicate",
            "Zgłoszenie nie może być duplikatem samego siebie.",
            "A report cannot duplicate itself.",
        )
    load(store, identity, original_id, router)  # must exist in the same unit
    if report.status not in workflow.DUPLICATE_FROM:
        raise workflow.conflict(
            f"Zgłoszenia o statusie „{report.status}” nie można oznaczyć jako duplikat.",
            f"A report in status '{report.status}' cannot be marked as a duplicate.",
        )
    entry = workflow.AuditEntry(
        report.id,
        now,
        identity.sub,
        identity.name,
        "duplicate",
        report.status,
        workflow.NOT_CONFIRMED,
        f"duplikat / duplicate of {original_id}",
    )
    changes = {"status": workflow.NOT_CONFIRMED, "duplicate_of": original_id}
    store.change(report, version, changes, entry)


def assign(
    store: ReportStore, identity: Identity, report: Report, body: Any, now: datetime
) -> None:
    body = json_object(body)
    if identity.role != "coordinator":
        raise ApiError(
            403,
            "role_required",
            "Przydzielać zgłoszenia może tylko koordynator.",
            "Only a coordinator may assign reports.",
        )
    version = _version(body)
    assignee = _text(body, "assignee", 200)
    entry = workflow.AuditEntry(
        report.id, now, identity.sub, identity.name, "assign", None, None, assignee
    )
    store.change(report, version, {"assignee": assignee}, entry)


def add_note(
    store: ReportStore, identity: Identity, report: Report, body: Any, now: datetime
) -> None:
    text = _text(json_object(body), "text")
    if not text:
        raise invalid("missing_field", "Notatka jest pusta.", "The note is empty.")
    store.add_audit(
        workflow.AuditEntry(report.id, now, identity.sub, identity.name, "note", note=text)
    )


def _day(raw: str | None, name: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(
            "wrong_type",
            f"Parametr „{name}” musi być datą RRRR-MM-DD.",
            f"Parameter '{name}' must be a date YYYY-MM-DD.",
        ) from None


def list_reports(
    store: ReportStore,
    identity: Identity,
    router: Router,
    params: dict[str, str],
    deadlines: Deadlines,
    now: datetime,
) -> dict[str, Any]:
    status = params.get("status") or None
    if status is not None and status not in workflow.STATUSES:
        raise invalid("unknown_status", "Nieznany status.", "Unknown status.")
    category = params.get("category") or None
    if category is not None and categories.get(category) is None:
        raise invalid("unknown_category", "Nieznana kategoria.", "Unknown category.")
    try:
        limit = max(1, min(MAX_PAGE, int(params.get("limit") or 50)))
    except ValueError:
        raise bad_request(
            "wrong_type", "Parametr „limit” musi być liczbą.", "Parameter 'limit' must be a number."
        ) from None
    start, end = _day(params.get("from"), "from"), _day(params.get("to"), "to")
    if start and end and start > end:
        raise invalid(
            "invalid_range",
            "Data „from” jest późniejsza niż „to”.",
            "The 'from' date is later than the 'to' date.",
        )
    created_from = iso(datetime.combine(start, time(0), tzinfo=WARSAW)) if start else None
    created_to = (
        iso(datetime.combine(end + timedelta(days=1), time(0), tzinfo=WARSAW)) if end else None
    )
    if identity.role == "admin" and params.get("unit"):
        unit = router.unit_by_reference(params["unit"])
        if unit is None or unit.garrison != identity.garrison:
            raise forbidden()
    else:
        unit = unit_of(identity, router) if identity.role != "admin" else None
    if unit is None:
        raise invalid(
            "unit_required",
            "Administrator wybiera jednostkę parametrem „unit”.",
            "An admin chooses a unit with the 'unit' parameter.",
        )
    if params.get("overdue") not in (None, "true", "false"):
        raise bad_request(
            "wrong_type",
            "Parametr „overdue” przyjmuje wartość true.",
            "Parameter 'overdue' takes the value true.",
        )
    overdue_only = params.get("overdue") == "true"
    extra = None
    if overdue_only:
        # Nothing younger than the shorter deadline can be late (an hour's slack for DST);
        # the exact check is per report below.
        youngest = iso(now - timedelta(days=deadlines.take_up_days) + timedelta(hours=1))
        created_to = min(created_to, youngest) if created_to else youngest
        extra = store.Report.status.is_in(workflow.NEW, workflow.VERIFYING)
    if created_from and created_to and created_from > created_to:
        return {"items": [], "next_cursor": None}  # an empty window
    try:
        page, cursor = store.unit_reports(
            unit.id,
            status=status,
            category=category,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
            cursor=params.get("cursor"),
            extra_filter=extra,
        )
    except InvalidCursor:
        raise bad_request(
            "invalid_cursor", "Nieprawidłowy kursor stronicowania.", "Invalid page cursor."
        ) from None
    items = [summary(r, deadlines, now) for r in page]
    if overdue_only:
        items = [i for i in items if i["overdue"]]
    return {"items": items, "next_cursor": cursor}


def record_consultation(
    store: ReportStore, identity: Identity, router: Router, body: Any, now: datetime
) -> Report:
    """Plane 2: a threat raised at a meeting or public debate, recorded by an officer."""
    body = json_object(body)
    if identity.role == "admin":
        raise ApiError(
            403, "role_required", "Tylko funkcjonariusz jednostki.", "Only a unit's officer."
        )
    code = body.get("category")
    category = categories.get(code) if isinstance(code, str) else None
    if category is None:
        raise invalid("unknown_category", "Nieznana kategoria.", "Unknown category.")
    lat, lon = parse_point(body)
    raw_meeting = _text(body, "meeting_date", 10)
    meeting = _day(raw_meeting, "meeting_date") if raw_meeting else None
    place = _text(body, "meeting_place", 200)
    if meeting is None or not place:
        raise invalid(
            "missing_field",
            "Podaj datę i miejsce spotkania lub debaty.",
            "Give the date and place of the meeting or debate.",
        )
    if meeting > now.astimezone(WARSAW).date():
        raise invalid(
            "meeting_in_future",
            "Data spotkania nie może być w przyszłości.",
            "The meeting cannot be in the future.",
        )
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise wrong_type("description", "tekstu", "a string")
    placement = router.place(lat, lon)
    if placement.unit.id != unit_of(identity, router).id:
        raise invalid(
            "outside_unit",
            f"Ten punkt obsługuje {placement.unit.name}, nie Twoja jednostka.",
            f"This point is served by {placement.unit.name}, not your unit.",
        )
    report = new_report(
        new_report_id(now),
        category.code,
        lat,
        lon,
        placement,
        now,
        source=SOURCE_CONSULTATION,
        description=clean_description(description) if description else None,
        meeting_date=meeting.isoformat(),
        meeting_place=place,
    )
    store.insert(report)
    store.add_audit(
        workflow.AuditEntry(
            report.id, now, identity.sub, identity.name, "create", None, workflow.NEW, place
        )
    )
    return report
