"""`kmzb-admin migrate` on DynamoDB Local: a table written as release 1 wrote it (Polish status
labels in `status`, `unit_status` and the audit, rano|dzien|wieczor|noc) ends up holding codes
everywhere; the index finds every report by its code; a second run changes nothing; a report
changed while the migration runs is left as the officer left it."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib import reports, statuses
from chalicelib.deployment import Deployment
from chalicelib.workflow import AuditEntry
from infra import migrate
from infra.admin import run
from tests.integration.test_officers import auth, get
from tests.integration.test_submission import answer

# Release 1's values, literally (chalicelib/workflow.py and reports.py before the codes).
RELEASE_1_STATUSES = (
    "Nowe",
    "Weryfikacja",
    "Potwierdzone",
    "Niepotwierdzone",
    "Żart lub pomyłka",
    "Potwierdzone (wyeliminowane)",
    "Potwierdzone (przekazane poza Policję)",
)
RELEASE_1_TIMES = ("rano", "dzien", "wieczor", "noc", None)
CODE_OF = dict(zip(RELEASE_1_STATUSES, statuses.CODES, strict=True))
TIME_OF = {"rano": "morning", "dzien": "day", "wieczor": "evening", "noc": "night", None: None}


def _dynamodb(deployment: Deployment) -> Any:
    s = deployment.settings
    return boto3.client("dynamodb", region_name=s.region, endpoint_url=s.dynamodb_endpoint)


def scan(dynamodb: Any, table: str) -> dict[str, dict[str, Any]]:
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    items = [item for page in pages for item in page["Items"]]
    key = "at_key" if items and "at_key" in items[0] else "id"
    return {item[key]["S"]: item for item in items}


def env_of(deployment: Deployment) -> dict[str, str]:
    s = deployment.settings
    return {
        "KMZB_DYNAMODB_ENDPOINT": str(s.dynamodb_endpoint),
        "KMZB_REPORTS_TABLE": s.reports_table,
        "KMZB_AUDIT_TABLE": s.audit_table,
        "KMZB_LIMITS_TABLE": s.limits_table,
        "KMZB_TOPIC_ARN_PREFIX": s.topic_arn_prefix,  # not the local stack's .kmzb/local.json
        "KMZB_DATA_DIR": str(s.data_dir),
        "AWS_REGION": s.region,
    }


def admin(deployment: Deployment, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(["migrate", *argv], env_of(deployment), out)
    return code, out.getvalue()


def write_release_1(deployment: Deployment, copies: int = 2) -> dict[str, tuple[str, str | None]]:
    """Reports in every release-1 status and time of day, and their audit entries, written
    through the storage's own writers with release-1 values (the item layout is unchanged):
    id -> (label, old time of day)."""
    store, now = deployment.store, deployment.clock()
    placement = deployment.router.place(50.0614, 19.9366)  # Kraków: unit kmp-1261
    written: dict[str, tuple[str, str | None]] = {}
    for n in range(copies):
        for i, label in enumerate(RELEASE_1_STATUSES):
            time = RELEASE_1_TIMES[(i + n) % len(RELEASE_1_TIMES)]
            at = now - timedelta(days=10 * n + i, minutes=i)
            report = reports.new_report(
                reports.new_report_id(at),
                "speeding",
                50.0614 + i / 1000,
                19.9366,
                placement,
                at,
                time_of_day=time,
            )
            report = replace(report, status=label, status_version=i + 1)
            store.insert(report)
            store.add_audit(AuditEntry(report.id, at, "sub-1", "Jan", "consultation", None, "Nowe"))
            if label != "Nowe":
                store.add_audit(
                    AuditEntry(report.id, at, "sub-1", "Jan", "status", "Weryfikacja", label)
                )
            written[report.id] = (label, time)
    return written


@pytest.fixture
def release_1(deployment: Deployment) -> dict[str, tuple[str, str | None]]:
    written = write_release_1(deployment)
    raw = scan(_dynamodb(deployment), deployment.settings.reports_table)
    # As release 1 stored them: labels in the status and the index key.
    assert {item["status"]["S"] for item in raw.values()} == set(RELEASE_1_STATUSES)
    assert all(
        item["unit_status"]["S"] == f"kmp-1261#{item['status']['S']}" for item in raw.values()
    )
    return written


def test_migrate_rewrites_every_label_and_time_and_a_second_run_changes_nothing(
    deployment: Deployment,
    release_1: dict[str, tuple[str, str | None]],
    monkeypatch: pytest.MonkeyPatch,
    client: Any,
) -> None:
    monkeypatch.setattr(migrate, "PAGE", 3)  # several scan pages, as on a real table
    dynamodb, settings = _dynamodb(deployment), deployment.settings
    before = scan(dynamodb, settings.reports_table)

    code, out = admin(deployment)
    assert code == 0, out
    assert "reports: 14 items scanned, updated: 14 status, 12 time_of_day;" in out
    assert "audit: 26 items scanned, updated: 12 from_status, 26 to_status;" in out
    assert out.count("scanned,") >= 5  # progress after each page

    after = scan(dynamodb, settings.reports_table)
    assert set(after) == set(release_1)
    for report_id, (label, time) in release_1.items():
        item = after[report_id]
        assert item["status"]["S"] == CODE_OF[label]
        assert item["unit_status"]["S"] == f"kmp-1261#{CODE_OF[label]}"
        assert item.get("time_of_day", {}).get("S") == TIME_OF[time]
        # Nothing else moved: no 409 for officers, no change to the feed's day counts.
        for name in ("status_version", "modified_at", "created_at", "garrison", "confirmations"):
            assert item.get(name) == before[report_id].get(name)
    audit = scan(dynamodb, settings.audit_table)
    assert {e["to_status"]["S"] for e in audit.values()} == set(statuses.CODES)
    assert {e["from_status"]["S"] for e in audit.values() if "from_status" in e} == {"verifying"}

    # The index finds every report by its code, and nothing is left under a label.
    store = deployment.store
    for code_ in statuses.CODES:
        page, _ = store.unit_reports("kmp-1261", status=code_, limit=100)
        expected = {i for i, (label, _) in release_1.items() if CODE_OF[label] == code_}
        assert {r.id for r in page} == expected
    for label in RELEASE_1_STATUSES:
        assert list(store.Report.by_unit_status.query(f"kmp-1261#{label}")) == []
    # And so does the API.
    listed = answer(get(client, "/v1/officer/reports?status=confirmed", auth()))["items"]
    assert {i["status"] for i in listed} == {"confirmed"} and len(listed) == 2

    code, again = admin(deployment)
    assert code == 0, again
    assert "nothing to migrate" in again
    assert "updated: nothing; 0 changed meanwhile" in again
    assert scan(dynamodb, settings.reports_table) == after
    assert scan(dynamodb, settings.audit_table) == audit


def test_a_dry_run_counts_and_writes_nothing(
    deployment: Deployment, release_1: dict[str, tuple[str, str | None]]
) -> None:
    dynamodb = _dynamodb(deployment)
    before = scan(dynamodb, deployment.settings.reports_table)
    code, out = admin(deployment, "--dry-run")
    assert code == 0, out
    assert "would update: 14 status, 12 time_of_day" in out
    assert scan(dynamodb, deployment.settings.reports_table) == before


def test_a_report_an_officer_moves_during_the_migration_keeps_the_officers_status(
    deployment: Deployment, release_1: dict[str, tuple[str, str | None]]
) -> None:
    """The live-table case: the scan read a label, then an officer moved the report (the
    running release writes a code), then the migration's update comes: its condition fails
    and the officer's status stands."""
    dynamodb, store = _dynamodb(deployment), deployment.store
    moved = next(i for i, (label, _) in release_1.items() if label == "Weryfikacja")
    real_update = dynamodb.update_item
    calls = {"n": 0}

    def officer_first(**request: Any) -> Any:
        if request["Key"].get("id", {}).get("S") == moved and calls["n"] == 0:
            calls["n"] += 1
            report = store.get(moved)
            assert report is not None
            entry = AuditEntry(moved, deployment.clock(), "sub-2", "Ewa", "status", "verifying")
            store.change(report, report.status_version, {"status": "confirmed"}, entry)
        return real_update(**request)

    dynamodb.update_item = officer_first
    summary = migrate.migrate(dynamodb, deployment.settings.reports_table, None)
    assert calls["n"] == 1
    assert summary.reports.changed_meanwhile == 1
    assert summary.reports.updated["status"] == 13
    item = scan(dynamodb, deployment.settings.reports_table)[moved]
    assert item["status"]["S"] == "confirmed"
    assert item["unit_status"]["S"] == "kmp-1261#confirmed"
    assert store.get(moved).status == "confirmed"  # type: ignore[union-attr]


def test_until_the_migration_runs_the_api_reads_labels_as_codes(
    deployment: Deployment, release_1: dict[str, tuple[str, str | None]], client: Any
) -> None:
    """Between the deploy and `kmzb-admin migrate`: a report still holding a label is shown
    with its code and can be moved on."""
    first = next(i for i, (label, _) in release_1.items() if label == "Nowe")
    detail = answer(get(client, f"/v1/officer/reports/{first}", auth()))
    assert detail["status"] == "new" and detail["status_pl"] == "Nowe"
    assert detail["allowed_transitions"] == ["verifying"]
    old = next(i for i, (label, time) in release_1.items() if time == "noc")
    assert deployment.store.get(old).time_of_day == "night"  # type: ignore[union-attr]
