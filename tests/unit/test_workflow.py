from datetime import UTC, datetime

import pytest

from chalicelib import workflow as w
from chalicelib.errors import ApiError
from chalicelib.problems import status_of

# The KMZB workflow as the police guidelines describe it: (from, to) -> least role.
EXPECTED = {
    (w.NEW, w.VERIFYING): "officer",
    (w.NEW, w.PRANK_OR_MISTAKE): "coordinator",
    (w.VERIFYING, w.CONFIRMED): "officer",
    (w.VERIFYING, w.NOT_CONFIRMED): "officer",
    (w.VERIFYING, w.PRANK_OR_MISTAKE): "coordinator",
    (w.CONFIRMED, w.CONFIRMED_ELIMINATED): "officer",
    (w.CONFIRMED, w.CONFIRMED_HANDED_OVER): "officer",
    (w.NOT_CONFIRMED, w.VERIFYING): "coordinator",
    (w.PRANK_OR_MISTAKE, w.VERIFYING): "coordinator",
    (w.CONFIRMED_ELIMINATED, w.VERIFYING): "coordinator",
    (w.CONFIRMED_HANDED_OVER, w.VERIFYING): "coordinator",
}
PAIRS = [(a, b) for a in w.STATUSES for b in w.STATUSES]


@pytest.mark.parametrize(("frm", "to"), PAIRS)
@pytest.mark.parametrize("role", ["officer", "coordinator"])
def test_every_transition_is_allowed_or_refused_as_the_guidelines_say(
    frm: str, to: str, role: str
) -> None:
    least = EXPECTED.get((frm, to))
    institution = "Zarząd Dróg Miasta" if to == w.CONFIRMED_HANDED_OVER else None
    if least is None:
        with pytest.raises(ApiError) as refused:
            w.check_transition(frm, to, role, institution)
        assert status_of(refused.value) == 409
    elif least == "coordinator" and role == "officer":
        with pytest.raises(ApiError) as refused:
            w.check_transition(frm, to, role, institution)
        assert status_of(refused.value) == 403
    else:
        w.check_transition(frm, to, role, institution)
    allowed = (least is not None) and (role == "coordinator" or least == "officer")
    assert (to in w.allowed_transitions(frm, role)) is allowed


def test_handing_over_needs_the_receiving_institution() -> None:
    with pytest.raises(ApiError) as refused:
        w.check_transition(w.CONFIRMED, w.CONFIRMED_HANDED_OVER, "officer", "  ")
    assert (status_of(refused.value), refused.value.code) == (422, "institution_required")


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ApiError) as refused:
        w.check_transition(w.NEW, "Zamknięte", "coordinator", None)
    assert status_of(refused.value) == 422


def test_deadlines_keep_their_wall_clock_time_across_the_spring_dst_change() -> None:
    # Friday 27 March 2026, 10:00 CET; clocks go forward on Sunday the 29th.
    created = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    take_up = w.due_at(w.NEW, created, 3, 7)
    assert take_up == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST, 71 hours later
    assert w.due_at(w.VERIFYING, created, 3, 7) == datetime(2026, 4, 3, 8, 0, tzinfo=UTC)
    assert w.due_at(w.CONFIRMED, created, 3, 7) is None


def test_deadlines_across_the_autumn_dst_change() -> None:
    created = datetime(2026, 10, 23, 8, 0, tzinfo=UTC)  # 10:00 CEST; back to CET on the 25th
    assert w.due_at(w.NEW, created, 3, 7) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_a_report_is_overdue_only_after_its_deadline() -> None:
    created = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    deadlines = w.Deadlines(3, 7)
    assert not deadlines.overdue(w.NEW, created, datetime(2026, 6, 4, 10, 0, tzinfo=UTC))
    assert deadlines.overdue(w.NEW, created, datetime(2026, 6, 4, 10, 1, tzinfo=UTC))
    assert not deadlines.overdue(w.VERIFYING, created, datetime(2026, 6, 8, 9, 0, tzinfo=UTC))
    assert deadlines.overdue(w.VERIFYING, created, datetime(2026, 6, 8, 10, 1, tzinfo=UTC))
    assert not deadlines.overdue(w.CONFIRMED, created, datetime(2027, 1, 1, tzinfo=UTC))


# The role matrix: role -> actions. Admins read (and read the audit) and change nothing.
MATRIX = {
    "officer": {"read", "status", "note", "duplicate", "consultation", "read_audit"},
    "coordinator": {"read", "status", "note", "duplicate", "assign", "consultation", "read_audit"},
    "admin": {"read", "read_audit"},
}


@pytest.mark.parametrize("action", w.ACTIONS)
@pytest.mark.parametrize("role", ["officer", "coordinator", "admin", "citizen", ""])
def test_the_role_matrix_allows_exactly_what_it_says(role: str, action: str) -> None:
    allowed = action in MATRIX.get(role, set())
    assert w.may_act(role, action) is allowed
    if allowed:
        w.require(role, action)
    else:
        with pytest.raises(ApiError) as refused:
            w.require(role, action)
        assert (status_of(refused.value), refused.value.code) == (403, "role_required")


@pytest.mark.parametrize(("frm", "to"), PAIRS)
def test_an_admin_makes_no_transition_at_all(frm: str, to: str) -> None:
    assert w.allowed_transitions(frm, "admin") == []
    assert w.transitions_view(frm, "admin") == []
    with pytest.raises(ApiError) as refused:
        w.check_transition(frm, to, "admin", "Zarząd Dróg")
    assert status_of(refused.value) == 403


@pytest.mark.parametrize("status", w.STATUSES)
@pytest.mark.parametrize("role", ["officer", "coordinator", "admin"])
def test_the_actions_offered_on_a_report_follow_the_matrix_and_the_status(
    role: str, status: str
) -> None:
    actions = w.report_actions(status, role)
    assert set(actions) <= MATRIX[role]
    assert ("status" in actions) is bool(w.allowed_transitions(status, role))
    assert ("duplicate" in actions) is (role != "admin" and status in (w.NEW, w.VERIFYING))
    assert ("assign" in actions) is (role == "coordinator" and status not in w.CLOSED)
    assert ("note" in actions) is (role != "admin")
    for move in w.transitions_view(status, role):
        assert move["requires_institution"] is (move["status"] == w.CONFIRMED_HANDED_OVER)
        assert move["closes"] is (move["status"] in w.CLOSED)


@pytest.mark.parametrize(
    "blank", ["", " ", "\ufeff", "\u200b\u200c\u200d\u2060", "\u00a0\u3000\t\n", "\u00ad"]
)
def test_an_institution_blank_once_invisible_characters_go_is_refused(blank: str) -> None:
    with pytest.raises(ApiError) as refused:
        w.check_transition(w.CONFIRMED, w.CONFIRMED_HANDED_OVER, "officer", blank)
    assert refused.value.code == "institution_required"


def test_an_audit_entry_gives_the_subject_and_the_name_apart() -> None:
    at = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    entry = w.AuditEntry("R", at, "sub-1", "Anna", "duplicate", w.NEW, w.NOT_CONFIRMED, None, "O")
    shown = entry.as_dict()
    assert (shown["by"], shown["by_name"], shown["original_id"]) == ("sub-1", "Anna", "O")
    assert (shown["from_status"], shown["to_status"]) == (w.NEW, w.NOT_CONFIRMED)
    assert "original_id" not in w.AuditEntry("R", at, "sub-1", "", "note").as_dict()
