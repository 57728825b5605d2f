"""The national map as the national stack deploys it: its own config.json (no reporting), a
manifest naming every garrison's pointer, a static category catalogue and no API at all.

The pages and pointers come from `make run`'s site server; the browser is given the national
stack's files (infra.national_stack) and refused every other /v1 call.
"""

from __future__ import annotations

import json

from playwright.sync_api import Page, Route, expect

from chalicelib import categories, statuses
from infra.engines import PROJECT_ROOT
from infra.national_stack import MANIFEST, NATIONAL_CONFIG, GarrisonSite, national_manifest
from tests.browser.conftest import Stack
from tests.browser.public_feed import send_report, wait_for_feed
from tests.browser.test_map import open_map, view

OLSZTYN = (53.7784, 20.4801)  # warminsko-mazurskie: no other browser test reports here
SOURCES = PROJECT_ROOT / "static_site"
GARRISONS = json.loads((PROJECT_ROOT / "data" / "garrisons.json").read_text("utf-8"))


def serve_source(route: Route) -> None:
    """A module of static_site/ as it is written (the built site has them bundled)."""
    path = route.request.url.split("/src/", 1)[1].split("?")[0]
    route.fulfill(path=SOURCES / path, content_type="text/javascript; charset=utf-8")


def national_site(page: Page) -> list[str]:
    """Serves the national stack's files; answers every other API call as if none existed."""
    sites = [GarrisonSite(g["garrison"], g["headquarters"], "1", "x") for g in GARRISONS]
    files = {
        "/config.json": NATIONAL_CONFIG,
        f"/{MANIFEST}": national_manifest(sites),
        "/v1/categories": categories.catalogue(),
        # The national stack serves the status catalogue as a static file too (board: STATUSES).
        "/v1/statuses": statuses.catalogue(),
    }
    refused: list[str] = []

    def serve(route: Route) -> None:
        path = "/" + route.request.url.split("/", 3)[3].split("?")[0]
        if path in files:
            route.fulfill(json=files[path])
        elif path.startswith("/v1/"):
            refused.append(path)
            route.fulfill(status=403, body="<Error>AccessDenied</Error>")
        else:
            route.fallback()

    page.route("**/*", serve)
    return refused


def test_the_national_map_shows_every_garrisons_feed_through_their_pointers_read_only(
    page: Page, stack: Stack
) -> None:
    lat, lon = OLSZTYN
    report = send_report(stack, category="vandalism", lat=lat, lon=lon)
    wait_for_feed(stack, "warminsko-mazurskie", lambda feed: report in feed)
    refused = national_site(page)

    open_map(page, stack, view(lat, lon, 17))
    expect(page.locator("#view-total")).to_have_text("W widoku: 1 zgłoszenie", use_inner_text=True)
    # The report form is the garrison's: here there is neither the button nor confirmations.
    expect(page.locator("#open-report")).to_be_hidden()
    page.locator("#visible-list button", has_text="Akty wandalizmu").first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("heading", level=2)).to_have_text(
        "Akty wandalizmu", use_inner_text=True
    )
    expect(popup.get_by_role("button", name="Potwierdzam")).to_have_count(0)
    assert refused == []  # the map never needed the API

    # Feeds of other garrisons arrive through their own pointers, side by side: the engine's
    # own module (the site serves it bundled), from static_site/ under /src/.
    open_map(page, stack, view(52.07, 19.48, 6))
    page.route("**/src/**", serve_source)
    loaded = page.evaluate(
        """async () => {
          const { MapData } = await import('/src/engine.js');
          const data = new MapData();
          const summary = await data.load(new URL('/feeds/national.json', location.href).href);
          return summary.garrisons.map((g) => g.garrison);
        }"""
    )
    assert "warminsko-mazurskie" in loaded and len(loaded) >= 2
