"""Citizens confirm a public report instead of reporting the same threat again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib import feed
from chalicelib.errors import ApiError, not_found
from chalicelib.limits import warsaw_day
from chalicelib.reports import looks_like_report_id

if TYPE_CHECKING:
    from chalicelib.storage import ReportStore

DAILY_LIMIT = 10
REMEMBERED = timedelta(days=366)  # longer than any report stays on the public map


def confirm(store: ReportStore, report_id: str, client: str, now: datetime) -> int:
    """Count the confirmation; returns the report's new count."""
    from chalicelib.storage import ConfirmOutcome

    report = store.get(report_id) if looks_like_report_id(report_id) else None
    if report is None or not feed.publicly_visible(report, now):
        raise not_found()
    day = warsaw_day(now)
    outcome = store.confirm(
        report_id, client, day.date.isoformat(), day.ends_at, now + REMEMBERED, DAILY_LIMIT
    )
    if outcome is ConfirmOutcome.ALREADY:
        raise ApiError(
            409,
            "already_confirmed",
            "To zgłoszenie zostało już potwierdzone z Twojego adresu internetowego (IP).",
            "This report was already confirmed from your internet (IP) address.",
        )
    if outcome is ConfirmOutcome.LIMIT_REACHED:
        seconds = day.seconds_left(now)
        raise ApiError(
            429,
            "daily_confirmation_limit",
            f"Dzisiaj można potwierdzić najwyżej {DAILY_LIMIT} zgłoszeń. Spróbuj jutro.",
            f"At most {DAILY_LIMIT} reports can be confirmed a day. Try again tomorrow.",
            headers={"Retry-After": str(seconds)},
        )
    if outcome is ConfirmOutcome.NO_REPORT:
        raise not_found()
    return report.confirmations + 1
