"""What an officer sees in the panel: signing in, the unit's reports on a list and a map, a
report's detail, a status change and a note, descriptions shown as text, overdue reports, a
conflicting change, the way back to signing in, and no serious accessibility violations."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import BrowserContext, Locator, Page, Route, expect

from infra.engines import PROJECT_ROOT
from tests.browser.conftest import Stack

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SPEEDING = "Przekraczanie dozwolonej prędkości"


def sign_in(page: Page, stack: Stack, token: str, route: str = "", unit: str = "Kraków") -> None:
    """Signs in with a pasted token; `unit` is what the header names (a garrison for admins)."""
    page.goto(stack.panel + route)
    paste_token(page, token)
    page.locator("#workspace:not([hidden]), #sign-in-message.error").first.wait_for()
    assert page.locator("#workspace").is_visible(), page.locator("#sign-in-message").inner_text()
    expect(page.locator("#whoami")).to_contain_text(unit)


def token_for(
    stack: Stack, role: str, unit: str = "1261", garrison: str = "", name: str = ""
) -> str:
    """A development token: officers and coordinators of `unit`, admins of `garrison`."""
    admin = Path(sys.executable).parent / "kmzb-admin"
    where = ["--garrison", garrison] if role == "admin" else ["--unit", unit]
    result = subprocess.run(
        [str(admin), "dev-token", "--role", role, *where, "--name", name],
        env={**os.environ, "KMZB_STATE_DIR": str(stack.state)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def subject_of(token: str) -> str:
    """The token's `sub` claim (the audit trail's immutable author)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


def violations(page: Page) -> list[str]:
    """Every axe-core violation of the page as it is now, of any impact."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text("utf-8"))  # not a <script>: the CSP refuses inline ones
    found = page.evaluate("axe.run(document).then((result) => result.violations)")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in found]


def paste_token(page: Page, token: str) -> None:
    page.get_by_label("Token deweloperski").fill(token)
    page.get_by_role("button", name="Zaloguj").click()


def report_entry(page: Page, report_id: str) -> Locator:
    return page.locator(f'#report-list li[data-id="{report_id}"]')


def test_an_officer_signs_in_opens_a_report_and_starts_verifying_it(
    page: Page, stack: Stack, officer_token: str
) -> None:
    report_id = stack.submit_report("Auta pędzą ok. 100 km/h obok szkoły, rano.")
    sign_in(page, stack, officer_token)

    entry = report_entry(page, report_id)
    expect(entry).to_contain_text(SPEEDING)
    expect(entry).to_contain_text("Nowe")
    expect(page.locator("path.report-marker").first).to_be_visible()

    entry.get_by_role("link").click()
    detail = page.locator("#detail")
    expect(detail.get_by_role("heading", level=2)).to_contain_text(SPEEDING)
    expect(page.locator("#detail-description")).to_have_text(
        "Auta pędzą ok. 100 km/h obok szkoły, rano."
    )
    expect(page.locator("#detail-facts")).to_contain_text("Nowe")
    assert page.url.endswith(f"#/r/{report_id}")

    page.get_by_label("Uwaga do zmiany").fill("Patrol drogówki sprawdzi jutro rano.")
    detail.get_by_role("button", name="Weryfikacja").click()

    expect(page.locator("#detail-message")).to_contain_text("Zmieniono status na: Weryfikacja")
    expect(page.locator("#detail-facts")).to_contain_text("Weryfikacja")
    audit = page.locator("#audit li", has_text="Patrol drogówki")
    expect(audit).to_contain_text("Nowe")
    expect(audit).to_contain_text("→ Weryfikacja")
    expect(entry).to_contain_text("Weryfikacja")  # the list follows
    expect(detail.get_by_role("button", name="Weryfikacja")).to_have_count(0)

    page.get_by_label("Nowa notatka").fill("Zgłaszający prosi o kontakt po 16:00.")
    page.get_by_role("button", name="Dodaj notatkę").click()
    expect(page.locator("#notes")).to_contain_text("Zgłaszający prosi o kontakt po 16:00.")


def test_a_description_with_markup_is_shown_as_text_and_runs_nothing(
    page: Page, stack: Stack, officer_token: str, dialogs: list[str]
) -> None:
    markup = "<img src=x onerror=alert(1)>"
    report_id = stack.submit_report(markup)
    sign_in(page, stack, officer_token, route=f"#/r/{report_id}")  # a link from an e-mail

    expect(page.locator("#detail-description")).to_have_text(markup)
    expect(page.locator("#detail-facts")).to_contain_text(report_id)
    assert page.locator("#detail-description img").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], [onerror]').length") == 0
    page.wait_for_timeout(200)  # time enough for a broken image's onerror, had one been made
    assert dialogs == []


def test_a_rejected_token_leads_back_to_signing_in_with_a_message(page: Page, stack: Stack) -> None:
    page.goto(stack.panel)
    paste_token(page, "eyJhbGciOiJSUzI1NiJ9.e30.bm90LXNpZ25lZA")

    expect(page.get_by_role("alert")).to_contain_text("token jest nieprawidłowy")
    expect(page.get_by_label("Token deweloperski")).to_be_visible()
    expect(page.locator("#workspace")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0


def test_the_overdue_link_lists_only_overdue_reports_highlighted(
    page: Page, stack: Stack, officer_token: str
) -> None:
    late = stack.submit_report("Nikt tego jeszcze nie podjął.")
    taken_up = stack.submit_report("To już jest weryfikowane.")
    version = stack.officer_call(officer_token, f"/reports/{taken_up}")["status_version"]
    stack.officer_call(
        officer_token, f"/reports/{taken_up}/status", {"status": "verifying", "version": version}
    )
    sign_in(page, stack, officer_token, route="#/overdue")  # the daily summary's link

    expect(page.get_by_label("Tylko po terminie")).to_be_checked()
    expect(report_entry(page, late)).to_have_class("overdue")
    expect(report_entry(page, late)).to_contain_text("Po terminie")
    expect(report_entry(page, taken_up)).to_have_count(0)
    expect(page.locator("path.report-marker.overdue").first).to_be_visible()

    page.get_by_label("Tylko po terminie").uncheck()
    page.get_by_role("button", name="Filtruj").click()
    expect(report_entry(page, taken_up)).to_contain_text("Weryfikacja")
    expect(report_entry(page, taken_up)).not_to_contain_text("Po terminie")


def test_a_stale_status_change_shows_the_conflict_and_the_current_state(
    page: Page, stack: Stack, officer_token: str
) -> None:
    report_id = stack.submit_report("Wyścigi na Alejach nocą.")
    sign_in(page, stack, officer_token, route=f"#/r/{report_id}")
    expect(page.locator("#detail-facts")).to_contain_text("Nowe")

    # Meanwhile a colleague takes it up.
    version = stack.officer_call(officer_token, f"/reports/{report_id}")["status_version"]
    stack.officer_call(
        officer_token,
        f"/reports/{report_id}/status",
        {"status": "verifying", "version": version, "note": "Biorę to."},
    )
    page.locator("#detail").get_by_role("button", name="Weryfikacja").click()

    expect(page.locator("#detail-message")).to_have_class("error")  # the API's message
    expect(page.locator("#detail-message")).not_to_be_empty()
    expect(page.locator("#detail-facts")).to_contain_text("Weryfikacja")
    expect(page.locator("#audit")).to_contain_text("Biorę to.")


def test_the_panel_has_no_serious_accessibility_violations(
    page: Page, stack: Stack, officer_token: str
) -> None:
    report_id = stack.submit_report("Parkowanie na przejściu dla pieszych.", "illegal_parking")
    page.goto(stack.panel + f"#/r/{report_id}")
    page.evaluate(AXE.read_text("utf-8"))  # not a <script>: the CSP refuses inline ones
    assert serious_violations(page) == []  # signing in

    paste_token(page, officer_token)
    expect(page.locator("#detail-facts")).to_contain_text(report_id)
    assert serious_violations(page) == []  # the list, the map and a report


def serious_violations(page: Page) -> list[str]:
    violations = page.evaluate("axe.run(document).then((result) => result.violations)")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_in_aws_an_officer_signs_in_through_the_cognito_hosted_ui(
    page: Page, context: BrowserContext, stack: Stack, officer_token: str
) -> None:
    """The hosted UI's authorization-code flow with PKCE, Cognito played by the test."""
    domain = "https://kmzb-test.auth.eu-central-1.amazoncognito.com"
    seen: dict[str, str] = {}

    def config(route: Route) -> None:
        cognito = {"domain": domain, "client_id": "panel-client"}
        route.fulfill(json={"api": "/v1", "cognito": cognito})

    def authorize(route: Route) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        seen.update(query)
        back = f"{query['redirect_uri']}?code=one-time-code&state={query['state']}"
        route.fulfill(content_type="text/html", body=f"<script>location.replace({back!r})</script>")

    def exchange(route: Route) -> None:
        form = {k: v[0] for k, v in parse_qs(route.request.post_data or "").items()}
        digest = hashlib.sha256(form["code_verifier"].encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if form["code"] != "one-time-code" or challenge != seen["code_challenge"]:
            route.fulfill(status=400, json={"error": "invalid_grant"})
            return
        cors = {"Access-Control-Allow-Origin": "*"}
        route.fulfill(json={"id_token": officer_token, "token_type": "Bearer"}, headers=cors)

    context.route("**/config.json", config)
    context.route(f"{domain}/oauth2/authorize*", authorize)
    context.route(f"{domain}/oauth2/token", exchange)
    page.goto(stack.panel)
    page.get_by_role("button", name="Zaloguj kontem służbowym").click()

    expect(page.locator("#whoami")).to_contain_text("Kraków")
    assert seen["client_id"] == "panel-client"
    assert seen["code_challenge_method"] == "S256"
    assert seen["redirect_uri"] == stack.panel
    assert "code=" not in page.url  # the one-time code does not linger in the address
