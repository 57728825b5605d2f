"""Shared test set-up: dummy AWS credentials (only local engines are ever reached)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for name, value in {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
}.items():
    os.environ[name] = value

DATA_DIR = Path(os.environ.get("KMZB_DATA_DIR") or ROOT / "data")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA_DIR / "garrisons.json").exists():
        pytest.fail(f"boundary data missing in {DATA_DIR}: run 'make boundaries'")
    return DATA_DIR


@pytest.fixture(scope="session")
def router(data_dir: Path):
    from chalicelib.units import Router

    return Router.from_files(
        data_dir / "boundaries" / "powiaty.geojson", data_dir / "garrisons.json"
    )
