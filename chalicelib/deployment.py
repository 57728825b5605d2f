"""One deployment's settings and the services built from them, created on first use.

Cold start matters: nothing here imports boto3 or pynamodb or reads the
boundary files until a request needs them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.auth import TokenVerifier
    from chalicelib.feed import FeedWriter
    from chalicelib.storage import ReportStore
    from chalicelib.stream import IdempotentNotifier
    from chalicelib.units import Router
    from chalicelib.workflow import Deadlines

PROJECT_ROOT = Path(__file__).resolve().parent.parent
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ConfigurationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    dynamodb_endpoint: str | None
    reports_table: str
    limits_table: str
    client_key_secret: bytes
    trusted_proxy: bool
    garrisons: frozenset[str] | None  # None: every garrison (a local deployment)
    data_dir: Path
    units_file: Path | None
    idempotency_table: str = "kmzb-idempotency"
    audit_table: str = "kmzb-audit"
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwks_url: str = ""
    sns_endpoint: str | None = None
    sqs_endpoint: str | None = None
    # Unit topics are named <prefix><unit id>; the prefix is the full ARN up to there.
    topic_arn_prefix: str = "arn:aws:sns:eu-central-1:123456789012:kmzb-unit-"
    panel_url: str = "http://127.0.0.1:8001/officer/"
    site_bucket: str = "kmzb-site"
    s3_endpoint: str | None = None
    feed_debounce_seconds: float = 30.0  # at most one feed build per garrison this often
    take_up_days: int = 3  # a new report must be taken into verification within
    verify_days: int = 7  # and verified within

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        secret = env.get("KMZB_CLIENT_KEY_SECRET", "")
        if len(secret) < 16:
            raise ConfigurationError("KMZB_CLIENT_KEY_SECRET must be set (16 characters or more)")
        garrisons = env.get("KMZB_GARRISONS", "*").strip()
        units_file = env.get("KMZB_UNITS_FILE")
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1"
        return cls(
            stage=env.get("KMZB_STAGE", "local"),
            region=region,
            dynamodb_endpoint=env.get("KMZB_DYNAMODB_ENDPOINT") or None,
            reports_table=env.get("KMZB_REPORTS_TABLE", "kmzb-reports"),
            limits_table=env.get("KMZB_LIMITS_TABLE", "kmzb-limits"),
            client_key_secret=secret.encode("utf-8"),
            trusted_proxy=env.get("KMZB_TRUSTED_PROXY", "false").lower() == "true",
            garrisons=None
            if garrisons in ("", "*")
            else frozenset(g.strip() for g in garrisons.split(",") if g.strip()),
            data_dir=Path(env.get("KMZB_DATA_DIR") or PROJECT_ROOT / "data"),
            units_file=Path(units_file) if units_file else None,
            idempotency_table=env.get("KMZB_IDEMPOTENCY_TABLE", "kmzb-idempotency"),
            audit_table=env.get("KMZB_AUDIT_TABLE", "kmzb-audit"),
            jwt_issuer=env.get("KMZB_JWT_ISSUER", ""),
            jwt_audience=env.get("KMZB_JWT_AUDIENCE", ""),
            jwks_url=env.get("KMZB_JWKS_URL")
            or (env.get("KMZB_JWT_ISSUER", "").rstrip("/") + "/.well-known/jwks.json"),
            sns_endpoint=env.get("KMZB_SNS_ENDPOINT") or None,
            sqs_endpoint=env.get("KMZB_SQS_ENDPOINT") or None,
            topic_arn_prefix=env.get("KMZB_TOPIC_ARN_PREFIX")
            or f"arn:aws:sns:{region}:123456789012:kmzb-unit-",
            panel_url=env.get("KMZB_PANEL_URL", "http://127.0.0.1:8001/officer/"),
            site_bucket=env.get("KMZB_SITE_BUCKET", "kmzb-site"),
            s3_endpoint=env.get("KMZB_S3_ENDPOINT") or None,
            feed_debounce_seconds=float(env.get("KMZB_FEED_DEBOUNCE_SECONDS", "30")),
            take_up_days=int(env.get("KMZB_TAKE_UP_DAYS", "3")),
            verify_days=int(env.get("KMZB_VERIFY_DAYS", "7")),
        )


class Deployment:
    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock

    @cached_property
    def router(self) -> Router:
        from chalicelib.units import Router

        data = self.settings.data_dir
        return Router.from_files(
            data / "boundaries" / "powiaty.geojson",
            data / "garrisons.json",
            self.settings.units_file,
            self.settings.garrisons,
        )

    @cached_property
    def sns(self) -> Any:
        import boto3

        return boto3.client(
            "sns", region_name=self.settings.region, endpoint_url=self.settings.sns_endpoint
        )

    @cached_property
    def feed_writer(self) -> FeedWriter:
        import boto3

        from chalicelib.feed import FeedWriter

        s3 = boto3.client(
            "s3", region_name=self.settings.region, endpoint_url=self.settings.s3_endpoint
        )
        return FeedWriter(s3, self.settings.site_bucket)

    @cached_property
    def dynamodb(self) -> Any:
        import boto3

        return boto3.client(
            "dynamodb",
            region_name=self.settings.region,
            endpoint_url=self.settings.dynamodb_endpoint,
        )

    @cached_property
    def notifier(self) -> IdempotentNotifier:
        from chalicelib.stream import IdempotentNotifier
        from chalicelib.topics import SnsPublisher

        publisher = SnsPublisher(self.sns, self.settings.topic_arn_prefix)
        return IdempotentNotifier(publisher, self.dynamodb, self.settings.idempotency_table)

    @property
    def deadlines(self) -> Deadlines:
        from chalicelib.workflow import Deadlines

        return Deadlines(self.settings.take_up_days, self.settings.verify_days)

    @cached_property
    def token_verifier(self) -> TokenVerifier:
        from chalicelib.auth import TokenVerifier

        s = self.settings
        if not (s.jwt_issuer and s.jwt_audience):
            raise ConfigurationError("KMZB_JWT_ISSUER and KMZB_JWT_AUDIENCE must be set")
        return TokenVerifier(s.jwt_issuer, s.jwt_audience, s.jwks_url)

    @cached_property
    def store(self) -> ReportStore:
        from chalicelib.storage import ReportStore

        return ReportStore(self.settings)


_current: Deployment | None = None


def current() -> Deployment:
    """The process's deployment, from the environment on first use."""
    global _current
    if _current is None:
        _current = Deployment(Settings.from_env())
    return _current


def use(deployment: Deployment | None) -> None:
    """Replace the process's deployment (tests, the local stack)."""
    global _current
    _current = deployment
