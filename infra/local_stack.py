"""`make run`: the whole system on this machine, in the foreground, until Ctrl-C or SIGTERM.

Starts DynamoDB Local (data kept under .kmzb/ so a restart keeps every report),
moto's server (SNS, SQS, S3), the Chalice local server for the API and the
static site, creates the tables, and writes the addresses to .kmzb/local.json.
The local deployment serves all 17 garrisons.
"""

from __future__ import annotations

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
    check_ports_free(ports)

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    engines: list[Engine] = []
    site: SiteServer | None = None
    try:
        print("Starting DynamoDB Local …", flush=True)
        dynamodb = start_dynamodb_local(
            ports.dynamodb, data_dir=state / "dynamodb", log_path=logs / "dynamodb.log"
        )
        engines.append(dynamodb)
        print("Starting moto server (SNS, SQS, S3) …", flush=True)
        engines.append(start_moto_server(ports.moto, log_path=logs / "moto.log"))

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
        print("Creating unit topics and local inboxes …", flush=True)
        subprocess.run([sys.executable, "-m", "infra.local_inbox"], env=app_env, check=True)
        print("Uploading the site and building the feeds (local S3) …", flush=True)
        subprocess.run([sys.executable, "-m", "infra.local_site"], env=app_env, check=True)
        print("Starting the event pump (reports stream → notifications, feeds) …", flush=True)
        pump_log = open(logs / "event-pump.log", "ab")  # noqa: SIM115 - owned by the child
        pump = subprocess.Popen(
            [sys.executable, "-m", "infra.event_pump"],
            cwd=PROJECT_ROOT,
            env=app_env,
            stdout=pump_log,
            stderr=subprocess.STDOUT,
        )
        engines.append(Engine("event pump", "", pump, logs / "event-pump.log"))

        print("Starting the API (Chalice local) …", flush=True)
        api_log = open(logs / "api.log", "ab")  # noqa: SIM115 - owned by the child process
        api_process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "chalice"),
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports.api),
                "--stage",
                "local",
                "--no-autoreload",
            ],
            cwd=PROJECT_ROOT,
            env=app_env,
            stdout=api_log,
            stderr=subprocess.STDOUT,
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
        if site is not None:
            site.stop()
        for engine in reversed(engines):
            engine.stop()
        (state / "local.json").unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
