"""`make deploy GARRISON=<slug>` and `make deploy-national`: the CDK CLI, after checks.

It fails early, and says why, when no AWS credentials are at hand, when the
garrison is unknown, when the garrison's unit file does not pass
`kmzb-admin units check`, or when .chalice/ holds more than the local stage.
Everything else (bootstrap, approval of IAM changes, rollback on failure) is the
CDK CLI's and CloudFormation's; see docs/DEPLOY.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from chalicelib.units import UnitConfigError
from infra.paths import PROJECT_ROOT

CDK = PROJECT_ROOT / "node_modules" / ".bin" / "cdk"
EXIT_BAD_INPUT = 2


class DeployError(Exception):
    pass


def caller_account() -> tuple[str, str]:
    """The account and region the credentials at hand deploy to."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    session = boto3.Session()
    region = session.region_name
    if session.get_credentials() is None:
        raise DeployError(
            "No AWS credentials found. Sign in first (aws sso login, or AWS_PROFILE / "
            "AWS_ACCESS_KEY_ID), then run this again. See docs/DEPLOY.md, Prerequisites."
        )
    if not region:
        raise DeployError("No AWS region set: export AWS_REGION=eu-central-1 (or your region).")
    try:
        identity = session.client("sts").get_caller_identity()
    except (NoCredentialsError, ClientError, BotoCoreError) as e:
        raise DeployError(f"The AWS credentials do not work: {e}") from None
    return str(identity["Account"]), region


def known_stacks() -> list[str]:
    from infra.unit_config import garrison_slugs

    return [*garrison_slugs(PROJECT_ROOT / "data"), "national"]


def deploy(stack: str, extra: Sequence[str] = (), env: dict[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    stacks = known_stacks()
    if stack not in stacks:
        raise DeployError(f"unknown garrison {stack!r}; one of: {', '.join(stacks)}")
    if stack != "national":
        from infra.unit_config import garrison_units

        garrison_units(stack, PROJECT_ROOT / "data")  # raises with the unit file's problems
    from infra.stages import stale_chalice_files

    stale = stale_chalice_files()
    if stale:  # an old checkout's stage would be merged over the generated one
        raise DeployError(
            f".chalice/ holds more than the local stage ({', '.join(stale)}); "
            "see python -m infra.stages --check"
        )
    account, region = caller_account()
    print(f"Deploying kmzb-{stack} to account {account}, region {region}.", file=sys.stderr)
    env.update(KMZB_STACKS=stack, CDK_DEFAULT_ACCOUNT=account, CDK_DEFAULT_REGION=region)
    # The stack, its us-east-1 web ACL (a dependency, deployed first) and its access logs.
    stacks = [stack, f"{stack}-edge-logs"]
    command = [str(CDK), "deploy", *stacks, "--outputs-file", f"build/outputs-{stack}.json", *extra]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env).returncode


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or not args[0]:
        print("usage: make deploy GARRISON=<slug>  |  make deploy-national", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return deploy(args[0], args[1:])
    except (DeployError, UnitConfigError) as e:  # a unit file that fails its check, too
        print(f"make deploy: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
