"""What admins deploy, checked offline: the synthesized CloudFormation templates.

`make synth` (a step of `make test`) writes build/templates; run alone, these
tests synthesize them first.
"""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import categories, statuses
from chalicelib.contract import resource_names
from chalicelib.deployment import Deployment, Settings
from chalicelib.errors import ApiError
from infra import site_headers, stages
from infra.engines import PROJECT_ROOT
from infra.templates import CDK_OUT, TEMPLATES, lint, synth
from infra.unit_config import garrison_units

DATA = PROJECT_ROOT / "data"
GARRISONS = json.loads((DATA / "garrisons.json").read_text("utf-8"))
SLUGS = [g["garrison"] for g in GARRISONS]
STACKS = [*SLUGS, "national"]
GRANTING_SERVICES = ("dynamodb", "sns", "s3")


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    if not all((TEMPLATES / f"{s}.expanded.json").exists() for s in STACKS):
        synth()
    return {s: json.loads((TEMPLATES / f"{s}.json").read_text("utf-8")) for s in STACKS}


@pytest.fixture(scope="module")
def expanded(templates: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s: json.loads((TEMPLATES / f"{s}.expanded.json").read_text("utf-8")) for s in STACKS}


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def one(template: dict[str, Any], kind: str) -> dict[str, Any]:
    found = list(resources(template, kind).values())
    assert len(found) == 1, f"{len(found)} of {kind}"
    return found[0]["Properties"]


def statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement in roles, policies and resource policies (not KMS key policies)."""
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents += [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif resource["Type"] in (
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::S3::BucketPolicy",
            "AWS::SQS::QueuePolicy",
            "AWS::SNS::TopicPolicy",
        ):
            documents.append(props["PolicyDocument"])
        for document in documents:
            for statement in document["Statement"]:
                yield name, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_stack_synthesizes_and_cfn_lint_finds_no_error(
    templates: dict[str, Any], expanded: dict[str, Any]
) -> None:
    assert sorted(templates) == sorted(STACKS) and len(SLUGS) == 17
    for stack, template in expanded.items():
        assert "Transform" not in template, stack
        assert not resources(template, "AWS::Serverless::Function"), stack
    result = lint([TEMPLATES / f"{s}.expanded.json" for s in STACKS])
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_table_without_recovery_and_encryption(templates: dict[str, Any]) -> None:
    for stack in SLUGS:
        tables = resources(templates[stack], "AWS::DynamoDB::Table")
        names = {t["Properties"]["TableName"]: t["Properties"] for t in tables.values()}
        n = resource_names(stack)
        expected = [n["reports_table"], n["limits_table"], n["idempotency_table"], n["audit_table"]]
        assert sorted(names) == sorted(expected)
        for name, props in names.items():
            assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], name
            assert props["SSESpecification"]["SSEEnabled"], name
            assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert names[n["reports_table"]]["DeletionProtectionEnabled"] is True
        assert names[n["audit_table"]]["DeletionProtectionEnabled"] is True
        assert names[n["reports_table"]]["StreamSpecification"]["StreamViewType"]
        assert names[n["limits_table"]]["TimeToLiveSpecification"]["Enabled"]
        assert names[n["idempotency_table"]]["TimeToLiveSpecification"]["Enabled"]


def test_tables_have_the_keys_and_indexes_the_code_queries(templates: dict[str, Any]) -> None:
    reports = resources(templates["malopolskie"], "AWS::DynamoDB::Table")["ReportsTable"]
    indexes = {i["IndexName"] for i in reports["Properties"]["GlobalSecondaryIndexes"]}
    assert indexes == {"by_unit", "by_unit_status", "by_garrison_modified"}


def test_every_bucket_is_private_versioned_and_encrypted(templates: dict[str, Any]) -> None:
    for stack, template in templates.items():
        for name, bucket in resources(template, "AWS::S3::Bucket").items():
            props = bucket["Properties"]
            block = props["PublicAccessBlockConfiguration"]
            assert all(
                block[k]
                for k in (
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                )
            ), (stack, name)
            assert props["VersioningConfiguration"]["Status"] == "Enabled", (stack, name)
            assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], (stack, name)


def test_every_stream_trigger_reports_partial_failures_retries_boundedly_and_dead_letters(
    templates: dict[str, Any], expanded: dict[str, Any]
) -> None:
    for stack in SLUGS:
        mappings = resources(expanded[stack], "AWS::Lambda::EventSourceMapping")
        assert mappings, stack
        for mapping in mappings.values():
            props = mapping["Properties"]
            assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
            assert 0 < props["MaximumRetryAttempts"] <= 10
            assert props["BisectBatchOnFunctionError"] is True
            destination = props["DestinationConfig"]["OnFailure"]["Destination"]
            queue = destination["Fn::GetAtt"][0]
            assert expanded[stack]["Resources"][queue]["Type"] == "AWS::SQS::Queue"
            assert props["EventSourceArn"] == {"Fn::GetAtt": ["ReportsTable", "StreamArn"]}


def test_no_iam_statement_grants_everything_on_dynamodb_sns_or_s3(
    expanded: dict[str, Any],
) -> None:
    checked = 0
    for stack, template in expanded.items():
        for name, statement in statements(template):
            if statement.get("Effect") != "Allow":
                continue
            actions = [a for a in as_list(statement.get("Action", [])) if isinstance(a, str)]
            assert "*" not in actions, (stack, name, statement)
            touched = {a.split(":")[0] for a in actions} & set(GRANTING_SERVICES)
            for action in actions:
                service, _, verb = action.partition(":")
                assert not (service in GRANTING_SERVICES and verb == "*"), (stack, name, action)
            if touched:
                checked += 1
                assert "*" not in as_list(statement.get("Resource", [])), (stack, name, statement)
    assert checked > 100  # the functions' roles, bucket deployment, queue and bucket policies


def test_the_functions_policy_is_the_generated_one_and_nothing_generated_is_committed(
    expanded: dict[str, Any],
) -> None:
    roles = resources(expanded["malopolskie"], "AWS::IAM::Role")
    api_role = roles["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert api_role == stages.policy("malopolskie")
    generated = json.loads((stages.GENERATED_DIR / "policy-malopolskie.json").read_text("utf-8"))
    assert generated == api_role
    # Only the local stage is in .chalice/; garrisons' stages and policies are made at synthesis.
    config = json.loads((PROJECT_ROOT / ".chalice" / "config.json").read_text("utf-8"))
    assert set(config["stages"]) == {"local"}
    assert stages.main(["--check"]) == 0, "keep only the local stage in .chalice/"
    tracked = subprocess.run(
        ["git", "ls-files", ".chalice", "build"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked == [".chalice/config.json"]
    ignored = subprocess.run(
        ["git", "check-ignore", ".chalice/policy-malopolskie.json", "build/chalice/x.json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert len(ignored) == 2


def test_the_stage_check_finds_what_an_old_checkout_left_in_chalice(tmp_path: Path) -> None:
    chalice = tmp_path / ".chalice"
    chalice.mkdir()
    config = chalice / "config.json"
    config.write_text(json.dumps(stages.LOCAL_CONFIG), "utf-8")
    assert stages.stale_chalice_files(chalice) == []
    old = {**stages.LOCAL_CONFIG, "stages": {"local": {}, "malopolskie": {"lambda_timeout": 3}}}
    config.write_text(json.dumps(old), "utf-8")
    assert stages.stale_chalice_files(chalice) == ["config.json"]
    config.write_text(json.dumps(stages.LOCAL_CONFIG), "utf-8")
    (chalice / "policy-opolskie.json").write_text("{}", "utf-8")
    assert stages.stale_chalice_files(chalice) == ["policy-opolskie.json"]
    config.unlink()
    assert stages.stale_chalice_files(chalice) == ["config.json", "policy-opolskie.json"]


def test_every_function_has_the_stages_memory_timeout_and_tracing(
    templates: dict[str, Any],
) -> None:
    from infra.constructs.api import CHALICE_FUNCTIONS, FUNCTION_TIMEOUTS

    for stack in SLUGS:
        for function in CHALICE_FUNCTIONS:
            props = templates[stack]["Resources"][function]["Properties"]
            assert props["Timeout"] == FUNCTION_TIMEOUTS.get(function, 30), (stack, function)
            assert props["MemorySize"] == 512 and props["Tracing"] == "Active", (stack, function)
            assert props["Environment"]["Variables"]["KMZB_STAGE"] == stack


def test_each_garrisons_topics_match_its_units(templates: dict[str, Any]) -> None:
    for stack in SLUGS:
        topics = {
            t["Properties"]["TopicName"]
            for t in resources(templates[stack], "AWS::SNS::Topic").values()
        }
        prefix = resource_names(stack)["topic_prefix"]
        units = {prefix + u.id for u in garrison_units(stack, DATA)}
        assert topics == units | {resource_names(stack)["admin_topic"]}, stack
        for topic in resources(templates[stack], "AWS::SNS::Topic").values():
            assert topic["Properties"]["KmsMasterKeyId"], stack


def test_undeliverable_notifications_have_a_dead_letter_queue_sns_may_write(
    templates: dict[str, Any],
) -> None:
    template = templates["malopolskie"]
    queues = {
        q["Properties"]["QueueName"]: name
        for name, q in resources(template, "AWS::SQS::Queue").items()
    }
    dead_letters = queues[resource_names("malopolskie")["notification_dead_letters"]]
    policies = [
        s
        for _, s in statements(template)
        if s.get("Principal") == {"Service": "sns.amazonaws.com"} and s["Effect"] == "Allow"
    ]
    assert policies and "aws:SourceArn" in json.dumps(policies[0]["Condition"])
    assert policies[0]["Resource"] == {"Fn::GetAtt": [dead_letters, "Arn"]}


def _joined(value: Any, replacements: dict[str, str]) -> str:
    """A string from Fn::Join, with each Ref replaced by a stand-in value."""
    if isinstance(value, str):
        return value
    parts = value["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else replacements[p["Ref"]] for p in parts)


def template_csp(template: dict[str, Any], cognito_prefix: str = "kmzb-test") -> str:
    policy = one(template, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    value = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    domains = resources(template, "AWS::Cognito::UserPoolDomain")
    return _joined(value, dict.fromkeys(domains, cognito_prefix))


def test_the_distribution_sends_the_strict_security_headers(templates: dict[str, Any]) -> None:
    for stack, template in templates.items():
        config = one(template, "AWS::CloudFront::ResponseHeadersPolicy")[
            "ResponseHeadersPolicyConfig"
        ]["SecurityHeadersConfig"]
        csp = template_csp(template)
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, stack
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, stack
        assert config["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
        assert config["ContentTypeOptions"]["Override"] is True
        assert config["FrameOptions"]["FrameOption"] == "DENY"
        distribution = one(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
        behaviors = [distribution["DefaultCacheBehavior"], *distribution.get("CacheBehaviors", [])]
        assert all(b["ResponseHeadersPolicyId"] for b in behaviors), stack
        assert all(b["ViewerProtocolPolicy"] == "redirect-to-https" for b in behaviors), stack
    # The browser tests (tests/browser/test_csp.py) serve the site under this very policy, with
    # the user pool domain they play, and see no violation; only upgrading to https differs.
    garrison = template_csp(templates["malopolskie"], "kmzb-test")
    served = site_headers.content_security_policy(
        connect_src=["https://kmzb-test.auth.eu-central-1.amazoncognito.com"],
        upgrade_insecure=False,
    )
    assert garrison == served + "; upgrade-insecure-requests"


def test_the_api_goes_through_the_distribution_with_the_officers_token(
    templates: dict[str, Any],
) -> None:
    template = templates["malopolskie"]
    distribution = one(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    (api,) = [b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "/v1/*"]
    assert "POST" in api["AllowedMethods"]
    cache = template["Resources"][api["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert cache["DefaultTTL"] == 0
    headers = cache["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"]
    assert headers == ["Authorization"]
    request = template["Resources"][api["OriginRequestPolicyId"]["Ref"]]["Properties"]
    forwarded = request["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]
    assert {"Idempotency-Key", "Content-Type"} <= set(forwarded)
    origins = {o["Id"]: o for o in distribution["Origins"]}
    api_origin = origins[api["TargetOriginId"]]
    assert api_origin["OriginPath"] == "/api"
    (origin_header,) = api_origin["OriginCustomHeaders"]  # proves the request came this way
    assert origin_header["HeaderName"] == "x-kmzb-origin"
    assert "{{resolve:secretsmanager:" in json.dumps(origin_header["HeaderValue"])
    names = {
        s["Properties"]["Name"] for s in resources(template, "AWS::SecretsManager::Secret").values()
    }
    assert resource_names("malopolskie")["origin_secret"] in names
    environment = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert environment["KMZB_ORIGIN_SECRET_NAME"] == resource_names("malopolskie")["origin_secret"]
    assert "RestAPI" in json.dumps(api_origin["DomainName"])
    site_origin = origins[distribution["DefaultCacheBehavior"]["TargetOriginId"]]
    assert site_origin["OriginAccessControlId"]  # the bucket is read through OAC only
    (bucket_policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"]["Ref"].startswith("SiteBucket")  # not the log bucket's
    ]
    assert any(s.get("Principal") == {"Service": "cloudfront.amazonaws.com"} for s in bucket_policy)


def test_api_gateways_own_errors_use_the_error_format(templates: dict[str, Any]) -> None:
    api = templates["malopolskie"]["Resources"]["RestAPI"]["Properties"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "THROTTLED"):
        response = api["GatewayResponses"][kind]
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert {"type", "title", "status", "detail", "code", "message", "message_en"} <= set(body)
        assert body["type"].endswith("/" + body["code"]) and isinstance(body["status"], int)
        assert set(body["error"]) == {"code", "message", "message_en"}  # release 1's member
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Content-Type"] == "'application/problem+json'"
    unknown = api["GatewayResponses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert json.loads(unknown["ResponseTemplates"]["application/json"])["status"] == 404
    assert api["GatewayResponses"]["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    assert api["Name"] == "kmzb-malopolskie"


def test_officers_sign_in_to_a_user_pool_with_groups_unit_claims_and_mfa(
    templates: dict[str, Any],
) -> None:
    template = templates["malopolskie"]
    pool = one(template, "AWS::Cognito::UserPool")
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert "SOFTWARE_TOKEN_MFA" in pool["EnabledMfas"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    custom = {a["Name"] for a in pool["Schema"] if a.get("AttributeDataType") == "String"}
    assert {"unit", "garrison"} <= custom
    groups = {
        g["Properties"]["GroupName"]
        for g in resources(template, "AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {"officer", "coordinator", "admin"}
    client = one(template, "AWS::Cognito::UserPoolClient")
    assert client["AllowedOAuthFlows"] == ["code"] and client["GenerateSecret"] is False
    assert "custom:unit" in client["ReadAttributes"]
    assert not {"custom:unit", "custom:garrison"} & set(client["WriteAttributes"])
    assert json.dumps(client["CallbackURLs"]).endswith('"/officer/"]]}]')
    assert resources(template, "AWS::Cognito::UserPoolDomain")


def test_functions_read_the_hmac_secret_and_the_panel_client_by_name(
    templates: dict[str, Any],
) -> None:
    template = templates["malopolskie"]
    n = resource_names("malopolskie")
    (secret,) = [
        s["Properties"]
        for s in resources(template, "AWS::SecretsManager::Secret").values()
        if s["Properties"]["Name"] == n["secret"]
    ]
    assert secret["Name"] == n["secret"] and secret["GenerateSecretString"]["PasswordLength"] >= 32
    for name in ("APIHandler", "OnReportChange", "OfficerToken"):
        props = template["Resources"][name]["Properties"]
        env = props["Environment"]["Variables"]
        assert env["KMZB_CLIENT_KEY_SECRET_NAME"] == n["secret"]
        assert "KMZB_CLIENT_KEY_SECRET" not in env  # never the secret itself
        assert env["KMZB_JWT_AUDIENCE_PARAMETER"] == n["panel_client_parameter"]
        assert props["Tracing"] == "Active"
    parameter = one(template, "AWS::SSM::Parameter")
    assert parameter["Name"] == n["panel_client_parameter"]
    links = template["Resources"]["OnReportChange"]["Properties"]["Environment"]["Variables"]
    assert "/officer/" in json.dumps(links["KMZB_PANEL_URL"])


def test_alarms_reach_the_admins_and_logs_are_kept_a_while(templates: dict[str, Any]) -> None:
    template = templates["malopolskie"]
    admin_topic = next(
        name
        for name, t in resources(template, "AWS::SNS::Topic").items()
        if t["Properties"]["TopicName"] == resource_names("malopolskie")["admin_topic"]
    )
    # Which alarms there are: tests/integration/test_templates_monitoring.py.
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    assert alarms
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": admin_topic}]
    groups = resources(template, "AWS::Logs::LogGroup").values()
    assert len(groups) == 5 + 1  # each function's, and API Gateway's access logs
    assert all(g["Properties"]["RetentionInDays"] == 90 for g in groups)


def test_the_national_map_reads_every_garrisons_feed(templates: dict[str, Any]) -> None:
    distribution = one(templates["national"], "AWS::CloudFront::Distribution")["DistributionConfig"]
    patterns = {b["PathPattern"] for b in distribution["CacheBehaviors"]}
    assert patterns == {f"/feeds/{slug}/*" for slug in SLUGS}
    origins = json.dumps(distribution["Origins"])
    for slug in SLUGS:
        assert f"kmzb-{slug}-site-" in origins


def test_the_function_package_carries_the_boundaries_and_the_units(tmp_path: Path) -> None:
    manifest = json.loads((CDK_OUT / "malopolskie.assets.json").read_text("utf-8"))
    zips = [
        CDK_OUT / f["source"]["path"]
        for f in manifest["files"].values()
        if f["source"]["path"].endswith(".zip")
    ]
    (package_path,) = [p for p in zips if "app.py" in zipfile.ZipFile(p).namelist()]
    with zipfile.ZipFile(package_path) as package:
        names = set(package.namelist())
        assert {
            "app.py",
            "kmzb_data/garrisons.json",
            "kmzb_data/boundaries/powiaty.geojson",
        } <= names
        units = json.loads(package.read("kmzb_data/units/malopolskie.json"))
        package.extractall(tmp_path, [n for n in names if n.startswith("kmzb_data/")])
    assert {u["id"] for u in units["units"]} == {u.id for u in garrison_units("malopolskie", DATA)}
    # The function, with its stage's environment and the packaged data, routes a point.
    environment = {
        **stages.environment("malopolskie"),
        # What only the stack knows: outside the local stage the settings demand them.
        "KMZB_TOPIC_ARN_PREFIX": "arn:aws:sns:eu-central-1:210987654321:kmzb-malopolskie-unit-",
        "KMZB_SITE_BUCKET": "kmzb-malopolskie-site-210987654321-eu-central-1",
        "KMZB_JWT_ISSUER": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_x",
    }
    for name in ("KMZB_DATA_DIR", "KMZB_UNITS_FILE"):
        environment[name] = environment[name].replace("/var/task", str(tmp_path))
    router = Deployment(Settings.from_env(environment)).router
    assert router.place(50.0614, 19.9366).unit.id == "kmp-1261"  # Kraków
    with pytest.raises(ApiError) as outside:
        router.place(52.2297, 21.0122)  # Warsaw: Komenda Stołeczna's
    assert outside.value.code == "outside_deployment"


def test_an_admins_unit_file_and_the_national_distribution_shape_the_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra import cdk_app, lambda_data, unit_config

    config = unit_config.default_config("opolskie", DATA)
    first, second, *rest = config["units"]
    merged = {
        **first,
        "id": "kpp-merged",
        "name": "Komenda Połączona",
        "powiats": first["powiats"] + second["powiats"],
    }
    (tmp_path / "opolskie.json").write_text(
        json.dumps({**config, "units": [merged, *rest]}, ensure_ascii=False), "utf-8"
    )
    national = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
    deployments = tmp_path / "deployments.json"
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0000-example"
    opole = {"domain_name": "kmzb.opole.example.pl", "certificate_arn": certificate}
    settings = {"national": {"distribution_arn": national}, "garrisons": {"opolskie": opole}}
    deployments.write_text(json.dumps(settings), "utf-8")
    monkeypatch.setenv("KMZB_UNITS_DIR", str(tmp_path))
    monkeypatch.setattr(cdk_app, "DEPLOYMENTS", deployments)
    out = tmp_path / "cdk.out"
    try:
        cdk_app.build(out, ["opolskie"])
    finally:
        monkeypatch.undo()
        lambda_data.prepare(DATA)  # the package's units as the repository has them
    template = json.loads((out / "opolskie.template.json").read_text("utf-8"))
    topics = {t["Properties"]["TopicName"] for t in resources(template, "AWS::SNS::Topic").values()}
    assert "kmzb-opolskie-unit-kpp-merged" in topics
    assert f"kmzb-opolskie-unit-{second['id']}" not in topics
    assert len(topics) == len(config["units"]) - 1 + 1  # merged units, plus the admins' topic
    grants = [
        s for _, s in statements(template) if json.dumps(s.get("Condition", {})).find(national) >= 0
    ]
    assert grants and grants[0]["Action"] == "s3:GetObject"
    assert "feeds/opolskie/*" in json.dumps(grants[0]["Resource"])
    # The custom domain: CloudFront answers for it with the admin's certificate, and the
    # officer panel's sign-in returns there.
    distribution = one(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    assert distribution["Aliases"] == ["kmzb.opole.example.pl"]
    assert distribution["ViewerCertificate"]["AcmCertificateArn"] == certificate
    assert distribution["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    client = one(template, "AWS::Cognito::UserPoolClient")
    assert client["CallbackURLs"] == ["https://kmzb.opole.example.pl/officer/"]


def deployed_files(stack: str) -> dict[str, Path]:
    """The files a stack's BucketDeployments put in its bucket, by key (their folder assets)."""
    manifest = json.loads((CDK_OUT / f"{stack}.assets.json").read_text("utf-8"))
    folders = {
        destination["objectKey"]: CDK_OUT / asset["source"]["path"]
        for asset in manifest["files"].values()
        for destination in asset["destinations"].values()
    }
    template = json.loads((CDK_OUT / f"{stack}.template.json").read_text("utf-8"))
    files: dict[str, Path] = {}
    for deployment in resources(template, "Custom::CDKBucketDeployment").values():
        props = deployment["Properties"]
        prefix = props.get("DestinationBucketKeyPrefix", "")
        for key in props["SourceObjectKeys"]:
            folder = folders[key]
            files.update(
                {
                    prefix + f.relative_to(folder).as_posix(): f
                    for f in folder.rglob("*")
                    if f.is_file()
                }
            )
    return files


LOCAL_REFERENCE = re.compile(r'(?:src|href)="(?![a-z]+:|#|//)([^"]+\.(?:js|css))"')


def referenced_key(page: str, reference: str) -> str:
    """The bucket key a page's reference names (relative to the page's folder, or rooted)."""
    if reference.startswith("/"):
        return reference[1:]
    return posixpath.normpath(page.removesuffix("index.html") + reference)


def test_the_sites_deploy_the_map_and_their_configuration(templates: dict[str, Any]) -> None:
    garrison = deployed_files("malopolskie")
    assert {"index.html", "officer/index.html", "config.json"} <= set(garrison)
    # Every script and style sheet a page loads is deployed beside it.
    for page in ("index.html", "officer/index.html"):
        loaded = LOCAL_REFERENCE.findall(garrison[page].read_text("utf-8"))
        assert loaded, page
        for reference in loaded:
            assert referenced_key(page, reference) in garrison, (page, reference)
    # Values known at deployment (the user pool's domain and client) are markers until then;
    # BucketDeployment puts them in, JSON-quoted.
    text = re.sub(
        r"<<marker:0xbaba:\d+>>", '"deployed"', garrison["config.json"].read_text("utf-8")
    )
    config = json.loads(text)
    assert config["garrison"] == "malopolskie" and set(config["cognito"]) == {
        "domain",
        "client_id",
    }
    assert not any(name.startswith("feeds/") for name in garrison)  # the feed writer's

    national = deployed_files("national")
    assert "index.html" in national and not any(n.startswith("officer/") for n in national)
    for reference in LOCAL_REFERENCE.findall(national["index.html"].read_text("utf-8")):
        assert referenced_key("index.html", reference) in national, reference
    assert json.loads(national["config.json"].read_text("utf-8")) == {
        "manifest": "/feeds/national.json",
        "reporting": False,
    }
    manifest = json.loads(national["feeds/national.json"].read_text("utf-8"))
    assert [g["pointer"] for g in manifest["garrisons"]] == [
        f"/feeds/{slug}/current.json" for slug in SLUGS
    ]
    catalogue = json.loads(national["v1/categories"].read_text("utf-8"))
    assert catalogue == categories.catalogue()
    served = json.loads(national["v1/statuses"].read_text("utf-8"))
    assert [s["code"] for s in served["statuses"]] == list(statuses.CODES)


def test_invalidations_put_a_star_only_at_the_end_of_a_path(templates: dict[str, Any]) -> None:
    """CloudFront takes `*` only as a path's last character ("/*.js" invalidates nothing)."""
    checked = 0
    for stack, template in templates.items():
        for name, deployment in resources(template, "Custom::CDKBucketDeployment").items():
            for path in deployment["Properties"].get("DistributionPaths", []):
                assert path.startswith("/") and "*" not in path[:-1], (stack, name, path)
                checked += 1
    assert checked >= len(STACKS)


def built_site(root: Path) -> Path:
    for name, text in {
        "index.html": "<html>",
        "officer/index.html": "<html>",
        "robots.txt": "User-agent: *",
        "assets/app-3F2A9C1D.js": "export {}",
        "assets/officer-9C1D3F2A.css": "body{}",
        "assets/chunks/shared-77AA00BB.js": "export {}",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


def test_a_built_site_invalidates_its_unhashed_paths_only(tmp_path: Path) -> None:
    from infra.site_distribution import invalidation_paths

    root = built_site(tmp_path / "site")
    assert invalidation_paths(root, [], ["config.json"]) == [
        "/",
        "/config.json",
        "/index.html",
        "/officer/",
        "/officer/index.html",
        "/robots.txt",
    ]
    national = invalidation_paths(root, ["officer", "officer/*"], ["config.json", "v1/categories"])
    assert national == ["/", "/config.json", "/index.html", "/robots.txt", "/v1/categories"]
    (tmp_path / "plain").mkdir()
    assert invalidation_paths(tmp_path / "plain", [], ["config.json"]) == ["/*"]


def test_hashed_assets_are_cached_for_a_year_and_never_pruned(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_cloudfront as cloudfront

    from infra.constructs import KmzbStack
    from infra.site_distribution import private_bucket, site_files

    app = cdk.App(outdir=str(tmp_path / "out"))
    stack = KmzbStack(
        app, "sitetest", env=cdk.Environment(account="123456789012", region="eu-central-1")
    )
    distribution = cloudfront.Distribution.from_distribution_attributes(
        stack, "Cdn", distribution_id="E2EXAMPLE", domain_name="d.cloudfront.net"
    )
    site_files(
        stack,
        bucket=private_bucket(stack),
        distribution=distribution,
        generated={"config.json": {"garrison": "test"}},
        keep=["feeds/*"],
        root=built_site(tmp_path / "site"),
    )
    template = app.synth().get_stack_by_name("sitetest").template
    deployments = {
        name.split("CustomResource")[0]: d["Properties"]
        for name, d in resources(template, "Custom::CDKBucketDeployment").items()
    }
    assets, pages = deployments["SiteAssets"], deployments["SiteFiles"]
    assert assets["DestinationBucketKeyPrefix"] == "assets/" and assets["Prune"] is False
    assert "immutable" in assets["SystemMetadata"]["cache-control"]
    assert "DistributionPaths" not in assets
    assert pages["Prune"] is True and pages["Exclude"] == ["feeds/*", "assets/*"]
    assert "max-age=0" in pages["SystemMetadata"]["cache-control"]
    assert "/index.html" in pages["DistributionPaths"]
    (page_deployment,) = [
        d
        for name, d in resources(template, "Custom::CDKBucketDeployment").items()
        if name.startswith("SiteFiles")
    ]
    assert any(dep.startswith("SiteAssets") for dep in page_deployment.get("DependsOn", []))


# What the deployment may not import, even indirectly: the local stand-ins and engines.
LOCAL_DEVELOPMENT = {
    "infra.dev_issuer",
    "infra.engines",
    "infra.event_pump",
    "infra.local_api",
    "infra.local_inbox",
    "infra.local_site",
    "infra.local_stack",
    "infra.site_server",
}


def project_imports(module: str) -> set[str]:
    """The project's modules `module` imports, anywhere in it (at the top or in a function)."""
    import ast

    path = PROJECT_ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ("infra", "chalicelib", "app"):
                candidate = PROJECT_ROOT / (name.replace(".", "/") + ".py")
                if candidate.exists() or (candidate.with_suffix("") / "__init__.py").exists():
                    found.add(name)
    return found


def test_the_stacks_import_no_local_development_module() -> None:
    seen: set[str] = set()
    todo = ["infra.cdk_app", "infra.templates", "infra.deploy", "chalicelib.contract"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += sorted(project_imports(module) - seen)
    assert {"infra.garrison_stack", "infra.constructs.api", "infra.stages"} <= seen
    assert not seen & LOCAL_DEVELOPMENT, sorted(seen & LOCAL_DEVELOPMENT)
    # The contract is packaged with the functions: the standard library only.
    assert project_imports("chalicelib.contract") == set()


def test_what_outlives_the_stack_keeps_its_logical_id(templates: dict[str, Any]) -> None:
    """Resources kept on deletion, under the logical ids they had before the stack was split
    into parts (infra/constructs): a new id would make CloudFormation create a second table,
    bucket or user pool under the same name, and fail."""
    for stack in SLUGS:
        retained = {
            name
            for name, resource in templates[stack]["Resources"].items()
            if resource.get("DeletionPolicy") == "Retain"
        }
        assert retained == {
            "AuditTable",
            "ClientKeySecret1467C6F1",
            "LogBucketCC3B17E8",
            "Officers1E4D2E73",
            "ReportsTable",
            "SiteBucket397A1860",
        }, stack
