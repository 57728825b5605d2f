"""The citizen's report form and what follows it, in a real browser against `make run`'s stack:
Warsaw wall-clock times (the autumn hour, the spring gap), the description counted as the server
counts it, one rounded point for the preview and the report, the receipt standing alone with a
copy button, the tracking view's map, "Potwierdzam" not offered on one's own or closed reports,
a popup that reaches every one of many reports at one point, the daily limit's wording, and the
report button on a phone's first screen. axe-core finds no violations in the new views.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from tests.browser.conftest import Stack, dev_token
from tests.browser.public_feed import send_report, wait_for_feed
from tests.browser.test_map import no_violations, open_map, screenshot, view

# Cities of this module's own, so the shared stack's feeds do not mix with test_map's.
BYDGOSZCZ = (53.1235, 18.0084)  # the receipt and the tracking view: kujawsko-pomorskie
BIALYSTOK = (53.1325, 23.1688)  # many reports at one point: podlaskie
OPOLE = (50.6751, 17.9213)  # a typed point: opolskie
RZESZOW = (50.0412, 21.9991)  # times sent: podkarpackie
KIELCE = (50.8703, 20.6275)  # the spring gap and the autumn hour: swietokrzyskie


def reports_posted(page: Page) -> list[Request]:
    """Every POST /v1/reports the page makes from now on."""
    posted: list[Request] = []
    page.on(
        "request",
        lambda r: (
            posted.append(r) if r.method == "POST" and r.url.endswith("/v1/reports") else None
        ),
    )
    return posted


def body_of(request: Request) -> Any:
    return json.loads(request.post_data or "{}")


def test_autumn_hour_takes_summer_time_and_a_spring_gap_time_is_refused(
    page: Page, stack: Stack, client_address: str
) -> None:
    posted = reports_posted(page)
    open_map(page, stack, view(*KIELCE, 15, "report=1"))
    page.get_by_label("Kategoria").select_option("illegal_parking")
    page.get_by_role("button", name="Użyj środka mapy").click()
    expect(page.locator("#report-unit")).to_contain_text("Kielce", use_inner_text=True)

    when = page.get_by_label("Kiedy to się dzieje")
    for gap in ("2026-03-29T02:30", "2026-03-29T02:00"):
        when.fill(gap)
        when.press("Tab")
        expect(page.locator("#when-message")).to_contain_text(
            "Tej godziny nie ma w czasie polskim", use_inner_text=True
        )
        expect(when).to_have_attribute("aria-invalid", "true")
        page.get_by_role("button", name="Wyślij zgłoszenie").click()
        expect(page.locator("#report-errors")).to_contain_text(
            "z 2:00 na 3:00", use_inner_text=True
        )
    assert no_violations(page) == []
    assert posted == []  # a time no Warsaw clock shows is never sent

    when.fill("2026-10-25T01:30")  # DST ends at 03:00 that night: still +02:00
    when.press("Tab")
    expect(page.locator("#when-message")).to_have_text("")
    expect(when).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    expect(page.locator("#receipt")).to_be_visible()
    assert body_of(posted[0])["occurred_at"] == "2026-10-25T01:30:00+02:00"
    assert posted[0].headers.get("idempotency-key")


@pytest.mark.parametrize(
    ("wall", "sent", "category"),  # a category each: no earlier report is offered as the same
    [
        ("2026-10-25T02:30", "2026-10-25T02:30:00+02:00", "vandalism"),  # the repeated hour
        ("2026-10-25T03:30", "2026-10-25T03:30:00+01:00", "begging"),
        ("2026-07-01T12:00", "2026-07-01T12:00:00+02:00", "public_drinking"),
        ("2026-01-15T12:00", "2026-01-15T12:00:00+01:00", "greenery_damage"),
    ],
)
def test_a_warsaw_time_is_sent_with_the_offset_in_force_then(
    page: Page, stack: Stack, client_address: str, wall: str, sent: str, category: str
) -> None:
    posted = reports_posted(page)
    open_map(page, stack, view(*RZESZOW, 15, "report=1"))
    page.get_by_label("Kategoria").select_option(category)
    page.get_by_role("button", name="Użyj środka mapy").click()
    page.get_by_label("Kiedy to się dzieje").fill(wall)
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    expect(page.locator("#receipt")).to_be_visible()
    assert body_of(posted[-1])["occurred_at"] == sent


def test_the_receipt_stands_alone_its_link_copies_and_the_tracking_view_maps_the_place(
    page: Page, context: BrowserContext, stack: Stack, client_address: str
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    posted = reports_posted(page)
    open_map(page, stack, view(*BYDGOSZCZ, 16, "report=1"))
    page.get_by_label("Kategoria").select_option("road_infrastructure")
    page.get_by_role("button", name="Użyj środka mapy").click()
    expect(page.locator("#report-unit")).to_contain_text("Bydgoszcz", use_inner_text=True)
    # A byte order mark pasted before 500 letters: 500 in the form, 500 at the server.
    page.get_by_label("Opis").fill("\ufeff" + "a" * 500)
    expect(page.locator("#description-counter")).to_have_text(
        "500 / 500 znaków", use_inner_text=True
    )
    expect(page.locator("#description-counter")).not_to_have_class("counter over")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()

    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", name="Zgłoszenie przyjęte")).to_be_focused()
    assert len(posted) == 1 and posted[0].headers.get("idempotency-key")
    assert body_of(posted[0])["description"] == "a" * 500
    # The form is closed: nothing invites a second send, which would only get 429.
    expect(page.locator("#report-form")).to_be_hidden()
    expect(page.get_by_role("button", name="Wyślij zgłoszenie")).to_have_count(0)
    expect(page.get_by_role("button", name="Zgłoś zagrożenie")).to_be_hidden()
    assert "report=1" not in page.url
    report_id = receipt.locator(".report-number").inner_text()
    link = receipt.locator("a.tracking-link").get_attribute("href") or ""
    assert link.startswith(stack.site) and f"?id={report_id}&token=" in link
    expect(page.get_by_label("Link do śledzenia statusu")).to_have_value(link)
    assert no_violations(page) == []
    screenshot(page, "receipt.png")

    page.get_by_role("button", name="Kopiuj link").click()
    expect(page.locator("#copy-result")).to_contain_text("Skopiowano", use_inner_text=True)
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.get_by_role("button", name="Wróć do mapy").click()
    expect(page.get_by_role("button", name="Zgłoś zagrożenie")).to_be_focused()
    expect(receipt).to_be_hidden()

    # The tracking view: the report's place is marked and the map is centred on it.
    page.goto(link)
    expect(page.locator("#tracking-details")).to_contain_text(report_id, use_inner_text=True)
    expect(page.locator("#tracking-details")).to_contain_text("Miejsce", use_inner_text=True)
    marker = page.locator(".leaflet-marker-icon.tracked-place")
    expect(marker).to_have_count(1)
    centre = page.evaluate("location.hash")
    assert "map=17/" in centre
    lat, lon = (float(x) for x in centre.split("map=17/")[1].split("&")[0].split("/"))
    sent = body_of(posted[0])
    assert abs(lat - sent["lat"]) < 1e-4 and abs(lon - sent["lon"]) < 1e-4
    assert no_violations(page) == []

    # On the public map, the browser that sent the report is not offered to confirm it.
    wait_for_feed(stack, "kujawsko-pomorskie", lambda feed: report_id in feed)
    open_map(page, stack, view(sent["lat"], sent["lon"], 18))
    page.locator("#visible-list button", has_text="infrastruktura drogowa").first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("wysłano z tej przeglądarki", use_inner_text=True)
    expect(popup.get_by_role("button", name="Potwierdzam")).to_have_count(0)


def test_a_typed_point_is_rounded_once_and_the_preview_and_the_report_use_it(
    page: Page, stack: Stack, client_address: str
) -> None:
    posted = reports_posted(page)
    located: list[str] = []
    page.on("request", lambda r: located.append(r.url) if "/v1/units/locate" in r.url else None)
    open_map(page, stack, view(*OPOLE, 14, "report=1"))
    page.get_by_label("Kategoria").select_option("speeding")
    page.get_by_label("Szerokość geograficzna").fill("50,67510049999999")
    page.get_by_label("Długość geograficzna").fill("17.92129950000001")
    page.get_by_label("Długość geograficzna").press("Tab")
    expect(page.locator("#report-unit")).to_contain_text("Opol", use_inner_text=True)
    # The fields show the point that is previewed and sent.
    expect(page.get_by_label("Szerokość geograficzna")).to_have_value("50.675100")
    expect(page.get_by_label("Długość geograficzna")).to_have_value("17.921300")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    expect(page.locator("#receipt")).to_be_visible()

    query = located[-1].split("?", 1)[1]
    params = dict(p.split("=") for p in query.split("&"))
    body = body_of(posted[0])
    assert (float(params["lat"]), float(params["lon"])) == (body["lat"], body["lon"])
    assert (body["lat"], body["lon"]) == (50.6751, 17.9213)
    assert posted[0].headers.get("idempotency-key")


def test_many_reports_at_one_point_show_their_true_count_and_every_one_is_reached(
    page: Page, stack: Stack
) -> None:
    lat, lon = BIALYSTOK
    ids = [send_report(stack, category="vandalism", lat=lat, lon=lon) for _ in range(13)]
    token = dev_token(stack, unit="2061")  # Białystok
    closed = ids[3]
    for status in ("verifying", "not_confirmed"):
        version = stack.officer_call(token, f"/reports/{closed}")["status_version"]
        stack.officer_call(
            token, f"/reports/{closed}/status", {"status": status, "version": version}
        )
    wait_for_feed(
        stack,
        "podlaskie",
        lambda feed: all(i in feed for i in ids) and feed[closed].status == "not_confirmed",
    )

    # Close up, identical points are not clustered: a click on the spot hits all thirteen.
    open_map(page, stack, view(lat, lon, 18))
    expect(page.locator("#view-total")).to_have_text("W widoku: 13 zgłoszeń", use_inner_text=True)
    page.locator("#map").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("heading", level=2)).to_have_text(
        "13 zgłoszeń w tym miejscu", use_inner_text=True
    )
    cards = popup.locator(".report-card")
    expect(cards).to_have_count(10)
    expect(popup.locator(".popup-shown")).to_have_text("Pokazano 10 z 13.", use_inner_text=True)
    assert no_violations(page) == []

    popup.get_by_role("button", name="Pokaż kolejne (3)").click()
    expect(cards).to_have_count(13)
    expect(cards.nth(10).get_by_role("heading", level=3)).to_be_focused()
    expect(popup.locator(".popup-shown")).to_have_text("Pokazano 13 z 13.", use_inner_text=True)
    expect(popup.locator(".popup-more")).to_be_hidden()
    indexes = {cards.nth(i).get_attribute("data-index") for i in range(13)}
    assert len(indexes) == 13  # every report once

    # The closed one is not offered for confirming; the twelve open ones are.
    expect(popup.get_by_role("button", name="Potwierdzam")).to_have_count(12)
    expect(popup.locator(".closed-report")).to_have_count(1)
    assert no_violations(page) == []


def test_the_daily_limit_says_what_is_counted(
    page: Page, stack: Stack, client_address: str
) -> None:
    lat, lon = OPOLE
    send_report(stack, address=client_address, category="begging", lat=lat, lon=lon)
    open_map(page, stack, view(lat, lon, 15, "report=1"))
    expect(page.locator("#limit-help")).to_contain_text(
        "jedno zgłoszenie dziennie", use_inner_text=True
    )
    page.get_by_label("Kategoria").select_option("illegal_parking")
    page.get_by_role("button", name="Użyj środka mapy").click()
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    result = page.locator("#report-result")
    expect(result).to_contain_text(
        "Z Twojego adresu internetowego (IP) wysłano już dzisiaj zgłoszenie", use_inner_text=True
    )
    expect(result).to_contain_text("/64", use_inner_text=True)
    expect(result).not_to_contain_text("urządzenia", use_inner_text=True)
    page.get_by_role("button", name="English").click()
    expect(result).to_contain_text("from your internet (IP) address", use_inner_text=True)
    expect(result).not_to_contain_text("this device", use_inner_text=True)


@pytest.mark.parametrize("size", [(390, 844), (360, 740)])
@pytest.mark.parametrize("lang", ["pl", "en"])
def test_on_a_phone_the_report_button_is_on_the_first_screen(
    browser: Browser, stack: Stack, size: tuple[int, int], lang: str
) -> None:
    width, height = size
    context = browser.new_context(
        locale="pl-PL",
        timezone_id="Europe/Warsaw",
        viewport={"width": width, "height": height},
        is_mobile=True,
        has_touch=True,
    )
    context.route(
        "**/*",
        lambda route: route.continue_() if "//127.0.0.1" in route.request.url else route.abort(),
    )
    if lang == "en":
        context.add_init_script("localStorage.setItem('kmzb.lang', 'en')")
    page = context.new_page()
    try:
        open_map(page, stack, view(52.07, 19.48, 6))
        button = page.locator("#open-report")
        expect(button).to_be_visible()
        expect(button).to_be_in_viewport(ratio=1)
        assert page.evaluate("window.scrollY") == 0
        box = page.locator("#map").bounding_box()
        assert box is not None and box["height"] >= 190  # still a usable map
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"phone-{width}x{height}-{lang}.png")
        assert no_violations(page) == []
    finally:
        context.close()
