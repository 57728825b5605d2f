"""The OpenAPI 3 document of the public API, served at /v1/openapi.json.

A test checks that every route of app.py is here and every operation here is
a route, and schemathesis drives the API from this document.
"""

from __future__ import annotations

from typing import Any

from chalicelib.categories import CATEGORIES
from chalicelib.reports import DAYS_OF_WEEK, MAX_DESCRIPTION, TIMES_OF_DAY
from chalicelib.workflow import REPORT_ACTIONS, STATUSES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


UNIT_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "teryt"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "teryt": {"type": "string", "pattern": "^[0-9]{4}$"},
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "message_en"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string", "description": "Polish"},
                    "message_en": {"type": "string", "description": "English"},
                },
            }
        },
    },
    "Category": {
        "type": "object",
        "required": ["code", "name_pl", "name_en", "active", "public_visibility"],
        "properties": {
            "code": {"type": "string", "enum": [c.code for c in CATEGORIES]},
            "name_pl": {"type": "string"},
            "name_en": {"type": "string"},
            "active": {"type": "boolean"},
            "public_visibility": {"type": "string", "enum": ["always", "never", "confirmed_only"]},
        },
    },
    "Submission": {
        "type": "object",
        "additionalProperties": False,
        "required": ["category", "lat", "lon"],
        "properties": {
            "category": {"type": "string", "enum": [c.code for c in CATEGORIES if c.active]},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "description": {
                "type": ["string", "null"],
                "maxLength": MAX_DESCRIPTION,
                "description": "Plain text; control characters other than line breaks "
                "and tabs are refused.",
            },
            "occurred_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "Strict ISO 8601, YYYY-MM-DDTHH:MM[:SS[.ffffff]] followed by "
                "Z, +00:00 or exactly the offset in force in Europe/Warsaw at that instant "
                "(+01:00 in winter, +02:00 in summer). A time without an offset is refused "
                "(datetime_without_timezone, never guessed); any other offset, e.g. the winter "
                "offset in July or a Warsaw spring-gap wall time, is refused "
                "(wrong_utc_offset, naming the offset in force). Not in the future (5 minutes "
                "of clock skew), not before 2000.",
            },
            "time_of_day": {"type": ["string", "null"], "enum": [*TIMES_OF_DAY, None]},
            "days_of_week": {
                "type": ["array", "null"],
                "items": {"type": "string", "enum": list(DAYS_OF_WEEK)},
                "uniqueItems": True,
            },
        },
    },
    "Receipt": {
        "type": "object",
        "required": [
            "id",
            "status",
            "category",
            "unit",
            "garrison",
            "created_at",
            "tracking_token",
        ],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["new"]},
            "category": {"type": "string"},
            "unit": UNIT_SUMMARY,
            "garrison": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "tracking_token": {"type": "string"},
        },
    },
    "TrackedReport": {
        "type": "object",
        "required": ["id", "status", "category", "unit", "garrison", "created_at", "modified_at"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "category": {"type": "string"},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "unit": UNIT_SUMMARY,
            "garrison": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "modified_at": {"type": "string", "format": "date-time"},
            "occurred_at": {"type": "string", "format": "date-time"},
        },
    },
    "Placement": {
        "type": "object",
        "required": ["powiat", "unit", "garrison"],
        "properties": {
            "powiat": {
                "type": "object",
                "required": ["teryt", "name"],
                "properties": {"teryt": {"type": "string"}, "name": {"type": "string"}},
            },
            "unit": UNIT_SUMMARY,
            "garrison": {
                "type": "object",
                "required": ["id", "headquarters", "seat"],
                "properties": {
                    "id": {"type": "string"},
                    "headquarters": {"type": "string"},
                    "seat": {"type": "string"},
                },
            },
        },
    },
    "Unit": {
        "type": "object",
        "required": ["id", "name", "teryt", "garrison", "powiats"],
        "properties": {
            **UNIT_SUMMARY["properties"],
            "garrison": {"type": "string"},
            "powiats": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["teryt", "name", "kind"],
                    "properties": {
                        "teryt": {"type": "string"},
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": ["city", "county"]},
                    },
                },
            },
        },
    },
}

UNAVAILABLE = {"503": _error("DynamoDB does not answer; retry later")}

SCHEMAS["OfficerReport"] = {
    "type": "object",
    "required": ["id", "category", "status", "lat", "lon", "teryt", "created_at", "overdue"],
    "properties": {
        "id": {"type": "string"},
        "category": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "teryt": {"type": "string"},
        "powiat_name": {"type": "string"},
        "unit": UNIT_SUMMARY,
        "created_at": {"type": "string", "format": "date-time"},
        "modified_at": {"type": "string", "format": "date-time"},
        "source": {"type": "string", "enum": ["citizen_web", "consultation", "police_system"]},
        "overdue": {"type": "boolean"},
        "due_at": {"type": ["string", "null"], "format": "date-time"},
        "assignee": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"], "description": "Plain text, never HTML"},
        "status_version": {"type": "integer"},
        "allowed_transitions": {
            "type": "array",
            "items": {"type": "string", "enum": list(STATUSES)},
        },
        "duplicate_of": {"type": ["string", "null"]},
        "handed_to": {"type": ["string", "null"]},
        "meeting_date": {
            "type": ["string", "null"],
            "format": "date",
            "description": "Consultations: the calendar day of the meeting, as entered",
        },
        "meeting_place": {"type": ["string", "null"]},
        "confirmations": {"type": "integer", "minimum": 0, "description": "Citizens' count"},
        "transitions": {
            "type": "array",
            "description": "The moves the caller's role may make now",
            "items": {
                "type": "object",
                "required": ["status", "requires_institution", "closes"],
                "properties": {
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "requires_institution": {"type": "boolean"},
                    "closes": {"type": "boolean"},
                },
            },
        },
        "actions": {
            "type": "array",
            "description": "What the caller may do with this report now (the role matrix)",
            "items": {"type": "string", "enum": list(REPORT_ACTIONS)},
        },
        "notes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["at", "by", "by_name", "text"],
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "by": {"type": "string"},
                    "by_name": {"type": "string"},
                    "text": {"type": ["string", "null"]},
                },
            },
        },
        "audit": {"type": "array", "items": _ref("AuditEntry")},
    },
}
SCHEMAS["AuditEntry"] = {
    "type": "object",
    "required": ["at", "by", "by_name", "action", "from_status", "to_status", "note"],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "by": {"type": "string", "description": "The officer's subject (the token's sub)"},
        "by_name": {"type": "string", "description": "The officer's name at that moment"},
        "action": {
            "type": "string",
            "enum": ["consultation", "status", "note", "assign", "duplicate"],
        },
        "from_status": {"type": ["string", "null"]},
        "to_status": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]},
        "original_id": {"type": "string", "description": "Duplicates: the original report"},
    },
}
SECURED: list[dict[str, list[str]]] = [{"officerToken": []}]
# API Gateway answers a request without the header itself, before the app.
NO_TOKEN = {"401": {"description": "No token, or not a valid one"}}
OFFICER_ERRORS = {
    **NO_TOKEN,
    "403": _error(
        "Another unit's report, a role that may not do this (role_required), or a token "
        "whose unit or garrison does not fit this deployment"
    ),
    "404": _error("No such report"),
    **UNAVAILABLE,
}
REPORT_ID = {"name": "report_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _officer_change(summary: str, body: dict[str, Any], created: bool = False) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "security": SECURED,
            "parameters": [REPORT_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body}},
            },
            "responses": {
                ("201" if created else "200"): _json(_ref("OfficerReport"), "The report now"),
                "400": _error("Malformed JSON, a wrong type or a version out of range"),
                "409": _error("Not allowed from the current status, or a stale version"),
                "415": _error("Not JSON"),
                "422": _error("Invalid content"),
                **OFFICER_ERRORS,
            },
        }
    }


def _body(required: list[str], **properties: Any) -> dict[str, Any]:
    # Unknown fields are a 422, never silently dropped.
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


VERSION = {
    "type": "integer",
    "minimum": 1,
    "maximum": 2**31 - 1,
    "description": "status_version as last read",
}
VIEWING_UNIT = {
    "name": "unit",
    "in": "query",
    "description": "The unit the panel is viewing (an id or TERYT the caller may view)",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,40}$"},
}
DAY = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
UNITS = {"type": "array", "items": UNIT_SUMMARY}
OFFICER_PATHS: dict[str, Any] = {
    "/v1/officer/me": {
        "get": {
            "summary": "Who the token belongs to, and the units they may view",
            "security": SECURED,
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["sub", "name", "role", "unit", "units", "garrison"],
                        "properties": {
                            "sub": {"type": "string"},
                            "name": {"type": "string"},
                            "role": {"type": "string", "enum": ["officer", "coordinator", "admin"]},
                            "unit": {**UNIT_SUMMARY, "type": ["object", "null"]},
                            "units": UNITS,
                            "garrison": {"type": "string"},
                        },
                    },
                    "The caller: own unit (null for an admin) and every unit they may view",
                ),
                "403": OFFICER_ERRORS["403"],
                **NO_TOKEN,
            },
        }
    },
    "/v1/officer/reports": {
        "get": {
            "summary": "The unit's reports, newest first, one page",
            "security": SECURED,
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(STATUSES)},
                },
                {"name": "category", "in": "query", "schema": {"type": "string"}},
                {"name": "from", "in": "query", "schema": DAY},
                {"name": "to", "in": "query", "schema": DAY},
                {
                    "name": "overdue",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["true", "false"]},
                },
                VIEWING_UNIT,
                {
                    "name": "cursor",
                    "in": "query",
                    "description": "next_cursor of the previous page of the same query",
                    "schema": {"type": "string"},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                },
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items", "next_cursor"],
                        "properties": {
                            "items": {"type": "array", "items": _ref("OfficerReport")},
                            "next_cursor": {"type": ["string", "null"]},
                        },
                    },
                    "A page",
                ),
                "400": _error(
                    "A parameter unknown, of the wrong type or out of range (dates 2000-01-01 "
                    "to 2099-12-31, limit 1 to 100), an unknown status, category or unit, or a "
                    "cursor not issued for this query (invalid_cursor)"
                ),
                **OFFICER_ERRORS,
            },
        }
    },
    "/v1/officer/reports/{report_id}": {
        "get": {
            "summary": "One report with its description, notes, audit trail and what the "
            "caller may do with it",
            "security": SECURED,
            "parameters": [REPORT_ID, VIEWING_UNIT],
            "responses": {
                "200": _json(_ref("OfficerReport"), "The report"),
                "400": _error("An unknown parameter or unit"),
                **OFFICER_ERRORS,
            },
        }
    },
    "/v1/officer/reports/{report_id}/candidates": {
        "get": {
            "summary": "Open reports of the same unit within 500 m that this one may duplicate",
            "security": SECURED,
            "parameters": [REPORT_ID, VIEWING_UNIT],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["candidates"],
                        "properties": {
                            "candidates": {
                                "type": "array",
                                "maxItems": 20,
                                "items": {
                                    "type": "object",
                                    "required": [
                                        "id",
                                        "category",
                                        "status",
                                        "created_at",
                                        "lat",
                                        "lon",
                                        "distance_m",
                                    ],
                                    "properties": {
                                        "id": {"type": "string"},
                                        "category": {"type": "string"},
                                        "status": {"type": "string", "enum": list(STATUSES)},
                                        "created_at": {"type": "string", "format": "date-time"},
                                        "lat": {"type": "number"},
                                        "lon": {"type": "number"},
                                        "distance_m": {"type": "number", "minimum": 0},
                                    },
                                },
                            }
                        },
                    },
                    "Nearest first; never the report itself or one that would close a cycle",
                ),
                "400": _error("An unknown parameter or unit"),
                **OFFICER_ERRORS,
            },
        }
    },
    "/v1/officer/reports/{report_id}/status": _officer_change(
        "Move the report in the workflow",
        _body(
            ["status", "version"],
            status={"type": "string", "enum": list(STATUSES)},
            version=VERSION,
            note={"type": "string"},
            institution={
                "type": "string",
                "description": "Required (not blank) when handing over outside the police",
            },
        ),
    ),
    "/v1/officer/reports/{report_id}/notes": _officer_change(
        "Add an internal note", _body(["text"], text={"type": "string"}), created=True
    ),
    "/v1/officer/reports/{report_id}/duplicate": _officer_change(
        "Close as a duplicate of an open report of the same unit (no cycles)",
        _body(
            ["original_id", "version"],
            original_id={"type": "string"},
            version=VERSION,
            note={"type": "string"},
        ),
    ),
    "/v1/officer/reports/{report_id}/assign": _officer_change(
        "Assign to an officer (coordinators)",
        _body(["assignee", "version"], assignee={"type": ["string", "null"]}, version=VERSION),
    ),
    "/v1/officer/consultations": {
        "post": {
            "summary": "Record a threat raised at a meeting or public debate",
            "security": SECURED,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _body(
                            ["category", "lat", "lon", "meeting_date", "meeting_place"],
                            category={"type": "string"},
                            lat={"type": "number"},
                            lon={"type": "number"},
                            description={"type": "string"},
                            meeting_date={**DAY, "description": "A calendar day, kept as given"},
                            meeting_place={"type": "string"},
                        )
                    }
                },
            },
            "responses": {
                "201": _json(_ref("OfficerReport"), "Recorded"),
                "400": _error("Malformed JSON or a wrong type"),
                "415": _error("Not JSON"),
                "422": _error("Invalid content, or a point outside the officer's unit"),
                **OFFICER_ERRORS,
            },
        }
    },
}
POINT_PARAMETERS = [
    {
        "name": name,
        "in": "query",
        "required": True,
        "description": "Degrees in plain ASCII decimal notation (`50.06`, `-1`): no exponent, "
        "spaces or other digits",
        "schema": {"type": "number", "minimum": -limit, "maximum": limit},
    }
    for name, limit in (("lat", 90), ("lon", 180))
]

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Krajowa Mapa Zagrożeń Bezpieczeństwa — API",
        "version": "1.0.0",
        "description": "Zgłaszanie zagrożeń i ich śledzenie. Nie w nagłych wypadkach: "
        "dzwoń pod 112. / Reporting threats and following them. Not for emergencies: call 112.",
    },
    "paths": {
        "/v1/health": {
            "get": {
                "operationId": "health",
                "summary": "Whether the API and its database answer",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"type": "string", "enum": ["ok"]}},
                        },
                        "Healthy",
                    ),
                    **UNAVAILABLE,
                },
            }
        },
        "/v1/categories": {
            "get": {
                "operationId": "listCategories",
                "summary": "The threat categories",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["categories"],
                            "properties": {
                                "categories": {"type": "array", "items": _ref("Category")}
                            },
                        },
                        "All categories, active or not",
                    )
                },
            }
        },
        "/v1/statuses": {
            "get": {
                "operationId": "listStatuses",
                "summary": "The report statuses (workflow order) and the times of day",
                "responses": {
                    "200": _json(
                        {"type": "object", "required": ["statuses", "times_of_day"]},
                        "Codes with their names, colours and public visibility",
                    )
                },
            }
        },
        "/v1/reports": {
            "post": {
                "operationId": "submitReport",
                "summary": "Report a threat (one report per client per day)",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Submission")}},
                },
                "responses": {
                    "201": _json(_ref("Receipt"), "Stored (or the first answer, replayed)"),
                    "400": _error("Malformed JSON or a value of the wrong type"),
                    "413": _error("Body over 16 KiB"),
                    "415": _error("Not JSON"),
                    "422": _error("Invalid content, a point outside the deployment's area"),
                    "429": _error("This client already reported today; see Retry-After"),
                    **UNAVAILABLE,
                },
            }
        },
        "/v1/reports/{report_id}": {
            "get": {
                "operationId": "followReport",
                "summary": "The reporter follows their report with its tracking token",
                "parameters": [
                    {
                        "name": "report_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "token",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": _json(_ref("TrackedReport"), "The report's current state"),
                    "404": _error("Unknown report or wrong token"),
                    **UNAVAILABLE,
                },
            }
        },
        "/v1/reports/{report_id}/confirmations": {
            "post": {
                "operationId": "confirmReport",
                "summary": "Confirm a public report instead of reporting it again",
                "parameters": [
                    {
                        "name": "report_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "required": ["id", "confirmations"],
                            "properties": {
                                "id": {"type": "string"},
                                "confirmations": {"type": "integer"},
                            },
                        },
                        "Counted",
                    ),
                    "404": _error("Unknown report, or not on the public map"),
                    "409": _error(
                        "Already confirmed from this client (`already_confirmed`), the client's "
                        "own report (`own_report`) or a closed one (`report_closed`)"
                    ),
                    "429": _error("10 confirmations today already; see Retry-After"),
                    **UNAVAILABLE,
                },
            }
        },
        "/v1/units": {
            "get": {
                "operationId": "listUnits",
                "summary": "The police units this deployment serves, with their powiats",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["units"],
                            "properties": {"units": {"type": "array", "items": _ref("Unit")}},
                        },
                        "Units",
                    )
                },
            }
        },
        "/v1/units/locate": {
            "get": {
                "operationId": "locateUnit",
                "summary": "Which unit and garrison serve a point",
                "parameters": POINT_PARAMETERS,
                "responses": {
                    "200": _json(_ref("Placement"), "The serving unit"),
                    "400": _error("A parameter is not a number"),
                    "422": _error("Missing parameter, outside Poland or outside this deployment"),
                },
            }
        },
        "/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document"}},
            }
        },
        **OFFICER_PATHS,
    },
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "officerToken": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT (Cognito ID token; locally the development issuer's)",
            }
        },
    },
}

# Every route takes only the query parameters it lists, each at most once and with a value;
# anything else is a 400 (`unknown_parameter`, `duplicate_parameter`, `empty_parameter`).
QUERY_ERRORS = "An unknown, repeated or empty query parameter"
for _operations in DOCUMENT["paths"].values():
    for _operation in _operations.values():
        _responses = _operation["responses"]
        if "400" in _responses:
            _responses["400"] = _error(_responses["400"]["description"] + "; " + QUERY_ERRORS)
        else:
            _responses["400"] = _error(QUERY_ERRORS)
