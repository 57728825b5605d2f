"""The KMZB status workflow: statuses, who may move a report where, and deadlines.

Written once, used by the API, the officer panel (through `allowed_transitions`)
and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib import plaintext, statuses
from chalicelib.errors import (
    RoleRequired,
    TransitionNotAllowed,
    ValidationFailed,
)
from chalicelib.limits import WARSAW

# The status codes and their catalogue live in chalicelib/statuses.py (names, colours,
# public visibility); the workflow adds who may move a report where.
NEW = statuses.NEW
VERIFYING = statuses.VERIFYING
CONFIRMED = statuses.CONFIRMED
NOT_CONFIRMED = statuses.NOT_CONFIRMED
PRANK_OR_MISTAKE = statuses.PRANK_OR_MISTAKE
CONFIRMED_ELIMINATED = statuses.CONFIRMED_ELIMINATED
CONFIRMED_HANDED_OVER = statuses.CONFIRMED_HANDED_OVER

STATUSES: tuple[str, ...] = statuses.CODES
CLOSED = statuses.CLOSED
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
ADMIN = "admin"

# Officer actions. "status" is further limited by TRANSITIONS (which moves a role may make).
READ, STATUS, NOTE, DUPLICATE, ASSIGN, CONSULTATION, READ_AUDIT = (
    "read",
    "status",
    "note",
    "duplicate",
    "assign",
    "consultation",
    "read_audit",
)
ACTIONS: tuple[str, ...] = (READ, STATUS, NOTE, DUPLICATE, ASSIGN, CONSULTATION, READ_AUDIT)
# The role matrix, written once: role -> the actions it may perform. An admin reads every unit
# of the garrison and changes nothing (not even a note). Every officer route checks it through
# `require`; the panel learns it from the detail's `actions` and `transitions`.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    OFFICER: frozenset({READ, STATUS, NOTE, DUPLICATE, CONSULTATION, READ_AUDIT}),
    COORDINATOR: frozenset({READ, STATUS, NOTE, DUPLICATE, ASSIGN, CONSULTATION, READ_AUDIT}),
    ADMIN: frozenset({READ, READ_AUDIT}),
}
# The actions a report's detail offers (`actions`), in this order.
REPORT_ACTIONS: tuple[str, ...] = (STATUS, NOTE, DUPLICATE, ASSIGN)


def may_act(role: str, action: str) -> bool:
    """Whether `role` may perform `action` at all (the role matrix); unknown roles nothing."""
    return action in ROLE_ACTIONS.get(role, frozenset())


# The actions whose refusal names them (problems.PROBLEMS["role_required"]).
_REFUSABLE = frozenset({STATUS, NOTE, DUPLICATE, ASSIGN, CONSULTATION})


def require(role: str, action: str) -> None:
    """Raise 403 `role_required` unless the role matrix lets `role` perform `action`."""
    if may_act(role, action):
        return
    raise RoleRequired(action if action in _REFUSABLE else "", role=role)


def may(role: str, least: str) -> bool:
    """Whether `role` is at least `least` for status moves (an admin moves nothing)."""
    if not may_act(role, STATUS):
        return False
    return role == least or (role == COORDINATOR and least == OFFICER)


def allowed_transitions(status: str, role: str) -> list[str]:
    return [to for (frm, to), least in TRANSITIONS.items() if frm == status and may(role, least)]


def transitions_view(status: str, role: str) -> list[dict[str, object]]:
    """The moves `role` may make from `status`, each with what the panel must know about it."""
    return [
        {
            "status": to,
            "requires_institution": to == CONFIRMED_HANDED_OVER,
            "closes": to in CLOSED,
        }
        for to in allowed_transitions(status, role)
    ]


def report_actions(status: str, role: str) -> list[str]:
    """Of `REPORT_ACTIONS`, those `role` may perform on a report in `status` now."""
    possible = {
        STATUS: bool(allowed_transitions(status, role)),
        NOTE: True,
        DUPLICATE: status in DUPLICATE_FROM,
        ASSIGN: status not in CLOSED,
    }
    return [a for a in REPORT_ACTIONS if may_act(role, a) and possible[a]]


def check_transition(status: str, to: str, role: str, institution: str | None) -> None:
    """Raise TransitionNotAllowed (or another refusal) unless `role` may move a report from
    `status` to `to`."""
    if to not in STATUSES:
        raise ValidationFailed("unknown_status", status=to)
    require(role, STATUS)
    least = TRANSITIONS.get((status, to))
    if least is None:
        raise TransitionNotAllowed(
            status,
            to,
            from_status_pl=statuses.name_pl(status),
            from_status_en=statuses.name_en(status),
            to_status_pl=statuses.name_pl(to),
            to_status_en=statuses.name_en(to),
        )
    if not may(role, least):
        raise RoleRequired("coordinator_transition", role=role)
    if to == CONFIRMED_HANDED_OVER and plaintext.is_blank(institution or ""):
        raise ValidationFailed("institution_required")


def due_at(
    status: str, created_at: datetime, take_up_days: int, verify_days: int
) -> datetime | None:
    """When the report must next move: taken up from `new`, verified from `verifying`.

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
    by: str  # the officer's subject (sub): immutable, unlike the name
    by_name: str  # the display name at that moment
    action: str  # "status" | "note" | "assign" | "duplicate" | "consultation"
    from_status: str | None = None
    to_status: str | None = None
    note: str | None = None
    original_id: str | None = None  # duplicates: the report this one duplicates

    def as_dict(self) -> dict[str, str | None]:
        """`by` is the subject, `by_name` the name then."""
        entry = {
            "at": self.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "by": self.by,
            "by_name": self.by_name,
            "action": self.action,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "note": self.note,
        }
        if self.original_id is not None:
            entry["original_id"] = self.original_id
        return entry


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
