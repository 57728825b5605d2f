"""`make checkov`: checkov over every expanded template, with infra/checkov.yaml's skip list.

    python -m infra.checkov_scan [CHECKOV]     # after `make synth`

checkov pins boto3 to a version the functions' requirements cannot share, so it runs from
its own virtual environment (build/checkov, from requirements-checkov.txt). It runs once
over all of build/templates/*.expanded.json (one process: 30 s idle, 2 minutes under load
here; one run per template would pay checkov's start-up 54 times). Exit 0 when nothing fails.

checkov is given the templates' bare file names, from build/templates: its CloudFormation
parser puts each mapping's file name into the mapping (`__file__`), so a function's
environment variables hold it too, and CKV_AWS_45 matches them against the AWS secret key
pattern (40 characters of [A-Za-z0-9/+=]). An absolute path whose run up to the first `.`
or `-` is 40 such characters (`/work/main/build/templates/wielkopolskie`) failed the check
for every function of that template, in one checkout and not in another. A bare name's run
is the stack's name only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from infra.engines import PROJECT_ROOT
from infra.templates import TEMPLATES

CONFIG = PROJECT_ROOT / "infra" / "checkov.yaml"
CHECKOV = PROJECT_ROOT / "build" / "checkov" / "bin" / "checkov"
# The rule: checks about WAF, concurrency, access logging or TLS are never skipped.
NEVER_SKIPPED = {
    "CKV_AWS_68": "CloudFront distribution has WAF enabled",
    "CKV_AWS_115": "Lambda function-level concurrency limit",
    "CKV_AWS_76": "API Gateway access logging",
    "CKV_AWS_86": "CloudFront access logging",
    "CKV_AWS_174": "CloudFront viewer certificate TLS 1.2+",
    "CKV_AWS_73": "API Gateway X-Ray tracing",
    "CKV2_AWS_31": "WAF logging configuration",
    "CKV2_AWS_47": "WAF against Log4j (known bad inputs)",
    "CKV_AWS_192": "WAF against Log4j (known bad inputs)",
}
# The only checks of NEVER_SKIPPED a resource's own Metadata may skip, and on what resource
# (infra/protection.distribution_checkov_skips gives the reasons; the template tests prove
# them): CloudFront's legacy access logging, replaced by standard logging v2 without client
# addresses, and TLS 1.2 on a distribution that has no certificate of its own.
RESOURCE_SKIPS = {
    "CKV_AWS_86": "AWS::CloudFront::Distribution",
    "CKV_AWS_174": "AWS::CloudFront::Distribution",
}


class ConfigError(ValueError):
    pass


def skip_list(config: dict[str, Any]) -> dict[str, str]:
    """The skipped checks and their reasons; ConfigError for one without a reason, or one
    that may never be skipped."""
    skips = config.get("skip") or {}
    if not isinstance(skips, dict):
        raise ConfigError("skip: a mapping of check id to the reason it does not apply")
    for check, reason in skips.items():
        if check in NEVER_SKIPPED:
            raise ConfigError(f"{check} ({NEVER_SKIPPED[check]}) may not be skipped")
        if not isinstance(reason, str) or len(reason.split()) < 5:
            raise ConfigError(f"{check}: say why it does not apply")
    return {str(k): str(v) for k, v in skips.items()}


def run(checkov: Path = CHECKOV, templates: list[Path] | None = None) -> dict[str, Any]:
    """checkov's JSON report over the templates (default: every expanded one)."""
    skips = skip_list(yaml.safe_load(CONFIG.read_text("utf-8")))
    paths = templates or sorted(TEMPLATES.glob("*.expanded.json"))
    if not paths:
        raise ConfigError(f"no templates in {TEMPLATES}: run `make synth` first")
    # Not --quiet: the report must list the checks the templates skip (forbidden_skips).
    # --skip-download: no guidelines from Prisma Cloud (offline, and no retries to wait for).
    command = [str(checkov), "--framework", "cloudformation", "--output", "json"]
    command += ["--skip-download"]
    command += ["--skip-check", ",".join(sorted(skips))]
    folders = {path.resolve().parent for path in paths}
    if len(folders) != 1:
        raise ConfigError("the templates must be in one folder")
    for path in paths:
        command += ["-f", path.name]  # a bare name: see the module's docstring (CKV_AWS_45)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=1800, cwd=folders.pop()
    )
    if result.returncode not in (0, 1):  # 1: checks failed; anything else: checkov broke
        raise RuntimeError(result.stderr[-2000:])
    reports = json.loads(result.stdout or "[]")
    return {"reports": reports if isinstance(reports, list) else [reports]}


def failures(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(check id, template, resource) of every failed check."""
    return sorted(
        (f["check_id"], Path(f["file_path"]).name, f["resource"])
        for r in report["reports"]
        for f in r.get("results", {}).get("failed_checks", [])
    )


def forbidden_skips(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(check id, template, resource) of a NEVER_SKIPPED check a resource's Metadata skips,
    unless RESOURCE_SKIPS allows it on that kind of resource, with a reason."""
    return sorted(
        (s["check_id"], Path(s["file_path"]).name, s["resource"])
        for r in report["reports"]
        for s in r.get("results", {}).get("skipped_checks", [])
        if s["check_id"] in NEVER_SKIPPED
        and not (
            s["resource"].split(".")[0] == RESOURCE_SKIPS.get(s["check_id"])
            and len(s.get("check_result", {}).get("suppress_comment", "").split()) >= 10
        )
    )


def in_template_skips(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(check id, resource, reason) of checks skipped by a resource's own Metadata."""
    configured = skip_list(yaml.safe_load(CONFIG.read_text("utf-8")))
    return sorted(
        {
            (s["check_id"], s["resource"], s.get("check_result", {}).get("suppress_comment", ""))
            for r in report["reports"]
            for s in r.get("results", {}).get("skipped_checks", [])
            if s["check_id"] not in configured
        }
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    report = run(Path(args[0]) if args else CHECKOV)
    forbidden = forbidden_skips(report)
    for check, template, resource in forbidden:
        print(f"{check} skipped in {template} ({resource}): not allowed", file=sys.stderr)
    if forbidden:
        return 1
    for check, resource, reason in in_template_skips(report):
        print(f"skipped {check} for {resource}: {reason}", file=sys.stderr)
    failed = failures(report)
    for check, template, resource in failed:
        print(f"{check}  {template}  {resource}")
    passed = sum(r.get("summary", {}).get("passed", 0) for r in report["reports"])
    print(f"checkov: {passed} passed, {len(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
