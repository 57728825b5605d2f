"""Everything the API lets a role do is in the panel: marking a duplicate from the nearby
candidates, closing statuses confirmed first (cancel changes nothing), the institution asked
for only where it is required, assignment, an audit trail with a human label per action and
its author, the citizens' confirmation count, and consultations recorded with a date."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import KRAKOW, Stack
from tests.browser.test_officer_panel import sign_in, subject_of, token_for, violations

LABELS = {
    "Zapis z konsultacji",
    "Zmiana statusu",
    "Notatka",
    "Przydział",
    "Oznaczenie jako duplikat",
}


def move(stack: Stack, token: str, report_id: str, *statuses: str) -> None:
    for status in statuses:
        version = stack.officer_call(token, f"/reports/{report_id}")["status_version"]
        stack.officer_call(
            token, f"/reports/{report_id}/status", {"status": status, "version": version}
        )


def detail(stack: Stack, token: str, report_id: str) -> Any:
    return stack.officer_call(token, f"/reports/{report_id}")


def transition(page: Page, status: str) -> Locator:
    """The button moving the report to `status` (a code; the button shows its name)."""
    return page.locator(f'#transitions button[data-status="{status}"]')


def test_marking_a_duplicate_from_the_nearby_candidates(
    page: Page, stack: Stack, officer_token: str
) -> None:
    original = stack.submit_report("Dziura w jezdni na skrzyżowaniu.")
    copy = stack.submit_report("Ta sama dziura, zgłaszam jeszcze raz.")
    sign_in(page, stack, officer_token, route=f"#/r/{copy}")
    expect(page.locator("#detail-facts")).to_contain_text(copy)

    page.get_by_role("button", name="Pokaż pobliskie zgłoszenia").click()
    candidate = page.locator("#candidates li", has_text=original)
    expect(candidate).to_contain_text("0 m")
    expect(candidate).to_contain_text("Nowe")
    expect(page.locator("#candidates li", has_text=copy)).to_have_count(0)  # not itself
    candidate.get_by_role("radio").check()
    expect(page.get_by_label("Numer oryginalnego zgłoszenia")).to_have_value(original)
    assert violations(page) == []  # the candidates

    page.get_by_role("button", name="Oznacz jako duplikat").last.click()
    expect(page.locator("#confirm-dialog")).to_contain_text(original)
    assert violations(page) == []  # the confirmation dialog
    page.get_by_role("button", name="Anuluj").click()
    expect(page.locator("#detail-message")).to_contain_text("Anulowano")
    assert detail(stack, officer_token, copy)["status"] == "new"

    page.get_by_role("button", name="Oznacz jako duplikat").last.click()
    page.get_by_role("button", name="Tak, oznacz jako duplikat").click()
    expect(page.locator("#detail-message")).to_contain_text("Oznaczono jako duplikat")
    facts = page.locator("#detail-facts")
    expect(facts).to_contain_text("Niepotwierdzone")
    expect(facts.get_by_role("link", name=original)).to_be_visible()
    entry = page.locator("#audit li", has_text="Oznaczenie jako duplikat")
    expect(entry).to_contain_text("Oryginał")
    expect(entry.get_by_role("link", name=original)).to_be_visible()
    expect(page.locator("#duplicate-form")).to_be_hidden()  # a closed report is no duplicate
    stored = detail(stack, officer_token, copy)
    assert (stored["status"], stored["duplicate_of"]) == ("not_confirmed", original)


def test_closing_statuses_ask_first_and_cancelling_changes_nothing(
    page: Page, stack: Stack
) -> None:
    coordinator = token_for(stack, "coordinator", name="Celina Koordynator")
    closing = stack.submit_report("Ktoś rzekomo strzela z wiatrówki.")
    staying_open = stack.submit_report("Rowerzyści na chodniku.")
    move(stack, coordinator, closing, "verifying")
    move(stack, coordinator, staying_open, "verifying")
    version = detail(stack, coordinator, closing)["status_version"]
    sign_in(page, stack, coordinator, route=f"#/r/{closing}")
    expect(page.locator("#detail-facts")).to_contain_text("Weryfikacja")
    dialog = page.locator("#confirm-dialog")

    transition(page, "not_confirmed").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Zamknąć zgłoszenie jako „Niepotwierdzone”?")
    expect(page.get_by_role("button", name="Anuluj")).to_be_focused()  # the safe choice
    page.get_by_role("button", name="Anuluj").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#detail-message")).to_contain_text("status bez zmian")

    transition(page, "prank_or_mistake").click()
    expect(dialog).to_contain_text("Żart lub pomyłka")
    page.keyboard.press("Escape")  # cancels too
    expect(dialog).to_be_hidden()
    assert detail(stack, coordinator, closing)["status_version"] == version
    expect(page.locator("#detail-facts")).to_contain_text("Weryfikacja")

    transition(page, "prank_or_mistake").click()
    page.get_by_role("button", name="Tak, zmień na „Żart lub pomyłka”").click()
    expect(page.locator("#detail-message")).to_contain_text("Zmieniono status na: Żart lub pomyłka")
    assert detail(stack, coordinator, closing)["status"] == "prank_or_mistake"

    page.goto(stack.panel + f"#/r/{staying_open}")
    expect(page.locator("#detail-facts")).to_contain_text(staying_open)
    transition(page, "confirmed").click()  # not closing: no question
    expect(page.locator("#detail-message")).to_contain_text("Zmieniono status na: Potwierdzone")
    expect(dialog).to_be_hidden()


def test_the_institution_is_asked_for_only_when_handing_over(
    page: Page, stack: Stack, officer_token: str
) -> None:
    report_id = stack.submit_report("Porzucone beczki przy rzece.")
    sign_in(page, stack, officer_token, route=f"#/r/{report_id}")
    institution = page.get_by_label("Instytucja, której przekazano")
    expect(page.locator("#detail-facts")).to_contain_text("Nowe")
    expect(institution).to_be_hidden()

    transition(page, "verifying").click()
    expect(page.locator("#detail-facts")).to_contain_text("Weryfikacja")
    expect(institution).to_be_hidden()

    transition(page, "confirmed").click()
    expect(page.locator("#detail-facts")).to_contain_text("Potwierdzone")
    expect(institution).to_be_visible()
    expect(institution).to_have_attribute("required", "")
    version = detail(stack, officer_token, report_id)["status_version"]

    # Blank once invisible characters are removed: refused before asking anything.
    institution.fill("\u200b\u00a0 \ufeff")
    transition(page, "confirmed_handed_over").click()
    expect(page.locator("#detail-message")).to_contain_text("Podaj instytucję")
    expect(institution).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    assert detail(stack, officer_token, report_id)["status_version"] == version

    # Eliminating needs no institution: the field stays optional for it.
    expect(transition(page, "confirmed_eliminated")).to_be_visible()
    institution.fill("  Wojewódzki Inspektorat Ochrony Środowiska ")
    transition(page, "confirmed_handed_over").click()
    page.get_by_role("button", name="Tak, zmień").click()
    facts = page.locator("#detail-facts")
    expect(facts).to_contain_text("Przekazano do")
    expect(facts).to_contain_text("Wojewódzki Inspektorat Ochrony Środowiska")
    expect(institution).to_be_hidden()  # the report is closed: nothing to hand over
    assert detail(stack, officer_token, report_id)["handed_to"] == (
        "Wojewódzki Inspektorat Ochrony Środowiska"
    )


def test_the_audit_trail_names_each_action_and_its_author(page: Page, stack: Stack) -> None:
    coordinator = token_for(stack, "coordinator", name="Celina Koordynator")
    officer = token_for(stack, "officer", name="Olga Funkcjonariusz")
    report_id = stack.submit_report("Nietrzeźwy kierowca odjeżdża spod sklepu.")
    sign_in(page, stack, coordinator, route=f"#/r/{report_id}")
    expect(page.locator("#detail-facts")).to_contain_text(report_id)

    page.get_by_label("Przydziel funkcjonariuszowi").fill("Olga Funkcjonariusz")
    page.get_by_role("button", name="Zapisz przydział").click()
    expect(page.locator("#detail-facts")).to_contain_text("Przydzielone")
    page.get_by_label("Uwaga do zmiany").fill("Sprawdzamy nagrania.")
    transition(page, "verifying").click()
    expect(page.locator("#detail-facts")).to_contain_text("Weryfikacja")
    page.get_by_label("Nowa notatka").fill("Świadek podał numer rejestracyjny.")
    page.get_by_role("button", name="Dodaj notatkę").click()
    expect(page.locator("#notes")).to_contain_text("Świadek podał")

    entries = page.locator("#audit li")
    expect(entries).to_have_count(3)
    actions = entries.locator(".action [lang='en']")
    labels = [text.split(" / ")[0] for text in entries.locator(".action").all_inner_texts()]
    assert set(labels) <= LABELS, labels
    assert {"Przydział", "Zmiana statusu", "Notatka"} <= set(labels)
    expect(actions.first).not_to_be_empty()
    assigned = page.locator("#audit li", has_text="Przydział")
    expect(assigned).to_contain_text("Przydzielono: Olga Funkcjonariusz")
    # A coordinator sees the immutable subject beside the name.
    subject = subject_of(coordinator)
    for entry in entries.all():
        expect(entry.locator(".who")).to_contain_text("Celina Koordynator")
        expect(entry.locator(".who")).to_contain_text(subject)
    assert "status" not in labels and "create" not in " ".join(entries.all_inner_texts())
    assert violations(page) == []

    # An officer sees the names only.
    page.get_by_role("button", name="Wyloguj").click()
    sign_in(page, stack, officer, route=f"#/r/{report_id}")
    expect(page.locator("#audit li").first.locator(".who")).to_have_text("Celina Koordynator")
    expect(page.locator("#audit")).not_to_contain_text(subject)


def confirm_as_citizen(stack: Stack, report_id: str, address: str) -> int:
    request = urllib.request.Request(
        f"{stack.api}/reports/{report_id}/confirmations",
        data=b"",
        method="POST",
        headers={"X-Forwarded-For": address},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.loads(response.read())["confirmations"])


def test_the_citizens_confirmation_count_is_shown(
    page: Page, stack: Stack, officer_token: str
) -> None:
    report_id = stack.submit_report("Uszkodzona barierka na moście.", "illegal_parking")
    sign_in(page, stack, officer_token, route=f"#/r/{report_id}")
    count = page.locator("#detail-facts .confirmations")
    expect(count).to_have_text("0")

    confirm_as_citizen(stack, report_id, "192.0.2.71")
    assert confirm_as_citizen(stack, report_id, "192.0.2.72") == 2
    page.reload()
    expect(count).to_have_text("2")
    expect(page.locator("#detail-facts dt", has_text="Potwierdzenia obywateli")).to_be_visible()


def test_a_consultation_is_recorded_with_its_date_shown_as_a_date(
    page: Page, stack: Stack, officer_token: str
) -> None:
    sign_in(page, stack, officer_token)
    page.get_by_role("link", name="Zapisz zagrożenie z konsultacji").click()
    expect(page.locator("#consultation-heading")).to_be_focused()
    assert violations(page) == []  # the consultation form

    page.get_by_label("Kategoria", exact=False).last.select_option("speeding")
    page.locator("#map").click()  # a click on the map gives the point
    expect(page.get_by_label("Szerokość")).not_to_have_value("")
    page.get_by_label("Szerokość").fill(str(KRAKOW["lat"]))
    page.get_by_label("Długość").fill(str(KRAKOW["lon"]).replace(".", ","))  # a decimal comma
    page.get_by_label("Opis (opcjonalnie)").fill("Mieszkańcy: auta pędzą Aleją Pokoju nocą.")
    page.get_by_label("Miejsce spotkania").fill("Szkoła Podstawowa nr 12, debata")

    page.get_by_label("Data spotkania").fill("2099-01-01")  # the future: refused here
    page.get_by_role("button", name="Zapisz zgłoszenie").click()
    expect(page.locator("#consultation-message")).to_contain_text("nie może być w przyszłości")
    expect(page.get_by_label("Data spotkania")).to_have_attribute("aria-invalid", "true")

    # The day the clocks go back: a date is a date, whatever the offset that night.
    page.get_by_label("Data spotkania").fill("2026-10-25")
    page.get_by_role("button", name="Zapisz zgłoszenie").click()
    expect(page.locator("#detail-message")).to_contain_text("Zapisano zgłoszenie z konsultacji")
    facts = page.locator("#detail-facts")
    meeting = facts.locator("dt", has_text="Data spotkania").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(meeting).to_have_text("25.10.2026")
    expect(facts).to_contain_text("konsultacja")
    expect(facts).to_contain_text("Szkoła Podstawowa nr 12, debata")
    report_id = page.url.rsplit("/", 1)[1]
    stored = detail(stack, officer_token, report_id)
    assert stored["meeting_date"] == "2026-10-25"
    assert (stored["lat"], stored["lon"]) == (KRAKOW["lat"], KRAKOW["lon"])
    audit = page.locator("#audit li").first.locator(".action")
    expect(audit).to_have_text(re.compile(r"^Zapis z konsultacji / "))
    expect(page.locator(f'#report-list li[data-id="{report_id}"]')).to_be_visible()
