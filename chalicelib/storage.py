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

import random
import time
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.deployment import Settings
from chalicelib.errors import StorageUnavailable
from chalicelib.reports import InsertOutcome, Report, iso

TRANSACTION_ATTEMPTS = 8


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def build_models(settings: Settings) -> tuple[Any, Any, Any]:
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

        by_unit = ByUnit()
        by_unit_status = ByUnitStatus()
        by_garrison_modified = ByGarrisonModified()

    class LimitItem(Model):
        class Meta(Shared):
            table_name = settings.limits_table

        key = UnicodeAttribute(hash_key=True)
        expires_at = TTLAttribute()

    class IdempotencyItem(Model):
        """powertools Idempotency's table (notifications); the library reads and writes it."""

        class Meta(Shared):
            table_name = settings.idempotency_table

        id = UnicodeAttribute(hash_key=True)
        expiration = TTLAttribute()

    return ReportItem, LimitItem, IdempotencyItem


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
        status=item.status,
        status_version=int(item.status_version),
        created_at=_parse_iso(item.created_at),
        modified_at=_parse_iso(item.modified_at),
        source=item.source,
        description=item.description,
        occurred_at=_parse_iso(item.occurred_at) if item.occurred_at else None,
        time_of_day=item.time_of_day,
        days_of_week=tuple(item.days_of_week or ()),
        request_hash=item.request_hash,
    )


class ReportStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.Report, self.Limit, self.Idempotency = build_models(settings)
        self._connection = Connection(
            region=settings.region,
            host=settings.dynamodb_endpoint,
            connect_timeout_seconds=2,
            read_timeout_seconds=5,
            max_retry_attempts=2,
        )

    def create_tables(self) -> None:
        """Create missing tables (local use and tests; infra creates them in AWS)."""
        for model in (self.Report, self.Limit, self.Idempotency):
            if not model.exists():
                model.create_table(wait=True)  # also turns on TTL for the limits

    def ping(self) -> None:
        try:
            self.Report.describe_table()
            self.Limit.describe_table()
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e

    def insert_charging_limit(
        self, report: Report, limit_key: str, expires_at: datetime, now: datetime
    ) -> InsertOutcome:
        """Write the limit record and the report in one transaction.

        The limit record may be overwritten once expired: TTL deletion can lag
        by days in AWS, so an expired record counts as absent.
        """
        limit = self.Limit(limit_key, expires_at=expires_at)
        item = _to_item(self.Report, report)
        limit_free = self.Limit.key.does_not_exist() | (self.Limit.expires_at <= now)
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                with TransactWrite(connection=self._connection) as transaction:
                    transaction.save(limit, condition=limit_free)
                    transaction.save(item, condition=self.Report.id.does_not_exist())
                return InsertOutcome.STORED
            except TransactWriteError as e:
                codes = [r.code if r else None for r in (e.cancellation_reasons or [])]
                if len(codes) == 2 and codes[1] == "ConditionalCheckFailed":
                    return InsertOutcome.ID_TAKEN
                if len(codes) == 2 and codes[0] == "ConditionalCheckFailed":
                    return InsertOutcome.LIMIT_REACHED
                if "TransactionConflict" not in codes:
                    raise StorageUnavailable(str(e)) from e
                # Another request of the same client is writing right now: wait
                # for it to settle, then the conditions give the true answer.
                time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
            except PynamoDBException as e:
                raise StorageUnavailable(str(e)) from e
        raise StorageUnavailable("transaction kept conflicting")

    def get(self, report_id: str) -> Report | None:
        try:
            return _from_item(self.Report.get(report_id, consistent_read=True))
        except DoesNotExist:
            return None
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e
