"""The site under its strict Content-Security-Policy (infra/site_headers.py) in Chromium: every
page, the map with clusters and a popup, the report form, the tracking view and the officer
panel signed in break none of it, and the site server sends the headers on every response.

Violations are caught three ways: Chromium's console messages ("… violates the following
Content Security Policy directive …"), `securitypolicyviolation` events recorded in the page
into window.__cspViolations, and the same events in the map's Web Worker, whose script is
served with a listener prepended that reports them on the console. A control proves that an
injected inline script and style are caught. Map tiles from tile.openstreetmap.org fail
offline: that is a network failure, not a violation, and the tests tell the two apart.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    expect,
)

from infra.site_headers import security_headers
from tests.browser.conftest import COGNITO_TEST_DOMAIN, Stack, built_assets
from tests.browser.public_feed import send_report, wait_for_feed
from tests.browser.test_map import view
from tests.browser.test_officer_panel import paste_token, report_entry

LUBLIN = (51.2465, 22.5684)  # the map's clusters and popups here: lubelskie
RZESZOW = (50.0413, 21.9990)  # a report sent from the form: podkarpackie
TILES = "tile.openstreetmap.org"
CSP = "Content Security Policy"

# Before any of the page's scripts: every violation of the page, kept for the test to read.
PAGE_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push({ directive: event.effectiveDirective,
    blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber });
}, true);
"""
# Prepended to the worker's script: its violations are not the page's, and a worker's own
# console messages about them do not reach Playwright; its console.error calls do.
WORKER_WATCH = """
self.addEventListener("securitypolicyviolation", (event) => {
  console.error(`${"Content Security Policy"} violation in the map worker: `
    + `${event.effectiveDirective} ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`);
});
"""


@dataclass
class CspWatch:
    console: list[str] = field(default_factory=list)  # messages naming the CSP
    header_errors: list[str] = field(default_factory=list)  # e.g. unknown Permissions-Policy
    failed_tiles: list[str] = field(default_factory=list)  # tried, failed on the network
    workers_watched: int = 0

    def on_console(self, message: ConsoleMessage) -> None:
        if CSP in message.text:
            self.console.append(message.text)
        if "Permissions-Policy" in message.text:
            self.header_errors.append(message.text)

    def on_request_failed(self, request: Request) -> None:
        if urlsplit(request.url).hostname == TILES:
            self.failed_tiles.append(request.url)

    def page_violations(self, page: Page) -> list[Any]:
        return list(page.evaluate("window.__cspViolations ?? ['the CSP watch is not installed']"))

    def assert_clean(self, page: Page, where: str) -> None:
        """No violation so far; call before every navigation (it empties the page's list)."""
        assert self.page_violations(page) == [], where
        assert self.console == [], where
        assert self.header_errors == [], where


@pytest.fixture
def csp(context: BrowserContext) -> CspWatch:
    watch = CspWatch()
    context.add_init_script(PAGE_WATCH)
    context.on("console", watch.on_console)
    context.on("requestfailed", watch.on_request_failed)

    def watch_worker(route: Route) -> None:
        response = route.fetch()
        watch.workers_watched += 1
        route.fulfill(response=response, body=WORKER_WATCH + response.text())

    context.route("**/cluster-worker-*.js", watch_worker)  # the built, content-hashed worker
    return watch


@pytest.fixture
def geolocated(context: BrowserContext) -> None:
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": RZESZOW[0], "longitude": RZESZOW[1]})


def load_map(page: Page, stack: Stack, fragment: str) -> Response:
    """Loads the map afresh (a new fragment alone would only move the loaded map): check the
    page's violations first, the page's list goes with it."""
    page.goto("about:blank")
    response = page.goto(stack.site + fragment)
    assert response is not None
    expect(page.locator("html")).to_have_attribute("data-map-state", "ready", timeout=30_000)
    expect(page.locator("#map[data-symbols]")).to_have_count(1)
    return response


def expected_headers() -> dict[str, str]:
    """What the test stack's site server sends: plain http, the test Cognito domain."""
    return security_headers([COGNITO_TEST_DOMAIN], https=False)


def fetch_headers(url: str, method: str = "GET") -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}


def test_every_response_of_the_site_server_carries_the_security_headers(stack: Stack) -> None:
    expected = {k.lower(): v for k, v in expected_headers().items()}
    assert "strict-transport-security" not in expected  # no HSTS over plain http
    assert "upgrade-insecure-requests" not in expected["content-security-policy"]
    assets = built_assets()
    map_script = next(a for a in assets["index.html"] if a.startswith("assets/app-"))
    leaflet = next(a for a in assets["index.html"] if a.startswith("assets/map-"))
    cases: list[tuple[str, str, int | None]] = [
        ("", "GET", 200),
        ("officer/", "GET", 200),
        (map_script, "GET", 200),
        (assets["worker"], "GET", 200),
        ("", "HEAD", 200),  # answered like a GET, without the body
        (leaflet, "GET", 200),
        ("feeds/manifest.json", "GET", 200),
        ("v1/categories", "GET", 200),  # the API through the site server
        ("no-such-file.html", "GET", 404),
        ("", "POST", 405),  # the server's own error page
    ]
    for path, method, status in cases:
        got_status, headers = fetch_headers(stack.site + path, method)
        assert status is None or got_status == status, path
        for name, value in expected.items():
            assert headers.get(name) == value, (path, method, name)
        assert "strict-transport-security" not in headers, path


def test_hashed_assets_are_cached_for_a_year_and_pages_revalidated(stack: Stack) -> None:
    assets = built_assets()
    hashed = [*assets["index.html"], *assets["officer/index.html"], assets["worker"]]
    for path in hashed:
        status, headers = fetch_headers(stack.site + path)
        assert status == 200, path
        assert headers["cache-control"] == "public, max-age=31536000, immutable", path
    for path in ("", "officer/", "index.html", "config.json"):
        status, headers = fetch_headers(stack.site + path)
        assert status == 200, path
        assert headers["cache-control"] == "no-cache", path
    # The unbundled modules are not deployed: only the built files are served.
    for path in ("app.js", "shared/api.js", "officer/officer.js", "vendor/leaflet/leaflet.js"):
        assert fetch_headers(stack.site + path)[0] == 404, path


def revalidate(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def test_a_revalidated_page_that_did_not_change_is_a_304_without_a_body(stack: Stack) -> None:
    expected = {k.lower(): v for k, v in expected_headers().items()}
    for path in ("", "officer/", built_assets()["worker"]):
        status, headers = fetch_headers(stack.site + path)
        assert status == 200 and headers.get("etag"), path
        status, again, body = revalidate(stack.site + path, {"If-None-Match": headers["etag"]})
        assert (status, body) == (304, b""), path
        assert again["etag"] == headers["etag"], path
        assert "content-length" not in again, path
        for name, value in expected.items():  # the security headers on a 304 too
            assert again.get(name) == value, (path, name)
        # Another version (or none) in the browser: the whole page.
        status, _, body = revalidate(stack.site + path, {"If-None-Match": '"an-old-version"'})
        assert status == 200 and body, path


def test_the_map_clusters_a_popup_and_english_break_no_csp(
    page: Page, stack: Stack, csp: CspWatch
) -> None:
    lat, lon = LUBLIN
    reports = [
        send_report(stack, category="vandalism", lat=lat + i * 0.0005, lon=lon) for i in range(4)
    ]
    wait_for_feed(stack, "lubelskie", lambda feed: all(r in feed for r in reports))

    response = load_map(page, stack, view(52.07, 19.48, 6))
    assert (
        response.header_value("content-security-policy")
        == (expected_headers()["Content-Security-Policy"])
    )  # the test would see nothing if the server stopped sending the policy
    assert int(page.locator("#map").get_attribute("data-clusters") or 0) >= 1
    assert len(page.workers) == 1 and csp.workers_watched == 1  # the worker's watch is on
    page.locator("#category-details summary").click()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "National Threat Map", use_inner_text=True
    )
    page.get_by_role("button", name="Polski").click()
    csp.assert_clean(page, "the national map")

    load_map(page, stack, view(lat, lon, 18))
    page.locator("#visible-list button", has_text="Akty wandalizmu").first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("heading", level=2)).to_have_text(
        "Akty wandalizmu", use_inner_text=True
    )
    expect(popup.get_by_role("button", name="Potwierdzam")).to_be_visible()
    page.mouse.move(200, 200)
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    page.mouse.wheel(0, -300)  # zoom: tiles come and go, and Leaflet cancels the stale ones
    page.wait_for_timeout(500)
    csp.assert_clean(page, "a popup")

    # Tiles were asked for (CSP let them through) and failed offline: no violation.
    assert csp.failed_tiles


def test_the_report_form_the_pin_and_the_tracking_view_break_no_csp(
    page: Page, stack: Stack, client_address: str, geolocated: None, csp: CspWatch
) -> None:
    load_map(page, stack, view(*RZESZOW, 15))
    page.get_by_role("button", name="Zgłoś zagrożenie").click()
    expect(page.get_by_role("heading", name="Zgłoś zagrożenie")).to_be_focused()
    page.get_by_label("Kategoria").select_option("illegal_parking")
    page.get_by_role("button", name="Użyj mojej lokalizacji").click()  # Permissions-Policy
    expect(page.locator("#report-unit")).to_contain_text("Rzesz")
    expect(page.locator(".leaflet-marker-icon")).to_be_visible()  # Leaflet's own marker image
    page.get_by_label("Opis").fill("Samochody na chodniku przy szkole.")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    result = page.locator("#receipt")  # the receipt stands alone once the form closes
    expect(result).to_contain_text("Zgłoszenie zostało przyjęte")
    tracking = page.locator("#receipt a.tracking-link").get_attribute("href") or ""
    csp.assert_clean(page, "the report form")

    page.goto(tracking)  # an absolute link, to copy and keep
    expect(page.locator("#tracking-details")).to_contain_text("Nowe")
    csp.assert_clean(page, "the tracking view")


def test_the_officer_panel_signed_in_breaks_no_csp(
    page: Page, stack: Stack, officer_token: str, csp: CspWatch
) -> None:
    report_id = stack.submit_report("Hałas z warsztatu w nocy.")
    response = page.goto(stack.panel)
    assert response is not None
    assert (
        response.header_value("content-security-policy")
        == (expected_headers()["Content-Security-Policy"])
    )
    expect(page.get_by_label("Token deweloperski")).to_be_visible()

    paste_token(page, officer_token)
    expect(page.locator("#whoami")).to_contain_text("Kraków")
    entry = report_entry(page, report_id)
    expect(entry).to_contain_text("Nowe")
    marker = page.locator("path.report-marker").first
    expect(marker).to_be_visible()
    marker.hover()  # the marker's tooltip
    expect(page.locator(".leaflet-tooltip")).to_be_visible()

    entry.get_by_role("link").click()
    expect(page.locator("#detail-description")).to_have_text("Hałas z warsztatu w nocy.")
    page.locator("#detail").get_by_role("button", name="Weryfikacja").click()
    expect(page.locator("#detail-message")).to_contain_text("Zmieniono status na: Weryfikacja")
    page.get_by_label("Nowa notatka").fill("Sprawdzić po 22:00.")
    page.get_by_role("button", name="Dodaj notatkę").click()
    expect(page.locator("#notes")).to_contain_text("Sprawdzić po 22:00.")
    page.get_by_role("button", name="Wyloguj").click()
    expect(page.get_by_label("Token deweloperski")).to_be_visible()
    csp.assert_clean(page, "the officer panel")
    assert csp.failed_tiles  # tried, and refused by the network, not by the policy


def test_an_injected_inline_script_and_style_are_reported_and_blocked(
    page: Page, stack: Stack, csp: CspWatch
) -> None:
    """The control: the watch does catch violations, in the page and in the worker."""
    load_map(page, stack, view(52.07, 19.48, 6))
    csp.assert_clean(page, "before the injection")

    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.body.append(script);
        const styled = document.createElement("p");
        styled.setAttribute("style", "color: red");
        document.body.append(styled);
        styled.style.color = "blue";  // the CSSOM, as Leaflet uses it: allowed
    }""")
    page.workers[0].evaluate("fetch('https://example.org/').catch(() => null)")
    page.wait_for_function("window.__cspViolations.length >= 2")
    page.wait_for_timeout(300)  # time for the worker's report, and for any third violation

    assert page.evaluate("window.__injected") is None  # it did not run
    directives = [v["directive"] for v in csp.page_violations(page)]
    assert directives == ["script-src-elem", "style-src-attr"]
    assert any("inline script" in message for message in csp.console)
    assert any("inline style" in message for message in csp.console)
    assert any("map worker: connect-src https://example.org/" in m for m in csp.console)


def test_no_one_else_may_frame_the_site(
    context: BrowserContext, page: Page, stack: Stack, csp: CspWatch
) -> None:
    framing = "http://elsewhere.test/"
    context.route(
        framing,
        lambda route: route.fulfill(
            content_type="text/html", body=f'<iframe src="{stack.site}" title="KMZB"></iframe>'
        ),
    )
    page.goto(framing)
    page.wait_for_timeout(500)
    assert [frame.url for frame in page.frames[1:]] == ["chrome-error://chromewebdata/"]
