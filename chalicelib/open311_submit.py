"""Open311 GeoReport v2 `POST requests`: a form-encoded service request becomes a KMZB report.

The form is mapped onto /v1/reports' body and goes through the SAME code: `reports.
parse_submission` (validation), the router (placement), `reports.submit` (the client-address
daily limit and the report in one DynamoDB transaction; the stream then notifies as for any
report). An API key (chalicelib/open311_keys.py) is required; its daily ceiling is charged in
that same transaction. Refusals are Open311 errors: `[{"code": <HTTP status>, "description":
...}]` (`<errors><error>` in XML): 400 a missing or invalid parameter, 403 a bad or revoked
key, 404 an unknown service, 429 a daily limit (with Retry-After).

The reporter's tracking token is never returned here (`token` is null): a third party must not
follow the citizen's report with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from chalicelib import open311, reports
from chalicelib.errors import DailyLimitReached, DomainError
from chalicelib.limits import warsaw_day
from chalicelib.open311_keys import ApiKey, quota_key
from chalicelib.problems import language, message_of, status_of
from chalicelib.units import Placement
from chalicelib.values import InsertOutcome, Report

FORM_TYPE = "application/x-www-form-urlencoded"
FORMATS = ("json", "xml")
MAX_FORM_BYTES = 16 * 1024
# The specification's fields we take: KMZB has no geocoder (`lat`/`long` are required), no
# attachments, and stores nothing about the reporter, so `address_string`, `address_id`,
# `media_url` and the personal fields are accepted and ignored (never stored or logged).
IGNORED_FIELDS = frozenset(
    {
        "address_string",
        "address_id",
        "media_url",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
    }
)
SINGLE_FIELDS = (
    frozenset({"api_key", "jurisdiction_id", "service_code", "lat", "long", "description"})
    | IGNORED_FIELDS
)
ATTRIBUTES = {  # GeoReport attribute code -> /v1/reports field
    "occurred_at": "occurred_at",
    "time_of_day": "time_of_day",
    "days_of_week": "days_of_week",
}
MULTI_VALUED = frozenset({"days_of_week"})


class Open311Error(Exception):
    """A refusal in Open311's terms: HTTP `status`, Polish and English descriptions."""

    def __init__(self, status: int, pl: str, en: str, retry_after: int | None = None) -> None:
        super().__init__(en)
        self.status, self.pl, self.en, self.retry_after = status, pl, en, retry_after

    def description(self, lang: str) -> str:
        return self.pl if lang == "pl" else self.en


def _bad(pl: str, en: str) -> Open311Error:
    return Open311Error(400, pl, en)


BAD_KEY = Open311Error(
    403,
    "Nieprawidłowy lub unieważniony api_key: nie można przyjąć zgłoszenia.",
    "Invalid or revoked api_key: the request cannot be accepted.",
)


@dataclass(frozen=True)
class ServiceRequest:
    """A parsed form: the key as given, the jurisdiction asked for, /v1/reports' body."""

    api_key: str
    jurisdiction_id: str | None
    body: dict[str, Any]


def document_format(document: str) -> str | None:
    """`requests.json` -> "json", `requests.xml` -> "xml"; None for any other document."""
    name, dot, extension = document.rpartition(".")
    if name == "requests" and dot and extension in FORMATS:
        return extension
    return None


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # float() also reads "nan", "inf", "1_0": only plain decimal numbers are coordinates.
    if not math.isfinite(value) or "_" in text or text.strip() != text:
        raise _bad(f"Parametr {name} musi być liczbą.", f"Parameter {name} must be a number.")
    return value


def parse_form(raw: bytes | None, content_type: str | None) -> ServiceRequest:
    """The request's form (`application/x-www-form-urlencoded`, UTF-8) as a ServiceRequest.

    400 (Open311Error) for: another media type, a body that is not UTF-8 form encoding, an
    unknown or repeated field, a missing `api_key`, `service_code`, `lat` or `long` (an
    `address_string` alone is refused: KMZB has no geocoder), a coordinate that is not a
    number. Attributes: `attribute[occurred_at]`, `attribute[time_of_day]`,
    `attribute[days_of_week][]` (repeated; `attribute[days_of_week]` once also works).
    Empty values count as absent. Field values are checked later by `reports.parse_submission`.
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != FORM_TYPE:
        raise Open311Error(
            400,
            f"Zgłoszenie wysyła się jako {FORM_TYPE} (formularz), jak mówi GeoReport v2.",
            f"Send the request as {FORM_TYPE} (a form), as GeoReport v2 says.",
        )
    raw = raw or b""
    if len(raw) > MAX_FORM_BYTES:
        raise _bad("Formularz jest za duży.", "The form is too large.")
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise _bad(
            "Formularz nie jest poprawnie zakodowany (UTF-8).",
            "The form is not validly encoded (UTF-8).",
        ) from None
    single: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.startswith("attribute[") and name.endswith("]"):
            inner = name[len("attribute[") :]  # "code]" or "code][]"
            listed = inner.endswith("][]")
            code = inner[:-3] if listed else inner[:-1]
            if code not in ATTRIBUTES or (listed and code not in MULTI_VALUED):
                raise _bad(f"Nieznany atrybut: {name}.", f"Unknown attribute: {name}.")
            if value:
                attributes.setdefault(code, []).append(value)
            continue
        if name not in SINGLE_FIELDS:
            raise _bad(f"Nieznany parametr: {name}.", f"Unknown parameter: {name}.")
        if name in single:
            raise _bad(f"Parametr {name} podano kilka razy.", f"Parameter {name} is repeated.")
        single[name] = value
    if not single.get("api_key"):
        raise _bad("Brak parametru api_key.", "Parameter api_key is missing.")
    if not single.get("service_code"):
        raise _bad("Brak parametru service_code.", "Parameter service_code is missing.")
    if not single.get("lat") or not single.get("long"):
        raise _bad(
            "Podaj położenie jako lat i long (stopnie WGS84); adres (address_string, "
            "address_id) nie wystarcza: KMZB nie zamienia adresów na współrzędne.",
            "Give the location as lat and long (WGS84 degrees); an address (address_string, "
            "address_id) is not enough: KMZB does not geocode addresses.",
        )
    body: dict[str, Any] = {
        "category": single["service_code"],
        "lat": _number("lat", single["lat"]),
        "lon": _number("long", single["long"]),
    }
    if single.get("description"):
        body["description"] = single["description"]
    for code, values in attributes.items():
        if code in MULTI_VALUED:
            body[ATTRIBUTES[code]] = values
        elif len(values) > 1:
            raise _bad(f"Atrybut {code} podano kilka razy.", f"Attribute {code} is repeated.")
        else:
            body[ATTRIBUTES[code]] = values[0]
    return ServiceRequest(single["api_key"], single.get("jurisdiction_id") or None, body)


def refuse_query(names: list[str]) -> Open311Error:
    """A POST takes its parameters in the form: any query parameter is a 400."""
    listed = ", ".join(sorted(names))
    return _bad(
        f"Nieznany parametr zapytania: {listed} (pola wysyła się w formularzu).",
        f"Unknown query parameter: {listed} (fields are sent in the form).",
    )


def from_domain(error: DomainError) -> Open311Error:
    """A KMZB refusal as Open311 reports it: an unknown or inactive category is 404 (not a
    service we offer), the daily limit 429, every other client error 400 (GeoReport v2's
    "missing or invalid parameter"; /v1 says 422 for some of them), the rest as they are."""
    pl, en = message_of(error, "pl"), message_of(error, "en")
    if error.code in ("unknown_category", "inactive_category"):
        return Open311Error(404, pl, en)
    if isinstance(error, DailyLimitReached):
        return Open311Error(429, pl, en, error.values.get("retry_after"))
    status = status_of(error)
    return Open311Error(400 if 400 <= status < 500 else status, pl, en)


class CeilingReached(Exception):
    """The API key's reports for today reached its daily limit."""


class _ChargingKey:
    """The store as `reports.submit` sees it, charging the key's ceiling in the same
    transaction as the report and the client's daily limit."""

    def __init__(self, store: Any, ceiling: tuple[str, int]) -> None:
        self.store, self.ceiling = store, ceiling

    def insert_charging_limit(
        self, report: Report, limit_key: str, expires_at: datetime, now: datetime
    ) -> InsertOutcome:
        outcome: InsertOutcome = self.store.insert_charging_limit(
            report, limit_key, expires_at, now, ceiling=self.ceiling
        )
        if outcome is InsertOutcome.CEILING_REACHED:
            raise CeilingReached()
        return outcome

    def get(self, report_id: str) -> Report | None:
        report: Report | None = self.store.get(report_id)
        return report


def submit(
    request: ServiceRequest,
    now: datetime,
    find_key: Callable[[str], ApiKey | None],
    place: Callable[[float, float, str], Placement],
    client: str,
    store: Any,
    secret: bytes,
) -> Report:
    """Store the service request as a report; Open311Error for every refusal.

    `find_key(key)` looks the key up (open311_keys.KeyStore.find), `place(lat, lon, category)`
    routes (the deployment's router), `client` is the client-address pseudonym
    (limits.client_key), `store` the ReportStore, `secret` the client-key secret.
    """
    key = find_key(request.api_key)
    if key is None or not key.active:
        raise BAD_KEY
    try:
        submission = reports.parse_submission(request.body, now)
        placement = place(submission.lat, submission.lon, submission.category)
        if request.jurisdiction_id is not None and request.jurisdiction_id != (
            placement.garrison.id
        ):
            raise _bad(
                f"Punkt nie leży w jurysdykcji {request.jurisdiction_id}.",
                f"The point is not in jurisdiction {request.jurisdiction_id}.",
            )
        charging = _ChargingKey(store, (quota_key(key.digest, now), key.daily_limit))
        receipt = reports.submit(submission, placement, client, None, now, charging, secret)
    except DomainError as e:
        raise from_domain(e) from e
    except CeilingReached:
        seconds = warsaw_day(now).seconds_left(now)
        raise Open311Error(
            429,
            f"Klucz API wykorzystał dzienny limit {key.daily_limit} zgłoszeń.",
            f"The API key has used its daily limit of {key.daily_limit} reports.",
            seconds,
        ) from None
    return receipt.report


# --- answers ----------------------------------------------------------------------------


def service_notice(report: Report) -> str:
    return (
        f"Zgłoszenie przyjęte; sprawdzi je {report.unit_name}. / "
        f"Report received; {report.unit_name} will check it."
    )


def created(report: Report, fmt: str) -> tuple[str, str]:
    """(body, Content-Type) of an accepted request: its id, a notice, no token (the tracking
    token stays with the citizen who reports through /v1). Rendered by `open311.render`, as
    the read side's documents are."""
    row = {
        "service_request_id": report.id,
        "service_notice": service_notice(report),
        "token": None,
    }
    body, content_type = open311.render(fmt, "service_requests", [row])
    return body.decode("utf-8"), content_type  # text: API Gateway takes no bytes here


def errors(error: Open311Error, fmt: str, accept_language: str | None) -> tuple[str, str]:
    """(body, Content-Type) of a refusal: `[{"code": <status>, "description": ...}]`."""
    description = error.description(language(accept_language))
    _, content_type, body = open311.error_response(error.status, description, fmt)
    return body.decode("utf-8"), content_type


def refuse_document() -> Open311Error:
    return Open311Error(
        404,
        "Nie ma takiego dokumentu: zgłoszenia wysyła się na requests.json lub requests.xml.",
        "No such document: service requests are posted to requests.json or requests.xml.",
    )
