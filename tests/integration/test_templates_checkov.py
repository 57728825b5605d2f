"""checkov's project configuration (infra/checkov.yaml) and the templates' own skips."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.checkov_scan import (
    CHECKOV,
    CONFIG,
    NEVER_SKIPPED,
    RESOURCE_SKIPS,
    ConfigError,
    failures,
    forbidden_skips,
    run,
    skip_list,
)
from infra.templates import TEMPLATES, synth
from tests.integration.test_templates import STACKS, resources

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


def test_the_templates_skip_only_the_explained_resource_checks() -> None:
    if not all((TEMPLATES / f"{s}.expanded.json").exists() for s in SITES):
        synth()
    found = set()
    for stack in SITES:
        template = json.loads((TEMPLATES / f"{stack}.expanded.json").read_text("utf-8"))
        for name, resource in template["Resources"].items():
            for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
                if skip["id"] in NEVER_SKIPPED:  # only where RESOURCE_SKIPS allows it
                    assert RESOURCE_SKIPS.get(skip["id"]) == resource["Type"], (stack, name)
                assert len(skip["comment"].split()) >= 5, (stack, name)
                if resource["Type"] == "AWS::CloudFront::Distribution":
                    kind = "Distribution"
                elif name.startswith("LogBucket"):
                    kind = "LogBucket"
                else:
                    assert "BucketDeployment" in name, (stack, name)
                    kind = "BucketDeploymentPolicy"
                found.add((skip["id"], kind))
    assert found == {
        ("CKV_AWS_18", "LogBucket"),
        ("CKV_AWS_111", "BucketDeploymentPolicy"),
        ("CKV_AWS_86", "Distribution"),
        ("CKV_AWS_174", "Distribution"),
    }


def _template(stack: str) -> dict[str, Any]:
    if not (TEMPLATES / f"{stack}.expanded.json").exists():
        synth()
    return dict(json.loads((TEMPLATES / f"{stack}.expanded.json").read_text("utf-8")))


def _skips(resource: dict[str, Any]) -> dict[str, str]:
    skips = resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    return {s["id"]: s["comment"] for s in skips}


def test_a_distribution_skips_legacy_logging_only_where_v2_logging_delivers_its_logs() -> None:
    for stack in STACKS:
        template = _template(stack)
        distributions = resources(template, "AWS::CloudFront::Distribution")
        assert distributions, stack
        logs = _template(f"{stack}-edge-logs")
        (source,) = resources(logs, "AWS::Logs::DeliverySource").values()
        (delivery,) = resources(logs, "AWS::Logs::Delivery").values()
        for logical_id, distribution in distributions.items():
            reason = _skips(distribution).get("CKV_AWS_86")
            assert reason and f"kmzb-{stack}-edge-logs" in reason, (stack, logical_id)
            # No legacy logging (it would hold c-ip) ...
            assert "Logging" not in distribution["Properties"]["DistributionConfig"]
            # ... and v2 logging of this very distribution (its Ref, exported cross-region),
            # with no client address among the fields.
            assert f"Ref{logical_id}" in json.dumps(source["Properties"]["ResourceArn"])
            assert source["Properties"]["LogType"] == "ACCESS_LOGS"
            fields = delivery["Properties"]["RecordFields"]
            assert fields and not {"c-ip", "x-forwarded-for", "c-port"} & set(fields)


def test_tls_is_skipped_only_for_a_distribution_without_a_certificate_of_its_own() -> None:
    for stack in STACKS:
        for logical_id, distribution in resources(
            _template(stack), "AWS::CloudFront::Distribution"
        ).items():
            certificate = distribution["Properties"]["DistributionConfig"].get(
                "ViewerCertificate", {}
            )
            skipped = "CKV_AWS_174" in _skips(distribution)
            assert skipped == ("AcmCertificateArn" not in certificate), (stack, logical_id)
            if not skipped:
                assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"


def _site_stack(certificate_arn: str | None) -> dict[str, Any]:
    """A stack with only a site distribution (infra/site_distribution.py), with or without a
    custom domain and certificate."""
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3

    from infra.site_distribution import security_headers_policy, site_distribution

    app = cdk.App()
    stack = cdk.Stack(
        app, "site", env=cdk.Environment(account="123456789012", region="eu-central-1")
    )
    site_distribution(
        stack,
        bucket=s3.Bucket(stack, "Bucket"),
        headers=security_headers_policy(stack, connect_src=[], img_src=[]),
        comment="test",
        domain_name="kmzb.example.pl" if certificate_arn else None,
        certificate_arn=certificate_arn,
        additional_behaviors={},
    )
    return dict(app.synth().get_stack_by_name("site").template)


@pytest.mark.parametrize(
    "certificate",
    [None, "arn:aws:acm:us-east-1:123456789012:certificate/0c3f3b6e-1111-2222-3333-444455556666"],
)
def test_with_a_certificate_the_distribution_requires_tls_1_2_and_checkov_passes_it(
    certificate: str | None, tmp_path: Path
) -> None:
    template = _site_stack(certificate)
    (distribution,) = resources(template, "AWS::CloudFront::Distribution").values()
    assert ("CKV_AWS_174" in _skips(distribution)) == (certificate is None)
    if not CHECKOV.exists():
        pytest.skip("checkov's environment (make build/checkov/.installed) is not installed")
    path = tmp_path / "site.json"
    path.write_text(json.dumps(template), "utf-8")
    report = run(CHECKOV, [path])
    results = {
        (c["check_id"], outcome)
        for r in report["reports"]
        for outcome in ("passed_checks", "failed_checks", "skipped_checks")
        for c in r["results"][outcome]
        if c["check_id"] in ("CKV_AWS_174", "CKV_AWS_86")
    }
    expected_tls = "skipped_checks" if certificate is None else "passed_checks"
    assert results == {("CKV_AWS_174", expected_tls), ("CKV_AWS_86", "skipped_checks")}
    assert not forbidden_skips(report)


def test_checkov_does_not_take_the_templates_path_for_an_aws_secret_key(tmp_path: Path) -> None:
    """checkov writes each template's file name into its mappings, functions' environment
    variables among them; CKV_AWS_45 took a path whose run of [A-Za-z0-9/+=] up to the first
    `.` is 40 characters long (`/work/main/build/templates/wielkopolskie`) for a secret key."""
    if not CHECKOV.exists():
        pytest.skip("checkov's environment (make build/checkov/.installed) is not installed")
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Role": "arn:aws:iam::123456789012:role/r",
            "Code": {"ZipFile": "def handler(e, c): pass"},
            "Environment": {"Variables": {"KMZB_STAGE": "wielkopolskie"}},
        },
    }
    stem = "wielkopolskie"
    folder = tmp_path / "x-" / ("a" * (40 - len(stem) - 2))  # "/aaa…a/wielkopolskie": 40
    folder.mkdir(parents=True)
    path = folder / f"{stem}.expanded.json"
    path.write_text(json.dumps({"Resources": {"Fn": function}}), "utf-8")
    run_of_the_path = re.findall(r"[A-Za-z0-9/+=]+", str(path))[-3]
    assert len(run_of_the_path) == 40 and run_of_the_path.endswith(stem)

    def secret_check(command: list[str], cwd: Path) -> set[str]:
        result = subprocess.run(
            [
                str(CHECKOV),
                "--framework",
                "cloudformation",
                "--output",
                "json",
                "--skip-download",
                "--check",
                "CKV_AWS_45",
                *command,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=cwd,
        )
        report = json.loads(result.stdout)
        return {c["check_id"] for c in report["results"]["failed_checks"]}

    # The kind of the bug: the absolute path fails the check, the bare name does not.
    assert secret_check(["-f", str(path)], tmp_path) == {"CKV_AWS_45"}
    assert secret_check(["-f", path.name], folder) == set()
    assert "CKV_AWS_45" not in {check for check, _, _ in failures(run(CHECKOV, [path]))}


def _report(check: str, resource: str, comment: str) -> dict[str, Any]:
    skipped = {
        "check_id": check,
        "file_path": "/x.expanded.json",
        "resource": resource,
        "check_result": {"result": "SKIPPED", "suppress_comment": comment},
    }
    return {"reports": [{"results": {"skipped_checks": [skipped]}}]}


REASON = "CloudFront standard logging v2 delivers this distribution's logs without addresses."


@pytest.mark.parametrize(
    ("check", "resource", "comment", "allowed"),
    [
        ("CKV_AWS_86", "AWS::CloudFront::Distribution.Site", REASON, True),
        ("CKV_AWS_174", "AWS::CloudFront::Distribution.Site", REASON, True),
        ("CKV_AWS_18", "AWS::S3::Bucket.LogBucket", "own logs", True),  # not a NEVER_SKIPPED one
        ("CKV_AWS_86", "AWS::CloudFront::Distribution.Site", "no need", False),  # no reason
        ("CKV_AWS_86", "AWS::S3::Bucket.Site", REASON, False),  # not a distribution
        ("CKV_AWS_68", "AWS::CloudFront::Distribution.Site", REASON, False),  # WAF: never
        ("CKV_AWS_115", "AWS::Lambda::Function.APIHandler", REASON, False),  # concurrency
        ("CKV_AWS_76", "AWS::ApiGateway::Stage.Api", REASON, False),  # API access logs
    ],
)
def test_a_template_may_skip_only_the_allowed_checks_on_a_distribution_with_a_reason(
    check: str, resource: str, comment: str, allowed: bool
) -> None:
    assert (not forbidden_skips(_report(check, resource, comment))) == allowed
