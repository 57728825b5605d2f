"""Open311 GeoReport v2, the read side: KMZB's categories as services and its public reports
as service requests, in the specification's JSON and XML (docs/OPEN311.md).

Pure: takes the catalogue and the published GeoJSON feed's features, returns plain values
and rendered bodies. The reader of the published feed is chalicelib/open311_feed.py; the
routes are in app.py. Nothing here ever sees a description, a note, an attachment or
anything about a person: the feed does not carry them, and a request record is built from
an allow-list of fields.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import categories, statuses

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30T00:00:00Z"  # when this endpoint's behaviour last changed
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = MAX_RESULTS

# The fields of a request record, in the specification's order. media_url is never given.
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "address",
    "lat",
    "long",
)
REQUESTS_PARAMETERS = frozenset(
    {
        "jurisdiction_id",
        "service_request_id",
        "service_code",
        "start_date",
        "end_date",
        "status",
        "page",
        "page_size",
    }
)

# Service groups (the report form's groups, static_site/shared/catalog.js).
GROUPS: dict[str, str] = {
    **dict.fromkeys(
        (
            "speeding",
            "illegal_racing",
            "illegal_parking",
            "road_infrastructure",
            "traffic_organisation",
            "wildlife_collisions",
            "level_crossing",
            "track_crossing",
        ),
        "Ruch drogowy i kolej",
    ),
    **dict.fromkeys(
        ("wild_swimming", "dangerous_waterside", "dangerous_water", "drownings"), "Woda"
    ),
    **dict.fromkeys(
        (
            "illegal_dumping",
            "poaching",
            "illegal_logging",
            "greenery_damage",
            "quads_in_forest",
            "grass_burning",
            "stray_dogs",
            "animal_cruelty",
        ),
        "Przyroda i zwierzęta",
    ),
    **dict.fromkeys(
        (
            "vandalism",
            "minors_at_risk",
            "dangerous_venue",
            "public_drinking",
            "drug_use",
            "begging",
            "homeless_in_need",
        ),
        "Porządek publiczny",
    ),
}
DAYS_OF_WEEK: dict[str, str] = {
    "mon": "poniedziałek",
    "tue": "wtorek",
    "wed": "środa",
    "thu": "czwartek",
    "fri": "piątek",
    "sat": "sobota",
    "sun": "niedziela",
}


class Open311Error(Exception):
    """A refusal in the specification's shape: an HTTP status (400, 404) and a description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def parse_document(segment: str) -> tuple[str, str]:
    """'services.json' -> ('services', 'json'). The format is the path's extension, `json` or
    `xml`; anything else is a 404 (no such document), in JSON."""
    name, dot, fmt = segment.rpartition(".")
    if not dot or not name or fmt not in FORMATS:
        raise Open311Error(404, f"Nie ma takiego dokumentu / no such document: {segment}")
    return name, fmt


# --- documents --------------------------------------------------------------------------


def discovery(base_url: str, contact: str) -> dict[str, Any]:
    """The discovery document: one production endpoint at `base_url` (…/open311/v2)."""
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": "Klucze API wydaje administrator wdrożenia (kmzb-admin open311 keys).",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def services() -> list[dict[str, Any]]:
    """The active categories as services (every one has attributes: metadata true)."""
    return [
        {
            "service_code": c.code,
            "service_name": c.name_pl,
            "description": f"{c.name_pl} ({c.name_en})",
            "metadata": True,
            "type": "realtime",
            "keywords": ", ".join(dict.fromkeys([c.name_en.lower(), c.code.replace("_", " ")])),
            "group": GROUPS.get(c.code, "Inne"),
        }
        for c in categories.CATEGORIES
        if c.active
    ]


def service_definition(service_code: str) -> dict[str, Any]:
    """The attributes of an active service: the optional fields of a KMZB report.
    Raises Open311Error(404) for an unknown or inactive service code."""
    category = categories.get(service_code)
    if category is None or not category.active:
        raise Open311Error(404, f"Nieznana usługa / unknown service_code: {service_code}")
    return {
        "service_code": category.code,
        "attributes": [
            _attribute(
                1,
                "occurred_at",
                "datetime",
                "Kiedy zdarzenie wystąpiło (ISO 8601, np. 2026-11-30T18:30:00+01:00).",
                "Kiedy to się wydarzyło?",
            ),
            _attribute(
                2,
                "time_of_day",
                "singlevaluelist",
                "Pora dnia, o której zagrożenie występuje.",
                "Pora dnia",
                [(code, pl) for code, (pl, _en) in statuses.TIMES_OF_DAY.items()],
            ),
            _attribute(
                3,
                "days_of_week",
                "multivaluelist",
                "Dni tygodnia, w które zagrożenie występuje.",
                "Dni tygodnia",
                list(DAYS_OF_WEEK.items()),
            ),
        ],
    }


def _attribute(
    order: int,
    code: str,
    datatype: str,
    datatype_description: str,
    description: str,
    values: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": False,
        "datatype_description": datatype_description,
        "order": order,
        "description": description,
    }
    if values is not None:
        attribute["values"] = [{"key": k, "name": n} for k, n in values]
    return attribute


@dataclass(frozen=True)
class Place:
    """Who serves a powiat and what it is called (from the router, at the edge)."""

    agency: str
    address: str


def request_record(feature: Mapping[str, Any], places: Mapping[str, Place]) -> dict[str, Any]:
    """One published GeoJSON feature (docs/FEED.md) as a GeoReport request, from an
    allow-list of public fields only."""
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    category = categories.get(props["category"])
    place = places.get(props.get("teryt", ""))
    return {
        "service_request_id": props["id"],
        "status": "closed" if props["status"] in statuses.CLOSED else "open",
        "status_notes": statuses.name_pl(props["status"]),
        "service_name": category.name_pl if category else props["category"],
        "service_code": props["category"],
        "agency_responsible": place.agency if place else "",
        "requested_datetime": props["created_at"],
        "updated_datetime": props["modified_at"],
        "address": place.address if place else "",
        "lat": lat,
        "long": lon,
    }


def _instant(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise Open311Error(
            400, f"{name}: oczekiwano daty ISO 8601 / expected a w3c date-time"
        ) from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name}: brak strefy czasowej / the offset is missing")
    return moment


def _positive(value: str | None, name: str, default: int, maximum: int | None = None) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1 or (maximum is not None and int(value) > maximum):
        bound = f" (1-{maximum})" if maximum else ""
        raise Open311Error(400, f"{name}: liczba całkowita dodatnia / a positive integer{bound}")
    return int(value)


def select_requests(
    records: Sequence[dict[str, Any]], query: Mapping[str, str], now: datetime
) -> list[dict[str, Any]]:
    """GET requests' filters (docs/OPEN311.md), newest first. `service_request_id` (comma list)
    overrides the other filters, as the specification says; otherwise `service_code` (comma
    list), `start_date`/`end_date` (at most 90 days apart; the last 90 days by default) on
    `requested_datetime`, and `status` (open, closed, or both). At most 1,000 results; the
    `page`/`page_size` extension pages through them. Raises Open311Error(400)."""
    unknown = sorted(set(query) - REQUESTS_PARAMETERS)
    if unknown:
        raise Open311Error(400, f"Nieznany parametr / unknown parameter: {', '.join(unknown)}")
    page = _positive(query.get("page"), "page", 1)
    size = _positive(query.get("page_size"), "page_size", DEFAULT_PAGE_SIZE, MAX_RESULTS)
    chosen: list[dict[str, Any]]
    if query.get("service_request_id") is not None:
        wanted = {i.strip() for i in query["service_request_id"].split(",") if i.strip()}
        if not wanted:
            raise Open311Error(400, "service_request_id: pusta lista / empty list")
        chosen = [r for r in records if r["service_request_id"] in wanted]
    else:
        chosen = list(records)
        codes = _list(query.get("service_code"), "service_code")
        if codes is not None:
            chosen = [r for r in chosen if r["service_code"] in codes]
        wanted_status = _list(query.get("status"), "status")
        if wanted_status is not None:
            bad = sorted(wanted_status - {"open", "closed"})
            if bad:
                raise Open311Error(400, "status: open lub/or closed")
            chosen = [r for r in chosen if r["status"] in wanted_status]
        start, end = _span(query.get("start_date"), query.get("end_date"), now)
        chosen = [r for r in chosen if start <= _instant(r["requested_datetime"], "") <= end]
    chosen.sort(key=lambda r: (r["requested_datetime"], r["service_request_id"]), reverse=True)
    chosen = chosen[:MAX_RESULTS]
    return chosen[(page - 1) * size : page * size]


def _list(value: str | None, name: str) -> set[str] | None:
    if value is None:
        return None
    items = {v.strip() for v in value.split(",") if v.strip()}
    if not items:
        raise Open311Error(400, f"{name}: pusta wartość / empty value")
    return items


def _span(start_text: str | None, end_text: str | None, now: datetime) -> tuple[datetime, datetime]:
    end = _instant(end_text, "end_date") if end_text is not None else None
    start = _instant(start_text, "start_date") if start_text is not None else None
    if end is None:
        end = start + MAX_SPAN if start is not None else now
    if start is None:
        start = end - MAX_SPAN
    if start > end:
        raise Open311Error(400, "start_date po/after end_date")
    if end - start > MAX_SPAN:
        raise Open311Error(
            400, "start_date i end_date dzieli więcej niż 90 dni / more than 90 days apart"
        )
    return start, end


def places_of(powiats: Iterable[tuple[str, str, str]]) -> dict[str, Place]:
    """(teryt, unit name, powiat name) rows -> {teryt: Place}."""
    return {teryt: Place(agency, address) for teryt, agency, address in powiats}


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- rendering --------------------------------------------------------------------------

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# XML: the root element of each document and the element of each list's items.
XML_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "services": "service",
    "service_requests": "request",
    "errors": "error",
}


def render(fmt: str, root: str, value: Any) -> tuple[bytes, str]:
    """The body and Content-Type of a document: JSON as is, XML as the specification shows it
    (`root` is the XML root element: discovery, services, service_definition,
    service_requests, errors; a list's items are named by XML_ITEMS)."""
    if fmt == "json":
        return json.dumps(value, ensure_ascii=False).encode("utf-8"), FORMATS["json"]
    element = ET.Element(root)
    _fill(element, root, value)
    # The specification asks for the declaration with encoding="UTF-8" before the root.
    body = XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")
    return body, FORMATS["xml"]


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, XML_ITEMS[name]), XML_ITEMS[name], item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def error_response(status: int, description: str, fmt: str = "json") -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of a refusal: `[{"code": 400, "description": "..."}]`
    in JSON, `<errors><error><code/><description/></error></errors>` in XML."""
    body, content_type = render(fmt, "errors", [{"code": status, "description": description}])
    return status, content_type, body
