"""`make synth`: every stack's template, the SAM transform expanded offline, and cfn-lint.

    python -m infra.templates            # all 17 garrisons and the national stack
    python -m infra.templates --only malopolskie

Writes build/templates/<stack>.json (what CloudFormation receives) and
<stack>.expanded.json (with AWS::Serverless resources translated by
aws-sam-translator, as CloudFormation would, without calling AWS). cfn-lint does
not look inside SAM resources, so it lints the expanded templates; any error
fails the command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.paths import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "build" / "templates"
CDK_OUT = PROJECT_ROOT / "build" / "cdk.out"


class _NoManagedPolicies:
    """The translator's managed-policy lookup, offline: the templates name none by short name."""

    def load(self) -> dict[str, str]:
        return {}


def expand(template: dict[str, Any], region: str = "eu-central-1") -> dict[str, Any]:
    """The template with its SAM resources translated to plain CloudFormation."""
    from samtranslator.translator.transform import transform

    # The translator's own usage metrics are never published offline; it warns of each.
    logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    if "Transform" not in template:
        return template
    parameters = {"AWS::Region": region, "AWS::AccountId": "123456789012"}
    expanded = transform(template, parameters, _NoManagedPolicies())
    return dict(expanded)


def lint(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    return subprocess.run(
        [str(cfn_lint), "--non-zero-exit-code", "error", "--format", "parseable", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=1800,
    )


def synth(only: list[str] | None = None, out: Path = TEMPLATES) -> list[Path]:
    from infra.cdk_app import build

    # A synthesis of its own, then put in place: two at once (make synth beside a test) never
    # read each other's half-written cloud assembly.
    CDK_OUT.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix="cdk.out.", dir=CDK_OUT.parent))
    stacks = build(fresh, only)
    out.mkdir(parents=True, exist_ok=True)
    expanded_paths = []
    for stack in stacks:
        template = json.loads((fresh / f"{stack}.template.json").read_text("utf-8"))
        (out / f"{stack}.json").write_text(json.dumps(template, indent=1), "utf-8")
        path = out / f"{stack}.expanded.json"
        path.write_text(json.dumps(expand(template), indent=1), "utf-8")
        expanded_paths.append(path)
    for attempt in range(5):  # another synthesis may put its own in place meanwhile
        old = CDK_OUT.with_name(f"{fresh.name}.old{attempt}")
        with contextlib.suppress(FileNotFoundError):
            CDK_OUT.rename(old)
        shutil.rmtree(old, ignore_errors=True)
        with contextlib.suppress(OSError):
            fresh.rename(CDK_OUT)
            break
    shutil.rmtree(fresh, ignore_errors=True)  # only if it never got in place
    return expanded_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="a garrison slug, or national")
    args = parser.parse_args(argv)
    expanded = synth(args.only)
    result = lint(expanded)
    if result.returncode != 0:
        print(result.stdout + result.stderr, file=sys.stderr)
        print(f"cfn-lint found errors in {TEMPLATES}", file=sys.stderr)
        return 1
    warnings = len([line for line in result.stdout.splitlines() if line.strip()])
    print(f"{len(expanded)} templates in {TEMPLATES}: cfn-lint no errors ({warnings} warnings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
