"""`make run`: the whole system on this machine, in the foreground, until Ctrl-C or SIGTERM.

Starts DynamoDB Local (data kept under .kmzb/ so a restart keeps every report),
moto's server (SNS, SQS, S3), the local API server (infra/local_api.py) and the
static site, creates the tables, and writes the addresses to .kmzb/local.json.
The local deployment serves all 17 garrisons.

One run per state folder: `.kmzb/run.lock` holds the running stack's pid; a second run is
refused (and touches nothing of the first's), a lock whose process is gone is taken over.
What moto keeps in memory is put back at each start (infra/local_inbox.py,
infra/local_site.py): feeds rebuilt from DynamoDB, subscriptions and inboxes restored.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from infra import dev_issuer
from infra.engines import (
    PROJECT_ROOT,
    Engine,
    EngineError,
    port_is_free,
    start_dynamodb_local,
    start_moto_server,
)
from infra.site_server import SiteServer

DEFAULT_PORTS = {
    "api": ("KMZB_API_PORT", 8000),
    "site": ("KMZB_SITE_PORT", 8001),
    "dynamodb": ("KMZB_DYNAMODB_PORT", 8002),
    "moto": ("KMZB_MOTO_PORT", 8003),
}


@dataclass(frozen=True)
class Ports:
    api: int
    site: int
    dynamodb: int
    moto: int


def read_ports(env: dict[str, str]) -> Ports:
    values: dict[str, int] = {}
    for name, (variable, default) in DEFAULT_PORTS.items():
        raw = env.get(variable, str(default))
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise SystemExit(f"{variable}={raw!r} is not a port number")
        values[name] = int(raw)
    return Ports(**values)


def check_ports_free(ports: Ports) -> None:
    for name, (variable, _) in DEFAULT_PORTS.items():
        port = getattr(ports, name)
        if not port_is_free(port):
            raise SystemExit(
                f"Port {port} ({variable}, for {name}) is already taken. Stop what uses it "
                f"(maybe another 'make run') or choose another: {variable}=<port> make run"
            )


def client_key_secret(state: Path) -> str:
    """The HMAC secret for client keys: made once, kept with the local data."""
    path = state / "client-key-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


LOCK_FILE = "run.lock"


class AlreadyRunning(Exception):
    def __init__(self, pid: int, lock: Path) -> None:
        super().__init__(
            f"KMZB is already running from this state folder (pid {pid}, lock {lock}). "
            "Stop it first (Ctrl-C in its terminal, or kill "
            f"{pid}), or run another stack with its own state: "
            "KMZB_STATE_DIR=<folder> and other KMZB_*_PORT values."
        )
        self.pid = pid


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def acquire_lock(state: Path) -> Path:
    """Take `state/run.lock` for this process (its pid inside); a lock whose process is gone
    is taken over. Raises AlreadyRunning when a live process holds it. Two starts at once are
    serialised by an advisory lock on the state folder itself, so exactly one wins."""
    lock = state / LOCK_FILE
    folder = os.open(state, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        try:
            holder = int(lock.read_text("utf-8").strip() or "0")
        except (OSError, ValueError):
            holder = 0  # none, or unreadable: taken over
        if holder > 0 and holder != os.getpid() and _pid_alive(holder):
            raise AlreadyRunning(holder, lock)
        written = state / f"{LOCK_FILE}.{os.getpid()}"
        written.write_text(f"{os.getpid()}\n", "utf-8")
        written.replace(lock)  # whole or absent, never half a pid
    finally:
        os.close(folder)  # and with it the folder's advisory lock
    return lock


def release_lock(lock: Path) -> None:
    """Remove the lock if it is still this process's."""
    with contextlib.suppress(OSError, ValueError):
        if int(lock.read_text("utf-8").strip()) == os.getpid():
            lock.unlink()


def _save_inboxes(app_env: dict[str, str], state: Path) -> None:
    """Keep the inboxes' messages for the next start (moto's are in memory)."""
    import boto3

    from chalicelib.deployment import Settings
    from infra.local_inbox import INBOXES_FILE, save_inboxes

    settings = Settings.from_env(app_env)
    sqs = boto3.client(
        "sqs",
        region_name=settings.region,
        endpoint_url=settings.sqs_endpoint,
        aws_access_key_id=app_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=app_env["AWS_SECRET_ACCESS_KEY"],
    )
    count = save_inboxes(sqs, settings.topic_arn_prefix, state / INBOXES_FILE)
    noun = "message" if count == 1 else "messages"
    print(f"Saved {count} inbox {noun} in {state / INBOXES_FILE}.", flush=True)


def _wait_for_api(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineError(f"the API server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise EngineError(f"the API at {url} did not become healthy within {timeout:.0f} s")


def main() -> int:
    env = dict(os.environ)
    state = Path(env.get("KMZB_STATE_DIR") or PROJECT_ROOT / ".kmzb")
    state.mkdir(parents=True, exist_ok=True)
    logs = state / "logs"
    ports = read_ports(env)
    try:
        lock = acquire_lock(state)  # before anything else: a second run touches nothing
    except AlreadyRunning as e:
        print(f"Not starting: {e}", file=sys.stderr)
        return 1
    try:
        check_ports_free(ports)
        return _run(env, state, logs, ports)
    finally:
        release_lock(lock)


def _run(env: dict[str, str], state: Path, logs: Path, ports: Ports) -> int:
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGHUP, request_stop)

    # Every process below runs in its own session: Ctrl-C reaches only this one, which
    # stops them in order (the pump before the inboxes are saved, moto after).
    engines: list[Engine] = []
    site: SiteServer | None = None
    inboxes_restored = False
    app_env: dict[str, str] = {}
    try:
        print("Starting DynamoDB Local …", flush=True)
        dynamodb = start_dynamodb_local(
            ports.dynamodb,
            data_dir=state / "dynamodb",
            log_path=logs / "dynamodb.log",
            own_session=True,
        )
        engines.append(dynamodb)
        print("Starting moto server (SNS, SQS, S3) …", flush=True)
        engines.append(start_moto_server(ports.moto, log_path=logs / "moto.log", own_session=True))

        app_env = {
            **env,
            "AWS_ACCESS_KEY_ID": env.get("AWS_ACCESS_KEY_ID", "local"),
            "AWS_SECRET_ACCESS_KEY": env.get("AWS_SECRET_ACCESS_KEY", "local"),
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "eu-central-1"),
            "KMZB_STAGE": "local",
            "KMZB_DYNAMODB_ENDPOINT": dynamodb.url,
            "KMZB_CLIENT_KEY_SECRET": client_key_secret(state),
            "KMZB_GARRISONS": "*",
            "KMZB_SNS_ENDPOINT": engines[1].url,
            "KMZB_SQS_ENDPOINT": engines[1].url,
            "KMZB_PANEL_URL": f"http://127.0.0.1:{ports.site}/officer/",
            "KMZB_STATE_DIR": str(state),
            "KMZB_S3_ENDPOINT": engines[1].url,
            "KMZB_SITE_BUCKET": env.get("KMZB_SITE_BUCKET", "kmzb-site"),
            "KMZB_FEED_DEBOUNCE_SECONDS": env.get("KMZB_FEED_DEBOUNCE_SECONDS", "2"),
            **dev_issuer.environment(state),
        }
        dev_issuer.ensure_keys(state)
        subprocess.run([sys.executable, "-m", "infra.tables"], env=app_env, check=True)
        print("Creating unit topics and local inboxes, restoring subscriptions …", flush=True)
        subprocess.run([sys.executable, "-m", "infra.local_inbox"], env=app_env, check=True)
        inboxes_restored = True
        print("Uploading the site and rebuilding every garrison's feed (local S3) …", flush=True)
        subprocess.run([sys.executable, "-m", "infra.local_site"], env=app_env, check=True)
        print("Starting the event pump (reports stream → notifications, feeds) …", flush=True)
        pump_log = open(logs / "event-pump.log", "ab")  # noqa: SIM115 - owned by the child
        pump = subprocess.Popen(
            [sys.executable, "-m", "infra.event_pump"],
            cwd=PROJECT_ROOT,
            env=app_env,
            stdout=pump_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        engines.append(Engine("event pump", "", pump, logs / "event-pump.log"))

        print("Starting the API (Chalice's local server, infra/local_api.py) …", flush=True)
        api_log = open(logs / "api.log", "ab")  # noqa: SIM115 - owned by the child process
        api_process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "infra.local_api",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports.api),
                "--stage",
                "local",
            ],
            cwd=PROJECT_ROOT,
            env=app_env,
            stdout=api_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        api_url = f"http://127.0.0.1:{ports.api}"
        engines.append(Engine("api", api_url, api_process, logs / "api.log"))
        _wait_for_api(api_url, api_process)

        bucket_url = f"{engines[1].url}/{app_env['KMZB_SITE_BUCKET']}"
        site = SiteServer(bucket_url, ports.site, api_url)
        site.start()

        addresses = {
            "site": site.url + "/",
            "api": api_url + "/v1",
            "dynamodb": dynamodb.url,
            "moto": engines[1].url,
            "logs": str(logs),
        }
        (state / "local.json").write_text(json.dumps(addresses, indent=2) + "\n", "utf-8")
        print(
            "\nKMZB is running (all 17 garrisons):\n"
            f"  map and report form: {addresses['site']}\n"
            f"  API:                 {addresses['api']}  (OpenAPI: {api_url}/v1/openapi.json)\n"
            f"  DynamoDB Local:      {addresses['dynamodb']}  (data in {state / 'dynamodb'})\n"
            f"  moto server:         {addresses['moto']}\n"
            f"  logs:                {logs}\n"
            "Officers' notifications land in local inboxes: "
            ".venv/bin/kmzb-admin inbox --unit 1261 (a unit's TERYT)\n"
            f"Officer panel: {addresses['site']}officer/ with a token from "
            ".venv/bin/kmzb-admin dev-token --role officer --unit 1261\n"
            f"Addresses are also in {state / 'local.json'}. Press Ctrl-C to stop.\n",
            flush=True,
        )
        while not stop.wait(1.0):
            for engine in engines:
                if engine.process.poll() is not None:
                    print(
                        f"{engine.name} stopped unexpectedly (code {engine.process.returncode}); "
                        f"see {engine.log_path}",
                        file=sys.stderr,
                    )
                    return 1
        print("Stopping …", flush=True)
        return 0
    except (EngineError, subprocess.CalledProcessError) as e:
        print(f"Could not start the local stack: {e}", file=sys.stderr)
        return 1
    finally:
        (state / "local.json").unlink(missing_ok=True)
        if site is not None:
            site.stop()
        stores = {"dynamodb", "moto"}
        for engine in reversed(engines):
            if engine.name not in stores:
                engine.stop()  # the API and the pump: nothing reaches the inboxes any more
        moto = next((e for e in engines if e.name == "moto"), None)
        if inboxes_restored and moto is not None and moto.process.poll() is None:
            try:
                _save_inboxes(app_env, state)
            except Exception as e:  # keep the previous save rather than fail the stop
                print(f"Could not save the inboxes ({e}); kept the previous save.", file=sys.stderr)
        for engine in reversed(engines):
            if engine.name in stores:
                engine.stop()


if __name__ == "__main__":
    sys.exit(main())
