"""Roles and identities are checked on every officer route: one role matrix, the garrison and
unit claims against the deployment, duplicates without cycles, the audit's subject and name,
and the API the panel builds on (/me's units, the detail's actions, duplicate candidates)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from chalicelib import workflow
from chalicelib.deployment import Deployment
from chalicelib.errors import VersionConflict
from chalicelib.units import Router
from tests.integration import test_officer_params
from tests.integration.conftest import token
from tests.integration.test_officer_params import CONSULTATION, report
from tests.integration.test_officers import auth, dev_issuer_sub, get, move, send
from tests.integration.test_submission import KRAKOW, answer, post

# One deployment for the module (its fixtures): each case makes reports of its own.
shared = test_officer_params.shared
deployment = test_officer_params.deployment

ROUTES = ("me", "list", "detail", "candidates", "status", "note", "duplicate", "assign", "consult")
# The role matrix as the routes must apply it: which routes each role may use.
ALLOWED = {
    "officer": {"me", "list", "detail", "candidates", "status", "note", "duplicate", "consult"},
    "coordinator": set(ROUTES),
    "admin": {"me", "list", "detail", "candidates"},
}


def _call(client: Any, route: str, headers: dict[str, str], report_id: str, other: str) -> Any:
    base = f"/v1/officer/reports/{report_id}"
    if route == "me":
        return get(client, "/v1/officer/me", headers)
    if route == "list":
        return get(client, "/v1/officer/reports?unit=1261", headers)
    if route == "detail":
        return get(client, base, headers)
    if route == "candidates":
        return get(client, f"{base}/candidates", headers)
    if route == "status":
        return move(client, report_id, "verifying", 1, headers)
    if route == "note":
        return send(client, f"{base}/notes", {"text": "Notatka"}, headers)
    if route == "duplicate":
        return send(client, f"{base}/duplicate", {"original_id": other, "version": 1}, headers)
    if route == "assign":
        return send(client, f"{base}/assign", {"assignee": "Nowak", "version": 1}, headers)
    return send(client, "/v1/officer/consultations", CONSULTATION, headers)


def test_the_matrix_the_routes_apply_is_the_workflows() -> None:
    route_action = {
        "me": "read",
        "list": "read",
        "detail": "read",
        "candidates": "read",
        "status": "status",
        "note": "note",
        "duplicate": "duplicate",
        "assign": "assign",
        "consult": "consultation",
    }
    for role, routes in ALLOWED.items():
        assert {r for r in ROUTES if workflow.may_act(role, route_action[r])} == routes


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["officer", "coordinator", "admin"])
def test_every_route_applies_the_role_matrix(
    client: Any, deployment: Deployment, role: str, route: str
) -> None:
    report_id, other = report(client), report(client)
    response = _call(client, route, auth(role), report_id, other)
    if route in ALLOWED[role]:
        assert response.status_code in (200, 201), response.body
        return
    assert response.status_code == 403, response.body
    assert answer(response)["error"]["code"] == "role_required"
    stored = deployment.store.get(report_id)
    assert stored is not None
    assert (stored.status, stored.status_version, stored.assignee) == ("new", 1, None)
    assert stored.duplicate_of is None
    assert deployment.store.audit(report_id) == []


# Tokens whose claims do not fit this deployment: a wrong or unknown garrison for the unit,
# a unit of another garrison, a unit that does not exist, an admin of no garrison.
MISMATCHED = [
    ("officer", "1261", "podlaskie"),
    ("officer", "1261", "nonexistent"),
    ("coordinator", "1261", "podlaskie"),
    ("coordinator", "1261", "mazowieckie"),
    ("officer", "2061", "malopolskie"),
    ("officer", "kmp-2061", "malopolskie"),
    ("officer", "9999", "malopolskie"),
    ("admin", "", "nonexistent"),
    ("admin", "", "MALOPOLSKIE"),
]


@pytest.mark.parametrize(("role", "unit", "garrison"), MISMATCHED)
def test_a_token_whose_claims_do_not_fit_is_refused_everywhere(
    client: Any, deployment: Deployment, role: str, unit: str, garrison: str
) -> None:
    report_id, other = report(client), report(client)
    headers = {"Authorization": f"Bearer {token(role, unit, garrison)}"}
    for route in ROUTES:
        response = _call(client, route, headers, report_id, other)
        assert response.status_code == 403, (route, response.body)
        error = answer(response)["error"]
        assert error["code"] == "forbidden" and error["message"] and error["message_en"]
    stored = deployment.store.get(report_id)
    assert stored is not None and stored.status_version == 1
    assert deployment.store.audit(report_id) == []


def test_a_garrison_another_deployment_serves_is_refused(
    client: Any, deployment: Deployment, router: Router
) -> None:
    only_krakow = Router(
        router.index, list(router.garrisons.values()), None, frozenset({"malopolskie"})
    )
    deployment.__dict__["router"] = only_krakow
    try:
        for role, unit, garrison in (
            ("officer", "2061", "podlaskie"),
            ("admin", "", "podlaskie"),
        ):
            headers = {"Authorization": f"Bearer {token(role, unit, garrison)}"}
            response = get(client, "/v1/officer/me", headers)
            assert response.status_code == 403, response.body
        assert get(client, "/v1/officer/me", auth()).status_code == 200
    finally:
        deployment.__dict__["router"] = router


def test_me_lists_the_units_each_role_may_view(client: Any, router: Router) -> None:
    officer = answer(get(client, "/v1/officer/me", auth()))
    assert officer["units"] == [officer["unit"]]
    assert officer["unit"]["id"] == "kmp-1261" and officer["unit"]["teryt"] == "1261"
    coordinator = answer(get(client, "/v1/officer/me", auth("coordinator")))
    assert coordinator["units"] == officer["units"]
    admin = answer(get(client, "/v1/officer/me", auth("admin")))
    assert admin["role"] == "admin" and admin["unit"] is None
    malopolska = {u.id for u in router.units if u.garrison == "malopolskie"}
    assert {u["id"] for u in admin["units"]} == malopolska
    assert len(malopolska) > 10 and "kmp-1261" in malopolska
    assert all(set(u) == {"id", "name", "teryt"} and u["name"] for u in admin["units"])
    # Every unit /me offers an admin can be listed; another garrison's cannot.
    for unit in admin["units"][:3]:
        response = get(client, f"/v1/officer/reports?unit={unit['id']}", auth("admin"))
        assert response.status_code == 200
    assert get(client, "/v1/officer/reports?unit=2061", auth("admin")).status_code == 403


# --- duplicates ----------------------------------------------------------------------


def _duplicate(client: Any, report_id: str, original: str, version: int, headers: Any) -> Any:
    body = {"original_id": original, "version": version}
    return send(client, f"/v1/officer/reports/{report_id}/duplicate", body, headers)


def test_two_reports_cannot_be_each_others_duplicates(client: Any, deployment: Deployment) -> None:
    a, b = report(client), report(client)
    officer, coordinator = auth(), auth("coordinator")
    assert _duplicate(client, a, b, 1, officer).status_code == 200
    back = _duplicate(client, b, a, 1, officer)
    assert back.status_code == 422 and answer(back)["error"]["code"] == "original_closed"
    assert deployment.store.get(b).status == "new"  # type: ignore[union-attr]
    # Reopened, A is a report of its own again: no longer a duplicate of B.
    reopened = answer(move(client, a, "verifying", 2, coordinator))
    assert reopened["duplicate_of"] is None
    assert _duplicate(client, b, a, 1, officer).status_code == 200
    # ... and now A cannot point to B, which points to A.
    again = _duplicate(client, a, b, 3, officer)
    assert again.status_code == 422


def test_a_longer_chain_cannot_close_a_cycle(client: Any, deployment: Deployment) -> None:
    a, b, c = report(client), report(client), report(client)
    store = deployment.store
    # Open reports pointing on (data written before reopening cleared the pointer).
    for report_id, points_to in ((b, a), (c, b)):
        current = store.get(report_id)
        assert current is not None
        entry = workflow.AuditEntry(report_id, deployment.clock(), "legacy", "", "status")
        store.change(current, 1, {"duplicate_of": points_to}, entry)
    refused = _duplicate(client, a, c, 1, auth())  # a → c → b → a
    assert refused.status_code == 422
    assert answer(refused)["error"]["code"] == "duplicate_cycle"
    assert store.get(a).status == "new"  # type: ignore[union-attr]
    # Neither b nor c is offered as a's original.
    offered = answer(get(client, f"/v1/officer/reports/{a}/candidates", auth()))["candidates"]
    assert not {b, c} & {o["id"] for o in offered}


def test_a_duplicates_original_is_another_open_report_of_the_same_unit(
    client: Any, deployment: Deployment
) -> None:
    report_id, closed = report(client), report(client)
    coordinator = auth("coordinator")
    assert move(client, closed, "prank_or_mistake", 1, coordinator).status_code == 200
    elsewhere = post(client, {**KRAKOW, "lat": 53.1325, "lon": 23.1688}, ip="2001:db8:ffff::1")
    bialystok = answer(elsewhere)["id"]
    cases = [
        (report_id, 422, "self_duplicate"),
        (closed, 422, "original_closed"),
        (bialystok, 403, "forbidden"),
        ("01ARZ3NDEKTSV4RRFFQ69G5FAV", 422, "unknown_original"),
    ]
    for original, status, code in cases:
        response = _duplicate(client, report_id, original, 1, coordinator)
        assert (response.status_code, answer(response)["error"]["code"]) == (status, code)
    assert deployment.store.audit(report_id) == []


def test_marking_a_duplicate_holds_only_while_the_original_is_as_read(
    client: Any, deployment: Deployment
) -> None:
    a, b = report(client), report(client)
    store = deployment.store
    original = store.get(b)
    assert original is not None
    assert move(client, b, "verifying", 1, auth()).status_code == 200  # b changes meanwhile
    current = store.get(a)
    assert current is not None
    entry = workflow.AuditEntry(a, deployment.clock(), "sub", "name", "duplicate")
    with pytest.raises(VersionConflict):
        store.change(
            current,
            1,
            {"status": workflow.NOT_CONFIRMED, "duplicate_of": b},
            entry,
            unchanged=(b, original.status_version),
        )
    assert store.get(a).status == "new"  # type: ignore[union-attr]


# --- what the detail tells the panel -------------------------------------------------------


def test_the_detail_says_what_the_caller_may_do_and_who_did_what(
    client: Any, deployment: Deployment
) -> None:
    a, b = report(client), report(client)
    coordinator = auth("coordinator")
    path = f"/v1/officer/reports/{a}"
    detail = answer(get(client, path, auth()))
    assert detail["confirmations"] == 0
    assert detail["actions"] == ["status", "note", "duplicate"]
    assert detail["transitions"] == [
        {"status": "verifying", "requires_institution": False, "closes": False}
    ]
    assert detail["allowed_transitions"] == ["verifying"]
    as_coordinator = answer(get(client, path, coordinator))
    assert as_coordinator["actions"] == ["status", "note", "duplicate", "assign"]
    assert {t["status"]: t["closes"] for t in as_coordinator["transitions"]} == {
        "verifying": False,
        "prank_or_mistake": True,
    }
    as_admin = answer(get(client, path, auth("admin")))
    assert (as_admin["actions"], as_admin["transitions"], as_admin["allowed_transitions"]) == (
        [],
        [],
        [],
    )

    officer = auth()
    move(client, a, "verifying", 1, officer)
    moved = answer(move(client, a, "confirmed", 2, officer))
    handing = {t["status"]: t for t in moved["transitions"]}
    assert handing["confirmed_handed_over"]["requires_institution"] is True
    assert handing["confirmed_eliminated"] == {
        "status": "confirmed_eliminated",
        "requires_institution": False,
        "closes": True,
    }
    assert moved["actions"] == ["status", "note"]  # no longer a duplicate candidate

    marked = answer(_duplicate(client, b, a, 1, coordinator))
    assert marked["actions"] == ["status", "note"]  # closed: reopen and notes only
    (entry,) = marked["audit"]
    assert entry["action"] == "duplicate" and entry["original_id"] == a
    assert entry["by"] == dev_issuer_sub("coordinator", "1261", "coordinator 1261")
    assert entry["by_name"] == "coordinator 1261"
    assert (entry["from_status"], entry["to_status"]) == ("new", "not_confirmed")
    for viewer in ("officer", "admin"):
        seen = answer(get(client, f"/v1/officer/reports/{b}", auth(viewer)))["audit"]
        assert set(seen[0]) >= {"at", "by", "by_name", "action", "from_status", "to_status"}
        assert seen[0]["by"] == entry["by"]


def test_the_audit_keeps_the_subject_when_the_name_changes(client: Any) -> None:
    report_id = report(client)
    sub = "0f8b3c1e-7d1a-4c55-9a57-1c2e3d4f5a6b"
    for name in ("st. asp. Anna Kowalska", "st. asp. Anna Nowak"):
        headers = {
            "Authorization": "Bearer "
            + token_with_sub("officer", "1261", "malopolskie", name=name, sub=sub)
        }
        send(client, f"/v1/officer/reports/{report_id}/notes", {"text": name}, headers)
    audit = answer(get(client, f"/v1/officer/reports/{report_id}", auth("coordinator")))["audit"]
    assert [(e["by"], e["by_name"]) for e in audit] == [
        (sub, "st. asp. Anna Kowalska"),
        (sub, "st. asp. Anna Nowak"),
    ]


def token_with_sub(role: str, unit: str, garrison: str, *, name: str, sub: str) -> str:
    from infra import dev_issuer
    from tests.integration.conftest import ISSUER_STATE

    return dev_issuer.issue(ISSUER_STATE, role, garrison, unit, name, sub=sub)


def test_the_detail_counts_citizens_confirmations(client: Any, deployment: Deployment) -> None:
    report_id = report(client)
    officer = auth()
    move(client, report_id, "verifying", 1, officer)
    move(client, report_id, "confirmed", 2, officer)  # public now
    for n in range(3):
        confirmed = client.http.post(
            f"/v1/reports/{report_id}/confirmations",
            headers={"x-forwarded-for": f"2001:db8:c0:{n}::1"},
        )
        assert confirmed.status_code == 201, confirmed.body
    assert answer(get(client, f"/v1/officer/reports/{report_id}", officer))["confirmations"] == 3


# --- duplicate candidates -----------------------------------------------------------------


def _near(metres_north: float, metres_east: float = 0.0) -> dict[str, Any]:
    lat0, lon0 = float(KRAKOW["lat"]), float(KRAKOW["lon"])  # type: ignore[arg-type]
    lat = lat0 + metres_north / 111_195.0
    lon = lon0 + metres_east / (111_195.0 * math.cos(math.radians(lat0)))
    return {**KRAKOW, "lat": lat, "lon": lon}


def _post_at(client: Any, body: dict[str, Any]) -> str:
    from tests.integration.test_officer_params import _ADDRESSES

    n = next(_ADDRESSES)
    response = post(client, body, ip=f"2001:db8:{n // 65536:x}:{n % 65536:x}::1")
    assert response.status_code == 201, response.body
    return str(answer(response)["id"])


def test_candidates_are_open_reports_of_the_unit_nearby_nearest_first(
    client: Any, deployment: Deployment
) -> None:
    # A unit of its own for this test's reports: a place of Kraków far from the others.
    here = _post_at(client, _near(-3000, 3000))
    ahead = {m: _post_at(client, _near(-3000 + m, 3000)) for m in (0, 120, 300, 490)}
    far = _post_at(client, _near(-3000 + 560, 3000))
    east = _post_at(client, _near(-3000, 3000 + 250))
    closed = _post_at(client, _near(-3000 + 50, 3000))
    assert move(client, closed, "prank_or_mistake", 1, auth("coordinator")).status_code == 200
    response = get(client, f"/v1/officer/reports/{here}/candidates", auth())
    assert response.status_code == 200
    found = answer(response)["candidates"]
    ids = [c["id"] for c in found]
    assert ids == [ahead[0], ahead[120], east, ahead[300], ahead[490]]
    assert here not in ids and far not in ids and closed not in ids
    assert set(found[0]) == {
        "id",
        "category",
        "status",
        "status_pl",
        "status_en",
        "created_at",
        "lat",
        "lon",
        "distance_m",
    }
    distances = [c["distance_m"] for c in found]
    assert distances == sorted(distances) and distances[0] < 1
    assert abs(distances[1] - 120) < 2 and abs(distances[-1] - 490) < 3
    # The same scope as the detail: another unit's officer sees nothing of it.
    other = get(
        client, f"/v1/officer/reports/{here}/candidates", auth("officer", "2061", "podlaskie")
    )
    assert other.status_code == 403


def test_at_most_twenty_candidates(client: Any, deployment: Deployment) -> None:
    here = _post_at(client, _near(4000, -4000))
    for i in range(22):
        _post_at(client, _near(4000 + 10 * (i + 1), -4000))
    found = answer(get(client, f"/v1/officer/reports/{here}/candidates", auth()))["candidates"]
    assert len(found) == 20
    assert [c["distance_m"] for c in found] == sorted(c["distance_m"] for c in found)


def test_a_candidate_can_be_marked_the_original(client: Any) -> None:
    here = _post_at(client, _near(2500, 6000))
    there = _post_at(client, _near(2500 + 80, 6000))
    (candidate,) = answer(get(client, f"/v1/officer/reports/{here}/candidates", auth()))[
        "candidates"
    ]
    assert candidate["id"] == there
    assert _duplicate(client, here, there, 1, auth()).status_code == 200
    # Now the other way round would close a cycle: not offered, and refused.
    offered = answer(get(client, f"/v1/officer/reports/{there}/candidates", auth()))
    assert offered["candidates"] == []


def _mark(client: Any, report_id: str, original: str, headers: dict[str, str]) -> Any:
    return _duplicate(client, report_id, original, 1, headers)


def test_two_reports_marked_each_others_duplicates_at_once_never_both_close(
    client: Any, deployment: Deployment
) -> None:
    import functools
    import multiprocessing

    from tests.integration.conftest import _request_in_process

    headers = {"Authorization": f"Bearer {token('officer', '1261', 'malopolskie')}"}
    context = multiprocessing.get_context("fork")
    for _ in range(4):
        a, b = report(client), report(client)
        start, results = context.Barrier(2), context.Queue()
        requests = [
            functools.partial(_mark, report_id=a, original=b, headers=headers),
            functools.partial(_mark, report_id=b, original=a, headers=headers),
        ]
        processes = [
            context.Process(
                target=_request_in_process, args=(deployment.settings, r, start, results)
            )
            for r in requests
        ]
        for process in processes:
            process.start()
        statuses = sorted(results.get(timeout=120) for _ in processes)
        for process in processes:
            process.join(timeout=30)
        assert statuses.count(200) <= 1, statuses
        first, second = deployment.store.get(a), deployment.store.get(b)
        assert first is not None and second is not None
        assert not (first.duplicate_of == b and second.duplicate_of == a)
