"""Configuration fails fast outside the local stage: no local default reaches AWS."""

from __future__ import annotations

import pytest

from chalicelib.settings import (
    LOCAL_ACCOUNT,
    LOCAL_STREAM_ARN,
    REQUIRED_IN_AWS,
    ConfigurationError,
    Settings,
    reports_stream_arn,
)

# A garrison function's environment as the stack gives it (infra.stages + the stack's own).
AWS = {
    "KMZB_STAGE": "opolskie",
    "KMZB_GARRISONS": "opolskie",
    "KMZB_REPORTS_TABLE": "kmzb-opolskie-reports",
    "KMZB_LIMITS_TABLE": "kmzb-opolskie-limits",
    "KMZB_IDEMPOTENCY_TABLE": "kmzb-opolskie-idempotency",
    "KMZB_AUDIT_TABLE": "kmzb-opolskie-audit",
    "KMZB_CLIENT_KEY_SECRET_NAME": "kmzb/opolskie/client-key",
    "KMZB_TOPIC_ARN_PREFIX": "arn:aws:sns:eu-central-1:210987654321:kmzb-opolskie-unit-",
    "KMZB_SITE_BUCKET": "kmzb-opolskie-site-210987654321-eu-central-1",
    "KMZB_DATA_DIR": "/var/task/kmzb_data",
    "KMZB_JWT_ISSUER": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_x",
    "KMZB_JWT_AUDIENCE_PARAMETER": "/kmzb/opolskie/panel-client-id",
    "KMZB_REPORTS_STREAM_ARN": "arn:aws:dynamodb:eu-central-1:210987654321:table/x/stream/y",
}


def test_a_garrisons_full_environment_is_accepted_with_no_placeholder_in_it() -> None:
    settings = Settings.from_env(AWS)
    assert settings.stage == "opolskie" and not settings.local
    assert settings.reports_table == "kmzb-opolskie-reports"
    values = [str(v) for v in vars(settings).values()]
    assert not [v for v in values if LOCAL_ACCOUNT in v or "127.0.0.1" in v]
    assert reports_stream_arn(AWS) == AWS["KMZB_REPORTS_STREAM_ARN"]


@pytest.mark.parametrize("missing", [*REQUIRED_IN_AWS, "KMZB_JWT_AUDIENCE_PARAMETER"])
def test_outside_the_local_stage_each_missing_variable_stops_the_function(missing: str) -> None:
    env = {k: v for k, v in AWS.items() if k != missing}
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env(env)
    assert missing in str(refused.value)
    blank = {**AWS, missing: "  "}  # set but empty is as good as missing
    with pytest.raises(ConfigurationError):
        Settings.from_env(blank)


def test_outside_the_local_stage_the_stream_needs_its_arn() -> None:
    env = {k: v for k, v in AWS.items() if k != "KMZB_REPORTS_STREAM_ARN"}
    with pytest.raises(ConfigurationError, match="KMZB_REPORTS_STREAM_ARN"):
        reports_stream_arn(env)


def test_inside_lambda_the_stage_must_be_named() -> None:
    env = {k: v for k, v in AWS.items() if k != "KMZB_STAGE"}
    env["AWS_LAMBDA_FUNCTION_NAME"] = "kmzb-opolskie-APIHandler"
    with pytest.raises(ConfigurationError, match="KMZB_STAGE"):
        Settings.from_env(env)
    with pytest.raises(ConfigurationError, match="KMZB_STAGE"):
        reports_stream_arn(env)


def test_only_the_local_stage_has_defaults() -> None:
    local = Settings.from_env({"KMZB_CLIENT_KEY_SECRET": "x" * 16})
    assert local.local and local.reports_table == "kmzb-reports"
    assert LOCAL_ACCOUNT in local.topic_arn_prefix  # make run's moto account
    assert local.require_panel_url() == "http://127.0.0.1:8001/officer/"
    assert reports_stream_arn({}) == LOCAL_STREAM_ARN


def test_a_function_that_links_to_the_panel_needs_its_address() -> None:
    settings = Settings.from_env(AWS)  # the API handler is not given KMZB_PANEL_URL
    assert settings.panel_url == ""
    with pytest.raises(ConfigurationError, match="KMZB_PANEL_URL"):
        settings.require_panel_url()
    linking = Settings.from_env({**AWS, "KMZB_PANEL_URL": "https://kmzb.example/officer/"})
    assert linking.require_panel_url() == "https://kmzb.example/officer/"


@pytest.mark.parametrize(
    ("name", "value"),
    [("KMZB_TAKE_UP_DAYS", "three"), ("KMZB_FEED_DEBOUNCE_SECONDS", "30s")],
)
def test_a_malformed_number_is_a_configuration_error(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({"KMZB_CLIENT_KEY_SECRET": "x" * 16, name: value})


def test_the_admins_reminders_against_aws_need_the_real_panel_address() -> None:
    import io

    from infra.admin import AdminError, _remind_overdue, settings_from_environment

    env = {"KMZB_TOPIC_ARN_PREFIX": AWS["KMZB_TOPIC_ARN_PREFIX"], "KMZB_STATE_DIR": "/nonexistent"}
    settings = settings_from_environment(env)
    with pytest.raises(AdminError, match="KMZB_PANEL_URL"):
        _remind_overdue(settings, env, io.StringIO())
