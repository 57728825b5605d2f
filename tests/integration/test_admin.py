"""kmzb-admin manages officers' subscriptions on a unit's topic (moto's server)."""

from __future__ import annotations

import argparse
import io
import json
from typing import Any

import pytest

from chalicelib.deployment import Deployment
from infra.admin import LISTING_COLUMNS, build_parser, run


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
    """The listing's rows, below its header; [] when it says there are none."""
    code, out = admin(env, "subscriptions", "--unit", unit)
    assert code == 0
    lines = out.splitlines()
    if lines == [f"no subscriptions for unit {unit} (kmp-{unit})"]:
        return []
    assert lines[0].split("\t") == list(LISTING_COLUMNS)
    return [line.split("\t") for line in lines[1:]]


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
    assert rows["jan.kowalski@policja.gov.pl"][0] == "email"  # one case: one mailbox
    assert rows["jan.kowalski@policja.gov.pl"][2] == "*"
    assert rows["+48600100200"][0] == "sms"  # normalised to E.164
    assert rows["+48600100200"][2] == "illegal_racing,speeding"

    code, _ = admin(admin_env, "unsubscribe", "--unit", "1261", "--phone", "+48 600-100-200")
    assert code == 0
    assert [row[1] for row in listing(admin_env)] == ["jan.kowalski@policja.gov.pl"]


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


def _parsers(parser: argparse.ArgumentParser, name: str) -> list[tuple[str, Any]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                found += _parsers(sub, f"{name} {sub_name}")
    return found


def test_every_command_and_option_has_a_help_text() -> None:
    parsers = _parsers(build_parser(), "kmzb-admin")
    assert len(parsers) >= 12
    for name, parser in parsers:
        assert parser.description, f"{name} has no description"
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                assert all(helps.values()), f"{name}: a command without help: {helps}"
                assert set(helps) == set(action.choices)
            else:
                assert action.help and action.help != argparse.SUPPRESS, (
                    f"{name} {'/'.join(action.option_strings) or action.dest} has no help"
                )


@pytest.mark.parametrize("command", ["subscribe", "inbox", "units", "boundaries import-prg"])
def test_help_describes_a_command_and_exits_cleanly(command: str, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exited:
        run([*command.split(), "--help"], {})
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: kmzb-admin " + command)
    assert "show this help message" in shown and len(shown.splitlines()) > 4


def test_an_empty_listing_says_so_and_a_listing_has_a_header_row(
    admin_env: dict[str, str],
) -> None:
    for unit in ("1261", "2061"):
        code, out = admin(admin_env, "subscriptions", "--unit", unit)
        assert code == 0
        assert out.strip() == f"no subscriptions for unit {unit} (kmp-{unit})"
    admin(admin_env, "subscribe", "--unit", "2061", "--email", "ewa@policja.gov.pl")
    code, out = admin(admin_env, "subscriptions", "--unit", "2061")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split("\t") == ["protocol", "endpoint", "categories", "events", "subscription"]
    assert [row.split("\t")[:2] for row in rows] == [["email", "ewa@policja.gov.pl"]]


def test_an_empty_inbox_says_so(admin_env: dict[str, str], notifying: Deployment) -> None:
    import boto3

    from infra.local_inbox import ensure_inbox

    settings = notifying.settings
    sns = boto3.client("sns", region_name="eu-central-1", endpoint_url=settings.sns_endpoint)
    sqs = boto3.client("sqs", region_name="eu-central-1", endpoint_url=settings.sqs_endpoint)
    for teryt in ("2061", "1261"):
        ensure_inbox(sns, sqs, settings.topic_arn_prefix, f"kmp-{teryt}")
        code, out = admin(admin_env, "inbox", "--unit", teryt)
        assert code == 0
        assert out.strip() == f"no messages for unit {teryt} (kmp-{teryt})"


@pytest.mark.parametrize(("role", "article"), [("officer", "an"), ("coordinator", "a")])
def test_a_token_without_its_unit_is_refused_in_good_english(
    tmp_path: Any, role: str, article: str, capsys: Any
) -> None:
    code, _ = admin({"KMZB_STATE_DIR": str(tmp_path)}, "dev-token", "--role", role)
    assert code == 2
    assert f"kmzb-admin: {article} {role} token needs --unit" in capsys.readouterr().err


def test_subscriptions_made_on_the_local_stack_are_recorded_and_made_again(
    notifying: Deployment, tmp_path: Any
) -> None:
    """moto forgets subscriptions when `make run` stops: kmzb-admin records them in the
    state folder and the next start makes them again (infra.local_inbox)."""
    import boto3

    from chalicelib.topics import UnitTopics
    from infra.local_inbox import recorded_subscriptions, restore_subscriptions

    settings = notifying.settings
    (tmp_path / "local.json").write_text(
        json.dumps({"moto": settings.sns_endpoint, "dynamodb": settings.dynamodb_endpoint})
    )
    env = {"KMZB_STATE_DIR": str(tmp_path), "KMZB_DATA_DIR": str(settings.data_dir)}
    prefix = "arn:aws:sns:eu-central-1:123456789012:kmzb-unit-"  # make run's
    sns = boto3.client("sns", region_name="eu-central-1", endpoint_url=settings.sns_endpoint)
    topics = UnitTopics(sns, prefix)
    topics.ensure("kmp-1261")
    for s in topics.subscriptions("kmp-1261"):  # the session's moto is shared: start clean
        topics.unsubscribe(s.arn)

    assert admin(env, "subscribe", "--unit", "1261", "--email", "ola@policja.gov.pl")[0] == 0
    assert (
        admin(
            env, "subscribe", "--unit", "1261", "--phone", "600100200", "--categories", "speeding"
        )[0]
        == 0
    )
    assert admin(env, "subscribe", "--unit", "1261", "--email", "ala@policja.gov.pl")[0] == 0
    assert admin(env, "unsubscribe", "--unit", "1261", "--email", "ala@policja.gov.pl")[0] == 0
    recorded = {(s.unit, s.endpoint, s.categories) for s in recorded_subscriptions(tmp_path)}
    assert recorded == {
        ("kmp-1261", "ola@policja.gov.pl", ()),
        ("kmp-1261", "+48600100200", ("speeding",)),
    }

    for s in topics.subscriptions("kmp-1261"):  # as after a restart of moto
        topics.unsubscribe(s.arn)
    assert restore_subscriptions(topics, tmp_path) == 2
    assert restore_subscriptions(topics, tmp_path) == 0  # already there: not made twice
    rows = {row[1]: row for row in listing(env)}
    assert set(rows) == {"ola@policja.gov.pl", "+48600100200"}
    assert rows["+48600100200"][2] == "speeding"
    for s in topics.subscriptions("kmp-1261"):
        topics.unsubscribe(s.arn)


def test_inboxes_are_saved_and_put_back_in_order(notifying: Deployment, tmp_path: Any) -> None:
    """What `make run` does at stop and start, since moto's queues are in memory."""
    import boto3

    from chalicelib.topics import topic_arn
    from infra.local_inbox import (
        ensure_inbox,
        inbox_name,
        read_inbox,
        restore_inboxes,
        save_inboxes,
    )

    settings = notifying.settings
    prefix = settings.topic_arn_prefix
    sns = boto3.client("sns", region_name="eu-central-1", endpoint_url=settings.sns_endpoint)
    sqs = boto3.client("sqs", region_name="eu-central-1", endpoint_url=settings.sqs_endpoint)
    units = ["kmp-1261", "kmp-2061", "kpp-1206"]
    for unit in units:
        ensure_inbox(sns, sqs, prefix, unit)
    for n in range(12):  # more than one receive batch
        texts = {"sms": f"sms {n}", "email": {"subject": f"subject {n}", "body": "b"}}
        message = json.dumps({"default": "x", "sqs": json.dumps(texts)})
        sns.publish(
            TopicArn=topic_arn(prefix, "kmp-1261"), Message=message, MessageStructure="json"
        )
    sns.publish(
        TopicArn=topic_arn(prefix, "kmp-2061"),
        Message=json.dumps(
            {
                "default": "x",
                "sqs": json.dumps({"sms": "b", "email": {"subject": "s", "body": "b"}}),
            }
        ),
        MessageStructure="json",
    )
    before = {unit: read_inbox(sqs, prefix, unit) for unit in units}
    assert [len(before[u]) for u in units] == [12, 1, 0]

    path = tmp_path / "inboxes.json"
    assert save_inboxes(sqs, prefix, path) == 13
    assert read_inbox(sqs, prefix, "kmp-1261") == before["kmp-1261"]  # saving takes nothing
    for unit in units:  # as after a restart of moto
        url = sqs.get_queue_url(QueueName=inbox_name(prefix, unit))["QueueUrl"]
        sqs.delete_queue(QueueUrl=url)
    for unit in units:
        ensure_inbox(sns, sqs, prefix, unit)
    assert restore_inboxes(sqs, path) == 13
    assert {unit: read_inbox(sqs, prefix, unit) for unit in units} == before
    assert restore_inboxes(sqs, path) == 0  # queues holding messages are left alone
    assert len(read_inbox(sqs, prefix, "kmp-1261")) == 12


_MAIN = "import sys; from infra.admin import main; sys.exit(main())"


@pytest.mark.parametrize(
    "argv",
    [
        ["subscriptions", "--unit", "1261"],
        ["subscriptions", "--unit", "1465"],
        ["dev-token", "--role", "officer", "--unit", "1261"],
        ["dev-token", "--role", "admin", "--garrison", "malopolskie"],
        ["--help"],
    ],
)
def test_a_reader_that_stops_early_ends_the_command_quietly(
    admin_env: dict[str, str], argv: list[str]
) -> None:
    """`kmzb-admin … | head`: the pipe is closed before the command writes (the hardest case:
    not even the first line is read), and it still ends without a traceback."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _MAIN, *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            env={**os.environ, **admin_env},
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode in (0, 141), done.stderr  # argparse ignores a closed pipe itself


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ("tester@example.com", "TESTER@example.com"),
        ("Jan.Kowalski@Policja.gov.pl", "jan.kowalski@POLICJA.GOV.PL"),
        ("ewa@policja.gov.pl", "Ewa@Policja.Gov.Pl"),
    ],
)
def test_one_mailbox_in_another_letter_case_is_one_subscription(
    admin_env: dict[str, str], first: str, again: str
) -> None:
    assert admin(admin_env, "subscribe", "--unit", "1261", "--email", first)[0] == 0
    assert admin(admin_env, "subscribe", "--unit", "1261", "--email", again)[0] == 0
    assert [row[1] for row in listing(admin_env)] == [first.lower()]
    assert admin(admin_env, "unsubscribe", "--unit", "1261", "--email", again.upper())[0] == 0
    assert listing(admin_env) == []
