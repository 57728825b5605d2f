"""Daily reminders: each unit's coordinators get one summary of its overdue reports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import categories, statuses, workflow
from chalicelib.limits import WARSAW
from chalicelib.notify import Notification, report_link, to_ascii, to_gsm7
from chalicelib.observability import count
from chalicelib.observability import logger as log
from chalicelib.units import Unit
from chalicelib.values import Clock, Report, iso

if TYPE_CHECKING:
    from chalicelib.storage import ReportStore
    from chalicelib.stream import IdempotentNotifier
    from chalicelib.units import Router

EVENT_OVERDUE_SUMMARY = "overdue_summary"


def overdue_reports(
    store: ReportStore, unit_id: str, deadlines: workflow.Deadlines, now: datetime
) -> list[Report]:
    """Reports not taken up or not verified in time, oldest first."""
    found: list[Report] = []
    for status, days in (
        (workflow.NEW, deadlines.take_up_days),
        (workflow.VERIFYING, deadlines.verify_days),
    ):
        # Coarse bound in the query (a day's slack for DST), exact check below.
        bound = iso(now - timedelta(days=days - 1))
        found.extend(
            r
            for r in _pages(store, unit_id, status, bound)
            if deadlines.overdue(r.status, r.created_at, now)
        )
    return sorted(found, key=lambda r: r.created_at)


def _pages(store: ReportStore, unit_id: str, status: str, bound: str) -> Iterator[Report]:
    cursor = None
    while True:
        page, cursor = store.unit_reports(
            unit_id, status=status, created_to=bound, limit=100, cursor=cursor
        )
        yield from page
        if cursor is None:
            return


def summary_notification(
    unit: Unit, reports: list[Report], deadlines: workflow.Deadlines, now: datetime, panel_url: str
) -> Notification:
    day = now.astimezone(WARSAW).date().isoformat()
    count = len(reports)
    lines = []
    for r in reports:
        category = categories.get(r.category)
        due = deadlines.due(r.status, r.created_at)
        lines.append(
            f"- {category.name_pl if category else r.category} "
            f"({statuses.name_pl(r.status)}), "
            f"przyjęto {r.created_at.astimezone(WARSAW):%d.%m.%Y %H:%M}, "
            f"termin {due.astimezone(WARSAW) if due else '':%d.%m.%Y %H:%M}: "
            f"{report_link(panel_url, r.id)}"
        )
    overdue_link = f"{panel_url.rstrip('/')}/#/overdue"
    body = "\n".join(
        [
            f"Zgłoszenia po terminie w jednostce {unit.name}: {count} (stan na {day}).",
            "",
            *lines,
            "",
            f"Lista w panelu: {overdue_link}",
        ]
    )
    return Notification(
        report_id=f"{unit.id}:{day}",  # once per unit per day, however often the job runs
        event=EVENT_OVERDUE_SUMMARY,
        topic_unit=unit.id,
        sms=to_gsm7(f"KMZB: {count} zgloszen po terminie, {unit.name}. {overdue_link}")[:160],
        email_subject=to_ascii(f"KMZB: {count} zgloszen po terminie - {unit.name}")[:99],
        email_body=body,
        attributes={"garrison": unit.garrison, "unit": unit.id, "event": EVENT_OVERDUE_SUMMARY},
    )


class RemindersFailed(RuntimeError):
    """Some units' summaries could not be sent; a retry sends only those (idempotency)."""


@dataclass(frozen=True)
class Reminders:
    """What the daily reminders use, given by the composition root (chalicelib.deployment):
    the reports store, the router (the units served), the idempotent notifier, the deadlines,
    a clock and the panel's address (the messages link to it)."""

    store: ReportStore
    router: Router
    notifier: IdempotentNotifier
    deadlines: workflow.Deadlines
    clock: Clock
    panel_url: str


def remind(job: Reminders, context: Any = None) -> dict[str, int]:
    """One summary per unit that has overdue reports; returns how many units and reports.
    Emits NotificationsPublished and NotificationsFailed (one per unit's summary)."""
    now = job.clock()
    deadlines = job.deadlines
    if context is not None:
        job.notifier.config.register_lambda_context(context)
    units = reports = 0
    failed: list[str] = []
    for unit in job.router.units:
        late = overdue_reports(job.store, unit.id, deadlines, now)
        if not late:
            continue
        notification = summary_notification(unit, late, deadlines, now, job.panel_url)
        try:
            job.notifier.send(notification)
        except Exception:  # one unit's topic must not keep the others uninformed
            log.exception("overdue summary not sent", extra={"unit": unit.id})
            count("NotificationsFailed")
            failed.append(unit.id)
            continue
        count("NotificationsPublished")
        units, reports = units + 1, reports + len(late)
    if failed:
        raise RemindersFailed(f"summaries not sent for {', '.join(failed)}")
    return {"units": units, "reports": reports}
