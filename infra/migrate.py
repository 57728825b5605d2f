"""`kmzb-admin migrate`: stored release-1 values to the stable codes of chalicelib/statuses.py.

Release 1 stored a report's status as its Polish label ("Nowe", "Potwierdzone (przekazane
poza Policję)"), the `by_unit_status` index key as `<unit id>#<label>`, the audit entries'
`from_status`/`to_status` as labels, and `time_of_day` as rano|dzien|wieczor|noc. This step
rewrites them to codes (`new`, …; `morning|day|evening|night`):

- reports: `status` and `unit_status` together, `time_of_day` apart;
- audit: `from_status` and `to_status`.

Every write is an `UpdateItem` conditioned on the attribute still holding the old value it
replaces, so the step is idempotent (a second run finds nothing to change and writes
nothing) and safe against a live table: a report an officer moved meanwhile already holds a
code, its update's condition fails and it is counted as `changed meanwhile`, never
overwritten. Nothing else changes: not `status_version` (no officer gets a 409 for it), not
`modified_at` (the feed's 7- and 30-day rules count from the officer's last change). The
stream sees MODIFY records, which notify nobody (notifications follow INSERTs) and only ask
for a feed rebuild.

Run it once after deploying release 2 (and again after restoring a release-1 backup);
until it ran, the API reads labels as codes, but a status filter (`?status=`) and the
overdue reminders find only migrated reports. Plain functions on boto3's low-level client;
`kmzb-admin` (infra/admin.py) builds the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from chalicelib.statuses import BY_CODE, LEGACY_LABELS, LEGACY_TIMES_OF_DAY

PAGE = 500  # items a scan page reads (a progress line per page)
CONDITION_FAILED = "ConditionalCheckFailedException"


@dataclass
class TableCount:
    scanned: int = 0
    updated: dict[str, int] = field(default_factory=dict)  # attribute -> items rewritten
    changed_meanwhile: int = 0  # conditions that failed: someone wrote a code first

    def add(self, attribute: str) -> None:
        self.updated[attribute] = self.updated.get(attribute, 0) + 1

    @property
    def writes(self) -> int:
        return sum(self.updated.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "updated": dict(sorted(self.updated.items())),
            "changed_meanwhile": self.changed_meanwhile,
        }


@dataclass
class Summary:
    reports: TableCount = field(default_factory=TableCount)
    audit: TableCount = field(default_factory=TableCount)
    dry_run: bool = False

    @property
    def writes(self) -> int:
        return self.reports.writes + self.audit.writes

    def as_dict(self) -> dict[str, Any]:
        return {
            "reports": self.reports.as_dict(),
            "audit": self.audit.as_dict(),
            "dry_run": self.dry_run,
        }


def _scan(dynamodb: Any, table: str, projection: str, names: dict[str, str]) -> Iterator[Any]:
    """Pages of a consistent scan, only the attributes the migration reads."""
    start: dict[str, Any] | None = None
    while True:
        request: dict[str, Any] = {
            "TableName": table,
            "ProjectionExpression": projection,
            "ExpressionAttributeNames": names,
            "ConsistentRead": True,
            "Limit": PAGE,
        }
        if start:
            request["ExclusiveStartKey"] = start
        page = dynamodb.scan(**request)
        yield page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) else None


def _update(
    dynamodb: Any,
    table: str,
    key: dict[str, Any],
    sets: dict[str, str],
    expected: dict[str, str],
    dry_run: bool,
) -> bool:
    """SET `sets` where every attribute of `expected` still holds its value; False when one
    no longer does (a concurrent write got there first)."""
    if dry_run:
        return True
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    assignments, conditions = [], []
    for i, (name, value) in enumerate(sets.items()):
        names[f"#s{i}"], values[f":s{i}"] = name, {"S": value}
        assignments.append(f"#s{i} = :s{i}")
    for i, (name, value) in enumerate(expected.items()):
        names[f"#e{i}"], values[f":e{i}"] = name, {"S": value}
        conditions.append(f"#e{i} = :e{i}")
    try:
        dynamodb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET " + ", ".join(assignments),
            ConditionExpression=" AND ".join(conditions),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def _report_changes(item: dict[str, Any]) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(what, sets, expected) for one report item; empty when it holds codes already."""
    changes = []
    status, unit, index = _text(item, "status"), _text(item, "unit_id"), _text(item, "unit_status")
    code = LEGACY_LABELS.get(status or "")
    if code is not None and unit is not None:
        expected = {"status": status or ""}
        if index is not None:
            expected["unit_status"] = index
        changes.append(("status", {"status": code, "unit_status": f"{unit}#{code}"}, expected))
    elif status in BY_CODE and unit is not None and index != f"{unit}#{status}":
        # The index key alone still names a label (a half-written item): follow the status.
        expected = {"status": status or ""}
        if index is not None:
            expected["unit_status"] = index
        changes.append(("unit_status", {"unit_status": f"{unit}#{status}"}, expected))
    time = _text(item, "time_of_day")
    if time in LEGACY_TIMES_OF_DAY:
        changes.append(
            ("time_of_day", {"time_of_day": LEGACY_TIMES_OF_DAY[time]}, {"time_of_day": time})
        )
    return changes


def _audit_changes(item: dict[str, Any]) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    changes = []
    for name in ("from_status", "to_status"):
        label = _text(item, name)
        if label in LEGACY_LABELS:
            changes.append((name, {name: LEGACY_LABELS[label]}, {name: label}))
    return changes


def _migrate_table(
    dynamodb: Any,
    table: str,
    keys: tuple[str, ...],
    attributes: tuple[str, ...],
    changes_of: Any,
    count: TableCount,
    label: str,
    dry_run: bool,
    out: TextIO | None,
) -> None:
    names = {f"#a{i}": name for i, name in enumerate(keys + attributes)}
    projection = ", ".join(names)
    for page in _scan(dynamodb, table, projection, names):
        for item in page:
            count.scanned += 1
            key = {k: item[k] for k in keys}
            for what, sets, expected in changes_of(item):
                if _update(dynamodb, table, key, sets, expected, dry_run):
                    count.add(what)
                else:
                    count.changed_meanwhile += 1
        if out is not None:
            verb = "to update" if dry_run else "updated"
            print(
                f"  {label}: {count.scanned} scanned, {count.writes} {verb}, "
                f"{count.changed_meanwhile} changed meanwhile",
                file=out,
                flush=True,
            )


def migrate(
    dynamodb: Any,
    reports_table: str,
    audit_table: str | None,
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
) -> Summary:
    """Rewrite release-1 labels and times of day to codes in the reports table and (unless
    None) the audit table; returns what was scanned and written. `dry_run` writes nothing and
    counts what it would write. A progress line goes to `out` after every scanned page."""
    summary = Summary(dry_run=dry_run)
    _migrate_table(
        dynamodb,
        reports_table,
        ("id",),
        ("status", "unit_id", "unit_status", "time_of_day"),
        _report_changes,
        summary.reports,
        reports_table,
        dry_run,
        out,
    )
    if audit_table is not None:
        _migrate_table(
            dynamodb,
            audit_table,
            ("report_id", "at_key"),
            ("from_status", "to_status"),
            _audit_changes,
            summary.audit,
            audit_table,
            dry_run,
            out,
        )
    return summary


def describe(summary: Summary) -> list[str]:
    """The summary as lines for the admin."""
    verb = "would update" if summary.dry_run else "updated"
    lines = []
    for name, count in (("reports", summary.reports), ("audit", summary.audit)):
        detail = ", ".join(f"{n} {a}" for a, n in sorted(count.updated.items())) or "nothing"
        lines.append(
            f"{name}: {count.scanned} items scanned, {verb}: {detail}; "
            f"{count.changed_meanwhile} changed meanwhile (left as they are)"
        )
    if summary.writes == 0 and not summary.dry_run:
        lines.append("nothing to migrate: every item holds codes")
    return lines
