"""The composition root: one deployment's services, built from its settings on first use, and
handed to the routes (app.py) and to the jobs as the parts each uses.

Configuration is chalicelib.settings (typed, failing fast outside the local stage); the value
types are chalicelib.values; the jobs (feed builds, overdue reminders, the stream handler)
take what they use (`feed_job`, `reminders`, `stream_job`) and never this module.
No module below app.py and infra imports this one.

Cold start matters: nothing here imports boto3 or pynamodb or reads the boundary files until
a request needs them.
"""

from __future__ import annotations

import hmac
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.contract import ORIGIN_HEADER  # re-exported for app.py
from chalicelib.settings import (  # re-exported: tests, bench and infra import them from here
    PROJECT_ROOT,
    ConfigurationError,
    Settings,
)
from chalicelib.values import Clock, utc_now

if TYPE_CHECKING:
    from chalicelib.auth import TokenVerifier
    from chalicelib.feed import FeedJob, FeedWriter
    from chalicelib.open311_keys import KeyStore
    from chalicelib.overdue import Reminders
    from chalicelib.storage import ReportStore
    from chalicelib.stream import IdempotentNotifier, StreamJob
    from chalicelib.units import Router
    from chalicelib.workflow import Deadlines

__all__ = [
    "ORIGIN_HEADER",
    "PROJECT_ROOT",
    "ConfigurationError",
    "Deployment",
    "Settings",
    "current",
    "use",
]
SECRET_MAX_AGE_SECONDS = 3600  # powertools Parameters caches secrets this long


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

    @cached_property
    def open311_keys(self) -> KeyStore:
        from chalicelib.open311_keys import KeyStore

        return KeyStore(self.settings)

    # --- the jobs' parts ---------------------------------------------------------------------

    @property
    def feed_job(self) -> FeedJob:
        """What feed builds use (chalicelib.feed.rebuild, request_rebuilds, refresh)."""
        from chalicelib.feed import FeedJob

        return FeedJob(
            store=self.store,
            writer=self.feed_writer,
            router=self.router,
            clock=self.clock,
            debounce_seconds=self.settings.feed_debounce_seconds,
        )

    @property
    def reminders(self) -> Reminders:
        """What the daily overdue reminders use (chalicelib.overdue.remind)."""
        from chalicelib.overdue import Reminders

        return Reminders(
            store=self.store,
            router=self.router,
            notifier=self.notifier,
            deadlines=self.deadlines,
            clock=self.clock,
            panel_url=self.settings.require_panel_url(),
        )

    @property
    def stream_job(self) -> StreamJob:
        """What the reports stream's handler uses (chalicelib.stream.handle_reports_stream)."""
        from chalicelib.stream import StreamJob

        return StreamJob(
            notifier=self.notifier,
            feeds=self.feed_job,
            panel_url=self.settings.require_panel_url(),
            take_up_days=self.settings.take_up_days,
            verify_days=self.settings.verify_days,
        )


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
