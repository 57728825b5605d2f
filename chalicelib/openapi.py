"""The OpenAPI 3.1 document of the public API, served at /v1/openapi.json.

Exact by design: every constraint the server enforces that JSON Schema can state is in the
schemas (enums, lengths, patterns, ranges), built from the single sources the server itself
checks against (the category and status catalogues, `officers`' patterns and limits,
`plaintext`'s trimmed ranges, the territory's bounding box). What a schema cannot state (a
point inside Poland's border or the officer's unit, an instant in the past, once a day) is a
declared 422/429. Every answer the server gives is declared, every error with the shared
`Problem` schema (RFC 9457, `application/problem+json`). A test checks that every route of
app.py is here and every operation here is a route, and schemathesis drives the API from this
document with all its checks and its stateful phase (the `links`).
"""

from __future__ import annotations

from typing import Any

from chalicelib import officers, plaintext, statuses
from chalicelib.categories import CATEGORIES
from chalicelib.reports import CROCKFORD, DAYS_OF_WEEK, MAX_DESCRIPTION
from chalicelib.workflow import REPORT_ACTIONS

PROBLEM = "application/problem+json"

# The smallest box (2 decimals, rounded outward) around every point the router accepts: the
# powiat layer and terytorium.geojson's Polish land and waters (the territorial sea reaches
# 55.04 N). A test checks it against the data. Inside it, the border itself is a 422.
POLAND_BOX = {"lat": (49.0, 55.04), "lon": (14.12, 24.15)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, **more: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **more}


def _header(description: str, schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


RETRY_AFTER = _header(
    "Seconds to wait before trying again", {"type": "string", "pattern": "^[0-9]+$"}
)
DEPRECATION = _header(
    "RFC 9745 `@<unix seconds>`: the request used a release-1 value (a Polish status label, "
    "an old time of day), accepted for one release",
    {"type": "string", "pattern": "^@[0-9]+$"},
    required=False,
)


def _problem(
    status: int, description: str, schema: dict[str, Any] | None = None, **headers: Any
) -> dict[str, Any]:
    """An error answer: the `Problem` schema with this `status`."""
    body = {"allOf": [schema or _ref("Problem"), {"properties": {"status": {"const": status}}}]}
    response: dict[str, Any] = {"description": description, "content": {PROBLEM: {"schema": body}}}
    if headers:
        response["headers"] = headers
    return response


def _codes(*codes: str) -> str:
    return " (" + ", ".join(f"`{c}`" for c in codes) + ")"


# --- free text ------------------------------------------------------------------------------
# plaintext.clean trims TRIMMED_RANGES at both ends and the server counts and checks what is
# left: so a pattern states "trimmed ends, then at most N characters that start and end
# visibly, none of them forbidden". (Not stated: NFC composition and CR LF → LF, which only
# make the server's count smaller, and emoji modifiers kept at the very end.)


def _char(code: int) -> str:
    # \uXXXX is read alike by ECMA-262 (with the u flag) and Python; astral code points are
    # written as themselves, which both read too.
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def _ranges(ranges: list[tuple[int, int]]) -> str:
    return "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in ranges)


def _forbidden(multiline: bool) -> list[tuple[int, int]]:
    """plaintext.has_forbidden_characters: control characters (LF and tab allowed in
    multi-line text, and CR, which becomes LF) and bidi controls. (Lone surrogates too, but a
    pattern cannot name them: ECMA-262 and Rust's engines refuse the range.)"""
    controls = [(0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F)] if multiline else [(0x00, 0x1F)]
    bidi = sorted(plaintext.BIDI_CONTROLS)
    return [*controls, (0x7F, 0x9F), (bidi[0], bidi[4]), (bidi[5], bidi[-1])]


def text(limit: int, *, multiline: bool, blank_allowed: bool, description: str) -> dict[str, Any]:
    """A free-text field as officers._text / reports.clean_description read it."""
    forbidden = _ranges(_forbidden(multiline))
    trimmed = _ranges(list(plaintext.TRIMMED_RANGES))
    ends, visible, inner = f"[{trimmed}]*", f"[^{forbidden}{trimmed}]", f"[^{forbidden}]"
    core = f"{visible}(?:{inner}{{0,{limit - 2}}}{visible})?"
    pattern = f"^{ends}(?:{core}{ends})?$" if blank_allowed else f"^{ends}{core}{ends}$"
    return {
        "type": "string",
        "pattern": pattern,
        "description": f"{description} Trimmed (white space and invisible characters), then "
        f"at most {limit} characters (Unicode code points)"
        + ("" if blank_allowed else ", not blank")
        + "; control characters"
        + (" other than line breaks and tabs" if multiline else "")
        + " and bidi embedding/override/isolate controls are refused (422).",
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def _coordinate(name: str) -> dict[str, Any]:
    low, high = POLAND_BOX[name]
    return {
        "type": "number",
        "minimum": low,
        "maximum": high,
        "description": "Degrees (WGS84) within Poland's bounding box; a point inside the box "
        "but outside Poland is a 422 `outside_poland`",
    }


REPORT_ID_PATTERN = f"^[{CROCKFORD}]{{26}}$"
ID = {"type": "string", "pattern": REPORT_ID_PATTERN, "description": "A report id (26 characters)"}
# reports.tracking_token: 18 bytes of an HMAC, base64url (24 characters, no padding).
TRACKING_TOKEN = {"type": "string", "pattern": "^[A-Za-z0-9_-]{24}$"}
ACTIVE_CATEGORY = {"type": "string", "enum": [c.code for c in CATEGORIES if c.active]}
ANY_CATEGORY = {"type": "string", "enum": [c.code for c in CATEGORIES]}
STATUS = {"type": "string", "enum": list(statuses.CODES)}
# Input: a code, or for one release a release-1 Polish label (answered with `Deprecation`).
STATUS_INPUT = {
    "type": "string",
    "enum": [*statuses.CODES, *statuses.LEGACY_LABELS],
    "description": "A status code; the release-1 Polish labels are still accepted for one "
    "release (deprecated: the answer carries a Deprecation header)",
}
TIME_OF_DAY_INPUT = {
    "type": ["string", "null"],
    "enum": [*statuses.TIME_CODES, *statuses.LEGACY_TIMES_OF_DAY, None],
    "description": "A time-of-day code; the release-1 values are still accepted for one "
    "release (deprecated: the answer carries a Deprecation header)",
}
DATE_TIME = {"type": "string", "format": "date-time"}
UNIT_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "teryt"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "teryt": {"type": "string", "pattern": "^[0-9]{4}$"},
    },
}
NAMES = {"name_pl": {"type": "string"}, "name_en": {"type": "string"}}
# Beside a report's status code, its name (statuses.names).
STATUS_NAMES = {"status_pl": {"type": "string"}, "status_en": {"type": "string"}}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; `code`, `message` (Polish) and `message_en` "
        "are extension members, and `error` repeats them for clients of release 1 (kept for "
        "one release). Accept-Language picks the language of `title` and `detail` (Polish "
        "by default).",
        "required": [
            "type",
            "title",
            "status",
            "detail",
            "instance",
            "code",
            "message",
            "message_en",
            "error",
        ],
        "properties": {
            "type": {
                "type": "string",
                "format": "uri-reference",
                "description": "Identifies the kind of problem: /problems/<code>",
            },
            "title": {"type": "string", "description": "The kind, briefly"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "This occurrence"},
            "instance": {
                "type": "string",
                "format": "uri-reference",
                "description": "The request's path",
            },
            "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "message": {"type": "string", "description": "Polish"},
            "message_en": {"type": "string", "description": "English"},
            "error": {
                "type": "object",
                "deprecated": True,
                "required": ["code", "message", "message_en"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string", "description": "Polish"},
                    "message_en": {"type": "string", "description": "English"},
                },
            },
        },
    },
    "Conflict": {
        "description": "A 409 on a report: the problem, and the report as it is now",
        "allOf": [
            _ref("Problem"),
            {"required": ["current"], "properties": {"current": _ref("OfficerReport")}},
        ],
    },
    "Category": {
        "type": "object",
        "required": ["code", "name_pl", "name_en", "active", "public_visibility"],
        "properties": {
            "code": ANY_CATEGORY,
            "name_pl": {"type": "string"},
            "name_en": {"type": "string"},
            "active": {"type": "boolean"},
            "public_visibility": {"type": "string", "enum": ["always", "never", "confirmed_only"]},
        },
    },
    "Status": {
        "type": "object",
        "required": ["code", "name_pl", "name_en", "colour", "public", "closed"],
        "properties": {
            "code": STATUS,
            **NAMES,
            "colour": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
            "public": {"type": "string", "enum": [p.value for p in statuses.Public]},
            "public_days": {"type": ["integer", "null"], "minimum": 1},
            "closed": {"type": "boolean"},
            "confirmed": {"type": "boolean"},
            "glyph": {"type": ["string", "null"]},
            "note_pl": {"type": ["string", "null"]},
            "note_en": {"type": ["string", "null"]},
        },
    },
    "Submission": {
        "type": "object",
        "additionalProperties": False,
        "required": ["category", "lat", "lon"],
        "properties": {
            "category": ACTIVE_CATEGORY,
            "lat": _coordinate("lat"),
            "lon": _coordinate("lon"),
            "description": _nullable(
                text(MAX_DESCRIPTION, multiline=True, blank_allowed=True, description="Plain text.")
            ),
            "occurred_at": {
                "type": ["string", "null"],
                # Years from 2000, real months, hours, minutes and seconds, and only the
                # offsets that can be in force (Z, +00:00, +01:00, +02:00).
                "pattern": "^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
                "T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?"
                "(?:Z|\\+0[0-2]:00)$",
                "description": "Strict ISO 8601, YYYY-MM-DDTHH:MM[:SS[.ffffff]] followed by "
                "Z, +00:00 or exactly the offset in force in Europe/Warsaw at that instant "
                "(+01:00 in winter, +02:00 in summer). A time without an offset is refused "
                "(datetime_without_timezone, never guessed); any other offset, e.g. the winter "
                "offset in July or a Warsaw spring-gap wall time, is refused "
                "(wrong_utc_offset, naming the offset in force). Not in the future (5 minutes "
                "of clock skew), not before 2000: these are 422s a schema cannot state.",
            },
            "time_of_day": TIME_OF_DAY_INPUT,
            "days_of_week": {
                "type": ["array", "null"],
                "items": {"type": "string", "enum": list(DAYS_OF_WEEK)},
                "description": "Repeated days count once",
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
            "status_pl",
            "status_en",
        ],
        "properties": {
            "id": ID,
            "status": {"type": "string", "const": statuses.NEW},
            **STATUS_NAMES,
            "category": ANY_CATEGORY,
            "unit": UNIT_SUMMARY,
            "garrison": {"type": "string"},
            "created_at": DATE_TIME,
            "tracking_token": TRACKING_TOKEN,
        },
    },
    "TrackedReport": {
        "type": "object",
        "required": [
            "id",
            "status",
            "status_pl",
            "status_en",
            "category",
            "unit",
            "garrison",
            "created_at",
            "modified_at",
        ],
        "properties": {
            "id": ID,
            "status": STATUS,
            **STATUS_NAMES,
            "category": ANY_CATEGORY,
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "unit": UNIT_SUMMARY,
            "garrison": {"type": "string"},
            "created_at": DATE_TIME,
            "modified_at": DATE_TIME,
            "occurred_at": DATE_TIME,
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

SCHEMAS["OfficerReport"] = {
    "type": "object",
    "required": [
        "id",
        "category",
        "status",
        "status_pl",
        "status_en",
        "lat",
        "lon",
        "teryt",
        "created_at",
        "overdue",
    ],
    "properties": {
        "id": ID,
        "category": ANY_CATEGORY,
        "status": STATUS,
        **STATUS_NAMES,
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "teryt": {"type": "string"},
        "powiat_name": {"type": "string"},
        "unit": UNIT_SUMMARY,
        "created_at": DATE_TIME,
        "modified_at": DATE_TIME,
        "source": {"type": "string", "enum": ["citizen_web", "consultation", "police_system"]},
        "overdue": {"type": "boolean"},
        "due_at": {"type": ["string", "null"], "format": "date-time"},
        "assignee": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"], "description": "Plain text, never HTML"},
        "status_version": {"type": "integer", "minimum": 1},
        "allowed_transitions": {"type": "array", "items": STATUS},
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
                    "status": STATUS,
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
                    "at": DATE_TIME,
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
        "at": DATE_TIME,
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

UNAVAILABLE = {
    "503": _problem(
        503,
        "DynamoDB does not answer; retry later" + _codes("storage_unavailable"),
        **{"Retry-After": RETRY_AFTER},
    )
}
SECURED: list[dict[str, list[str]]] = [{"officerToken": []}]
OFFICER_ERRORS = {
    "401": _problem(
        401,
        "No token, or not a valid one (also answered by API Gateway itself, in this format)"
        + _codes("unauthorized"),
    ),
    "403": _problem(
        403,
        "Another unit's report or a unit the caller may not view, a role that may not do "
        "this (role_required), or a token whose unit or garrison does not fit this deployment",
    ),
    "404": _problem(404, "No such report" + _codes("not_found")),
    **UNAVAILABLE,
}
REPORT_ID = {"name": "report_id", "in": "path", "required": True, "schema": ID}
BODY_ERRORS = {
    "413": _problem(413, "Body over 16 KiB" + _codes("body_too_large")),
    "415": _problem(
        415,
        "Not JSON, or compressed"
        + _codes("unsupported_media_type", "unsupported_content_encoding"),
    ),
}
# Each route's answers to a report id: its detail, what the officer may do with it.
REPORT_LINKS = {
    "getOfficerReport": {"operationId": "getOfficerReport"},
    "listDuplicateCandidates": {"operationId": "listDuplicateCandidates"},
    "changeReportStatus": {"operationId": "changeReportStatus"},
    "addReportNote": {"operationId": "addReportNote"},
    "assignReport": {"operationId": "assignReport"},
    "markReportDuplicate": {"operationId": "markReportDuplicate"},
}


def _report_links(report: str) -> dict[str, Any]:
    """Links from an answer holding a report at the JSON pointer `report` (its `id`, and its
    `status_version`, which a change must quote)."""
    links: dict[str, Any] = {
        name: {**link, "parameters": {"report_id": f"$response.body#{report}/id"}}
        for name, link in REPORT_LINKS.items()
    }
    links["takeUpReport"] = {
        "operationId": "changeReportStatus",
        "description": "Take the report up (new → verifying), quoting its current version",
        "parameters": {"report_id": f"$response.body#{report}/id"},
        "requestBody": {
            "status": statuses.VERIFYING,
            "version": f"$response.body#{report}/status_version",
        },
    }
    return links


def _officer_change(
    operation_id: str, summary: str, body: dict[str, Any], created: bool = False
) -> dict[str, Any]:
    conflict = (
        "A stale `version` (`stale_version`) or a change the current status does not allow "
        "(`transition_not_allowed`, `closed`, ...): with the report as it is now (`current`)"
    )
    return {
        "post": {
            "operationId": operation_id,
            "tags": ["officer"],
            "summary": summary,
            "security": SECURED,
            "parameters": [REPORT_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body}},
            },
            "responses": {
                ("201" if created else "200"): _json(
                    _ref("OfficerReport"),
                    "The report now",
                    headers={"Deprecation": DEPRECATION},
                    links=_report_links(""),
                ),
                "400": _problem(
                    400,
                    "Malformed JSON, a repeated key, not an object, a wrong type or a version "
                    "out of range",
                ),
                **({} if created else {"409": _problem(409, conflict, _ref("Conflict"))}),
                "422": _problem(422, "Invalid content (an unknown field, blank text, ...)"),
                **BODY_ERRORS,
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
    "maximum": officers.MAX_VERSION,
    "description": "status_version as last read",
}
VIEWING_UNIT = {
    "name": "unit",
    "in": "query",
    "description": "The unit the panel is viewing: an id or TERYT of a unit the caller may "
    "view (`unknown_unit` 400, another's 403)",
    "schema": {"type": "string", "pattern": f"^{officers.UNIT_PATTERN.pattern}$"},
}
DAY = {
    "type": "string",
    "format": "date",
    # officers.DAY_PATTERN within FIRST_DAY..LAST_DAY (the years 2000-2099); `format` rules
    # out the days a month does not have.
    "pattern": "^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$",
    "description": f"A calendar date from {officers.FIRST_DAY} to {officers.LAST_DAY}",
}
QUERY_DAY = DAY
LINE = officers.MAX_LINE
NOTE = _nullable(text(officers.MAX_NOTE, multiline=True, blank_allowed=True, description="A note."))
UNITS = {"type": "array", "items": UNIT_SUMMARY}
CANDIDATE = {
    "type": "object",
    "required": [
        "id",
        "category",
        "status",
        "status_pl",
        "status_en",
        "created_at",
        "lat",
        "lon",
        "distance_m",
    ],
    "properties": {
        "id": ID,
        "category": ANY_CATEGORY,
        "status": STATUS,
        **STATUS_NAMES,
        "created_at": DATE_TIME,
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "distance_m": {"type": "number", "minimum": 0},
    },
}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


OFFICER_PATHS: dict[str, Any] = {
    "/v1/officer/me": {
        "get": {
            "operationId": "getOfficerMe",
            "tags": ["officer"],
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
                "401": OFFICER_ERRORS["401"],
                "403": OFFICER_ERRORS["403"],
                **UNAVAILABLE,
            },
        }
    },
    "/v1/officer/reports": {
        "get": {
            "operationId": "listOfficerReports",
            "tags": ["officer"],
            "summary": "The unit's reports, newest first, one page",
            "security": SECURED,
            "parameters": [
                _query("status", STATUS_INPUT),
                _query("category", ANY_CATEGORY),
                _query("from", QUERY_DAY, "Created on or after this day (Warsaw)"),
                _query(
                    "to", QUERY_DAY, "Created on or before this day (Warsaw); not before `from`"
                ),
                _query("overdue", {"type": "string", "enum": ["true", "false"]}),
                VIEWING_UNIT,
                _query(
                    "cursor",
                    {"type": "string", "pattern": f"^{officers.CURSOR_PATTERN.pattern}$"},
                    "next_cursor of the previous page of the same query (any other is a 400 "
                    "`invalid_cursor`)",
                ),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": officers.MAX_PAGE}),
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
                    headers={"Deprecation": DEPRECATION},
                    links=_report_links("/items/0"),
                ),
                "400": _problem(
                    400,
                    "A parameter of the wrong type or out of range (dates "
                    f"{officers.FIRST_DAY} to {officers.LAST_DAY}, limit 1 to "
                    f"{officers.MAX_PAGE}), `from` after `to` (`invalid_range`), an unknown "
                    "status, category or unit, an admin without `unit` (`unit_required`), or "
                    "a cursor not issued for this query (`invalid_cursor`)",
                ),
                **OFFICER_ERRORS,
            },
        }
    },
    "/v1/officer/reports/{report_id}": {
        "get": {
            "operationId": "getOfficerReport",
            "tags": ["officer"],
            "summary": "One report with its description, notes, audit trail and what the "
            "caller may do with it",
            "security": SECURED,
            "parameters": [REPORT_ID, VIEWING_UNIT],
            "responses": {
                "200": _json(_ref("OfficerReport"), "The report", links=_report_links("")),
                "400": _problem(400, "A unit parameter of the wrong form, or an unknown unit"),
                **OFFICER_ERRORS,
            },
        }
    },
    "/v1/officer/reports/{report_id}/candidates": {
        "get": {
            "operationId": "listDuplicateCandidates",
            "tags": ["officer"],
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
                                "maxItems": officers.MAX_CANDIDATES,
                                "items": CANDIDATE,
                            }
                        },
                    },
                    "Nearest first; never the report itself or one that would close a cycle",
                ),
                "400": _problem(400, "A unit parameter of the wrong form, or an unknown unit"),
                **OFFICER_ERRORS,
            },
        }
    },
    "/v1/officer/reports/{report_id}/status": _officer_change(
        "changeReportStatus",
        "Move the report in the workflow",
        {
            **_body(
                ["status", "version"],
                status=STATUS_INPUT,
                version=VERSION,
                note=NOTE,
                institution=_nullable(
                    text(
                        LINE,
                        multiline=False,
                        blank_allowed=True,
                        description="The institution a report is handed over to: required "
                        f"(not blank) for {statuses.CONFIRMED_HANDED_OVER}, else ignored.",
                    )
                ),
            ),
        },
    ),
    "/v1/officer/reports/{report_id}/notes": _officer_change(
        "addReportNote",
        "Add an internal note",
        _body(
            ["text"],
            text=text(
                officers.MAX_NOTE, multiline=True, blank_allowed=False, description="The note."
            ),
        ),
        created=True,
    ),
    "/v1/officer/reports/{report_id}/duplicate": _officer_change(
        "markReportDuplicate",
        "Close as a duplicate of an open report of the same unit (no cycles)",
        _body(
            ["original_id", "version"],
            original_id={
                **ID,
                "description": "The original's id (another of the unit's open reports; an "
                "unknown one is a 422 `unknown_original`)",
            },
            version=VERSION,
            note=NOTE,
        ),
    ),
    "/v1/officer/reports/{report_id}/assign": _officer_change(
        "assignReport",
        "Assign to an officer (coordinators); null or blank unassigns",
        _body(
            ["assignee", "version"],
            assignee=_nullable(
                text(LINE, multiline=False, blank_allowed=True, description="The officer.")
            ),
            version=VERSION,
        ),
    ),
    "/v1/officer/consultations": {
        "post": {
            "operationId": "recordConsultation",
            "tags": ["officer"],
            "summary": "Record a threat raised at a meeting or public debate",
            "security": SECURED,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _body(
                            ["category", "lat", "lon", "meeting_date", "meeting_place"],
                            category=ANY_CATEGORY,
                            lat=_coordinate("lat"),
                            lon=_coordinate("lon"),
                            description=_nullable(
                                text(
                                    MAX_DESCRIPTION,
                                    multiline=True,
                                    blank_allowed=True,
                                    description="What was said.",
                                )
                            ),
                            meeting_date={
                                **DAY,
                                "description": "A calendar day, kept as given, not after today "
                                "in Warsaw (a later one is a 422 `meeting_in_future`)",
                            },
                            meeting_place=text(
                                LINE,
                                multiline=False,
                                blank_allowed=False,
                                description="Where the meeting was.",
                            ),
                        )
                    }
                },
            },
            "responses": {
                "201": _json(_ref("OfficerReport"), "Recorded", links=_report_links("")),
                "400": _problem(
                    400, "Malformed JSON, a repeated key, not an object or a wrong type"
                ),
                "422": _problem(
                    422,
                    "Invalid content, or a point outside Poland, on water for another category, "
                    "or outside the officer's unit (`outside_unit`)",
                ),
                **BODY_ERRORS,
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
        "schema": _coordinate(name),
    }
    for name in ("lat", "lon")
]


def _catalogue(name: str, item: dict[str, Any], description: str) -> dict[str, Any]:
    return _json(
        {
            "type": "object",
            "required": [name],
            "properties": {name: {"type": "array", "items": item}},
        },
        description,
    )


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Krajowa Mapa Zagrożeń Bezpieczeństwa — API",
        "version": "1.0.0",
        "description": "Zgłaszanie zagrożeń i ich śledzenie. Nie w nagłych wypadkach: "
        "dzwoń pod 112. / Reporting threats and following them. Not for emergencies: call 112.",
    },
    "tags": [
        {"name": "meta", "description": "The API itself"},
        {"name": "catalogues", "description": "Categories, statuses, units"},
        {"name": "reports", "description": "Citizens' reports"},
        {"name": "officer", "description": "The officers' panel (a signed-in officer's token)"},
    ],
    "paths": {
        "/v1/health": {
            "get": {
                "operationId": "health",
                "tags": ["meta"],
                "summary": "Whether the API and its database answer",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"type": "string", "const": "ok"}},
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
                "tags": ["catalogues"],
                "summary": "The threat categories",
                "responses": {
                    "200": _catalogue("categories", _ref("Category"), "All, active or not")
                },
            }
        },
        "/v1/statuses": {
            "get": {
                "operationId": "listStatuses",
                "tags": ["catalogues"],
                "summary": "The report statuses (in workflow order) and the times of day",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["statuses", "times_of_day"],
                            "properties": {
                                "statuses": {"type": "array", "items": _ref("Status")},
                                "times_of_day": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["code", "name_pl", "name_en"],
                                        "properties": {
                                            "code": {
                                                "type": "string",
                                                "enum": list(statuses.TIME_CODES),
                                            },
                                            **NAMES,
                                        },
                                    },
                                },
                            },
                        },
                        "Every status and time of day",
                    )
                },
            }
        },
        "/v1/reports": {
            "post": {
                "operationId": "submitReport",
                "tags": ["reports"],
                "summary": "Report a threat (one report per client per day)",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "1 to 255 printable ASCII characters; a retry with the "
                        "same key gets the first answer",
                        "schema": {"type": "string", "pattern": "^[!-~](?:[ -~]{0,253}[!-~])?$"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Submission")}},
                },
                "responses": {
                    "201": _json(
                        _ref("Receipt"),
                        "Stored (or the first answer, replayed)",
                        headers={
                            "Location": _header(
                                "The report's path", {"type": "string", "format": "uri-reference"}
                            ),
                            "Idempotent-Replayed": _header(
                                "Present when this is the first answer to the same "
                                "Idempotency-Key, replayed",
                                {"type": "string", "const": "true"},
                                required=False,
                            ),
                            "Deprecation": DEPRECATION,
                        },
                        links={
                            "followReport": {
                                "operationId": "followReport",
                                "parameters": {
                                    "report_id": "$response.body#/id",
                                    "token": "$response.body#/tracking_token",
                                },
                            },
                            "confirmReport": {
                                "operationId": "confirmReport",
                                "parameters": {"report_id": "$response.body#/id"},
                            },
                        },
                    ),
                    "400": _problem(
                        400,
                        "Malformed JSON, a repeated key, not an object, a value of the wrong "
                        "type, or a bad Idempotency-Key",
                    ),
                    **BODY_ERRORS,
                    "422": _problem(
                        422,
                        "Invalid content; or what a schema cannot state: a point outside Poland "
                        "(`outside_poland`), on water for another category (`on_water`), served "
                        "by another deployment (`outside_deployment`), `occurred_at` in the "
                        "future or with another offset than the one in force; an "
                        "Idempotency-Key used before with another body (`idempotency_key_reused`)",
                    ),
                    "429": _problem(
                        429,
                        "This client already reported today" + _codes("daily_limit"),
                        **{"Retry-After": RETRY_AFTER},
                    ),
                    **UNAVAILABLE,
                },
            }
        },
        "/v1/reports/{report_id}": {
            "get": {
                "operationId": "followReport",
                "tags": ["reports"],
                "summary": "The reporter follows their report with its tracking token",
                "parameters": [
                    {"name": "report_id", "in": "path", "required": True, "schema": ID},
                    {
                        "name": "token",
                        "in": "query",
                        "required": True,
                        "description": "The receipt's tracking_token (a wrong one: 404)",
                        "schema": TRACKING_TOKEN,
                    },
                ],
                "responses": {
                    "200": _json(_ref("TrackedReport"), "The report's current state"),
                    "404": _problem(404, "Unknown report or wrong token" + _codes("not_found")),
                    **UNAVAILABLE,
                },
            }
        },
        "/v1/reports/{report_id}/confirmations": {
            "post": {
                "operationId": "confirmReport",
                "tags": ["reports"],
                "summary": "Confirm a public report instead of reporting it again",
                "parameters": [REPORT_ID],
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "required": ["id", "confirmations"],
                            "properties": {
                                "id": ID,
                                "confirmations": {"type": "integer", "minimum": 1},
                            },
                        },
                        "Counted",
                    ),
                    "404": _problem(404, "Unknown report, or not on the public map"),
                    "409": _problem(
                        409,
                        "Already confirmed from this client (`already_confirmed`), the client's "
                        "own report (`own_report`) or a closed one (`report_closed`)",
                    ),
                    "429": _problem(
                        429,
                        "10 confirmations today already" + _codes("daily_confirmation_limit"),
                        **{"Retry-After": RETRY_AFTER},
                    ),
                    **UNAVAILABLE,
                },
            }
        },
        "/v1/units": {
            "get": {
                "operationId": "listUnits",
                "tags": ["catalogues"],
                "summary": "The police units this deployment serves, with their powiats",
                "responses": {"200": _catalogue("units", _ref("Unit"), "Units")},
            }
        },
        "/v1/units/locate": {
            "get": {
                "operationId": "locateUnit",
                "tags": ["catalogues"],
                "summary": "Which unit and garrison serve a point",
                "parameters": POINT_PARAMETERS,
                "responses": {
                    "200": _json(_ref("Placement"), "The serving unit"),
                    "400": _problem(400, "A coordinate not in plain decimal notation"),
                    "422": _problem(
                        422,
                        "A missing coordinate, or what a schema cannot state: outside Poland "
                        "(`outside_poland`) or outside this deployment (`outside_deployment`)",
                    ),
                },
            }
        },
        "/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "tags": ["meta"],
                "summary": "This document",
                "responses": {
                    "200": _json(
                        {"type": "object", "required": ["openapi", "paths"]}, "OpenAPI 3.1 document"
                    )
                },
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

# Every route takes only the query parameters it lists, each at most once and with a value
# (so every one is `minLength: 1`); anything else is a 400 (`unknown_parameter`,
# `duplicate_parameter`, `empty_parameter`). Every route may answer 500 `internal_error` (a
# bug, logged) and 405 for a method it does not declare (with `Allow`).
QUERY_ERRORS = "an unknown, repeated or empty query parameter"
# Every answer's language (a problem's title and detail): Polish unless English is preferred.
ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "RFC 9110 language preferences: `en` gives errors' title and detail in "
    "English; Polish otherwise",
    "schema": {"type": "string"},
}
for _operations in DOCUMENT["paths"].values():
    for _operation in _operations.values():
        _operation["parameters"] = [*_operation.get("parameters", []), ACCEPT_LANGUAGE]
        for _parameter in _operation.get("parameters", []):
            if _parameter["in"] == "query" and _parameter["schema"].get("type") == "string":
                _parameter["schema"] = {"minLength": 1, **_parameter["schema"]}
        _responses = _operation["responses"]
        if "400" in _responses:
            _description = _responses["400"]["description"] + "; or " + QUERY_ERRORS
            _responses["400"] = {**_responses["400"], "description": _description}
        else:
            _responses["400"] = _problem(400, QUERY_ERRORS[0].upper() + QUERY_ERRORS[1:])
        _responses["500"] = _problem(
            500, "An unexpected failure (logged)" + _codes("internal_error")
        )

# Open311 GeoReport v2 (docs/OPEN311.md): the specification's contract, not /v1's. Added after
# the /v1 rules above on purpose: its errors are the specification's
# `[{"code", "description"}]` (or `<errors>`), never problem details, and it checks its own
# query parameters. The document's path segment is `<name>.<json|xml>`.
_OPEN311_BODY = {
    "application/json": {"schema": {}},
    "text/xml": {"schema": {"type": "string"}},
}
_OPEN311_ERRORS = {
    "application/json": {
        "schema": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "description"],
                "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
            },
        }
    },
    "text/xml": {"schema": {"type": "string"}},
}


def _open311_operation(operation_id: str, summary: str, names: list[str]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "tags": ["open311"],
            "summary": summary,
            "externalDocs": {"url": "http://wiki.open311.org/GeoReport_v2"},
            "parameters": [
                {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                for n in names
            ]
            + [
                {
                    "name": "jurisdiction_id",
                    "in": "query",
                    "required": False,
                    "description": "A garrison's slug (required where several are served)",
                    "schema": {"type": "string", "minLength": 1},
                }
            ],
            "responses": {
                "200": {"description": "The GeoReport v2 document", "content": _OPEN311_BODY},
                "400": {"description": "A bad parameter", "content": _OPEN311_ERRORS},
                "404": {"description": "No such document or item", "content": _OPEN311_ERRORS},
            },
        }
    }


DOCUMENT["tags"].append(
    {"name": "open311", "description": "Open311 GeoReport v2, read side (docs/OPEN311.md)"}
)
DOCUMENT["paths"]["/open311/v2/{document}"] = _open311_operation(
    "open311Document",
    "discovery, services, requests (GET) as `<name>.json` or `<name>.xml`; requests' filters: "
    "service_request_id, service_code, start_date, end_date, status, page, page_size",
    ["document"],
)
DOCUMENT["paths"]["/open311/v2/{collection}/{document}"] = _open311_operation(
    "open311Item",
    "services/<service_code>.<json|xml> (a definition) or requests/<id>.<json|xml>",
    ["collection", "document"],
)
# GeoReport v2 `POST requests.{json|xml}` (chalicelib/open311_submit.py; docs/OPEN311.md).
DOCUMENT["paths"]["/open311/v2/{document}"]["post"] = {
    "operationId": "open311CreateRequest",
    "tags": ["open311"],
    "summary": "requests.json or requests.xml: a new service request (a report) with an "
    "api_key from `kmzb-admin open311 keys create`; the answer never holds a tracking token",
    "externalDocs": {"url": "http://wiki.open311.org/GeoReport_v2"},
    "parameters": [
        {"name": "document", "in": "path", "required": True, "schema": {"type": "string"}}
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "service_code", "lat", "long"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "api_key",
                            "service_code",
                            "lat",
                            "long",
                            "description",
                            "jurisdiction_id",
                            "attribute[occurred_at]",
                            "attribute[time_of_day]",
                            "attribute[days_of_week][]",
                        )
                    },
                }
            }
        },
    },
    "responses": {
        "201": {
            "description": "[{service_request_id, service_notice, token: null}]",
            "content": _OPEN311_BODY,
        },
        "400": {"description": "A missing or invalid parameter", "content": _OPEN311_ERRORS},
        "403": {"description": "A bad or revoked api_key", "content": _OPEN311_ERRORS},
        "404": {"description": "An unknown service or document", "content": _OPEN311_ERRORS},
        "429": {
            "description": "The address's report of the day, or the key's daily ceiling",
            "content": _OPEN311_ERRORS,
        },
    },
}
