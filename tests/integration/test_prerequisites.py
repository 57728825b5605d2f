"""A new user's machine: what is missing is said first, before any long install, with what to do.

Each test runs the README's commands in a fresh clone of this repository with a PATH that
lacks one prerequisite, and checks that nothing was installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("bash", "sh", "make", "git", "sed", "head", "cat", "env", "rm", "mkdir", "test")


def _path_without(tmp_path: Path, missing: set[str]) -> str:
    """A PATH of symlinks to this machine's tools, less `missing`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wanted = {*TOOLS, "java", "node", "npm", "chromium"} - missing
    for name in wanted:
        found = shutil.which(name)
        if found:
            (bin_dir / name).symlink_to(found)
    if "python3" not in missing:
        (bin_dir / "python3").symlink_to(sys.executable)
    return str(bin_dir)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fresh") / "kmzb"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    return target


def _make(clone: Path, goal: str, path: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "HOME": os.environ.get("HOME", "/root"), **extra}
    return subprocess.run(
        ["make", "-C", str(clone), goal],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("goal", "missing", "said", "package"),
    [
        ("run", {"java"}, "Java 17", "openjdk-17-jre-headless"),
        ("run", {"npm", "node"}, "Node.js with npm", "nodejs npm"),
        ("test", {"java"}, "Java 17", "openjdk-17-jre-headless"),
    ],
)
def test_a_missing_prerequisite_is_named_before_anything_is_installed(
    clone, tmp_path, goal, missing, said, package
):
    result = _make(clone, goal, _path_without(tmp_path, missing))
    assert result.returncode != 0
    assert said in result.stderr
    assert package in result.stderr  # the exact command to run
    assert not (clone / ".venv").exists()
    assert not (clone / "node_modules").exists()


def test_make_test_names_chromium_when_it_is_missing(clone, tmp_path):
    result = _make(
        clone, "test", _path_without(tmp_path, set()), KMZB_CHROMIUM=str(tmp_path / "none")
    )
    assert result.returncode != 0
    assert "Chromium" in result.stderr and "apt-get install" in result.stderr
    assert not (clone / ".venv").exists()


def test_an_admins_data_folder_without_the_boundaries_is_refused_with_what_to_do(clone, tmp_path):
    empty = tmp_path / "prg"
    empty.mkdir()
    result = _make(clone, "run", _path_without(tmp_path, set()), KMZB_DATA_SRC=str(empty))
    assert result.returncode != 0
    assert "garrisons.json" in result.stderr and "data/README.md" in result.stderr
    assert not (clone / ".venv").exists()


def test_the_clone_carries_its_boundary_data():
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "data"], capture_output=True, text=True, check=True
    ).stdout.split()
    for name in (
        "data/README.md",
        "data/garrisons.json",
        "data/boundaries/powiaty.geojson",
        "data/boundaries/wojewodztwa.geojson",
    ):
        assert name in tracked
    assert "../shared" not in (ROOT / "Makefile").read_text(encoding="utf-8")
