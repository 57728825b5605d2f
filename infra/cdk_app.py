"""The CDK app: a stack per garrison and the national stack.

    python -m infra.cdk_app                      # synthesize all 18 into build/cdk.out
    python -m infra.cdk_app --only malopolskie   # one stack (what `make deploy` runs)

The CDK CLI runs it as `--app` (cdk.json); synthesis needs no AWS credentials or
network: without CDK_DEFAULT_ACCOUNT (set by the CLI from the credentials) the
stacks get a placeholder account. Admin settings per garrison (custom domain,
alarm e-mails, the national distribution) come from infra/deployments.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.paths import PROJECT_ROOT

DEPLOYMENTS = PROJECT_ROOT / "infra" / "deployments.json"
PLACEHOLDER_ACCOUNT = "123456789012"
DEFAULT_REGION = "eu-central-1"
DEFAULT_OUTDIR = PROJECT_ROOT / "build" / "cdk.out"


def _region() -> str:
    return (
        os.environ.get("CDK_DEFAULT_REGION")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or DEFAULT_REGION
    )


def build(outdir: Path, only: list[str] | None = None, data_dir: Path | None = None) -> list[str]:
    """Synthesize the stacks (all, or those named) into outdir; their ids, in order."""
    # Chalice's construct packages the app into ./chalice.out: a folder of this build's own,
    # so that two builds at once (make synth beside a test) never remove each other's.
    # Chalice also puts each stage's environment in os.environ to import the app: put back.
    outdir = outdir.resolve()
    here, environment = os.getcwd(), dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="kmzb-synth-") as scratch:
        os.chdir(scratch)
        try:
            return _build(outdir, only, data_dir)
        finally:
            os.chdir(here)
            os.environ.clear()
            os.environ.update(environment)


def _build(outdir: Path, only: list[str] | None, data_dir: Path | None) -> list[str]:
    import aws_cdk as cdk

    from chalicelib.units import load_garrisons
    from infra.garrison_stack import GarrisonStack, garrison_options
    from infra.lambda_data import prepare
    from infra.national_stack import GarrisonSite, NationalStack
    from infra.protection import EdgeStack, Protection
    from infra.unit_config import garrison_units

    # Chalice and the SAM translator create AWS clients (no calls): they want a region.
    os.environ.setdefault("AWS_DEFAULT_REGION", _region())
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    data = data_dir or PROJECT_ROOT / "data"
    prepare(data)
    garrisons = load_garrisons(data / "garrisons.json")
    settings = json.loads(DEPLOYMENTS.read_text("utf-8")) if DEPLOYMENTS.exists() else {}
    account = os.environ.get("CDK_DEFAULT_ACCOUNT") or PLACEHOLDER_ACCOUNT
    region = _region()
    environment = cdk.Environment(account=account, region=region)
    wanted = set(only or [])
    known = {g.id for g in garrisons} | {"national"}
    unknown = sorted(wanted - known)
    if unknown:
        raise SystemExit(
            f"unknown stacks: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )

    # Server access logs are delivered under the log bucket's policy (its ACLs are disabled).
    app = cdk.App(
        outdir=str(outdir),
        context={"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True},
    )
    built = []
    for g in garrisons:
        if wanted and g.id not in wanted:
            continue
        options = garrison_options(settings, g.id)
        edge = EdgeStack(
            app,
            g.id,
            account=account,
            rate_limit=options.protection.rate_limit,
            alarm_emails=options.admin_emails,
            blocks_alarm=options.protection.blocks_alarm,
        )
        stack = GarrisonStack(
            app,
            g.id,
            unit_ids=[u.id for u in garrison_units(g.id, data)],
            headquarters=g.headquarters,
            options=options,
            env=environment,
            web_acl_arn=edge.web_acl.attr_arn,
        )
        _edge_logs(app, g.id, account, stack)
        built += [f"{g.id}-edge", g.id, f"{g.id}-edge-logs"]
    if not wanted or "national" in wanted:
        national = settings.get("national", {})
        placed = settings.get("garrisons", {})
        sites = [
            GarrisonSite(
                garrison=g.id,
                headquarters=g.headquarters,
                account=str(placed.get(g.id, {}).get("account") or account),
                region=str(placed.get(g.id, {}).get("region") or region),
            )
            for g in garrisons
        ]
        national_account = str(national.get("account") or account)
        edge = EdgeStack(
            app,
            "national",
            account=national_account,
            rate_limit=Protection.from_settings(national.get("protection", {})).rate_limit,
            alarm_emails=tuple(national.get("admin_emails", ())),
        )
        national_stack = NationalStack(
            app,
            garrisons=sites,
            env=cdk.Environment(account=national_account, region=region),
            domain_name=national.get("domain_name") or None,
            certificate_arn=national.get("certificate_arn") or None,
            web_acl_arn=edge.web_acl.attr_arn,
        )
        _edge_logs(app, "national", national_account, national_stack)
        built += ["national-edge", "national", "national-edge-logs"]
    app.synth()
    return built


def _edge_logs(app: Any, site: str, account: str, stack: Any) -> None:
    """The site's CloudFront access logs: configured in us-east-1, after its distribution."""
    from infra.protection import EdgeLogsStack

    EdgeLogsStack(
        app,
        site,
        account=account,
        distribution_id=stack.distribution.distribution_id,
        bucket_arn=stack.log_bucket.bucket_arn,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Synthesize the KMZB stacks")
    parser.add_argument("--outdir", type=Path, default=None)
    parser.add_argument("--only", action="append", help="a garrison slug, or national")
    args = parser.parse_args(argv)
    # The CDK CLI passes its output folder and the stacks to build in the environment.
    outdir = args.outdir or Path(os.environ.get("CDK_OUTDIR") or DEFAULT_OUTDIR)
    only = args.only or [s for s in os.environ.get("KMZB_STACKS", "").split(",") if s]
    built = build(outdir, only)
    print(f"synthesized {len(built)} stacks into {outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
