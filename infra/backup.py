"""A garrison's reports and audit trail to S3 and back: `kmzb-admin backup export/restore`.

The files are those of DynamoDB's own export to S3 (`ExportFormat=DYNAMODB_JSON`):
gzip-compressed newline-delimited JSON, one `{"Item": {<name>: {<type>: value}}}` per line,
binary values in base64. An export is

    <prefix>/manifest.json                 counts, tables, garrison, UTC time, checksums
    <prefix>/data/reports-00000.json.gz    the garrison's reports (consultations among them:
                                           reports with source = consultation)
    <prefix>/data/audit-00000.json.gz      every audit entry of those reports

at most `ITEMS_PER_FILE` items a file. Items are read and written with boto3's low-level
client, so every attribute keeps its DynamoDB type and its exact value (a number's digits, a
set's members): a round trip gives the same items. The limits and idempotency tables are not
exported: their records expire by TTL within days and the feed's state rebuilds itself.

Plain functions taking boto3 clients; `kmzb-admin` (infra/admin.py) builds the clients.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

FORMAT = "kmzb-backup-1"
ITEMS_PER_FILE = 10_000
BATCH = 25  # BatchWriteItem's limit
TABLES = ("reports", "audit")  # the manifest's names; the order restore writes them in
CONSULTATION = "consultation"  # a report's `source` when an officer recorded it

Item = dict[str, dict[str, Any]]  # a low-level item: {name: {type: value}}


class BackupError(Exception):
    """A refusal with its reason for the admin (nothing was changed)."""


@dataclass(frozen=True)
class TableNames:
    reports: str
    audit: str

    def of(self, table: str) -> str:
        return str(getattr(self, table))


# --- DynamoDB JSON, as the S3 export writes it ---------------------------------------------


def _to_json_value(kind: str, value: Any) -> Any:
    if kind == "B":
        return base64.b64encode(value).decode("ascii")
    if kind == "BS":
        return [base64.b64encode(v).decode("ascii") for v in value]
    if kind == "L":
        return [_to_json_attribute(v) for v in value]
    if kind == "M":
        return {k: _to_json_attribute(v) for k, v in value.items()}
    return value  # S, N (a string), SS, NS, BOOL, NULL


def _to_json_attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    ((kind, value),) = attribute.items()
    return {kind: _to_json_value(kind, value)}


def _from_json_attribute(attribute: dict[str, Any]) -> dict[str, Any]:
    ((kind, value),) = attribute.items()
    if kind == "B":
        return {kind: base64.b64decode(value)}
    if kind == "BS":
        return {kind: [base64.b64decode(v) for v in value]}
    if kind == "L":
        return {kind: [_from_json_attribute(v) for v in value]}
    if kind == "M":
        return {kind: {k: _from_json_attribute(v) for k, v in value.items()}}
    return {kind: value}


def export_line(item: Item) -> str:
    """One line of the export: `{"Item": {...}}` with sorted keys (a stable checksum)."""
    body = {"Item": {name: _to_json_attribute(a) for name, a in item.items()}}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def parse_line(line: str) -> Item:
    """A line of an export (ours or DynamoDB's) as a low-level item for boto3."""
    body = json.loads(line)
    if not isinstance(body, dict) or not isinstance(body.get("Item"), dict):
        raise BackupError(f"not an export line: {line[:80]!r}")
    return {name: _from_json_attribute(a) for name, a in body["Item"].items()}


def canonical(item: Item) -> str:
    """An item's text for comparing and checksums: sets sorted (DynamoDB keeps no order)."""

    def sort_sets(attribute: dict[str, Any]) -> dict[str, Any]:
        ((kind, value),) = attribute.items()
        if kind in ("SS", "NS", "BS"):
            return {kind: sorted(value)}
        if kind == "L":
            return {kind: [sort_sets(v) for v in value]}
        if kind == "M":
            return {kind: {k: sort_sets(v) for k, v in value.items()}}
        return attribute

    return export_line({name: sort_sets(a) for name, a in item.items()})


def items_checksum(items: Iterable[Item]) -> str:
    """SHA-256 over the items' canonical lines in sorted order: independent of read order."""
    digest = hashlib.sha256()
    for line in sorted(canonical(item) for item in items):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


# --- progress --------------------------------------------------------------------------------


@dataclass
class Progress:
    """Counts items per table on `stream`: one updating line on a terminal, otherwise a
    line per `every` items and one at the end (logs stay short)."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    every: int = 5000
    _counts: dict[str, int] = field(default_factory=dict)

    def _tty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def add(self, label: str, n: int, total: int | None = None) -> None:
        before = self._counts.get(label, 0)
        now = self._counts[label] = before + n
        of = f"/{total}" if total is not None else ""
        if self._tty():
            print(f"\r{label}: {now}{of} items", end="", file=self.stream, flush=True)
        elif now // self.every > before // self.every:
            print(f"{label}: {now}{of} items", file=self.stream, flush=True)

    def done(self, label: str) -> None:
        count = self._counts.get(label, 0)
        if self._tty():
            print(f"\r{label}: {count} items, done", file=self.stream, flush=True)
        else:
            print(f"{label}: {count} items, done", file=self.stream, flush=True)


# --- reading the tables ------------------------------------------------------------------------


def _scan(
    dynamodb: Any, table: str, progress: Progress, label: str, **kwargs: Any
) -> Iterator[Item]:
    """Every item of a scan, strongly consistent (a backup sees every committed write)."""
    paginator = dynamodb.get_paginator("scan")
    for page in paginator.paginate(TableName=table, ConsistentRead=True, **kwargs):
        items = page.get("Items", [])
        progress.add(label, len(items))
        yield from items


def garrison_items(
    dynamodb: Any, tables: TableNames, garrison: str, progress: Progress | None = None
) -> dict[str, list[Item]]:
    """{"reports": [...], "audit": [...]}: the garrison's reports (consultations included) and
    the audit entries of those reports, as low-level items."""
    progress = progress or Progress()
    reports = list(
        _scan(
            dynamodb,
            tables.reports,
            progress,
            "reports (read)",
            FilterExpression="garrison = :g",
            ExpressionAttributeValues={":g": {"S": garrison}},
        )
    )
    progress.done("reports (read)")
    ids = {item["id"]["S"] for item in reports}
    # One pass over the audit table: a garrison's deployment holds only its own entries, and a
    # query per report would be 10,000 round trips for 10,000 reports.
    audit = [
        item
        for item in _scan(dynamodb, tables.audit, progress, "audit (read)")
        if item.get("report_id", {}).get("S") in ids
    ]
    progress.done("audit (read)")
    return {"reports": reports, "audit": audit}


# --- export ------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def default_prefix(garrison: str, now: datetime) -> str:
    return f"backups/{garrison}/{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def export_garrison(
    dynamodb: Any,
    s3: Any,
    tables: TableNames,
    garrison: str,
    bucket: str,
    prefix: str,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the garrison's export under s3://bucket/prefix/ and return its manifest.

    The data files are written first and the manifest last, so a manifest always names
    files that exist (a restore reads the manifest first)."""
    progress = progress or Progress()
    started = time.monotonic()
    exported_at = (now or datetime.now(UTC)).astimezone(UTC)
    prefix = prefix.strip("/")
    found = garrison_items(dynamodb, tables, garrison, progress)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "export_format": "DYNAMODB_JSON",
        "garrison": garrison,
        "exported_at": exported_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "source_tables": {"reports": tables.reports, "audit": tables.audit},
        "tables": {},
    }
    for table in TABLES:
        items = found[table]
        files = []
        for number, start in enumerate(range(0, max(len(items), 1), ITEMS_PER_FILE)):
            chunk = items[start : start + ITEMS_PER_FILE]
            text = "".join(export_line(item) + "\n" for item in chunk).encode("utf-8")
            body = gzip.compress(text, mtime=0)
            key = f"data/{table}-{number:05d}.json.gz"
            s3.put_object(
                Bucket=bucket,
                Key=f"{prefix}/{key}",
                Body=body,
                ContentType="application/json",
                ContentEncoding="gzip",
            )
            files.append({"key": key, "items": len(chunk), "sha256": _sha256(body)})
            progress.add(f"{table} (written)", len(chunk), len(items))
        progress.done(f"{table} (written)")
        manifest["tables"][table] = {
            "items": len(items),
            "items_sha256": items_checksum(items),
            "files": files,
        }
    reports = found["reports"]
    manifest["tables"]["reports"]["consultations"] = sum(
        1 for item in reports if item.get("source", {}).get("S") == CONSULTATION
    )
    manifest["seconds"] = round(time.monotonic() - started, 3)
    s3.put_object(
        Bucket=bucket,
        Key=f"{prefix}/manifest.json",
        Body=json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"),
        ContentType="application/json",
    )
    return manifest


# --- restore -----------------------------------------------------------------------------------


def parse_location(location: str) -> tuple[str, str]:
    """`s3://bucket/prefix` → (bucket, prefix); BackupError for anything else."""
    if not location.startswith("s3://"):
        raise BackupError(f"{location!r} is not an s3:// address (s3://bucket/prefix)")
    bucket, _, prefix = location[len("s3://") :].partition("/")
    if not bucket or not prefix.strip("/"):
        raise BackupError(f"{location!r} names no export: give s3://bucket/prefix")
    return bucket, prefix.strip("/")


def _get(s3: Any, bucket: str, key: str) -> bytes:
    from botocore.exceptions import ClientError

    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code")
        if code in ("NoSuchKey", "404", "NoSuchBucket"):
            raise BackupError(f"s3://{bucket}/{key} does not exist ({code})") from None
        raise


def read_export(
    s3: Any, bucket: str, prefix: str, progress: Progress | None = None
) -> tuple[dict[str, Any], dict[str, list[Item]]]:
    """The manifest and every table's items, each file's and table's checksum verified."""
    progress = progress or Progress()
    try:
        manifest = json.loads(_get(s3, bucket, f"{prefix}/manifest.json"))
    except json.JSONDecodeError as e:
        raise BackupError(f"s3://{bucket}/{prefix}/manifest.json is not JSON ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"s3://{bucket}/{prefix}/manifest.json is not a {FORMAT} manifest")
    found: dict[str, list[Item]] = {}
    for table in TABLES:
        entry = manifest["tables"][table]
        items: list[Item] = []
        for file in entry["files"]:
            body = _get(s3, bucket, f"{prefix}/{file['key']}")
            if _sha256(body) != file["sha256"]:
                raise BackupError(f"{file['key']}: checksum mismatch (damaged or changed)")
            lines = gzip.decompress(body).decode("utf-8").splitlines()
            items.extend(parse_line(line) for line in lines if line)
            progress.add(f"{table} (read)", len(lines), entry["items"])
        progress.done(f"{table} (read)")
        if len(items) != entry["items"] or items_checksum(items) != entry["items_sha256"]:
            raise BackupError(f"{table}: the items do not match the manifest's count or checksum")
        found[table] = items
    return manifest, found


def _table_is_empty(dynamodb: Any, table: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        page = dynamodb.scan(TableName=table, Limit=1, Select="COUNT", ConsistentRead=True)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise BackupError(
                f"table {table} does not exist: create it first (locally `make tables` or "
                "`--create-tables`; in AWS the garrison's stack or a PITR restore)"
            ) from None
        raise
    return int(page.get("Count", 0)) == 0 and not page.get("LastEvaluatedKey")


def _has_stream(dynamodb: Any, table: str) -> bool:
    description = dynamodb.describe_table(TableName=table)["Table"]
    return bool(description.get("StreamSpecification", {}).get("StreamEnabled"))


STREAM_WARNING = (
    "the reports table {table} has a stream: where its trigger runs (the garrison's stack; "
    "locally `make run`'s event pump) every restored report is a new INSERT, announced to its "
    "unit's officers again (SMS, e-mail) unless it was announced within the last 7 days, and "
    "the feed is rebuilt; give --stream-ok to restore anyway (docs/OPERATIONS.md)"
)


def _write_all(
    dynamodb: Any,
    table: str,
    items: list[Item],
    progress: Progress,
    label: str,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    for start in range(0, len(items), BATCH):
        pending: list[dict[str, Any]] = [
            {"PutRequest": {"Item": item}} for item in items[start : start + BATCH]
        ]
        delay = 0.05
        while pending:
            answer = dynamodb.batch_write_item(RequestItems={table: pending})
            pending = answer.get("UnprocessedItems", {}).get(table, [])
            if pending:  # throttled: back off, then write the rest
                sleep(delay)
                delay = min(delay * 2, 5.0)
        progress.add(label, min(BATCH, len(items) - start), len(items))
    progress.done(label)


def restore_garrison(
    dynamodb: Any,
    s3: Any,
    tables: TableNames,
    bucket: str,
    prefix: str,
    progress: Progress | None = None,
    stream_ok: bool = False,
) -> dict[str, Any]:
    """Load an export into empty tables; returns {"garrison", "counts": {table: n}, "seconds"}.

    Every file is read and verified, and every target table checked to exist and be empty
    (and, unless `stream_ok`, the reports table to have no stream), before anything is
    written: a refused restore changes nothing."""
    progress = progress or Progress()
    started = time.monotonic()
    manifest, found = read_export(s3, bucket, prefix, progress)
    not_empty = [tables.of(t) for t in TABLES if not _table_is_empty(dynamodb, tables.of(t))]
    if not_empty:
        raise BackupError(
            f"refusing to restore into non-empty table(s): {', '.join(not_empty)}; "
            "restore into new tables (--reports-table/--audit-table) or empty ones; "
            "nothing was written"
        )
    if not stream_ok and _has_stream(dynamodb, tables.reports):
        raise BackupError(STREAM_WARNING.format(table=tables.reports) + "; nothing was written")
    for table in TABLES:
        _write_all(dynamodb, tables.of(table), found[table], progress, f"{table} (restored)")
    return {
        "garrison": manifest["garrison"],
        "exported_at": manifest["exported_at"],
        "counts": {t: len(found[t]) for t in TABLES},
        "consultations": manifest["tables"]["reports"].get("consultations", 0),
        "seconds": round(time.monotonic() - started, 3),
    }
