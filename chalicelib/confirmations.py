"""Citizens confirm a public report instead of reporting the same threat again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib import feed, workflow
from chalicelib.errors import ConfirmationLimitReached, DomainError, Refused, not_found
from chalicelib.limits import warsaw_day
from chalicelib.reports import looks_like_report_id

if TYPE_CHECKING:
    from chalicelib.storage import ReportStore

DAILY_LIMIT = 10
REMEMBERED = timedelta(days=366)  # longer than any report stays on the public map


def _closed() -> DomainError:
    return Refused("report_closed")


def confirm(store: ReportStore, report_id: str, client: str, now: datetime) -> int:
    """Count the confirmation of `client` (its client key); returns the report's new count.

    404 unless the report is publicly visible; 409 `report_closed` once it is in a closed
    status (`workflow.CLOSED`: nothing left to confirm), 409 `own_report` from the client
    that made it, 409 `already_confirmed` the second time; 429 past `DAILY_LIMIT` a day.
    """
    from chalicelib.storage import ConfirmOutcome

    report = store.get(report_id) if looks_like_report_id(report_id) else None
    if report is None or not feed.publicly_visible(report, now):
        raise not_found()
    if report.status in workflow.CLOSED:
        raise _closed()
    day = warsaw_day(now)
    outcome = store.confirm(
        report_id, client, day.date.isoformat(), day.ends_at, now + REMEMBERED, DAILY_LIMIT
    )
    if outcome is ConfirmOutcome.ALREADY:
        raise Refused("already_confirmed")
    if outcome is ConfirmOutcome.LIMIT_REACHED:
        seconds = day.seconds_left(now)
        raise ConfirmationLimitReached(seconds, DAILY_LIMIT)
    if outcome is ConfirmOutcome.OWN_REPORT:
        raise Refused("own_report")
    if outcome is ConfirmOutcome.NO_REPORT:
        again = store.get(report_id)  # closed since it was read, or gone
        if again is not None and again.status in workflow.CLOSED:
            raise _closed()
        raise not_found()
    return report.confirmations + 1
