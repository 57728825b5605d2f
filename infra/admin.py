"""kmzb-admin: an admin's command line for officer subscriptions and the local inboxes.

    kmzb-admin subscribe --unit 1261 --email jan.kowalski@policja.gov.pl
    kmzb-admin subscribe --unit 1261 --phone "600 100 200" --categories speeding,illegal_racing
    kmzb-admin subscriptions --unit 1261
    kmzb-admin unsubscribe --unit 1261 --email jan.kowalski@policja.gov.pl
    kmzb-admin inbox --unit 1261            # local only: what officers would have received
    kmzb-admin dev-token --role officer --unit 1261   # local only: a token for the panel
    kmzb-admin remind-overdue               # send the coordinators' overdue summaries now
    kmzb-admin units init --garrison malopolskie    # write infra/units/malopolskie.json
    kmzb-admin units check --garrison malopolskie   # validate it after editing
    kmzb-admin boundaries import-prg ~/PRG/PRG_jednostki_administracyjne.gpkg --simplify 5
    kmzb-admin backup export --garrison malopolskie       # reports and audit to S3
    kmzb-admin backup restore --from s3://kmzb-backups/backups/malopolskie/20261130T021500Z
    kmzb-admin migrate --dry-run     # release 2: stored status labels to codes (infra/migrate.py)

Settings come from KMZB_* variables; with none for SNS and a running `make run`,
it talks to the local stack (the addresses in .kmzb/local.json). `units` and
`boundaries` only read and write files; their data folder is KMZB_DATA_DIR
(default: data/).
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
from chalicelib.settings import PROJECT_ROOT, Settings
from infra.contacts import AdminError, normalise_email, normalise_phone

EXIT_BAD_INPUT = 2
# `subscriptions`' header; tab-separated like its rows. `*`: every category, every event.
LISTING_COLUMNS = ("protocol", "endpoint", "categories", "events", "subscription")


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


def _in_aws(env: dict[str, str]) -> bool:
    return "KMZB_SNS_ENDPOINT" in env or "KMZB_TOPIC_ARN_PREFIX" in env  # docs/DEPLOY.md


def local_stack_state(env: dict[str, str]) -> Path | None:
    """The state folder of the running `make run` this command talks to, or None (AWS)."""
    state = Path(env.get("KMZB_STATE_DIR") or PROJECT_ROOT / ".kmzb")
    return state if not _in_aws(env) and (state / "local.json").exists() else None


def settings_from_environment(env: dict[str, str]) -> Settings:
    env = dict(env)
    env.setdefault("KMZB_CLIENT_KEY_SECRET", "not-used-by-the-admin-command")
    state = Path(env.get("KMZB_STATE_DIR") or PROJECT_ROOT / ".kmzb")
    local = state / "local.json"
    if not _in_aws(env) and local.exists():
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


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" else "a"  # officer, admin; a coordinator


def _dev_token(settings: Settings, env: dict[str, str], args: argparse.Namespace) -> str:
    from chalicelib.deployment import Deployment
    from infra import dev_issuer

    if args.role == "admin":
        if not args.garrison:
            raise AdminError("an admin token needs --garrison")
        return dev_issuer.issue(_state(env), "admin", args.garrison, name=args.name)
    if not args.unit:
        raise AdminError(f"{_article(args.role)} {args.role} token needs --unit (the unit's TERYT)")
    unit = Deployment(settings).router.unit_by_reference(args.unit)
    if unit is None:
        raise AdminError(f"no unit {args.unit!r}")
    return dev_issuer.issue(_state(env), args.role, unit.garrison, unit.teryt, args.name)


def _remind_overdue(settings: Settings, env: dict[str, str], out: Any) -> int:
    from chalicelib import overdue
    from chalicelib.deployment import Deployment

    if _in_aws(env) and not env.get("KMZB_PANEL_URL"):
        # Locally the panel is make run's; a garrison's officers need its real address.
        raise AdminError(
            "set KMZB_PANEL_URL to the garrison's officer panel (the stack's PanelUrl output): "
            "the summaries link to it"
        )
    sent = overdue.remind(Deployment(settings).reminders)
    if not sent["units"]:
        print("no overdue reports: no summaries sent", file=out)
    else:
        print(
            f"overdue summaries sent to {_count(sent['units'], 'unit')} "
            f"about {_count(sent['reports'], 'report')}",
            file=out,
        )
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _data_dir(env: dict[str, str]) -> Path:
    """The boundary data folder, as Settings.data_dir finds it."""
    return Path(env.get("KMZB_DATA_DIR") or PROJECT_ROOT / "data")


def _units(env: dict[str, str], args: argparse.Namespace, out: Any) -> int:
    from chalicelib.units import UnitConfigError
    from infra import unit_config

    data_dir = _data_dir(env)
    try:
        if args.units_command == "init":
            slugs = unit_config.garrison_slugs(data_dir)
            if args.garrison not in slugs:
                raise AdminError(
                    f"unknown garrison {args.garrison!r}; valid garrisons: {', '.join(slugs)}"
                )
            path = Path(args.output) if args.output else unit_config.units_path(args.garrison)
            if path.exists() and not args.force:
                raise AdminError(f"{path} exists; give --force to overwrite it")
            config = unit_config.default_config(args.garrison, data_dir)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(unit_config.dump_config(config), encoding="utf-8")
            print(
                f"wrote {path}: garrison {args.garrison}, {len(config['units'])} units "
                "(one per powiat); edit it, then run "
                f"`kmzb-admin units check --garrison {args.garrison} {path}`",
                file=out,
            )
            return 0
        if args.path:
            path = Path(args.path)
        elif args.garrison:
            path = unit_config.units_path(args.garrison)
        else:
            raise AdminError("give --garrison or the unit file's path")
        if not path.exists():
            raise AdminError(f"{path}: no such file (`kmzb-admin units init` writes one)")
        try:
            raw = unit_config.read_unit_file(path)
        except unit_config.UnitFileError as e:
            raw, problems = None, e.problems
        else:
            garrison = args.garrison or (raw.get("garrison") if isinstance(raw, dict) else None)
            if not isinstance(garrison, str) or not garrison:
                raise AdminError(f"{path} names no garrison; give --garrison")
            problems = unit_config.check_config(raw, garrison, data_dir)
        if problems:
            for problem in problems:
                print(f"{path}: {problem}", file=out)
            print(f"kmzb-admin: {path}: {len(problems)} problem(s)", file=sys.stderr)
            return EXIT_BAD_INPUT
        units = raw["units"]
        served = sum(len(u["powiats"]) for u in units)
        print(f"{garrison}: {served} powiats in {len(units)} units: OK", file=out)
        return 0
    except UnitConfigError as e:
        raise AdminError(str(e)) from None
    except OSError as e:
        raise AdminError(f"{e.filename or ''}: {e.strerror or e}") from None


def _import_prg(env: dict[str, str], args: argparse.Namespace, out: Any) -> int:
    from infra import prg

    data_dir = _data_dir(env)
    output_dir = Path(args.output_dir) if args.output_dir else data_dir / "boundaries"
    try:
        result = prg.import_prg(
            Path(args.path),
            output_dir,
            voivodeships=Path(args.voivodeships) if args.voivodeships else None,
            simplify_m=args.simplify,
            expect_powiats=args.expect_powiats,
            expect_voivodeships=args.expect_voivodeships,
            garrisons_path=data_dir / "garrisons.json",
            encoding=args.encoding,
        )
    except prg.PrgError as e:
        raise AdminError(str(e)) from None
    except OSError as e:
        raise AdminError(f"{e.filename or output_dir}: {e.strerror or e}") from None
    for warning in result.warnings:
        print(f"warning: {warning}", file=out)
    if result.errors:
        for error in result.errors:
            print(f"error: {error}", file=out)
        print(
            f"kmzb-admin: the import has {len(result.errors)} error(s); nothing was written",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    powiats, voivodeships = result.written
    print(
        f"wrote {len(result.powiats['features'])} powiats to {powiats} and "
        f"{len(result.voivodeships['features'])} voivodeships to {voivodeships}",
        file=out,
    )
    return 0


LOCAL_BACKUP_BUCKET = "kmzb-backups"


def _backup(env: dict[str, str], args: argparse.Namespace, out: Any) -> int:
    """`backup export|restore` (infra/backup.py) against the local stack or AWS."""
    from dataclasses import replace
    from datetime import UTC, datetime

    import boto3

    from infra import backup

    local = local_stack_state(env)
    settings = settings_from_environment(env)
    s3_endpoint = settings.s3_endpoint
    if local is not None:
        s3_endpoint = json.loads((local / "local.json").read_text("utf-8"))["moto"]
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
    )
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=s3_endpoint)
    tables = backup.TableNames(
        getattr(args, "reports_table", None) or settings.reports_table,
        getattr(args, "audit_table", None) or settings.audit_table,
    )
    try:
        if args.backup_command == "export":
            from chalicelib.deployment import Deployment

            if args.garrison not in Deployment(settings).router.garrisons:
                raise AdminError(f"unknown garrison {args.garrison!r}")
            bucket = args.bucket or env.get("KMZB_BACKUP_BUCKET")
            if not bucket:
                if s3_endpoint is None:
                    raise AdminError("give --bucket (or KMZB_BACKUP_BUCKET): the export's bucket")
                bucket = LOCAL_BACKUP_BUCKET
            if s3_endpoint is not None:  # local (moto): the bucket is made on first use
                from infra.local_site import ensure_bucket

                ensure_bucket(s3, bucket, settings.region)
            prefix = args.prefix or backup.default_prefix(args.garrison, datetime.now(UTC))
            manifest = backup.export_garrison(
                dynamodb, s3, tables, args.garrison, bucket, prefix.strip("/")
            )
            counts = manifest["tables"]
            print(
                f"exported {args.garrison}: {_count(counts['reports']['items'], 'report')} "
                f"({counts['reports']['consultations']} consultations), "
                f"{counts['audit']['items']} audit entries "
                f"in {manifest['seconds']} s to s3://{bucket}/{prefix.strip('/')}/",
                file=out,
            )
            print(
                f"restore with: kmzb-admin backup restore --from s3://{bucket}/{prefix.strip('/')}",
                file=out,
            )
            return 0
        bucket, prefix = backup.parse_location(args.source)
        stream_ok = bool(args.stream_ok)
        if args.create_tables:
            from chalicelib.storage import build_models

            names = replace(settings, reports_table=tables.reports, audit_table=tables.audit)
            report_model, _, _, audit_model, _, _ = build_models(names)
            created = [m for m in (report_model, audit_model) if not m.exists()]
            for model in created:
                model.create_table(wait=True)
            # No trigger reads a reports table made just now: its stream announces nothing.
            stream_ok = stream_ok or report_model in created
        result = backup.restore_garrison(dynamodb, s3, tables, bucket, prefix, stream_ok=stream_ok)
        print(
            f"restored {result['garrison']} (exported {result['exported_at']}) "
            f"in {result['seconds']} s:",
            file=out,
        )
        for table, n in result["counts"].items():
            print(f"  {tables.of(table)}: {n} items", file=out)
        return 0
    except backup.BackupError as e:
        raise AdminError(str(e)) from None
    except BotoCoreError as e:
        print(f"kmzb-admin: cannot reach AWS ({e}); is `make run` running?", file=sys.stderr)
        return 1
    except ClientError as e:
        error = e.response.get("Error", {})
        print(f"kmzb-admin: {error.get('Code')}: {error.get('Message')}", file=sys.stderr)
        return 1


def _migrate(env: dict[str, str], args: argparse.Namespace, out: Any) -> int:
    """`migrate`: stored release-1 status labels and times of day to codes (infra/migrate.py)."""
    import boto3

    from infra import migrate

    settings = settings_from_environment(env)
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint
    )
    reports = args.reports_table or settings.reports_table
    audit = args.audit_table or settings.audit_table
    print(f"migrating {reports} and {audit}{' (dry run)' if args.dry_run else ''}:", file=out)
    try:
        summary = migrate.migrate(dynamodb, reports, audit, dry_run=args.dry_run, out=out)
    except BotoCoreError as e:
        print(f"kmzb-admin: cannot reach AWS ({e}); is `make run` running?", file=sys.stderr)
        return 1
    except ClientError as e:
        error = e.response.get("Error", {})
        print(f"kmzb-admin: {error.get('Code')}: {error.get('Message')}", file=sys.stderr)
        return 1
    for line in migrate.describe(summary):
        print(line, file=out)
    return 0


def _command(commands: Any, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand whose one-line help is also its description in `<command> --help`."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=summary, description=summary)
    return parser


UNIT_HELP = "the unit: its TERYT (e.g. 1261) or its id (e.g. kmp-1261)"


def build_parser() -> argparse.ArgumentParser:
    """kmzb-admin's commands and options; every one has a help text."""
    parser = argparse.ArgumentParser(
        prog="kmzb-admin",
        description=__doc__.split("\n\n")[0],
        epilog="`kmzb-admin <command> --help` describes a command's options.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="<command>")
    subscribe = _command(
        commands, "subscribe", "subscribe an officer (e-mail or SMS) to a unit's new reports"
    )
    unsubscribe = _command(commands, "unsubscribe", "remove an officer's subscriptions to a unit")
    for command in (subscribe, unsubscribe):
        command.add_argument("--unit", required=True, help=UNIT_HELP)
        target = command.add_mutually_exclusive_group(required=True)
        target.add_argument("--email", help="the officer's e-mail address")
        target.add_argument(
            "--phone", help="the officer's mobile number for SMS (Polish numbers may omit +48)"
        )
    subscribe.add_argument(
        "--categories",
        metavar="CODES",
        help="comma-separated category codes, as in GET /v1/categories (default: all)",
    )
    subscribe.add_argument(
        "--coordinator", action="store_true", help="also receive the daily overdue summaries"
    )
    listing = _command(commands, "subscriptions", "list a unit's subscriptions")
    listing.add_argument("--unit", required=True, help=UNIT_HELP)
    inbox = _command(
        commands,
        "inbox",
        "local stack only: the SMS and e-mails the unit's officers would have received",
    )
    inbox.add_argument("--unit", required=True, help=UNIT_HELP)
    token = _command(
        commands, "dev-token", "local stack only: a development token to sign in to the panel"
    )
    token.add_argument(
        "--role",
        choices=["officer", "coordinator", "admin"],
        required=True,
        help="the role the token carries",
    )
    token.add_argument("--unit", help="for an officer or a coordinator: the unit's TERYT or id")
    token.add_argument("--garrison", help="for an admin: the garrison's slug (e.g. malopolskie)")
    token.add_argument("--name", default="", help="the display name the token carries")
    _command(
        commands,
        "remind-overdue",
        "send each unit's coordinators the summary of its overdue reports now",
    )
    units = _command(commands, "units", "a garrison's unit file (infra/units/<garrison>.json)")
    units_commands = units.add_subparsers(
        dest="units_command", required=True, metavar="<units command>"
    )
    init = _command(units_commands, "init", "write the default unit file: one unit per powiat")
    init.add_argument("--garrison", required=True, help="the garrison's slug (e.g. malopolskie)")
    init.add_argument("--output", help="where to write (default: infra/units/<garrison>.json)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    check = _command(units_commands, "check", "validate a unit file after editing it")
    check.add_argument("--garrison", help="the garrison's slug (default: the file's)")
    check.add_argument("path", nargs="?", help="the file (default: infra/units/<garrison>.json)")
    boundaries = _command(commands, "boundaries", "the powiat and voivodeship boundary layers")
    boundaries_commands = boundaries.add_subparsers(
        dest="boundaries_command", required=True, metavar="<boundaries command>"
    )
    prg_import = _command(
        boundaries_commands,
        "import-prg",
        "convert GUGiK's PRG download (EPSG:2180) to the project's GeoJSON",
    )
    prg_import.add_argument(
        "path", help="a GeoPackage, the powiat shapefile, or a folder of PRG shapefiles"
    )
    prg_import.add_argument(
        "--voivodeships", help="the voivodeship layer's file (default: found beside the powiats)"
    )
    prg_import.add_argument(
        "--output-dir", help="where to write the layers (default: <data folder>/boundaries)"
    )
    prg_import.add_argument(
        "--simplify",
        type=float,
        default=0.0,
        metavar="METRES",
        help="simplify each boundary by this tolerance before reprojecting (default: 0, none)",
    )
    prg_import.add_argument(
        "--expect-powiats",
        type=int,
        default=380,
        metavar="N",
        help="the number of powiats the layer must have (default: 380)",
    )
    prg_import.add_argument(
        "--expect-voivodeships",
        type=int,
        default=16,
        metavar="N",
        help="the number of voivodeships the layer must have (default: 16)",
    )
    prg_import.add_argument("--encoding", help="the shapefile's text encoding, if not in its .cpg")
    backup = _command(
        commands, "backup", "export a garrison's reports and audit to S3, or restore them"
    )
    backup_commands = backup.add_subparsers(
        dest="backup_command", required=True, metavar="<backup command>"
    )
    export = _command(
        backup_commands,
        "export",
        "write a garrison's reports, consultations and audit entries to S3 "
        "(DynamoDB's export format, gzip-compressed, with a manifest)",
    )
    export.add_argument("--garrison", required=True, help="the garrison's slug (e.g. malopolskie)")
    export.add_argument(
        "--bucket",
        help="the S3 bucket (default: KMZB_BACKUP_BUCKET; locally kmzb-backups, made if missing)",
    )
    export.add_argument("--prefix", help="the key prefix (default: backups/<garrison>/<UTC time>)")
    export.add_argument(
        "--reports-table", help="read this reports table (default: KMZB_REPORTS_TABLE's)"
    )
    export.add_argument("--audit-table", help="read this audit table (default: KMZB_AUDIT_TABLE's)")
    restore = _command(
        backup_commands,
        "restore",
        "load an export into empty tables (refuses non-empty ones and then changes nothing)",
    )
    restore.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="S3_URL",
        help="the export: s3://bucket/prefix, as `backup export` printed it",
    )
    restore.add_argument(
        "--reports-table", help="write this reports table (default: KMZB_REPORTS_TABLE's)"
    )
    restore.add_argument(
        "--audit-table", help="write this audit table (default: KMZB_AUDIT_TABLE's)"
    )
    restore.add_argument(
        "--create-tables",
        action="store_true",
        help="create the reports and audit tables first if they do not exist "
        "(the project's keys and indexes; for drills into new tables)",
    )
    restore.add_argument(
        "--stream-ok",
        action="store_true",
        help="restore even though the reports table has a stream: its trigger announces "
        "restored reports older than 7 days to officers again (docs/OPERATIONS.md)",
    )
    migration = _command(
        commands,
        "migrate",
        "rewrite stored status labels and times of day to codes (idempotent, safe on a live "
        "table; docs/OPERATIONS.md)",
    )
    migration.add_argument(
        "--dry-run", action="store_true", help="count what would change and write nothing"
    )
    migration.add_argument(
        "--reports-table", help="this reports table (default: KMZB_REPORTS_TABLE's)"
    )
    migration.add_argument("--audit-table", help="this audit table (default: KMZB_AUDIT_TABLE's)")
    open311 = _command(commands, "open311", "Open311 GeoReport v2: the integrators' API keys")
    open311_commands = open311.add_subparsers(
        dest="open311_command", required=True, metavar="<open311 command>"
    )
    keys = _command(open311_commands, "keys", "issue, list and revoke Open311 API keys")
    keys_commands = keys.add_subparsers(
        dest="keys_command", required=True, metavar="<keys command>"
    )
    create_key = _command(
        keys_commands, "create", "issue a key to an organisation (printed once, stored hashed)"
    )
    create_key.add_argument("--name", required=True, help="the organisation's name")
    create_key.add_argument(
        "--daily-limit",
        type=int,
        default=100,
        metavar="N",
        help="the most reports the key may send per Warsaw day (default: 100)",
    )
    _command(keys_commands, "list", "list the keys (name, id, created, daily limit, revoked)")
    revoke_key = _command(keys_commands, "revoke", "revoke a key (its id from `keys list`)")
    revoke_key.add_argument("key_id", metavar="ID", help="the key's id (8 hex digits or more)")
    return parser


def _open311(env: dict[str, str], args: argparse.Namespace, out: Any) -> int:
    """`open311 keys create|list|revoke` (chalicelib/open311_keys.py)."""
    from chalicelib.errors import StorageUnavailable
    from chalicelib.open311_keys import KeyStore
    from chalicelib.values import utc_now

    store = KeyStore(settings_from_environment(env))
    try:
        if args.keys_command == "create":
            try:
                key, stored = store.create(args.name, args.daily_limit, utc_now())
            except ValueError as e:
                raise AdminError(str(e)) from None
            print(
                f"created key {stored.id} for {stored.name!r} ({stored.daily_limit}/day)", file=out
            )
            print("the key (shown only now; KMZB keeps only its SHA-256 digest):", file=out)
            print(key, file=out)
        elif args.keys_command == "list":
            print("\t".join(("id", "name", "created", "daily_limit", "revoked")), file=out)
            for k in store.all():
                row = (k.id, k.name, k.created_at, str(k.daily_limit), k.revoked_at or "-")
                print("\t".join(row), file=out)
        else:
            try:
                revoked = store.revoke(args.key_id, utc_now())
            except ValueError as e:
                raise AdminError(str(e)) from None
            print(f"revoked key {revoked.id} of {revoked.name!r} at {revoked.revoked_at}", file=out)
    except StorageUnavailable as e:
        print(f"kmzb-admin: cannot reach DynamoDB ({e}); is `make run` running?", file=sys.stderr)
        return 1
    return 0


def run(argv: Sequence[str], env: dict[str, str], out: Any = sys.stdout) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    if args.command in ("units", "boundaries", "backup", "migrate", "open311"):
        try:
            if args.command == "open311":
                return _open311(env, args, out)
            if args.command == "migrate":
                return _migrate(env, args, out)
            if args.command == "backup":
                return _backup(env, args, out)
            if args.command == "units":
                return _units(env, args, out)
            return _import_prg(env, args, out)
        except AdminError as e:
            print(f"kmzb-admin: {e}", file=sys.stderr)
            return EXIT_BAD_INPUT

    from chalicelib.topics import COORDINATOR_EVENTS, OFFICER_EVENTS, UnitTopics
    from infra.local_inbox import RecordedSubscription, forget_subscription, record_subscription

    local = local_stack_state(env)
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
            messages = read_inbox(sqs, settings.topic_arn_prefix, unit_id)
            if not messages:
                print(f"no messages for unit {args.unit} ({unit_id})", file=out)
                return 0
            print(
                f"{_count(len(messages), 'message')} for unit {args.unit} ({unit_id}), "
                "oldest first:\n",
                file=out,
            )
            for message in messages:
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
        topics = UnitTopics(
            _client(settings, "sns"),
            settings.topic_arn_prefix,
            settings.notification_dead_letters_arn,
        )
        topics.ensure(unit_id)
        if args.command == "subscribe":
            events = COORDINATOR_EVENTS if args.coordinator else OFFICER_EVENTS
            arn = topics.subscribe(unit_id, protocol, endpoint, wanted, events)
            if local is not None:  # made again when `make run` starts (moto forgets)
                record_subscription(
                    local, RecordedSubscription(unit_id, protocol, endpoint, wanted, events)
                )
            scope = ", ".join(wanted) if wanted else "all categories"
            if args.coordinator:
                scope += "; overdue summaries"
            print(f"subscribed {protocol} {endpoint} to {unit_id} ({scope}): {arn}", file=out)
        elif args.command == "unsubscribe":
            # An e-mail address subscribed before addresses were lower-cased still matches.
            matching = [
                s
                for s in topics.subscriptions(unit_id)
                if (s.endpoint.lower() if protocol == "email" else s.endpoint) == endpoint
            ]
            if not matching:
                raise AdminError(f"{endpoint} is not subscribed to {unit_id}")
            for subscription in matching:
                topics.unsubscribe(subscription.arn)
                if local is not None:
                    forget_subscription(local, unit_id, subscription.endpoint)
            print(f"unsubscribed {endpoint} from {unit_id}", file=out)
        else:
            found = topics.subscriptions(unit_id)
            if not found:
                print(f"no subscriptions for unit {args.unit} ({unit_id})", file=out)
                return 0
            print("\t".join(LISTING_COLUMNS), file=out)
            for s in found:
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
    """The `kmzb-admin` command. A reader that stops early (`kmzb-admin inbox … | head`)
    ends it quietly, as it would a Unix tool: exit status 141 (128 + SIGPIPE), no traceback."""
    try:
        code = run(sys.argv[1:], dict(os.environ))
        sys.stdout.flush()  # inside the try: a closed pipe shows up here at the latest
        return code
    except BrokenPipeError:
        # Python would flush stdout again at exit and complain; point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
