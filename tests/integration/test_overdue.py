"""Coordinators get one daily summary of their unit's overdue reports."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib.deployment import Deployment
from chalicelib.topics import COORDINATOR_EVENTS, OFFICER_EVENTS, UnitTopics
from tests.integration.conftest import FakeClock
from tests.integration.test_notifications import _client, _inbox, _queue_messages, _read
from tests.integration.test_submission import KRAKOW, post


def remind_overdue(client: Any) -> Any:
    """Run the scheduled handler as EventBridge would."""
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    return client.lambda_.invoke("remind_overdue", event).payload


def test_overdue_reports_are_summarised_once_per_unit_per_day(
    client: Any, notifying: Deployment, clock: FakeClock, tmp_path: Path
) -> None:
    _inbox(notifying, "kmp-1261")
    _inbox(notifying, "kmp-2061")
    sns, sqs = _client(notifying, "sns"), _client(notifying, "sqs")
    topics = UnitTopics(sns, notifying.settings.topic_arn_prefix)
    queues = {}
    for role, events in (("coordinator", COORDINATOR_EVENTS), ("officer", OFFICER_EVENTS)):
        url = sqs.create_queue(QueueName=f"{tmp_path.name}-{role}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        topics.subscribe("kmp-1261", "sqs", arn["Attributes"]["QueueArn"], ("speeding",), events)
        queues[role] = url

    assert post(client, KRAKOW, ip="203.0.113.1").status_code == 201
    assert (
        post(client, {**KRAKOW, "lat": 53.1325, "lon": 23.1688}, ip="203.0.113.2").status_code
        == 201
    )
    assert remind_overdue(client) == {"units": 0, "reports": 0}  # nothing late yet

    clock.now += timedelta(days=3, hours=1)
    assert post(client, KRAKOW, ip="203.0.113.3").status_code == 201  # new: not late
    assert remind_overdue(client) == {"units": 2, "reports": 2}
    assert remind_overdue(client) == {"units": 2, "reports": 2}  # a second run the same day

    summaries = [m for m in _read(notifying) if m.attributes["event"] == "overdue_summary"]
    assert len(summaries) == 1  # for Kraków: one, however often the job ran
    assert "Zgłoszenia po terminie w jednostce Komenda Miejska Policji (Kraków): 1" in (
        summaries[0].email_body
    )
    received = {
        role: [m["MessageAttributes"]["event"]["Value"] for m in _queue_messages(sqs, url)]
        for role, url in queues.items()
    }
    assert "overdue_summary" in received["coordinator"]
    assert "overdue_summary" not in received["officer"]
