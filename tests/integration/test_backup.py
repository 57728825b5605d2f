"""`kmzb-admin backup export/restore` against DynamoDB Local and moto's S3: a garrison's
reports, consultations and audit round-trip exactly, into empty tables only."""

from __future__ import annotations

import gzip
import io
import json
import uuid
from dataclasses import replace
from typing import Any

import boto3
import pytest

from chalicelib.deployment import Deployment
from chalicelib.storage import build_models
from infra import backup
from infra.admin import run
from infra.engines import Engine
from tests.integration.test_officers import BIALYSTOK, auth, move, report, send
from tests.integration.test_submission import KRAKOW, answer

GARRISON = "malopolskie"
BUCKET = "kmzb-backups"
UNICODE = 'Zażółć gęślą jaźń — „cudzysłów” \\ "ASCII" 🚓\nnowa linia\tz tabulatorem'


def admin(env: dict[str, str], *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(list(argv), env, out)
    return code, out.getvalue()


@pytest.fixture
def env(deployment: Deployment, moto_server: Engine) -> dict[str, str]:
    """kmzb-admin's environment for this test's tables, DynamoDB Local and moto's S3."""
    s = deployment.settings
    return {
        "KMZB_DYNAMODB_ENDPOINT": str(s.dynamodb_endpoint),
        "KMZB_S3_ENDPOINT": moto_server.url,
        "KMZB_REPORTS_TABLE": s.reports_table,
        "KMZB_AUDIT_TABLE": s.audit_table,
        "KMZB_LIMITS_TABLE": s.limits_table,
        "KMZB_TOPIC_ARN_PREFIX": s.topic_arn_prefix,  # not the local stack's .kmzb/local.json
        "KMZB_DATA_DIR": str(s.data_dir),
        "AWS_REGION": s.region,
    }


def _dynamodb(deployment: Deployment) -> Any:
    s = deployment.settings
    return boto3.client("dynamodb", region_name=s.region, endpoint_url=s.dynamodb_endpoint)


def _s3(moto_server: Engine) -> Any:
    return boto3.client("s3", region_name="eu-central-1", endpoint_url=moto_server.url)


def scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return [item for page in pages for item in page["Items"]]


def by_text(items: list[dict[str, Any]]) -> list[str]:
    """Low-level items as sorted canonical lines (sets sorted): equal lists, equal items."""
    return sorted(backup.canonical(item) for item in items)


def fill_garrisons(client: Any, deployment: Deployment) -> dict[str, str]:
    """Reports of every kind in Małopolska, and one in Podlasie that must not be exported."""
    ids: dict[str, str] = {}
    ids["plain"] = report(client, ip="203.0.113.1")
    full = {
        **KRAKOW,
        "category": "speeding",
        "description": UNICODE,
        "occurred_at": "2026-06-09T21:30:00+02:00",
        "time_of_day": "evening",
        "days_of_week": ["fri", "sat"],
    }
    ids["full"] = report(client, full, ip="203.0.113.2")
    officer, coordinator = auth(), auth("coordinator")
    assert move(client, ids["full"], "verifying", 1, officer).status_code == 200
    assert move(client, ids["full"], "confirmed", 2, officer).status_code == 200
    noted = send(
        client,
        f"/v1/officer/reports/{ids['plain']}/notes",
        {"text": f"Notatka: {UNICODE}"},
        officer,
    )
    assert noted.status_code == 201
    ids["duplicate"] = report(client, ip="203.0.113.3")
    path = f"/v1/officer/reports/{ids['duplicate']}/duplicate"
    marked = send(client, path, {"original_id": ids["plain"], "version": 1}, officer)
    assert marked.status_code == 200
    assigned = send(
        client,
        f"/v1/officer/reports/{ids['plain']}/assign",
        {"assignee": "st. sierż. Nowak", "version": 1},
        coordinator,
    )
    assert assigned.status_code == 200
    consultation = {
        "category": "public_drinking",
        "lat": 50.0614,
        "lon": 19.9366,
        "description": "Mieszkańcy zgłaszają picie alkoholu przy placu zabaw.",
        "meeting_date": "2026-06-09",
        "meeting_place": "Debata społeczna, Rada Dzielnicy I",
    }
    created = send(client, "/v1/officer/consultations", consultation, officer)
    assert created.status_code == 201
    ids["consultation"] = answer(created)["id"]
    ids["elsewhere"] = report(client, BIALYSTOK, ip="203.0.113.4")
    elsewhere_note = send(
        client,
        f"/v1/officer/reports/{ids['elsewhere']}/notes",
        {"text": "Podlasie"},
        auth("officer", "2061", "podlaskie"),
    )
    assert elsewhere_note.status_code == 201
    # Every DynamoDB type, written raw: sets, binary, maps, lists, booleans, nulls, numbers
    # whose digits must survive exactly.
    raw = {
        "id": {"S": "RAWTYPES0000000000000000000"},
        "garrison": {"S": GARRISON},
        "modified_at": {"S": "2026-06-10T10:00:00.000Z"},
        "source": {"S": "citizen"},
        "tags": {"SS": ["żółty", "a", "Z"]},
        "scores": {"NS": ["1", "-0.000001", "12345678901234567890123456789012345678"]},
        "blob": {"B": b"\x00\xffbinary\n"},
        "blobs": {"BS": [b"\x01", b"\x02\x03"]},
        "nested": {
            "M": {
                "list": {"L": [{"N": "3.14159"}, {"S": "π"}, {"BOOL": False}, {"NULL": True}]},
                "flag": {"BOOL": True},
            }
        },
        "lat": {"N": "50.061400"},
    }
    s = deployment.settings
    _dynamodb(deployment).put_item(TableName=s.reports_table, Item=raw)
    return ids


def fresh_tables(deployment: Deployment) -> backup.TableNames:
    """Two new, empty tables with the project's schema (the restore's target)."""
    prefix = f"r{uuid.uuid4().hex[:10]}"
    settings = replace(
        deployment.settings, reports_table=f"{prefix}-reports", audit_table=f"{prefix}-audit"
    )
    report_model, _, _, audit_model, _, _ = build_models(settings)
    report_model.create_table(wait=True)
    audit_model.create_table(wait=True)
    return backup.TableNames(settings.reports_table, settings.audit_table)


def garrison_only(items: list[dict[str, Any]], ids: set[str], key: str) -> list[dict[str, Any]]:
    return [item for item in items if item[key]["S"] in ids]


def test_a_garrisons_export_restores_every_item_exactly(
    client: Any, deployment: Deployment, env: dict[str, str], moto_server: Engine, capsys: Any
) -> None:
    ids = fill_garrisons(client, deployment)
    dynamodb, s3 = _dynamodb(deployment), _s3(moto_server)
    s = deployment.settings

    code, out = admin(env, "backup", "export", "--garrison", GARRISON, "--prefix", "drill/1")
    assert code == 0, out
    assert f"s3://{BUCKET}/drill/1/" in out
    assert "consultations" in out

    # The files are DynamoDB's export format: gzip, one {"Item": {...}} per line.
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key="drill/1/manifest.json")["Body"].read())
    assert manifest["garrison"] == GARRISON and manifest["exported_at"].endswith("Z")
    assert manifest["tables"]["reports"]["consultations"] == 1
    [reports_file] = manifest["tables"]["reports"]["files"]
    assert reports_file["key"].startswith("data/") and reports_file["key"].endswith(".json.gz")
    body = s3.get_object(Bucket=BUCKET, Key=f"drill/1/{reports_file['key']}")["Body"].read()
    lines = gzip.decompress(body).decode("utf-8").splitlines()
    assert all(set(json.loads(line)) == {"Item"} for line in lines)
    exported_ids = {json.loads(line)["Item"]["id"]["S"] for line in lines}
    assert ids["elsewhere"] not in exported_ids  # another garrison's report stays out
    assert {ids["plain"], ids["full"], ids["consultation"], ids["duplicate"]} <= exported_ids

    source_reports = [i for i in scan(dynamodb, s.reports_table) if i["id"]["S"] in exported_ids]
    source_audit = garrison_only(scan(dynamodb, s.audit_table), exported_ids, "report_id")
    assert len(source_reports) == 5 and manifest["tables"]["reports"]["items"] == 5
    assert len(source_audit) >= 6 and manifest["tables"]["audit"]["items"] == len(source_audit)
    assert {i["report_id"]["S"] for i in scan(dynamodb, s.audit_table)} - exported_ids == {
        ids["elsewhere"]
    }

    # A restore into a reports table with a stream would announce the reports again: refused
    # unless asked for; a table without one (as a PITR restore makes) needs no flag.
    target = fresh_tables(deployment)
    restore = ["backup", "restore", "--from", f"s3://{BUCKET}/drill/1"]
    restore += ["--reports-table", target.reports, "--audit-table", target.audit]
    code, _ = admin(env, *restore)
    assert code == 2 and "has a stream" in capsys.readouterr().err
    assert scan(dynamodb, target.reports) == [] and scan(dynamodb, target.audit) == []
    dynamodb.update_table(TableName=target.reports, StreamSpecification={"StreamEnabled": False})
    code, out = admin(
        env,
        "backup",
        "restore",
        "--from",
        f"s3://{BUCKET}/drill/1",
        "--reports-table",
        target.reports,
        "--audit-table",
        target.audit,
    )
    assert code == 0, out
    assert f"{target.reports}: 5 items" in out
    assert f"{target.audit}: {len(source_audit)} items" in out

    # Every item of both tables, as low-level items: the same types and the same values.
    assert by_text(scan(dynamodb, target.reports)) == by_text(source_reports)
    assert by_text(scan(dynamodb, target.audit)) == by_text(source_audit)
    raw = dynamodb.get_item(
        TableName=target.reports, Key={"id": {"S": "RAWTYPES0000000000000000000"}}
    )["Item"]
    assert raw["blob"] == {"B": b"\x00\xffbinary\n"}
    assert sorted(raw["scores"]["NS"]) == sorted(
        ["1", "-0.000001", "12345678901234567890123456789012345678"]
    )
    full = dynamodb.get_item(TableName=target.reports, Key={"id": {"S": ids["full"]}})["Item"]
    assert full["description"] == {"S": UNICODE}
    assert full["days_of_week"] == {"L": [{"S": "fri"}, {"S": "sat"}]}


def test_restoring_into_tables_that_hold_anything_is_refused_and_changes_nothing(
    client: Any, deployment: Deployment, env: dict[str, str], capsys: Any
) -> None:
    fill_garrisons(client, deployment)
    assert admin(env, "backup", "export", "--garrison", GARRISON, "--prefix", "drill/2")[0] == 0
    dynamodb, s = _dynamodb(deployment), deployment.settings
    target = fresh_tables(deployment)
    intruder = {"report_id": {"S": "SOMEONE"}, "at_key": {"S": "2026#1"}, "action": {"S": "x"}}
    for audit_holds_one in (True, False):  # either table alone is enough to refuse
        tables = (
            (target.reports, target.audit) if audit_holds_one else (s.reports_table, target.audit)
        )
        if audit_holds_one:
            dynamodb.put_item(TableName=target.audit, Item=intruder)
        else:
            dynamodb.delete_item(
                TableName=target.audit, Key={k: intruder[k] for k in intruder if k != "action"}
            )
        before = {t: by_text(scan(dynamodb, t)) for t in tables}
        code, _ = admin(
            env,
            "backup",
            "restore",
            "--from",
            f"s3://{BUCKET}/drill/2",
            "--reports-table",
            tables[0],
            "--audit-table",
            tables[1],
        )
        error = capsys.readouterr().err
        assert code == 2
        assert (
            "refusing to restore into non-empty table" in error and "nothing was written" in error
        )
        assert {t: by_text(scan(dynamodb, t)) for t in tables} == before


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--from", "kmzb-backups/drill"], "not an s3:// address"),
        (["--from", "s3://kmzb-backups"], "names no export"),
        (["--from", "s3://kmzb-backups/no-such-export"], "does not exist"),
    ],
)
def test_a_restore_from_a_wrong_address_is_refused_and_writes_nothing(
    deployment: Deployment, env: dict[str, str], argv: list[str], problem: str, capsys: Any
) -> None:
    target = fresh_tables(deployment)
    _s3_bucket = boto3.client(
        "s3", region_name="eu-central-1", endpoint_url=env["KMZB_S3_ENDPOINT"]
    )
    from infra.local_site import ensure_bucket

    ensure_bucket(_s3_bucket, BUCKET, "eu-central-1")
    code, _ = admin(
        env,
        "backup",
        "restore",
        *argv,
        "--reports-table",
        target.reports,
        "--audit-table",
        target.audit,
    )
    assert code == 2
    assert problem in capsys.readouterr().err
    assert scan(_dynamodb(deployment), target.reports) == []


def test_a_damaged_export_is_refused_before_anything_is_written(
    client: Any, deployment: Deployment, env: dict[str, str], moto_server: Engine, capsys: Any
) -> None:
    fill_garrisons(client, deployment)
    assert admin(env, "backup", "export", "--garrison", GARRISON, "--prefix", "drill/3")[0] == 0
    s3 = _s3(moto_server)
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key="drill/3/manifest.json")["Body"].read())
    audit_key = f"drill/3/{manifest['tables']['audit']['files'][0]['key']}"
    s3.put_object(Bucket=BUCKET, Key=audit_key, Body=gzip.compress(b'{"Item":{}}\n'))
    target = fresh_tables(deployment)
    code, _ = admin(
        env,
        "backup",
        "restore",
        "--from",
        "s3://kmzb-backups/drill/3",
        "--reports-table",
        target.reports,
        "--audit-table",
        target.audit,
    )
    assert code == 2
    assert "checksum mismatch" in capsys.readouterr().err
    dynamodb = _dynamodb(deployment)
    assert scan(dynamodb, target.reports) == [] and scan(dynamodb, target.audit) == []


def test_restore_creates_missing_tables_when_asked_and_names_them_when_not(
    client: Any, deployment: Deployment, env: dict[str, str], capsys: Any
) -> None:
    fill_garrisons(client, deployment)
    assert admin(env, "backup", "export", "--garrison", GARRISON, "--prefix", "drill/4")[0] == 0
    names = ["--reports-table", f"n{uuid.uuid4().hex[:8]}-reports"]
    names += ["--audit-table", f"n{uuid.uuid4().hex[:8]}-audit"]
    restore = ["backup", "restore", "--from", f"s3://{BUCKET}/drill/4", *names]
    code, _ = admin(env, *restore)
    assert code == 2 and "does not exist" in capsys.readouterr().err
    code, out = admin(env, *restore, "--create-tables")  # new: no trigger, no --stream-ok
    assert code == 0, out
    assert f"{names[1]}: 5 items" in out
    indexes = _dynamodb(deployment).describe_table(TableName=names[1])["Table"]
    assert {i["IndexName"] for i in indexes["GlobalSecondaryIndexes"]} >= {"by_garrison_modified"}


def test_an_unknown_garrison_is_refused(env: dict[str, str], capsys: Any) -> None:
    code, _ = admin(env, "backup", "export", "--garrison", "atlantyda")
    assert code == 2 and "unknown garrison" in capsys.readouterr().err
