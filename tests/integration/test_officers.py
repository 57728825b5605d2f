"""Officers verify their unit's reports: scoping, the workflow, optimistic locking, audit."""

from __future__ import annotations

import functools
import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.deployment import Deployment
from tests.integration.conftest import FakeClock, race, token
from tests.integration.test_submission import KRAKOW, answer, post

BIALYSTOK = {**KRAKOW, "lat": 53.1325, "lon": 23.1688}


def dev_issuer_sub(role: str, unit: str, name: str) -> str:
    """The subject the test issuer gives a token (dev_issuer.issue's default)."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kmzb-dev/{role}/{unit}/{name}"))


def auth(
    role: str = "officer", unit: str = "1261", garrison: str = "malopolskie"
) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, unit, garrison, name=f'{role} {unit}')}"}


def report(client: Any, body: dict[str, Any] = KRAKOW, ip: str = "203.0.113.9") -> str:
    response = post(client, body, ip=ip)
    assert response.status_code == 201
    return str(answer(response)["id"])


def get(client: Any, path: str, headers: dict[str, str]) -> Any:
    return client.http.get(path, headers=headers)


def send(client: Any, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.http.post(
        path, headers={**headers, "content-type": "application/json"}, body=json.dumps(body)
    )


def move(
    client: Any, report_id: str, to: str, version: int, headers: dict[str, str], **more: Any
) -> Any:
    body = {"status": to, "version": version, **more}
    return send(client, f"/v1/officer/reports/{report_id}/status", body, headers)


def test_without_a_valid_token_officer_endpoints_answer_401(client: Any) -> None:
    assert client.http.get("/v1/officer/reports").status_code == 401
    response = get(client, "/v1/officer/reports", {"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert answer(response)["error"]["code"] == "unauthorized"


def test_an_officer_sees_and_changes_only_their_own_units_reports(
    client: Any, deployment: Deployment
) -> None:
    krakow, bialystok = report(client, ip="203.0.113.1"), report(client, BIALYSTOK, "203.0.113.2")
    officer = auth()
    listed = [i["id"] for i in answer(get(client, "/v1/officer/reports", officer))["items"]]
    assert listed == [krakow]
    assert get(client, f"/v1/officer/reports/{krakow}", officer).status_code == 200
    refused = get(client, f"/v1/officer/reports/{bialystok}", officer)
    assert refused.status_code == 403
    assert move(client, bialystok, "verifying", 1, officer).status_code == 403
    assert deployment.store.get(bialystok).status == "new"  # type: ignore[union-attr]
    # Białystok's own officer may.
    assert (
        move(client, bialystok, "verifying", 1, auth(unit="2061", garrison="podlaskie")).status_code
        == 200
    )


def test_a_status_change_is_audited_in_the_same_transaction_and_shown_to_the_reporter(
    client: Any, deployment: Deployment, clock: FakeClock
) -> None:
    receipt = answer(post(client, KRAKOW))
    clock.now += timedelta(hours=2)
    changed = move(client, receipt["id"], "verifying", 1, auth(), note="Patrol w drodze")
    assert changed.status_code == 200
    detail = answer(changed)
    assert detail["status"] == "verifying"
    assert detail["status_version"] == 2
    assert detail["allowed_transitions"] == ["confirmed", "not_confirmed"]
    (entry,) = detail["audit"]
    assert (entry["from_status"], entry["to_status"], entry["note"], entry["by_name"]) == (
        "new",
        "verifying",
        "Patrol w drodze",
        "officer 1261",
    )
    assert entry["by"] == dev_issuer_sub("officer", "1261", "officer 1261")
    tracked = client.http.get(f"/v1/reports/{receipt['id']}?token={receipt['tracking_token']}")
    assert answer(tracked)["status"] == "verifying"
    assert answer(tracked)["modified_at"] > answer(tracked)["created_at"]


def test_a_change_whose_audit_cannot_be_written_does_not_happen(
    client: Any, deployment: Deployment
) -> None:
    report_id = report(client)
    deployment.store.Audit.delete_table()  # the audit write will fail
    response = move(client, report_id, "verifying", 1, auth())
    assert response.status_code == 503
    stored = deployment.store.get(report_id)
    assert stored is not None
    assert (stored.status, stored.status_version) == ("new", 1)


def test_a_stale_version_gets_409_with_the_current_state(
    client: Any, deployment: Deployment
) -> None:
    report_id = report(client)
    assert move(client, report_id, "verifying", 1, auth()).status_code == 200
    stale = move(client, report_id, "not_confirmed", 1, auth())
    assert stale.status_code == 409
    assert answer(stale)["current"]["status"] == "verifying"
    assert answer(stale)["current"]["status_version"] == 2
    assert len(deployment.store.audit(report_id)) == 1


def test_a_transition_outside_the_workflow_gets_409(client: Any) -> None:
    report_id = report(client)
    refused = move(client, report_id, "confirmed", 1, auth())
    assert refused.status_code == 409
    assert answer(refused)["error"]["code"] == "conflict"


def test_of_concurrent_status_changes_exactly_one_wins(client: Any, deployment: Deployment) -> None:
    report_id = report(client)
    officer = {"Authorization": f"Bearer {token('officer', '1261', 'malopolskie')}"}
    statuses = race(
        deployment,
        functools.partial(move, report_id=report_id, to="verifying", version=1, headers=officer),
        8,
    )
    assert statuses.count(200) == 1
    assert statuses.count(409) == 7
    assert [e.action for e in deployment.store.audit(report_id)] == ["status"]


def test_only_a_coordinator_rejects_a_prank_or_reopens(client: Any) -> None:
    report_id = report(client)
    officer, coordinator = auth(), auth("coordinator")
    assert move(client, report_id, "prank_or_mistake", 1, officer).status_code == 403
    assert move(client, report_id, "prank_or_mistake", 1, coordinator).status_code == 200
    assert move(client, report_id, "verifying", 2, officer).status_code == 403
    reopened = move(client, report_id, "verifying", 2, coordinator)
    assert answer(reopened)["status"] == "verifying"


def test_handing_over_outside_the_police_names_the_institution(client: Any) -> None:
    report_id = report(client)
    officer = auth()
    assert move(client, report_id, "verifying", 1, officer).status_code == 200
    assert move(client, report_id, "confirmed", 2, officer).status_code == 200
    missing = move(client, report_id, "confirmed_handed_over", 3, officer)
    assert missing.status_code == 422
    handed = move(
        client,
        report_id,
        "confirmed_handed_over",
        3,
        officer,
        institution="Zarząd Dróg Miasta Krakowa",
    )
    assert answer(handed)["handed_to"] == "Zarząd Dróg Miasta Krakowa"


def test_notes_duplicates_and_assignment(client: Any) -> None:
    original, duplicate = report(client, ip="203.0.113.1"), report(client, ip="203.0.113.2")
    elsewhere = report(client, BIALYSTOK, "203.0.113.3")
    officer, coordinator = auth(), auth("coordinator")
    noted = send(
        client, f"/v1/officer/reports/{original}/notes", {"text": "Monitoring nr 7"}, officer
    )
    assert noted.status_code == 201
    assert [n["text"] for n in answer(noted)["notes"]] == ["Monitoring nr 7"]

    path = f"/v1/officer/reports/{duplicate}/duplicate"
    assert send(client, path, {"original_id": elsewhere, "version": 1}, officer).status_code == 403
    marked = send(client, path, {"original_id": original, "version": 1}, officer)
    assert answer(marked)["duplicate_of"] == original
    assert answer(marked)["status"] == "not_confirmed"

    assign = f"/v1/officer/reports/{original}/assign"
    assert (
        send(client, assign, {"assignee": "st. sierż. Nowak", "version": 1}, officer).status_code
        == 403
    )
    assigned = send(client, assign, {"assignee": "st. sierż. Nowak", "version": 1}, coordinator)
    assert answer(assigned)["assignee"] == "st. sierż. Nowak"
    assert [e["action"] for e in answer(assigned)["audit"]] == ["note", "assign"]


def test_the_list_filters_pages_and_flags_overdue_reports(
    client: Any, deployment: Deployment, clock: FakeClock
) -> None:
    first = report(client, {**KRAKOW, "category": "speeding"}, "203.0.113.1")
    clock.now += timedelta(days=2)
    second = report(client, {**KRAKOW, "category": "begging"}, "203.0.113.2")
    clock.now += timedelta(days=1, hours=1)  # the first is now past its 3 days
    third = report(client, {**KRAKOW, "category": "speeding"}, "203.0.113.3")
    officer = auth()

    page = answer(get(client, "/v1/officer/reports?limit=2", officer))
    assert [i["id"] for i in page["items"]] == [third, second]
    rest = answer(get(client, f"/v1/officer/reports?limit=2&cursor={page['next_cursor']}", officer))
    assert [i["id"] for i in rest["items"]] == [first]
    assert rest["next_cursor"] is None

    speeding = answer(get(client, "/v1/officer/reports?category=speeding", officer))["items"]
    assert [i["id"] for i in speeding] == [third, first]
    overdue = answer(get(client, "/v1/officer/reports?overdue=true", officer))["items"]
    assert [(i["id"], i["overdue"]) for i in overdue] == [(first, True)]
    day = (clock.now - timedelta(days=1, hours=1)).date().isoformat()
    on_day = answer(get(client, f"/v1/officer/reports?from={day}&to={day}", officer))["items"]
    assert [i["id"] for i in on_day] == [second]
    assert move(client, first, "verifying", 1, officer).status_code == 200
    by_status = answer(get(client, "/v1/officer/reports?status=verifying", officer))["items"]
    assert [i["id"] for i in by_status] == [first]
    bad = get(client, "/v1/officer/reports?cursor=bm9wZQ", officer)
    assert bad.status_code == 400


def test_an_officer_records_a_threat_raised_at_a_public_debate(client: Any) -> None:
    body = {
        "category": "public_drinking",
        "lat": 50.0614,
        "lon": 19.9366,
        "description": "Mieszkańcy zgłaszają picie alkoholu przy placu zabaw.",
        "meeting_date": "2026-06-09",
        "meeting_place": "Debata społeczna, Rada Dzielnicy I",
    }
    created = send(client, "/v1/officer/consultations", body, auth())
    assert created.status_code == 201
    detail = answer(created)
    assert (detail["source"], detail["status"]) == ("consultation", "new")
    assert detail["meeting_place"] == "Debata społeczna, Rada Dzielnicy I"
    # The audit says where it came from: a consultation, by whom, at which meeting.
    [entry] = detail["audit"]
    assert (entry["action"], entry["to_status"]) == ("consultation", "new")
    assert entry["note"] == "Debata społeczna, Rada Dzielnicy I" and entry["by"]
    listed = answer(get(client, "/v1/officer/reports", auth()))["items"]
    assert [i["source"] for i in listed] == ["consultation"]
    elsewhere = send(
        client, "/v1/officer/consultations", {**body, "lat": 53.13, "lon": 23.17}, auth()
    )
    assert elsewhere.status_code == 422


def test_an_admin_reads_the_garrison_but_changes_nothing(client: Any) -> None:
    report_id = report(client)
    admin = auth("admin")
    assert get(client, f"/v1/officer/reports/{report_id}", admin).status_code == 200
    assert (
        answer(get(client, "/v1/officer/reports?unit=1261", admin))["items"][0]["id"] == report_id
    )
    assert move(client, report_id, "verifying", 1, admin).status_code == 403
    other = auth("admin", garrison="podlaskie")
    assert get(client, f"/v1/officer/reports/{report_id}", other).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"status": 5, "version": 1},
        {"status": "verifying"},
        {"status": "verifying", "version": "1"},
    ],
)
def test_a_malformed_status_change_is_refused(client: Any, body: Any) -> None:
    report_id = report(client)
    response = send(client, f"/v1/officer/reports/{report_id}/status", body, auth())
    assert response.status_code == 400
