"""`make run`'s stack: starts, serves reports, keeps them across a restart, stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from infra.engines import PROJECT_ROOT, free_port, port_is_free

REPORT = {"category": "stray_dogs", "lat": 53.1325, "lon": 23.1688}


def _start(state: Path, ports: dict[str, int]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KMZB_STATE_DIR": str(state)}
    env.update({f"KMZB_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    return subprocess.Popen(
        [sys.executable, "-m", "infra.local_stack"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_for_addresses(state: Path, process: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        path = state / "local.json"
        if path.exists():
            return dict(json.loads(path.read_text("utf-8")))
        time.sleep(0.3)
    raise AssertionError("the local stack did not start in 90 s")


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    return output.decode()


def _call(url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _wait_for_inbox(state: Path, unit: str, report_id: str) -> str:
    """What `kmzb-admin inbox` prints once the event pump has delivered the report."""
    admin = Path(sys.executable).parent / "kmzb-admin"
    env = {**os.environ, "KMZB_STATE_DIR": str(state)}
    env.pop("KMZB_SNS_ENDPOINT", None)  # found through .kmzb/local.json, as a user would
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        result = subprocess.run(
            [str(admin), "inbox", "--unit", unit], env=env, capture_output=True, timeout=60
        )
        assert result.returncode == 0, result.stderr.decode()
        output = result.stdout.decode()
        if report_id in output:
            return output
        time.sleep(0.5)
    raise AssertionError(f"report {report_id} never reached the inbox of {unit}")


def _admin(state: Path, *argv: str) -> str:
    """`kmzb-admin` as a user runs it beside `make run` (the stack found through local.json)."""
    env = {**os.environ, "KMZB_STATE_DIR": str(state)}
    env.pop("KMZB_SNS_ENDPOINT", None)
    env.pop("KMZB_TOPIC_ARN_PREFIX", None)
    admin = Path(sys.executable).parent / "kmzb-admin"
    result = subprocess.run([str(admin), *argv], env=env, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def _public_ids(site: str, garrison: str) -> list[str]:
    """The report ids the public map shows for a garrison, read as the map reads them."""
    status, manifest = _call(site + "feeds/manifest.json")
    assert status == 200, manifest
    pointers = {p["garrison"]: p for p in manifest["garrisons"]}
    assert len(pointers) == 17  # every garrison, at once
    status, ids = _call(site + pointers[garrison]["ids"].lstrip("/"))
    assert status == 200
    return list(ids if isinstance(ids, list) else ids["ids"])


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_local_stack_serves_reports_and_keeps_them_across_a_restart(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("api", "site", "dynamodb", "moto")}
    stack = _start(tmp_path, ports)
    try:
        addresses = _wait_for_addresses(tmp_path, stack)
        assert addresses["api"] == f"http://127.0.0.1:{ports['api']}/v1"
        site = addresses["site"]
        with urllib.request.urlopen(site, timeout=10) as page:
            assert "112" in page.read().decode()
        status, receipt = _call(site + "v1/reports", REPORT)  # through the site, as a browser
        assert status == 201
        assert receipt["unit"]["teryt"] == "2061"
        assert _call(addresses["api"] + "/reports", REPORT)[0] == 429
        inbox = _wait_for_inbox(tmp_path, "2061", receipt["id"])
        assert "SMS: KMZB nowe: Walesajace sie bezpanskie psy, Bialystok." in inbox
        _admin(tmp_path, "subscribe", "--unit", "2061", "--email", "dyzurny@policja.gov.pl")
        _admin(
            tmp_path,
            "subscribe",
            "--unit",
            "1261",
            "--phone",
            "600100200",
            "--categories",
            "speeding",
        )
        deadline = time.monotonic() + 30
        while receipt["id"] not in _public_ids(site, "podlaskie"):
            assert time.monotonic() < deadline, "the report never reached the public feed"
            time.sleep(0.5)

        # A second `make run` on the same state folder is refused and touches nothing.
        local_json = (tmp_path / "local.json").read_bytes()
        others = {name: free_port() for name in ports}
        second = _start(tmp_path, others)
        refused, _ = second.communicate(timeout=60)
        assert second.returncode == 1
        assert f"already running from this state folder (pid {stack.pid}" in refused.decode()
        assert (tmp_path / "local.json").read_bytes() == local_json
        assert (tmp_path / "run.lock").read_text().strip() == str(stack.pid)
        assert all(port_is_free(port) for port in others.values())
    finally:
        output = _stop(stack)
    assert "KMZB is running" in output
    assert not (tmp_path / "local.json").exists()
    assert not (tmp_path / "run.lock").exists()
    for port in ports.values():
        assert port_is_free(port), f"port {port} still in use after stopping"

    # A lock left by a stack that died is taken over.
    (tmp_path / "run.lock").write_text(f"{_dead_pid()}\n")
    again = _start(tmp_path, ports)
    try:
        addresses = _wait_for_addresses(tmp_path, again)
        assert (tmp_path / "run.lock").read_text().strip() == str(again.pid)
        url = f"{addresses['api']}/reports/{receipt['id']}?token={receipt['tracking_token']}"
        status, followed = _call(url)
        assert status == 200
        assert followed["status"] == "new"
        # Nothing moto holds in memory is lost: the map, the inbox, the subscriptions.
        assert receipt["id"] in _public_ids(addresses["site"], "podlaskie")
        assert "SMS: KMZB nowe: Walesajace sie bezpanskie psy, Bialystok." in _admin(
            tmp_path, "inbox", "--unit", "2061"
        )
        listed = _admin(tmp_path, "subscriptions", "--unit", "2061")
        assert "\tdyzurny@policja.gov.pl\t*\treport_created\t" in listed
        listed = _admin(tmp_path, "subscriptions", "--unit", "1261")
        assert "sms\t+48600100200\tspeeding\t" in listed
    finally:
        _stop(again)


def test_a_second_run_is_refused_while_the_lock_holder_lives(tmp_path: Path) -> None:
    """Without starting anything: the lock names a live process (this one)."""
    (tmp_path / "run.lock").write_text(f"{os.getpid()}\n")
    (tmp_path / "local.json").write_text('{"api": "the first run\'s"}')
    ports = {name: free_port() for name in ("api", "site", "dynamodb", "moto")}
    stack = _start(tmp_path, ports)
    output, _ = stack.communicate(timeout=60)
    assert stack.returncode == 1
    assert f"KMZB is already running from this state folder (pid {os.getpid()}" in output.decode()
    assert (tmp_path / "local.json").read_text() == '{"api": "the first run\'s"}'
    assert (tmp_path / "run.lock").read_text() == f"{os.getpid()}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["local.json", "run.lock"]


def test_a_taken_port_is_named_in_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports = {"api": port, "site": free_port(), "dynamodb": free_port(), "moto": free_port()}
        stack = _start(tmp_path, ports)
        output, _ = stack.communicate(timeout=60)
    assert stack.returncode != 0
    assert f"Port {port} (KMZB_API_PORT" in output.decode()


@pytest.mark.parametrize("value", ["http", "70000"])
def test_a_bad_port_setting_is_refused(tmp_path: Path, value: str) -> None:
    env = {**os.environ, "KMZB_STATE_DIR": str(tmp_path), "KMZB_API_PORT": value}
    result = subprocess.run(
        [sys.executable, "-m", "infra.local_stack"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "KMZB_API_PORT" in result.stderr.decode()


_TAKE_LOCK = """
import sys, time
from pathlib import Path
from infra.local_stack import AlreadyRunning, acquire_lock
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # all at the same instant
try:
    acquire_lock(Path(sys.argv[1]))
except AlreadyRunning:
    print("refused", flush=True)
    sys.exit(1)
print("running", flush=True)
time.sleep(3)
"""


@pytest.mark.parametrize("stale", [False, True])
def test_of_several_runs_started_at_once_exactly_one_takes_the_lock(
    tmp_path: Path, stale: bool
) -> None:
    if stale:
        (tmp_path / "run.lock").write_text(f"{_dead_pid()}\n")
    at = str(time.time() + 4.0)
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", _TAKE_LOCK, str(tmp_path), at],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(6)
    ]
    outcomes = sorted(start.communicate(timeout=60)[0].strip() for start in starts)
    assert outcomes == ["refused"] * 5 + ["running"]
    winner = next(s for s in starts if s.returncode == 0)
    assert (tmp_path / "run.lock").read_text() == f"{winner.pid}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run.lock"]
