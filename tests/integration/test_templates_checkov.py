"""checkov's project configuration (infra/checkov.yaml) and the templates' own skips."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from infra.checkov_scan import CONFIG, NEVER_SKIPPED, ConfigError, skip_list
from infra.templates import TEMPLATES, synth
from tests.integration.test_templates import STACKS

SITES = [*STACKS, *(f"{s}-edge" for s in STACKS), *(f"{s}-edge-logs" for s in STACKS)]


def test_every_skipped_check_says_why_and_none_is_about_waf_concurrency_logs_or_tls() -> None:
    skips = skip_list(yaml.safe_load(CONFIG.read_text("utf-8")))
    assert skips, "the configuration lists its skips"
    assert not set(skips) & set(NEVER_SKIPPED)
    assert all(len(reason.split()) >= 10 for reason in skips.values())


@pytest.mark.parametrize(
    "config",
    [
        {"skip": {"CKV_AWS_68": "WAF costs money and we do not want it here."}},
        {"skip": {"CKV_AWS_115": "Concurrency limits are not needed for this app."}},
        {"skip": {"CKV_AWS_76": "Access logs are not needed for this app at all."}},
        {"skip": {"CKV_AWS_86": "Access logs are not needed for this app at all."}},
        {"skip": {"CKV_AWS_174": "TLS 1.0 is fine for the default domain we use."}},
        {"skip": {"CKV_AWS_117": ""}},
        {"skip": {"CKV_AWS_117": "not needed"}},
        {"skip": ["CKV_AWS_117"]},
    ],
)
def test_a_forbidden_or_unexplained_skip_is_refused(config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        skip_list(config)


def test_the_templates_skip_only_the_two_explained_resource_checks() -> None:
    if not all((TEMPLATES / f"{s}.expanded.json").exists() for s in SITES):
        synth()
    found = set()
    for stack in SITES:
        template = json.loads((TEMPLATES / f"{stack}.expanded.json").read_text("utf-8"))
        for name, resource in template["Resources"].items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                assert skip["id"] not in NEVER_SKIPPED, (stack, name)
                assert len(skip["comment"].split()) >= 5, (stack, name)
                kind = "LogBucket" if name.startswith("LogBucket") else "BucketDeploymentPolicy"
                assert kind == "LogBucket" or "BucketDeployment" in name, (stack, name)
                found.add((skip["id"], kind))
    assert found == {("CKV_AWS_18", "LogBucket"), ("CKV_AWS_111", "BucketDeploymentPolicy")}
