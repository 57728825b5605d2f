"""Citizens report through the API; DynamoDB Local stores the reports and counts the limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.deployment import Deployment
from tests.integration.conftest import FakeClock, token

KRAKOW = {"category": "illegal_parking", "lat": 50.0614, "lon": 19.9366}


def post(client: Any, body: Any, ip: str = "203.0.113.5", **headers: str) -> Any:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.http.post(
        "/v1/reports",
        headers={"content-type": "application/json", "x-forwarded-for": ip, **headers},
        body=raw,
    )


def answer(response: Any) -> Any:
    return json.loads(response.body)


def stored_reports(deployment: Deployment) -> list[Any]:
    return list(deployment.store.Report.scan(consistent_read=True))


def test_a_report_is_routed_to_its_unit_stored_and_followable(
    client: Any, deployment: Deployment
) -> None:
    response = post(
        client, {**KRAKOW, "description": "Auta na chodniku.", "time_of_day": "morning"}
    )
    assert response.status_code == 201
    receipt = answer(response)
    assert receipt["status"] == "new"
    assert receipt["category"] == "illegal_parking"
    assert receipt["unit"]["teryt"] == "1261"
    assert receipt["unit"]["id"] == "kmp-1261"
    assert receipt["garrison"] == "malopolskie"
    assert response.headers["Location"] == f"/v1/reports/{receipt['id']}"

    stored = deployment.store.get(receipt["id"])
    assert stored is not None
    assert stored.description == "Auta na chodniku."
    assert (stored.teryt, stored.unit_id, stored.source) == ("1261", "kmp-1261", "citizen_web")

    followed = client.http.get(f"/v1/reports/{receipt['id']}?token={receipt['tracking_token']}")
    assert followed.status_code == 200
    view = answer(followed)
    assert view["status"] == "new"
    assert view["unit"]["name"] == receipt["unit"]["name"]
    assert (view["lat"], view["lon"]) == (KRAKOW["lat"], KRAKOW["lon"])  # shown on the map
    assert "description" not in view


def test_following_with_a_wrong_token_looks_like_an_unknown_report(client: Any) -> None:
    receipt = answer(post(client, KRAKOW))
    wrong = client.http.get(f"/v1/reports/{receipt['id']}?token=AAAAAAAAAAAAAAAAAAAAAAAA")
    missing = client.http.get(f"/v1/reports/{receipt['id']}")
    unknown = client.http.get(
        f"/v1/reports/01ZZZZZZZZZZZZZZZZZZZZZZZZ?token={receipt['tracking_token']}"
    )
    for response in (wrong, missing, unknown):
        assert response.status_code == 404
        assert answer(response)["error"]["code"] == "not_found"


def test_a_second_report_the_same_day_is_refused_until_warsaw_midnight(
    client: Any, deployment: Deployment, clock: FakeClock
) -> None:
    clock.now = datetime(2030, 6, 10, 10, 0, tzinfo=UTC)  # 12:00 in Warsaw
    assert post(client, KRAKOW).status_code == 201
    clock.now += timedelta(hours=9)  # 21:00 in Warsaw
    refused = post(client, {**KRAKOW, "category": "speeding"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(3 * 3600)
    error = answer(refused)["error"]
    assert error["code"] == "daily_limit"
    # It says what is counted: the network address, not a device.
    assert "adresu internetowego (IP)" in error["message"] and "/64" in error["message"]
    assert "IP address" in error["message_en"] and "device today" not in error["message_en"]
    assert "północy" in error["message"] and "midnight" in error["message_en"]
    assert len(stored_reports(deployment)) == 1


def test_the_next_day_the_client_may_report_again_even_before_ttl_deletes_the_record(
    client: Any, deployment: Deployment, clock: FakeClock
) -> None:
    # Far enough in the future that DynamoDB Local's TTL sweeper leaves the record be.
    clock.now = datetime(2030, 6, 10, 21, 59, tzinfo=UTC)  # 23:59 in Warsaw
    assert post(client, KRAKOW).status_code == 201

    def daily_limits() -> list[Any]:  # not the `reported#…` record confirmations check
        records = deployment.store.Limit.scan(consistent_read=True)
        return [r for r in records if r.key.startswith("report#")]

    (limit,) = daily_limits()
    assert limit.expires_at == datetime(2030, 6, 10, 22, 0, tzinfo=UTC)

    clock.now = datetime(2030, 6, 10, 22, 1, tzinfo=UTC)  # 00:01 the next day
    assert len(daily_limits()) == 1  # still there
    assert post(client, KRAKOW).status_code == 201
    assert post(client, KRAKOW).status_code == 429
    assert len(stored_reports(deployment)) == 2


def test_different_clients_each_have_their_own_limit(client: Any, deployment: Deployment) -> None:
    assert post(client, KRAKOW, ip="203.0.113.5").status_code == 201
    assert post(client, KRAKOW, ip="203.0.113.6").status_code == 201
    assert post(client, KRAKOW, ip="2001:db8::1").status_code == 201
    assert len(stored_reports(deployment)) == 3


def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_limit(
    client: Any, deployment: Deployment
) -> None:
    from dataclasses import replace

    deployment.settings = replace(deployment.settings, trusted_proxies=0)
    assert post(client, KRAKOW, ip="203.0.113.5").status_code == 201
    assert post(client, KRAKOW, ip="203.0.113.6").status_code == 429


def test_no_raw_client_address_is_stored_anywhere(client: Any, deployment: Deployment) -> None:
    assert post(client, KRAKOW, ip="198.51.100.77").status_code == 201
    connection = deployment.store.Report._get_connection().connection
    for table in (deployment.settings.reports_table, deployment.settings.limits_table):
        items = connection.scan(table)["Items"]
        assert items
        assert "198.51.100.77" not in json.dumps(items)


def test_an_idempotent_retry_returns_the_first_answer_and_charges_nothing(
    client: Any, deployment: Deployment, clock: FakeClock
) -> None:
    clock.now = datetime(2030, 6, 10, 20, 0, tzinfo=UTC)
    first = post(client, KRAKOW, **{"Idempotency-Key": "draft-42"})
    retry = post(client, KRAKOW, **{"Idempotency-Key": "draft-42"})
    assert first.status_code == retry.status_code == 201
    assert answer(first) == answer(retry)
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert len(stored_reports(deployment)) == 1

    # A retry after midnight still replays, and leaves that day's report free.
    clock.now = datetime(2030, 6, 11, 8, 0, tzinfo=UTC)
    late_retry = post(client, KRAKOW, **{"Idempotency-Key": "draft-42"})
    assert late_retry.status_code == 201
    assert answer(late_retry)["id"] == answer(first)["id"]
    assert post(client, KRAKOW).status_code == 201
    assert len(stored_reports(deployment)) == 2


def test_an_idempotency_key_reused_with_another_body_is_refused(
    client: Any, deployment: Deployment
) -> None:
    assert post(client, KRAKOW, **{"Idempotency-Key": "k1"}).status_code == 201
    reused = post(client, {**KRAKOW, "category": "speeding"}, **{"Idempotency-Key": "k1"})
    assert reused.status_code == 422
    assert answer(reused)["error"]["code"] == "idempotency_key_reused"
    assert [r.category for r in stored_reports(deployment)] == ["illegal_parking"]


def test_the_same_idempotency_key_from_another_client_is_another_report(
    client: Any, deployment: Deployment
) -> None:
    a = post(client, KRAKOW, ip="203.0.113.5", **{"Idempotency-Key": "same"})
    b = post(client, KRAKOW, ip="203.0.113.6", **{"Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 201
    assert answer(a)["id"] != answer(b)["id"]


def test_a_point_in_another_garrison_is_refused_naming_who_serves_it(
    client: Any, deployment: Deployment
) -> None:
    from chalicelib.units import Router

    data = deployment.settings.data_dir
    deployment.__dict__["router"] = Router.from_files(
        data / "boundaries" / "powiaty.geojson",
        data / "garrisons.json",
        served=frozenset({"malopolskie"}),
    )
    refused = post(client, {**KRAKOW, "lat": 52.2297, "lon": 21.0122})
    assert refused.status_code == 422
    error = answer(refused)["error"]
    assert error["code"] == "outside_deployment"
    assert "Komenda Stołeczna Policji" in error["message"]
    assert "Komenda Stołeczna Policji" in error["message_en"]
    assert post(client, KRAKOW).status_code == 201  # the refusal charged nothing


def test_a_repeated_json_key_is_refused_and_nothing_is_stored_or_charged(
    client: Any, deployment: Deployment
) -> None:
    bodies = [
        '{"category": "speeding", "lat": 50.06, "lon": 19.93, "lat": 52.22, "lon": 21.01}',
        '{"category": "speeding", "category": "illegal_parking", "lat": 50.06, "lon": 19.93}',
        '{"category": "speeding", "lat": 50.06, "lon": 19.93, "days_of_week": ["mon"],'
        ' "description": "a", "description": "b"}',
    ]
    for raw in bodies:
        refused = post(client, raw, ip="203.0.113.77")
        assert refused.status_code == 400
        assert answer(refused)["error"]["code"] == "duplicate_key"
        assert answer(refused)["error"]["message_en"]
    assert stored_reports(deployment) == []
    assert post(client, KRAKOW, ip="203.0.113.77").status_code == 201  # nothing was charged


def test_a_repeated_json_key_in_an_officer_body_is_refused_and_changes_nothing(
    client: Any, deployment: Deployment
) -> None:
    receipt = answer(post(client, KRAKOW, ip="203.0.113.78"))
    headers = {
        "Authorization": f"Bearer {token('officer', '1261', 'malopolskie', name='officer')}",
        "content-type": "application/json",
    }
    base = f"/v1/officer/reports/{receipt['id']}"
    cases = [
        (base + "/status", '{"status": "verifying", "version": 1, "version": 1}'),
        (base + "/notes", '{"text": "pierwsza", "text": "druga"}'),
        (
            "/v1/officer/consultations",
            '{"category": "speeding", "lat": 50.06, "lon": 19.93, "lat": 50.07,'
            ' "meeting_date": "2026-01-10", "meeting_place": "Sala"}',
        ),
    ]
    for path, raw in cases:
        refused = client.http.post(path, headers=headers, body=raw)
        assert refused.status_code == 400, (path, refused.body)
        assert answer(refused)["error"]["code"] == "duplicate_key"
    stored = deployment.store.get(receipt["id"])
    assert stored is not None and stored.status == "new" and stored.status_version == 1
    assert len(stored_reports(deployment)) == 1


def test_a_time_without_an_offset_is_refused_so_no_spring_gap_time_is_ever_stored(
    client: Any, deployment: Deployment, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    for wall in ("2026-03-29T02:30:00", "2026-03-29T02:00", "2025-10-26T02:30", "2026-01-15T12:00"):
        refused = post(client, {**KRAKOW, "occurred_at": wall}, ip="203.0.113.79")
        assert refused.status_code == 422
        assert answer(refused)["error"]["code"] == "datetime_without_timezone"
    assert stored_reports(deployment) == []
    # The form's conversion of the autumn night's 01:30 (+02:00, the offset in force then).
    accepted = post(
        client, {**KRAKOW, "occurred_at": "2026-10-25T01:30:00+02:00"}, ip="203.0.113.79"
    )
    assert accepted.status_code == 201
    stored = deployment.store.get(answer(accepted)["id"])
    assert stored is not None and stored.occurred_at == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)


def test_an_offset_not_in_force_in_warsaw_is_refused_and_charges_nothing(
    client: Any, deployment: Deployment, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    cases = [
        ("2026-07-01T18:30:00+01:00", "wrong_utc_offset", "+02:00"),  # an hour off in July
        ("2026-03-29T02:30:00+01:00", "wrong_utc_offset", "+02:00"),  # a spring-gap wall time
        ("2026-01-15T12:00:00+02:00", "wrong_utc_offset", "+01:00"),
        ("2026-11-29T10:00:00+14:00", "wrong_utc_offset", "+01:00"),
        ("2026-11-29T10:00:00+01:00:30", "invalid_datetime", None),  # an offset with seconds
        ("2026-11-29T10:00:00+01:00\u0000", "invalid_datetime", None),  # a trailing NUL
        ("2026-11-29 10:00:00+01:00", "invalid_datetime", None),
    ]
    for text, code, in_force in cases:
        refused = post(client, {**KRAKOW, "occurred_at": text}, ip="203.0.113.80")
        assert refused.status_code == 422, (text, refused.body)
        error = answer(refused)["error"]
        assert error["code"] == code, text
        if in_force is not None:
            assert f"przesunięcie {in_force}" in error["message"]
            assert in_force in error["message_en"]
    assert stored_reports(deployment) == []
    # Nothing was charged: the same client reports, with the offset in force, right after.
    accepted = post(
        client, {**KRAKOW, "occurred_at": "2026-07-01T18:30:00+02:00"}, ip="203.0.113.80"
    )
    assert accepted.status_code == 201, accepted.body
    stored = deployment.store.get(answer(accepted)["id"])
    assert stored is not None and stored.occurred_at == datetime(2026, 7, 1, 16, 30, tzinfo=UTC)
