"""Citizens confirm a public report instead of reporting the same threat again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib import feed, workflow
from chalicelib.errors import ApiError, not_found
from chalicelib.limits import warsaw_day
from chalicelib.reports import looks_like_report_id

if TYPE_CHECKING:
    from chalicelib.storage import ReportStore

DAILY_LIMIT = 10
REMEMBERED = timedelta(days=366)  # longer than any report stays on the public map


def _closed() -> ApiError:
    return ApiError(
        409,
        "report_closed",
        "To zgłoszenie jest już zamknięte; nie można go potwierdzić.",
        "This report is already closed; it cannot be confirmed.",
    )


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
    if outcome is ConfirmOutcome.OWN_REPORT:
        raise ApiError(
            409,
            "own_report",
            "To Twoje zgłoszenie (z tego samego adresu internetowego): potwierdzić mogą je inni.",
            "This is your own report (from the same internet address): others may confirm it.",
        )
    if outcome is ConfirmOutcome.NO_REPORT:
        again = store.get(report_id)  # closed since it was read, or gone
        if again is not None and again.status in workflow.CLOSED:
            raise _closed()
        raise not_found()
    return report.confirmations + 1
