import json
from typing import Any

import pytest

from chalicelib import categories
from chalicelib.notify import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SMS_LIMIT,
    gsm7_length,
    notification_for_new_report,
    notification_for_stream_record,
    sms_text,
    to_gsm7,
)

PANEL = "https://kmzb.malopolska.policja.gov.pl/officer/"
REPORT: dict[str, Any] = {
    "id": "01M8391HABHMFPPF9E8Y8DC633",
    "category": "speeding",
    "lat": 50.0614,
    "lon": 19.9366,
    "teryt": "1261",
    "powiat_name": "Kraków",
    "unit_id": "kmp-1261",
    "unit_name": "Komenda Miejska Policji (Kraków)",
    "garrison": "malopolskie",
    "status": "new",
    "created_at": "2026-06-10T10:00:00.000Z",
    "description": "Auta pędzą <script>alert(1)</script>\nwieczorami",
    "time_of_day": "evening",
    "days_of_week": ["fri", "sat"],
}


def test_polish_letters_become_gsm7_so_an_sms_keeps_160_characters() -> None:
    assert to_gsm7("Zażółć gęślą jaźń ŁÓDŹ") == "Zazolc gesla jazn LODZ"
    assert to_gsm7("emoji 🚓") == "emoji ?"


@pytest.mark.parametrize("category", [c.code for c in categories.CATEGORIES])
@pytest.mark.parametrize(
    "place",
    ["Kraków", "nowodworski", "Świętochłowice", "Jastrzębie-Zdrój", "kędzierzyńsko-kozielski"],
)
def test_every_sms_fits_one_gsm7_segment_and_links_to_the_report(category: str, place: str) -> None:
    text = sms_text({**REPORT, "category": category, "powiat_name": place}, PANEL)
    assert gsm7_length(text) <= SMS_LIMIT
    assert all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    assert text.endswith(f"{PANEL}#/r/{REPORT['id']}")
    assert to_gsm7(place) in text


def test_the_email_says_what_where_when_and_by_when_with_the_description_as_text() -> None:
    notification = notification_for_new_report(REPORT, PANEL)
    subject, body = notification.email_subject, notification.email_body
    assert subject.isascii() and len(subject) < 100  # SNS's rule for e-mail subjects
    assert "Przekraczanie dozwolonej predkosci" in subject and "Krakow" in subject
    assert "Kategoria: Przekraczanie dozwolonej prędkości" in body
    assert "Kraków (TERYT 1261), 50.061400, 19.936600" in body
    assert "openstreetmap.org/?mlat=50.061400&mlon=19.936600" in body
    assert "wieczorem; pt., sob." in body
    assert "Auta pędzą <script>alert(1)</script>\nwieczorami" in body  # verbatim, plain text
    assert "Przyjęto: 10.06.2026 12:00" in body  # Warsaw time
    assert "Termin podjęcia weryfikacji: 13.06.2026 12:00" in body
    assert "Termin zakończenia weryfikacji: 17.06.2026 12:00" in body
    assert f"{PANEL}#/r/{REPORT['id']}" in body


def test_a_land_county_is_named_as_a_powiat() -> None:
    body = notification_for_new_report({**REPORT, "powiat_name": "wielicki"}, PANEL).email_body
    assert "Miejsce: pow. wielicki" in body


def test_the_sns_message_gives_each_protocol_its_text_and_filterable_attributes() -> None:
    notification = notification_for_new_report(REPORT, PANEL)
    assert notification.attributes == {
        "garrison": "malopolskie",
        "unit": "kmp-1261",
        "category": "speeding",
        "event": "report_created",
    }
    message = json.loads(notification.sns_message())
    assert message["sms"] == notification.sms
    assert message["email"] == notification.email_body
    assert json.loads(message["sqs"])["sms"] == notification.sms


def test_only_new_reports_notify() -> None:
    assert notification_for_stream_record("INSERT", REPORT, PANEL) is not None
    assert notification_for_stream_record("MODIFY", REPORT, PANEL) is None
    assert notification_for_stream_record("REMOVE", {}, PANEL) is None
