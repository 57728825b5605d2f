"""The public map and the report form in a real browser, against `make run`'s stack: the feed
drawn as clusters, filters kept in the address, popups, a report sent from the form reaching
the feed, a duplicate confirmed instead, the daily limit, a lost connection, a point outside
Poland, English, and no accessibility violations at all (axe-core).

Screenshots of the map and the form are saved in tests/browser/artifacts/.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.conftest import Stack, dev_token
from tests.browser.public_feed import post_json, send_report, wait_for_feed
from tests.browser.test_officer_panel import AXE

ARTIFACTS = Path(__file__).parent / "artifacts"
WARSAW = ZoneInfo("Europe/Warsaw")

# Each test works in a city of its own: the stack (and its feeds) is shared by the session.
POZNAN = (52.4064, 16.9252)  # filters and popups: wielkopolskie
LODZ = (51.7592, 19.4560)  # a report from the form: lodzkie
WROCLAW = (51.1079, 17.0385)  # duplicates: dolnoslaskie
GDANSK = (54.3520, 18.6466)  # the daily limit: pomorskie
KATOWICE = (50.2649, 19.0238)  # a lost connection: slaskie
BERLIN = (52.5200, 13.4050)


def view(lat: float, lon: float, zoom: int, *extra: str) -> str:
    return "#" + "&".join([f"map={zoom}/{lat}/{lon}", *extra])


def open_map(page: Page, stack: Stack, fragment: str) -> None:
    """Loads the map afresh (a new fragment alone would only move the loaded map)."""
    page.goto("about:blank")
    page.goto(stack.site + fragment)
    expect(page.locator("html")).to_have_attribute("data-map-state", "ready", timeout=30_000)
    expect(page.locator("#map[data-symbols]")).to_have_count(1)


def no_violations(page: Page) -> list[str]:
    """Every axe-core violation, whatever its impact."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text("utf-8"))  # not a <script>: the CSP refuses inline ones
    violations = page.evaluate("axe.run(document).then((result) => result.violations)")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in violations]


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


@dataclass(frozen=True)
class Poznan:
    vandalism: list[str]
    dumping: list[str]
    verifying: str  # one of the dumping reports, in verifying


@pytest.fixture(scope="module")
def poznan(stack: Stack) -> Poznan:
    """Eight reports within 300 m of Poznań's old town, one of them taken up by an officer."""
    lat, lon = POZNAN
    vandalism = [
        send_report(stack, category="vandalism", lat=lat + i * 0.0006, lon=lon + 0.0004)
        for i in range(5)
    ]
    dumping = [
        send_report(stack, category="illegal_dumping", lat=lat - 0.0005, lon=lon - i * 0.0009)
        for i in range(3)
    ]
    token = dev_token(stack, unit="3064")
    version = stack.officer_call(token, f"/reports/{dumping[0]}")["status_version"]
    stack.officer_call(
        token, f"/reports/{dumping[0]}/status", {"status": "verifying", "version": version}
    )
    wait_for_feed(
        stack,
        "wielkopolskie",
        lambda feed: (
            all(i in feed for i in vandalism + dumping) and feed[dumping[0]].status == "verifying"
        ),
    )
    return Poznan(vandalism, dumping, dumping[0])


def test_the_map_draws_the_national_feed_as_clusters_and_opens_a_report(
    page: Page, stack: Stack, poznan: Poznan
) -> None:
    open_map(page, stack, view(52.07, 19.48, 6))

    clusters = int(page.locator("#map").get_attribute("data-clusters") or 0)
    assert clusters >= 1
    expect(page.locator("#map-status")).to_contain_text("Na mapie:", use_inner_text=True)
    expect(page.locator("#legend li[data-status='nowe'] .count")).not_to_have_text(
        "0", use_inner_text=True
    )
    assert page.evaluate("performance.getEntriesByName('kmzb:time-to-first-clusters').length") == 1
    assert len(page.workers) == 1  # decoding and clustering run off the page's thread
    screenshot(page, "map.png")

    # A cluster in the list zooms in, like a click on it.
    cluster = page.locator("#visible-list button", has_text="Skupisko").first
    expect(cluster).to_be_visible()
    cluster.click()
    expect(page).not_to_have_url(re.compile(r"#map=6/"))

    # Close up, single reports: a popup with what the feed says.
    open_map(page, stack, view(*POZNAN, 18))
    entry = page.locator("#visible-list button", has_text="Akty wandalizmu").first
    entry.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("heading", level=2)).to_have_text(
        "Akty wandalizmu", use_inner_text=True
    )
    expect(popup.locator(".facts")).to_contain_text("Nowe", use_inner_text=True)
    expect(popup.locator(".facts")).to_contain_text("Potwierdzenia", use_inner_text=True)
    expect(popup.get_by_role("button", name="Potwierdzam")).to_be_visible()
    expect(popup.get_by_role("heading", level=2)).to_be_focused()
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    expect(entry).to_be_focused()  # back where the reader was


def test_without_web_workers_the_map_still_loads_in_the_page(
    page: Page, stack: Stack, poznan: Poznan
) -> None:
    page.add_init_script("delete window.Worker")
    open_map(page, stack, view(*POZNAN, 14))
    expect(page.locator("#view-total")).to_have_text("W widoku: 8 zgłoszeń", use_inner_text=True)
    assert page.workers == []


def test_filters_change_the_map_and_the_address_and_a_link_reproduces_them(
    page: Page, context: BrowserContext, stack: Stack, poznan: Poznan
) -> None:
    open_map(page, stack, view(*POZNAN, 14))
    total = page.locator("#view-total")
    expect(total).to_have_text("W widoku: 8 zgłoszeń", use_inner_text=True)

    page.locator("#category-details summary").click()
    page.get_by_label("Szukaj kategorii").fill("wandal")
    expect(page.locator("#category-search-result")).to_have_text(
        "Pasujące kategorie: 1", use_inner_text=True
    )
    page.get_by_label("Akty wandalizmu").uncheck()
    expect(total).to_have_text("W widoku: 3 zgłoszenia", use_inner_text=True)
    assert "cat=" in page.url and "vandalism" not in page.url

    page.get_by_role("checkbox", name="Nowe", exact=True).uncheck()
    expect(total).to_have_text("W widoku: 1 zgłoszenie", use_inner_text=True)
    expect(page.locator("#legend li[data-status='weryfikacja'] .count")).to_have_text(
        "1", use_inner_text=True
    )
    assert "status=weryfikacja" in page.url

    # The address alone brings the same view back.
    link = page.url
    again = context.new_page()
    open_map(again, stack, link[len(stack.site) :])
    expect(again.locator("#view-total")).to_have_text("W widoku: 1 zgłoszenie", use_inner_text=True)
    expect(again.get_by_role("checkbox", name="Nowe", exact=True)).not_to_be_checked()
    expect(again.get_by_label("Akty wandalizmu")).not_to_be_checked()
    again.close()

    tomorrow = (datetime.now(WARSAW) + timedelta(days=1)).date().isoformat()
    page.locator("#date-from").fill(tomorrow)
    expect(total).to_have_text("W widoku: 0 zgłoszeń", use_inner_text=True)
    assert f"from={tomorrow}" in page.url

    page.get_by_role("button", name="Wyczyść filtry").click()
    expect(total).to_have_text("W widoku: 8 zgłoszeń", use_inner_text=True)
    assert "cat=" not in page.url and "status=" not in page.url and "from=" not in page.url


def test_a_report_sent_from_the_form_appears_in_the_feed_after_the_rebuild(
    page: Page, stack: Stack, client_address: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 1600})  # the whole form in the screenshot
    open_map(page, stack, view(*LODZ, 16, "report=1"))
    expect(page.get_by_role("heading", name="Zgłoś zagrożenie")).to_be_visible()

    page.get_by_label("Kategoria").select_option(label="Dzikie wysypiska śmieci")
    page.locator("#map").click()  # the pin goes where the map is clicked: its centre
    expect(page.locator("#report-unit")).to_contain_text(
        "Komenda Miejska Policji (Łódź)", use_inner_text=True
    )
    assert page.locator(".leaflet-marker-icon").count() == 1

    yesterday = (datetime.now(WARSAW) - timedelta(days=1)).replace(hour=18, minute=30)
    page.get_by_label("Kiedy to się dzieje").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Pora dnia").select_option("evening")
    page.get_by_label("piątek").check()
    description = page.get_by_label("Opis")
    description.fill("x" * 501)
    expect(page.locator("#description-counter")).to_have_text(
        "501 / 500 znaków", use_inner_text=True
    )
    expect(page.locator("#description-counter")).to_have_class(re.compile("over"))
    description.fill("Worki ze śmieciami w lesie przy ścieżce.")
    expect(page.locator("#description-counter")).to_have_text(
        "40 / 500 znaków", use_inner_text=True
    )
    screenshot(page, "form.png")

    with page.expect_request(lambda r: r.url.endswith("/v1/reports")) as sent:
        page.get_by_role("button", name="Wyślij zgłoszenie").click()
    body = json.loads(sent.value.post_data or "{}")
    offset = yesterday.strftime("%z")
    assert body["occurred_at"] == yesterday.strftime("%Y-%m-%dT%H:%M:00") + (
        f"{offset[:3]}:{offset[3:]}"
    )
    assert body["time_of_day"] == "evening" and body["days_of_week"] == ["fri"]
    assert body["category"] == "illegal_dumping"
    assert sent.value.headers.get("idempotency-key")

    result = page.locator("#receipt")
    expect(result).to_contain_text("Zgłoszenie zostało przyjęte", use_inner_text=True)
    report_id = page.locator("#receipt .report-number").inner_text()
    tracking = page.locator("#receipt a.tracking-link").get_attribute("href") or ""
    assert tracking.startswith(f"{stack.site}?id={report_id}&token=")

    feed = wait_for_feed(stack, "lodzkie", lambda reports: report_id in reports)
    placed = feed[report_id]
    open_map(page, stack, view(placed.lat, placed.lon, 18))
    expect(page.locator("#visible-list")).to_contain_text(
        "Dzikie wysypiska śmieci — Nowe", use_inner_text=True
    )

    page.goto(tracking)
    expect(page.locator("#tracking-details")).to_contain_text(report_id, use_inner_text=True)
    expect(page.locator("#tracking-details")).to_contain_text("Nowe", use_inner_text=True)
    expect(page.locator("#tracking-details")).to_contain_text(
        "Komenda Miejska Policji (Łódź)", use_inner_text=True
    )


def test_a_same_category_report_100_m_away_is_offered_and_confirming_it_counts(
    page: Page, stack: Stack, client_address: str
) -> None:
    lat, lon = WROCLAW
    existing = send_report(stack, category="stray_dogs", lat=lat, lon=lon)
    other = send_report(stack, category="begging", lat=lat + 0.0003, lon=lon)
    wait_for_feed(stack, "dolnoslaskie", lambda feed: existing in feed and other in feed)

    open_map(page, stack, view(lat, lon, 16, "report=1"))
    page.get_by_label("Kategoria").select_option(label="Wałęsające się bezpańskie psy")
    page.get_by_label("Szerokość geograficzna").fill(f"{lat + 0.0009:.6f}")  # 100 m north
    page.get_by_label("Długość geograficzna").fill(f"{lon:.6f}")
    page.get_by_label("Długość geograficzna").press("Tab")
    page.get_by_label("Opis").fill("Psy biegają przy szkole.")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()

    offered = page.locator("#duplicates")
    expect(offered.get_by_role("heading", name="Podobne zgłoszenia w pobliżu")).to_be_focused()
    cards = offered.locator(".report-card")
    expect(cards).to_have_count(1)  # same category only: not the begging report
    expect(cards).to_contain_text("Wałęsające się bezpańskie psy", use_inner_text=True)
    expect(cards).to_contain_text("100 m", use_inner_text=True)
    assert no_violations(page) == []

    with page.expect_request(lambda r: r.method == "POST") as confirmation:
        cards.get_by_role("button", name="Potwierdzam").click()
    assert confirmation.value.url.endswith(f"/v1/reports/{existing}/confirmations")
    expect(page.locator("#report-result")).to_contain_text(
        "potwierdzono istniejące", use_inner_text=True
    )
    expect(page.locator("#report-result")).to_contain_text("potwierdzeń: 1", use_inner_text=True)
    # What the citizen typed stays in the form until they leave.
    expect(page.get_by_label("Opis")).to_have_value("Psy biegają przy szkole.")
    expect(page.get_by_label("Kategoria")).to_have_value("stray_dogs")

    feed = wait_for_feed(stack, "dolnoslaskie", lambda f: f[existing].confirmations == 1)
    assert len([r for r in feed.values() if r.category == "stray_dogs"]) == 1  # nothing new

    open_map(page, stack, view(lat, lon, 18))
    page.locator("#visible-list button", has_text="Wałęsające się bezpańskie psy").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".confirmations")).to_have_text("1", use_inner_text=True)
    popup.get_by_role("button", name="Potwierdzam").click()  # once per client and report
    expect(popup.locator(".confirm-result")).to_contain_text(
        "już potwierdzone z Twojego adresu internetowego (IP)", use_inner_text=True
    )


def test_the_daily_limit_says_when_the_next_report_is_possible_by_keyboard(
    page: Page, stack: Stack, client_address: str
) -> None:
    lat, lon = GDANSK
    status, _, _ = post_json(
        stack.api + "/reports", {"category": "begging", "lat": lat, "lon": lon}, client_address
    )
    assert status == 201  # today's report from this address

    open_map(page, stack, view(lat, lon, 15))
    page.locator("#open-report").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Zgłoś zagrożenie")).to_be_focused()
    page.get_by_label("Kategoria").select_option("illegal_parking")
    page.locator("#use-centre").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#report-unit")).to_contain_text("Gdańsk", use_inner_text=True)
    page.locator("#report-submit").focus()
    page.keyboard.press("Enter")

    result = page.locator("#report-result")
    expect(result).to_contain_text(
        "Z Twojego adresu internetowego (IP) wysłano już dzisiaj zgłoszenie", use_inner_text=True
    )
    midnight = (datetime.now(WARSAW) + timedelta(days=1)).strftime("%-d")
    expect(result).to_contain_text(
        re.compile(rf"możesz wysłać od {midnight} \S+ \d{{4}}, 00:00"), use_inner_text=True
    )
    expect(result).to_be_focused()
    expect(page.get_by_label("Kategoria")).to_have_value("illegal_parking")  # the draft stays


def test_a_lost_connection_keeps_the_draft_even_over_a_reload_and_the_retry_reuses_its_key(
    page: Page, context: BrowserContext, stack: Stack, client_address: str
) -> None:
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": KATOWICE[0], "longitude": KATOWICE[1]})
    open_map(page, stack, view(52.07, 19.48, 6, "report=1"))
    page.get_by_label("Kategoria").select_option(label="Akty wandalizmu")
    page.get_by_role("button", name="Użyj mojej lokalizacji").click()
    expect(page.locator("#report-unit")).to_contain_text("Katowice", use_inner_text=True)
    expect(page.get_by_label("Szerokość geograficzna")).to_have_value(f"{KATOWICE[0]:.6f}")
    page.get_by_label("Opis").fill("Zniszczona wiata przystanku.")

    keys: list[str] = []

    def offline(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        route.abort()

    page.route("**/v1/reports", offline)
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    expect(page.locator("#report-result")).to_contain_text("Brak połączenia", use_inner_text=True)
    expect(page.get_by_label("Opis")).to_have_value("Zniszczona wiata przystanku.")

    page.reload()  # the draft and its key are kept in the tab
    expect(page.locator("#report-result")).to_contain_text(
        "Przywrócono niewysłane zgłoszenie", use_inner_text=True
    )
    expect(page.get_by_label("Opis")).to_have_value("Zniszczona wiata przystanku.")
    expect(page.get_by_label("Kategoria")).to_have_value("vandalism")

    page.unroute("**/v1/reports", offline)
    with page.expect_request(lambda r: r.url.endswith("/v1/reports")) as retry:
        page.get_by_role("button", name="Wyślij zgłoszenie").click()
    expect(page.locator("#receipt")).to_contain_text(
        "Zgłoszenie zostało przyjęte", use_inner_text=True
    )
    assert keys and keys[0] and retry.value.headers.get("idempotency-key") == keys[0]
    page.reload()
    expect(page.get_by_label("Opis")).to_have_value("")  # a sent report leaves no draft


def test_a_place_outside_poland_is_refused_with_the_reason(
    page: Page, stack: Stack, client_address: str
) -> None:
    open_map(page, stack, view(52.2, 19.0, 6, "report=1"))
    page.get_by_label("Kategoria").select_option("speeding")
    page.get_by_label("Szerokość geograficzna").fill(str(BERLIN[0]))
    page.get_by_label("Długość geograficzna").fill(str(BERLIN[1]))
    page.get_by_label("Długość geograficzna").press("Tab")
    expect(page.locator("#report-unit")).to_contain_text(
        "poza granicami Polski", use_inner_text=True
    )

    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    expect(page.locator("#report-result")).to_contain_text(
        "poza granicami Polski", use_inner_text=True
    )
    expect(page.get_by_label("Szerokość geograficzna")).to_have_attribute("aria-invalid", "true")


def test_missing_fields_are_listed_and_linked(page: Page, stack: Stack) -> None:
    open_map(page, stack, view(52.2, 19.0, 6, "report=1"))
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    summary = page.locator("#report-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Wybierz kategorię.", use_inner_text=True)
    summary.get_by_role("link", name="Wybierz kategorię.").click()
    expect(page.get_by_label("Kategoria")).to_be_focused()
    expect(page.get_by_label("Kategoria")).to_have_attribute("aria-invalid", "true")
    assert no_violations(page) == []


def test_english_is_one_click_away_and_remembered(page: Page, stack: Stack) -> None:
    open_map(page, stack, view(52.07, 19.48, 6))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Krajowa Mapa Zagrożeń Bezpieczeństwa", use_inner_text=True)
    expect(page.locator("header")).to_contain_text("112", use_inner_text=True)
    expect(page.locator("header")).to_contain_text("997", use_inner_text=True)

    page.get_by_role("button", name="English").click()
    expect(heading).to_have_text("National Threat Map", use_inner_text=True)
    expect(page.locator("header")).to_contain_text("Not for emergencies", use_inner_text=True)
    expect(page.get_by_role("button", name="Polski")).to_be_visible()
    assert page.evaluate("localStorage.getItem('kmzb.lang')") == "en"

    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Report a threat")).to_be_visible()
    assert no_violations(page) == []


def test_no_accessibility_violations_on_the_map_and_the_form(
    browser: Browser, stack: Stack, poznan: Poznan
) -> None:
    for width, height, name in ((1280, 800, "desktop"), (390, 844, "mobile")):
        context = browser.new_context(
            locale="pl-PL", timezone_id="Europe/Warsaw", viewport={"width": width, "height": height}
        )
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if "//127.0.0.1" in route.request.url else route.abort()
            ),
        )
        page = context.new_page()
        open_map(page, stack, view(*POZNAN, 17))
        assert no_violations(page) == [], name  # the map, the legend, filters, the list
        if name == "mobile":
            screenshot(page, "map-mobile.png")
        page.locator("#visible-list button").first.click()
        expect(page.locator(".leaflet-popup-content")).to_be_visible()
        assert no_violations(page) == [], name  # a report's popup

        page.keyboard.press("Escape")
        page.get_by_role("button", name="Zgłoś zagrożenie").click()
        expect(page.locator("#report-form")).to_be_visible()
        assert no_violations(page) == [], name  # the report form
        context.close()
