"""One deployment's settings and the services built from them, created on first use.

Cold start matters: nothing here imports boto3 or pynamodb or reads the
boundary files until a request needs them.
"""

from __future__ import annotations

import hmac
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
SECRET_MAX_AGE_SECONDS = 3600  # powertools Parameters caches secrets this long
ORIGIN_HEADER = "x-kmzb-origin"  # CloudFront → API: proof that the request came through it


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
    client_key_secret: bytes  # empty: read from Secrets Manager (client_key_secret_name)
    trusted_proxies: int  # proxies that append to X-Forwarded-For in front of the API
    garrisons: frozenset[str] | None  # None: every garrison (a local deployment)
    data_dir: Path
    units_file: Path | None
    client_key_secret_name: str | None = None
    # The secret CloudFront sends in ORIGIN_HEADER: without it a request came around the
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
    topic_arn_prefix: str = "arn:aws:sns:eu-central-1:123456789012:kmzb-unit-"
    notification_dead_letters_arn: str | None = None  # officers' subscriptions redrive here
    panel_url: str = "http://127.0.0.1:8001/officer/"
    site_bucket: str = "kmzb-site"
    s3_endpoint: str | None = None
    secrets_endpoint: str | None = None
    feed_debounce_seconds: float = 30.0  # at most one feed build per garrison this often
    take_up_days: int = 3  # a new report must be taken into verification within
    verify_days: int = 7  # and verified within

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        secret = env.get("KMZB_CLIENT_KEY_SECRET", "")
        secret_name = env.get("KMZB_CLIENT_KEY_SECRET_NAME") or None
        if secret_name is None and len(secret) < 16:
            raise ConfigurationError(
                "KMZB_CLIENT_KEY_SECRET (16 characters or more) or "
                "KMZB_CLIENT_KEY_SECRET_NAME must be set"
            )
        garrisons = env.get("KMZB_GARRISONS", "*").strip()
        units_file = env.get("KMZB_UNITS_FILE")
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1"
        return cls(
            stage=env.get("KMZB_STAGE", "local"),
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
            or f"arn:aws:sns:{region}:123456789012:kmzb-unit-",
            notification_dead_letters_arn=env.get("KMZB_NOTIFICATION_DLQ_ARN")
            or _dead_letters_beside(env.get("KMZB_TOPIC_ARN_PREFIX", "")),
            panel_url=env.get("KMZB_PANEL_URL", "http://127.0.0.1:8001/officer/"),
            site_bucket=env.get("KMZB_SITE_BUCKET", "kmzb-site"),
            s3_endpoint=env.get("KMZB_S3_ENDPOINT") or None,
            secrets_endpoint=env.get("KMZB_SECRETS_ENDPOINT") or None,
            feed_debounce_seconds=float(env.get("KMZB_FEED_DEBOUNCE_SECONDS", "30")),
            take_up_days=int(env.get("KMZB_TAKE_UP_DAYS", "3")),
            verify_days=int(env.get("KMZB_VERIFY_DAYS", "7")),
        )


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

    @property
    def client_key_secret(self) -> bytes:
        """The HMAC key of client addresses: from the settings, or Secrets Manager (cached)."""
        if self.settings.client_key_secret:
            return self.settings.client_key_secret
        name = self.settings.client_key_secret_name
        assert name is not None  # Settings.from_env demands one of the two
        secret = self._secrets.get(name, max_age=SECRET_MAX_AGE_SECONDS)
        value = secret if isinstance(secret, bytes) else str(secret).encode("utf-8")
        if len(value) < 16:
            raise ConfigurationError(f"the secret {name} is shorter than 16 characters")
        return value

    def came_through_proxies(self, origin_header: str | None) -> bool:
        """Whether a request passed the trusted proxies (CloudFront sends the origin secret);
        with no origin secret configured (locally) every request did."""
        name = self.settings.origin_secret_name
        if name is None:
            return True
        if not origin_header:
            return False
        expected = str(self._secrets.get(name, max_age=SECRET_MAX_AGE_SECONDS))
        return hmac.compare_digest(origin_header.encode("utf-8"), expected.encode("utf-8"))

    @cached_property
    def _secrets(self) -> Any:
        import boto3
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        client = boto3.client(
            "secretsmanager",
            region_name=self.settings.region,
            endpoint_url=self.settings.secrets_endpoint,
        )
        return SecretsProvider(boto3_client=client)

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
        audience = s.jwt_audience
        if not audience and s.jwt_audience_parameter:
            import boto3
            from aws_lambda_powertools.utilities.parameters import SSMProvider

            client = boto3.client("ssm", region_name=s.region, endpoint_url=s.ssm_endpoint)
            audience = str(SSMProvider(boto3_client=client).get(s.jwt_audience_parameter))
        if not (s.jwt_issuer and audience):
            raise ConfigurationError(
                "KMZB_JWT_ISSUER and KMZB_JWT_AUDIENCE (or KMZB_JWT_AUDIENCE_PARAMETER) must be set"
            )
        return TokenVerifier(s.jwt_issuer, audience, s.jwks_url)

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
