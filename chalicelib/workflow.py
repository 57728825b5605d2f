"""The KMZB status workflow: statuses, who may move a report where, and deadlines.

Written once, used by the API, the officer panel (through `allowed_transitions`)
and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.errors import ApiError, invalid
from chalicelib.limits import WARSAW

NEW = "Nowe"
VERIFYING = "Weryfikacja"
CONFIRMED = "Potwierdzone"
NOT_CONFIRMED = "Niepotwierdzone"
PRANK_OR_MISTAKE = "Żart lub pomyłka"
CONFIRMED_ELIMINATED = "Potwierdzone (wyeliminowane)"
CONFIRMED_HANDED_OVER = "Potwierdzone (przekazane poza Policję)"

STATUSES: tuple[str, ...] = (
    NEW,
    VERIFYING,
    CONFIRMED,
    NOT_CONFIRMED,
    PRANK_OR_MISTAKE,
    CONFIRMED_ELIMINATED,
    CONFIRMED_HANDED_OVER,
)
CLOSED = frozenset({NOT_CONFIRMED, PRANK_OR_MISTAKE, CONFIRMED_ELIMINATED, CONFIRMED_HANDED_OVER})
OFFICER, COORDINATOR = "officer", "coordinator"

# (from, to) -> the least role that may do it. A coordinator may do all an officer may.
TRANSITIONS: dict[tuple[str, str], str] = {
    (NEW, VERIFYING): OFFICER,
    (NEW, PRANK_OR_MISTAKE): COORDINATOR,
    (VERIFYING, CONFIRMED): OFFICER,
    (VERIFYING, NOT_CONFIRMED): OFFICER,
    (VERIFYING, PRANK_OR_MISTAKE): COORDINATOR,
    (CONFIRMED, CONFIRMED_ELIMINATED): OFFICER,
    (CONFIRMED, CONFIRMED_HANDED_OVER): OFFICER,
    # A coordinator may reopen a closed report.
    **{(closed, VERIFYING): COORDINATOR for closed in CLOSED},
}
# A duplicate is closed as not confirmed, pointing to the original.
DUPLICATE_FROM = frozenset({NEW, VERIFYING})


def may(role: str, least: str) -> bool:
    return role == least or (role == COORDINATOR and least == OFFICER)


def allowed_transitions(status: str, role: str) -> list[str]:
    return [to for (frm, to), least in TRANSITIONS.items() if frm == status and may(role, least)]


def conflict(message_pl: str, message_en: str) -> ApiError:
    return ApiError(409, "conflict", message_pl, message_en)


def check_transition(status: str, to: str, role: str, institution: str | None) -> None:
    """Raise a 409 (or 422) ApiError unless `role` may move a report from `status` to `to`."""
    if to not in STATUSES:
        raise invalid(
            "unknown_status",
            f"Nieznany status „{to}”.",
            f"Unknown status '{to}'.",
        )
    least = TRANSITIONS.get((status, to))
    if least is None:
        raise conflict(
            f"Nie można zmienić statusu z „{status}” na „{to}”.",
            f"A report cannot go from '{status}' to '{to}'.",
        )
    if not may(role, least):
        raise ApiError(
            403,
            "role_required",
            "Tę zmianę statusu może wykonać tylko koordynator.",
            "Only a coordinator may make this status change.",
        )
    if to == CONFIRMED_HANDED_OVER and not (institution or "").strip():
        raise invalid(
            "institution_required",
            "Podaj instytucję, której przekazano sprawę.",
            "Name the institution the matter was handed to.",
        )


def due_at(
    status: str, created_at: datetime, take_up_days: int, verify_days: int
) -> datetime | None:
    """When the report must next move: taken up from Nowe, verified from Weryfikacja.

    Days are calendar days in Warsaw: a deadline keeps its wall-clock time across DST.
    """
    days = {NEW: take_up_days, VERIFYING: verify_days}.get(status)
    if days is None:
        return None
    local = created_at.astimezone(WARSAW)
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=WARSAW)


def is_overdue(
    status: str, created_at: datetime, now: datetime, take_up_days: int, verify_days: int
) -> bool:
    deadline = due_at(status, created_at, take_up_days, verify_days)
    return deadline is not None and now > deadline


@dataclass(frozen=True)
class AuditEntry:
    """One change of a report: who, when, what (status, note, assignment, duplicate)."""

    report_id: str
    at: datetime
    by: str  # the officer's subject (sub)
    by_name: str
    action: str  # "status" | "note" | "assign" | "duplicate" | "create"
    from_status: str | None = None
    to_status: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "at": self.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "by": self.by_name or self.by,
            "action": self.action,
            "from": self.from_status,
            "to": self.to_status,
            "note": self.note,
        }


@dataclass(frozen=True)
class Deadlines:
    """A deployment's verification deadlines, in calendar days from the report's arrival."""

    take_up_days: int = 3
    verify_days: int = 7

    def due(self, status: str, created_at: datetime) -> datetime | None:
        return due_at(status, created_at, self.take_up_days, self.verify_days)

    def overdue(self, status: str, created_at: datetime, now: datetime) -> bool:
        due = self.due(status, created_at)
        return due is not None and now > due
