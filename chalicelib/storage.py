"""DynamoDB storage of reports and daily-limit records, through pynamodb.

Tables: reports (with a stream, for notifications and the feed), limits (TTL
records) and idempotency (powertools Idempotency's records for notifications).
Limits are apart from reports so that TTL deletions never reach the reports
stream.

Keys of the reports table serve the queries that come next:
- by_unit: a unit's reports, newest first (unit_id, created_at);
- by_unit_status: a unit's reports in one status, by date (unit_status, created_at);
- by_garrison_modified: a garrison's reports changed since a time (garrison, modified_at).
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import time
import uuid
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib import limits, statuses
from chalicelib.errors import InvalidCursor, OutcomeUnknown, StorageUnavailable, VersionConflict
from chalicelib.settings import Settings
from chalicelib.values import PUBLIC_ATTRIBUTES, InsertOutcome, PublicReport, Report, iso
from chalicelib.workflow import CLOSED, AuditEntry

TRANSACTION_ATTEMPTS = 8
# DynamoDB's 5xx error codes: the request may have been applied before it failed.
SERVER_ERRORS = frozenset({"InternalServerError", "InternalFailure", "ServiceUnavailable"})


class ConfirmOutcome(Enum):
    COUNTED = "counted"
    ALREADY = "already"
    LIMIT_REACHED = "limit_reached"
    NO_REPORT = "no_report"  # gone, or closed since it was read: the caller reads it again
    OWN_REPORT = "own_report"


# How long a report remembers who made it (for confirmations): longer than any report stays
# on the public map, as a confirmation is remembered.
REPORTER_REMEMBERED = timedelta(days=366)


def reporter_key(limit_key: str, report_id: str) -> str:
    """The limits-table record saying which client made a report: `reported#<report>#<limit
    key>`, the limit key being `report#<client key>` (an HMAC, never the address), as
    `confirmed#<client>#<report>` already is. A record of its own rather than an attribute of
    the report, so that officers reading reports cannot tell two reports of one client."""
    return f"reported#{report_id}#{limit_key}"


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor(cursor) from None
    valid = isinstance(key, dict) and all(
        isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()
    )
    if not valid:
        raise InvalidCursor(cursor)
    return key


def _maybe_committed(error: PynamoDBException) -> bool:
    """Whether a failed write may nonetheless have been applied: DynamoDB's answer was lost
    (no answer at all: a timeout, a dropped connection) or was a server error. Any other
    answer (validation, throttling, a missing table, a cancelled transaction) wrote nothing."""
    code = _error_code(error)
    return code is None or code in SERVER_ERRORS


def _error_code(error: PynamoDBException) -> str | None:
    """DynamoDB's error code, None when no answer came (pynamodb's own cause_response_code
    fails on botocore errors whose `response` is None, such as a read timeout)."""
    response = getattr(error.cause, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code else None


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def build_models(settings: Settings) -> tuple[Any, ...]:
    """Model classes bound to this deployment's table names and endpoint."""

    class Shared:
        region = settings.region
        host = settings.dynamodb_endpoint
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 2
        billing_mode = "PAY_PER_REQUEST"

    class ByUnit(GlobalSecondaryIndex[Any]):
        class Meta:
            index_name = "by_unit"
            projection = AllProjection()

        unit_id = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    class ByUnitStatus(GlobalSecondaryIndex[Any]):
        class Meta:
            index_name = "by_unit_status"
            projection = AllProjection()

        unit_status = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    class ByGarrisonModified(GlobalSecondaryIndex[Any]):
        class Meta:
            index_name = "by_garrison_modified"
            projection = AllProjection()

        garrison = UnicodeAttribute(hash_key=True)
        modified_at = UnicodeAttribute(range_key=True)

    class ReportItem(Model):
        class Meta(Shared):
            table_name = settings.reports_table
            stream_view_type = "NEW_AND_OLD_IMAGES"

        id = UnicodeAttribute(hash_key=True)
        category = UnicodeAttribute()
        lat = NumberAttribute()
        lon = NumberAttribute()
        teryt = UnicodeAttribute()
        powiat_name = UnicodeAttribute()
        unit_id = UnicodeAttribute()
        unit_name = UnicodeAttribute()
        unit_teryt = UnicodeAttribute()
        unit_status = UnicodeAttribute()
        garrison = UnicodeAttribute()
        status = UnicodeAttribute()
        status_version = NumberAttribute()
        created_at = UnicodeAttribute()
        modified_at = UnicodeAttribute()
        source = UnicodeAttribute()
        description = UnicodeAttribute(null=True)
        occurred_at = UnicodeAttribute(null=True)
        time_of_day = UnicodeAttribute(null=True)
        days_of_week = ListAttribute(of=UnicodeAttribute, null=True)
        request_hash = UnicodeAttribute(null=True)
        assignee = UnicodeAttribute(null=True)
        duplicate_of = UnicodeAttribute(null=True)
        handed_to = UnicodeAttribute(null=True)
        meeting_date = UnicodeAttribute(null=True)
        meeting_place = UnicodeAttribute(null=True)
        confirmations = NumberAttribute(default=0)

        by_unit = ByUnit()
        by_unit_status = ByUnitStatus()
        by_garrison_modified = ByGarrisonModified()

    class LimitItem(Model):
        class Meta(Shared):
            table_name = settings.limits_table

        key = UnicodeAttribute(hash_key=True)
        expires_at = TTLAttribute()

    class FeedStateItem(Model):
        """Per garrison, in the limits table: when its feed was last wanted and last built."""

        class Meta(Shared):
            table_name = settings.limits_table

        key = UnicodeAttribute(hash_key=True)  # feed#<garrison>
        dirty_at = NumberAttribute(null=True)
        built_at = NumberAttribute(null=True)

    class ConfirmationCountItem(Model):
        """Per client and Warsaw day, in the limits table: confirmations made (TTL)."""

        class Meta(Shared):
            table_name = settings.limits_table

        key = UnicodeAttribute(hash_key=True)  # confirmations#<client>#<day>
        made = NumberAttribute(default=0)
        expires_at = TTLAttribute()

    class AuditItem(Model):
        """Every change of a report, in order: (report id, time#random)."""

        class Meta(Shared):
            table_name = settings.audit_table

        report_id = UnicodeAttribute(hash_key=True)
        at_key = UnicodeAttribute(range_key=True)
        at = UnicodeAttribute()
        by = UnicodeAttribute()
        by_name = UnicodeAttribute()
        action = UnicodeAttribute()
        from_status = UnicodeAttribute(null=True)
        to_status = UnicodeAttribute(null=True)
        note = UnicodeAttribute(null=True)
        original_id = UnicodeAttribute(null=True)

    class IdempotencyItem(Model):
        """powertools Idempotency's table (notifications); the library reads and writes it."""

        class Meta(Shared):
            table_name = settings.idempotency_table

        id = UnicodeAttribute(hash_key=True)
        expiration = TTLAttribute()

    return ReportItem, LimitItem, IdempotencyItem, AuditItem, FeedStateItem, ConfirmationCountItem


def _to_item(model: Any, report: Report) -> Any:
    return model(
        report.id,
        category=report.category,
        lat=report.lat,
        lon=report.lon,
        teryt=report.teryt,
        powiat_name=report.powiat_name,
        unit_id=report.unit_id,
        unit_name=report.unit_name,
        unit_teryt=report.unit_teryt,
        unit_status=f"{report.unit_id}#{report.status}",
        garrison=report.garrison,
        status=report.status,
        status_version=report.status_version,
        created_at=iso(report.created_at),
        modified_at=iso(report.modified_at),
        source=report.source,
        description=report.description,
        occurred_at=iso(report.occurred_at) if report.occurred_at else None,
        time_of_day=report.time_of_day,
        days_of_week=list(report.days_of_week) or None,
        request_hash=report.request_hash,
        assignee=report.assignee,
        duplicate_of=report.duplicate_of,
        handed_to=report.handed_to,
        meeting_date=report.meeting_date,
        meeting_place=report.meeting_place,
        confirmations=report.confirmations,
    )


def _from_item(item: Any) -> Report:
    return Report(
        id=item.id,
        category=item.category,
        lat=float(item.lat),
        lon=float(item.lon),
        teryt=item.teryt,
        powiat_name=item.powiat_name,
        unit_id=item.unit_id,
        unit_name=item.unit_name,
        unit_teryt=item.unit_teryt,
        garrison=item.garrison,
        status=statuses.stored_code(item.status),  # migrated or not (kmzb-admin migrate)
        status_version=int(item.status_version),
        created_at=_parse_iso(item.created_at),
        modified_at=_parse_iso(item.modified_at),
        source=item.source,
        description=item.description,
        occurred_at=_parse_iso(item.occurred_at) if item.occurred_at else None,
        time_of_day=statuses.stored_time(item.time_of_day),
        days_of_week=tuple(item.days_of_week or ()),
        request_hash=item.request_hash,
        assignee=item.assignee,
        duplicate_of=item.duplicate_of,
        handed_to=item.handed_to,
        meeting_date=item.meeting_date,
        meeting_place=item.meeting_place,
        confirmations=int(item.confirmations or 0),
    )


def _public_report(item: dict[str, Any]) -> PublicReport:
    """A low-level item ({"S": …}, {"N": …}) of the feed's projection as a PublicReport."""

    def text(name: str) -> str | None:
        value = item.get(name)
        return value.get("S") if value else None

    occurred = text("occurred_at")
    days = item.get("days_of_week", {}).get("L") or ()
    confirmations = item.get("confirmations")
    return PublicReport(
        id=item["id"]["S"],
        category=item["category"]["S"],
        status=statuses.stored_code(item["status"]["S"]),
        lat=float(item["lat"]["N"]),
        lon=float(item["lon"]["N"]),
        teryt=item["teryt"]["S"],
        garrison=item["garrison"]["S"],
        created_at=_parse_iso(item["created_at"]["S"]),
        modified_at=_parse_iso(item["modified_at"]["S"]),
        occurred_at=_parse_iso(occurred) if occurred else None,
        time_of_day=statuses.stored_time(text("time_of_day")),
        days_of_week=tuple(d["S"] for d in days),
        confirmations=int(confirmations["N"]) if confirmations else 0,
        duplicate_of=text("duplicate_of"),
    )


class ReportStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        (
            self.Report,
            self.Limit,
            self.Idempotency,
            self.Audit,
            self.FeedState,
            self.ConfirmationCount,
        ) = build_models(settings)
        self._connection = Connection(
            region=settings.region,
            host=settings.dynamodb_endpoint,
            connect_timeout_seconds=2,
            read_timeout_seconds=5,
            max_retry_attempts=2,
        )

    def create_tables(self) -> None:
        """Create missing tables (local use and tests; infra creates them in AWS)."""
        for model in (self.Report, self.Limit, self.Idempotency, self.Audit):
            if not model.exists():
                model.create_table(wait=True)  # also turns on TTL for the limits

    def ping(self) -> None:
        try:
            self.Report.describe_table()
            self.Limit.describe_table()
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def insert_charging_limit(
        self,
        report: Report,
        limit_key: str,
        expires_at: datetime,
        now: datetime,
        ceiling: tuple[str, int] | None = None,
    ) -> InsertOutcome:
        """Write the limit record and the report in one transaction.

        The limit record may be overwritten once expired: TTL deletion can lag
        by days in AWS, so an expired record counts as absent.

        Raises OutcomeUnknown when the transaction was sent and no definite answer came
        back (a timeout, a dropped connection, a server error): it may have been committed,
        and only a retry with the same Idempotency-Key (the same report id) can tell.
        StorageUnavailable only when DynamoDB definitely wrote nothing (a cancellation).

        `ceiling` (counter key, most per day): one more count on that counter (an Open311 API
        key's, chalicelib/open311_keys.py) in the same transaction; CEILING_REACHED when it
        is full. The counter's key names the day, so it expires with it.
        """
        limit = self.Limit(limit_key, expires_at=expires_at)
        item = _to_item(self.Report, report)
        reporter = self.Limit(
            reporter_key(limit_key, report.id), expires_at=now + REPORTER_REMEMBERED
        )
        limit_free = self.Limit.key.does_not_exist() | (self.Limit.expires_at <= now)
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                with TransactWrite(connection=self._connection) as transaction:
                    transaction.save(limit, condition=limit_free)
                    transaction.save(item, condition=self.Report.id.does_not_exist())
                    transaction.save(reporter)  # puts keep their order: codes[2]
                    if ceiling is not None:  # codes[3]
                        counter, most = ceiling
                        Count = self.ConfirmationCount  # the limits table's counter item
                        transaction.update(
                            Count(counter),
                            actions=[Count.made.add(1), Count.expires_at.set(expires_at)],
                            condition=Count.key.does_not_exist() | (Count.made < most),
                        )
                return InsertOutcome.STORED
            except TransactWriteError as e:
                codes = [r.code if r else None for r in (e.cancellation_reasons or [])]
                if len(codes) >= 3 and codes[1] == "ConditionalCheckFailed":
                    return InsertOutcome.ID_TAKEN
                if len(codes) >= 3 and codes[0] == "ConditionalCheckFailed":
                    return InsertOutcome.LIMIT_REACHED
                if len(codes) == 4 and codes[3] == "ConditionalCheckFailed":
                    return InsertOutcome.CEILING_REACHED
                if not codes and _maybe_committed(e):
                    raise OutcomeUnknown(str(e)) from e
                if "TransactionConflict" not in codes:
                    raise StorageUnavailable(str(e)) from e
                # Another request of the same client is writing right now: wait
                # for it to settle, then the conditions give the true answer.
                time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
            except PynamoDBException as e:
                raise (OutcomeUnknown if _maybe_committed(e) else StorageUnavailable)(str(e)) from e
        raise StorageUnavailable("transaction kept conflicting")

    def get(self, report_id: str) -> Report | None:
        try:
            return _from_item(self.Report.get(report_id, consistent_read=True))
        except DoesNotExist:
            return None
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def _audit_item(self, entry: AuditEntry) -> Any:
        at = iso(entry.at)
        return self.Audit(
            entry.report_id,
            # Entries of the same millisecond keep the order they were written in.
            f"{at}#{time.time_ns():020d}{uuid.uuid4().hex[:4]}",
            at=at,
            by=entry.by,
            by_name=entry.by_name,
            action=entry.action,
            from_status=entry.from_status,
            to_status=entry.to_status,
            note=entry.note,
            original_id=entry.original_id,
        )

    def change(
        self,
        report: Report,
        expected_version: int,
        changes: dict[str, Any],
        entry: AuditEntry,
        unchanged: tuple[str, int] | None = None,
    ) -> None:
        """Apply changes to a report and append its audit entry, both or neither.

        Optimistic locking: the update holds only while the report still has the
        version the caller saw; otherwise VersionConflict. `unchanged` (report id, version)
        is another report the change relies on (a duplicate's original): the transaction
        also holds only while that one keeps the version the caller saw, so two reports
        marked as each other's duplicates at the same moment cannot both succeed.
        """
        Item = self.Report
        actions = [Item.status_version.add(1), Item.modified_at.set(iso(entry.at))]
        for name, value in changes.items():
            attribute = getattr(Item, name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        if "status" in changes:
            actions.append(Item.unit_status.set(f"{report.unit_id}#{changes['status']}"))
        item = Item(report.id)
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    item,
                    actions=actions,
                    condition=Item.id.exists() & (Item.status_version == expected_version),
                )
                transaction.save(
                    self._audit_item(entry), condition=self.Audit.report_id.does_not_exist()
                )
                if unchanged is not None:
                    other_id, other_version = unchanged
                    transaction.condition_check(
                        Item, other_id, condition=Item.status_version == other_version
                    )
        except TransactWriteError as e:
            codes = [r.code if r else None for r in (e.cancellation_reasons or [])]
            if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
                raise VersionConflict(report.id) from e
            raise StorageUnavailable(str(e)) from e
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def add_audit(self, entry: AuditEntry) -> None:
        try:
            self._audit_item(entry).save()
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def audit(self, report_id: str) -> list[AuditEntry]:
        try:
            return [
                AuditEntry(
                    report_id=item.report_id,
                    at=_parse_iso(item.at),
                    by=item.by,
                    by_name=item.by_name,
                    action=item.action,
                    from_status=item.from_status,
                    to_status=item.to_status,
                    note=item.note,
                    original_id=item.original_id,
                )
                for item in self.Audit.query(report_id, consistent_read=True)
            ]
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def unit_reports(
        self,
        unit_id: str,
        *,
        status: str | None = None,
        category: str | None = None,
        created_from: str | None = None,
        created_to: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
        extra_filter: Any = None,
    ) -> tuple[list[Report], str | None]:
        """A unit's reports, newest first, one page; a status uses its own index."""
        Item = self.Report
        if status:
            index, hash_key = Item.by_unit_status, f"{unit_id}#{status}"
        else:
            index, hash_key = Item.by_unit, unit_id
        created = Item.created_at
        range_condition = None
        if created_from and created_to:
            range_condition = created.between(created_from, created_to)
        elif created_from:
            range_condition = created >= created_from
        elif created_to:
            range_condition = created <= created_to
        filters = extra_filter
        if category:
            filters = (
                (Item.category == category) & filters
                if filters is not None
                else (Item.category == category)
            )
        try:
            results = index.query(
                hash_key,
                range_key_condition=range_condition,
                filter_condition=filters,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor),
            )
            page = [_from_item(item) for item in results]
            return page, encode_cursor(results.last_evaluated_key) if len(page) == limit else None
        except PynamoDBException as e:
            if cursor and _error_code(e) == "ValidationException":
                raise InvalidCursor(cursor) from e  # a start key DynamoDB refuses
            raise StorageUnavailable(str(e)) from e

    def open_reports_near(
        self,
        unit_id: str,
        wanted: tuple[str, ...],
        south: float,
        west: float,
        north: float,
        east: float,
    ) -> list[Report]:
        """A unit's reports in the statuses `wanted` inside a lat/lon box (degrees), every page,
        by the by_unit_status index; the box is a filter, so only nearby reports come back. Until
        `kmzb-admin migrate` ran, items keyed by a release-1 label are found too."""
        Item = self.Report
        box = Item.lat.between(south, north) & Item.lon.between(west, east)
        found: list[Report] = []
        try:
            for status in statuses.stored_forms(wanted):
                query = Item.by_unit_status.query(f"{unit_id}#{status}", filter_condition=box)
                found.extend(_from_item(item) for item in query)
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e
        return found

    def insert(self, report: Report) -> None:
        """Store a report that no daily limit applies to (officers' consultations)."""
        try:
            _to_item(self.Report, report).save(condition=self.Report.id.does_not_exist())
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def public_reports(self, garrison: str, page_size: int | None = None) -> list[PublicReport]:
        """Every report of a garrison as the feed reads it, by the garrison index: only the
        feed's attributes are read, and straight from the low-level items (no model objects;
        a feed build reads every report of the garrison)."""
        connection = self.Report._get_connection()  # knows the keys from the model
        reports: list[PublicReport] = []
        start: dict[str, Any] | None = None
        try:
            while True:
                page = connection.query(
                    garrison,
                    index_name="by_garrison_modified",
                    attributes_to_get=list(PUBLIC_ATTRIBUTES),
                    exclusive_start_key=start,
                    limit=page_size,  # None: DynamoDB's 1 MB pages
                )
                reports.extend(_public_report(item) for item in page.get("Items", ()))
                start = page.get("LastEvaluatedKey")
                if not start:
                    return reports
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def mark_feed_wanted(self, garrison: str, now: float) -> None:
        item = self.FeedState(f"feed#{garrison}")
        try:
            item.update(actions=[self.FeedState.dirty_at.set(now)])
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def feed_state(self, garrison: str) -> tuple[float | None, float | None]:
        """(wanted at, built at) as epoch seconds."""
        try:
            item = self.FeedState.get(f"feed#{garrison}", consistent_read=True)
        except DoesNotExist:
            return None, None
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e
        return item.dirty_at, item.built_at

    def claim_feed_build(self, garrison: str, now: float, debounce_s: float) -> bool:
        """Take the right to build a garrison's feed: at most once per debounce period."""
        State = self.FeedState
        item = State(f"feed#{garrison}")
        try:
            item.update(
                actions=[State.built_at.set(now)],
                condition=State.built_at.does_not_exist() | (State.built_at <= now - debounce_s),
            )
            return True
        except UpdateError as e:
            if _error_code(e) == "ConditionalCheckFailedException":
                return False
            raise StorageUnavailable(str(e)) from e
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def release_feed_build(self, garrison: str) -> None:
        """A build that failed: let the next refresh try again."""
        try:
            self.FeedState(f"feed#{garrison}").update(actions=[self.FeedState.built_at.remove()])
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def confirm(
        self,
        report_id: str,
        client: str,
        day_key: str,
        day_ends_at: datetime,
        remember_until: datetime,
        daily_limit: int,
    ) -> ConfirmOutcome:
        """Count a citizen's confirmation: once per client and report, `daily_limit` a day, never
        of the client's own report (OWN_REPORT), only of a report still open (else NO_REPORT)."""
        once = self.Limit(f"confirmed#{client}#{report_id}", expires_at=remember_until)
        Count = self.ConfirmationCount
        count = Count(f"confirmations#{client}#{day_key}")
        closed = statuses.stored_forms(CLOSED)  # a label not yet migrated is closed too
        open_report = self.Report.id.exists() & ~self.Report.status.is_in(*closed)
        try:
            with TransactWrite(connection=self._connection) as transaction:
                # Condition checks come first in the transaction: codes[0].
                transaction.condition_check(
                    self.Limit,
                    reporter_key(limits.limit_key(client), report_id),
                    condition=self.Limit.key.does_not_exist(),
                )
                transaction.save(once, condition=self.Limit.key.does_not_exist())
                transaction.update(
                    count,
                    actions=[Count.made.add(1), Count.expires_at.set(day_ends_at)],
                    condition=Count.made.does_not_exist() | (Count.made < daily_limit),
                )
                transaction.update(
                    self.Report(report_id),
                    actions=[self.Report.confirmations.add(1)],
                    condition=open_report,
                )
        except TransactWriteError as e:
            codes = [r.code if r else None for r in (e.cancellation_reasons or [])]
            if codes[:1] == ["ConditionalCheckFailed"]:
                return ConfirmOutcome.OWN_REPORT
            if codes[1:2] == ["ConditionalCheckFailed"]:
                return ConfirmOutcome.ALREADY
            if codes[2:3] == ["ConditionalCheckFailed"]:
                return ConfirmOutcome.LIMIT_REACHED
            if codes[3:4] == ["ConditionalCheckFailed"]:
                return ConfirmOutcome.NO_REPORT
            raise StorageUnavailable(str(e)) from e
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e
        return ConfirmOutcome.COUNTED
