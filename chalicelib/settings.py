"""One deployment's typed configuration, read from the environment once.

Stdlib only: every layer may import it, and importing it costs nothing at cold start.

`Settings.from_env` fails fast: outside the `local` stage every variable the stack sets
(infra.stages.environment and the stack's own additions) must be present, so that a function
never runs in AWS against a local default (a table called `kmzb-reports`, a topic in the
placeholder account 123456789012). Locally the defaults are `make run`'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_STAGE = "local"
# `make run`'s account and region: a placeholder that only the local engines accept.
LOCAL_ACCOUNT = "123456789012"
LOCAL_REGION = "eu-central-1"
LOCAL_PANEL_URL = "http://127.0.0.1:8001/officer/"
LOCAL_STREAM_ARN = (
    f"arn:aws:dynamodb:{LOCAL_REGION}:{LOCAL_ACCOUNT}:table/kmzb-reports/stream/local"
)

# What a garrison's functions must be given outside the local stage (the stack sets them all).
REQUIRED_IN_AWS = (
    "KMZB_GARRISONS",
    "KMZB_REPORTS_TABLE",
    "KMZB_LIMITS_TABLE",
    "KMZB_IDEMPOTENCY_TABLE",
    "KMZB_AUDIT_TABLE",
    "KMZB_CLIENT_KEY_SECRET_NAME",
    "KMZB_TOPIC_ARN_PREFIX",
    "KMZB_SITE_BUCKET",
    "KMZB_DATA_DIR",
    "KMZB_JWT_ISSUER",
)


class ConfigurationError(RuntimeError):
    """The environment does not describe a deployment (a variable missing or malformed)."""


def stage_of(env: Mapping[str, str]) -> str:
    """KMZB_STAGE; `local` when unset, except inside Lambda, where it must be set."""
    stage = env.get("KMZB_STAGE", "").strip()
    if stage:
        return stage
    if env.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise ConfigurationError("KMZB_STAGE must be set in a Lambda function")
    return LOCAL_STAGE


def reports_stream_arn(env: Mapping[str, str] = os.environ) -> str:
    """The reports stream the stream handler subscribes to (read when app.py is imported, and
    packaged by Chalice): KMZB_REPORTS_STREAM_ARN, set by the stack; a placeholder locally."""
    arn = env.get("KMZB_REPORTS_STREAM_ARN", "").strip()
    local = stage_of(env) == LOCAL_STAGE
    if arn:
        return arn
    if not local:
        raise ConfigurationError(
            f"KMZB_REPORTS_STREAM_ARN must be set outside the {LOCAL_STAGE} stage"
        )
    return LOCAL_STREAM_ARN


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    dynamodb_endpoint: str | None
    reports_table: str
    limits_table: str
    client_key_secret: bytes  # empty: read from Secrets Manager (client_key_secret_name)
    trusted_proxies: int  # proxies that append to X-Forwarded-For in front of the API
    garrisons: frozenset[str] | None  # None: every garrison (a local deployment)
    data_dir: Path
    units_file: Path | None
    client_key_secret_name: str | None = None
    # The secret CloudFront sends in the origin header: without it a request came around the
    # proxies (straight to API Gateway) and its X-Forwarded-For is not believed.
    origin_secret_name: str | None = None
    idempotency_table: str = "kmzb-idempotency"
    audit_table: str = "kmzb-audit"
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwks_url: str = ""
    # In AWS the app client's id is known only after the API exists: an SSM parameter holds it.
    jwt_audience_parameter: str | None = None
    ssm_endpoint: str | None = None
    sns_endpoint: str | None = None
    sqs_endpoint: str | None = None
    # Unit topics are named <prefix><unit id>; the prefix is the full ARN up to there.
    topic_arn_prefix: str = f"arn:aws:sns:{LOCAL_REGION}:{LOCAL_ACCOUNT}:kmzb-unit-"
    notification_dead_letters_arn: str | None = None  # officers' subscriptions redrive here
    # Empty: not given (in AWS only the functions that link to the panel are given it).
    panel_url: str = LOCAL_PANEL_URL
    site_bucket: str = "kmzb-site"
    s3_endpoint: str | None = None
    secrets_endpoint: str | None = None
    feed_debounce_seconds: float = 30.0  # at most one feed build per garrison this often
    take_up_days: int = 3  # a new report must be taken into verification within
    verify_days: int = 7  # and verified within

    @property
    def local(self) -> bool:
        return self.stage == LOCAL_STAGE

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """The settings of the environment `env`. Raises ConfigurationError when a variable is
        malformed, when neither KMZB_CLIENT_KEY_SECRET (16+ characters) nor
        KMZB_CLIENT_KEY_SECRET_NAME is set, and outside the local stage when any of
        REQUIRED_IN_AWS is missing."""
        stage = stage_of(env)
        if stage != LOCAL_STAGE:
            missing = [name for name in REQUIRED_IN_AWS if not env.get(name, "").strip()]
            audience = ("KMZB_JWT_AUDIENCE", "KMZB_JWT_AUDIENCE_PARAMETER")
            if not any(env.get(name, "").strip() for name in audience):
                missing.append("KMZB_JWT_AUDIENCE_PARAMETER")
            if missing:
                raise ConfigurationError(
                    f"stage {stage!r} needs {', '.join(missing)} (only the {LOCAL_STAGE} "
                    "stage has defaults)"
                )
        secret = env.get("KMZB_CLIENT_KEY_SECRET", "")
        secret_name = env.get("KMZB_CLIENT_KEY_SECRET_NAME") or None
        if secret_name is None and len(secret) < 16:
            raise ConfigurationError(
                "KMZB_CLIENT_KEY_SECRET (16 characters or more) or "
                "KMZB_CLIENT_KEY_SECRET_NAME must be set"
            )
        garrisons = env.get("KMZB_GARRISONS", "*").strip()
        units_file = env.get("KMZB_UNITS_FILE")
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or LOCAL_REGION
        return cls(
            stage=stage,
            region=region,
            dynamodb_endpoint=env.get("KMZB_DYNAMODB_ENDPOINT") or None,
            reports_table=env.get("KMZB_REPORTS_TABLE", "kmzb-reports"),
            limits_table=env.get("KMZB_LIMITS_TABLE", "kmzb-limits"),
            client_key_secret=b"" if secret_name else secret.encode("utf-8"),
            client_key_secret_name=secret_name,
            origin_secret_name=env.get("KMZB_ORIGIN_SECRET_NAME") or None,
            trusted_proxies=_proxy_count(env.get("KMZB_TRUSTED_PROXY", "false")),
            garrisons=None
            if garrisons in ("", "*")
            else frozenset(g.strip() for g in garrisons.split(",") if g.strip()),
            data_dir=Path(env.get("KMZB_DATA_DIR") or PROJECT_ROOT / "data"),
            units_file=Path(units_file) if units_file else None,
            idempotency_table=env.get("KMZB_IDEMPOTENCY_TABLE", "kmzb-idempotency"),
            audit_table=env.get("KMZB_AUDIT_TABLE", "kmzb-audit"),
            jwt_issuer=env.get("KMZB_JWT_ISSUER", ""),
            jwt_audience=env.get("KMZB_JWT_AUDIENCE", ""),
            jwt_audience_parameter=env.get("KMZB_JWT_AUDIENCE_PARAMETER") or None,
            ssm_endpoint=env.get("KMZB_SSM_ENDPOINT") or None,
            jwks_url=env.get("KMZB_JWKS_URL")
            or (env.get("KMZB_JWT_ISSUER", "").rstrip("/") + "/.well-known/jwks.json"),
            sns_endpoint=env.get("KMZB_SNS_ENDPOINT") or None,
            sqs_endpoint=env.get("KMZB_SQS_ENDPOINT") or None,
            topic_arn_prefix=env.get("KMZB_TOPIC_ARN_PREFIX")
            or f"arn:aws:sns:{region}:{LOCAL_ACCOUNT}:kmzb-unit-",
            notification_dead_letters_arn=env.get("KMZB_NOTIFICATION_DLQ_ARN")
            or _dead_letters_beside(env.get("KMZB_TOPIC_ARN_PREFIX", "")),
            panel_url=env.get("KMZB_PANEL_URL")
            or (LOCAL_PANEL_URL if stage == LOCAL_STAGE else ""),
            site_bucket=env.get("KMZB_SITE_BUCKET", "kmzb-site"),
            s3_endpoint=env.get("KMZB_S3_ENDPOINT") or None,
            secrets_endpoint=env.get("KMZB_SECRETS_ENDPOINT") or None,
            feed_debounce_seconds=_number(env, "KMZB_FEED_DEBOUNCE_SECONDS", "30", float),
            take_up_days=_number(env, "KMZB_TAKE_UP_DAYS", "3", int),
            verify_days=_number(env, "KMZB_VERIFY_DAYS", "7", int),
        )

    def require_panel_url(self) -> str:
        """The panel's address, for functions whose messages link to it."""
        if not self.panel_url:
            raise ConfigurationError("KMZB_PANEL_URL must be set for functions that link to it")
        return self.panel_url


N = TypeVar("N", int, float)


def _number(env: Mapping[str, str], name: str, default: str, kind: type[N]) -> N:
    raw = env.get(name, default)
    try:
        return kind(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}") from None


def _dead_letters_beside(topic_arn_prefix: str) -> str | None:
    """A garrison's notification dead-letter queue, named beside its unit topics (infra.stages):
    arn:aws:sns:<region>:<account>:kmzb-<slug>-unit- → …:sqs:…:kmzb-<slug>-notifications-dlq."""
    parts = topic_arn_prefix.split(":")
    if len(parts) != 6 or parts[2] != "sns" or not parts[5].endswith("-unit-"):
        return None
    parts[2], parts[5] = "sqs", parts[5].removesuffix("-unit-") + "-notifications-dlq"
    return ":".join(parts)


def _proxy_count(raw: str) -> int:
    """KMZB_TRUSTED_PROXY: "true" (one proxy), "false", or how many proxies append."""
    value = raw.strip().lower()
    if value in ("", "false", "0"):
        return 0
    if value == "true":
        return 1
    if value.isdigit():
        return int(value)
    raise ConfigurationError(f"KMZB_TRUSTED_PROXY must be true, false or a count, not {raw!r}")
