"""Real local engines for integration tests: DynamoDB Local and moto's server on free ports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.deployment import Deployment, Settings, use
from infra import dev_issuer
from infra.engines import Engine, free_port, start_dynamodb_local, start_moto_server

SECRET = "test-secret-for-client-keys"
# One development issuer for the whole session; tokens are made with dev_issuer.issue.
ISSUER_STATE = Path(__file__).resolve().parent.parent.parent / ".kmzb" / "test-issuer"


def token(role: str, unit: str = "1261", garrison: str = "malopolskie", name: str = "") -> str:
    """A signed ID token of the test issuer, as Cognito would give an officer."""
    return dev_issuer.issue(ISSUER_STATE, role, garrison, unit if role != "admin" else "", name)


@pytest.fixture(scope="session")
def dynamodb() -> Iterator[Engine]:
    engine = start_dynamodb_local(free_port())
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Engine]:
    engine = start_moto_server(free_port())
    yield engine
    engine.stop()


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 10, 10, 0, tzinfo=UTC))


def make_settings(dynamodb_url: str, data_dir: Path, **overrides: Any) -> Settings:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = Settings.from_env(
        {
            "KMZB_CLIENT_KEY_SECRET": SECRET,
            "KMZB_DYNAMODB_ENDPOINT": dynamodb_url,
            "KMZB_REPORTS_TABLE": f"{prefix}-reports",
            "KMZB_LIMITS_TABLE": f"{prefix}-limits",
            "KMZB_IDEMPOTENCY_TABLE": f"{prefix}-idempotency",
            "KMZB_TOPIC_ARN_PREFIX": f"arn:aws:sns:eu-central-1:123456789012:{prefix}-unit-",
            "KMZB_DATA_DIR": str(data_dir),
            "KMZB_TRUSTED_PROXY": "true",
            "KMZB_AUDIT_TABLE": f"{prefix}-audit",
            **dev_issuer.environment(ISSUER_STATE),
        }
    )
    return replace(settings, **overrides)


@pytest.fixture
def deployment(
    dynamodb: Engine, data_dir: Path, clock: FakeClock, router: Any
) -> Iterator[Deployment]:
    """A deployment of all garrisons on fresh tables, behind a trusted proxy so
    that tests can speak for different clients through X-Forwarded-For."""
    here = Deployment(make_settings(dynamodb.url, data_dir), clock=clock)
    here.__dict__["router"] = router  # built once per session
    here.store.create_tables()
    use(here)
    yield here
    use(None)


@pytest.fixture
def client(deployment: Deployment) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def notifying(deployment: Deployment, moto_server: Engine) -> Deployment:
    """The deployment with SNS and SQS on moto's server."""
    deployment.settings = replace(
        deployment.settings, sns_endpoint=moto_server.url, sqs_endpoint=moto_server.url
    )
    return deployment


@pytest.fixture
def publishing(notifying: Deployment, moto_server: Engine) -> Deployment:
    """The deployment with its own site bucket on moto's server, readable anonymously."""
    import boto3

    from infra.local_site import ensure_bucket

    bucket = f"site-{uuid.uuid4().hex[:12]}"
    notifying.settings = replace(
        notifying.settings, s3_endpoint=moto_server.url, site_bucket=bucket
    )
    s3 = boto3.client("s3", region_name="eu-central-1", endpoint_url=moto_server.url)
    ensure_bucket(s3, bucket, "eu-central-1")
    return notifying


def _request_in_process(settings: Settings, request: Any, start: Any, results: Any) -> None:
    from chalice.test import Client

    from app import app

    use(Deployment(settings))  # a fresh one: no HTTP connection shared with the parent
    with Client(app) as client:
        start.wait()
        results.put(request(client).status_code)


def race(deployment: Deployment, request: Any, attempts: int) -> list[int]:
    """Send the same request from `attempts` processes at once, as concurrent Lambdas would;
    returns the status codes, sorted. `request(client)` must be a module-level function."""
    import multiprocessing

    import app  # noqa: F401 - imported once here, inherited by every forked process

    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(attempts), context.Queue()
    processes = [
        context.Process(
            target=_request_in_process, args=(deployment.settings, request, start, results)
        )
        for _ in range(attempts)
    ]
    for process in processes:
        process.start()
    statuses = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    return statuses
