"""The officer panel on a phone, as officers open reports from the SMS link: at 360 and 390
px wide nothing scrolls sideways, in the list, the detail with every control a coordinator
gets, the duplicate candidates, the confirmation dialog and the consultation form; and the
report's number, status, deadline and place are on the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, FloatRect, Page, expect

from tests.browser.conftest import Stack, _local_only
from tests.browser.test_officer_panel import sign_in, token_for, violations

PHONES = [(360, 740), (390, 844)]
# One long word with no break opportunity, as pasted links or plate lists arrive.
UNBROKEN = "https://example.invalid/" + "a" * 120


def no_sideways_scroll(page: Page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"the page is {width} px wide on a {inner} px screen"


def fact_value(page: Page, label: str) -> FloatRect:
    value = page.locator("#detail-facts dt", has_text=label).locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(value).to_be_visible()
    box = value.bounding_box()
    assert box is not None
    return box


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Page:
    width, height = request.param
    context = browser.new_context(
        locale="pl-PL",
        timezone_id="Europe/Warsaw",
        viewport={"width": width, "height": height},
        is_mobile=True,
        has_touch=True,
    )
    context.route("**/*", _local_only)
    request.addfinalizer(context.close)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.mark.parametrize("phone", PHONES, indirect=True, ids=["360x740", "390x844"])
def test_a_report_from_the_sms_link_fits_a_phone(phone: Page, stack: Stack) -> None:
    page = phone
    stack.submit_report("Ten sam punkt, wcześniejsze zgłoszenie.")
    report_id = stack.submit_report(f"Samochody parkują na chodniku. {UNBROKEN}")
    coordinator = token_for(stack, "coordinator", name="Celina Koordynator-Wielkopolanin")
    sign_in(page, stack, coordinator, route=f"#/r/{report_id}")  # the SMS link
    expect(page.locator("#detail-facts")).to_contain_text(report_id)
    expect(page.locator("#detail-heading")).to_be_focused()

    inner = page.evaluate("innerWidth")
    for label in ("Numer", "Status", "Termin", "Miejsce"):
        box = fact_value(page, label)
        assert box["x"] >= 0 and box["x"] + box["width"] <= inner, label
    assert fact_value(page, "Numer")["y"] < page.evaluate("innerHeight")  # on the first screen
    expect(page.locator("#detail-facts")).to_contain_text("Nowe")
    expect(page.locator("#detail-facts")).to_contain_text("Po terminie")
    expect(page.locator("#detail-facts")).to_contain_text("Kraków")
    no_sideways_scroll(page)

    page.get_by_role("button", name="Weryfikacja").click()  # the audit trail gets an entry
    expect(page.locator("#audit")).to_contain_text("Zmiana statusu")
    page.get_by_role("button", name="Pokaż pobliskie zgłoszenia").click()
    expect(page.locator("#candidates li").first).to_be_visible()
    no_sideways_scroll(page)
    assert violations(page) == []

    page.locator("#detail").get_by_role("button", name="Niepotwierdzone").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    dialog_box = page.locator("#confirm-dialog").bounding_box()
    assert dialog_box is not None and dialog_box["x"] + dialog_box["width"] <= inner
    no_sideways_scroll(page)
    page.get_by_role("button", name="Anuluj").click()

    page.get_by_role("link", name="Lista zgłoszeń").click()
    expect(page.locator("#detail")).to_be_hidden()
    no_sideways_scroll(page)

    page.get_by_role("link", name="Zapisz zagrożenie z konsultacji").click()
    expect(page.get_by_label("Data spotkania")).to_be_visible()
    no_sideways_scroll(page)
