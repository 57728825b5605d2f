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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.storage import ReportStore
    from chalicelib.units import Router

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

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        secret = env.get("KMZB_CLIENT_KEY_SECRET", "")
        if len(secret) < 16:
            raise ConfigurationError("KMZB_CLIENT_KEY_SECRET must be set (16 characters or more)")
        garrisons = env.get("KMZB_GARRISONS", "*").strip()
        units_file = env.get("KMZB_UNITS_FILE")
        return cls(
            stage=env.get("KMZB_STAGE", "local"),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1",
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
