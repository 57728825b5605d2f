"""The deployment template carries what Chalice leaves out of the stream trigger."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.engines import PROJECT_ROOT


def test_the_packaged_stream_trigger_reports_partial_failures_and_dead_letters(
    tmp_path: Path,
) -> None:
    chalice = Path(sys.executable).parent / "chalice"
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "eu-central-1",
        "KMZB_REPORTS_STREAM_ARN": "arn:aws:dynamodb:eu-central-1:123456789012:table/r/stream/1",
    }
    subprocess.run(
        [
            str(chalice),
            "package",
            "--stage",
            "local",
            "--merge-template",
            "infra/stream_event_source.json",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    template = json.loads((tmp_path / "sam.json").read_text("utf-8"))
    handler = template["Resources"]["OnReportChange"]["Properties"]
    trigger = handler["Events"]["OnReportChangeDynamodbEventSource"]["Properties"]
    assert trigger["Stream"] == env["KMZB_REPORTS_STREAM_ARN"]
    assert trigger["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert trigger["BisectBatchOnFunctionError"] is True
    assert 0 < trigger["MaximumRetryAttempts"] <= 10
    destination = trigger["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": ["ReportsStreamDeadLetters", "Arn"]}
    assert template["Resources"]["ReportsStreamDeadLetters"]["Type"] == "AWS::SQS::Queue"
    policy = template["Resources"]["ReportsStreamDeadLettersPolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": "DefaultRole"}]
    assert "sqs:SendMessage" in policy["PolicyDocument"]["Statement"][0]["Action"]
