"""In AWS the HMAC key of client addresses lives in Secrets Manager (moto's server here)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import boto3
import pytest

from chalicelib import limits
from chalicelib.deployment import ConfigurationError, Deployment, Settings
from infra.engines import Engine
from tests.integration.test_submission import KRAKOW, post


@pytest.fixture
def secret_in_aws(deployment: Deployment, moto_server: Engine) -> tuple[Deployment, str]:
    name = f"kmzb/test-{uuid.uuid4().hex[:8]}/client-key"
    value = uuid.uuid4().hex + uuid.uuid4().hex
    boto3.client(
        "secretsmanager", region_name="eu-central-1", endpoint_url=moto_server.url
    ).create_secret(Name=name, SecretString=value)
    deployment.settings = replace(
        deployment.settings,
        client_key_secret=b"",
        client_key_secret_name=name,
        secrets_endpoint=moto_server.url,
    )
    return deployment, value


def test_the_daily_limit_key_comes_from_the_secret_when_named(
    client: Any, secret_in_aws: tuple[Deployment, str]
) -> None:
    deployment, value = secret_in_aws
    assert deployment.client_key_secret == value.encode()
    assert post(client, KRAKOW, ip="203.0.113.80").status_code == 201
    assert post(client, KRAKOW, ip="203.0.113.80").status_code == 429
    stored = deployment.store.Limit.scan()
    expected = limits.client_key(value.encode(), "203.0.113.80")
    assert any(expected in item.key for item in stored)


def test_the_secret_is_read_once_and_cached(
    secret_in_aws: tuple[Deployment, str], moto_server: Engine
) -> None:
    deployment, value = secret_in_aws
    assert deployment.client_key_secret == value.encode()
    boto3.client(
        "secretsmanager", region_name="eu-central-1", endpoint_url=moto_server.url
    ).put_secret_value(SecretId=deployment.settings.client_key_secret_name, SecretString="x" * 40)
    assert deployment.client_key_secret == value.encode()


def test_settings_demand_a_secret_or_its_name() -> None:
    with pytest.raises(ConfigurationError):
        Settings.from_env({})
    named = Settings.from_env({"KMZB_CLIENT_KEY_SECRET_NAME": "kmzb/x/client-key"})
    assert named.client_key_secret == b""
    assert named.client_key_secret_name == "kmzb/x/client-key"


def test_the_panel_client_id_is_read_from_ssm_when_only_its_parameter_is_named(
    deployment: Deployment, moto_server: Engine
) -> None:
    name = f"/kmzb/test-{uuid.uuid4().hex[:8]}/panel-client-id"
    boto3.client("ssm", region_name="eu-central-1", endpoint_url=moto_server.url).put_parameter(
        Name=name, Value="panel-client-123", Type="String"
    )
    settings = replace(
        deployment.settings,
        jwt_audience="",
        jwt_audience_parameter=name,
        ssm_endpoint=moto_server.url,
    )
    assert Deployment(settings).token_verifier.audience == "panel-client-123"


def test_a_garrisons_notification_dead_letters_are_found_beside_its_topics() -> None:
    settings = Settings.from_env(
        {
            "KMZB_CLIENT_KEY_SECRET_NAME": "kmzb/opolskie/client-key",
            "KMZB_TOPIC_ARN_PREFIX": "arn:aws:sns:eu-central-1:210987654321:kmzb-opolskie-unit-",
        }
    )
    expected = "arn:aws:sqs:eu-central-1:210987654321:kmzb-opolskie-notifications-dlq"
    assert settings.notification_dead_letters_arn == expected


def test_only_requests_carrying_cloudfronts_origin_secret_came_through_the_proxies(
    deployment: Deployment, moto_server: Engine
) -> None:
    assert deployment.came_through_proxies(None)  # locally no origin secret is configured
    name = f"kmzb/test-{uuid.uuid4().hex[:8]}/origin-verify"
    boto3.client(
        "secretsmanager", region_name="eu-central-1", endpoint_url=moto_server.url
    ).create_secret(Name=name, SecretString="cloudfront-says-hello-1234")
    behind = Deployment(
        replace(deployment.settings, origin_secret_name=name, secrets_endpoint=moto_server.url)
    )
    assert behind.came_through_proxies("cloudfront-says-hello-1234")
    assert not behind.came_through_proxies("cloudfront-says-hello-12345")
    assert not behind.came_through_proxies("")
    assert not behind.came_through_proxies(None)
