"""kmzb-admin manages officers' subscriptions on a unit's topic (moto's server)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from chalicelib.deployment import Deployment
from infra.admin import run


@pytest.fixture
def admin_env(notifying: Deployment, tmp_path: Any) -> dict[str, str]:
    settings = notifying.settings
    return {
        "KMZB_SNS_ENDPOINT": str(settings.sns_endpoint),
        "KMZB_SQS_ENDPOINT": str(settings.sqs_endpoint),
        "KMZB_TOPIC_ARN_PREFIX": settings.topic_arn_prefix,
        "KMZB_DATA_DIR": str(settings.data_dir),
        "KMZB_STATE_DIR": str(tmp_path),
    }


def admin(env: dict[str, str], *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(list(argv), env, out)
    return code, out.getvalue()


def listing(env: dict[str, str], unit: str = "1261") -> list[list[str]]:
    code, out = admin(env, "subscriptions", "--unit", unit)
    assert code == 0
    return [line.split("\t") for line in out.splitlines()]


def test_an_admin_subscribes_lists_and_unsubscribes_officers(admin_env: dict[str, str]) -> None:
    code, out = admin(
        admin_env, "subscribe", "--unit", "1261", "--email", "Jan.Kowalski@policja.gov.pl"
    )
    assert code == 0 and "kmp-1261" in out
    code, _ = admin(
        admin_env,
        "subscribe",
        "--unit",
        "kmp-1261",
        "--phone",
        "600 100 200",
        "--categories",
        "speeding,illegal_racing",
    )
    assert code == 0
    rows = {row[1]: row for row in listing(admin_env)}
    assert rows["Jan.Kowalski@policja.gov.pl"][0] == "email"
    assert rows["Jan.Kowalski@policja.gov.pl"][2] == "*"
    assert rows["+48600100200"][0] == "sms"  # normalised to E.164
    assert rows["+48600100200"][2] == "illegal_racing,speeding"

    code, _ = admin(admin_env, "unsubscribe", "--unit", "1261", "--phone", "+48 600-100-200")
    assert code == 0
    assert [row[1] for row in listing(admin_env)] == ["Jan.Kowalski@policja.gov.pl"]


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--phone", "12345"], "phone number"),
        (["--phone", "not a number"], "phone number"),
        (["--email", "jan@"], "e-mail"),
        (["--email", "jan@example.com", "--categories", "speeding,ufo"], "unknown categories: ufo"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    admin_env: dict[str, str], argv: list[str], problem: str, capsys: Any
) -> None:
    code, _ = admin(admin_env, "subscribe", "--unit", "1261", *argv)
    assert code == 2
    assert problem in capsys.readouterr().err
    assert listing(admin_env) == []


def test_an_unknown_unit_is_refused(admin_env: dict[str, str], capsys: Any) -> None:
    code, _ = admin(admin_env, "subscribe", "--unit", "9999", "--email", "a@policja.gov.pl")
    assert code == 2
    assert "no unit '9999'" in capsys.readouterr().err


def test_unsubscribing_someone_not_subscribed_says_so(
    admin_env: dict[str, str], capsys: Any
) -> None:
    code, _ = admin(admin_env, "unsubscribe", "--unit", "1261", "--email", "x@policja.gov.pl")
    assert code == 2
    assert "not subscribed" in capsys.readouterr().err


def test_subscriptions_redrive_undeliverable_messages_to_the_garrisons_dead_letter_queue(
    admin_env: dict[str, str], notifying: Deployment
) -> None:
    import boto3

    dead_letters = "arn:aws:sqs:eu-central-1:123456789012:kmzb-x-notifications-dlq"
    env = {**admin_env, "KMZB_NOTIFICATION_DLQ_ARN": dead_letters}
    code, out = admin(env, "subscribe", "--unit", "1261", "--email", "anna.nowak@policja.gov.pl")
    assert code == 0, out
    sns = boto3.client(
        "sns", region_name="eu-central-1", endpoint_url=notifying.settings.sns_endpoint
    )
    arn = out.strip().rsplit(": ", 1)[-1]
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": env["KMZB_NOTIFICATION_DLQ_ARN"]}


def test_with_a_deployments_topic_prefix_the_admin_command_talks_to_aws_not_make_run(
    tmp_path: Any,
) -> None:
    from infra.admin import settings_from_environment

    (tmp_path / "local.json").write_text(
        json.dumps({"moto": "http://127.0.0.1:8003", "dynamodb": "http://127.0.0.1:8002"})
    )
    local = settings_from_environment({"KMZB_STATE_DIR": str(tmp_path)})
    assert local.sns_endpoint == "http://127.0.0.1:8003"
    prefix = "arn:aws:sns:eu-central-1:210987654321:kmzb-opolskie-unit-"
    aws = settings_from_environment(
        {"KMZB_STATE_DIR": str(tmp_path), "KMZB_TOPIC_ARN_PREFIX": prefix}
    )
    assert aws.sns_endpoint is None and aws.topic_arn_prefix == prefix
    assert aws.notification_dead_letters_arn == (
        "arn:aws:sqs:eu-central-1:210987654321:kmzb-opolskie-notifications-dlq"
    )
