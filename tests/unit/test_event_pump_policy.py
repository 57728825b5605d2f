"""The local pump's retry policy and the failure reasons that go to logs and dead letters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.stream import MAX_REASON_CHARS, failure_reason, record_key
from infra.event_pump import LocalLambdaContext, RetryPolicy

DESCRIPTION = "Pan Kowalski z ul. Długiej 5\nznów pije na klatce"


def raw_record(description: str = DESCRIPTION) -> dict[str, Any]:
    return {
        "eventName": "INSERT",
        "dynamodb": {
            "Keys": {"id": {"S": "01KTRFJY80ABCDEFGHJKMNPQRS"}},
            "SequenceNumber": "000000000000000000042",
            "NewImage": {
                "id": {"S": "01KTRFJY80ABCDEFGHJKMNPQRS"},
                "unit_id": {"S": "kmp-1261"},
                "description": {"S": description},
                "lat": {"N": "50.0614"},
            },
        },
    }


def test_retries_double_from_the_base_up_to_the_cap() -> None:
    policy = RetryPolicy(max_retries=10, base_delay=0.5, max_delay=30.0)
    assert [policy.delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    # Ten retries outlast a minute-long outage before anything is dead-lettered.
    assert sum(policy.delay(n) for n in range(1, 11)) > 60


def test_the_policy_comes_from_the_environment_with_lambdas_defaults() -> None:
    assert RetryPolicy.from_env({}) == RetryPolicy(10, 0.5, 30.0, 60.0)
    env = {
        "KMZB_PUMP_MAX_RETRIES": "3",
        "KMZB_PUMP_RETRY_BASE": "0.01",
        "KMZB_PUMP_RETRY_MAX": "0.2",
        "KMZB_PUMP_FUNCTION_TIMEOUT": "4",
    }
    assert RetryPolicy.from_env(env) == RetryPolicy(3, 0.01, 0.2, 4.0)


def test_the_context_times_out_as_configured_and_collects_failures() -> None:
    context = LocalLambdaContext(timeout_ms=3_000)
    assert 2_500 < context.get_remaining_time_in_millis() <= 3_000
    assert context.record_failures == {}


@pytest.mark.parametrize(
    "message",
    [
        f"Invalid type for parameter Message, value: {DESCRIPTION}",
        f"could not publish {DESCRIPTION!r}",
        "prefix " + " ".join(DESCRIPTION.split()) + " suffix",
        f"as JSON: {json.dumps(DESCRIPTION)}",
        f"as ASCII JSON: {json.dumps({'Message': DESCRIPTION})}",
    ],
)
def test_a_reason_never_carries_the_citizens_words(message: str) -> None:
    reason = failure_reason(ValueError(message), raw_record())
    assert "Kowalski" not in reason
    assert DESCRIPTION not in reason and " ".join(DESCRIPTION.split()) not in reason
    assert reason.startswith("ValueError: ")
    assert "\n" not in reason


def test_a_reason_keeps_what_names_things_and_is_short() -> None:
    reason = failure_reason(
        RuntimeError("Topic arn:aws:sns:eu-central-1:1:kmzb-unit-kmp-1261 does not exist"),
        raw_record(),
    )
    assert "kmp-1261" in reason
    long = failure_reason(RuntimeError("x" * 5000), raw_record())
    assert len(long) == MAX_REASON_CHARS
    assert record_key(raw_record()) == "01KTRFJY80ABCDEFGHJKMNPQRS"
    assert record_key({}) is None
