"""The officer panel in a real browser: Debian's Chromium driven by Playwright, against the
whole local stack (`make run`'s), started once per session on free ports.

Only 127.0.0.1 is reachable from the browser: map tiles and anything else are blocked.
New reports are overdue at once (KMZB_TAKE_UP_DAYS=0), so that overdue ones can be seen.
Every page is served with the site's strict Content-Security-Policy, as in AWS.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Route, sync_playwright

from infra.browser import CHROMIUM, CHROMIUM_ARGS
from infra.build_site import ensure_site
from infra.engines import PROJECT_ROOT, free_port

KRAKOW = {"lat": 50.0614, "lon": 19.9366}  # served by Komenda Miejska Policji w Krakowie (1261)
# The user pool domain test_officer_panel's hosted-UI test plays: the site server lets the
# panel fetch its token endpoint, as CloudFront's policy does the real domain's in AWS.
COGNITO_TEST_DOMAIN = "https://kmzb-test.auth.eu-central-1.amazoncognito.com"
_client_numbers = itertools.count(1)
_browser_numbers = itertools.count(1)


@dataclass(frozen=True)
class Stack:
    site: str  # ends with "/"
    api: str  # ends with "/v1"
    state: Path

    @property
    def panel(self) -> str:
        return self.site + "officer/"

    def submit_report(self, description: str, category: str = "speeding") -> str:
        """A citizen's report in Kraków, from a client address of its own (the daily limit
        counts per address; the stack trusts X-Forwarded-For); returns its id."""
        number = next(_client_numbers)
        address = f"198.51.{100 + number // 250}.{number % 250 + 1}"
        body = {"category": category, **KRAKOW, "description": description}
        request = urllib.request.Request(
            self.api + "/reports",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": address},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            return str(json.loads(response.read())["id"])

    def officer_call(self, token: str, path: str, body: Any = None) -> Any:
        """The officer API directly, as another officer's browser would."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        request = urllib.request.Request(self.api + "/officer" + path, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


def _wait_for_addresses(state: Path, process: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"the local stack exited with {process.returncode}:\n{output}")
        path = state / "local.json"
        if path.exists():
            return dict(json.loads(path.read_text("utf-8")))
        time.sleep(0.3)
    raise RuntimeError("the local stack did not start in 120 s")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ensure_site()  # the built site (build/site/: esbuild's hashed bundles), as make run serves it
    state = tmp_path_factory.mktemp("kmzb-state")
    env = {
        **os.environ,
        "KMZB_STATE_DIR": str(state),
        "KMZB_TRUSTED_PROXY": "true",  # X-Forwarded-For tells test clients apart
        "KMZB_TAKE_UP_DAYS": "0",  # every new report is overdue at once; in verification it is not
        "KMZB_FEED_DEBOUNCE_SECONDS": "1",  # feeds rebuilt within a second or two of a change
        "KMZB_FEED_TICK": "1",
        "KMZB_SITE_CONNECT_SRC": COGNITO_TEST_DOMAIN,  # CSP connect-src (infra/site_server.py)
    }
    for name in ("API", "SITE", "DYNAMODB", "MOTO"):
        env[f"KMZB_{name}_PORT"] = str(free_port())
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local_stack"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        addresses = _wait_for_addresses(state, process)
        yield Stack(site=addresses["site"], api=addresses["api"], state=state)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def built_assets() -> dict[str, Any]:
    """The built site's hashed files per page ({"index.html": [...], "worker": ...}), as
    infra/build_site.mjs lists them in build/site-assets.json."""
    return dict(json.loads((PROJECT_ROOT / "build" / "site-assets.json").read_text("utf-8")))


def dev_token(stack: Stack, role: str = "officer", unit: str = "1261") -> str:
    admin = Path(sys.executable).parent / "kmzb-admin"
    result = subprocess.run(
        [str(admin), "dev-token", "--role", role, "--unit", unit],
        env={**os.environ, "KMZB_STATE_DIR": str(stack.state)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="session")
def officer_token(stack: Stack) -> str:
    return dev_token(stack)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is needed at {CHROMIUM} for the browser tests: apt-get install chromium"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _local_only(route: Route) -> None:
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(locale="pl-PL", timezone_id="Europe/Warsaw")
    context.route("**/*", _local_only)
    yield context
    context.close()


@pytest.fixture
def client_address(context: BrowserContext, stack: Stack) -> str:
    """An address of the test's own for the browser's API calls, so that daily limits do not
    carry over between tests. The site server passes no X-Forwarded-For, so these calls go
    straight to the API (which trusts the header here) with it added."""
    number = next(_browser_numbers)
    address = f"198.18.{number // 250}.{number % 250 + 1}"
    api_origin = stack.api.removesuffix("/v1")

    def through_api(route: Route) -> None:
        url = urlsplit(route.request.url)
        target = api_origin + url.path + (f"?{url.query}" if url.query else "")
        route.continue_(url=target, headers={**route.request.headers, "x-forwarded-for": address})

    context.route("**/v1/**", through_api)
    return address


@pytest.fixture
def dialogs(context: BrowserContext) -> list[str]:
    """Messages of every alert, confirm or prompt any page of the test opened."""
    seen: list[str] = []

    def record(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    context.on("dialog", record)
    return seen


@pytest.fixture
def page(context: BrowserContext, dialogs: list[str]) -> Page:
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page
