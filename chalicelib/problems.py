"""HTTP at the edge: the one table of refusals and the RFC 9457 problem documents made from it.

Every error answer of the API, the local API server and the local site server is built here
(`render`): `Content-Type: application/problem+json` and

    {"type": "https://kmzb.policja.gov.pl/problems/<code>", "title", "status", "detail",
     "instance": <the request path, no query>, "code", "message" (Polish), "message_en",
     "error": {"code", "message", "message_en"},   # deprecated: removed in release 3
     ...extras (e.g. "current" on a 409)}

`title` and `detail` are in the language `Accept-Language` prefers (`language`: Polish unless
English is preferred); `message` and `message_en` are always both there. `PROBLEMS` maps every
code to its status, titles and messages (str.format templates over the error's values).
Imports nothing but chalicelib.errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

from chalicelib.errors import DomainError, Refused

TYPE_BASE = "https://kmzb.policja.gov.pl/problems/"
MEDIA_TYPE = "application/problem+json"
LANGUAGES = ("pl", "en")  # the first is the default


@dataclass(frozen=True)
class Problem:
    """One code: its HTTP status, its title in each language and its messages, by variant
    ("" the default), as (Polish, English) str.format templates. `statuses` gives the variants
    answered with another status (kept from release 1, where clients rely on them)."""

    status: int
    title: tuple[str, str]
    messages: Mapping[str, tuple[str, str]]
    statuses: Mapping[str, int] = field(default_factory=dict)


def _one(status: int, title: tuple[str, str], pl: str, en: str) -> Problem:
    return Problem(status, title, {"": (pl, en)})


_FIELD_TYPE = (
    "Pole „{name}” ma zły typ: oczekiwano ",
    "Field '{name}' has the wrong type: expected ",
)
_TOKEN_SCOPE = (
    "Twój token nie uprawnia do tej instancji: ",
    "Your token gives no access to this deployment: ",
)
_ROLE = ("Twoja rola ({role}) nie pozwala ", "Your role ({role}) may not ")

PROBLEMS: dict[str, Problem] = {
    # --- the request itself ------------------------------------------------------------
    "malformed_json": _one(
        400,
        ("Nieprawidłowy JSON", "Malformed JSON"),
        "Treść żądania nie jest poprawnym dokumentem JSON (UTF-8).",
        "The request body is not a valid JSON document (UTF-8).",
    ),
    "duplicate_key": _one(
        400,
        ("Powtórzony klucz JSON", "Repeated JSON key"),
        "Klucz {key} występuje w obiekcie JSON więcej niż raz.",
        "The key {key} appears more than once in a JSON object.",
    ),
    "malformed_body": _one(
        400,
        ("Nieczytelna treść żądania", "Malformed request body"),
        "Nieczytelna treść żądania.",
        "The request body is malformed.",
    ),
    "body_not_object": _one(
        400,
        ("Treść nie jest obiektem JSON", "Body is not a JSON object"),
        "Treść żądania musi być obiektem JSON.",
        "The request body must be a JSON object.",
    ),
    "body_too_large": Problem(
        413,
        ("Za duża treść żądania", "Request body too large"),
        {
            "": (
                "Treść żądania może mieć najwyżej {max_kib} KiB.",
                "The request body may be at most {max_kib} KiB.",
            ),
            "gateway": ("Treść jest za duża.", "Too large."),
        },
    ),
    "unsupported_media_type": _one(
        415,
        ("Nieobsługiwany typ treści", "Unsupported media type"),
        "Treść żądania musi być w formacie JSON (Content-Type: application/json).",
        "The request body must be JSON (Content-Type: application/json).",
    ),
    "unsupported_content_encoding": _one(
        415,
        ("Nieobsługiwane kodowanie treści", "Unsupported content encoding"),
        "Treść żądania nie może być kompresowana (Content-Encoding).",
        "The request body must not be compressed (Content-Encoding).",
    ),
    "invalid_idempotency_key": _one(
        400,
        ("Nieprawidłowy klucz Idempotency-Key", "Invalid Idempotency-Key"),
        "Nagłówek Idempotency-Key musi mieć od 1 do 255 drukowalnych znaków ASCII.",
        "The Idempotency-Key header must have 1 to 255 printable ASCII characters.",
    ),
    "method_not_allowed": _one(
        405,
        ("Nieobsługiwana metoda", "Method not allowed"),
        "Nieobsługiwana metoda: {method}.",
        "Unsupported method: {method}.",
    ),
    "unsupported_request": _one(
        400,
        ("Nieobsługiwane żądanie", "Unsupported request"),
        "Nieobsługiwane żądanie.",
        "Unsupported request: {reason}",
    ),
    # --- query parameters --------------------------------------------------------------
    "unknown_parameter": _one(
        400,
        ("Nieznany parametr", "Unknown parameter"),
        "Nieznany parametr: {names}.",
        "Unknown parameter: {names}.",
    ),
    "duplicate_parameter": _one(
        400,
        ("Powtórzony parametr", "Repeated parameter"),
        "Parametr podany więcej niż raz: {names}.",
        "A parameter given more than once: {names}.",
    ),
    "empty_parameter": _one(
        400,
        ("Parametr bez wartości", "Parameter without a value"),
        "Parametr bez wartości: {names}.",
        "A parameter without a value: {names}.",
    ),
    "invalid_cursor": _one(
        400,
        ("Nieprawidłowy kursor", "Invalid cursor"),
        "Nieprawidłowy kursor stronicowania: użyj „next_cursor” z odpowiedzi na to samo zapytanie.",
        "Invalid page cursor: use the 'next_cursor' of an answer to the same query.",
    ),
    "invalid_range": _one(
        400,
        ("Nieprawidłowy zakres dat", "Invalid date range"),
        "Data „from” jest późniejsza niż „to”.",
        "The 'from' date is later than the 'to' date.",
    ),
    "unit_required": _one(
        400,
        ("Wybierz jednostkę", "Choose a unit"),
        "Administrator wybiera jednostkę parametrem „unit”.",
        "An admin chooses a unit with the 'unit' parameter.",
    ),
    "unknown_unit": _one(
        400, ("Nieznana jednostka", "Unknown unit"), "Nieznana jednostka.", "Unknown unit."
    ),
    # --- fields and values -------------------------------------------------------------
    "unknown_field": _one(
        422,
        ("Nieznane pole", "Unknown field"),
        "Nieznane pole: {names}.",
        "Unknown field: {names}.",
    ),
    "missing_field": Problem(
        422,
        ("Brak wymaganego pola", "Missing field"),
        {
            "": ("Brak wymaganego pola „{name}”.", "The required field '{name}' is missing."),
            "parameter": (
                "Brak wymaganego parametru „{name}”.",
                "The required parameter '{name}' is missing.",
            ),
            "blank": (
                "Pole „{name}” jest wymagane i nie może być puste.",
                "Field '{name}' is required and cannot be blank.",
            ),
            "meeting": (
                "Podaj datę i miejsce spotkania lub debaty.",
                "Give the date and place of the meeting or debate.",
            ),
        },
    ),
    "wrong_type": Problem(
        400,
        ("Zły typ wartości", "Wrong type"),
        {
            "": (_FIELD_TYPE[0] + "innego typu.", _FIELD_TYPE[1] + "another type."),
            "string": (_FIELD_TYPE[0] + "tekstu.", _FIELD_TYPE[1] + "a string."),
            "number": (_FIELD_TYPE[0] + "liczby.", _FIELD_TYPE[1] + "a number."),
            "integer": (
                _FIELD_TYPE[0] + "liczby całkowitej (wersji zgłoszenia).",
                _FIELD_TYPE[1] + "an integer.",
            ),
            "list_of_strings": (
                _FIELD_TYPE[0] + "listy tekstów.",
                _FIELD_TYPE[1] + "a list of strings.",
            ),
            "date_string": (
                _FIELD_TYPE[0] + "tekstu (daty RRRR-MM-DD).",
                _FIELD_TYPE[1] + "a string (YYYY-MM-DD).",
            ),
            "parameter_number": (
                "Parametr „{name}” musi być liczbą.",
                "Parameter '{name}' must be a number.",
            ),
            "parameter_date": (
                "Parametr „{name}” musi być datą RRRR-MM-DD.",
                "Parameter '{name}' must be a date YYYY-MM-DD.",
            ),
            "parameter_value": (
                "Parametr „{name}” ma niedozwoloną wartość.",
                "Parameter '{name}' has a value that is not allowed.",
            ),
            "parameter_unit": (
                "Parametr „unit” musi być identyfikatorem jednostki lub kodem TERYT.",
                "Parameter 'unit' must be a unit id or a TERYT code.",
            ),
            "parameter_limit": (
                "Parametr „limit” musi być liczbą całkowitą od 1 do {max_page}.",
                "Parameter 'limit' must be a whole number from 1 to {max_page}.",
            ),
            "parameter_boolean": (
                "Parametr „{name}” przyjmuje wartość true lub false.",
                "Parameter '{name}' takes the value true or false.",
            ),
        },
    ),
    "out_of_range": Problem(
        400,
        ("Wartość poza zakresem", "Value out of range"),
        {
            "": (
                "Pole „{name}” musi być liczbą od 1 do {maximum}.",
                "Field '{name}' must be a number from 1 to {maximum}.",
            ),
            "parameter_date": (
                "Parametr „{name}” musi być datą od {first} do {last}.",
                "Parameter '{name}' must be a date from {first} to {last}.",
            ),
            "date": (
                "Pole „{name}” musi być datą od {first} do {last}.",
                "Field '{name}' must be a date from {first} to {last}.",
            ),
        },
        statuses={"date": 422},
    ),
    "invalid_date": _one(
        422,
        ("Nieprawidłowa data", "Invalid date"),
        "Pole „{name}” musi być datą RRRR-MM-DD.",
        "Field '{name}' must be a date YYYY-MM-DD.",
    ),
    "invalid_characters": Problem(
        422,
        ("Niedozwolone znaki", "Characters not allowed"),
        {
            "": (
                "Opis zawiera niedozwolone znaki sterujące (np. kierunkiem tekstu).",
                "The description contains control characters (e.g. bidi) that are not allowed.",
            ),
            "field": (
                "Pole „{name}” zawiera niedozwolone znaki sterujące (np. kierunkiem tekstu).",
                "Field '{name}' contains control characters (e.g. bidi) that are not allowed.",
            ),
        },
    ),
    "description_too_long": _one(
        422,
        ("Za długi opis", "Description too long"),
        "Opis może mieć najwyżej {limit} znaków (ma {length}).",
        "The description may have at most {limit} characters (it has {length}).",
    ),
    "too_long": _one(
        422,
        ("Za długi tekst", "Text too long"),
        "Pole „{name}” może mieć najwyżej {limit} znaków (ma {length}).",
        "Field '{name}' may have at most {limit} characters (it has {length}).",
    ),
    "unknown_category": Problem(
        422,
        ("Nieznana kategoria", "Unknown category"),
        {
            "": (
                "Nieznana kategoria zagrożenia. Listę podaje GET /v1/categories.",
                "Unknown threat category. GET /v1/categories lists them.",
            ),
            "short": ("Nieznana kategoria.", "Unknown category."),
            "parameter": ("Nieznana kategoria.", "Unknown category."),
        },
        statuses={"parameter": 400},
    ),
    "inactive_category": _one(
        422,
        ("Kategoria niedostępna", "Category not available"),
        "Kategorii „{name}” nie można teraz wybrać.",
        "The category '{name}' cannot be chosen now.",
    ),
    "unknown_status": Problem(
        422,
        ("Nieznany status", "Unknown status"),
        {
            "": (
                "Nieznany status „{status}”. Statusy: GET /v1/statuses.",
                "Unknown status '{status}'. The statuses: GET /v1/statuses.",
            ),
            "parameter": (
                "Nieznany status. Statusy: GET /v1/statuses.",
                "Unknown status. The statuses: GET /v1/statuses.",
            ),
        },
        statuses={"parameter": 400},
    ),
    "invalid_time_of_day": _one(
        422,
        ("Nieprawidłowa pora dnia", "Invalid time of day"),
        "Pole „time_of_day” musi mieć jedną z wartości: {allowed}.",
        "Field 'time_of_day' must be one of: {allowed}.",
    ),
    "invalid_days_of_week": _one(
        422,
        ("Nieprawidłowe dni tygodnia", "Invalid days of the week"),
        "Pole „days_of_week” może zawierać tylko: {allowed}.",
        "Field 'days_of_week' may only contain: {allowed}.",
    ),
    "invalid_datetime": Problem(
        422,
        ("Nieprawidłowa data i godzina", "Invalid date and time"),
        {
            "": (
                "Pole „occurred_at” musi być datą i godziną w formacie ISO 8601, "
                "np. 2026-07-01T18:30:00+02:00.",
                "Field 'occurred_at' must be a date and time in ISO 8601 format, "
                "e.g. 2026-07-01T18:30:00+02:00.",
            ),
            "too_early": (
                "Data zdarzenia jest zbyt odległa.",
                "The time of the event is too far in the past.",
            ),
        },
    ),
    "datetime_without_timezone": _one(
        422,
        ("Brak przesunięcia czasu", "No UTC offset"),
        "Pole „occurred_at” musi zawierać przesunięcie czasu obowiązujące wtedy w Polsce, "
        "np. 2026-07-01T18:30:00+02:00 (czas letni) lub 2026-01-15T18:30:00+01:00 (zimowy).",
        "Field 'occurred_at' must include the UTC offset in force in Poland then, e.g. "
        "2026-07-01T18:30:00+02:00 (summer time) or 2026-01-15T18:30:00+01:00 (winter).",
    ),
    "wrong_utc_offset": _one(
        422,
        ("Nieprawidłowe przesunięcie czasu", "Wrong UTC offset"),
        "W tym momencie w Polsce obowiązywało przesunięcie {expected}, nie {given}: "
        "podaj czas z przesunięciem {expected} albo w UTC (Z).",
        "At that moment the offset in force in Poland was {expected}, not {given}: "
        "give the time with {expected} or in UTC (Z).",
    ),
    "occurred_in_future": _one(
        422,
        ("Data w przyszłości", "Time in the future"),
        "Data zdarzenia nie może być w przyszłości.",
        "The time of the event cannot be in the future.",
    ),
    "meeting_in_future": _one(
        422,
        ("Data w przyszłości", "Date in the future"),
        "Data spotkania nie może być w przyszłości.",
        "The meeting cannot be in the future.",
    ),
    "institution_required": _one(
        422,
        ("Brak instytucji", "Institution required"),
        "Podaj instytucję, której przekazano sprawę.",
        "Name the institution the matter was handed to.",
    ),
    "idempotency_key_reused": _one(
        422,
        ("Klucz Idempotency-Key już użyty", "Idempotency-Key reused"),
        "Ten klucz Idempotency-Key użyto już z inną treścią zgłoszenia.",
        "This Idempotency-Key was already used with a different report.",
    ),
    # --- places ------------------------------------------------------------------------
    "invalid_coordinates": _one(
        422,
        ("Nieprawidłowe współrzędne", "Invalid coordinates"),
        "Pole „{name}” musi być liczbą od {low:g} do {high:g}.",
        "Field '{name}' must be a number from {low:g} to {high:g}.",
    ),
    "outside_poland": _one(
        422,
        ("Punkt poza Polską", "Point outside Poland"),
        "Punkt leży poza granicami Polski. Zgłoszenia przyjmujemy tylko z terenu Polski.",
        "The point lies outside Poland. Only places in Poland can be reported.",
    ),
    "on_water": _one(
        422,
        ("Punkt na wodach morskich", "Point on sea waters"),
        "Punkt leży na polskich wodach morskich (zatoka lub morze terytorialne), z dala od "
        "brzegu. Przyjmujemy tu tylko zgłoszenia kategorii dotyczących wody: {names}.",
        "The point lies on Polish sea waters (a bay or the territorial sea), away from the "
        "shore. Only categories about water can be reported here: {names}.",
    ),
    "outside_deployment": _one(
        422,
        ("Punkt obsługuje inna instancja", "Point served elsewhere"),
        "Ten punkt obsługuje {headquarters} (garnizon {garrison}), nie ta instancja mapy.",
        "This point is served by {headquarters} (garrison {garrison}), not by this deployment.",
    ),
    "outside_unit": _one(
        422,
        ("Punkt poza jednostką", "Point outside the unit"),
        "Ten punkt obsługuje {unit}, nie Twoja jednostka.",
        "This point is served by {unit}, not your unit.",
    ),
    # --- reports and their state -------------------------------------------------------
    "not_found": Problem(
        404,
        ("Nie znaleziono", "Not found"),
        {
            "": ("Nie znaleziono.", "Not found."),
            "gateway": ("Nie ma takiego zasobu.", "Not found."),
        },
    ),
    "conflict": Problem(
        409,
        ("Konflikt ze stanem zgłoszenia", "Conflict with the report's state"),
        {
            "stale": (
                "Zgłoszenie zmienił w międzyczasie ktoś inny. Sprawdź jego obecny stan.",
                "Someone else changed the report meanwhile. Check its current state.",
            ),
            "transition": (
                "Nie można zmienić statusu z „{from_status}” na „{to_status}”.",
                "A report cannot go from '{from_status}' to '{to_status}'.",
            ),
            "duplicate_from": (
                "Zgłoszenia o statusie „{status}” nie można oznaczyć jako duplikat.",
                "A report in status '{status}' cannot be marked as a duplicate.",
            ),
            "assign_closed": (
                "Zgłoszenie jest zamknięte („{status}”): nie przydziela się go.",
                "The report is closed ('{status}'): it cannot be assigned.",
            ),
        },
    ),
    "self_duplicate": _one(
        422,
        ("Duplikat samego siebie", "Duplicate of itself"),
        "Zgłoszenie nie może być duplikatem samego siebie.",
        "A report cannot duplicate itself.",
    ),
    "unknown_original": _one(
        422,
        ("Brak zgłoszenia pierwotnego", "No such original"),
        "Nie ma zgłoszenia, którego to miałoby być duplikatem.",
        "There is no such original report.",
    ),
    "original_closed": _one(
        422,
        ("Zgłoszenie pierwotne zamknięte", "Original closed"),
        "Zgłoszenie {report_id} jest zamknięte („{status}”): duplikat musi wskazywać otwarte "
        "zgłoszenie.",
        "Report {report_id} is closed ('{status}'): a duplicate must point to an open report.",
    ),
    "duplicate_cycle": _one(
        422,
        ("Cykl duplikatów", "Duplicate cycle"),
        "Zgłoszenie {report_id} samo prowadzi do tego zgłoszenia: duplikaty nie mogą tworzyć "
        "cyklu.",
        "Report {report_id} itself leads back to this one: duplicates cannot form a cycle.",
    ),
    "report_closed": _one(
        409,
        ("Zgłoszenie zamknięte", "Report closed"),
        "To zgłoszenie jest już zamknięte; nie można go potwierdzić.",
        "This report is already closed; it cannot be confirmed.",
    ),
    "already_confirmed": _one(
        409,
        ("Już potwierdzone", "Already confirmed"),
        "To zgłoszenie zostało już potwierdzone z Twojego adresu internetowego (IP).",
        "This report was already confirmed from your internet (IP) address.",
    ),
    "own_report": _one(
        409,
        ("Własne zgłoszenie", "Own report"),
        "To Twoje zgłoszenie (z tego samego adresu internetowego): potwierdzić mogą je inni.",
        "This is your own report (from the same internet address): others may confirm it.",
    ),
    # --- limits ------------------------------------------------------------------------
    "daily_limit": _one(
        429,
        ("Dzienny limit zgłoszeń", "Daily report limit"),
        "Z Twojego adresu internetowego (IP) wysłano już dzisiaj zgłoszenie: limit to jedno "
        "zgłoszenie dziennie z jednego adresu IP (dla IPv6 z jednej sieci /64), wspólny dla "
        "wszystkich urządzeń na tym łączu. Kolejne możesz wysłać po północy czasu polskiego "
        "(za {hours} godz. {minutes} min). W nagłych sytuacjach dzwoń pod 112.",
        "A report has already been sent today from your internet (IP) address: the limit is "
        "one report a day per IP address (for IPv6 per /64 network), shared by every device "
        "on that connection. You can send another after midnight, Polish time "
        "(in {hours} h {minutes} min). In an emergency call 112.",
    ),
    "daily_confirmation_limit": _one(
        429,
        ("Dzienny limit potwierdzeń", "Daily confirmation limit"),
        "Dzisiaj można potwierdzić najwyżej {limit} zgłoszeń. Spróbuj jutro.",
        "At most {limit} reports can be confirmed a day. Try again tomorrow.",
    ),
    # WAF's answer past the per-address rate rule (infra/protection.py); WAF can only label it
    # application/json.
    "rate_limited": _one(
        429,
        ("Zbyt wiele zgłoszeń", "Too many reports"),
        "Zbyt wiele zgłoszeń z tego adresu, spróbuj ponownie za kilka minut.",
        "Too many reports from this address; try again in a few minutes.",
    ),
    "throttled": _one(
        429,
        ("Zbyt wiele żądań", "Too many requests"),
        "Zbyt wiele żądań, spróbuj później.",
        "Too many requests.",
    ),
    # --- officers ----------------------------------------------------------------------
    "unauthorized": Problem(
        401,
        ("Wymagane zalogowanie", "Sign-in required"),
        {
            "": (
                "Zaloguj się ponownie: brak ważnego tokenu.",
                "Please sign in again: no valid token.",
            ),
            # The reason is the token library's English words: never in the Polish text.
            "reason": (
                "Zaloguj się ponownie: brak ważnego tokenu.",
                "Please sign in again: no valid token ({reason}).",
            ),
            "gateway": ("Wymagane zalogowanie.", "Sign-in required."),
        },
    ),
    "forbidden": Problem(
        403,
        ("Brak dostępu", "Forbidden"),
        {
            "": (
                "To zgłoszenie należy do innej jednostki.",
                "This report belongs to another unit.",
            ),
            "unit": ("Nie masz dostępu do jednostki {unit}.", "You have no access to {unit}."),
            "unknown_garrison": (
                _TOKEN_SCOPE[0] + "nieznany garnizon „{garrison}”.",
                _TOKEN_SCOPE[1] + "unknown garrison '{garrison}'.",
            ),
            "other_deployment": (
                _TOKEN_SCOPE[0] + "garnizon „{garrison}” obsługuje inna instancja.",
                _TOKEN_SCOPE[1] + "garrison '{garrison}' is served by another deployment.",
            ),
            "unknown_unit": (
                _TOKEN_SCOPE[0] + "nieznana jednostka „{unit}”.",
                _TOKEN_SCOPE[1] + "unknown unit '{unit}'.",
            ),
            "unit_outside_garrison": (
                _TOKEN_SCOPE[0] + "jednostka {unit} nie należy do garnizonu „{garrison}”.",
                _TOKEN_SCOPE[1] + "unit {unit} does not belong to garrison '{garrison}'.",
            ),
        },
    ),
    "role_required": Problem(
        403,
        ("Niewystarczająca rola", "Role not allowed"),
        {
            "": (_ROLE[0] + "tego zrobić.", _ROLE[1] + "do this."),
            "status": (
                _ROLE[0] + "zmieniać statusów zgłoszeń.",
                _ROLE[1] + "change reports' statuses.",
            ),
            "note": (_ROLE[0] + "dodawać notatek.", _ROLE[1] + "add notes."),
            "duplicate": (_ROLE[0] + "oznaczać duplikatów.", _ROLE[1] + "mark duplicates."),
            "assign": (
                _ROLE[0] + "przydzielać zgłoszeń (tylko koordynator).",
                _ROLE[1] + "assign reports (coordinators only).",
            ),
            "consultation": (
                _ROLE[0] + "rejestrować zgłoszeń z konsultacji.",
                _ROLE[1] + "record consultations.",
            ),
            "coordinator_transition": (
                "Tę zmianę statusu może wykonać tylko koordynator.",
                "Only a coordinator may make this status change.",
            ),
        },
    ),
    "request_rejected": _one(
        403,
        ("Żądanie odrzucone", "Request rejected"),
        "Żądanie odrzucone.",
        "The request was rejected.",
    ),
    # --- the service -------------------------------------------------------------------
    "storage_unavailable": Problem(
        503,
        ("Usługa chwilowo niedostępna", "Service temporarily unavailable"),
        {
            "": (
                "Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę.",
                "The service is temporarily unavailable. Please try again shortly.",
            ),
            "outcome_unknown": (
                "Usługa chwilowo nie odpowiada i nie wiemy, czy zgłoszenie zostało zapisane: "
                "mogło zostać przyjęte. Ponów wysłanie z tym samym nagłówkiem Idempotency-Key: "
                "jeśli zgłoszenie zapisano, otrzymasz jego potwierdzenie. Ponowienie bez tego "
                "klucza może zostać odrzucone jako drugie zgłoszenie dzisiaj.",
                "The service did not answer and we do not know whether the report was stored: "
                "it may have been. Retry with the same Idempotency-Key header: if it was "
                "stored, you get its receipt. A retry without that key may be refused as a "
                "second report today.",
            ),
        },
    ),
    "service_unavailable": _one(
        500,
        ("Usługa chwilowo niedostępna", "Service unavailable"),
        "Usługa chwilowo niedostępna.",
        "Unavailable.",
    ),
    "internal_error": _one(
        500,
        ("Błąd serwera", "Internal error"),
        "Wystąpił nieoczekiwany błąd. Spróbuj ponownie później.",
        "An unexpected error occurred. Please try again later.",
    ),
}

STORAGE_RETRY_AFTER_S = 5  # a 503's Retry-After: DynamoDB usually answers again within it


# --- Accept-Language (RFC 9110, section 12.5.4) ----------------------------------------

_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*", re.ASCII)
_WEIGHT = re.compile(r"[qQ][ \t]*=[ \t]*(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)", re.ASCII)
MAX_ACCEPT_LANGUAGE = 1024


def language(accept_language: str | None) -> str:
    """ "pl" or "en": the one `accept_language` weighs highest ("en", "en-GB", ... are English;
    "*" is the default, Polish); a tie goes to the one listed first. A member that is not a
    language range with at most a valid q-value (`q=0` to `q=1`, three decimals) is ignored;
    an absent, empty or wholly malformed header, or one naming neither, is Polish."""
    if not accept_language or len(accept_language) > MAX_ACCEPT_LANGUAGE:
        return LANGUAGES[0]
    best, best_weight = LANGUAGES[0], 0.0
    for member in accept_language.split(","):
        tag, *parameters = (part.strip(" \t") for part in member.split(";"))
        if not _RANGE.fullmatch(tag) or len(parameters) > 1:
            continue
        weight = 1.0
        if parameters:
            match = _WEIGHT.fullmatch(parameters[0])
            if match is None:
                continue
            weight = float(match[1])
        primary = tag.split("-", 1)[0].lower()
        chosen = LANGUAGES[0] if primary == "*" else primary
        if chosen in LANGUAGES and weight > best_weight:
            best, best_weight = chosen, weight
    return best


# --- rendering -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemResponse:
    """An error answer, independent of the server that sends it."""

    status: int
    headers: dict[str, str]
    body: dict[str, Any]

    def payload(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def _row(error: DomainError) -> Problem:
    return PROBLEMS.get(error.code) or PROBLEMS["internal_error"]


def status_of(error: DomainError) -> int:
    """The HTTP status of `error` (500 for a code the table does not know)."""
    if error.code not in PROBLEMS:
        return 500
    row = PROBLEMS[error.code]
    return row.statuses.get(error.variant, row.status)


def _values(values: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The values as `lang`'s message names them: `x_pl` is `x` in Polish, `x_en` in English."""
    plain = {k: v for k, v in values.items() if k[-3:] not in ("_pl", "_en")}
    suffix = f"_{lang}"
    return {**plain, **{k[:-3]: v for k, v in values.items() if k.endswith(suffix)}}


def message_of(error: DomainError, lang: str) -> str:
    """`error`'s message in `lang` ("pl" or "en"); its title when a value is missing (a bug
    in the raising code must not become a 500 of its own)."""
    row = _row(error)
    index = LANGUAGES.index(lang)
    templates = row.messages.get(error.variant) or row.messages.get("") or row.title
    try:
        return templates[index].format_map(_values(error.values, lang))
    except (KeyError, IndexError, ValueError, TypeError):
        return row.title[index] + "."


def template_fields(template: str) -> set[str]:
    """The value names a message template uses."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def render(
    error: DomainError,
    *,
    instance: str | None = None,
    accept_language: str | None = None,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """The problem document for `error`. `instance` is the request's path (no query: it may
    hold a tracking token); `status` overrides the table's (an answer relayed from elsewhere);
    `headers` are added (e.g. `Allow`). A `retry_after` value (seconds) is `Retry-After`."""
    row = _row(error)
    code = error.code if error.code in PROBLEMS else "internal_error"
    lang = language(accept_language)
    index = LANGUAGES.index(lang)
    polish, english = message_of(error, "pl"), message_of(error, "en")
    answer = status if status is not None else status_of(error)
    body: dict[str, Any] = {key: value for key, value in error.extra.items()}
    body.update(
        {
            "type": TYPE_BASE + code,
            "title": row.title[index],
            "status": answer,
            "detail": (polish, english)[index],
            **({"instance": instance} if instance else {}),
            "code": code,
            "message": polish,
            "message_en": english,
            # Deprecated (release 2): the same three members, as release 1 answered them.
            "error": {"code": code, "message": polish, "message_en": english},
        }
    )
    response_headers = {
        "Content-Type": MEDIA_TYPE,
        "Content-Language": lang,
        "Vary": "Accept-Language",
        "Cache-Control": "no-store",
    }
    if answer == 401:
        # RFC 6750 §3: a 401 names the scheme; a token that was sent and refused is
        # `invalid_token`.
        response_headers["WWW-Authenticate"] = (
            'Bearer realm="kmzb", error="invalid_token"'
            if error.variant == "reason"
            else 'Bearer realm="kmzb"'
        )
    retry_after = error.values.get("retry_after")
    if isinstance(retry_after, int) and not isinstance(retry_after, bool):
        response_headers["Retry-After"] = str(retry_after)
    response_headers.update(headers or {})
    return ProblemResponse(answer, response_headers, body)


def refusal(code: str, variant: str = "", **values: Any) -> DomainError:
    """A refusal by code, for the edge's own answers (gateways, servers)."""
    return Refused(code, variant, **values)


def unavailable(outcome_unknown: bool) -> DomainError:
    """The refusal for a DynamoDB failure: a write that may have been committed says so, and
    how to get its receipt (the same Idempotency-Key replays it, see reports.submit)."""
    return refusal(
        "storage_unavailable",
        "outcome_unknown" if outcome_unknown else "",
        retry_after=STORAGE_RETRY_AFTER_S,
    )
