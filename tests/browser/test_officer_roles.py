"""Who may do what in the officer panel: an admin picks any unit of the garrison and changes
nothing, a coordinator's unit picker holds only their unit, an officer has none; and a failure
of the panel's own code is said as such, never as a lost connection."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Stack
from tests.browser.test_officer_panel import report_entry, sign_in, token_for, violations

GARRISON = "malopolskie"  # Kraków's (1261) garrison
KRAKOW_UNIT = "Komenda Miejska Policji (Kraków)"


def unit_options(page: Page) -> list[str]:
    return page.locator("#unit-picker option").all_inner_texts()


def test_an_admin_picks_a_unit_sees_its_reports_and_can_change_nothing(
    page: Page, stack: Stack
) -> None:
    report_id = stack.submit_report("Ciemna ulica, brak latarni.")
    admin = token_for(stack, "admin", garrison=GARRISON, name="Adam Administrator")
    sign_in(page, stack, admin, unit=f"garnizon {GARRISON}")

    expect(page.locator("#whoami")).to_contain_text("administrator")
    expect(page.get_by_label("Jednostka")).to_be_visible()
    expect(page.locator("#list-status")).to_contain_text("Wybierz jednostkę")
    expect(page.locator("#report-list li")).to_have_count(0)
    options = unit_options(page)
    assert KRAKOW_UNIT in options
    assert "Komenda Miejska Policji (Tarnów)" in options  # every unit of the garrison
    assert not any("Białystok" in option for option in options)  # and no other garrison's
    expect(page.locator("#panel-error")).to_be_hidden()
    assert violations(page) == []  # the list with the unit picker

    page.get_by_label("Jednostka").select_option(label=KRAKOW_UNIT)
    entry = report_entry(page, report_id)
    expect(entry).to_contain_text("Nowe")
    entry.get_by_role("link").click()
    expect(page.locator("#detail-facts")).to_contain_text(report_id)
    expect(page.locator("#detail-description")).to_have_text("Ciemna ulica, brak latarni.")

    detail = page.locator("#detail-body")
    expect(page.locator("#read-only")).to_be_visible()
    expect(detail.get_by_role("button")).to_have_count(0)  # nothing to press
    expect(detail.locator("textarea:visible, input:visible")).to_have_count(0)
    expect(page.locator("#new-consultation")).to_be_hidden()
    assert violations(page) == []  # the read-only detail

    page.goto(stack.panel + "#/consultation")  # no form behind the address either
    page.reload()
    expect(page.locator("#workspace")).to_be_visible()
    expect(page.locator("#consultation")).to_be_hidden()
    # The choice survives a reload within the tab.
    expect(page.get_by_label("Jednostka")).to_have_value("kmp-1261")
    expect(report_entry(page, report_id)).to_be_visible()


def test_a_coordinator_sees_a_unit_picker_limited_to_their_unit(page: Page, stack: Stack) -> None:
    report_id = stack.submit_report("Grupa osób zaczepia przechodniów.")
    sign_in(page, stack, token_for(stack, "coordinator", name="Celina Koordynator"))

    expect(page.get_by_label("Jednostka")).to_be_visible()
    assert unit_options(page) == [KRAKOW_UNIT]
    expect(report_entry(page, report_id)).to_be_visible()
    assert violations(page) == []


def test_an_officer_has_no_unit_picker(page: Page, stack: Stack) -> None:
    sign_in(page, stack, token_for(stack, "officer", name="Olga Funkcjonariusz"))
    expect(page.locator("#unit-field")).to_be_hidden()
    expect(page.locator("#new-consultation")).to_be_visible()


def test_an_admins_me_without_units_does_not_crash_the_panel(page: Page, stack: Stack) -> None:
    """The old /me (unit: null, no units) once crashed the panel behind 'no connection'."""
    admin = token_for(stack, "admin", garrison=GARRISON)

    def old_me(route: Route) -> None:
        me = {"sub": "s", "name": "A", "role": "admin", "garrison": GARRISON, "unit": None}
        route.fulfill(json=me)

    page.route("**/v1/officer/me", old_me)
    sign_in(page, stack, admin, unit=f"garnizon {GARRISON}")
    expect(page.locator("#list-status")).to_contain_text("Wybierz jednostkę")
    expect(page.locator("body")).not_to_contain_text("Brak połączenia")
    expect(page.locator("#panel-error")).to_be_hidden()


def test_a_failure_of_the_panel_is_never_called_a_lost_connection(
    page: Page, stack: Stack, officer_token: str
) -> None:
    answers = {"mode": "broken"}

    def reports(route: Route) -> None:
        if answers["mode"] == "broken":  # an answer the panel cannot read: its own failure
            route.fulfill(json={"items": None, "next_cursor": None})
        elif answers["mode"] == "offline":
            route.abort("connectionrefused")
        else:  # a gateway's HTML error page
            route.fulfill(status=502, content_type="text/html", body="<h1>Bad gateway</h1>")

    page.route("**/v1/officer/reports?*", reports)
    sign_in(page, stack, officer_token)
    status = page.locator("#list-status")
    expect(status).to_contain_text("Błąd w panelu")
    expect(status).to_contain_text("TypeError")
    expect(status).not_to_contain_text("Brak połączenia")

    answers["mode"] = "offline"
    page.get_by_role("button", name="Filtruj").click()
    expect(status).to_contain_text("Brak połączenia z serwerem")

    answers["mode"] = "gateway"
    page.get_by_role("button", name="Filtruj").click()
    expect(status).to_contain_text("HTTP 502")
    expect(status).not_to_contain_text("Brak połączenia")


def test_an_uncaught_error_is_shown_in_the_panel(
    page: Page, stack: Stack, officer_token: str
) -> None:
    sign_in(page, stack, officer_token)
    page.evaluate("setTimeout(() => { throw new RangeError('sprawdzian / test'); })")
    expect(page.locator("#panel-error")).to_be_visible()
    expect(page.locator("#panel-error")).to_contain_text("RangeError")
    expect(page.locator("#panel-error")).not_to_contain_text("Brak połączenia")
