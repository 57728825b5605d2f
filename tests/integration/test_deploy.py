"""`make deploy` stops with a clear message, and changes nothing, when it cannot deploy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.engines import PROJECT_ROOT


def deploy(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        AWS_EC2_METADATA_DISABLED="true",  # no instance credentials to wait for
        AWS_REGION="eu-central-1",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-m", "infra.deploy", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_credentials_it_says_how_to_sign_in() -> None:
    result = deploy("malopolskie")
    assert result.returncode == 2
    assert "No AWS credentials found" in result.stderr
    assert "docs/DEPLOY.md" in result.stderr


def test_an_unknown_garrison_is_named_with_the_known_ones() -> None:
    result = deploy("gotham")
    assert result.returncode == 2
    assert "unknown garrison 'gotham'" in result.stderr and "malopolskie" in result.stderr


def test_without_a_garrison_it_shows_usage() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "deploy"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "usage: make deploy GARRISON=<slug>" in result.stdout + result.stderr


def test_a_unit_file_that_fails_its_check_stops_the_deployment(tmp_path: Path) -> None:
    units = tmp_path / "lubuskie.json"
    units.write_text(json.dumps({"garrison": "lubuskie", "units": []}), "utf-8")
    result = deploy("lubuskie", KMZB_UNITS_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "lubuskie.json" in result.stderr and "problem" in result.stderr
