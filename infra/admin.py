"""kmzb-admin: an admin's command line for officer subscriptions and the local inboxes.

    kmzb-admin subscribe --unit 1261 --email jan.kowalski@policja.gov.pl
    kmzb-admin subscribe --unit 1261 --phone "600 100 200" --categories speeding,illegal_racing
    kmzb-admin subscriptions --unit 1261
    kmzb-admin unsubscribe --unit 1261 --email jan.kowalski@policja.gov.pl
    kmzb-admin inbox --unit 1261            # local only: what officers would have received
    kmzb-admin dev-token --role officer --unit 1261   # local only: a token for the panel
    kmzb-admin remind-overdue               # send the coordinators' overdue summaries now

Settings come from KMZB_* variables; with none for SNS and a running `make run`,
it talks to the local stack (the addresses in .kmzb/local.json).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import categories
from chalicelib.deployment import PROJECT_ROOT, Settings

EXIT_BAD_INPUT = 2


class AdminError(Exception):
    """Bad input: reported on one line, nothing changed."""


def normalise_phone(raw: str) -> str:
    """A phone number in E.164; Polish numbers may omit +48."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, "PL")
    except phonenumbers.NumberParseException as e:
        raise AdminError(f"not a phone number: {raw!r} ({e})") from None
    if not phonenumbers.is_valid_number(number):
        raise AdminError(f"not a valid phone number: {raw!r}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_email(raw: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(raw, check_deliverability=False).normalized)
    except EmailNotValidError as e:
        raise AdminError(f"not a valid e-mail address: {raw!r} ({e})") from None


def parse_categories(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    codes = tuple(dict.fromkeys(c.strip() for c in raw.split(",") if c.strip()))
    unknown = [c for c in codes if categories.get(c) is None]
    if unknown:
        raise AdminError(
            f"unknown categories: {', '.join(unknown)} (codes as in GET /v1/categories)"
        )
    return codes


def settings_from_environment(env: dict[str, str]) -> Settings:
    env = dict(env)
    env.setdefault("KMZB_CLIENT_KEY_SECRET", "not-used-by-the-admin-command")
    state = Path(env.get("KMZB_STATE_DIR") or PROJECT_ROOT / ".kmzb")
    local = state / "local.json"
    if "KMZB_SNS_ENDPOINT" not in env and local.exists():
        addresses = json.loads(local.read_text("utf-8"))
        moto = addresses["moto"]
        env.update(KMZB_SNS_ENDPOINT=moto, KMZB_SQS_ENDPOINT=moto)
        env.setdefault("KMZB_DYNAMODB_ENDPOINT", addresses["dynamodb"])
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.setdefault(name, "local")
            os.environ.setdefault(name, "local")
    return Settings.from_env(env)


def _client(settings: Settings, service: str) -> Any:
    import boto3

    endpoint = settings.sns_endpoint if service == "sns" else settings.sqs_endpoint
    return boto3.client(service, region_name=settings.region, endpoint_url=endpoint)


def _unit_id(settings: Settings, reference: str) -> str:
    from chalicelib.deployment import Deployment

    unit = Deployment(settings).router.unit_by_reference(reference)
    if unit is None:
        raise AdminError(f"no unit {reference!r} in this deployment (give a TERYT or unit id)")
    return unit.id


def _state(env: dict[str, str]) -> Path:
    return Path(env.get("KMZB_STATE_DIR") or PROJECT_ROOT / ".kmzb")


def _dev_token(settings: Settings, env: dict[str, str], args: argparse.Namespace) -> str:
    from chalicelib.deployment import Deployment
    from infra import dev_issuer

    if args.role == "admin":
        if not args.garrison:
            raise AdminError("an admin token needs --garrison")
        return dev_issuer.issue(_state(env), "admin", args.garrison, name=args.name)
    if not args.unit:
        raise AdminError(f"a {args.role} token needs --unit (the unit's TERYT)")
    unit = Deployment(settings).router.unit_by_reference(args.unit)
    if unit is None:
        raise AdminError(f"no unit {args.unit!r}")
    return dev_issuer.issue(_state(env), args.role, unit.garrison, unit.teryt, args.name)


def _remind_overdue(settings: Settings, env: dict[str, str], out: Any) -> int:
    from chalicelib import overdue
    from chalicelib.deployment import Deployment

    sent = overdue.remind(Deployment(settings))
    print(f"overdue summaries: {sent['units']} units, {sent['reports']} reports", file=out)
    return 0


def run(argv: Sequence[str], env: dict[str, str], out: Any = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="kmzb-admin", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    subscribe = commands.add_parser("subscribe", help="subscribe an officer to a unit's reports")
    unsubscribe = commands.add_parser("unsubscribe", help="remove an officer's subscription")
    for command in (subscribe, unsubscribe):
        command.add_argument("--unit", required=True, help="the unit's TERYT or id")
        target = command.add_mutually_exclusive_group(required=True)
        target.add_argument("--email")
        target.add_argument("--phone")
    subscribe.add_argument("--categories", help="comma-separated category codes (default: all)")
    subscribe.add_argument(
        "--coordinator", action="store_true", help="also receive the daily overdue summaries"
    )
    listing = commands.add_parser("subscriptions", help="list a unit's subscriptions")
    listing.add_argument("--unit", required=True)
    inbox = commands.add_parser("inbox", help="local: what the unit's officers received")
    inbox.add_argument("--unit", required=True)
    token = commands.add_parser("dev-token", help="local: a development issuer's token")
    token.add_argument("--role", choices=["officer", "coordinator", "admin"], required=True)
    token.add_argument("--unit", help="the unit's TERYT (officers and coordinators)")
    token.add_argument("--garrison", help="for an admin: the garrison's slug")
    token.add_argument("--name", default="")
    commands.add_parser("remind-overdue", help="send each unit's overdue summary now")
    args = parser.parse_args(argv)

    from chalicelib.topics import COORDINATOR_EVENTS, OFFICER_EVENTS, UnitTopics

    try:
        settings = settings_from_environment(env)
        if args.command == "dev-token":
            print(_dev_token(settings, env, args), file=out)
            return 0
        if args.command == "remind-overdue":
            return _remind_overdue(settings, env, out)
        unit_id = _unit_id(settings, args.unit)
        if args.command == "inbox":
            from infra.local_inbox import read_inbox

            sqs = _client(settings, "sqs")
            for message in read_inbox(sqs, settings.topic_arn_prefix, unit_id):
                print(f"--- {message.sent_at}  {json.dumps(message.attributes)}", file=out)
                print(f"SMS: {message.sms}", file=out)
                print(f"E-mail: {message.email_subject}\n{message.email_body}\n", file=out)
            return 0
        protocol, endpoint = "email", ""
        if args.command in ("subscribe", "unsubscribe"):
            if args.email is not None:
                protocol, endpoint = "email", normalise_email(args.email)
            else:
                protocol, endpoint = "sms", normalise_phone(args.phone)
        wanted = parse_categories(getattr(args, "categories", None))
        topics = UnitTopics(_client(settings, "sns"), settings.topic_arn_prefix)
        topics.ensure(unit_id)
        if args.command == "subscribe":
            events = COORDINATOR_EVENTS if args.coordinator else OFFICER_EVENTS
            arn = topics.subscribe(unit_id, protocol, endpoint, wanted, events)
            scope = ", ".join(wanted) if wanted else "all categories"
            if args.coordinator:
                scope += "; overdue summaries"
            print(f"subscribed {protocol} {endpoint} to {unit_id} ({scope}): {arn}", file=out)
        elif args.command == "unsubscribe":
            matching = [s for s in topics.subscriptions(unit_id) if s.endpoint == endpoint]
            if not matching:
                raise AdminError(f"{endpoint} is not subscribed to {unit_id}")
            for subscription in matching:
                topics.unsubscribe(subscription.arn)
            print(f"unsubscribed {endpoint} from {unit_id}", file=out)
        else:
            for s in topics.subscriptions(unit_id):
                scope = ",".join(s.categories) if s.categories else "*"
                kinds = ",".join(s.events) if s.events else "*"
                print(f"{s.protocol}\t{s.endpoint}\t{scope}\t{kinds}\t{s.arn}", file=out)
        return 0
    except AdminError as e:
        print(f"kmzb-admin: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BotoCoreError as e:
        print(f"kmzb-admin: cannot reach AWS ({e}); is `make run` running?", file=sys.stderr)
        return 1
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in (
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        ):
            print(
                f"kmzb-admin: no local inbox for {args.unit}; is `make run` running?",
                file=sys.stderr,
            )
            return 1
        raise


def main() -> int:
    return run(sys.argv[1:], dict(os.environ))


if __name__ == "__main__":
    sys.exit(main())
