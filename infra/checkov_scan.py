"""`make checkov`: checkov over every expanded template, with infra/checkov.yaml's skip list.

    python -m infra.checkov_scan [CHECKOV]     # after `make synth`

checkov pins boto3 to a version the functions' requirements cannot share, so it runs from
its own virtual environment (build/checkov, from requirements-checkov.txt). It runs once
over all of build/templates/*.expanded.json (one process: 35 s idle, 2 minutes under load
here; one run per template would pay checkov's start-up 54 times). Exit 0 when nothing fails.
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
    command = [str(checkov), "--framework", "cloudformation", "--output", "json", "--quiet"]
    command += ["--skip-check", ",".join(sorted(skips))]
    for path in paths:
        command += ["-f", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
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
    for check, resource, reason in in_template_skips(report):
        if check in NEVER_SKIPPED:
            print(f"{check} skipped in a template ({resource}): not allowed", file=sys.stderr)
            return 1
        print(f"skipped {check} for {resource}: {reason}", file=sys.stderr)
    failed = failures(report)
    for check, template, resource in failed:
        print(f"{check}  {template}  {resource}")
    passed = sum(r.get("summary", {}).get("passed", 0) for r in report["reports"])
    print(f"checkov: {passed} passed, {len(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
