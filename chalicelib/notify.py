"""Telling officers: SMS and e-mail texts for a new report, and their fan-out through SNS.

The texts are built by plain functions. One SNS publish per report goes to the
unit's topic with a JSON message structure (its own text for SMS, e-mail and
SQS) and message attributes that subscriptions filter on.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote

from chalicelib import categories, statuses
from chalicelib.limits import WARSAW

EVENT_REPORT_CREATED = "report_created"
SMS_LIMIT = 160  # one GSM-7 segment
# Keyed by the time-of-day codes (chalicelib/statuses.py); a sentence's adverbs, not names.
TIMES_OF_DAY_PL = {"morning": "rano", "day": "w dzień", "evening": "wieczorem", "night": "w nocy"}
DAYS_PL = {
    "mon": "pon.",
    "tue": "wt.",
    "wed": "śr.",
    "thu": "czw.",
    "fri": "pt.",
    "sat": "sob.",
    "sun": "niedz.",
}

# GSM 03.38: the basic character set, and the extension set (each costs two units).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
# Polish letters NFKD does not decompose to ASCII.
TRANSLITERATION = str.maketrans({"ł": "l", "Ł": "L"})


def to_gsm7(text: str) -> str:
    """Polish text in the GSM-7 alphabet, so an SMS keeps 160 characters, not 70."""
    text = text.translate(TRANSLITERATION)
    out = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
        out.append(base if base and all(c in GSM7_BASIC for c in base) else "?")
    return "".join(out)


def to_ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.translate(TRANSLITERATION))
    return "".join(ch for ch in plain.encode("ascii", "ignore").decode("ascii") if ch.isprintable())


def gsm7_length(text: str) -> int:
    """Septets the text needs; None of the characters may be outside GSM-7."""
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


@dataclass(frozen=True)
class Notification:
    report_id: str
    event: str
    topic_unit: str
    sms: str
    email_subject: str
    email_body: str
    attributes: dict[str, str]

    def sns_message(self) -> str:
        """A MessageStructure=json message: each protocol gets its own text."""
        inbox = {"sms": self.sms, "email": {"subject": self.email_subject, "body": self.email_body}}
        return json.dumps(
            {
                "default": self.email_body,
                "sms": self.sms,
                "email": self.email_body,
                "sqs": json.dumps(inbox, ensure_ascii=False),
            },
            ensure_ascii=False,
        )


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (Decimal, int, float, str)) else float("nan")


def _when(report: Mapping[str, Any]) -> str:
    parts = []
    if report.get("occurred_at"):
        moment = datetime.fromisoformat(str(report["occurred_at"]).replace("Z", "+00:00"))
        parts.append(moment.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M"))
    if report.get("time_of_day"):
        time = statuses.stored_time(str(report["time_of_day"])) or ""
        parts.append(TIMES_OF_DAY_PL.get(time, time))
    if report.get("days_of_week"):
        parts.append(", ".join(DAYS_PL.get(str(d), str(d)) for d in report["days_of_week"]))
    return "; ".join(parts) or "nie podano"


def _place(report: Mapping[str, Any]) -> str:
    """The powiat as an officer says it: a city by name, a county as 'pow. X'."""
    name = str(report.get("powiat_name") or report.get("teryt") or "")
    return name if name[:1].isupper() else f"pow. {name}"


def report_link(panel_url: str, report_id: str) -> str:
    return f"{panel_url.rstrip('/')}/#/r/{quote(report_id)}"


def sms_text(report: Mapping[str, Any], panel_url: str) -> str:
    """What, where and a link, in one GSM-7 segment: the category is shortened if need be."""
    category = categories.get(str(report["category"]))
    what = category.name_pl if category else str(report["category"])
    link = report_link(panel_url, str(report["id"]))
    where = to_gsm7(_place(report))[:40]
    fixed = f"KMZB nowe: , {where}. {link}"
    room = SMS_LIMIT - gsm7_length(to_gsm7(fixed))
    what = to_gsm7(what)
    if gsm7_length(what) > room:
        what = what[: max(room - 1, 0)] + "."
    return to_gsm7(f"KMZB nowe: {what}, {where}. {link}")


def verification_deadline(created_at: datetime, days: int) -> datetime:
    return created_at + timedelta(days=days)


def email_texts(
    report: Mapping[str, Any], panel_url: str, take_up_days: int, verify_days: int
) -> tuple[str, str]:
    """Subject and plain-text body of the e-mail to the unit's officers."""
    category = categories.get(str(report["category"]))
    what = category.name_pl if category else str(report["category"])
    lat, lon = _number(report["lat"]), _number(report["lon"])
    created = datetime.fromisoformat(str(report["created_at"]).replace("Z", "+00:00"))
    local = created.astimezone(WARSAW)
    take_up = verification_deadline(local, take_up_days)
    verified = verification_deadline(local, verify_days)
    place = _place(report)
    description = str(report.get("description") or "").strip() or "(brak opisu)"
    # SNS takes only ASCII e-mail subjects under 100 characters.
    subject = to_ascii(f"KMZB: nowe zgloszenie - {what} - {place}")[:99]
    body = "\n".join(
        [
            f"Nowe zgłoszenie na Krajowej Mapie Zagrożeń Bezpieczeństwa dla jednostki "
            f"{report.get('unit_name', report.get('unit_id', ''))}.",
            "",
            f"Kategoria: {what}",
            f"Miejsce: {place} (TERYT {report.get('teryt', '')}), {lat:.6f}, {lon:.6f}",
            f"Mapa: https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
            f"#map=17/{lat:.6f}/{lon:.6f}",
            f"Kiedy występuje: {_when(report)}",
            f"Przyjęto: {local:%d.%m.%Y %H:%M}",
            "",
            "Opis zgłaszającego (tekst, bez formatowania):",
            description,
            "",
            f"Termin podjęcia weryfikacji: {take_up:%d.%m.%Y %H:%M}",
            f"Termin zakończenia weryfikacji: {verified:%d.%m.%Y %H:%M}",
            f"Zgłoszenie w panelu: {report_link(panel_url, str(report['id']))}",
            "",
            "Wiadomość wysłana automatycznie. Numer zgłoszenia: " + str(report["id"]),
        ]
    )
    return subject, body


def notification_for_new_report(
    report: Mapping[str, Any], panel_url: str, take_up_days: int = 3, verify_days: int = 7
) -> Notification:
    subject, body = email_texts(report, panel_url, take_up_days, verify_days)
    return Notification(
        report_id=str(report["id"]),
        event=EVENT_REPORT_CREATED,
        topic_unit=str(report["unit_id"]),
        sms=sms_text(report, panel_url),
        email_subject=subject,
        email_body=body,
        attributes={
            "garrison": str(report["garrison"]),
            "unit": str(report["unit_id"]),
            "category": str(report["category"]),
            "event": EVENT_REPORT_CREATED,
        },
    )


def notification_for_stream_record(
    event_name: str | None,
    new_image: Mapping[str, Any],
    panel_url: str,
    take_up_days: int = 3,
    verify_days: int = 7,
) -> Notification | None:
    """The notification a change of the reports table calls for, if any."""
    if event_name == "INSERT" and new_image.get("id") and new_image.get("unit_id"):
        return notification_for_new_report(new_image, panel_url, take_up_days, verify_days)
    return None


class Publisher(Protocol):
    def publish(self, notification: Notification) -> str: ...
